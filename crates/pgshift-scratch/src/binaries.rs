//! Discovery of the PostgreSQL server binaries (`initdb`, `postgres`, `pg_ctl`).
//!
//! Search order (first qualifying directory wins):
//! 1. an explicit directory (`PGSHIFT_PG_BINDIR`, or `ScratchConfig::bindir`);
//!    if given but unusable this is an error, never a silent fall-through;
//! 2. `pg_config --bindir`, with `pg_config` looked up on the search PATH;
//! 3. the highest numeric `<lib_root>/<N>/bin` (Debian layout, `/usr/lib/postgresql`);
//! 4. each directory of PATH.
//!
//! A directory qualifies when it holds executable `initdb`, `postgres` and
//! `pg_ctl`. The major version comes from `postgres --version`.

use std::collections::HashMap;
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use crate::error::ScratchError;

/// The programs a bindir must contain.
pub const REQUIRED_PROGRAMS: [&str; 3] = ["initdb", "postgres", "pg_ctl"];

/// Discovery inputs, injectable for tests.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BinarySearch {
    /// Explicit bindir (from `PGSHIFT_PG_BINDIR`); must qualify if set.
    pub explicit: Option<PathBuf>,
    /// Whether to ask `pg_config --bindir`.
    pub use_pg_config: bool,
    /// Root of versioned installs, normally `/usr/lib/postgresql`.
    pub lib_root: PathBuf,
    /// PATH to search (for `pg_config` and as the last resort).
    pub path: Option<OsString>,
    /// The major version asked for (`scratch_version`, `--pg-version`): only binaries of it
    /// qualify, also those `pgshift scratch install` put under [`BinarySearch::installed`].
    pub major: Option<u32>,
    /// The cache root whose `pg-bin/` holds installed versions.
    pub installed: Option<PathBuf>,
}

impl BinarySearch {
    /// Explicit dir from `PGSHIFT_PG_BINDIR` (empty = unset), `pg_config` on,
    /// `/usr/lib/postgresql`, and the process' `PATH`.
    pub fn from_env() -> Self {
        BinarySearch {
            explicit: std::env::var_os("PGSHIFT_PG_BINDIR")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            use_pg_config: true,
            lib_root: PathBuf::from("/usr/lib/postgresql"),
            path: std::env::var_os("PATH"),
            major: None,
            installed: None,
        }
    }
}

/// A usable set of PostgreSQL server binaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binaries {
    /// Directory holding `initdb`, `postgres`, `pg_ctl` (and usually `psql`).
    pub bindir: PathBuf,
    /// Major version, e.g. 15.
    pub major: u32,
}

impl Binaries {
    /// Path of a program in the bindir.
    pub fn program(&self, name: &str) -> PathBuf {
        self.bindir.join(name)
    }
}

fn is_executable_file(p: &Path) -> bool {
    match std::fs::metadata(p) {
        Ok(m) => m.is_file() && m.permissions().mode() & 0o111 != 0,
        Err(_) => false,
    }
}

fn missing_programs(dir: &Path) -> Vec<&'static str> {
    REQUIRED_PROGRAMS
        .iter()
        .copied()
        .filter(|p| !is_executable_file(&dir.join(p)))
        .collect()
}

fn pg_config_bindir(path: Option<&OsString>) -> Option<PathBuf> {
    let path = path?;
    let pg_config = std::env::split_paths(path)
        .map(|d| d.join("pg_config"))
        .find(|p| is_executable_file(p))?;
    let out = Command::new(&pg_config)
        .arg("--bindir")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?;
    let s = s.trim();
    (!s.is_empty()).then(|| PathBuf::from(s))
}

fn versioned_bindirs(lib_root: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(lib_root) else {
        return Vec::new();
    };
    let mut found: Vec<(u32, PathBuf)> = rd
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            Some((v, e.path().join("bin")))
        })
        .collect();
    found.sort_by_key(|b| std::cmp::Reverse(b.0));
    found.into_iter().map(|(_, p)| p).collect()
}

/// Parses the major version out of `postgres --version` output such as
/// `postgres (PostgreSQL) 15.18 (Debian 15.18-1.pgdg120+1)`.
pub fn parse_major(version_output: &str) -> Option<u32> {
    let rest = match version_output.find("(PostgreSQL)") {
        Some(i) => &version_output[i + "(PostgreSQL)".len()..],
        None => version_output,
    };
    let token = rest
        .split_whitespace()
        .find(|t| t.starts_with(|c: char| c.is_ascii_digit()))?;
    let digits: String = token.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|v| *v > 0)
}

fn major_of(bindir: &Path) -> Result<u32, ScratchError> {
    let program = bindir.join("postgres");
    let out = Command::new(&program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ScratchError::VersionUnknown {
            program: program.clone(),
            detail: e.to_string(),
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(ScratchError::VersionUnknown {
            program,
            detail: format!(
                "it exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    parse_major(&text).ok_or_else(|| ScratchError::VersionUnknown {
        program,
        detail: format!("unrecognised output {:?}", text.trim()),
    })
}

/// Finds the server binaries. See the module documentation for the order.
pub fn find_binaries(search: &BinarySearch) -> Result<Binaries, ScratchError> {
    if let Some(dir) = &search.explicit {
        let missing = missing_programs(dir);
        if !missing.is_empty() {
            return Err(ScratchError::BinDirIncomplete {
                dir: dir.clone(),
                missing: missing.join(", "),
            });
        }
        let major = major_of(dir)?;
        if let Some(wanted) = search.major.filter(|w| *w != major) {
            return Err(ScratchError::VersionMismatch { dir: dir.clone(), found: major, wanted });
        }
        return Ok(Binaries { bindir: dir.clone(), major });
    }
    if let Some(wanted) = search.major {
        return find_major(search, wanted);
    }

    let mut searched: Vec<String> = Vec::new();
    let mut candidates: Vec<PathBuf> = Vec::new();
    if search.use_pg_config {
        match pg_config_bindir(search.path.as_ref()) {
            Some(d) => {
                searched.push(format!("`pg_config --bindir` ({})", d.display()));
                candidates.push(d);
            }
            None => searched.push("`pg_config --bindir` (no pg_config on PATH)".to_string()),
        }
    }
    let versioned = versioned_bindirs(&search.lib_root);
    searched.push(format!("{}/*/bin", search.lib_root.display()));
    candidates.extend(versioned);
    match &search.path {
        Some(p) if !p.is_empty() => {
            searched.push(format!("PATH ({})", p.to_string_lossy()));
            candidates.extend(std::env::split_paths(p).filter(|d| !d.as_os_str().is_empty()));
        }
        _ => searched.push("PATH (unset)".to_string()),
    }

    for dir in candidates {
        if missing_programs(&dir).is_empty() {
            return Ok(Binaries {
                major: major_of(&dir)?,
                bindir: dir,
            });
        }
    }
    Err(ScratchError::BinariesNotFound {
        searched: searched.join(", "),
    })
}

/// Binaries of major version `wanted`: Debian's versioned directory, `pg_config`'s and PATH's
/// when they are that version, then an installed release (`pgshift scratch install`).
fn find_major(search: &BinarySearch, wanted: u32) -> Result<Binaries, ScratchError> {
    let mut searched = vec![format!("{}/{wanted}/bin", search.lib_root.display())];
    let mut candidates = vec![search.lib_root.join(wanted.to_string()).join("bin")];
    if search.use_pg_config {
        if let Some(d) = pg_config_bindir(search.path.as_ref()) {
            searched.push(format!("`pg_config --bindir` ({})", d.display()));
            candidates.push(d);
        }
    }
    if let Some(p) = search.path.as_ref().filter(|p| !p.is_empty()) {
        searched.push("PATH".to_owned());
        candidates.extend(std::env::split_paths(p).filter(|d| !d.as_os_str().is_empty()));
    }
    if let Some(cache) = &search.installed {
        searched.push(format!("installed releases in {}", crate::install::root(cache).display()));
        candidates.extend(crate::install::installed(cache, wanted));
    }
    for dir in candidates {
        if missing_programs(&dir).is_empty() && major_of(&dir).ok() == Some(wanted) {
            return Ok(Binaries { bindir: dir, major: wanted });
        }
    }
    Err(ScratchError::VersionNotFound { major: wanted, package: crate::install::package(), searched: searched.join(", ") })
}

/// [`find_binaries`] memoised per process for identical inputs, so that
/// `ensure` on a running server does not fork `pg_config`/`postgres` each time.
pub(crate) fn find_binaries_cached(search: &BinarySearch) -> Result<Binaries, ScratchError> {
    static CACHE: OnceLock<Mutex<HashMap<BinarySearch, Binaries>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(map) = cache.lock() {
        if let Some(b) = map.get(search) {
            return Ok(b.clone());
        }
    }
    let found = find_binaries(search)?;
    if let Ok(mut map) = cache.lock() {
        map.insert(search.clone(), found.clone());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::parse_major;

    #[test]
    fn parses_versions() {
        assert_eq!(
            parse_major("postgres (PostgreSQL) 15.18 (Debian 15.18-1.pgdg120+1)\n"),
            Some(15)
        );
        assert_eq!(parse_major("postgres (PostgreSQL) 17beta1"), Some(17));
        assert_eq!(parse_major("postgres (PostgreSQL) 9.6.24"), Some(9));
        assert_eq!(parse_major("garbage"), None);
    }
}
