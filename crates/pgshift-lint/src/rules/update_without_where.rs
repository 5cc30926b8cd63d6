//! `update-without-where`: `UPDATE` of every row of a table.

use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "update-without-where", Destructive, Warning,
    "updates every row of a table",
    why: "the old values are overwritten in every row, and one UPDATE of a large table holds its row locks and bloats it until it commits",
    instead: "add the WHERE clause meant (a backfill: `WHERE col IS NULL`), batch a large table by primary key, or acknowledge with `-- pgshift: allow update-without-where <reason>`",
);

/// See the module doc.
pub struct UpdateWithoutWhere;

impl Rule for UpdateWithoutWhere {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let NodeEnum::UpdateStmt(s) = cx.node else { return Vec::new() };
        if s.where_clause.is_some() || !s.from_clause.is_empty() {
            return Vec::new();
        }
        let Some(table) = s.relation.as_ref().map(ast::range) else { return Vec::new() };
        if !cx.existing(&table) {
            return Vec::new();
        }
        vec![Hit::new(format!("updates every row of {table}"))]
    }
}
