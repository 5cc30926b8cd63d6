//! [`ScratchServer`]: a handle on a running server (embedded or external)
//! with connection helpers.
//!
//! `ensure` on the embedded server first tries the fast path — one
//! connection to the existing socket, no lock, no child processes — and only
//! if that fails takes the cluster lock to initdb/start (see
//! [`crate::cluster`]). The same single connection reads
//! `server_version_num` and lists leftover scratch databases for the reaper
//! in one round trip.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use crate::cluster::Cluster;
use crate::conninfo::{display_url, embedded_config};
use crate::db::{self, ScratchDb};
use crate::error::{render_pg_error, ScratchError};
use crate::ScratchConfig;

const EMBEDDED_HINT: &str = "The embedded scratch server may have been stopped; run `pgshift scratch start` \
                             (or rerun the command) and retry. See `pgshift scratch status` for its log file";
const EXTERNAL_HINT: &str = "Check that the server is running and that PGSHIFT_SCRATCH_URL (host, port, user, \
                             password, database) is right. TLS is not supported: use sslmode=disable or prefer";

/// Facts about the embedded cluster behind a handle.
#[derive(Clone, Debug)]
pub(crate) struct EmbeddedInfo {
    pub bindir: PathBuf,
    pub data_dir: PathBuf,
    pub socket_dir: PathBuf,
    pub major: u32,
}

struct Inner {
    /// Unmasked connection config, dbname unset.
    config: tokio_postgres::Config,
    /// Database used for CREATE/DROP DATABASE.
    admin_db: String,
    embedded: Option<EmbeddedInfo>,
    version_num: u32,
}

/// A running PostgreSQL server to create scratch databases on.
#[derive(Clone)]
pub struct ScratchServer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ScratchServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScratchServer")
            .field("url", &self.url(&self.inner.admin_db))
            .field("embedded", &self.inner.embedded)
            .field("version_num", &self.inner.version_num)
            .finish()
    }
}

async fn connect_cfg(cfg: &tokio_postgres::Config) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = cfg.connect(NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

impl ScratchServer {
    /// Embedded: start the cluster if it is not running (initdb first if the
    /// cache has none) and return a handle; also reaps scratch databases of
    /// dead processes. With `config.url`: just check connectivity.
    pub async fn ensure(config: &ScratchConfig) -> Result<ScratchServer, ScratchError> {
        match &config.url {
            Some(url) => Self::external(url).await,
            None => Self::embedded(config).await,
        }
    }

    async fn external(url: &str) -> Result<ScratchServer, ScratchError> {
        let mut cfg =
            tokio_postgres::Config::from_str(url).map_err(|e| ScratchError::InvalidUrl {
                detail: render_pg_error(&e),
            })?;
        let admin_db = cfg.get_dbname().unwrap_or("postgres").to_string();
        if cfg.get_connect_timeout().is_none() {
            cfg.connect_timeout(Duration::from_secs(10));
        }
        if cfg.get_application_name().is_none() {
            cfg.application_name("pgshift");
        }
        let probe = ScratchServer::new(cfg.clone(), admin_db.clone(), None, 0);
        let client = probe.connect(&admin_db).await?;
        let (version_num, _) = probe.probe(&client).await?;
        Ok(ScratchServer::new(cfg, admin_db, None, version_num))
    }

    async fn embedded(config: &ScratchConfig) -> Result<ScratchServer, ScratchError> {
        let cluster = Cluster::resolve(config)?;
        cluster.layout.check_socket_path()?;
        let info = EmbeddedInfo {
            bindir: cluster.bins.bindir.clone(),
            data_dir: cluster.layout.data.clone(),
            socket_dir: cluster.layout.run.clone(),
            major: cluster.bins.major,
        };
        let cfg = embedded_config(&cluster.layout.run);
        let probe = ScratchServer::new(cfg.clone(), "postgres".into(), Some(info.clone()), 0);

        // Fast path: a server is already listening.
        let mut client = None;
        if cluster.layout.socket().exists() {
            client = connect_cfg(&probe.pg_config("postgres")).await.ok();
            // A server running a binary that has since been replaced (a package upgrade)
            // cannot load the new libraries: the slow path restarts it.
            if client.is_some() && cluster.postmaster_pid().is_some_and(crate::cluster::binary_replaced) {
                client = None;
            }
        }
        let client = match client {
            Some(c) => c,
            None => {
                let c = cluster.clone();
                tokio::task::spawn_blocking(move || c.ensure_running())
                    .await
                    .map_err(|e| ScratchError::Internal(format!("the start task failed: {e}")))??;
                probe.connect_after_start().await?
            }
        };
        let (version_num, leftovers) = probe.probe(&client).await?;
        let server = ScratchServer::new(cfg, "postgres".into(), Some(info), version_num);
        server.reap(&client, &leftovers).await;
        Ok(server)
    }

    fn new(
        config: tokio_postgres::Config,
        admin_db: String,
        embedded: Option<EmbeddedInfo>,
        version_num: u32,
    ) -> Self {
        ScratchServer {
            inner: Arc::new(Inner {
                config,
                admin_db,
                embedded,
                version_num,
            }),
        }
    }

    /// Connects right after a start; tolerates "starting up" for a few seconds.
    async fn connect_after_start(&self) -> Result<Client, ScratchError> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match connect_cfg(&self.pg_config("postgres")).await {
                Ok(c) => return Ok(c),
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => return Err(self.connect_error(e, "postgres")),
            }
        }
    }

    /// Reads `server_version_num` and the names of existing scratch databases.
    async fn probe(&self, client: &Client) -> Result<(u32, Vec<String>), ScratchError> {
        let msgs = client
            .simple_query(
                "SHOW server_version_num; \
                 SELECT datname FROM pg_catalog.pg_database WHERE datname LIKE 'pgshift\\_s\\_%'",
            )
            .await
            .map_err(|e| {
                ScratchError::query(
                    "reading the server version",
                    self.url(&self.inner.admin_db),
                    e,
                )
            })?;
        let mut version = None;
        let mut names = Vec::new();
        for m in msgs {
            if let SimpleQueryMessage::Row(row) = m {
                match row.columns().first().map(|c| c.name()) {
                    Some("server_version_num") => {
                        version = row.get(0).and_then(|v| v.parse::<u32>().ok())
                    }
                    Some("datname") => names.extend(row.get(0).map(str::to_string)),
                    _ => {}
                }
            }
        }
        let version = version.ok_or_else(|| {
            ScratchError::Internal("the server did not report server_version_num".to_string())
        })?;
        Ok((version, names))
    }

    /// Best effort: drops scratch databases whose creating process is dead.
    async fn reap(&self, client: &Client, names: &[String]) {
        let me = std::process::id();
        for name in names {
            let Some(pid) = db::scratch_pid(name) else {
                continue;
            };
            if pid == me || crate::cluster::pid_alive(pid) {
                continue;
            }
            let _ = client
                .batch_execute(&db::drop_sql(name, self.inner.version_num))
                .await;
        }
    }

    fn connect_error(&self, e: tokio_postgres::Error, dbname: &str) -> ScratchError {
        ScratchError::Connect {
            url: self.url(dbname),
            detail: render_pg_error(&e),
            hint: if self.is_embedded() {
                EMBEDDED_HINT
            } else {
                EXTERNAL_HINT
            },
            source: e,
        }
    }

    /// A `tokio_postgres::Config` for database `dbname` on this server
    /// (including the password of an external server).
    pub fn pg_config(&self, dbname: &str) -> tokio_postgres::Config {
        let mut c = self.inner.config.clone();
        c.dbname(dbname);
        c
    }

    /// A URL for `dbname` that can be pasted into `psql`; any password is shown as `***`.
    pub fn url(&self, dbname: &str) -> String {
        display_url(&self.inner.config, dbname)
    }

    /// Connects to `dbname`; the connection task is spawned on the current tokio runtime.
    pub async fn connect(&self, dbname: &str) -> Result<Client, ScratchError> {
        connect_cfg(&self.pg_config(dbname))
            .await
            .map_err(|e| self.connect_error(e, dbname))
    }

    /// `server_version_num`, e.g. 150018 (read once by `ensure`).
    pub async fn server_version_num(&self) -> Result<u32, ScratchError> {
        Ok(self.inner.version_num)
    }

    /// The database used for administrative statements (`postgres` for the
    /// embedded server; the URL's database for an external one).
    pub fn admin_dbname(&self) -> &str {
        &self.inner.admin_db
    }

    /// Creates a database with a unique name `pgshift_s_<pid>_<counter>_<random>`,
    /// copied from `template` (default `template0`, which is always pristine).
    pub async fn create_database(&self, template: Option<&str>) -> Result<ScratchDb, ScratchError> {
        let name = db::new_name();
        let sql = db::create_sql(&name, template.unwrap_or("template0"), self.inner.version_num);
        let client = self.connect(&self.inner.admin_db).await?;
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match client.batch_execute(&sql).await {
                Ok(()) => break,
                // "source database is being accessed by other users": usually a
                // connection that is just closing. Give it a moment.
                Err(e)
                    if e.code() == Some(&tokio_postgres::error::SqlState::OBJECT_IN_USE)
                        && Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => {
                    return Err(ScratchError::query(
                        format!(
                            "CREATE DATABASE {name} (template {})",
                            template.unwrap_or("template0")
                        ),
                        self.url(&self.inner.admin_db),
                        e,
                    ))
                }
            }
        }
        Ok(ScratchDb::new(self.clone(), name))
    }

    /// Drops database `name` (`WITH (FORCE)` on PostgreSQL 13+).
    pub(crate) async fn drop_database(&self, name: &str) -> Result<(), ScratchError> {
        let client = self.connect(&self.inner.admin_db).await?;
        client
            .batch_execute(&db::drop_sql(name, self.inner.version_num))
            .await
            .map_err(|e| {
                ScratchError::query(
                    format!("DROP DATABASE {name}"),
                    self.url(&self.inner.admin_db),
                    e,
                )
            })
    }

    /// True for the embedded server, false for `PGSHIFT_SCRATCH_URL`.
    pub fn is_embedded(&self) -> bool {
        self.inner.embedded.is_some()
    }

    /// PGDATA of the embedded server.
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        self.inner.embedded.as_ref().map(|e| e.data_dir.as_path())
    }

    /// Socket directory of the embedded server.
    pub fn socket_dir(&self) -> Option<&std::path::Path> {
        self.inner.embedded.as_ref().map(|e| e.socket_dir.as_path())
    }

    /// Bindir of the embedded server's binaries (holds `psql`, `pg_dump`, ...).
    pub fn bindir(&self) -> Option<&std::path::Path> {
        self.inner.embedded.as_ref().map(|e| e.bindir.as_path())
    }

    /// Major version of the embedded server's binaries.
    pub fn embedded_major(&self) -> Option<u32> {
        self.inner.embedded.as_ref().map(|e| e.major)
    }

    /// The major version of the server, from `server_version_num`.
    pub fn major(&self) -> u32 {
        self.inner.version_num / 10000
    }
}
