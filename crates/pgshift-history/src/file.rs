//! Migration files: parse, render, load a directory.
//!
//! Owns: the file format of DESIGN.md ("Migration file"): the header (`-- pgshift revision:`,
//! `-- parents:`, `-- message:`), the section markers (`-- up`, `-- up: no transaction`,
//! `-- down`, `-- down: no transaction`), the statements of each section with their exact
//! text and file:line:column, the file's [`Checksum`], the canonical text of a new revision
//! ([`Draft::render`]) and reading a migrations directory ([`load_dir`]).
//!
//! Rules beyond DESIGN.md, decided here:
//! * Header keys are matched case-insensitively. A `-- key: value` comment whose key starts
//!   with `pgshift`, or is `revision`, `parent` or `revises`, is an unknown key (a typo there
//!   would silently change the graph); any other comment is just a comment.
//! * A `--` comment whose first word is `up` or `down` (any case, followed by end of line or a
//!   non-word character) must be one of the four markers exactly; `-- update …` and
//!   `-- downtime …` are plain comments.
//! * A marker-like line inside a string, a dollar-quoted body or a `/* */` comment is SQL, not
//!   a marker (found with PostgreSQL's scanner; if the whole file does not scan, lines are
//!   taken at face value and the section's parse reports the error).
//! * A leading UTF-8 byte-order mark is ignored. Sections may be empty; a file may have no
//!   section at all (e.g. a merge revision with nothing to run).
//!
//! Must not: read the database, or look at file names for meaning (the graph comes from
//! headers only).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::checksum::{Checksum, NormalForm};
use crate::error::HistoryError;
use crate::revision::{file_name, RevisionId};
use crate::sql;

/// Which way a section runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Run by upgrades.
    Up,
    /// Run by downgrades.
    Down,
}

/// A statement of a section, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// Its exact text, from its first token to its last, without the `;` and without
    /// comments before or after it (comments inside it stay).
    pub sql: String,
    /// The line of its first character in the file, 1-based.
    pub line: usize,
    /// The column of its first character, in characters, 1-based.
    pub column: usize,
}

impl Statement {
    /// The file line and column of the character at `char_index` (0-based, in characters)
    /// of [`Statement::sql`], e.g. to map a server error position (1-based: pass
    /// `position - 1`) back to the file. Past the end, the position just after the last
    /// character.
    pub fn position(&self, char_index: usize) -> (usize, usize) {
        let (mut line, mut column) = (self.line, self.column);
        for c in self.sql.chars().take(char_index) {
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        (line, column)
    }
}

/// A section of a migration file: a marker and the statements under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// Up or down.
    pub direction: Direction,
    /// Whether it runs in a transaction (consecutive transactional sections share one).
    pub transactional: bool,
    /// The marker's line, 1-based.
    pub line: usize,
    /// Its statements, in order.
    pub statements: Vec<Statement>,
}

impl Section {
    /// Its marker line, e.g. `-- up: no transaction`.
    pub fn marker(&self) -> &'static str {
        marker(self.direction, self.transactional)
    }
}

/// The marker line of a section kind.
pub fn marker(direction: Direction, transactional: bool) -> &'static str {
    match (direction, transactional) {
        (Direction::Up, true) => "-- up",
        (Direction::Up, false) => "-- up: no transaction",
        (Direction::Down, true) => "-- down",
        (Direction::Down, false) => "-- down: no transaction",
    }
}

/// A parsed migration file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationFile {
    /// Where it was read from (as given).
    pub path: PathBuf,
    /// Its revision id.
    pub revision: RevisionId,
    /// The line of the `-- pgshift revision:` header.
    pub revision_line: usize,
    /// Its parents, as listed; empty for a root revision, several for a merge.
    pub parents: Vec<RevisionId>,
    /// The line of the `-- parents:` header, if there is one.
    pub parents_line: Option<usize>,
    /// Its message (empty when the header has none).
    pub message: String,
    /// Its sections, in file order.
    pub sections: Vec<Section>,
    /// The checksum of its normal form (see [`crate::checksum`]).
    pub checksum: Checksum,
    /// The text it was parsed from. The ledger keeps it (to show what changed when an applied
    /// file is edited) with its sha256, so applying never reads the file again: migrations
    /// embedded in a binary have no file to read.
    pub text: String,
}

impl MigrationFile {
    /// Parse the text of a migration file; `path` is used in errors and kept.
    pub fn parse(path: impl Into<PathBuf>, text: &str) -> Result<MigrationFile, HistoryError> {
        Parser::new(path.into(), text).run()
    }

    /// Read and parse one file.
    pub fn read(path: impl Into<PathBuf>) -> Result<MigrationFile, HistoryError> {
        let path = path.into();
        let bytes = std::fs::read(&path).map_err(|source| HistoryError::Read { path: path.clone(), source })?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
                return Err(HistoryError::NotUtf8 { path, line });
            }
        };
        MigrationFile::parse(path, &text)
    }

    /// Whether it has no parents.
    pub fn is_root(&self) -> bool {
        self.parents.is_empty()
    }

    /// Whether it has several parents.
    pub fn is_merge(&self) -> bool {
        self.parents.len() > 1
    }

    /// Its sections of one direction, in file order.
    pub fn sections(&self, direction: Direction) -> impl Iterator<Item = &Section> {
        self.sections.iter().filter(move |s| s.direction == direction)
    }

    /// Whether it has a down section (a downgrade past it is possible).
    pub fn has_down(&self) -> bool {
        self.sections(Direction::Down).next().is_some()
    }

    /// The same revision as a [`Draft`] (comments are not kept).
    pub fn to_draft(&self) -> Draft {
        Draft {
            revision: self.revision.clone(),
            parents: self.parents.clone(),
            message: self.message.clone(),
            sections: self
                .sections
                .iter()
                .map(|s| DraftSection {
                    direction: s.direction,
                    transactional: s.transactional,
                    statements: s.statements.iter().map(|st| st.sql.clone()).collect(),
                })
                .collect(),
        }
    }

    /// The canonical text of this revision (comments are not kept; the checksum is the same).
    pub fn render(&self) -> String {
        self.to_draft().render()
    }
}

/// A revision to write: what `pgshift new` and `pgshift merge` produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    /// Its id.
    pub revision: RevisionId,
    /// Its parents.
    pub parents: Vec<RevisionId>,
    /// Its message (rendered on one line: line breaks and control characters become spaces).
    pub message: String,
    /// Its sections.
    pub sections: Vec<DraftSection>,
}

/// A section of a [`Draft`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftSection {
    /// Up or down.
    pub direction: Direction,
    /// Whether it runs in a transaction.
    pub transactional: bool,
    /// Its statements; a trailing `;` is optional.
    pub statements: Vec<String>,
}

impl DraftSection {
    /// A section of the given kind with statements.
    pub fn new(direction: Direction, transactional: bool, statements: Vec<String>) -> DraftSection {
        DraftSection { direction, transactional, statements }
    }
}

impl Draft {
    /// A new revision with a fresh random id and no sections.
    pub fn new(parents: Vec<RevisionId>, message: &str) -> Draft {
        Draft { revision: RevisionId::generate(), parents, message: one_line(message), sections: Vec::new() }
    }

    /// Its file name, `<id>_<slug>.sql`.
    pub fn file_name(&self) -> String {
        file_name(&self.revision, &self.message)
    }

    /// The canonical text: the header, a blank line, then each section's marker followed by
    /// its statements (each ending in `;`), sections separated by a blank line.
    pub fn render(&self) -> String {
        let mut out = format!("-- pgshift revision: {}\n", self.revision);
        let parents: Vec<&str> = self.parents.iter().map(RevisionId::as_str).collect();
        if parents.is_empty() {
            out.push_str("-- parents:\n");
        } else {
            out.push_str(&format!("-- parents: {}\n", parents.join(", ")));
        }
        let message = one_line(&self.message);
        if message.is_empty() {
            out.push_str("-- message:\n");
        } else {
            out.push_str(&format!("-- message: {message}\n"));
        }
        for section in &self.sections {
            out.push('\n');
            out.push_str(marker(section.direction, section.transactional));
            out.push('\n');
            for statement in &section.statements {
                let mut s = statement.trim();
                while let Some(rest) = s.strip_suffix(';') {
                    s = rest.trim_end();
                }
                if s.is_empty() {
                    continue;
                }
                out.push_str(s);
                out.push_str(if sql::ends_in_line_comment(s) { "\n;\n" } else { ";\n" });
            }
        }
        out
    }
}

fn one_line(message: &str) -> String {
    message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Read every `*.sql` file directly in `dir` (not in subdirectories; names starting with `.`
/// are skipped), in file-name order. A missing directory is an error; an empty one gives no
/// files.
pub fn load_dir(dir: impl AsRef<Path>) -> Result<Vec<MigrationFile>, HistoryError> {
    list_dir(dir)?.into_iter().map(MigrationFile::read).collect()
}

/// The header of a migration file: what the graph needs, without its SQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Its revision id.
    pub revision: RevisionId,
    /// Its parents, as listed.
    pub parents: Vec<RevisionId>,
    /// Its message (empty when the header has none).
    pub message: String,
}

/// Read only the header of a migration file's text (the lines before the first section
/// marker), with the same rules as [`MigrationFile::parse`] but without PostgreSQL's parser:
/// cheap enough to run on every application start. It does not check the SQL; a file whose
/// header reads fine may still fail [`MigrationFile::parse`].
pub fn read_header(path: impl Into<PathBuf>, text: &str) -> Result<Header, HistoryError> {
    let mut parser = Parser::new(path.into(), text);
    let text = parser.text;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if !trimmed.starts_with("--") {
            return Err(HistoryError::SqlOutsideSection { path: parser.path.clone(), line: index + 1 });
        }
        // Before the first marker there is no SQL, so every `--` line is a comment.
        match classify(trimmed) {
            Marker::Section(..) => break,
            Marker::Unknown => {
                return Err(HistoryError::UnknownSection {
                    path: parser.path.clone(),
                    line: index + 1,
                    marker: trimmed.to_owned(),
                })
            }
            Marker::Comment => parser.header_line(index + 1, trimmed)?,
        }
    }
    let Some((revision, _)) = parser.revision.take() else {
        return Err(HistoryError::MissingRevision { path: parser.path.clone() });
    };
    let parents = parser.parents.take().map(|(p, _)| p).unwrap_or_default();
    let message = parser.message.take().map(|(m, _)| m).unwrap_or_default();
    Ok(Header { revision, parents, message })
}

/// The migration files of `dir` as [`load_dir`] reads them (`*.sql` directly in it, not
/// hidden), sorted by path, without reading them.
pub fn list_dir(dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, HistoryError> {
    let dir = dir.as_ref();
    let read_err = |source| HistoryError::Read { path: dir.to_owned(), source };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        let visible = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.starts_with('.'));
        if visible && path.extension().is_some_and(|e| e == "sql") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// What a `--` line in marker position is.
enum Marker {
    Section(Direction, bool),
    Unknown,
    Comment,
}

fn classify(trimmed: &str) -> Marker {
    match trimmed {
        "-- up" => return Marker::Section(Direction::Up, true),
        "-- up: no transaction" => return Marker::Section(Direction::Up, false),
        "-- down" => return Marker::Section(Direction::Down, true),
        "-- down: no transaction" => return Marker::Section(Direction::Down, false),
        _ => {}
    }
    let Some(rest) = trimmed.strip_prefix("--") else { return Marker::Comment };
    let rest = rest.trim_start().to_lowercase();
    for word in ["up", "down"] {
        if let Some(after) = rest.strip_prefix(word) {
            if !after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                return Marker::Unknown;
            }
        }
    }
    Marker::Comment
}

struct RawSection {
    direction: Direction,
    transactional: bool,
    line: usize,
    body_start: usize,
    body_end: usize,
}

struct Parser<'a> {
    path: PathBuf,
    text: &'a str,
    line_starts: Vec<usize>,
    revision: Option<(RevisionId, usize)>,
    parents: Option<(Vec<RevisionId>, usize)>,
    message: Option<(String, usize)>,
}

impl<'a> Parser<'a> {
    fn new(path: PathBuf, text: &'a str) -> Parser<'a> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Parser { path, text, line_starts, revision: None, parents: None, message: None }
    }

    /// 1-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset)
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_of(offset);
        let start = self.line_starts.get(line.saturating_sub(1)).copied().unwrap_or(0);
        let column = self.text.get(start..offset).map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    fn run(mut self) -> Result<MigrationFile, HistoryError> {
        if let Some(at) = self.text.find('\0') {
            return Err(HistoryError::NulByte { path: self.path.clone(), line: self.line_of(at) });
        }
        // Offsets where a `--` comment token starts; `None` if the file does not scan.
        let comment_starts: Option<BTreeSet<usize>> = sql::tokens(self.text)
            .ok()
            .map(|toks| toks.iter().filter(|t| t.comment).map(|t| t.start).collect());

        let mut sections: Vec<RawSection> = Vec::new();
        for (index, &start) in self.line_starts.clone().iter().enumerate() {
            let line_no = index + 1;
            let end = self.line_starts.get(index + 1).copied().unwrap_or(self.text.len());
            let line = self.text.get(start..end).unwrap_or_default();
            let trimmed = line.trim();
            let lead = start + (line.len() - line.trim_start().len());
            let is_comment = trimmed.starts_with("--") && comment_starts.as_ref().is_none_or(|s| s.contains(&lead));
            if is_comment {
                match classify(trimmed) {
                    Marker::Section(direction, transactional) => {
                        if let Some(last) = sections.last_mut() {
                            last.body_end = start;
                        }
                        sections.push(RawSection { direction, transactional, line: line_no, body_start: end, body_end: end });
                        continue;
                    }
                    Marker::Unknown => {
                        return Err(HistoryError::UnknownSection {
                            path: self.path.clone(),
                            line: line_no,
                            marker: trimmed.to_owned(),
                        })
                    }
                    Marker::Comment => {}
                }
            }
            if !sections.is_empty() || trimmed.is_empty() {
                continue;
            }
            if !trimmed.starts_with("--") {
                return Err(HistoryError::SqlOutsideSection { path: self.path.clone(), line: line_no });
            }
            self.header_line(line_no, trimmed)?;
        }
        if let Some(last) = sections.last_mut() {
            last.body_end = self.text.len();
        }

        let Some((revision, revision_line)) = self.revision.take() else {
            return Err(HistoryError::MissingRevision { path: self.path.clone() });
        };
        let (parents, parents_line) = match self.parents.take() {
            Some((parents, line)) => (parents, Some(line)),
            None => (Vec::new(), None),
        };
        if let (Some(line), true) = (parents_line, parents.contains(&revision)) {
            return Err(HistoryError::InvalidParents {
                path: self.path.clone(),
                line,
                problem: format!("revision {revision} lists itself as a parent"),
            });
        }
        let message = self.message.take().map(|(m, _)| m).unwrap_or_default();

        let mut normal = NormalForm::new(&revision, &parents);
        let mut parsed = Vec::with_capacity(sections.len());
        for raw in &sections {
            let section_marker = marker(raw.direction, raw.transactional);
            normal.section(section_marker);
            let body = self.text.get(raw.body_start..raw.body_end).unwrap_or_default();
            let pieces = sql::split(body).map_err(|e| {
                let (line, column) = match e.offset {
                    Some(at) => self.line_col(raw.body_start + at),
                    None => (raw.line, 1),
                };
                HistoryError::Syntax {
                    path: self.path.clone(),
                    line,
                    column,
                    message: e.message,
                    section: section_marker.to_owned(),
                    section_line: raw.line,
                }
            })?;
            let mut statements = Vec::with_capacity(pieces.len());
            for piece in pieces {
                normal.statement(&piece.normal);
                let (line, column) = self.line_col(raw.body_start + piece.start);
                statements.push(Statement {
                    sql: body.get(piece.start..piece.end).unwrap_or_default().to_owned(),
                    line,
                    column,
                });
            }
            parsed.push(Section { direction: raw.direction, transactional: raw.transactional, line: raw.line, statements });
        }
        Ok(MigrationFile {
            path: self.path,
            revision,
            revision_line,
            parents,
            parents_line,
            message,
            sections: parsed,
            checksum: Checksum::of_normal_form(normal.text()),
            text: self.text.to_owned(),
        })
    }

    /// A `--` line of the header area: a key or a plain comment.
    fn header_line(&mut self, line: usize, trimmed: &str) -> Result<(), HistoryError> {
        let content = trimmed.get(2..).unwrap_or_default().trim();
        let Some((key, value)) = content.split_once(':') else { return Ok(()) };
        let key_norm = key.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        let value = value.trim();
        let path = &self.path;
        let duplicate = |first_line: usize| HistoryError::DuplicateKey {
            path: path.clone(),
            line,
            first_line,
            key: key_norm.clone(),
        };
        match key_norm.as_str() {
            "pgshift revision" => {
                if let Some((_, first)) = &self.revision {
                    return Err(duplicate(*first));
                }
                let id = RevisionId::new(value).ok_or_else(|| HistoryError::InvalidRevision {
                    path: path.clone(),
                    line,
                    value: value.to_owned(),
                })?;
                self.revision = Some((id, line));
            }
            "parents" => {
                if let Some((_, first)) = &self.parents {
                    return Err(duplicate(*first));
                }
                let mut parents: Vec<RevisionId> = Vec::new();
                if !value.is_empty() {
                    for part in value.split(',') {
                        let part = part.trim();
                        let id = RevisionId::new(part).ok_or_else(|| HistoryError::InvalidRevision {
                            path: path.clone(),
                            line,
                            value: part.to_owned(),
                        })?;
                        if parents.contains(&id) {
                            return Err(HistoryError::InvalidParents {
                                path: path.clone(),
                                line,
                                problem: format!("parent {id} is listed twice"),
                            });
                        }
                        parents.push(id);
                    }
                }
                self.parents = Some((parents, line));
            }
            "message" => {
                if let Some((_, first)) = &self.message {
                    return Err(duplicate(*first));
                }
                self.message = Some((value.to_owned(), line));
            }
            k if k.starts_with("pgshift") || matches!(k, "revision" | "parent" | "revises") => {
                return Err(HistoryError::UnknownKey { path: path.clone(), line, key: key.trim().to_owned() });
            }
            _ => {}
        }
        Ok(())
    }
}
