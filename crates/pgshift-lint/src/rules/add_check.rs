//! `add-check`: a `CHECK` constraint is added to an existing table without `NOT VALID`.

use pg_query::protobuf::ConstrType;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "add-check", DataDependent, Warning,
    "adds a CHECK constraint to an existing table without NOT VALID",
    why: "PostgreSQL checks every row while holding an ACCESS EXCLUSIVE lock (no reads, no writes), and the migration fails on the first row that violates it",
    instead: "add it `NOT VALID` (new rows are checked at once), then `VALIDATE CONSTRAINT` in a later section (`-- up: no transaction` or the next migration); find violating rows first with `pgshift preflight`",
);

/// See the module doc.
pub struct AddCheck;

impl Rule for AddCheck {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let Some((table, added)) = cx.added_constraints(ConstrType::ConstrCheck) else { return Vec::new() };
        added
            .into_iter()
            .filter(|c| !c.skip_validation)
            .map(|c| {
                Hit::new(format!(
                    "adds CHECK constraint{} to {table} without NOT VALID: scans every row under ACCESS EXCLUSIVE and fails on a violating row",
                    ast::named(c)
                ))
                .at(c.location)
            })
            .collect()
    }
}
