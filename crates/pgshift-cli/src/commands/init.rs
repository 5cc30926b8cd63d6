//! `pgshift init`: scaffold a project (`pgshift.toml`, `schema/`, `migrations/`, `data/`,
//! `externals/`), each explained in comments; `--from-db URL` writes `schema/` from an existing
//! database's objects (through the filter flags, as `inspect`). Never overwrites a file.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::config::Config;
use crate::error::{CliError, ExitStatus};
use crate::source::{self, FilterArgs};

/// Arguments of `pgshift init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project directory (default: the current one).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Write schema/ from this database's objects (use the filter flags to leave foreign ones out).
    #[arg(long, value_name = "URL")]
    pub from_db: Option<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
}

const CONFIG: &str = r#"# pgshift project configuration. Every key is optional; the values shown are the defaults.

# The environment variable holding the URL of the database to migrate.
# database_url_env = "DATABASE_URL"

# schema/: the desired state, as plain SQL (CREATE TABLE/TYPE/INDEX/VIEW/FUNCTION ...), loaded in
# file-name order into a scratch database. `pgshift new "message"` writes the migration from the
# history's head to it.
# schema_dir = "schema"

# migrations/: the versioned history, written by `pgshift new`, reviewed, committed.
# migrations_dir = "migrations"

# externals/: the shape of objects we reference but do not own (e.g. another service's table that
# a foreign key points to). Loaded first into every scratch database; never created, altered or
# dropped by pgshift.
# externals_dir = "externals"

# data/: reference data (plans, models, ...) kept in step by `pgshift seed`.
# data_dir = "data"

# Schemas that are ours as a whole: every object in them is owned, and unknown ones are drift.
# own_schemas = []

# Name patterns (`name`, `schema.name`, globs; "Quoted" for exact case) that pgshift never reads
# or touches, on top of ownership: e.g. another system's objects.
# ignore = ["_prisma_migrations"]
# ignore_schemas = []

# Where the ledger tables (pgshift_revisions, pgshift_log, pgshift_progress) live.
# ledger_schema = "public"

# lock_timeout for each migration statement.
# lock_timeout = "5s"

# Use an existing server for scratch databases instead of the embedded one (e.g. to match
# production's major version).
# scratch_url = "postgresql://postgres@localhost/postgres"
"#;

const READMES: &[(&str, &str)] = &[
    ("schema", "The desired schema as plain SQL files, loaded in file-name order. Edit these, then run `pgshift new \"message\"`.\n"),
    ("migrations", "Versioned migrations written by `pgshift new` (review them, then commit). `pgshift upgrade` applies them.\n"),
    ("data", "Reference data (TOML/JSON, one table per file), kept in step with `pgshift seed sync`.\n"),
    ("externals", "SQL declaring the shape of foreign objects we reference (never ours: never created, altered or dropped).\n"),
];

/// Run `pgshift init`.
pub async fn run(args: &InitArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let dir = &args.dir;
    let schema = match &args.from_db {
        Some(url) => {
            if !crate::connect::is_database_url(url) {
                return Err(CliError::usage(format!("--from-db `{url}` is not a database URL")).hint("e.g. --from-db postgresql://user@host/db"));
            }
            let filter = args.filter.filter(config)?;
            Some(pgshift_catalog::render(&source::catalog(url, &filter, source::Live::All, config).await?))
        }
        None => None,
    };
    let mut created = Vec::new();
    write_new(&dir.join("pgshift.toml"), CONFIG, &mut created)?;
    for (sub, readme) in READMES {
        let path = dir.join(sub);
        std::fs::create_dir_all(&path).map_err(|e| CliError::usage(format!("cannot create {}", path.display())).caused_by(&e))?;
        write_new(&path.join("README.md"), readme, &mut created)?;
    }
    if let Some(sql) = schema {
        write_new(&dir.join("schema").join("schema.sql"), &sql, &mut created)?;
    }
    for path in &created {
        eprintln!("created {}", path.display());
    }
    eprintln!("next: put the desired schema in schema/, then `pgshift new \"initial\"`");
    Ok(ExitStatus::Clean)
}

/// Write `text` to `path` unless it exists (then say so and leave it).
fn write_new(path: &Path, text: &str, created: &mut Vec<PathBuf>) -> Result<(), CliError> {
    match pgshift_history::write_new(path, text.as_bytes()) {
        Ok(()) => {
            created.push(path.to_owned());
            Ok(())
        }
        Err(pgshift_history::HistoryError::Write { source, .. }) if source.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!("kept {} (it exists)", path.display());
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}
