//! `truncate`: `TRUNCATE` empties tables.

use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "truncate", Destructive, Error,
    "empties a table",
    why: "every row is gone for good once this commits, and TRUNCATE takes an ACCESS EXCLUSIVE lock",
    instead: "delete exactly the rows meant (DELETE … WHERE) or acknowledge with `-- pgshift: allow truncate <reason>`",
);

/// See the module doc.
pub struct Truncate;

impl Rule for Truncate {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let NodeEnum::TruncateStmt(s) = cx.node else { return Vec::new() };
        s.relations
            .iter()
            .filter_map(|r| match &r.node {
                Some(NodeEnum::RangeVar(r)) => Some(ast::range(r)),
                _ => None,
            })
            .filter(|t| cx.existing(t))
            .map(|t| Hit::new(format!("empties table {t}")))
            .collect()
    }
}
