//! `type-change-with-cast`: `ALTER COLUMN … TYPE … USING …` on an existing table: every row
//! goes through the expression, which can fail on some of them.

use pg_query::protobuf::AlterTableType;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "type-change-with-cast", DataDependent, Warning,
    "re-types a column of an existing table with a USING expression",
    why: "every row is converted while the table is rewritten under an ACCESS EXCLUSIVE lock, and the migration fails on the first value the expression cannot convert",
    instead: "run the conversion over the data first with `pgshift preflight`; on a large table add a new column, backfill it in batches, switch the code over, then drop the old column",
);

/// See the module doc.
pub struct TypeChangeWithCast;

impl Rule for TypeChangeWithCast {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let Some((table, cmds)) = cx.existing_table_commands(AlterTableType::AtAlterColumnType) else { return Vec::new() };
        cmds.into_iter()
            .filter_map(|cmd| {
                let def = ast::column_def(cmd)?;
                def.raw_default.as_ref()?;
                let to = def.type_name.as_ref().map(ast::shown_type).unwrap_or_default();
                Some(
                    Hit::new(format!(
                        "re-types {} to {to} USING an expression: every row is converted, and a row it cannot convert fails the migration",
                        ast::column(&table, &cmd.name)
                    ))
                    .at(def.location),
                )
            })
            .collect()
    }
}
