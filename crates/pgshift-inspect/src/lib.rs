//! pgshift-inspect: read a live database into a [`Catalog`].
//!
//! Owns: the catalog queries ([`queries`]), turning their rows into the model ([`build`]) and
//! assembling index definitions from `pg_index` ([`index_def`]). A whole inspection is
//! sixteen set-based `pg_catalog` queries, pipelined on one connection inside one
//! `REPEATABLE READ READ ONLY` transaction (a consistent snapshot), plus one more for the
//! rare index definitions Rust cannot assemble for sure; never a query per object and never
//! `information_schema`. PostgreSQL renders its own expressions (`pg_get_expr`,
//! `pg_get_viewdef`, `pg_get_functiondef`, `pg_get_triggerdef`, `format_type`, and
//! `pg_get_indexdef` for indexes on expressions) with `search_path` empty; index and
//! constraint definitions around those expressions are assembled in Rust, byte for byte as
//! `pg_get_indexdef` and `pg_get_constraintdef` print them (checked by `tests/definitions.rs`),
//! because those two functions were most of the server's time on large schemas.
//!
//! Must not: write anything (the transaction is read-only), or let an object the filter
//! excludes reach the catalog. Objects that belong to an extension are always left out.

pub mod build;
pub mod index_def;
pub mod queries;

use pgshift_catalog::{Catalog, ObjectFilter};
use tokio_postgres::Client;

pub use build::Rows;
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
        let privileges = matches!(self, InspectError::Query { source, .. }
            if source.code() == Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE));
        if privileges {
            "the role needs to read the pg_catalog tables (the default for every role); ask the database owner"
        } else {
            "check that the URL points to a PostgreSQL 13 or later server and that the connection stays up"
        }
    }
}

fn query_err(what: &'static str) -> impl FnOnce(tokio_postgres::Error) -> InspectError {
    move |source| InspectError::Query { what, source }
}

/// Read the database behind `client` into a catalog, keeping only what `filter` allows.
///
/// The client must not be inside a transaction: inspection opens (and ends) its own.
pub async fn inspect(client: &Client, filter: &ObjectFilter) -> Result<Catalog, InspectError> {
    client
        .batch_execute(
            // JIT compilation costs more than it saves on catalog queries (measured: ~190 ms
            // of 1.4 s at 5,000 tables).
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = ''; \
             SET LOCAL jit = off",
        )
        .await
        .map_err(query_err("a read-only snapshot"))?;
    let rows = read_rows(client).await;
    let end = client.batch_execute("ROLLBACK").await.map_err(query_err("the end of the snapshot"));
    let rows = rows?;
    end?;
    // Building the model is CPU work (~0.2 s at 5,000 tables): off the async thread, so that
    // another inspection on the same runtime (`pgshift diff` reads both sides at once) keeps
    // receiving its rows meanwhile.
    let filter = filter.clone();
    match tokio::task::spawn_blocking(move || build::build(rows, &filter)).await {
        Ok(catalog) => Ok(catalog),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

async fn server_version(client: &Client) -> Result<Version, InspectError> {
    let row = client
        .query_one(
            "SELECT current_setting('server_version_num')::int, current_setting('server_version')",
            &[],
        )
        .await
        .map_err(query_err("the server version"))?;
    let num: i32 = row.get(0);
    if num < 130000 {
        return Err(InspectError::UnsupportedVersion { version: row.get(1), num });
    }
    Ok(Version(num))
}

/// Run the catalog queries and return their rows, index definitions included, without
/// building the catalog. The caller provides the snapshot and an empty `search_path`
/// ([`inspect`] does both).
pub async fn read_rows(client: &Client) -> Result<Rows, InspectError> {
    let version = server_version(client).await?;
    let rows = fetch(client, version).await?;
    index_definitions(client, rows).await
}

/// Index definitions: assembled from the rows, and from the server for what Rust cannot tell.
async fn index_definitions(client: &Client, mut rows: Rows) -> Result<Rows, InspectError> {
    let missing = build::render_index_definitions(&mut rows);
    if !missing.is_empty() {
        let found = client
            .query(queries::INDEX_DEFINITIONS, &[&missing])
            .await
            .map_err(query_err("index definitions"))?;
        rows.index_definitions.extend(found.iter().map(|r| (r.get(0), r.get(1))));
    }
    Ok(rows)
}

async fn fetch(client: &Client, version: Version) -> Result<Rows, InspectError> {
    let constraints = queries::constraints(version);
    let indexes = queries::indexes(version);
    let collations = queries::collations(version);
    let q = |sql: &str, what: &'static str| {
        let sql = sql.to_owned();
        async move { client.query(&sql, &[]).await.map_err(query_err(what)) }
    };
    // All futures are polled together: tokio-postgres pipelines them on the one connection.
    let (
        schemas,
        extensions,
        types,
        relations,
        columns,
        sequences,
        constraints,
        indexes,
        functions,
        triggers,
        policies,
        depends,
        extension_members,
        opclasses,
        unsupported,
        collations,
        privileges,
    ) = futures_util::try_join!(
        q(queries::SCHEMAS, "schemas"),
        q(queries::EXTENSIONS, "extensions"),
        q(queries::TYPES, "types"),
        q(queries::RELATIONS, "relations"),
        q(queries::COLUMNS, "columns"),
        q(queries::SEQUENCES, "sequences"),
        q(&constraints, "constraints"),
        q(&indexes, "indexes"),
        q(queries::FUNCTIONS, "functions"),
        q(queries::TRIGGERS, "triggers"),
        q(queries::POLICIES, "policies"),
        q(queries::DEPENDS, "dependencies"),
        q(queries::EXTENSION_MEMBERS, "extension members"),
        q(queries::OPCLASSES, "operator classes"),
        q(queries::UNSUPPORTED, "objects of kinds not modelled"),
        q(&collations, "collations"),
        q(queries::PRIVILEGES, "privileges"),
    )?;
    Ok(Rows {
        schemas,
        extensions,
        types,
        relations,
        columns,
        sequences,
        constraints,
        indexes,
        functions,
        triggers,
        policies,
        depends,
        extension_members,
        opclasses,
        unsupported,
        collations,
        privileges,
        index_definitions: std::collections::HashMap::new(),
    })
}
