//! pgshift-inspect: read a live database into a [`Catalog`].
//!
//! Owns: the catalog queries ([`queries`]), turning their rows into the model ([`build`]) and
//! assembling index definitions from `pg_index` ([`index_def`]). A whole inspection is
//! nineteen set-based `pg_catalog` queries, pipelined on one connection inside one
//! `REPEATABLE READ READ ONLY` transaction (a consistent snapshot), their rows folded into the
//! model as they arrive, plus one more each for the rare index definitions and expression keys
//! Rust cannot assemble for sure (and, for a diff of two live databases, one for the text of
//! the table checks that differ, [`deferred`]); never a query per object and never
//! `information_schema`. PostgreSQL renders its own expressions (`pg_get_expr`,
//! `pg_get_viewdef`, `pg_get_functiondef`, `pg_get_triggerdef`, `format_type`, and
//! `pg_get_indexdef` for indexes on expressions) with `search_path` empty; index and
//! constraint definitions around those expressions are assembled in Rust, byte for byte as
//! `pg_get_indexdef` and `pg_get_constraintdef` print them (checked by `tests/definitions.rs`),
//! because those two functions were most of the server's time on large schemas. Rows are
//! sparse: a flag in its usual state comes as NULL, which the server sends for less than a
//! value (`queries`).
//!
//! Must not: write anything (the transaction is read-only), or let an object the filter
//! excludes reach the catalog. Objects that belong to an extension are always left out.

pub mod build;
pub mod deferred;
pub mod index_def;
pub mod memory;
pub mod queries;

use futures_util::stream::FuturesOrdered;
use futures_util::{StreamExt, TryStreamExt};
use pgshift_catalog::{Catalog, ObjectFilter, QualName};
use tokio_postgres::types::ToSql;
use tokio_postgres::Client;

pub use build::{Builder, Part};
pub use deferred::DeferredChecks;
use queries::Version;

/// What can go wrong while inspecting.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// A catalog query failed (lost connection, missing privileges, not PostgreSQL, …).
    #[error("could not read {what} from the database catalog: {source}")]
    Query {
        /// Which part of the catalog was being read.
        what: &'static str,
        /// The driver's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// The catalog does not fit in the memory this process may use.
    #[error(
        "the catalog is too large for the memory limit: pgshift holds {} MiB after reading part of it, \
         past {}% of the {} MiB limit ({}), and the rest of the command needs more",
        .0.resident >> 20,
        (memory::READ_SHARE * 100.0).round(),
        .0.limit.bytes >> 20,
        .0.limit.source
    )]
    MemoryLimit(memory::Exceeded),
    /// A check whose text was deferred ([`deferred`]) was dropped before its text was read.
    #[error(
        "the CHECK constraint {name} on {} was dropped while the database was being read",
        table.sql()
    )]
    Vanished {
        /// Its table.
        table: QualName,
        /// Its name.
        name: String,
    },
    /// The server is older than PostgreSQL 13.
    #[error(
        "the server runs PostgreSQL {version}, pgshift needs 13 or later (server_version_num {num})"
    )]
    UnsupportedVersion {
        /// `server_version`.
        version: String,
        /// `server_version_num`.
        num: i32,
    },
}

impl InspectError {
    /// What to do next (the one place inspection's advice lives).
    pub fn hint(&self) -> &'static str {
        if let InspectError::Vanished { .. } = self {
            return "another session changed the schema meanwhile: run the command again";
        }
        if let InspectError::MemoryLimit(_) = self {
            return "raise the memory limit (the container's, or PGSHIFT_MEMORY_LIMIT), or read less: \
                    narrow the objects with the project's ownership or --include/--exclude; \
                    BENCHMARKS.md gives the memory per table";
        }
        let privileges = matches!(self, InspectError::Query { source, .. }
            if source.code() == Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE));
        if privileges {
            "the role needs to read the pg_catalog tables (the default for every role); ask the database owner"
        } else {
            "check that the URL points to a PostgreSQL 13 or later server and that the connection stays up"
        }
    }
}

pub(crate) fn query_err(what: &'static str) -> impl FnOnce(tokio_postgres::Error) -> InspectError {
    move |source| InspectError::Query { what, source }
}

/// The (OID, value) rows of `sql` for the objects `oids` (`$1`, `oid[]`): what Rust left to the
/// server. No query when there are none, the usual case.
pub(crate) async fn from_server<T: for<'a> tokio_postgres::types::FromSql<'a>>(
    client: &Client,
    sql: &str,
    what: &'static str,
    oids: &[u32],
) -> Result<Vec<(u32, T)>, InspectError> {
    if oids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = client.query(sql, &[&oids]).await.map_err(query_err(what))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Read the database behind `client` into a catalog, keeping only what `filter` allows.
///
/// The client must not be inside a transaction: inspection opens (and ends) its own.
pub async fn inspect(client: &Client, filter: &ObjectFilter) -> Result<Catalog, InspectError> {
    Ok(inspect_reporting(client, filter).await?.0)
}

/// What an inspection did besides reading the catalog (for tests and diagnostics).
#[derive(Debug, Default)]
pub struct Report {
    /// The indexes whose definition came from `pg_get_indexdef` because Rust could not
    /// assemble it for sure (expression indexes are not listed: theirs comes with their row).
    pub server_index_definitions: Vec<QualName>,
    /// The indexes on expressions whose keys came from `pg_get_indexdef` per key because
    /// Rust could not read them off the definition for sure.
    pub server_index_keys: Vec<QualName>,
}

/// [`inspect`], with its [`Report`].
pub async fn inspect_reporting(client: &Client, filter: &ObjectFilter) -> Result<(Catalog, Report), InspectError> {
    let (catalog, report, _) = snapshot(client, filter, false).await?;
    Ok((catalog, report))
}

/// [`inspect`], leaving the text of table `CHECK`s unread: each one's expression is
/// [`deferred::MARKER`] until [`deferred::fetch`] and [`DeferredChecks::apply`] fill it in.
/// For a diff of two live databases, which needs the text only of the checks that differ
/// ([`deferred::pair`]); see [`deferred`] for what the caller must do.
pub async fn inspect_deferring_checks(client: &Client, filter: &ObjectFilter) -> Result<(Catalog, DeferredChecks), InspectError> {
    let (catalog, _, deferred) = snapshot(client, filter, true).await?;
    Ok((catalog, deferred))
}

/// One inspection in a snapshot of its own.
async fn snapshot(client: &Client, filter: &ObjectFilter, defer_checks: bool) -> Result<(Catalog, Report, DeferredChecks), InspectError> {
    client
        .batch_execute(
            // JIT compilation costs more than it saves on catalog queries (measured: ~190 ms
            // of 1.4 s at 5,000 tables). Parallel workers only add processes: the columns
            // query ran in three (3 × 130 ms of CPU against 200 ms alone), competing with the
            // other side's reading and with pgshift itself (`diff` at 5,000 tables: −70 ms).
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = ''; \
             SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0",
        )
        .await
        .map_err(query_err("a read-only snapshot"))?;
    let read = read(client, filter, defer_checks).await;
    let end = client.batch_execute("ROLLBACK").await.map_err(query_err("the end of the snapshot"));
    let read = read?;
    end?;
    Ok(read)
}

/// The server's version (refused before 13) and what deferred checks are compared by.
async fn server_version(client: &Client) -> Result<(Version, deferred::Server), InspectError> {
    let row = client
        .query_one(
            "SELECT current_setting('server_version_num')::int, current_setting('server_version'), \
             current_setting('server_encoding')",
            &[],
        )
        .await
        .map_err(query_err("the server version"))?;
    let num: i32 = row.get(0);
    if num < 130000 {
        return Err(InspectError::UnsupportedVersion { version: row.get(1), num });
    }
    Ok((Version(num), deferred::Server { major: num / 10000, encoding: row.get(2) }))
}

/// Run the catalog queries and build the catalog while their rows arrive. The caller provides
/// the snapshot and an empty `search_path` ([`inspect_reporting`] does both).
///
/// Every query is sent at once (tokio-postgres pipelines them on the one connection), then
/// each result is consumed in [`Part::ALL`]'s order, row by row. tokio-postgres reads the
/// socket only as fast as responses are consumed, so rows not yet folded wait in the socket and
/// on the server, and no `Row` outlives its fold. Holding every result set, as this did before,
/// was most of the peak memory of a large diff (two inspections at once).
async fn read(client: &Client, filter: &ObjectFilter, defer_checks: bool) -> Result<(Catalog, Report, DeferredChecks), InspectError> {
    let (version, server) = server_version(client).await?;
    // Statements first (they return no rows, so they can all complete in any order), then
    // every query is sent at once and their streams taken in order: a stream's rows must be
    // consumed before the next query's arrive (tokio-postgres' response channels hold a
    // message or two), which is exactly the order they are folded in.
    let statements = futures_util::future::try_join_all(Part::ALL.iter().map(|part| async move {
        client.prepare(&part.sql(version, defer_checks)).await.map_err(query_err(part.what()))
    }))
    .await?;
    let no_params: [&(dyn ToSql + Sync); 0] = [];
    let mut streams: FuturesOrdered<_> = Part::ALL
        .iter()
        .zip(&statements)
        .map(|(part, statement)| async move {
            (*part, client.query_raw(statement, no_params).await.map_err(query_err(part.what())))
        })
        .collect();
    let mut builder = Builder::new(filter);
    if defer_checks {
        builder.defer_checks(server);
    }
    // Stopped with a clear error before the kernel's OOM killer would (see `memory`): checked
    // every few thousand rows, which is a few MiB of model.
    let mut rows: u32 = 0;
    while let Some((part, stream)) = streams.next().await {
        let mut stream = std::pin::pin!(stream?);
        while let Some(row) = stream.try_next().await.map_err(query_err(part.what()))? {
            builder.row(part, &row);
            rows = rows.wrapping_add(1);
            if rows & 4095 == 0 {
                memory::check().map_err(InspectError::MemoryLimit)?;
            }
        }
        builder.end(part);
    }
    memory::check().map_err(InspectError::MemoryLimit)?;
    let missing: Vec<u32> = builder.missing_index_definitions().iter().map(|(oid, _)| *oid).collect();
    let report = Report {
        server_index_definitions: builder.missing_index_definitions().iter().map(|(_, name)| name.clone()).collect(),
        server_index_keys: builder.missing_index_keys().iter().map(|(_, name)| name.clone()).collect(),
    };
    let found = from_server(client, queries::INDEX_DEFINITIONS, "index definitions", &missing).await?;
    let missing_keys: Vec<u32> = builder.missing_index_keys().iter().map(|(oid, _)| *oid).collect();
    let keys = from_server(client, queries::INDEX_KEYS, "index keys", &missing_keys).await?;
    let deferred = builder.take_deferred_checks();
    Ok((builder.finish(found, keys), report, deferred))
}
