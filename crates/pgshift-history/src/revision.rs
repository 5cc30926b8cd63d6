//! Revision ids and file names.
//!
//! Owns: [`RevisionId`] (12 lowercase hex digits, validated on construction, random on
//! [`RevisionId::generate`]) and the file name of a new revision ([`file_name`], [`slug`]).
//!
//! Must not: give file names any meaning. A file's name is for people; the graph comes from
//! the header alone.

use std::fmt;
use std::str::FromStr;

use crate::error::HistoryError;

/// The number of hex digits in a revision id.
pub const REVISION_ID_LEN: usize = 12;

/// A revision id: exactly 12 lowercase hex digits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RevisionId(String);

impl RevisionId {
    /// A new random id (48 bits from the operating system's random source).
    ///
    /// Falls back to a hash of the clock and the process id if the system has no random
    /// source; either way the id is well-formed.
    pub fn generate() -> RevisionId {
        let mut bytes = [0u8; REVISION_ID_LEN / 2];
        if getrandom::fill(&mut bytes).is_err() {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default(),
            );
            h.write_u32(std::process::id());
            bytes.copy_from_slice(&h.finish().to_le_bytes()[..REVISION_ID_LEN / 2]);
        }
        RevisionId(hex(&bytes))
    }

    /// Parse an id; `None` unless `s` is exactly 12 lowercase hex digits.
    pub fn new(s: &str) -> Option<RevisionId> {
        is_revision_id(s).then(|| RevisionId(s.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RevisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RevisionId {
    type Err = HistoryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RevisionId::new(s).ok_or_else(|| HistoryError::InvalidRevisionId { value: s.to_owned() })
    }
}

impl AsRef<str> for RevisionId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Whether `s` is exactly 12 lowercase hex digits.
pub fn is_revision_id(s: &str) -> bool {
    s.len() == REVISION_ID_LEN && s.bytes().all(is_lower_hex)
}

pub(crate) fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// Lowercase hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// The longest slug [`slug`] returns.
pub const SLUG_MAX: usize = 50;

/// A file-name-safe form of a message: lowercase ASCII letters and digits, runs of anything
/// else turned into one `_`, at most [`SLUG_MAX`] characters (cut at a `_` where possible);
/// `migration` when nothing is left.
pub fn slug(message: &str) -> String {
    let mut out = String::new();
    for c in message.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    if out.len() > SLUG_MAX {
        out.truncate(SLUG_MAX);
        if let Some(cut) = out.rfind('_').filter(|&i| i >= SLUG_MAX / 2) {
            out.truncate(cut);
        }
    }
    let out = out.trim_end_matches('_');
    if out.is_empty() {
        "migration".to_owned()
    } else {
        out.to_owned()
    }
}

/// The file name of a new revision: `<id>_<slug>.sql`.
pub fn file_name(id: &RevisionId, message: &str) -> String {
    format!("{id}_{}.sql", slug(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_valid_and_differ() {
        let a = RevisionId::generate();
        let b = RevisionId::generate();
        assert!(is_revision_id(a.as_str()), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn ids_are_validated() {
        assert!(RevisionId::new("3f9a1c2b7d01").is_some());
        assert!(RevisionId::new("3F9A1C2B7D01").is_none());
        assert!(RevisionId::new("3f9a1c2b7d0").is_none());
        assert!(RevisionId::new("3f9a1c2b7d012").is_none());
        assert!(RevisionId::new("3f9a1c2b7d0g").is_none());
        let err = "xyz".parse::<RevisionId>().unwrap_err().to_string();
        assert!(err.contains("12 lowercase hex digits"), "{err}");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("add usage multiplier to ttsmodel"), "add_usage_multiplier_to_ttsmodel");
        assert_eq!(slug("  Add: \"Users\" table!! "), "add_users_table");
        assert_eq!(slug("ünïcode only ✓"), "n_code_only");
        assert_eq!(slug("!!!"), "migration");
        assert_eq!(slug(""), "migration");
        let long = slug(&"word ".repeat(40));
        assert!(long.len() <= SLUG_MAX && !long.ends_with('_'), "{long}");
        let id = RevisionId::new("3f9a1c2b7d01").unwrap();
        assert_eq!(file_name(&id, "add x"), "3f9a1c2b7d01_add_x.sql");
    }
}
