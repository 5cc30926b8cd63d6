//! The one error type of pgshift-history.
//!
//! Owns: [`HistoryError`], whose every variant names the file (and line, where one applies) and
//! whose message says what happened and what to do next.
//!
//! Must not: format for a terminal (no colour, no `hint:` prefix; the cli adds those) or carry
//! anything that is not plain data.

use std::fmt;
use std::path::PathBuf;

use crate::revision::RevisionId;

/// A revision named in an error, with the file that defines it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionRef {
    /// The revision.
    pub id: RevisionId,
    /// The file whose header declares it.
    pub path: PathBuf,
    /// The line of its `-- pgshift revision:` header.
    pub line: usize,
    /// Its message.
    pub message: String,
}

impl fmt::Display for RevisionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}:{})", self.id, self.path.display(), self.line)?;
        if !self.message.is_empty() {
            write!(f, " {}", self.message)?;
        }
        Ok(())
    }
}

/// A list of revisions, one per line, indented.
struct List<'a>(&'a [RevisionRef]);

impl fmt::Display for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in self.0 {
            write!(f, "\n  {r}")?;
        }
        Ok(())
    }
}

fn write_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::AlreadyExists => "it was left as it is; move it away or choose another name",
        _ => "nothing was written (no partial file is left); free some space or fix the permissions, then run the command again",
    }
}

fn ids(ids: &[RevisionId]) -> String {
    ids.iter().map(RevisionId::as_str).collect::<Vec<_>>().join(", ")
}

/// What can go wrong while reading migration files or walking the revision graph.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// A file or the migrations directory cannot be read.
    #[error("cannot read {}: {source}; check that the path exists and is readable", path.display())]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A `.sql` entry of the migrations directory is a symbolic link that leads nowhere.
    #[error(
        "{} is a symbolic link whose target cannot be reached ({source}); point it at the migration file or \
         delete it (a skipped migration would change the history)",
        path.display()
    )]
    BrokenLink {
        /// The link.
        path: PathBuf,
        /// Why following it failed (not found, too many levels of links, permission).
        #[source]
        source: std::io::Error,
    },
    /// A file cannot be written; nothing was left behind (see [`crate::write`]).
    #[error("cannot write {}: {source}; {}", path.display(), write_hint(source))]
    Write {
        /// The file that was to be written.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A migration file is not UTF-8 text.
    #[error("{}:{line}: the file is not UTF-8 text; save it as UTF-8", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// The line of the first invalid byte.
        line: usize,
    },
    /// A migration file contains a NUL byte.
    #[error("{}:{line}: the file contains a NUL byte; remove it (migration files are plain SQL text)", path.display())]
    NulByte {
        /// The file.
        path: PathBuf,
        /// The line of the NUL byte.
        line: usize,
    },
    /// The header has no `-- pgshift revision:` line.
    #[error("{}:1: no `-- pgshift revision: <id>` line before the first section; add one with 12 lowercase hex digits (`pgshift new` writes it for you)", path.display())]
    MissingRevision {
        /// The file.
        path: PathBuf,
    },
    /// A revision id in the header is malformed.
    #[error("{}:{line}: `{value}` is not a revision id; a revision id is 12 lowercase hex digits, e.g. `3f9a1c2b7d01`", path.display())]
    InvalidRevision {
        /// The file.
        path: PathBuf,
        /// The header line.
        line: usize,
        /// What the line holds.
        value: String,
    },
    /// A parent is named twice, or a revision names itself as its parent.
    #[error("{}:{line}: {problem}; list each parent once, separated by commas", path.display())]
    InvalidParents {
        /// The file.
        path: PathBuf,
        /// The `-- parents:` line.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// A header key appears twice.
    #[error("{}:{line}: `-- {key}:` appears twice (first on line {first_line}); keep one", path.display())]
    DuplicateKey {
        /// The file.
        path: PathBuf,
        /// The second occurrence.
        line: usize,
        /// The first occurrence.
        first_line: usize,
        /// The key.
        key: String,
    },
    /// A header line looks like a pgshift key but is not one.
    #[error("{}:{line}: unknown header key `{key}`; the header keys are `pgshift revision`, `parents` and `message`", path.display())]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
        /// The key as written.
        key: String,
    },
    /// A line looks like a section marker but is not one.
    #[error("{}:{line}: unknown section `{marker}`; use `-- up`, `-- up: no transaction`, `-- down` or `-- down: no transaction`", path.display())]
    UnknownSection {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
        /// The line as written (trimmed).
        marker: String,
    },
    /// SQL appears before the first section marker.
    #[error("{}:{line}: SQL before the first section; put it under a `-- up` (or `-- down`) line", path.display())]
    SqlOutsideSection {
        /// The file.
        path: PathBuf,
        /// The first line of SQL.
        line: usize,
    },
    /// PostgreSQL's parser rejects the SQL of a section.
    #[error("{}:{line}:{column}: {message} (in the `{section}` section at line {section_line}); fix the SQL and run the command again", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Line of the error (of the statement start when the parser gave no position).
        line: usize,
        /// Column of the error, in characters, 1-based.
        column: usize,
        /// The parser's message, shortened when it quotes a long text.
        message: String,
        /// The section's marker, e.g. `-- up`.
        section: String,
        /// The marker's line.
        section_line: usize,
    },
    /// A revision id as given (not from a file) is malformed.
    #[error("`{value}` is not a revision id; a revision id is 12 lowercase hex digits, e.g. `3f9a1c2b7d01`")]
    InvalidRevisionId {
        /// What was given.
        value: String,
    },
    /// A checksum as given (e.g. read back from the ledger) is malformed.
    #[error("`{value}` is not a checksum; a checksum is 64 lowercase hex digits")]
    InvalidChecksum {
        /// What was given.
        value: String,
    },
    /// Two files declare the same revision id.
    #[error("revision {id} is declared twice: {}:{first_line} and {}:{second_line}; give one of them a new id (`pgshift new` generates ids) and fix the `-- parents:` lines that meant it", first.display(), second.display())]
    DuplicateRevision {
        /// The id.
        id: RevisionId,
        /// The first file (in file-name order).
        first: PathBuf,
        /// Its revision line.
        first_line: usize,
        /// The second file.
        second: PathBuf,
        /// Its revision line.
        second_line: usize,
    },
    /// A file names a parent that no file declares.
    #[error("{}:{line}: parent revision {parent} of {id} does not exist in the migrations directory; restore the missing file or fix the `-- parents:` line", path.display())]
    MissingParent {
        /// The file.
        path: PathBuf,
        /// Its `-- parents:` line.
        line: usize,
        /// The revision whose parent is missing.
        id: RevisionId,
        /// The missing parent.
        parent: RevisionId,
    },
    /// The parents lines form a cycle.
    #[error("the revisions form a cycle (each is a parent of the next):{}\nfix the `-- parents:` line of one of them so that history runs one way", List(revisions))]
    Cycle {
        /// The revisions on the cycle, in order; the last is a parent of the first.
        revisions: Vec<RevisionRef>,
    },
    /// The migrations directory holds no revision.
    #[error("there is no migration yet; create one with `pgshift new`")]
    NoRevisions,
    /// The graph has more than one head where one is needed.
    #[error("the history has {} heads:{}\nrun `pgshift merge` to join them into one head, or name the target revision", heads.len(), List(heads))]
    MultipleHeads {
        /// Every head, in revision-id order.
        heads: Vec<RevisionRef>,
    },
    /// A revision spec matches no revision.
    #[error("no revision matches `{spec}`; run `pgshift history` to list the revisions")]
    UnknownRevision {
        /// What was given.
        spec: String,
    },
    /// A revision prefix is too short to be used.
    #[error("`{spec}` is too short to name a revision; give at least 4 characters of its id")]
    PrefixTooShort {
        /// What was given.
        spec: String,
    },
    /// A revision prefix matches several revisions.
    #[error("`{spec}` matches {} revisions:{}\ngive more characters of the id", candidates.len(), List(candidates))]
    AmbiguousRevision {
        /// What was given.
        spec: String,
        /// The revisions it matches, in id order.
        candidates: Vec<RevisionRef>,
    },
    /// The database records applied revisions that no file declares.
    #[error("the database has applied revisions that no migration file declares: {}; the database is ahead of these files: update the migrations directory (e.g. pull the latest commits) before running this command", ids(unknown))]
    UnknownApplied {
        /// The applied ids without a file, in id order.
        unknown: Vec<RevisionId>,
    },
    /// A downgrade asks for more steps than there are applied revisions.
    #[error("cannot downgrade {steps} step(s): only {applied} revision(s) are applied; use `base` to undo them all")]
    TooManySteps {
        /// Steps asked for.
        steps: usize,
        /// Applied revisions known to the graph.
        applied: usize,
    },
}
