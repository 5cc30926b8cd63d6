//! `reindex-without-concurrently`: `REINDEX` without `CONCURRENTLY`.

use pg_query::protobuf::ReindexObjectType;
use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "reindex-without-concurrently", Locking, Warning,
    "rebuilds indexes without CONCURRENTLY",
    why: "REINDEX blocks writes to each table while its indexes are rebuilt, and queries that would use an index being rebuilt wait too",
    instead: "`REINDEX … CONCURRENTLY` (PostgreSQL 12+) in a `-- up: no transaction` section (it cannot run inside a transaction)",
);

/// See the module doc.
pub struct ReindexWithoutConcurrently;

impl Rule for ReindexWithoutConcurrently {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let NodeEnum::ReindexStmt(s) = cx.node else { return Vec::new() };
        if ast::option_on(&s.params, "concurrently") {
            return Vec::new();
        }
        let relation = s.relation.as_ref().map(ast::range);
        let (what, effect) = match (ReindexObjectType::try_from(s.kind), &relation) {
            (Ok(ReindexObjectType::ReindexObjectIndex), Some(index)) => (format!("index {index}"), "writes to its table, and queries using it, wait until it is rebuilt".to_owned()),
            (Ok(ReindexObjectType::ReindexObjectTable), Some(table)) if cx.existing(table) => (format!("the indexes of {table}"), format!("writes to {table} wait while they are rebuilt")),
            (Ok(ReindexObjectType::ReindexObjectTable), _) => return Vec::new(),
            (Ok(ReindexObjectType::ReindexObjectSchema), _) => (format!("every index of schema {}", pgshift_catalog::quote::ident(&s.name)), "writes to each table wait while its indexes are rebuilt".to_owned()),
            (Ok(ReindexObjectType::ReindexObjectSystem), _) => ("every system catalog index".to_owned(), "writes to each catalog wait while its indexes are rebuilt".to_owned()),
            _ => ("every index of the database".to_owned(), "writes to each table wait while its indexes are rebuilt".to_owned()),
        };
        vec![Hit::new(format!("rebuilds {what} without CONCURRENTLY: {effect}"))]
    }
}
