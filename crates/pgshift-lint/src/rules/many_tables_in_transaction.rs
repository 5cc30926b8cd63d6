//! `many-tables-in-transaction`: the statement makes its transaction hold locks on more
//! relations than `Settings::max_locks` (PostgreSQL's default `max_locks_per_transaction`,
//! 64, when 0); reported once, at the statement that crosses the limit.

use std::collections::BTreeSet;

use pgshift_history::guard::Target;

use super::meta;
use crate::{Cx, Hit, Meta, Rule};

meta!(
    "many-tables-in-transaction", Locking, Warning,
    "locks more relations in one transaction than max_locks_per_transaction",
    why: "every lock is held until COMMIT: past max_locks_per_transaction the server's shared lock table can run out (`out of shared memory`), and each locked table blocks conflicting queries for the whole migration",
    instead: "split the statements into several migrations, or several `-- up: no transaction` sections, each touching fewer tables",
);

/// See the module doc.
pub struct ManyTablesInTransaction;

impl Rule for ManyTablesInTransaction {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        if !cx.transactional() {
            return Vec::new();
        }
        let max = if cx.settings.max_locks == 0 { 64 } else { cx.settings.max_locks };
        let before = cx.state.locked.len();
        let new: BTreeSet<_> = pgshift_history::guard::targets_of(cx.node)
            .into_iter()
            .filter_map(|t| match t {
                Target::Object(name) => Some(name),
                _ => None,
            })
            .filter(|name| !cx.state.locked.contains(name))
            .collect();
        let after = before + new.len();
        if before <= max && after > max {
            vec![Hit::new(format!("makes this transaction hold locks on {after} relations, more than {max} (max_locks_per_transaction)"))]
        } else {
            Vec::new()
        }
    }
}
