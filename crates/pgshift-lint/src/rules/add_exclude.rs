//! `add-exclude`: an `EXCLUDE` constraint is added to an existing table.

use pg_query::protobuf::ConstrType;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "add-exclude", DataDependent, Warning,
    "adds an EXCLUDE constraint to an existing table",
    why: "its index is built under an ACCESS EXCLUSIVE lock (no reads, no writes), and the migration fails on the first pair of conflicting rows; it cannot be added NOT VALID or USING INDEX",
    instead: "find conflicting rows with `pgshift preflight` and run it when the table is quiet (or while it is still small); acknowledge with `-- pgshift: allow add-exclude <reason>`",
);

/// See the module doc.
pub struct AddExclude;

impl Rule for AddExclude {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let Some((table, added)) = cx.added_constraints(ConstrType::ConstrExclusion) else { return Vec::new() };
        added
            .into_iter()
            .map(|c| {
                Hit::new(format!(
                    "adds EXCLUDE constraint{} to {table}: builds its index under ACCESS EXCLUSIVE and fails on conflicting rows",
                    ast::named(c)
                ))
                .at(c.location)
            })
            .collect()
    }
}
