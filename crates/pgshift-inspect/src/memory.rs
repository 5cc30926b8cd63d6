//! The memory limit an inspection reads under, so that a catalog too large for it ends in a
//! clear error instead of the kernel's OOM killer (a silent `SIGKILL`).
//!
//! Owns: finding the limit (`PGSHIFT_MEMORY_LIMIT`, else the cgroup's: v2 `memory.max` of this
//! process's cgroup and its ancestors, v1 `memory.limit_in_bytes`), reading this process's
//! resident memory (`/proc/self/status`), and deciding when to stop.
//!
//! An inspection stops once pgshift's resident memory passes [`READ_SHARE`] of the limit: the
//! catalog is most of what a command holds, and what comes after it (a diff's second catalog
//! and dependency graphs, a plan) needs about half as much again (measured at 5,000 tables:
//! 90 MiB after both inspections, 140 MiB at the diff's peak). Outside Linux, or with no limit,
//! nothing is checked.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The share of the limit an inspection may reach.
pub const READ_SHARE: f64 = 0.6;

/// A memory limit and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Bytes.
    pub bytes: u64,
    /// Where it was found, for the error message.
    pub source: String,
}

/// Memory above the share of the limit an inspection may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    /// pgshift's resident memory, bytes.
    pub resident: u64,
    /// The limit.
    pub limit: Limit,
}

/// The limit of this process, found once.
pub fn limit() -> Option<&'static Limit> {
    static LIMIT: OnceLock<Option<Limit>> = OnceLock::new();
    LIMIT.get_or_init(|| from_env().or_else(from_cgroup)).as_ref()
}

/// `Err` when this process's resident memory is past [`READ_SHARE`] of its limit.
pub fn check() -> Result<(), Exceeded> {
    let Some(limit) = limit() else { return Ok(()) };
    let Some(resident) = resident() else { return Ok(()) };
    if resident as f64 > limit.bytes as f64 * READ_SHARE {
        return Err(Exceeded { resident, limit: limit.clone() });
    }
    Ok(())
}

/// This process's resident set size in bytes (`VmRSS`).
pub fn resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.trim_start_matches("VmRSS:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

fn from_env() -> Option<Limit> {
    let value = std::env::var("PGSHIFT_MEMORY_LIMIT").ok()?;
    // A value that does not parse is ignored rather than guessed at; `parse_size` names the forms.
    let bytes = parse_size(&value)?;
    Some(Limit { bytes, source: format!("PGSHIFT_MEMORY_LIMIT={value}") })
}

/// `"512MiB"`, `"2GiB"`, `"300MB"`, `"1G"`, `"1048576"` (bytes) → bytes.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "kb" => 1e3,
        "m" | "mib" => 1024.0 * 1024.0,
        "mb" => 1e6,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "gb" => 1e9,
        _ => return None,
    };
    let bytes = number * scale;
    (bytes >= 1.0 && bytes.is_finite()).then_some(bytes as u64)
}

/// Values at or above this mean "no limit" (v1 writes `PAGE_COUNTER_MAX` pages as bytes).
const UNLIMITED: u64 = 1 << 60;

fn from_cgroup() -> Option<Limit> {
    let membership = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let root = Path::new("/sys/fs/cgroup");
    let mut found: Option<Limit> = None;
    let mut consider = |path: PathBuf| {
        let Some(bytes) = std::fs::read_to_string(&path).ok().and_then(|t| t.trim().parse::<u64>().ok()) else {
            return;
        };
        if bytes < UNLIMITED && !matches!(&found, Some(f) if f.bytes <= bytes) {
            found = Some(Limit { bytes, source: format!("the cgroup's {}", path.display()) });
        }
    };
    for line in membership.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (fields.next(), fields.next(), fields.next()) else { continue };
        let path = path.trim_start_matches('/');
        if controllers.is_empty() {
            // v2: this cgroup and every ancestor may set memory.max.
            let mut dir = root.join(path);
            loop {
                consider(dir.join("memory.max"));
                if dir == root || !dir.pop() {
                    break;
                }
            }
        } else if controllers.split(',').any(|c| c == "memory") {
            // v1: the path may not exist inside a container, whose mount is its own cgroup.
            consider(root.join("memory").join(path).join("memory.limit_in_bytes"));
            consider(root.join("memory").join("memory.limit_in_bytes"));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_the_usual_units() {
        assert_eq!(parse_size("512MiB"), Some(512 << 20));
        assert_eq!(parse_size("2 GiB"), Some(2 << 30));
        assert_eq!(parse_size("300MB"), Some(300_000_000));
        assert_eq!(parse_size("1g"), Some(1 << 30));
        assert_eq!(parse_size("1048576"), Some(1 << 20));
        assert_eq!(parse_size("1.5GiB"), Some(3 << 29));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("12 parsecs"), None);
        assert_eq!(parse_size("0"), None);
    }

    #[test]
    fn resident_memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let rss = resident().unwrap();
            assert!(rss > 1 << 20 && rss < 1 << 40, "{rss}");
        }
    }
}
