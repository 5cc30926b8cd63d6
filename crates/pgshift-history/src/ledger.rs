//! The ledger: what a database records about the revisions applied to it.
//!
//! Owns: the three ledger tables in the ledger schema (default `public`) and the SQL that
//! creates, reads and writes them: `pgshift_revisions` (one row per applied revision with
//! its checksum, the sha256 of the file's bytes and the file's text at apply time),
//! `pgshift_log` (append-only: every up, down, stamp and accept-edit), and
//! `pgshift_progress` (how many statements of a revision with `no transaction` sections are
//! done, so that a failed run resumes where it stopped); the advisory lock key derived from
//! the ledger's qualified name.
//!
//! Every identifier and literal goes through `pgshift_catalog::quote`. The write statements
//! are plain SQL text (literals quoted), so the offline script and the apply engine share them.
//!
//! Must not: decide what to apply (that is `apply`), or take the lock (the engine does).

use std::collections::BTreeMap;

use pgshift_catalog::quote;
use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use crate::file::Direction;
use crate::revision::{hex, RevisionId};

/// The version written into `pgshift_log.pgshift_version`.
pub const PGSHIFT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The sha256 of a file's bytes, 64 lowercase hex digits (the fast path's key).
pub fn raw_sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// One row of `pgshift_revisions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedRevision {
    /// The revision.
    pub revision: RevisionId,
    /// The checksum (hex) of its normal form when it was applied (or its edit accepted).
    pub checksum: String,
    /// The sha256 (hex) of the file's bytes.
    pub raw_sha256: String,
    /// The file's text.
    pub content: String,
}

/// The ledger tables of one schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ledger {
    schema: String,
}

impl Ledger {
    /// The ledger in `schema`.
    pub fn new(schema: impl Into<String>) -> Ledger {
        Ledger { schema: schema.into() }
    }

    /// Its schema.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// `schema.pgshift_revisions`, quoted.
    pub fn revisions_table(&self) -> String {
        quote::qualified(&self.schema, "pgshift_revisions")
    }

    /// `schema.pgshift_log`, quoted.
    pub fn log_table(&self) -> String {
        quote::qualified(&self.schema, "pgshift_log")
    }

    /// `schema.pgshift_progress`, quoted.
    pub fn progress_table(&self) -> String {
        quote::qualified(&self.schema, "pgshift_progress")
    }

    /// The advisory lock key: the first 8 bytes of the sha256 of the revisions table's
    /// qualified name, as a big-endian i64.
    pub fn lock_key(&self) -> i64 {
        let digest = Sha256::digest(self.revisions_table().as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(bytes)
    }

    /// The DDL that creates the ledger when it is missing (idempotent).
    pub fn ddl(&self) -> String {
        let schema = if self.schema == "public" {
            String::new()
        } else {
            format!("CREATE SCHEMA IF NOT EXISTS {};\n", quote::ident(&self.schema))
        };
        format!(
            "{schema}CREATE TABLE IF NOT EXISTS {} (\n    revision text PRIMARY KEY,\n    checksum text NOT NULL,\n    \
             raw_sha256 text NOT NULL,\n    content text NOT NULL,\n    applied_at timestamptz NOT NULL DEFAULT now()\n);\n\
             CREATE TABLE IF NOT EXISTS {} (\n    id bigserial PRIMARY KEY,\n    revision text NOT NULL,\n    \
             direction text NOT NULL,\n    checksum text,\n    started_at timestamptz NOT NULL,\n    \
             duration_ms bigint NOT NULL,\n    db_user text NOT NULL DEFAULT current_user,\n    \
             pgshift_version text NOT NULL\n);\n\
             CREATE TABLE IF NOT EXISTS {} (\n    revision text PRIMARY KEY,\n    statements_done integer NOT NULL\n);\n",
            self.revisions_table(),
            self.log_table(),
            self.progress_table(),
        )
    }

    /// Create the ledger tables if they do not exist. Run it under the advisory lock:
    /// concurrent `CREATE TABLE IF NOT EXISTS` can fail.
    pub async fn ensure(&self, client: &Client) -> Result<(), tokio_postgres::Error> {
        client.batch_execute(&self.ddl()).await
    }

    /// Every applied revision; an empty map when the ledger does not exist yet.
    pub async fn read(&self, client: &Client) -> Result<BTreeMap<RevisionId, AppliedRevision>, LedgerReadError> {
        let sql = format!("SELECT revision, checksum, raw_sha256, content FROM {}", self.revisions_table());
        let rows = match client.query(&sql, &[]).await {
            Ok(rows) => rows,
            Err(e) if is_missing_table(&e) => return Ok(BTreeMap::new()),
            Err(e) => return Err(LedgerReadError::Db(e)),
        };
        let mut out = BTreeMap::new();
        for row in rows {
            let text: String = row.try_get(0).map_err(LedgerReadError::Db)?;
            let revision = RevisionId::new(&text).ok_or(LedgerReadError::BadRevision(text))?;
            out.insert(
                revision.clone(),
                AppliedRevision {
                    revision,
                    checksum: row.try_get(1).map_err(LedgerReadError::Db)?,
                    raw_sha256: row.try_get(2).map_err(LedgerReadError::Db)?,
                    content: row.try_get(3).map_err(LedgerReadError::Db)?,
                },
            );
        }
        Ok(out)
    }

    /// `revision → raw_sha256` with one query; `None` when the ledger table is missing.
    pub async fn read_raw(&self, client: &Client) -> Result<Option<BTreeMap<String, String>>, tokio_postgres::Error> {
        let sql = format!("SELECT revision, raw_sha256 FROM {}", self.revisions_table());
        match client.query(&sql, &[]).await {
            Ok(rows) => {
                let mut out = BTreeMap::new();
                for row in rows {
                    out.insert(row.try_get(0)?, row.try_get(1)?);
                }
                Ok(Some(out))
            }
            Err(e) if is_missing_table(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every progress row, `revision → stored count` (one query; see [`Ledger::done`]).
    pub async fn progress(&self, client: &Client) -> Result<BTreeMap<String, i32>, tokio_postgres::Error> {
        let sql = format!("SELECT revision, statements_done FROM {}", self.progress_table());
        let rows = client.query(&sql, &[]).await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// How many statements of `revision`'s `direction` sections are done, from the rows of
    /// [`Ledger::progress`] (0 when there is no row for that direction). Up progress is stored
    /// as a positive count, down progress as a negative one: a revision is never half-way both
    /// ways at once.
    pub fn done(progress: &BTreeMap<String, i32>, revision: &RevisionId, direction: Direction) -> usize {
        let stored = progress.get(revision.as_str()).copied().unwrap_or(0);
        let done = match direction {
            Direction::Up => stored,
            Direction::Down => -stored,
        };
        usize::try_from(done).unwrap_or(0)
    }

    /// Record `done` statements of `revision`'s `direction` sections as done.
    pub fn set_progress_sql(&self, revision: &RevisionId, done: usize, direction: Direction) -> String {
        let done = i64::try_from(done).unwrap_or(i64::MAX);
        let stored = match direction {
            Direction::Up => done,
            Direction::Down => -done,
        };
        format!(
            "INSERT INTO {} (revision, statements_done) VALUES ({}, {stored}) \
             ON CONFLICT (revision) DO UPDATE SET statements_done = EXCLUDED.statements_done",
            self.progress_table(),
            quote::literal(revision.as_str()),
        )
    }

    /// Mark a revision applied: its row (replacing any), its progress row removed.
    pub fn insert_revision_sql(&self, row: &AppliedRevision) -> String {
        format!(
            "DELETE FROM {progress} WHERE revision = {rev};\n\
             INSERT INTO {table} (revision, checksum, raw_sha256, content) VALUES ({rev}, {}, {}, {}) \
             ON CONFLICT (revision) DO UPDATE SET checksum = EXCLUDED.checksum, raw_sha256 = EXCLUDED.raw_sha256, \
             content = EXCLUDED.content, applied_at = now()",
            quote::literal(&row.checksum),
            quote::literal(&row.raw_sha256),
            quote::literal(&row.content),
            progress = self.progress_table(),
            table = self.revisions_table(),
            rev = quote::literal(row.revision.as_str()),
        )
    }

    /// Replace checksum, raw sha256 and content of an applied revision (accepted or harmless
    /// edit).
    pub fn update_revision_sql(&self, row: &AppliedRevision) -> String {
        format!(
            "UPDATE {} SET checksum = {}, raw_sha256 = {}, content = {} WHERE revision = {}",
            self.revisions_table(),
            quote::literal(&row.checksum),
            quote::literal(&row.raw_sha256),
            quote::literal(&row.content),
            quote::literal(row.revision.as_str()),
        )
    }

    /// Mark a revision not applied (and forget its progress).
    pub fn delete_revision_sql(&self, revision: &RevisionId) -> String {
        let rev = quote::literal(revision.as_str());
        format!(
            "DELETE FROM {} WHERE revision = {rev};\nDELETE FROM {} WHERE revision = {rev}",
            self.revisions_table(),
            self.progress_table(),
        )
    }

    /// Append a log row. With a start time, the duration is measured by the server at the
    /// moment the row is written (so it can be part of the migration's own transaction);
    /// without one (the offline script), `now()` and 0.
    pub fn log_sql(&self, entry: &LogEntry<'_>) -> String {
        let (started, duration) = match entry.started_unix {
            Some(secs) => (
                format!("to_timestamp({secs:.6})"),
                format!("GREATEST(0, (extract(epoch FROM clock_timestamp() - to_timestamp({secs:.6})) * 1000)::bigint)"),
            ),
            None => ("now()".to_owned(), "0".to_owned()),
        };
        format!(
            "INSERT INTO {} (revision, direction, checksum, started_at, duration_ms, pgshift_version) \
             VALUES ({}, {}, {}, {started}, {duration}, {})",
            self.log_table(),
            quote::literal(entry.revision.as_str()),
            quote::literal(entry.direction),
            entry.checksum.map_or_else(|| "NULL".to_owned(), quote::literal),
            quote::literal(PGSHIFT_VERSION),
        )
    }
}

impl Ledger {
    /// [`Ledger::log_sql`] for a row written at the end of the revision's own transaction when
    /// no start time was taken: started at the transaction's start (`now()`), duration up to
    /// the moment the row is written.
    pub fn log_sql_in_transaction(&self, revision: &RevisionId, direction: &str, checksum: &str) -> String {
        format!(
            "INSERT INTO {} (revision, direction, checksum, started_at, duration_ms, pgshift_version) \
             VALUES ({}, {}, {}, now(), GREATEST(0, (extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint), {})",
            self.log_table(),
            quote::literal(revision.as_str()),
            quote::literal(direction),
            quote::literal(checksum),
            quote::literal(PGSHIFT_VERSION),
        )
    }
}

/// A row for `pgshift_log`.
#[derive(Clone, Debug)]
pub struct LogEntry<'a> {
    /// The revision.
    pub revision: &'a RevisionId,
    /// `up`, `down`, `stamp` or `accept-edit`.
    pub direction: &'a str,
    /// The checksum involved, if any.
    pub checksum: Option<&'a str>,
    /// When it started, in seconds since the Unix epoch; `None` for the server's `now()`.
    pub started_unix: Option<f64>,
}

/// Reading the ledger failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerReadError {
    /// The query failed.
    #[error("cannot read the ledger: {0}")]
    Db(#[source] tokio_postgres::Error),
    /// A row holds something that is not a revision id.
    #[error("the ledger holds `{0}`, which is not a revision id; the table was edited by hand")]
    BadRevision(String),
}

/// Whether an error says the ledger table (or its schema) does not exist.
pub(crate) fn is_missing_table(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().is_some_and(|db| matches!(db.code().code(), "42P01" | "3F000"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_and_the_key_is_stable() {
        let l = Ledger::new("My Schema");
        assert_eq!(l.revisions_table(), "\"My Schema\".pgshift_revisions");
        assert!(l.ddl().starts_with("CREATE SCHEMA IF NOT EXISTS \"My Schema\";"));
        assert_eq!(Ledger::new("public").lock_key(), Ledger::new("public").lock_key());
        assert_ne!(Ledger::new("public").lock_key(), l.lock_key());
    }
}
