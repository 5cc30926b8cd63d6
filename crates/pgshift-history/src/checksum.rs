//! The checksum of a migration file, recorded in the ledger.
//!
//! Owns: [`Checksum`] (sha256, shown as 64 lowercase hex digits) and the normal form it is
//! computed over.
//!
//! The normal form is versioned text:
//!
//! ```text
//! pgshift checksum v1
//! revision <id>
//! parents <ids, sorted, comma-separated>
//! -- up
//! <tokens of statement 1, comments left out, joined by one space>;
//! …
//! ```
//!
//! so comments, whitespace between tokens, line endings (also inside literals), and the
//! optional `;` after the last statement do not change the checksum, while any token (a
//! literal, an identifier, a keyword, its case), the statement order, a section's kind, the
//! parents or the revision id do. The message is left out: rewording it is harmless.
//! Whitespace *inside* a literal or a dollar-quoted body is part of that token and counts.
//!
//! Must not: change the normal form without changing its version line, since ledgers keep
//! checksums forever.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use crate::error::HistoryError;
use crate::revision::{hex, is_lower_hex, RevisionId};

/// The sha256 of a migration file's normal form.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Checksum([u8; 32]);

impl Checksum {
    /// The raw digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// Parse 64 lowercase hex digits (as stored in the ledger).
    pub fn from_hex(s: &str) -> Result<Checksum, HistoryError> {
        let invalid = || HistoryError::InvalidChecksum { value: s.to_owned() };
        if s.len() != 64 || !s.bytes().all(is_lower_hex) {
            return Err(invalid());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2).ok_or_else(invalid)?, 16).map_err(|_| invalid())?;
        }
        Ok(Checksum(out))
    }

    /// The checksum of a normal form (see the module docs).
    pub(crate) fn of_normal_form(text: &str) -> Checksum {
        Checksum(Sha256::digest(text.as_bytes()).into())
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checksum({})", self.to_hex())
    }
}

impl FromStr for Checksum {
    type Err = HistoryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Checksum::from_hex(s)
    }
}

/// Builds the normal form.
pub(crate) struct NormalForm(String);

impl NormalForm {
    pub(crate) fn new(revision: &RevisionId, parents: &[RevisionId]) -> NormalForm {
        let mut sorted: Vec<&str> = parents.iter().map(RevisionId::as_str).collect();
        sorted.sort_unstable();
        NormalForm(format!("pgshift checksum v1\nrevision {revision}\nparents {}\n", sorted.join(",")))
    }

    pub(crate) fn section(&mut self, marker: &str) {
        self.0.push_str(marker);
        self.0.push('\n');
    }

    pub(crate) fn statement(&mut self, normal: &str) {
        self.0.push_str(normal);
        self.0.push_str(";\n");
    }

    pub(crate) fn text(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let c = Checksum::of_normal_form("x");
        let h = c.to_hex();
        assert_eq!(h.len(), 64);
        assert_eq!(h, "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881");
        assert_eq!(Checksum::from_hex(&h).unwrap(), c);
        assert_eq!(h.parse::<Checksum>().unwrap(), c);
        assert!(Checksum::from_hex(&h.to_uppercase()).is_err());
        assert!(Checksum::from_hex("abc").is_err());
        assert!(Checksum::from_hex(&"é".repeat(32)).is_err());
    }
}
