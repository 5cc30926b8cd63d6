//! `drop-index-without-concurrently`: `DROP INDEX` without `CONCURRENTLY` (of an index not
//! created earlier in the same file).

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "drop-index-without-concurrently", Locking, Warning,
    "drops an index without CONCURRENTLY",
    why: "DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table: once it queues behind a running query, every read and write of the table queues behind it",
    instead: "`DROP INDEX CONCURRENTLY` in a `-- up: no transaction` section (it cannot run inside a transaction)",
);

/// See the module doc.
pub struct DropIndexWithoutConcurrently;

impl Rule for DropIndexWithoutConcurrently {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let NodeEnum::DropStmt(s) = cx.node else { return Vec::new() };
        if s.remove_type != ObjectType::ObjectIndex as i32 || s.concurrent {
            return Vec::new();
        }
        s.objects
            .iter()
            .filter_map(|o| match &o.node {
                Some(NodeEnum::List(l)) => ast::parts(&ast::strings(&l.items)),
                _ => None,
            })
            .filter(|index| !created_earlier(cx, index))
            .map(|index| Hit::new(format!("drops index {index} without CONCURRENTLY: its table is locked ACCESS EXCLUSIVE until running queries finish")))
            .collect()
    }
}

/// Whether the file built `index` before this statement (nobody uses it yet).
fn created_earlier(cx: &Cx<'_>, index: &pgshift_history::guard::Name) -> bool {
    cx.before().iter().any(|node| match node {
        NodeEnum::IndexStmt(s) => {
            let schema = s.relation.as_ref().map(|r| r.schemaname.clone()).filter(|s| !s.is_empty());
            ast::same(&pgshift_history::guard::Name { schema, name: s.idxname.clone() }, index)
        }
        _ => false,
    })
}
