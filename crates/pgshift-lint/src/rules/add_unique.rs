//! `add-unique`: a uniqueness rule over existing rows: `ADD CONSTRAINT … UNIQUE` (or `ADD
//! UNIQUE`) built in place, or `CREATE UNIQUE INDEX` without `CONCURRENTLY`, on an existing
//! table. `… UNIQUE USING INDEX` and a concurrent build are the online form and do not fire.

use pg_query::protobuf::ConstrType;
use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "add-unique", DataDependent, Warning,
    "adds a uniqueness constraint to an existing table",
    why: "the unique index is built while writes (for ADD CONSTRAINT also reads) are blocked, and the migration fails on the first duplicate",
    instead: "find duplicates with `pgshift preflight`, `CREATE UNIQUE INDEX CONCURRENTLY` in a `-- up: no transaction` section, then `ADD CONSTRAINT … UNIQUE USING INDEX` (instant)",
);

/// See the module doc.
pub struct AddUnique;

impl Rule for AddUnique {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        if let NodeEnum::IndexStmt(s) = cx.node {
            let Some(table) = s.relation.as_ref().map(ast::range) else { return Vec::new() };
            if !s.unique || s.concurrent || !cx.existing(&table) {
                return Vec::new();
            }
            let name = if s.idxname.is_empty() { String::new() } else { format!(" {}", pgshift_catalog::quote::ident(&s.idxname)) };
            return vec![Hit::new(format!(
                "builds unique index{name} on {table} {} while writes to it wait, and fails on duplicate rows",
                ast::column_list(&ast::index_columns(s))
            ))];
        }
        let Some((table, added)) = cx.added_constraints(ConstrType::ConstrUnique) else { return Vec::new() };
        added
            .into_iter()
            .filter(|c| c.indexname.is_empty())
            .map(|c| {
                Hit::new(format!(
                    "adds UNIQUE constraint{} on {table} {}: builds its index under ACCESS EXCLUSIVE and fails on duplicate rows",
                    ast::named(c),
                    ast::column_list(&ast::constraint_columns(c, None))
                ))
                .at(c.location)
            })
            .collect()
    }
}
