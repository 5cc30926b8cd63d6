//! Where the embedded cluster lives, and which OS user runs it.
//!
//! Cache root:
//! * `ScratchConfig::cache_dir` when given (made absolute);
//! * else `$XDG_CACHE_HOME/pgshift`, else `$HOME/.cache/pgshift`.
//!
//! Running as root: `initdb`, `pg_ctl` and `postgres` refuse to run as root,
//! so they run as the `postgres` OS user if it exists, else as `nobody`.
//! That user must be able to traverse every ancestor of the cluster
//! directory. root's default cache (`/root/.cache/...`) normally is not
//! traversable (`/root` is 0700), so in that case — and only for the
//! *default* location — the cache root falls back to
//! [`ROOT_FALLBACK_CACHE`] (`/var/tmp/pgshift-root`, created 0755 and
//! required to be a root-owned real directory). `/var/tmp` is used rather
//! than `/tmp` because it survives reboots on most systems, so the cluster
//! does not need a fresh `initdb` after each boot. An explicitly configured
//! cache dir is never replaced: if one of its ancestors is not traversable
//! that is an error; the cache dir itself is given `o+x` when needed (e.g. a
//! 0700 temporary directory).
//!
//! Cluster layout, `<cache>/pg<major>/`:
//! `data/` (PGDATA), `run/` (unix socket dir), `lock` (flock file),
//! `server.log`, and transiently `data.initdb-<pid>/` while initdb runs.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::unistd::{Gid, Uid, User};

use crate::error::ScratchError;

/// Cache root used by root when the default location is not traversable.
pub const ROOT_FALLBACK_CACHE: &str = "/var/tmp/pgshift-root";

/// The TCP port number the server pretends to use; with `listen_addresses=''`
/// it only names the socket file `.s.PGSQL.<port>`.
pub const PORT: u16 = 5432;

/// Maximum length in bytes of a unix socket path (sun_path is 108 bytes incl. NUL).
pub const MAX_SOCKET_PATH: usize = 107;

/// Name of the superuser created by initdb.
pub const SUPERUSER: &str = "pgshift";

/// The OS user that runs PostgreSQL when pgshift itself runs as root.
#[derive(Clone, Debug)]
pub(crate) struct RunAs {
    pub uid: u32,
    pub gid: u32,
    pub home: Option<PathBuf>,
}

/// `None` when not root; otherwise the `postgres` (else `nobody`) user.
pub(crate) fn run_as() -> Result<Option<RunAs>, ScratchError> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    for name in ["postgres", "nobody"] {
        if let Ok(Some(u)) = User::from_name(name) {
            if u.uid.is_root() {
                continue;
            }
            let home = Some(u.dir.clone()).filter(|d| d.is_dir());
            return Ok(Some(RunAs {
                uid: u.uid.as_raw(),
                gid: u.gid.as_raw(),
                home,
            }));
        }
    }
    Err(ScratchError::NoUnprivilegedUser)
}

fn absolutize(p: &Path) -> Result<PathBuf, ScratchError> {
    if p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    let cwd = std::env::current_dir()
        .map_err(|e| ScratchError::io("determine the current directory for", p, e))?;
    Ok(cwd.join(p))
}

/// First existing ancestor (strictly above `path`) that others cannot traverse.
fn untraversable_ancestor(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .filter_map(|a| std::fs::metadata(a).ok().map(|m| (a, m)))
        .find(|(_, m)| m.permissions().mode() & 0o001 == 0)
        .map(|(a, _)| a.to_path_buf())
}

fn env_dir(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

/// Resolves the cache root without creating anything.
pub(crate) fn cache_root(explicit: Option<&Path>, as_root: bool) -> Result<PathBuf, ScratchError> {
    if let Some(dir) = explicit {
        let dir = absolutize(dir)?;
        if as_root {
            if let Some(bad) = untraversable_ancestor(&dir) {
                return Err(ScratchError::CacheDirUnusable {
                    path: dir,
                    reason: format!(
                        "pgshift runs as root, so PostgreSQL runs as an unprivileged user, which cannot \
                         traverse {} (no o+x permission). Choose a cache dir under a world-traversable \
                         directory such as /var/tmp, or `chmod o+x {}`",
                        bad.display(),
                        bad.display()
                    ),
                });
            }
        }
        return Ok(dir);
    }
    default_cache_root(env_dir("XDG_CACHE_HOME"), env_dir("HOME"), as_root)
}

fn default_cache_root(
    xdg: Option<PathBuf>,
    home: Option<PathBuf>,
    as_root: bool,
) -> Result<PathBuf, ScratchError> {
    let default = match (xdg, home) {
        (Some(x), _) => x.join("pgshift"),
        (None, Some(h)) => h.join(".cache").join("pgshift"),
        (None, None) if as_root => return Ok(PathBuf::from(ROOT_FALLBACK_CACHE)),
        (None, None) => return Err(ScratchError::NoCacheDir),
    };
    if as_root && untraversable_ancestor(&default).is_some() {
        return Ok(PathBuf::from(ROOT_FALLBACK_CACHE));
    }
    Ok(default)
}

/// Paths of one cluster.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    /// The cache root (parent of `pg<major>`).
    pub cache: PathBuf,
    /// `<cache>/pg<major>`.
    pub root: PathBuf,
    /// PGDATA.
    pub data: PathBuf,
    /// Unix socket directory.
    pub run: PathBuf,
    /// flock file.
    pub lock: PathBuf,
    /// Server log.
    pub log: PathBuf,
}

impl Layout {
    pub fn new(cache: PathBuf, major: u32) -> Self {
        let root = cache.join(format!("pg{major}"));
        Layout {
            data: root.join("data"),
            run: root.join("run"),
            lock: root.join("lock"),
            log: root.join("server.log"),
            root,
            cache,
        }
    }

    /// Path of the server's unix socket.
    pub fn socket(&self) -> PathBuf {
        self.run.join(format!(".s.PGSQL.{PORT}"))
    }

    /// Errors when the socket path would be too long or unusable in a
    /// `unix_socket_directories` list.
    pub fn check_socket_path(&self) -> Result<(), ScratchError> {
        let sock = self.socket();
        let len = sock.as_os_str().len();
        if len > MAX_SOCKET_PATH {
            return Err(ScratchError::SocketPathTooLong {
                path: sock,
                len,
                max: MAX_SOCKET_PATH,
            });
        }
        let s = self.run.to_string_lossy();
        if s.contains([',', '"', '\'', '\n']) || self.run.to_str().is_none() {
            return Err(ScratchError::CacheDirUnusable {
                path: self.cache.clone(),
                reason: "its path contains a comma, a quote, a newline or non-UTF-8 bytes, which PostgreSQL's \
                         unix_socket_directories cannot express; choose a plainer path"
                    .to_string(),
            });
        }
        Ok(())
    }

    /// Creates the cache root, cluster root, run dir and log file; hands the
    /// run dir and log file to `run_as`.
    pub fn prepare(&self, run_as: Option<&RunAs>) -> Result<(), ScratchError> {
        self.check_socket_path()?;
        let fallback = Path::new(ROOT_FALLBACK_CACHE);
        if run_as.is_some() && self.cache == fallback {
            prepare_root_fallback(fallback)?;
        }
        std::fs::create_dir_all(&self.cache)
            .map_err(|e| ScratchError::io("create the cache directory", &self.cache, e))?;
        if let Some(ra) = run_as {
            // The unprivileged server user must traverse the cache dir itself.
            if let Some(bad) = untraversable_ancestor(&self.cache) {
                return Err(ScratchError::CacheDirUnusable {
                    path: self.cache.clone(),
                    reason: format!(
                        "pgshift runs as root, so PostgreSQL runs as uid {}, which cannot traverse {} \
                         (no o+x). Choose a cache dir under /var/tmp, or `chmod o+x {}`",
                        ra.uid,
                        bad.display(),
                        bad.display()
                    ),
                });
            }
            add_other_exec(&self.cache)?;
        }
        std::fs::create_dir_all(&self.root)
            .map_err(|e| ScratchError::io("create the cluster directory", &self.root, e))?;
        if run_as.is_some() {
            add_other_exec(&self.root)?;
        }
        match std::fs::create_dir(&self.run) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(ScratchError::io(
                    "create the socket directory",
                    &self.run,
                    e,
                ))
            }
        }
        std::fs::set_permissions(&self.run, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| ScratchError::io("set permissions of", &self.run, e))?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| ScratchError::io("create the server log", &self.log, e))?;
        if let Some(ra) = run_as {
            chown_to(&self.run, ra)?;
            chown_to(&self.log, ra)?;
        }
        Ok(())
    }
}

fn prepare_root_fallback(dir: &Path) -> Result<(), ScratchError> {
    match std::fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(ScratchError::io("create the cache directory", dir, e)),
    }
    let meta = std::fs::symlink_metadata(dir).map_err(|e| ScratchError::io("inspect", dir, e))?;
    if !meta.is_dir() || meta.uid() != 0 || meta.permissions().mode() & 0o022 != 0 {
        return Err(ScratchError::CacheDirUnusable {
            path: dir.to_path_buf(),
            reason: "it must be a real directory owned by root and writable only by root; \
                     remove it (it only holds pgshift's scratch cluster) and retry"
                .to_string(),
        });
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| ScratchError::io("set permissions of", dir, e))
}

fn add_other_exec(dir: &Path) -> Result<(), ScratchError> {
    let meta = std::fs::metadata(dir).map_err(|e| ScratchError::io("inspect", dir, e))?;
    let mode = meta.permissions().mode();
    if mode & 0o011 != 0o011 {
        std::fs::set_permissions(
            dir,
            std::fs::Permissions::from_mode((mode & 0o7777) | 0o011),
        )
        .map_err(|e| ScratchError::io("make traversable", dir, e))?;
    }
    Ok(())
}

pub(crate) fn chown_to(path: &Path, ra: &RunAs) -> Result<(), ScratchError> {
    nix::unistd::chown(
        path,
        Some(Uid::from_raw(ra.uid)),
        Some(Gid::from_raw(ra.gid)),
    )
    .map_err(|e| ScratchError::io("change the owner of", path, std::io::Error::from(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_cache_root_rules() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path().to_path_buf();
        std::fs::set_permissions(&h, std::fs::Permissions::from_mode(0o700)).unwrap();
        let xdg = h.join("xdg");
        assert_eq!(
            default_cache_root(Some(xdg.clone()), Some(h.clone()), false).unwrap(),
            xdg.join("pgshift")
        );
        assert_eq!(
            default_cache_root(None, Some(h.clone()), false).unwrap(),
            h.join(".cache").join("pgshift")
        );
        // root with an untraversable home falls back
        assert_eq!(
            default_cache_root(None, Some(h.clone()), true).unwrap(),
            PathBuf::from(ROOT_FALLBACK_CACHE)
        );
        std::fs::set_permissions(&h, std::fs::Permissions::from_mode(0o755)).unwrap();
        if untraversable_ancestor(&h).is_none() {
            assert_eq!(
                default_cache_root(None, Some(h.clone()), true).unwrap(),
                h.join(".cache").join("pgshift")
            );
        }
        assert!(matches!(
            default_cache_root(None, None, false),
            Err(ScratchError::NoCacheDir)
        ));
    }

    #[test]
    fn socket_path_limit() {
        let l = Layout::new(PathBuf::from("/tmp/short"), 15);
        assert!(l.check_socket_path().is_ok());
        let l = Layout::new(PathBuf::from(format!("/tmp/{}", "y".repeat(90))), 15);
        assert!(matches!(
            l.check_socket_path(),
            Err(ScratchError::SocketPathTooLong { .. })
        ));
    }
}
