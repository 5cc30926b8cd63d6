//! `narrowing-type`: a column is re-typed to a bounded type (`varchar(n)`, `char(n)`,
//! `numeric(p, s)`, `smallint`, `integer`, `real`), which may reject or round existing values.

use pg_query::protobuf::AlterTableType;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "narrowing-type", Destructive, Warning,
    "re-types a column to a bounded type",
    why: "values longer or larger than the new type fail the migration, and numeric scale is rounded away without an error",
    instead: "check the longest/largest values first (`pgshift preflight`), or keep the wider type and add a CHECK constraint",
);

/// See the module doc.
pub struct NarrowingType;

impl Rule for NarrowingType {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let Some((table, cmds)) = cx.existing_table_commands(AlterTableType::AtAlterColumnType) else { return Vec::new() };
        cmds.into_iter()
            .filter_map(|cmd| {
                let def = ast::column_def(cmd)?;
                let (name, mods) = ast::type_name(def.type_name.as_ref()?);
                let bounded = match name.as_str() {
                    "varchar" | "bpchar" | "char" | "character varying" | "numeric" | "decimal" => !mods.is_empty(),
                    "int2" | "smallint" | "int4" | "integer" | "int" | "float4" | "real" => true,
                    _ => false,
                };
                let shown = if mods.is_empty() {
                    name.clone()
                } else {
                    format!("{name}({})", mods.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
                };
                bounded.then(|| {
                    Hit::new(format!("re-types {}.{} to {shown}: longer or larger values fail, scale is rounded", table, pgshift_catalog::quote::ident(&cmd.name)))
                        .at(def.location)
                })
            })
            .collect()
    }
}
