//! `index-without-concurrently`: `CREATE INDEX` on an existing table without `CONCURRENTLY`.

use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "index-without-concurrently", Locking, Warning,
    "builds an index on an existing table without CONCURRENTLY",
    why: "CREATE INDEX holds a SHARE lock for the whole build: every INSERT, UPDATE and DELETE on the table waits until it finishes",
    instead: "`CREATE INDEX CONCURRENTLY` in a `-- up: no transaction` section (it cannot run inside a transaction; a failed build leaves an INVALID index to drop)",
);

/// See the module doc.
pub struct IndexWithoutConcurrently;

impl Rule for IndexWithoutConcurrently {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let NodeEnum::IndexStmt(s) = cx.node else { return Vec::new() };
        let Some(table) = s.relation.as_ref().map(ast::range) else { return Vec::new() };
        if s.concurrent || !cx.existing(&table) {
            return Vec::new();
        }
        let name = if s.idxname.is_empty() { String::new() } else { format!(" {}", pgshift_catalog::quote::ident(&s.idxname)) };
        vec![Hit::new(format!("builds index{name} on {table} without CONCURRENTLY: writes to {table} wait until it is built"))]
    }
}
