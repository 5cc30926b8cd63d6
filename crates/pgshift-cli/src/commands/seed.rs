//! `pgshift seed diff|sync|check|freeze|export`: reference data from `data/` against a
//! database. Text and `--json` output (the JSON shapes are defined here), exit codes and
//! hints; everything else is `pgshift_refdata`.
//!
//! Must not: decide anything about the data (matching, checks, SQL): that is the library's.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use pgshift_catalog::QualName;
use pgshift_history::{HistoryError, MigrationFile};
use pgshift_refdata::{Cell, DataSet, LoadOptions, RowRef, SeedDiff, SyncOptions};
use serde::Serialize;
use serde_json::{Map, Value};

use super::migrate::{options, ProjectArgs};
use super::{json, print};
use crate::config::Config;
use crate::error::{CliError, ExitStatus};

/// The `seed` subcommands.
#[derive(Debug, Subcommand)]
pub enum SeedCommand {
    /// Show what `seed sync` would change: rows to insert, to update (old -> new), and live
    /// rows that no file declares.
    Diff(ViewArgs),
    /// Apply the declared rows in one transaction, under the migration lock.
    Sync(SyncArgs),
    /// Exit 1 when the database differs from the files (for CI), with the differences.
    Check(ViewArgs),
    /// Write the pending changes as a migration file, to go through review and history.
    Freeze(FreezeArgs),
    /// Print the declared rows (environment values filled) as JSON.
    Export(ExportArgs),
}

/// Where the data files are, and the project.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The reference data directory (default: `data_dir` in pgshift.toml, else `data`).
    #[arg(long = "data", value_name = "DIR")]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Arguments of `seed diff` and `seed check`.
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Count live rows that no file declares as differences (they would be deleted).
    #[arg(long)]
    pub prune: bool,
    #[command(flatten)]
    pub seed: SeedArgs,
}

/// Arguments of `seed sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Print the SQL that would make the changes, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Delete live rows that no file declares.
    #[arg(long)]
    pub prune: bool,
    /// How long to wait for another run's migration lock, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub lock_wait: u64,
    #[command(flatten)]
    pub seed: SeedArgs,
}

/// Arguments of `seed freeze`.
#[derive(Debug, Args)]
pub struct FreezeArgs {
    /// The migration's message.
    pub message: String,
    /// Also delete live rows that no file declares.
    #[arg(long)]
    pub prune: bool,
    #[command(flatten)]
    pub seed: SeedArgs,
}

/// Arguments of `seed export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Print JSON (the only format).
    #[arg(long)]
    pub json: bool,
    /// The reference data directory (default: `data_dir` in pgshift.toml, else `data`).
    #[arg(long = "data", value_name = "DIR")]
    pub data: Option<PathBuf>,
}

/// Run a `seed` subcommand.
pub async fn run(command: &SeedCommand, config: &Config) -> Result<ExitStatus, CliError> {
    match command {
        SeedCommand::Diff(args) => view(args, config, false).await,
        SeedCommand::Check(args) => view(args, config, true).await,
        SeedCommand::Sync(args) => sync(args, config).await,
        SeedCommand::Freeze(args) => freeze(args, config).await,
        SeedCommand::Export(args) => export(args, config).await,
    }
}

/// The tables this project owns, as reference data may name them
/// ([`pgshift_project::owned::tables`]).
pub async fn owned_tables(config: &Config) -> Result<BTreeSet<QualName>, CliError> {
    let ws = crate::project::workspace(config).await?;
    Ok(pgshift_project::owned::tables(&ws).await?)
}

async fn load(dir: Option<&PathBuf>, config: &Config) -> Result<DataSet, CliError> {
    let owned = owned_tables(config).await?;
    let dir = dir.cloned().unwrap_or_else(|| config.data_dir());
    let env = |name: &str| std::env::var(name).ok();
    let data = pgshift_refdata::load(&dir, &LoadOptions { owned: &owned, env: &env })?;
    data.complete()?;
    Ok(data)
}

async fn diff(args: &SeedArgs, config: &Config, prune: bool) -> Result<(DataSet, SeedDiff), CliError> {
    let data = load(args.data.as_ref(), config).await?;
    let client = args.project.connect(config).await?;
    let diff = pgshift_refdata::diff(&client, &data, prune).await?;
    Ok((data, diff))
}

/// `seed diff` (exit 0) and `seed check` (exit 1 on differences).
async fn view(args: &ViewArgs, config: &Config, check: bool) -> Result<ExitStatus, CliError> {
    let (_, diff) = diff(&args.seed, config, args.prune).await?;
    if args.json {
        print(&json(&diff_json(&diff))?)?;
    } else {
        print(&diff_text(&diff))?;
        eprintln!("{}", summary(&diff, "would"));
    }
    Ok(ExitStatus::found(check && !diff.is_empty()))
}

async fn sync(args: &SyncArgs, config: &Config) -> Result<ExitStatus, CliError> {
    if args.dry_run {
        let (data, diff) = diff(&args.seed, config, args.prune).await?;
        let mut out = String::from("-- the changes `pgshift seed sync` would make (it applies them set-based, per table)\n");
        for statement in pgshift_refdata::freeze::statements(&data, &diff) {
            out.push_str(&statement);
            out.push_str(";\n");
        }
        print(&out)?;
        eprintln!("{}", summary(&diff, "would"));
        return Ok(ExitStatus::Clean);
    }
    let data = load(args.seed.data.as_ref(), config).await?;
    let client = args.seed.project.connect(config).await?;
    let mut apply = options(config);
    apply.lock_wait = Duration::from_secs(args.lock_wait);
    let options = SyncOptions { prune: args.prune, apply, progress: crate::progress::tables("syncing") };
    let done = pgshift_refdata::sync(&client, &data, &options).await?;
    print(&diff_text(&done))?;
    eprintln!("{}", summary(&done, "did"));
    Ok(ExitStatus::Clean)
}

async fn freeze(args: &FreezeArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let graph = args.seed.project.graph(config)?;
    let parents = match graph.single_head() {
        Ok(head) => vec![head],
        Err(HistoryError::NoRevisions) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let (data, diff) = diff(&args.seed, config, args.prune).await?;
    if diff.is_empty() {
        eprintln!("nothing to freeze: the database's reference data matches data/");
        return Ok(ExitStatus::Clean);
    }
    let draft = pgshift_refdata::freeze::draft(&data, &diff, parents, &args.message)?;
    let path = args.seed.project.dir(config).join(draft.file_name());
    let text = draft.render();
    MigrationFile::parse(&path, &text)?;
    pgshift_history::write_new(&path, text.as_bytes())?;
    print(&format!("{}\n", path.display()))?;
    eprintln!("{}", summary(&diff, "froze"));
    Ok(ExitStatus::Clean)
}

async fn export(args: &ExportArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let data = load(args.data.as_ref(), config).await?;
    let tables: Vec<ExportTable> = data
        .tables
        .iter()
        .map(|t| ExportTable {
            table: name(&t.table),
            key: t.key.clone(),
            rows: t.rows.iter().map(|r| t.columns.iter().cloned().zip(r.cells.iter().map(cell_json)).collect()).collect(),
        })
        .collect();
    print(&json(&tables)?).map(|()| ExitStatus::Clean)
}

fn name(t: &QualName) -> String {
    format!("{}.{}", t.schema, t.name)
}

fn cell_json(cell: &Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Text(s) => Value::String(s.clone()),
        Cell::Json(v) => v.clone(),
        Cell::Ref(r) => {
            let mut m = Map::new();
            m.insert("ref".to_owned(), Value::String(name(&r.table)));
            for (k, v) in &r.key {
                m.insert(k.clone(), Value::String(v.clone()));
            }
            Value::Object(m)
        }
    }
}

/// One table of `seed export --json`.
#[derive(Debug, Serialize)]
struct ExportTable {
    table: String,
    key: Vec<String>,
    rows: Vec<Map<String, Value>>,
}

/// `seed diff --json`.
#[derive(Debug, Serialize)]
struct DiffJson {
    changed: bool,
    prune: bool,
    tables: Vec<TableJson>,
}

#[derive(Debug, Serialize)]
struct TableJson {
    table: String,
    key: Vec<String>,
    insert: Vec<RowJson>,
    update: Vec<RowJson>,
    /// Live rows no file declares (deleted when `prune`).
    not_declared: Vec<Map<String, Value>>,
}

#[derive(Debug, Serialize)]
struct RowJson {
    file: String,
    row: String,
    key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<Vec<ChangeJson>>,
}

#[derive(Debug, Serialize)]
struct ChangeJson {
    column: String,
    old: Option<String>,
    new: Option<String>,
}

fn text_map(pairs: &[(String, Option<String>)]) -> Map<String, Value> {
    pairs.iter().map(|(k, v)| (k.clone(), v.clone().map(Value::String).unwrap_or(Value::Null))).collect()
}

fn row_json(at: &RowRef, values: Option<Map<String, Value>>, changes: Option<Vec<ChangeJson>>) -> RowJson {
    RowJson { file: at.file.display().to_string(), row: at.origin.clone(), key: at.key.clone(), values, changes }
}

fn diff_json(diff: &SeedDiff) -> DiffJson {
    let tables = diff
        .tables
        .iter()
        .map(|t| TableJson {
            table: name(&t.table),
            key: t.key.clone(),
            insert: t.inserts.iter().map(|i| row_json(&i.at, Some(text_map(&i.values)), None)).collect(),
            update: t
                .updates
                .iter()
                .map(|u| {
                    let changes =
                        u.changes.iter().map(|c| ChangeJson { column: c.column.clone(), old: c.old.clone(), new: c.new.clone() });
                    row_json(&u.at, None, Some(changes.collect()))
                })
                .collect(),
            not_declared: t.extras.iter().map(|e| text_map(&e.key)).collect(),
        })
        .collect();
    DiffJson { changed: !diff.is_empty(), prune: diff.prune, tables }
}

fn shown(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("NULL")
}

fn diff_text(diff: &SeedDiff) -> String {
    let mut out = String::new();
    for t in &diff.tables {
        if t.inserts.is_empty() && t.updates.is_empty() && t.extras.is_empty() {
            continue;
        }
        out.push_str(&format!("{}\n", name(&t.table)));
        for i in &t.inserts {
            out.push_str(&format!("  + insert {}\n", i.at));
            for (column, value) in &i.values[t.key.len()..] {
                out.push_str(&format!("      {column} = {}\n", shown(value)));
            }
        }
        for u in &t.updates {
            out.push_str(&format!("  ~ update {}\n", u.at));
            for c in &u.changes {
                out.push_str(&format!("      {}: {} -> {}\n", c.column, shown(&c.old), shown(&c.new)));
            }
        }
        for e in &t.extras {
            let key: Vec<String> = e.key.iter().map(|(k, v)| format!("{k} = {}", shown(v))).collect();
            let what = if diff.prune { "- delete" } else { "? not declared (kept; --prune deletes it)" };
            out.push_str(&format!("  {what}: {}\n", key.join(", ")));
        }
    }
    out
}

/// One line for stderr: what changed, or that nothing did.
fn summary(diff: &SeedDiff, mode: &str) -> String {
    let (inserts, updates, extras) = diff.counts();
    if diff.is_empty() {
        let kept = if extras > 0 { format!(" ({extras} live row(s) not declared, kept; --prune deletes them)") } else { String::new() };
        return match mode {
            "did" => format!("nothing changed: the database already matches data/{kept}"),
            _ => format!("no differences: the database matches data/{kept}"),
        };
    }
    let deleted = if diff.prune { format!(", {extras} delete(s)") } else if extras > 0 { format!(", {extras} not declared (kept)") } else { String::new() };
    let verb = match mode {
        "did" => "applied",
        "froze" => "froze",
        _ => "pending",
    };
    format!("{verb}: {inserts} insert(s), {updates} update(s){deleted}")
}
