//! `drop-table`: a table that existed before this migration is dropped with all its rows.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "drop-table", Destructive, Error,
    "drops a table with all its rows",
    why: "the rows are gone for good once this commits, and code still reading the table fails",
    instead: "stop using the table first, keep a backup or rename it away, then acknowledge with `-- pgshift: allow drop-table <reason>`",
);

/// See the module doc.
pub struct DropTable;

impl Rule for DropTable {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let NodeEnum::DropStmt(s) = cx.node else { return Vec::new() };
        if s.remove_type != ObjectType::ObjectTable as i32 {
            return Vec::new();
        }
        s.objects
            .iter()
            .filter_map(|o| match &o.node {
                Some(NodeEnum::List(l)) => ast::parts(&ast::strings(&l.items)),
                _ => None,
            })
            .filter(|t| cx.existing(t))
            .map(|t| Hit::new(format!("drops table {t} with all its rows")))
            .collect()
    }
}
