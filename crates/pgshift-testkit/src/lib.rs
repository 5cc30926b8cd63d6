//! pgshift-testkit: what every pgshift test that needs PostgreSQL stands on.
//!
//! Owns: a scratch-backed database per test ([`TestDb`]), on the shared embedded server of
//! `pgshift-scratch` (or `PGSHIFT_SCRATCH_URL`), created fresh and dropped afterwards.
//! Must not: be a dependency of anything but tests and benches.

use pgshift_scratch::{ScratchConfig, ScratchDb, ScratchServer};
use tokio_postgres::Client;

/// A fresh, empty database for one test, with a connection to it.
pub struct TestDb {
    /// The scratch database (dropped when this value is dropped).
    pub db: ScratchDb,
    /// A connection to it.
    pub client: Client,
    /// The server's major version (the suites run on 13 to 18: `scripts/versions.sh`).
    pub major: u32,
}

impl TestDb {
    /// Create a fresh database on the shared scratch server, starting the server if needed.
    ///
    /// Panics with the scratch error when no server can be had: a test cannot go on.
    pub async fn new() -> TestDb {
        let server = server().await;
        let db = server.create_database(None).await.unwrap_or_else(|e| panic!("{e}"));
        let client = db.connect().await.unwrap_or_else(|e| panic!("{e}"));
        TestDb { db, client, major: server.major() }
    }

    /// A fresh database with `sql` already executed in it; lines marked for a newer server
    /// than this one (`-- pg15+` at the end) are left out ([`for_major`]).
    pub async fn with_sql(sql: &str) -> TestDb {
        let t = TestDb::new().await;
        if let Err(e) = t.client.batch_execute(&for_major(sql, t.major)).await {
            panic!("test setup SQL failed: {}", pg_error(&e));
        }
        t
    }

    /// Drop the database now (otherwise it is dropped, best effort, on `Drop`).
    pub async fn finish(self) {
        drop(self.client);
        self.db.drop_now().await.unwrap_or_else(|e| panic!("{e}"));
    }
}

/// `sql` without the lines that end in `-- pgNN+` for an `NN` above `major`: a fixture line
/// that needs a newer server (`NULLS NOT DISTINCT` and unlogged sequences are 15+), so one
/// fixture serves every major.
pub fn for_major(sql: &str, major: u32) -> String {
    sql.lines()
        .filter(|line| {
            let needs = line.rsplit_once("-- pg").and_then(|(_, v)| v.trim_end().strip_suffix('+')).and_then(|v| v.parse::<u32>().ok());
            needs.is_none_or(|n| n <= major)
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

/// The shared scratch server.
pub async fn server() -> ScratchServer {
    ScratchServer::ensure(&ScratchConfig::from_env())
        .await
        .unwrap_or_else(|e| panic!("no scratch PostgreSQL server for tests: {e}"))
}

/// A driver error with PostgreSQL's message, detail and position, for test failures.
pub fn pg_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!(
            "{}: {} (detail: {:?}, hint: {:?}, position: {:?})",
            db.code().code(),
            db.message(),
            db.detail(),
            db.hint(),
            db.position()
        ),
        None => e.to_string(),
    }
}

/// The real-schema corpus (`shared/corpus`, see CONFORMANCE.md): `PGSHIFT_CORPUS` when set
/// (then it must hold `schemas/` and `evolution/`), else the first `shared/corpus` found beside
/// the workspace or any directory above it, else `/work/shared/corpus` (the team's machines,
/// where a clean clone in another directory still finds it). `None` on a machine without it:
/// the conformance tests then say so and check nothing else.
pub fn corpus() -> Option<std::path::PathBuf> {
    let valid = |d: &std::path::Path| d.join("schemas").is_dir() && d.join("evolution").is_dir();
    if let Some(dir) = std::env::var_os("PGSHIFT_CORPUS").filter(|v| !v.is_empty()) {
        let dir = std::path::PathBuf::from(dir);
        assert!(valid(&dir), "PGSHIFT_CORPUS={} holds no schemas/ and evolution/", dir.display());
        return Some(dir);
    }
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut candidates: Vec<std::path::PathBuf> = workspace.ancestors().map(|a| a.join("shared/corpus")).collect();
    candidates.push("/work/shared/corpus".into());
    candidates.into_iter().find(|d| valid(d))
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_for_newer_servers_are_left_out() {
        let sql = "CREATE TABLE t (\n  a int,\n  UNIQUE NULLS NOT DISTINCT (a), -- pg15+\n  b int\n);\n";
        assert_eq!(super::for_major(sql, 13), "CREATE TABLE t (\n  a int,\n  b int\n);\n");
        assert_eq!(super::for_major(sql, 15), sql);
    }
}
