//! `missing-lock-timeout`: a hand-written migration locks an existing table (ALTER TABLE, DROP
//! TABLE, CREATE INDEX without CONCURRENTLY) while no `lock_timeout` is in force: neither the
//! engine's (`Settings::lock_timeout`) nor an earlier `SET lock_timeout` of the file. Reported
//! once per file, at the first such statement. Generated migrations are left out: they run
//! under the engine's.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use super::meta;
use crate::cx::State;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "missing-lock-timeout", Locking, Warning,
    "locks an existing table with no lock_timeout",
    why: "a lock request waits behind any long-running query on the table, and every later query on the table queues behind the waiting migration: a short ALTER becomes an outage",
    instead: "start the up section with `SET lock_timeout = '5s';` (or set `lock_timeout` in pgshift.toml) and retry the migration when it times out",
);

/// See the module doc.
pub struct MissingLockTimeout;

impl Rule for MissingLockTimeout {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        if cx.file.generated || cx.state.lock_timeout || engine_sets_one(cx.settings.lock_timeout.as_deref()) {
            return Vec::new();
        }
        let Some(what) = locks(cx.node, cx.state) else { return Vec::new() };
        // Once per file: not when an earlier statement already qualified (no SET lock_timeout
        // ran before this one, so none ran before those either).
        let mut state = State::default();
        for node in cx.before() {
            if locks(node, &state).is_some() {
                return Vec::new();
            }
            state.after(node);
        }
        vec![Hit::new(format!("{what} with no lock_timeout in force (none from pgshift.toml, no SET lock_timeout before it)"))]
    }
}

/// Whether the engine's `lock_timeout` is set and not zero.
fn engine_sets_one(timeout: Option<&str>) -> bool {
    let Some(t) = timeout else { return false };
    let number = t.trim().trim_end_matches(|c: char| c.is_ascii_alphabetic()).trim();
    number.parse::<f64>().map_or(true, |v| v != 0.0)
}

/// What `node` locks on an existing table, as a finding says it.
fn locks(node: &NodeEnum, state: &State) -> Option<String> {
    if let Some((table, _)) = ast::alter_table(node) {
        return state.existing(&table).then(|| format!("alters existing table {table}"));
    }
    match node {
        NodeEnum::DropStmt(s) if s.remove_type == ObjectType::ObjectTable as i32 => s
            .objects
            .iter()
            .filter_map(|o| match &o.node {
                Some(NodeEnum::List(l)) => ast::parts(&ast::strings(&l.items)),
                _ => None,
            })
            .find(|t| state.existing(t))
            .map(|t| format!("drops existing table {t}")),
        NodeEnum::IndexStmt(s) if !s.concurrent => {
            let table = s.relation.as_ref().map(ast::range)?;
            state.existing(&table).then(|| format!("builds an index on existing table {table} without CONCURRENTLY"))
        }
        _ => None,
    }
}
