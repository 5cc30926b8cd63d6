//! `drop-enum-label`: labels are removed from an enum (PostgreSQL cannot drop a label: the type
//! is replaced by a new one without it, pgshift's `…__pgshift_new` swap or the same by hand).

use pg_query::protobuf::AlterTableType;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "drop-enum-label", Destructive, Error,
    "replaces an enum by a type without some of its labels",
    why: "rows holding a removed label make the re-typing fail (or, with a USING that maps them, lose the value), and code still writing the label fails",
    instead: "update the rows holding the labels first (a data migration), run `pgshift preflight`, then acknowledge with `-- pgshift: allow drop-enum-label <reason>`",
);

/// See the module doc.
pub struct DropEnumLabel;

impl Rule for DropEnumLabel {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        // The re-typing of a column to a new enum that replaces an existing one.
        let Some((table, cmds)) = cx.existing_table_commands(AlterTableType::AtAlterColumnType) else { return Vec::new() };
        let swapped: Vec<_> = cx.state.created.iter().filter(|t| t.name.ends_with("__pgshift_new")).collect();
        cmds.into_iter()
            .filter_map(|cmd| {
                let def = ast::column_def(cmd)?;
                let (name, _) = ast::type_name(def.type_name.as_ref()?);
                let replaced = swapped.iter().find(|t| t.name == name)?;
                let old = replaced.name.trim_end_matches("__pgshift_new");
                Some(Hit::new(format!(
                    "re-types {}.{} to {}, which replaces enum {} without some of its labels",
                    table,
                    pgshift_catalog::quote::ident(&cmd.name),
                    pgshift_catalog::quote::ident(&replaced.name),
                    pgshift_catalog::quote::ident(old)
                )))
            })
            .collect()
    }
}
