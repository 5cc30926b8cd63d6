//! `drop-column`: a column of an existing table is dropped with its data.

use pg_query::protobuf::AlterTableType;

use super::meta;
use crate::{Cx, Hit, Meta, Rule};

meta!(
    "drop-column", Destructive, Error,
    "drops a column with its data",
    why: "the values are gone for good, and application code still selecting or inserting the column fails",
    instead: "deploy code that no longer uses the column first, then drop it and acknowledge with `-- pgshift: allow drop-column <reason>`",
);

/// See the module doc.
pub struct DropColumn;

impl Rule for DropColumn {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let Some((table, cmds)) = cx.existing_table_commands(AlterTableType::AtDropColumn) else { return Vec::new() };
        cmds.into_iter()
            .map(|cmd| Hit::new(format!("drops column {}.{} with its data", table, pgshift_catalog::quote::ident(&cmd.name))))
            .collect()
    }
}
