//! pgshift-inspect: read a live database into a [`Catalog`].
//!
//! Owns: the catalog queries ([`queries`]) and turning their rows into the model ([`build`]).
//! A whole inspection is thirteen set-based `pg_catalog` queries, pipelined on one connection
//! inside one `REPEATABLE READ READ ONLY` transaction (a consistent snapshot), never a query
//! per object and never `information_schema`. PostgreSQL renders its own expressions
//! (`pg_get_expr`, `pg_get_indexdef`, `pg_get_constraintdef`, `pg_get_viewdef`,
//! `pg_get_functiondef`, `pg_get_triggerdef`, `format_type`) with `search_path` empty.
//!
//! Must not: write anything (the transaction is read-only), or let an object the filter
//! excludes reach the catalog. Objects that belong to an extension are always left out.

pub mod build;
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

fn query_err(what: &'static str) -> impl FnOnce(tokio_postgres::Error) -> InspectError {
    move |source| InspectError::Query { what, source }
}

/// Read the database behind `client` into a catalog, keeping only what `filter` allows.
///
/// The client must not be inside a transaction: inspection opens (and ends) its own.
pub async fn inspect(client: &Client, filter: &ObjectFilter) -> Result<Catalog, InspectError> {
    let version = server_version(client).await?;
    client
        .batch_execute(
            // JIT compilation costs more than it saves on catalog queries (measured: ~190 ms
            // of 1.4 s at 5,000 tables).
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = ''; \
             SET LOCAL jit = off",
        )
        .await
        .map_err(query_err("a read-only snapshot"))?;
    let rows = fetch(client, version).await;
    let end = client.batch_execute("ROLLBACK").await.map_err(query_err("the end of the snapshot"));
    let rows = rows?;
    end?;
    Ok(build::build(rows, filter))
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

async fn fetch(client: &Client, version: Version) -> Result<Rows, InspectError> {
    let constraints =
        queries::CONSTRAINTS.replace("{nnd}", &queries::nulls_not_distinct(version, "ix"));
    let indexes = queries::INDEXES.replace("{nnd}", &queries::nulls_not_distinct(version, "i"));
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
    })
}
