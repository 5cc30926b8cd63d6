//! `pgshift init`: scaffold a project (`pgshift.toml`, `schema/`, `migrations/`, `data/`,
//! `externals/`), each explained in comments; `--from-db URL` writes `schema/` from an existing
//! database's objects (through the filter flags, as `inspect`); `--from-alembic DIR --models
//! MODULE:ATTR` takes the desired schema from an Alembic project's SQLAlchemy models (a command
//! source running `pgshift_sqlalchemy`, checked once before anything is written). Never
//! overwrites a file.

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
    /// An Alembic project's directory (holding env.py and versions/): take the desired schema
    /// from its models (with --models) instead of schema/.
    #[arg(long, value_name = "DIR", requires = "models", conflicts_with = "from_db")]
    pub from_alembic: Option<PathBuf>,
    /// The models' SQLAlchemy MetaData as `module:attribute` (e.g. `app.models:Base.metadata`,
    /// `app.models:SQLModel.metadata`), printed by the pgshift_sqlalchemy package.
    #[arg(long, value_name = "MODULE:ATTR", requires = "from_alembic")]
    pub models: Option<String>,
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

/// The commented example of `[[schema.source]]` (last: a table ends the top-level keys).
const SOURCES_EXAMPLE: &str = r#"
# Instead of schema_dir: the desired schema's sources, loaded in order after externals/. Each is
# `sql = "path"` (a .sql file or a directory of them) or a command whose standard output is the
# DDL, e.g. an ORM's models printed as SQL. A command runs in this directory without a shell; its
# output is reused while the files its `inputs` patterns match are unchanged.
# [[schema.source]]
# command = ["python", "-m", "pgshift_sqlalchemy", "app.models:Base.metadata"]
# inputs = ["app/**/*.py"]
# timeout = "2min"
"#;

const READMES: &[(&str, &str)] = &[
    ("schema", "The desired schema as plain SQL files, loaded in file-name order. Edit these, then run `pgshift new \"message\"`.\n"),
    ("migrations", "Versioned migrations written by `pgshift new` (review them, then commit). `pgshift upgrade` applies them.\n"),
    ("data", "Reference data (TOML/JSON, one table per file), kept in step with `pgshift seed sync`.\n"),
    ("externals", "SQL declaring the shape of foreign objects we reference (never ours: never created, altered or dropped).\n"),
];

/// Run `pgshift init`.
pub async fn run(args: &InitArgs, config: &Config) -> Result<ExitStatus, CliError> {
    if let (Some(alembic), Some(models)) = (&args.from_alembic, &args.models) {
        return from_alembic(&args.dir, alembic, models).await;
    }
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
    write_new(&dir.join("pgshift.toml"), &format!("{CONFIG}{SOURCES_EXAMPLE}"), &mut created)?;
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

/// `init --from-alembic DIR --models MODULE:ATTR`: the scaffolding, with the models as the
/// desired schema's source.
async fn from_alembic(dir: &Path, alembic: &Path, models: &str) -> Result<ExitStatus, CliError> {
    let alembic_dir = if alembic.is_absolute() { alembic.to_owned() } else { dir.join(alembic) };
    if !alembic_dir.join("env.py").is_file() {
        return Err(CliError::usage(format!("{} is not an Alembic environment (it holds no env.py)", alembic_dir.display()))
            .hint("pass the directory `alembic init` created (the one with env.py and versions/), relative to the project directory"));
    }
    let inputs = model_inputs(dir, models)?;
    let python = python();
    let source = pgshift_source::CommandSource {
        argv: vec![python.clone(), "-m".into(), "pgshift_sqlalchemy".into(), models.to_owned()],
        dir: dir.to_owned(),
        inputs: inputs.clone(),
        timeout: pgshift_source::command::DEFAULT_TIMEOUT,
        env: Vec::new(),
    };
    // The models must print before anything is written: an import error is found now.
    let printed = source.output(None).await.map_err(|e| {
        CliError::usage(format!("--models {models}: {e}")).hint(
            "install the printer in the project's environment (pip install <pgshift checkout>/integrations/sqlalchemy), \
             run from the directory holding the models' package (or set PYTHONPATH), and name the MetaData as \
             module:attribute",
        )
    })?;
    let tables = printed.text.lines().filter(|l| l.starts_with("CREATE TABLE")).count();
    // Alembic's own directory is often `migrations/`: then pgshift's history goes elsewhere.
    let alembic_rel = alembic_dir.strip_prefix(dir).unwrap_or(&alembic_dir).to_owned();
    let migrations = if alembic_rel == Path::new("migrations") { "pgshift/migrations" } else { "migrations" };
    let toml_list = |items: &[String]| items.iter().map(|i| toml_string(i)).collect::<Vec<_>>().join(", ");
    let mut text = CONFIG.replace(
        "# schema/: the desired state, as plain SQL",
        "# The desired state comes from the SQLAlchemy models ([[schema.source]] at the end of this file).\n# Without it: schema/, the desired state as plain SQL",
    );
    if migrations != "migrations" {
        text = text.replace("# migrations_dir = \"migrations\"", &format!("# ({} is Alembic's.)\nmigrations_dir = {}", alembic_rel.display(), toml_string(migrations)));
    }
    text.push_str(&format!(
        "\n# The desired schema: the models' DDL as pgshift_sqlalchemy prints it (what metadata.create_all() builds).\n\
         # It is printed again only when a file matching `inputs` changes. Alembic's directory ({}) and its\n\
         # alembic_version table are left alone; `pgshift adopt` records the Alembic revision a database is at.\n\
         [[schema.source]]\ncommand = [{}]\ninputs = [{}]\n# timeout = \"2min\"\n",
        alembic_rel.display(),
        toml_list(&source.argv),
        toml_list(&inputs),
    ));
    let mut created = Vec::new();
    write_new(&dir.join("pgshift.toml"), &text, &mut created)?;
    for (sub, readme) in READMES.iter().filter(|(sub, _)| *sub != "schema") {
        let path = if *sub == "migrations" { dir.join(migrations) } else { dir.join(sub) };
        std::fs::create_dir_all(&path).map_err(|e| CliError::usage(format!("cannot create {}", path.display())).caused_by(&e))?;
        write_new(&path.join("README.md"), readme, &mut created)?;
    }
    for path in &created {
        eprintln!("created {}", path.display());
    }
    eprintln!("the models print {tables} table{} ({})", if tables == 1 { "" } else { "s" }, source.display());
    let heads = alembic_heads(&alembic_dir.join("versions"));
    match heads.as_slice() {
        [head] => eprintln!(
            "next: with DATABASE_URL set to a database at Alembic's head ({head}), `pgshift adopt --alembic-revision {head}` \
             writes the baseline and stamps it; then `pgshift new \"message\"` after each model change"
        ),
        _ => eprintln!(
            "next: with DATABASE_URL set to a database Alembic has upgraded, `pgshift adopt` writes the baseline (it reads \
             alembic_version); then `pgshift new \"message\"` after each model change"
        ),
    }
    Ok(ExitStatus::Clean)
}

/// The `inputs` patterns for `module:attr`: the Python files of the module's top-level package
/// (or the module's own file), relative to `dir`.
fn model_inputs(dir: &Path, models: &str) -> Result<Vec<String>, CliError> {
    let bad = || {
        CliError::usage(format!("--models {models:?} is not module:attribute"))
            .hint("e.g. --models app.models:Base.metadata or --models app.models:SQLModel.metadata")
    };
    let (module, attr) = models.split_once(':').ok_or_else(bad)?;
    let dotted = |s: &str| !s.is_empty() && s.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'));
    if !dotted(module) || !dotted(attr) {
        return Err(bad());
    }
    let top = module.split('.').next().unwrap_or(module);
    for base in ["", "src/"] {
        if dir.join(format!("{base}{top}")).is_dir() {
            return Ok(vec![format!("{base}{top}/**/*.py")]);
        }
        if dir.join(format!("{base}{top}.py")).is_file() {
            return Ok(vec![format!("{base}{top}.py")]);
        }
    }
    Err(CliError::usage(format!("--models {models}: no package `{top}/` or module `{top}.py` in {}", dir.display()))
        .hint("run `pgshift init` in the directory that holds the models' package (the one Alembic's env.py imports it from)"))
}

/// `python` when it is on PATH (a virtualenv's), else `python3`.
fn python() -> String {
    let on_path = |name: &str| std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()));
    if on_path("python") || !on_path("python3") { "python" } else { "python3" }.to_owned()
}

/// The head revisions of an Alembic `versions/` directory: the `revision` no file names as its
/// `down_revision` (read from the assignments Alembic writes; empty when unreadable).
fn alembic_heads(versions: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(versions) else { return Vec::new() };
    let (mut revisions, mut parents) = (Vec::new(), std::collections::BTreeSet::new());
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "py") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        for line in text.lines() {
            let Some((name, value)) = line.split_once('=') else { continue };
            let name = name.trim().split(':').next().unwrap_or("").trim();
            let quoted: Vec<String> = value.split(['"', '\'']).skip(1).step_by(2).map(str::to_owned).collect();
            match name {
                "revision" => revisions.extend(quoted.into_iter().take(1)),
                "down_revision" => parents.extend(quoted),
                _ => {}
            }
        }
    }
    revisions.retain(|r| !parents.contains(r));
    revisions.sort();
    revisions
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
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
