//! The startup fast path: is the database already at head, by one cheap look?
//!
//! Owns: [`at_head`] (read each migration file's bytes and only its header lines, no
//! PostgreSQL parser; one query on the ledger; no lock) and [`upgrade_dir`], which takes the
//! fast path and falls back to the full engine. An application that runs `upgrade` on every
//! start pays a directory read, a sha256 per file and one query.
//!
//! Must not: decide anything but "at head, nothing to do". Every other case (a missing
//! ledger, a pending or edited revision, an unreadable file) goes to the full path, which
//! reports it properly.

// `ApplyError::Statement` carries everything the user needs to see (file, line, statement,
// detail, hint, applied revisions); it is built once per failed run, so its size is fine.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::path::Path;

use tokio_postgres::Client;

use crate::apply::{upgrade, ApplyError, ApplyOptions, ApplyReport};
use crate::file::{list_dir, load_dir, read_header};
use crate::graph::RevisionGraph;
use crate::ledger::{raw_sha256, Ledger};

/// Whether every migration file in `dir` is applied with the same bytes and the ledger holds
/// nothing else. `false` on any doubt (including a missing ledger or a file that does not
/// read); errors only when the ledger query itself fails.
pub async fn at_head(client: &Client, dir: &Path, options: &ApplyOptions) -> Result<bool, ApplyError> {
    let Ok(paths) = list_dir(dir) else { return Ok(false) };
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for path in paths {
        let Ok(bytes) = std::fs::read(&path) else { return Ok(false) };
        let Ok(text) = std::str::from_utf8(&bytes) else { return Ok(false) };
        let Ok(header) = read_header(&path, text) else { return Ok(false) };
        if files.insert(header.revision.to_string(), raw_sha256(&bytes)).is_some() {
            return Ok(false);
        }
    }
    let ledger = Ledger::new(&options.ledger_schema);
    let applied = ledger.read_raw(client).await.map_err(|source| ApplyError::Db {
        context: "cannot read the ledger".to_owned(),
        source,
    })?;
    Ok(applied.is_some_and(|applied| applied == files))
}

/// `upgrade` of a migrations directory to its single head: the fast path first, then (only
/// when something may be pending) parse, build the graph and run the full engine.
pub async fn upgrade_dir(client: &Client, dir: &Path, options: &ApplyOptions) -> Result<ApplyReport, ApplyError> {
    if at_head(client, dir, options).await? {
        return Ok(ApplyReport { action: "up", revisions: Vec::new(), notes: Vec::new() });
    }
    let graph = RevisionGraph::build(load_dir(dir)?)?;
    upgrade(client, &graph, None, options).await
}
