//! The offline upgrade script: what `upgrade` would run, as one SQL file for
//! `psql -v ON_ERROR_STOP=1 -f`.
//!
//! Owns: [`upgrade_script`]: the ledger DDL, then per revision its up sections in order, with
//! `BEGIN`/`COMMIT` around each run of transactional sections (starting with
//! `SET LOCAL lock_timeout`), `no transaction` statements bare, and the ledger rows (revision
//! and `up` log row) written in the revision's last transaction (or a transaction of their
//! own when it ends with a `no transaction` section).
//!
//! Must not: connect to a database. The script takes no advisory lock and records no
//! progress rows; psql stops at the first error (with `ON_ERROR_STOP`), and a rerun of the
//! script is not resumable the way `upgrade` is. psql interpolates `:name` outside quotes
//! when such a variable is set; migrations are written for the server, so avoid that.

use std::collections::BTreeSet;

use pgshift_catalog::quote;

use crate::apply::{groups, row_of};
use crate::error::HistoryError;
use crate::file::Direction;
use crate::graph::RevisionGraph;
use crate::ledger::{Ledger, LogEntry};
use crate::revision::RevisionId;

/// Settings of the script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptOptions {
    /// The ledger schema (default `public`).
    pub ledger_schema: String,
    /// `lock_timeout` for each transaction (default `5s`).
    pub lock_timeout: String,
}

impl Default for ScriptOptions {
    fn default() -> Self {
        ScriptOptions { ledger_schema: "public".to_owned(), lock_timeout: "5s".to_owned() }
    }
}

/// The SQL `upgrade` would run from the applied set `from` to `target` (the single head when
/// `None`). Reads the migration files (the ledger keeps their text).
pub fn upgrade_script(
    graph: &RevisionGraph,
    from: &BTreeSet<RevisionId>,
    target: Option<&RevisionId>,
    options: &ScriptOptions,
) -> Result<String, HistoryError> {
    let target = match target {
        Some(t) => Some(t.clone()),
        None if graph.is_empty() => None,
        None => Some(graph.single_head()?),
    };
    let plan = graph.plan_upgrade(from, target.as_ref())?;
    let ledger = Ledger::new(&options.ledger_schema);
    let begin = format!("BEGIN;\nSET LOCAL lock_timeout = {};\n", quote::literal(&options.lock_timeout));
    let mut out = String::from("-- pgshift upgrade script: run with psql -v ON_ERROR_STOP=1 -f <file>\n\n");
    out.push_str(&ledger.ddl());
    for id in &plan {
        let Some(file) = graph.get(id) else { return Err(HistoryError::UnknownRevision { spec: id.to_string() }) };
        let row = row_of(file)?;
        let log = LogEntry { revision: id, direction: "up", checksum: Some(&row.checksum), started_unix: None };
        let finish = format!("{};\n{};\n", ledger.insert_revision_sql(&row), ledger.log_sql(&log));
        out.push('\n');
        out.push_str(&quote::comment(&format!("revision {id}: {}", file.message)));
        let groups = groups(file, Direction::Up);
        let ends_in_tx = groups.last().is_some_and(|g| g.transactional);
        for (gi, group) in groups.iter().enumerate() {
            if group.transactional {
                out.push_str(&begin);
            }
            for (_, st) in &group.statements {
                out.push_str(&st.sql);
                out.push_str(if crate::sql::ends_in_line_comment(&st.sql) { "\n;\n" } else { ";\n" });
            }
            if group.transactional {
                if gi + 1 == groups.len() {
                    out.push_str(&finish);
                }
                out.push_str("COMMIT;\n");
            }
        }
        if !ends_in_tx {
            out.push_str("BEGIN;\n");
            out.push_str(&finish);
            out.push_str("COMMIT;\n");
        }
    }
    Ok(out)
}
