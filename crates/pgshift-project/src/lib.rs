//! pgshift-project: the user's project as a whole (DESIGN.md "A user's project").
//!
//! Owns: where the project's parts are ([`Project`]), turning `externals/`, `schema/` and the
//! migration history into catalogs on scratch databases (cached as template databases, see
//! [`cache`]), which objects the project owns ([`owned`]), and the workflows built on them:
//! autogenerate ([`autogen`]), drift check ([`check`]), adoption of a database pgshift did
//! not build ([`adopt`]), where a live database stands ([`status`]), co-tenant awareness
//! ([`cotenant`]), which migrations are linted with what ([`lint`]) and what the pending ones
//! would meet in a live database's rows ([`preflight`]).
//!
//! Must not: know about terminals, flags or prompts (the CLI asks the questions and passes the
//! answers in), or write to any database but scratch ones, except the ledger writes of
//! `adopt` which go through the history engine.

pub mod adopt;
pub mod autogen;
pub mod cache;
pub mod check;
pub mod cotenant;
pub mod lint;
pub mod owned;
pub mod preflight;
pub mod status;
pub mod workspace;

use std::path::{Path, PathBuf};

use pgshift_catalog::ObjectFilter;
use pgshift_history::{HistoryError, MigrationFile, RevisionGraph};

pub use workspace::{Externals, Replayed, Workspace};

/// The schema holding the ledger of replayed histories on scratch databases (never inspected).
pub const SCRATCH_LEDGER_SCHEMA: &str = "pgshift_scratch_ledger";

/// Where a project's parts are, and the settings every workflow needs.
#[derive(Clone, Debug)]
pub struct Project {
    /// The desired state's sources, loaded in order after the externals: `schema/` (`.sql`
    /// files in file-name order) by default, or the `[[schema.source]]` entries (SQL paths and
    /// commands printing DDL).
    pub sources: Vec<pgshift_source::Source>,
    /// `externals/`: the shape of foreign objects we reference; loaded first, never owned.
    pub externals_dir: PathBuf,
    /// `migrations/`: the versioned history.
    pub migrations_dir: PathBuf,
    /// Schemas owned whole (`own_schemas`).
    pub own_schemas: Vec<String>,
    /// The configuration's `ignore` patterns and schemas: never read or touched on a live database.
    pub filter: ObjectFilter,
    /// The schema of the ledger tables on live databases.
    pub ledger_schema: String,
    /// How migrations are linted (`[lint]` and the engine's `lock_timeout`).
    pub lint: pgshift_lint::Settings,
}

impl Project {
    /// A project rooted at `dir` with the default layout.
    pub fn at(dir: impl AsRef<Path>) -> Project {
        let dir = dir.as_ref();
        Project {
            sources: vec![pgshift_source::Source::Sql(dir.join("schema"))],
            externals_dir: dir.join("externals"),
            migrations_dir: dir.join("migrations"),
            own_schemas: Vec::new(),
            filter: ObjectFilter::all(),
            ledger_schema: "public".to_owned(),
            lint: pgshift_lint::Settings::default(),
        }
    }

    /// The migration files (none when the directory does not exist yet).
    pub fn migrations(&self) -> Result<Vec<MigrationFile>, ProjectError> {
        if !self.migrations_dir.exists() {
            return Ok(Vec::new());
        }
        Ok(pgshift_history::load_dir(&self.migrations_dir)?)
    }

    /// The revision graph of the migration files.
    pub fn graph(&self) -> Result<RevisionGraph, ProjectError> {
        Ok(RevisionGraph::build(self.migrations()?)?)
    }
}

/// What to do about a desired-schema source that does not load.
fn schema_hint(e: &pgshift_source::SourceError) -> &'static str {
    use pgshift_source::SourceError as E;
    match e {
        E::Statement { location, .. } if location.command.is_some() => {
            "PostgreSQL rejects that line of the command's output (the saved file shows it): fix the models it prints, or \
             the printer; the sources load in order after externals/ into an empty database"
        }
        E::Statement { .. } => {
            "fix the statement at that line; schema/ loads in file-name order after externals/ into an empty database"
        }
        E::Spawn { .. } => {
            "is the program installed and on PATH (e.g. the project's virtualenv activated)? the command is \
             [[schema.source]] command in pgshift.toml"
        }
        E::CommandFailed { .. } => {
            "run the command by hand in the project directory to see its whole output; for a Python module that does \
             not import, run from the directory holding the package or set PYTHONPATH"
        }
        E::Timeout { .. } => "raise `timeout` of that [[schema.source]] in pgshift.toml (e.g. timeout = \"5min\"), or find what it waits for",
        E::Inputs { .. } => "`inputs` lists glob patterns of the files the command reads, relative to the project directory",
        _ => "the desired schema's sources are schema/ or the [[schema.source]] entries of pgshift.toml",
    }
}

/// What to do about a name clash (DESIGN.md, ownership rule 3).
pub const CLASH_HINT: &str = "nothing was written and the database was not touched; if the object is the other system's and \
     we only reference it, declare it in externals/ (a CREATE statement of its shape); otherwise rename ours in schema/";

/// What can go wrong in a project workflow.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// A file of `schema/` does not load (the message names file:line:col).
    #[error("the desired schema does not load: {0}")]
    Schema(#[source] pgshift_source::SourceError),
    /// A file of `externals/` does not load.
    #[error("the externals do not load: {0}")]
    Externals(#[source] pgshift_source::SourceError),
    /// The scratch server failed.
    #[error(transparent)]
    Scratch(#[from] pgshift_scratch::ScratchError),
    /// Reading a catalog failed.
    #[error(transparent)]
    Inspect(#[from] pgshift_inspect::InspectError),
    /// The migration files or graph are wrong.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// Replaying or applying migrations failed.
    #[error("{context}: {source}")]
    Apply {
        /// What was being done.
        context: String,
        /// The engine's error.
        #[source]
        source: pgshift_history::ApplyError,
    },
    /// A database statement of a workflow failed.
    #[error("{context}: {source}")]
    Db {
        /// What was being done.
        context: String,
        /// The driver's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The plan cannot be made (e.g. a backfill value is missing).
    #[error(transparent)]
    Plan(#[from] pgshift_plan::PlanError),
    /// A generated migration does not reproduce the desired schema.
    #[error("the generated migration {file} does not reproduce the desired schema; what is still different:\n{residual}")]
    Verify {
        /// The file name it would have had.
        file: String,
        /// The SQL that would still be needed.
        residual: String,
    },
    /// Desired objects whose names are live foreign objects' (see [`owned::Ownership`]);
    /// refused before anything is written.
    #[error("schema/ declares {} whose name{} another system's object{} in the database:{}", if .0.len() == 1 { "an object" } else { "objects" }, if .0.len() == 1 { " is" } else { "s are" }, if .0.len() == 1 { "" } else { "s" }, .0.iter().map(|c| format!("\n  {c}")).collect::<String>())]
    Clash(Vec<cotenant::Clash>),
    /// A migration pgshift generated (not written yet) failed on a scratch database.
    #[error("the generated migration {file} failed on a scratch database: {source}")]
    Draft {
        /// The file name it would have had.
        file: String,
        /// The engine's error.
        #[source]
        source: pgshift_history::ApplyError,
    },
    /// Reading or stamping the ledger of the live database failed.
    #[error("{context}: {source}")]
    Ledger {
        /// What was being done.
        context: String,
        /// The engine's error.
        #[source]
        source: pgshift_history::ApplyError,
    },
    /// Anything else the user must fix, in words.
    #[error("{0}")]
    Refused(String),
}

impl ProjectError {
    /// What to do next, where the message does not already say it: the one place the
    /// workflows' advice lives (a front end prints it after the message).
    pub fn hint(&self) -> Option<String> {
        let hint = match self {
            ProjectError::Schema(e) => return Some(schema_hint(e).to_owned()),
            ProjectError::Externals(_) => {
                "externals/ declares the foreign objects we reference (CREATE TABLE … of their shape); it loads first"
            }
            ProjectError::Scratch(e) => e.hint(),
            ProjectError::Inspect(e) => e.hint(),
            ProjectError::Ledger { source, .. } => return source.hint(),
            // Replays run on scratch databases only: the engine's advice about a live database
            // does not apply.
            ProjectError::Apply { .. } => "fix the migration file named above (it replays on an empty database); nothing was written",
            ProjectError::Verify { .. } => {
                "nothing was written; this is a pgshift bug worth reporting with the schema involved, or write the migration \
                 by hand with `pgshift new --empty`"
            }
            ProjectError::Draft { .. } => {
                "nothing was written (the file named above does not exist); this is a pgshift bug worth reporting with the \
                 schema involved, or write the migration by hand with `pgshift new --empty`"
            }
            ProjectError::Clash(_) => CLASH_HINT,
            ProjectError::Refused(_) => "nothing was written",
            // The messages say it.
            ProjectError::History(_) | ProjectError::Plan(_) | ProjectError::Db { .. } | ProjectError::Io { .. } => return None,
        };
        Some(hint.to_owned())
    }

    /// Whether a database (scratch or live), not the project's files, is the cause.
    pub fn is_database(&self) -> bool {
        match self {
            ProjectError::Scratch(_) | ProjectError::Inspect(_) | ProjectError::Db { .. } => true,
            ProjectError::Apply { source, .. } | ProjectError::Ledger { source, .. } => source.is_database(),
            _ => false,
        }
    }

    pub(crate) fn db(context: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> ProjectError {
        let context = context.into();
        move |source| ProjectError::Db { context, source }
    }

    pub(crate) fn apply(context: impl Into<String>) -> impl FnOnce(pgshift_history::ApplyError) -> ProjectError {
        let context = context.into();
        move |source| ProjectError::Apply { context, source }
    }

    pub(crate) fn ledger(context: impl Into<String>) -> impl FnOnce(pgshift_history::ApplyError) -> ProjectError {
        let context = context.into();
        move |source| ProjectError::Ledger { context, source }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ProjectError {
        let path = path.into();
        move |source| ProjectError::Io { path, source }
    }
}
