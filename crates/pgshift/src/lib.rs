//! pgshift for services: migrations embedded in the binary, upgraded on startup.
//!
//! Owns: [`Migrator`] (the embedded migrations and how to apply them), [`embed_migrations!`]
//! (re-exported from `pgshift-macros`), the startup sequence ([`Migrator::upgrade`],
//! [`Migrator::upgrade_with`]: the fast path on the embedded texts, raw sha256 and headers
//! against one ledger query with no parser and no lock, then the full engine of
//! `pgshift-history`), the rolling-deploy guard ([`Migrator::verify_at_least_head`]) and the
//! facade's [`Error`].
//!
//! Must not: implement migration semantics of its own. Files, checksums, the graph, the ledger
//! and the apply engine are `pgshift-history`'s; this crate only feeds it texts compiled into
//! the binary instead of a directory.
//!
//! ```ignore
//! static MIGRATOR: pgshift::Migrator = pgshift::embed_migrations!("migrations");
//!
//! let report = MIGRATOR.upgrade(&std::env::var("DATABASE_URL")?).await?;
//! println!("{report}"); // "applied 2 revision(s): …" or "already at head"
//! ```
//!
//! The database ahead of the binary (a newer deploy already migrated it, and an older
//! instance restarts during a rolling deploy): when every embedded revision is applied with
//! the same bytes, [`Migrator::upgrade`] is a no-op that lists the revisions it does not know
//! in [`Report::unknown_applied`], and [`Migrator::verify_at_least_head`] passes. When an
//! embedded revision is still pending *and* the database holds revisions the binary does not
//! know, the engine refuses ([`HistoryError::UnknownApplied`]): the histories diverged.
//!
//! Nothing is read from disk at run time: the engine applies the embedded texts themselves.
//!
//! Rebuilds: editing an embedded file rebuilds the crate (`include_str!`); adding a file does
//! not unless the crate's `build.rs` says `println!("cargo:rerun-if-changed=migrations");`.

#![deny(missing_docs)]
// `Error::Apply` carries everything the user needs to see (file, line, statement, detail,
// hint, applied revisions); it is built once per failed run, so its size is fine.
#![allow(clippy::result_large_err)]

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use pgshift_history::ledger::raw_sha256;
use pgshift_history::{read_header, ApplyOptions, Ledger, MigrationFile, RevisionGraph};
use tokio_postgres::Client;

pub use pgshift_history::{ApplyError, HistoryError, RevisionId};
pub use pgshift_macros::embed_migrations;

/// One migration file compiled into the binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmbeddedMigration {
    /// Its path as written in errors, e.g. `migrations/20240101_init.sql`.
    pub name: &'static str,
    /// Its text, byte for byte.
    pub text: &'static str,
}

/// Embedded migrations and how to apply them. Build it with [`embed_migrations!`] (a constant
/// expression, so it fits in a `static`), then adjust it with the builder-style setters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migrator {
    /// The migration files, in file-name order.
    pub migrations: &'static [EmbeddedMigration],
    /// The schema of the ledger tables (default `public`).
    pub ledger_schema: Cow<'static, str>,
    /// How long to wait for another instance's migration lock (default 60 s).
    pub lock_wait: Duration,
    /// `lock_timeout` for each migration transaction and `no transaction` statement
    /// (default `5s`).
    pub lock_timeout: Cow<'static, str>,
}

/// What an upgrade did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The revisions applied by this run, in order (empty when the database was at head).
    pub applied: Vec<RevisionId>,
    /// Whether the fast path answered (headers and raw hashes against one ledger query: no
    /// parser, no lock).
    pub fast_path: bool,
    /// Applied revisions that no embedded migration declares (the database is ahead of this
    /// binary, e.g. during a rolling deploy), in id order.
    pub unknown_applied: Vec<String>,
}

impl Report {
    /// Whether nothing was applied.
    pub fn nothing_applied(&self) -> bool {
        self.applied.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.applied.is_empty() {
            f.write_str("already at head")?;
        } else {
            let list = self.applied.iter().map(RevisionId::as_str).collect::<Vec<_>>().join(", ");
            write!(f, "applied {} revision(s): {list}", self.applied.len())?;
        }
        if !self.unknown_applied.is_empty() {
            write!(f, " (the database is ahead of this binary: {})", self.unknown_applied.join(", "))?;
        }
        Ok(())
    }
}

/// A revision this binary knows and the database has not applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingRevision {
    /// The revision.
    pub revision: RevisionId,
    /// The embedded file that declares it.
    pub name: &'static str,
}

impl fmt::Display for MissingRevision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.revision, self.name)
    }
}

/// What can go wrong in [`Migrator`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database cannot be reached (or its URL or TLS settings are wrong): the message names
    /// the target without its password, and [`pgshift_connect::ConnectError::hint`] says what to change.
    #[error("{0}")]
    Connect(#[source] pgshift_connect::ConnectError),
    /// An embedded migration file is malformed, or the files do not form one history (the
    /// message names the file and line).
    #[error(transparent)]
    History(#[from] HistoryError),
    /// The apply engine failed (a statement, with file:line:column; the lock; the ledger; an
    /// applied file edited since).
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// The database is behind the revisions this binary knows.
    #[error("this binary knows revisions the database has not applied: {}; run the migrations first", list(missing))]
    Behind {
        /// The missing revisions, in file-name order.
        missing: Vec<MissingRevision>,
    },
}

fn list(missing: &[MissingRevision]) -> String {
    missing.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

impl Migrator {
    /// A migrator over `migrations` with the default settings (what [`embed_migrations!`]
    /// expands to).
    pub const fn new(migrations: &'static [EmbeddedMigration]) -> Migrator {
        Migrator {
            migrations,
            ledger_schema: Cow::Borrowed("public"),
            lock_wait: Duration::from_secs(60),
            lock_timeout: Cow::Borrowed("5s"),
        }
    }

    /// Keep the ledger tables in `schema`.
    pub fn ledger_schema(mut self, schema: impl Into<Cow<'static, str>>) -> Migrator {
        self.ledger_schema = schema.into();
        self
    }

    /// Wait at most `wait` for another instance's migration lock.
    pub fn lock_wait(mut self, wait: Duration) -> Migrator {
        self.lock_wait = wait;
        self
    }

    /// Use `timeout` (a PostgreSQL interval such as `5s`) as `lock_timeout` while migrating.
    pub fn lock_timeout(mut self, timeout: impl Into<Cow<'static, str>>) -> Migrator {
        self.lock_timeout = timeout.into();
        self
    }

    /// The engine's options for this migrator.
    pub fn options(&self) -> ApplyOptions {
        ApplyOptions {
            ledger_schema: self.ledger_schema.clone().into_owned(),
            lock_wait: self.lock_wait,
            lock_timeout: self.lock_timeout.clone().into_owned(),
            // A generated revision's destructive statements run only with their recorded consent.
            consent: Some(pgshift_history::apply::Consent(pgshift_lint::consent)),
            ..ApplyOptions::default()
        }
    }

    /// Connect to `database_url`, upgrade to head, and close the connection. The URL takes
    /// libpq's settings (`sslmode` up to `verify-full`, `sslrootcert` as a file or `system`,
    /// `sslcert`/`sslkey`, `connect_timeout`, default 10 s for the whole connection), also from
    /// `PGSSLMODE` and friends; TLS by rustls. Needs a tokio runtime (the connection is spawned
    /// on it). For a pool, connect yourself and use [`Migrator::upgrade_with`].
    pub async fn upgrade(&self, database_url: &str) -> Result<Report, Error> {
        let target = pgshift_connect::parse_with_env(database_url, &pgshift_connect::Options::default()).map_err(Error::Connect)?;
        let client = pgshift_connect::connect(&target).await.map_err(Error::Connect)?;
        self.upgrade_with(&client).await
    }

    /// Upgrade the database behind `client` (which the caller keeps) to head: the fast path
    /// first (every embedded file applied with the same bytes: nothing to do, one query, no
    /// lock), else parse the files, build the graph and run the engine under its advisory
    /// lock.
    pub async fn upgrade_with(&self, client: &Client) -> Result<Report, Error> {
        if let Some(report) = self.fast_path(client).await? {
            return Ok(report);
        }
        let files = self
            .migrations
            .iter()
            .map(|m| MigrationFile::parse(m.name, m.text))
            .collect::<Result<Vec<_>, _>>()?;
        // The engine works from the parsed texts: nothing is read from disk.
        let graph = RevisionGraph::build(files)?;
        let report = pgshift_history::upgrade(client, &graph, None, &self.options()).await?;
        Ok(Report { applied: report.revisions, fast_path: false, unknown_applied: Vec::new() })
    }

    /// Ok when every embedded revision is applied (the database may hold more: a newer
    /// deploy migrated it); else [`Error::Behind`] naming what is missing. For a rolling
    /// deploy where migrations run as their own step: the binary refuses to start on a
    /// database behind it. One query, no lock, no parser; it does not compare checksums (an
    /// edited file is `upgrade`'s to report).
    pub async fn verify_at_least_head(&self, client: &Client) -> Result<(), Error> {
        let applied = self.read_raw(client).await?.unwrap_or_default();
        let mut missing = Vec::new();
        for m in self.migrations {
            let header = read_header(m.name, m.text)?;
            if !applied.contains_key(header.revision.as_str()) {
                missing.push(MissingRevision { revision: header.revision, name: m.name });
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::Behind { missing })
        }
    }

    /// The revisions of the embedded files, in file-name order (headers only).
    pub fn revisions(&self) -> Result<Vec<RevisionId>, Error> {
        self.migrations.iter().map(|m| Ok(read_header(m.name, m.text)?.revision)).collect()
    }

    /// `Some` when every embedded file is applied with the same bytes; `None` on any doubt
    /// (a header that does not read, a duplicate id, no ledger, a pending or edited file).
    async fn fast_path(&self, client: &Client) -> Result<Option<Report>, Error> {
        let mut files: BTreeMap<String, String> = BTreeMap::new();
        for m in self.migrations {
            let Ok(header) = read_header(PathBuf::from(m.name), m.text) else { return Ok(None) };
            if files.insert(header.revision.to_string(), raw_sha256(m.text.as_bytes())).is_some() {
                return Ok(None);
            }
        }
        let Some(applied) = self.read_raw(client).await? else { return Ok(None) };
        if files.is_empty() || !files.iter().all(|(rev, sha)| applied.get(rev) == Some(sha)) {
            return Ok(None);
        }
        let unknown_applied = applied.into_keys().filter(|rev| !files.contains_key(rev)).collect();
        Ok(Some(Report { applied: Vec::new(), fast_path: true, unknown_applied }))
    }

    /// The ledger's `revision → raw_sha256` (one query); `None` without a ledger.
    async fn read_raw(&self, client: &Client) -> Result<Option<BTreeMap<String, String>>, Error> {
        Ledger::new(self.ledger_schema.as_ref())
            .read_raw(client)
            .await
            .map_err(|source| ApplyError::Db { context: "cannot read the ledger".to_owned(), source }.into())
    }
}
