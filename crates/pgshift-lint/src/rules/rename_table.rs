//! `rename-table`: an existing table is renamed.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "rename-table", Hygiene, Warning,
    "renames an existing table",
    why: "during a rolling deploy the running code still queries the old name and fails from the moment this commits until every instance is replaced",
    instead: "rename it and leave a view under the old name (`CREATE VIEW old AS SELECT * FROM new`) until no code uses it, or acknowledge with `-- pgshift: allow rename-table <reason>` when no old code runs against it",
);

/// See the module doc.
pub struct RenameTable;

impl Rule for RenameTable {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let NodeEnum::RenameStmt(s) = cx.node else { return Vec::new() };
        if s.rename_type != ObjectType::ObjectTable as i32 {
            return Vec::new();
        }
        let Some(table) = s.relation.as_ref().map(ast::range) else { return Vec::new() };
        if !cx.existing(&table) {
            return Vec::new();
        }
        vec![Hit::new(format!(
            "renames table {table} to {}: code still using the old name fails until it is redeployed",
            pgshift_catalog::quote::ident(&s.newname)
        ))]
    }
}
