//! pgshift-lint: the rules every statement of a migration is checked by before it runs.
//!
//! Owns: the rule registry ([`rules::ALL`]), what a rule sees of a statement ([`Cx`]: its
//! parse tree from PostgreSQL's own parser, its section, what the same file did before it),
//! findings with file:line:col ([`Finding`]), severities and their configuration ([`Settings`]),
//! and acknowledgements (`-- pgshift: allow RULE reason` on the lines above a statement, see
//! [`allow`]).
//!
//! Generated and hand-written migrations are linted alike: `pgshift new` lints what it wrote,
//! `pgshift check` the pending migrations, `pgshift lint` any file or revision.
//!
//! Why not squawk's linter crate: its rules run on squawk's own hand-written, error-tolerant
//! grammar (a second parser that can disagree with the server), take no project context (what
//! this file created, the section's transaction, what the project owns, the engine's
//! `lock_timeout`), and `squawk-linter` is the internal library of the squawk binary, released
//! weekly with no stable API. pgshift already parses every statement with `pg_query` (the
//! server's parser) for its ownership guard; the rules read the same tree.
//!
//! Must not: do I/O (the caller reads files and hands in [`MigrationFile`]s) or touch a database.

pub mod allow;
mod ast;
mod cx;
pub mod proof;
pub mod rules;

use std::collections::BTreeMap;
use std::path::PathBuf;

use pgshift_history::{Direction, MigrationFile};
use serde::Serialize;

pub use cx::Cx;

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Not reported.
    Off,
    /// Reported; does not fail `pgshift lint`.
    Warning,
    /// Reported; `pgshift lint` exits 1.
    Error,
}

impl Severity {
    /// `error`, `warning` or `off`.
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "off" => Some(Severity::Off),
            _ => None,
        }
    }

    /// Its name in findings and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Off => "off",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The families of rules (issue 16's list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Loses data: drops, truncation, narrowing, unbounded DELETE/UPDATE.
    Destructive,
    /// Fails when existing rows violate it: NOT NULL, CHECK, UNIQUE, FK, EXCLUDE, casts.
    DataDependent,
    /// Blocks reads or writes for as long as it runs.
    Locking,
    /// Cannot run inside a transaction, or behaves differently there.
    NonTransactional,
    /// Cannot be undone.
    Irreversible,
    /// Touches an object the project does not own.
    Foreign,
    /// Works, but a better form exists (for renames: expand/contract, which keeps the code
    /// still running during a deploy working).
    Hygiene,
}

/// What a rule is: its id, severity by default, and the words a finding shows.
#[derive(Debug)]
pub struct Meta {
    /// Kebab-case id, used in configuration and `-- pgshift: allow` comments.
    pub id: &'static str,
    /// Its family.
    pub category: Category,
    /// Its severity unless `pgshift.toml` says otherwise.
    pub severity: Severity,
    /// One line: what the statement does wrong.
    pub message: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// What to do instead (a finding's hint).
    pub instead: &'static str,
}

/// One hit of a rule on a statement.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hit {
    /// What exactly, e.g. `drops table public.account`; the rule's message when `None`.
    pub detail: Option<String>,
    /// Byte offset into the statement where the problem starts (its start when `None`).
    pub offset: Option<usize>,
    /// This hit's severity when it differs from the rule's default (e.g. `add-not-null`: a
    /// `NOT NULL` column without a default fails on any row, an error where `SET NOT NULL`
    /// is a warning). A severity configured for the rule still wins.
    pub severity: Option<Severity>,
    /// The foreign object the hit is about, which `-- pgshift: allow foreign "Name" reason`
    /// acknowledges.
    pub subject: Option<pgshift_history::guard::Name>,
}

impl Hit {
    /// A hit at the statement's start with `detail`.
    pub fn new(detail: impl Into<String>) -> Hit {
        Hit { detail: Some(detail.into()), offset: None, severity: None, subject: None }
    }

    /// The same hit at byte `offset` of the statement (a parse-tree `location`; negative
    /// locations, "unknown", keep the statement's start).
    pub fn at(mut self, location: i32) -> Hit {
        self.offset = usize::try_from(location).ok();
        self
    }

    /// The same hit with its own severity (see [`Hit::severity`]).
    pub fn severity(mut self, severity: Severity) -> Hit {
        self.severity = Some(severity);
        self
    }
}

/// A rule: one file in `rules/`, one line in [`rules::ALL`].
pub trait Rule: Sync {
    /// Its id, severity and words.
    fn meta(&self) -> &'static Meta;
    /// Its hits on the statement `cx` describes.
    fn check(&self, cx: &Cx<'_>) -> Vec<Hit>;
    /// Its hits on the file as a whole (for rules about what a file lacks), reported at
    /// `line` of the file.
    fn check_file(&self, _file: &MigrationFile) -> Vec<(usize, Hit)> {
        Vec::new()
    }
}

/// A finding, where the user can find it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's id.
    pub rule: &'static str,
    /// Its severity here (after configuration).
    pub severity: Severity,
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What to do instead.
    pub hint: &'static str,
    /// The statement's first line (empty for a file-level finding).
    pub statement: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A name may hold line breaks or control characters: escaped, one finding stays one line.
        let message = pgshift_catalog::quote::comment_text(&self.message);
        write!(f, "{}:{}:{}: {} [{}] {message}", self.path.display(), self.line, self.column, self.severity.as_str(), self.rule)
    }
}

/// How to lint: severities by rule id, and what the engine does around every revision.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Severities that replace a rule's default, by id.
    pub severities: BTreeMap<String, Severity>,
    /// The `lock_timeout` the apply engine sets around each revision (`pgshift.toml`
    /// `lock_timeout`); `None` or `"0"` when it sets none.
    pub lock_timeout: Option<String>,
    /// Tables locked in one transaction above which `many-tables-in-transaction` reports
    /// (PostgreSQL's default `max_locks_per_transaction`, 64, when 0).
    pub max_locks: usize,
}

impl Settings {
    /// Check that every configured id names a rule.
    pub fn validate(&self) -> Result<(), String> {
        for id in self.severities.keys() {
            if rules::find(id).is_none() {
                let ids: Vec<&str> = rules::ALL.iter().map(|r| r.meta().id).collect();
                return Err(format!("unknown lint rule `{id}`; the rules are: {}", ids.join(", ")));
            }
        }
        Ok(())
    }

    fn severity(&self, meta: &Meta) -> Severity {
        self.severities.get(meta.id).copied().unwrap_or(meta.severity)
    }
}

/// Lint one migration file, with `owned` deciding what is the project's when given. The rules
/// read the up sections; a down section is the undoing of its up section (its drops are what
/// `downgrade` is asked to do), so it is only parsed: a statement PostgreSQL's parser rejects
/// is a `syntax` finding in either direction.
pub fn lint(file: &MigrationFile, settings: &Settings, owned: Option<&pgshift_history::guard::Owned>) -> Vec<Finding> {
    let mut out = Vec::new();
    let allowed = allow::Allowed::read(file);
    for rule in rules::ALL {
        let meta = rule.meta();
        let severity = settings.severity(meta);
        if severity == Severity::Off {
            continue;
        }
        for (line, hit) in rule.check_file(file) {
            out.push(Finding {
                rule: meta.id,
                severity,
                path: file.path.clone(),
                line,
                column: 1,
                message: hit.detail.unwrap_or_else(|| meta.message.to_owned()),
                hint: meta.instead,
                statement: String::new(),
            });
        }
    }
    for direction in [Direction::Up, Direction::Down] {
        // Every statement of the direction parsed once: rules that look at the whole file
        // (`missing-fk-index`, `missing-lock-timeout`, …) read `Cx::nodes`.
        let sections: Vec<_> = file.sections.iter().filter(|s| s.direction == direction).collect();
        let parsed = ast::parse_sections(&sections);
        let nodes: Vec<pg_query::NodeEnum> = parsed.iter().flatten().filter_map(|n| n.as_ref().ok()).flatten().cloned().collect();
        let mut state = cx::State::default();
        let mut index = 0;
        for (section, results) in sections.iter().copied().zip(&parsed) {
            state.enter(section);
            for (statement, result) in section.statements.iter().zip(results) {
                let statement_nodes = match result {
                    Ok(n) => n,
                    Err(e) => {
                        out.push(Finding {
                            rule: "syntax",
                            severity: Severity::Error,
                            path: file.path.clone(),
                            line: statement.line,
                            column: statement.column,
                            message: format!("PostgreSQL's parser rejects this statement: {e}"),
                            hint: "fix the SQL; the other statements and files are still linted",
                            statement: first_line(&statement.sql),
                        });
                        continue;
                    }
                };
                for node in statement_nodes {
                    if direction == Direction::Down {
                        index += 1;
                        continue;
                    }
                    let cx = Cx { node, sql: &statement.sql, section, file, settings, owned, state: &state, nodes: &nodes, index };
                    for rule in rules::ALL {
                        let meta = rule.meta();
                        if settings.severity(meta) == Severity::Off || allowed.allows(statement.line, meta) {
                            continue;
                        }
                        for hit in rule.check(&cx).into_iter().filter(|h| !allowed.allows_hit(statement.line, meta, h)) {
                            let (line, column) = match hit.offset {
                                Some(byte) => statement.position(statement.sql.get(..byte).map_or(0, |s| s.chars().count())),
                                None => (statement.line, statement.column),
                            };
                            out.push(Finding {
                                rule: meta.id,
                                severity: settings.severities.get(meta.id).copied().or(hit.severity).unwrap_or(meta.severity),
                                path: file.path.clone(),
                                line,
                                column,
                                message: hit.detail.unwrap_or_else(|| meta.message.to_owned()),
                                hint: meta.instead,
                                statement: first_line(&statement.sql),
                            });
                        }
                    }
                    state.after(node);
                    index += 1;
                }
            }
        }
    }
    out.sort_by(|a, b| (a.line, a.column, a.rule).cmp(&(b.line, b.column, b.rule)));
    out
}

/// A file that cannot be read as a migration, as a finding (`syntax`, an error): PostgreSQL's
/// parser rejected a statement (file:line:col and its message), or the header is malformed.
/// `line_offset` lines are taken off (a header [`lint_plain`] added).
pub fn unreadable(path: &std::path::Path, error: &pgshift_history::HistoryError, line_offset: usize) -> Finding {
    let (line, column, message) = match error {
        pgshift_history::HistoryError::Syntax { line, column, message, .. } => {
            (*line, *column, format!("PostgreSQL's parser rejects this statement: {message}"))
        }
        e => (1, 1, format!("not a readable migration file: {e}")),
    };
    Finding {
        rule: "syntax",
        severity: Severity::Error,
        path: path.to_owned(),
        line: line.saturating_sub(line_offset).max(1),
        column,
        message,
        hint: "fix the file; the other statements and files are still linted",
        statement: String::new(),
    }
}

/// The header [`lint_plain`] puts before a plain SQL file's text, and its number of lines.
const PLAIN_HEADER: (&str, usize) = ("-- pgshift revision: 000000000000\n-- up\n", 2);

/// Lint a plain SQL file (no pgshift header): its statements as one hand-written, transactional
/// up section. A statement the parser rejects is a `syntax` finding.
pub fn lint_plain(path: &std::path::Path, text: &str, settings: &Settings, owned: Option<&pgshift_history::guard::Owned>) -> Vec<Finding> {
    let file = match MigrationFile::parse(path, &format!("{}{text}", PLAIN_HEADER.0)) {
        Ok(file) => file,
        Err(e) => return vec![unreadable(path, &e, PLAIN_HEADER.1)],
    };
    let mut findings: Vec<Finding> = lint(&file, settings, owned).into_iter().filter(|f| f.rule != "no-down").collect();
    for f in &mut findings {
        f.line = f.line.saturating_sub(PLAIN_HEADER.1).max(1);
    }
    findings
}

/// The destructive statements of `file` that may not run without consent (issue 16): in a
/// generated file, every statement a rule of the destructive family reports that carries no
/// `-- pgshift: approved destructive:` line (or `allow RULE` for its rule). Hand-written files
/// are the reviewer's (their data migrations may delete what they mean to). The rules run at
/// their default severities: `pgshift.toml` may quieten a rule in `lint`, but consent is given
/// per statement. What `pgshift new` asks about, and what `upgrade` refuses.
pub fn unapproved(file: &MigrationFile) -> Vec<Finding> {
    if !file.generated {
        return Vec::new();
    }
    lint(file, &Settings::default(), None)
        .into_iter()
        .filter(|f| rules::find(f.rule).is_some_and(|r| r.meta().category == Category::Destructive))
        .collect()
}

/// [`unapproved`] as the apply engine's consent check (`ApplyOptions::consent`): each
/// statement's line and what it does.
pub fn consent(file: &MigrationFile) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = unapproved(file).into_iter().map(|f| (f.line, f.message)).collect();
    out.dedup();
    out
}

/// Whether any finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

fn first_line(sql: &str) -> String {
    sql.lines().next().unwrap_or_default().to_owned()
}
