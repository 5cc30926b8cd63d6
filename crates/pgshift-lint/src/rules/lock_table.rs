//! `lock-table`: an explicit `LOCK TABLE` of existing tables.

use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "lock-table", Locking, Warning,
    "locks tables explicitly",
    why: "the lock is held until the transaction commits, blocking every conflicting query for the rest of the migration, and without lock_timeout it waits behind running queries while everything else queues behind it",
    instead: "let each statement take the lock it needs; if the lock really is needed (e.g. to keep tables consistent during a data migration), set lock_timeout first and acknowledge with `-- pgshift: allow lock-table <reason>`",
);

/// See the module doc.
pub struct LockTable;

impl Rule for LockTable {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let NodeEnum::LockStmt(s) = cx.node else { return Vec::new() };
        let tables: Vec<String> = s
            .relations
            .iter()
            .filter_map(|r| match &r.node {
                Some(NodeEnum::RangeVar(r)) => Some(ast::range(r)),
                _ => None,
            })
            .filter(|t| cx.existing(t))
            .map(|t| t.to_string())
            .collect();
        if tables.is_empty() {
            return Vec::new();
        }
        vec![Hit::new(format!("locks {} in {} mode until the transaction ends", tables.join(", "), mode(s.mode)))]
    }
}

/// PostgreSQL's lock mode numbers (`lockdefs.h`).
fn mode(mode: i32) -> &'static str {
    match mode {
        1 => "ACCESS SHARE",
        2 => "ROW SHARE",
        3 => "ROW EXCLUSIVE",
        4 => "SHARE UPDATE EXCLUSIVE",
        5 => "SHARE",
        6 => "SHARE ROW EXCLUSIVE",
        7 => "EXCLUSIVE",
        _ => "ACCESS EXCLUSIVE",
    }
}
