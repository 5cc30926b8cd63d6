//! Scratch databases: unique names, CREATE/DROP SQL, and [`ScratchDb`],
//! which drops its database when dropped.
//!
//! Names are `pgshift_s_<pid>_<counter>_<random>` so that the reaper in
//! [`crate::ScratchServer::ensure`] can tell which process created a database
//! and drop those whose process is gone.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::error::ScratchError;
use crate::server::ScratchServer;

/// Prefix of every scratch database name.
pub const SCRATCH_PREFIX: &str = "pgshift_s_";

/// A fresh unique scratch database name.
pub(crate) fn new_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(nanos);
    h.write_u64(n);
    let rand = h.finish() as u32;
    format!("{SCRATCH_PREFIX}{}_{n}_{rand:08x}", std::process::id())
}

/// The creating pid encoded in a scratch database name.
pub(crate) fn scratch_pid(name: &str) -> Option<u32> {
    name.strip_prefix(SCRATCH_PREFIX)?
        .split('_')
        .next()?
        .parse()
        .ok()
}

/// `CREATE DATABASE name TEMPLATE template`; a copy of one of pgshift's templates on
/// PostgreSQL 15 and later with `STRATEGY FILE_COPY`, the only strategy before 15. The default
/// there, `WAL_LOG`, copies each block through shared buffers and the WAL: measured on a 29 MB
/// template (a 200-revision history with rows), 67–134 ms against 43–48 ms for a file copy,
/// and the dirty buffers it leaves make the next `DROP DATABASE` (which checkpoints) slower
/// too. `template0` keeps the default: both cost the same on it, and a file copy checkpoints
/// twice, which many databases created at once (a test suite) would wait on.
pub(crate) fn create_sql(name: &str, template: &str, version_num: u32) -> String {
    let file_copy = version_num >= 150000 && template != "template0";
    format!(
        "CREATE DATABASE {} TEMPLATE {}{}",
        pgshift_catalog::quote::ident(name),
        pgshift_catalog::quote::ident(template),
        if file_copy { " STRATEGY FILE_COPY" } else { "" }
    )
}

pub(crate) fn drop_sql(name: &str, version_num: u32) -> String {
    if version_num >= 130000 {
        format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", pgshift_catalog::quote::ident(name))
    } else {
        format!("DROP DATABASE IF EXISTS {}", pgshift_catalog::quote::ident(name))
    }
}

/// A scratch database; dropped (best effort) when this value is dropped,
/// unless [`ScratchDb::drop_now`] was called.
#[derive(Debug)]
pub struct ScratchDb {
    server: ScratchServer,
    name: String,
    dropped: bool,
}

impl ScratchDb {
    pub(crate) fn new(server: ScratchServer, name: String) -> Self {
        ScratchDb {
            server,
            name,
            dropped: false,
        }
    }

    /// The database name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server it lives on.
    pub fn server(&self) -> &ScratchServer {
        &self.server
    }

    /// psql-pasteable URL of this database (password masked).
    pub fn url(&self) -> String {
        self.server.url(&self.name)
    }

    /// Connection config for this database.
    pub fn pg_config(&self) -> tokio_postgres::Config {
        self.server.pg_config(&self.name)
    }

    /// Connects to this database.
    pub async fn connect(&self) -> Result<tokio_postgres::Client, ScratchError> {
        self.server.connect(&self.name).await
    }

    /// Keep this database under `name` (`ALTER DATABASE … RENAME`) instead of dropping it:
    /// how a loaded schema or a replayed history becomes a cached template. Every connection
    /// to it must be closed first. Returns `Ok(false)` when `name` already exists (another
    /// process cached the same thing first, or is renaming its copy right now); then this
    /// database is dropped.
    pub async fn keep_as(mut self, name: &str) -> Result<bool, ScratchError> {
        let client = self.server.connect(self.server.admin_dbname()).await?;
        let sql = format!(
            "ALTER DATABASE {} RENAME TO {}",
            pgshift_catalog::quote::ident(&self.name),
            pgshift_catalog::quote::ident(name)
        );
        // A connection that was just closed may still be ending on the server side.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut result = client.batch_execute(&sql).await;
        while let Err(e) = &result {
            if e.code() != Some(&tokio_postgres::error::SqlState::OBJECT_IN_USE) || std::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            result = client.batch_execute(&sql).await;
        }
        match result {
            Ok(()) => {
                self.dropped = true;
                Ok(true)
            }
            // Another process kept the same thing first: 42P04 when its rename had committed
            // before ours started, 23505 (`pg_database_datname_index`) when both renames ran
            // at once and ours lost on the catalog's unique index.
            Err(e)
                if e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE)
                    || e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) =>
            {
                self.dropped = true;
                self.server.drop_database(&self.name).await?;
                Ok(false)
            }
            Err(e) => Err(ScratchError::query(sql, self.server.url(self.server.admin_dbname()), e)),
        }
    }

    /// `DROP DATABASE ... WITH (FORCE)` now, reporting errors.
    pub async fn drop_now(mut self) -> Result<(), ScratchError> {
        self.dropped = true;
        self.server.drop_database(&self.name).await
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        self.dropped = true;
        // Works with or without a tokio runtime on this thread: a private
        // thread with its own current-thread runtime does the DROP, and we
        // wait for it (bounded) so the database is gone when drop returns.
        let server = self.server.clone();
        let name = std::mem::take(&mut self.name);
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("pgshift-scratch-drop".into())
            .spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    let _ = rt.block_on(server.drop_database(&name));
                }
                let _ = tx.send(());
            });
        if spawned.is_ok() {
            let _ = rx.recv_timeout(Duration::from_secs(30));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let a = new_name();
        let b = new_name();
        assert_ne!(a, b);
        assert!(a.len() < 63);
        assert_eq!(scratch_pid(&a), Some(std::process::id()));
        assert_eq!(scratch_pid("pgshift_s_x_1"), None);
        assert_eq!(pgshift_catalog::quote::ident("a\"b"), "\"a\"\"b\"");
    }
}
