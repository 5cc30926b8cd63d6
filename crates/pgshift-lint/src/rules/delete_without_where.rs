//! `delete-without-where`: `DELETE` of every row of a table.

use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "delete-without-where", Destructive, Error,
    "deletes every row of a table",
    why: "a DELETE without WHERE is almost always a forgotten condition, and its rows are gone once this commits",
    instead: "add the WHERE clause meant, or acknowledge with `-- pgshift: allow delete-without-where <reason>`",
);

/// See the module doc.
pub struct DeleteWithoutWhere;

impl Rule for DeleteWithoutWhere {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let NodeEnum::DeleteStmt(s) = cx.node else { return Vec::new() };
        if s.where_clause.is_some() || !s.using_clause.is_empty() {
            return Vec::new();
        }
        let Some(table) = s.relation.as_ref().map(ast::range) else { return Vec::new() };
        if !cx.existing(&table) {
            return Vec::new();
        }
        vec![Hit::new(format!("deletes every row of {table}"))]
    }
}
