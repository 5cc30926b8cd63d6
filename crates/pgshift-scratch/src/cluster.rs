//! Lifecycle of the embedded cluster: initdb, start, stop, status, the
//! cross-process lock, and recovery from stale state.
//!
//! * All state-changing work (initdb, start, stop) happens while holding an
//!   exclusive `flock` on `<cache>/pg<major>/lock`, so concurrent pgshift
//!   processes end up sharing one server. The fast path of
//!   [`crate::ScratchServer::ensure`] (connect to the socket) needs no lock.
//! * initdb writes into a temporary sibling `data.initdb-<pid>/` that is
//!   renamed to `data/` only on success; on failure it is removed. Leftover
//!   temporary dirs (from a killed pgshift) are removed under the lock.
//! * A server whose binary was replaced while it ran (a PostgreSQL package upgrade, after which
//!   the new `plpgsql.so` no longer loads into the old binary) is stopped and started again on
//!   the new binaries by the next `ensure`.
//! * Stale state after a crash (SIGKILL): a `postmaster.pid` whose pid is dead
//!   (or now belongs to a non-PostgreSQL process) and the socket's lock file
//!   are removed under the lock before starting. While orphaned backends of a
//!   killed postmaster still hold its shared memory, the start is retried for
//!   a few seconds.
//! * The server is started with `pg_ctl -w start` in its own process group
//!   (so a Ctrl-C in pgshift's terminal does not stop it), listening only on
//!   the unix socket in `run/`, with durability switched off (`fsync=off`,
//!   `full_page_writes=off`, `synchronous_commit=off`): the data is throw-away.
//!   Client errors are not logged (`log_min_messages=log`): loading broken
//!   SQL is routine here and would only grow `server.log`, which is also
//!   truncated at a start once it exceeds 16 MiB. Startup failures, crashes
//!   and FATALs are still logged.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use nix::fcntl::{Flock, FlockArg};
use nix::sys::signal::kill;
use nix::unistd::Pid;
use serde::Serialize;

use crate::binaries::{find_binaries_cached, Binaries, BinarySearch};
use crate::error::ScratchError;
use crate::layout::{self, Layout, RunAs, PORT, SUPERUSER};
use crate::ScratchConfig;

/// Result of [`crate::stop`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopOutcome {
    /// A running server was stopped.
    Stopped,
    /// No server was running.
    NotRunning,
}

/// Result of [`crate::status`], serialisable for `--json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerStatus {
    /// Whether a live postmaster owns the data directory.
    pub running: bool,
    /// The postmaster's pid when running.
    pub pid: Option<u32>,
    /// PGDATA of the embedded cluster.
    pub data_dir: PathBuf,
    /// Unix socket directory.
    pub socket_dir: PathBuf,
    /// Server log file.
    pub log_file: PathBuf,
    /// PostgreSQL major version of the binaries in use.
    pub major: u32,
    /// Directory of the PostgreSQL binaries in use.
    pub bindir: PathBuf,
    /// psql-compatible URL of the `postgres` database when running.
    pub url: Option<String>,
}

/// Log size above which the log is truncated before a start.
const MAX_LOG_BYTES: u64 = 16 * 1024 * 1024;
/// How long to keep retrying a start that fails because of leftovers of a killed server.
const STALE_RETRY: Duration = Duration::from_secs(15);

/// True if a process with this pid exists (EPERM counts as existing).
pub(crate) fn pid_alive(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    if raw <= 0 {
        return false;
    }
    match kill(Pid::from_raw(raw), None) {
        Ok(()) => true,
        Err(nix::errno::Errno::ESRCH) => false,
        Err(_) => true,
    }
}

/// True when the executable process `pid` runs has been deleted or replaced since it started
/// (`/proc/<pid>/exe` reads `… (deleted)`), as a package upgrade does. False where /proc does
/// not tell.
pub(crate) fn binary_replaced(pid: u32) -> bool {
    std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p.to_string_lossy().ends_with(" (deleted)"))
}

/// True if `pid` is alive and (where /proc tells) is a PostgreSQL process.
fn is_postgres_process(pid: u32) -> bool {
    if !pid_alive(pid) {
        return false;
    }
    // A killed postmaster whose parent does not reap it stays a zombie,
    // which kill(2) still reports as existing.
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next());
        if matches!(state, Some('Z') | Some('X') | Some('x')) {
            return false;
        }
    }
    match std::fs::read_to_string(format!("/proc/{pid}/comm")) {
        Ok(comm) => {
            let comm = comm.trim();
            comm.starts_with("postgres") || comm.starts_with("postmaster")
        }
        // With /proc mounted a failed read means the process just exited;
        // without /proc trust kill(2).
        Err(_) => !Path::new("/proc/self").exists(),
    }
}

/// Everything needed to manage one embedded cluster.
#[derive(Clone, Debug)]
pub(crate) struct Cluster {
    pub bins: Binaries,
    pub layout: Layout,
    pub run_as: Option<RunAs>,
    /// Extra `-c` settings ([`ScratchConfig::server_settings`]), applied when the server starts.
    pub settings: Vec<String>,
}

impl Cluster {
    /// Finds binaries and computes paths; creates nothing.
    pub fn resolve(config: &ScratchConfig) -> Result<Cluster, ScratchError> {
        let run_as = layout::run_as()?;
        let cache = layout::cache_root(config.cache_dir.as_deref(), run_as.is_some())?;
        let mut search = BinarySearch::from_env();
        if let Some(b) = &config.bindir {
            search.explicit = Some(b.clone());
        }
        search.major = config.pg_version;
        search.installed = Some(cache.clone());
        let bins = find_binaries_cached(&search)?;
        Ok(Cluster {
            layout: Layout::new(cache, bins.major),
            bins,
            run_as,
            settings: config.server_settings.clone(),
        })
    }

    /// A command for a PostgreSQL program: PG* environment removed, run as
    /// the unprivileged user when root, in the cluster directory, in its own
    /// process group, stdin closed, output captured.
    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(self.bins.program(program));
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("PG") {
                c.env_remove(k);
            }
        }
        c.current_dir(&self.layout.root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        if let Some(ra) = &self.run_as {
            let home = ra.home.clone().unwrap_or_else(|| self.layout.root.clone());
            c.uid(ra.uid).gid(ra.gid).env("HOME", home);
        }
        c
    }

    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Result<Output, ScratchError> {
        self.command(program)
            .args(args)
            .output()
            .map_err(|e| ScratchError::Spawn {
                program: self.bins.program(program),
                source: e,
            })
    }

    fn lock(&self) -> Result<Flock<File>, ScratchError> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.layout.lock)
            .map_err(|e| ScratchError::io("open the lock file", &self.layout.lock, e))?;
        Flock::lock(f, FlockArg::LockExclusive).map_err(|(_, errno)| ScratchError::Lock {
            path: self.layout.lock.clone(),
            source: errno,
        })
    }

    /// The pid of a live postmaster owning the data dir, if any.
    pub fn postmaster_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.layout.data.join("postmaster.pid")).ok()?;
        let pid: u32 = text.lines().next()?.trim().parse().ok()?;
        is_postgres_process(pid).then_some(pid)
    }

    /// Blocking: makes sure the cluster exists and a server is running on it.
    pub fn ensure_running(&self) -> Result<(), ScratchError> {
        self.layout.prepare(self.run_as.as_ref())?;
        let _lock = self.lock()?;
        self.remove_initdb_leftovers();
        if !self.layout.data.join("PG_VERSION").is_file() {
            if self.layout.data.exists() {
                return Err(ScratchError::CacheDirUnusable {
                    path: self.layout.data.clone(),
                    reason: "it exists but is not a PostgreSQL data directory (no PG_VERSION). \
                             Remove it and retry; pgshift will run initdb again"
                        .to_string(),
                });
            }
            self.initdb()?;
        }
        if let Some(pid) = self.postmaster_pid() {
            if !binary_replaced(pid) {
                return Ok(());
            }
            // The PostgreSQL package was upgraded under the running server: the new libraries
            // (plpgsql.so, contrib) no longer load into the old binary ("undefined symbol").
            // Restart it on the new binaries.
            self.pg_ctl_stop()?;
        }
        self.remove_stale_files();
        self.start()
    }

    fn remove_initdb_leftovers(&self) {
        let Ok(rd) = std::fs::read_dir(&self.layout.root) else {
            return;
        };
        for e in rd.filter_map(Result::ok) {
            if e.file_name().to_string_lossy().starts_with("data.initdb-") {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }

    fn remove_stale_files(&self) {
        let _ = std::fs::remove_file(self.layout.data.join("postmaster.pid"));
        let lockfile = self.layout.run.join(format!(".s.PGSQL.{PORT}.lock"));
        let _ = std::fs::remove_file(lockfile);
        let _ = std::fs::remove_file(self.layout.socket());
    }

    fn initdb(&self) -> Result<(), ScratchError> {
        let tmp = self
            .layout
            .root
            .join(format!("data.initdb-{}", std::process::id()));
        let first = self.initdb_into(&tmp, "C.UTF-8");
        let result = match first {
            Err(ScratchError::InitdbFailed { ref stderr, .. })
                if stderr.to_lowercase().contains("locale") =>
            {
                self.initdb_into(&tmp, "C")
            }
            other => other,
        };
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, &self.layout.data).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp);
            ScratchError::io("move the new cluster into place at", &self.layout.data, e)
        })
    }

    fn initdb_into(&self, tmp: &Path, locale: &str) -> Result<(), ScratchError> {
        let _ = std::fs::remove_dir_all(tmp);
        std::fs::create_dir(tmp).map_err(|e| ScratchError::io("create directory", tmp, e))?;
        if let Some(ra) = &self.run_as {
            layout::chown_to(tmp, ra)?;
        }
        let locale_arg = format!("--locale={locale}");
        let args: Vec<&std::ffi::OsStr> = vec![
            "-D".as_ref(),
            tmp.as_os_str(),
            "-U".as_ref(),
            SUPERUSER.as_ref(),
            "--auth=trust".as_ref(),
            "--encoding=UTF8".as_ref(),
            locale_arg.as_ref(),
            "--no-sync".as_ref(),
        ];
        let out = self.run("initdb", &args)?;
        if out.status.success() {
            return Ok(());
        }
        let mut text = String::from_utf8_lossy(&out.stderr).trim().to_string();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if text.is_empty() {
            text = stdout.trim().to_string();
        }
        Err(ScratchError::InitdbFailed {
            data_dir: self.layout.data.clone(),
            status: out.status.to_string(),
            stderr: tail_lines(&text, 40),
        })
    }

    fn start_options(&self) -> String {
        let run = self.layout.run.to_string_lossy();
        format!(
            "-c listen_addresses= -k {} -p {PORT} -c fsync=off -c full_page_writes=off \
             -c synchronous_commit=off -c max_connections=200 -c shared_buffers=64MB \
             -c max_locks_per_transaction=256 -c log_min_messages=log \
             -c log_min_error_statement=panic -c log_checkpoints=off",
            shell_quote(&run)
        ) + &self.settings.iter().map(|kv| format!(" -c {}", shell_quote(kv))).collect::<String>()
    }

    fn start(&self) -> Result<(), ScratchError> {
        let deadline = Instant::now() + STALE_RETRY;
        loop {
            let offset = self.log_offset();
            let opts = self.start_options();
            let args: Vec<&std::ffi::OsStr> = vec![
                "start".as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "-s".as_ref(),
                "-D".as_ref(),
                self.layout.data.as_os_str(),
                "-l".as_ref(),
                self.layout.log.as_os_str(),
                "-o".as_ref(),
                opts.as_ref(),
            ];
            let out = self.run("pg_ctl", &args)?;
            if out.status.success() {
                return Ok(());
            }
            let log_tail = self.log_since(offset);
            let retryable = log_tail.contains("pre-existing shared memory block")
                || (log_tail.contains("lock file") && log_tail.contains("already exists"));
            if retryable && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(200));
                self.remove_stale_files();
                continue;
            }
            let detail = format!(
                "pg_ctl exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return Err(ScratchError::StartFailed {
                data_dir: self.layout.data.clone(),
                log: self.layout.log.clone(),
                detail,
                log_tail: tail_lines(&log_tail, 30),
            });
        }
    }

    fn log_offset(&self) -> u64 {
        let len = std::fs::metadata(&self.layout.log)
            .map(|m| m.len())
            .unwrap_or(0);
        if len > MAX_LOG_BYTES {
            if let Ok(f) = std::fs::OpenOptions::new()
                .write(true)
                .open(&self.layout.log)
            {
                if f.set_len(0).is_ok() {
                    return 0;
                }
            }
        }
        len
    }

    fn log_since(&self, offset: u64) -> String {
        let mut buf = Vec::new();
        if let Ok(mut f) = File::open(&self.layout.log) {
            if f.seek(SeekFrom::Start(offset)).is_ok() {
                let _ = f.take(1024 * 1024).read_to_end(&mut buf);
            }
        }
        let s = String::from_utf8_lossy(&buf).trim().to_string();
        if s.is_empty() {
            "(the log is empty)".to_string()
        } else {
            s
        }
    }

    /// Blocking: `pg_ctl stop -m fast` under the lock.
    pub fn stop(&self) -> Result<StopOutcome, ScratchError> {
        if !self.layout.root.is_dir() {
            return Ok(StopOutcome::NotRunning);
        }
        let _lock = self.lock()?;
        if self.postmaster_pid().is_none() {
            return Ok(StopOutcome::NotRunning);
        }
        self.pg_ctl_stop()
    }

    /// `pg_ctl stop -m fast`; the caller holds the lock.
    fn pg_ctl_stop(&self) -> Result<StopOutcome, ScratchError> {
        let args: Vec<&std::ffi::OsStr> = vec![
            "stop".as_ref(),
            "-w".as_ref(),
            "-t".as_ref(),
            "60".as_ref(),
            "-s".as_ref(),
            "-m".as_ref(),
            "fast".as_ref(),
            "-D".as_ref(),
            self.layout.data.as_os_str(),
        ];
        let out = self.run("pg_ctl", &args)?;
        if out.status.success() || self.postmaster_pid().is_none() {
            return Ok(StopOutcome::Stopped);
        }
        Err(ScratchError::StopFailed {
            data_dir: self.layout.data.clone(),
            log: self.layout.log.clone(),
            detail: format!(
                "pg_ctl exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        })
    }

    /// Status without side effects.
    pub fn status(&self) -> ServerStatus {
        let pid = self.postmaster_pid();
        ServerStatus {
            running: pid.is_some(),
            pid,
            data_dir: self.layout.data.clone(),
            socket_dir: self.layout.run.clone(),
            log_file: self.layout.log.clone(),
            major: self.bins.major,
            bindir: self.bins.bindir.clone(),
            url: pid.map(|_| {
                crate::conninfo::display_url(
                    &crate::conninfo::embedded_config(&self.layout.run),
                    "postgres",
                )
            }),
        }
    }
}

/// POSIX shell single-quoting.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn tail_lines(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::binary_replaced;

    #[test]
    fn a_process_whose_binary_was_replaced_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("sleep-copy");
        std::fs::copy("/bin/sleep", &copy).unwrap();
        let mut child = std::process::Command::new(&copy).arg("5").spawn().unwrap();
        assert!(!binary_replaced(child.id()));
        std::fs::remove_file(&copy).unwrap();
        assert!(binary_replaced(child.id()));
        let _ = child.kill();
        let _ = child.wait();
        assert!(!binary_replaced(std::process::id()));
    }
}
