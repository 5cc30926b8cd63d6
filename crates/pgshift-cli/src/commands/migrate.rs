//! `pgshift upgrade`, `downgrade`, `stamp` and `accept-edit`: the commands that write a
//! database's ledger, and what they share with the read-only revision commands (where the
//! migrations and the database are, loading the graph, turning engine errors into exit codes
//! and hints).
//!
//! Must not: decide anything about applying; every rule lives in `pgshift_history::apply`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use pgshift_history::script::ScriptOptions;
use pgshift_history::{ApplyOptions, DowngradeTarget, RevisionGraph};
use tokio_postgres::Client;

use super::print;
use crate::config::Config;
use crate::connect;
use crate::error::{CliError, ExitStatus};

/// Where the migrations and the database are.
#[derive(Debug, Args)]
pub struct ProjectArgs {
    /// The migrations directory (default: `migrations_dir` in pgshift.toml, else `migrations`).
    #[arg(long = "migrations", value_name = "DIR")]
    pub migrations: Option<PathBuf>,
    /// The database URL (default: the URL in $DATABASE_URL, or the variable named by
    /// database_url_env).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

impl ProjectArgs {
    /// The migrations directory.
    pub fn dir(&self, config: &Config) -> PathBuf {
        self.migrations.clone().unwrap_or_else(|| config.migrations_dir())
    }

    /// The revision graph of the migrations directory (exit 2 on any file problem).
    pub fn graph(&self, config: &Config) -> Result<RevisionGraph, CliError> {
        let files = pgshift_history::load_dir(self.dir(config))?;
        Ok(RevisionGraph::build(files)?)
    }

    /// A connection to the target database when one is given or configured.
    pub async fn connect_if_configured(&self, config: &Config) -> Result<Option<Client>, CliError> {
        let given = self.database_url.is_some() || std::env::var_os(config.database_url_env()).is_some();
        if given {
            self.connect(config).await.map(Some)
        } else {
            Ok(None)
        }
    }

    /// A connection to the target database.
    pub async fn connect(&self, config: &Config) -> Result<Client, CliError> {
        let url = match &self.database_url {
            Some(url) => url.clone(),
            None => std::env::var(config.database_url_env()).map_err(|_| {
                CliError::usage(format!("no database: ${} is not set", config.database_url_env()))
                    .hint("set it to the database URL, or pass --database-url postgresql://…")
            })?,
        };
        let target = connect::parse(&url, config)?;
        connect::connect(&target).await
    }
}

/// Engine options from the configuration.
pub fn options(config: &Config) -> ApplyOptions {
    let mut o = ApplyOptions::default();
    if let Some(schema) = &config.ledger_schema {
        o.ledger_schema = schema.clone();
    }
    if let Some(timeout) = &config.lock_timeout {
        o.lock_timeout = timeout.clone();
    }
    if let Some(retries) = config.lock_retries {
        o.lock_retries = retries;
    }
    o.own_schemas = config.own_schemas.clone();
    o.ignore = config.ignore.clone();
    o.consent = Some(pgshift_history::apply::Consent(pgshift_lint::consent));
    o
}


/// Arguments of `pgshift upgrade`.
#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// The revision to upgrade to: `head` (default), an id or a unique prefix.
    pub target: Option<String>,
    /// Print the SQL script instead of running it (offline; for `psql -v ON_ERROR_STOP=1 -f`).
    #[arg(long, conflicts_with = "dry_run")]
    pub sql: bool,
    /// With --sql: the revision the database is at already (the script starts after it and its
    /// ancestors), like Alembic's `upgrade FROM:TO --sql`.
    #[arg(long, value_name = "REV", requires = "sql")]
    pub from: Option<String>,
    /// Print the revisions that would be applied, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// How long to wait for another run's migration lock, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub lock_wait: u64,
    /// Apply without checking the pending migrations against the database's rows first
    /// (`pgshift preflight`).
    #[arg(long)]
    pub skip_preflight: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Run `pgshift upgrade`.
pub async fn upgrade(args: &UpgradeArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let mut options = options(config);
    options.lock_wait = Duration::from_secs(args.lock_wait);
    if args.sql {
        let graph = args.project.graph(config)?;
        let target = args.target.as_deref().map(|t| graph.resolve(t)).transpose()?;
        let script_options = ScriptOptions { ledger_schema: options.ledger_schema, lock_timeout: options.lock_timeout };
        let applied: BTreeSet<_> = match &args.from {
            Some(rev) => graph.ancestors(&graph.resolve(rev)?),
            None => BTreeSet::new(),
        };
        let script = pgshift_history::upgrade_script(&graph, &applied, target.as_ref(), &script_options)?;
        print(&script)?;
        return Ok(ExitStatus::Clean);
    }
    let client = args.project.connect(config).await?;
    let dir = args.project.dir(config);
    if args.target.is_none() && !args.dry_run && pgshift_history::at_head(&client, &dir, &options).await? {
        eprintln!("already at head");
        return Ok(ExitStatus::Clean);
    }
    let graph = args.project.graph(config)?;
    // Only now that something is pending: the startup path above stays one query.
    if let Some(warning) = version_warning(config, &client).await {
        eprintln!("warning: {warning}");
    }
    if args.dry_run {
        let pending = pgshift_history::apply::pending(&client, &graph, args.target.as_deref(), &options).await?;
        if pending.is_empty() {
            eprintln!("already at head; nothing would be applied");
        }
        let mut out = String::new();
        for id in pending {
            let message = graph.get(&id).map(|f| f.message.as_str()).unwrap_or_default();
            out.push_str(&format!("would apply {id} {message}\n"));
        }
        print(&out)?;
        return Ok(ExitStatus::Clean);
    }
    if !args.skip_preflight {
        // Only now that something is pending (the startup path above stays one query).
        let mut project = crate::project::project(config)?;
        project.migrations_dir = args.project.dir(config);
        match pgshift_project::preflight::run(&project, &client, args.target.as_deref(), &Default::default()).await {
            Ok(report) if report.failed() => {
                print(&super::preflight::text(&report))?;
                eprintln!("{}", report.summary());
                eprintln!(
                    "preflight failed: nothing was applied; fix the rows above (a data migration), or pass --skip-preflight to run the migrations anyway"
                );
                return Ok(ExitStatus::Found);
            }
            Ok(_) => {}
            // What the engine refuses (an edited applied migration, a foreign object), it
            // reports below in its own words.
            Err(pgshift_project::ProjectError::Ledger { .. }) => {}
            Err(e) => return Err(super::preflight::check_error(e)),
        }
    }
    let watcher = index_watcher(&args.project, config, &client, &graph).await;
    options.progress = crate::progress::revisions("applying", false);
    let result = pgshift_history::upgrade(&client, &graph, args.target.as_deref(), &options).await;
    if let Some(w) = watcher {
        w.stop();
    }
    let report = result?;
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    eprintln!("{}", report.summary());
    Ok(ExitStatus::Clean)
}

/// A warning when the database's major version differs from the one the migrations were
/// verified on (`scratch_version`, else the scratch binaries found); none with `scratch_url`.
async fn version_warning(config: &Config, client: &Client) -> Option<String> {
    let scratch = config.scratch();
    if scratch.url.is_some() {
        return None;
    }
    let scratch_major = match scratch.pg_version {
        Some(major) => major,
        None => pgshift_scratch::find_binaries(&pgshift_scratch::BinarySearch::from_env()).ok()?.major,
    };
    let live: String = client.query_one("SELECT current_setting('server_version_num')", &[]).await.ok()?.get(0);
    let live_major = live.parse::<u32>().ok()? / 10000;
    (live_major != scratch_major).then(|| pgshift_project::check::mismatch(live_major, scratch_major))
}

/// On a terminal, when the history builds an index `CONCURRENTLY`: a second connection that
/// shows the build's progress (best effort: no watcher when it cannot connect).
async fn index_watcher(
    project: &ProjectArgs,
    config: &Config,
    client: &Client,
    graph: &RevisionGraph,
) -> Option<crate::progress::Watcher> {
    use std::io::IsTerminal;
    // The terminal first: off one, no file is read.
    if !std::io::stderr().is_terminal() || !graph.files().any(|f| f.text.to_ascii_uppercase().contains("CONCURRENTLY")) {
        return None;
    }
    let pid: i32 = client.query_one("SELECT pg_catalog.pg_backend_pid()", &[]).await.ok()?.get(0);
    let watcher = project.connect(config).await.ok()?;
    crate::progress::Watcher::start(watcher, pid)
}

/// Arguments of `pgshift downgrade`.
#[derive(Debug, Args)]
pub struct DowngradeArgs {
    /// How far: a revision (id or prefix) to go back to, `-N` to undo N revisions, or `base`
    /// to undo all.
    #[arg(allow_hyphen_values = true)]
    pub target: String,
    /// How long to wait for another run's migration lock, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub lock_wait: u64,
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Run `pgshift downgrade`.
pub async fn downgrade(args: &DowngradeArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let graph = args.project.graph(config)?;
    let spec = args.target.trim();
    let target = if spec == "base" {
        DowngradeTarget::Base
    } else if let Some(n) = spec.strip_prefix('-') {
        let steps = n.parse::<usize>().map_err(|_| {
            CliError::usage(format!("`{spec}` is not a downgrade target"))
                .hint("use a revision id, -N (e.g. -1) to undo N revisions, or base")
        })?;
        DowngradeTarget::Steps(steps)
    } else {
        DowngradeTarget::Revision(graph.resolve(spec)?)
    };
    let mut options = options(config);
    options.lock_wait = Duration::from_secs(args.lock_wait);
    let client = args.project.connect(config).await?;
    options.progress = crate::progress::revisions("undoing", false);
    let report = pgshift_history::downgrade(&client, &graph, &target, &options).await?;
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    eprintln!("{}", report.summary());
    Ok(ExitStatus::Clean)
}

/// Arguments of `pgshift stamp` and `pgshift accept-edit`.
#[derive(Debug, Args)]
pub struct RevisionArgs {
    /// The revision: an id, a unique prefix, `head` (or `base` for stamp).
    pub revision: String,
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Run `pgshift stamp`: set the ledger to REV and its ancestors without running SQL.
pub async fn stamp(args: &RevisionArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let graph = args.project.graph(config)?;
    let client = args.project.connect(config).await?;
    let report = pgshift_history::stamp(&client, &graph, &args.revision, &options(config)).await?;
    eprintln!("{}", report.summary());
    Ok(ExitStatus::Clean)
}

/// Run `pgshift accept-edit`: record the edited file of an applied revision as reviewed.
pub async fn accept_edit(args: &RevisionArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let graph = args.project.graph(config)?;
    let client = args.project.connect(config).await?;
    let report =
        pgshift_history::accept_edit(&client, &graph, &args.revision, &options(config)).await?;
    eprintln!("{}", report.summary());
    Ok(ExitStatus::Clean)
}
