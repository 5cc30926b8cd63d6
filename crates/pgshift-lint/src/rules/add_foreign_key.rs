//! `add-foreign-key`: a foreign key is added to an existing table without `NOT VALID`
//! (`ADD CONSTRAINT … FOREIGN KEY`, or `ADD COLUMN … REFERENCES`, which cannot be `NOT VALID`).

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

use pg_query::protobuf::ConstrType;

meta!(
    "add-foreign-key", DataDependent, Warning,
    "adds a foreign key to an existing table without NOT VALID",
    why: "every row is checked against the referenced table while writes to both tables are blocked, and the migration fails on the first row without a match",
    instead: "add the column first, then the constraint `NOT VALID`, and `VALIDATE CONSTRAINT` in a later section (`-- up: no transaction` or the next migration); find orphan rows with `pgshift preflight`",
);

/// See the module doc.
pub struct AddForeignKey;

impl Rule for AddForeignKey {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let Some((table, cmds)) = ast::alter_table(cx.node) else { return Vec::new() };
        if !cx.existing(&table) {
            return Vec::new();
        }
        ast::added_constraints(&cmds)
            .into_iter()
            .filter(|(c, _)| ast::contype(c) == ConstrType::ConstrForeign && !c.skip_validation)
            .map(|(c, column)| {
                let referenced = c.pktable.as_ref().map(|r| ast::range(r).to_string()).unwrap_or_default();
                let detail = match column {
                    Some(col) => format!(
                        "adds column {} referencing {referenced}: its foreign key is checked against every row at once, while {table} is locked and writes to {referenced} wait",
                        ast::column(&table, &col.colname)
                    ),
                    None => format!(
                        "adds foreign key{} on {table} {} to {referenced} without NOT VALID: checks every row while writes to both tables wait",
                        ast::named(c),
                        ast::column_list(&ast::constraint_columns(c, None))
                    ),
                };
                Hit::new(detail).at(c.location)
            })
            .collect()
    }
}
