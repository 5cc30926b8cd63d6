//! `add-primary-key`: a primary key is added to an existing table by building its index in
//! place (`ADD PRIMARY KEY (…)`; `… PRIMARY KEY USING INDEX` is the online form).

use pg_query::protobuf::ConstrType;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "add-primary-key", DataDependent, Warning,
    "adds a primary key to an existing table",
    why: "its unique index is built under an ACCESS EXCLUSIVE lock (no reads, no writes), and the migration fails on the first duplicate or NULL",
    instead: "find duplicates and NULLs with `pgshift preflight`, `CREATE UNIQUE INDEX CONCURRENTLY` in a `-- up: no transaction` section, then `ADD CONSTRAINT … PRIMARY KEY USING INDEX` (columns already NOT NULL)",
);

/// See the module doc.
pub struct AddPrimaryKey;

impl Rule for AddPrimaryKey {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let Some((table, added)) = cx.added_constraints(ConstrType::ConstrPrimary) else { return Vec::new() };
        added
            .into_iter()
            .filter(|c| c.indexname.is_empty())
            .map(|c| {
                Hit::new(format!(
                    "adds primary key{} on {table} {}: builds its index under ACCESS EXCLUSIVE and fails on duplicates or NULLs",
                    ast::named(c),
                    ast::column_list(&ast::constraint_columns(c, None))
                ))
                .at(c.location)
            })
            .collect()
    }
}
