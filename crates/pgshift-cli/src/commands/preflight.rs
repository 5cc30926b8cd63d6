//! `pgshift preflight [TARGET]`: what the migrations pending on the database would meet in its
//! rows, read-only: per revision and statement, `file:line: what: ok`, `FAILS: …` (the rows
//! that would make it fail, with sample keys), `locks: …` (the table's size under the lock),
//! `loses: …` (rows a destructive step removes) or `not checked: …`; a summary; `--json`.
//! Exit 1 when a step would fail, 3 when the database cannot be read (nothing is changed
//! either way). The workflow is `pgshift_project::preflight`; this module parses and prints.

use clap::Args;
use pgshift_project::preflight::{Options, Outcome, Report};

use super::migrate::ProjectArgs;
use super::{json, print};
use crate::config::Config;
use crate::error::{CliError, ExitStatus};

/// Arguments of `pgshift preflight`.
#[derive(Debug, Args)]
pub struct PreflightArgs {
    /// The revision to check up to: `head` (default), an id or a unique prefix.
    pub target: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// How long each query may run (a PostgreSQL duration: `500ms`, `30s`, `2min`).
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub statement_timeout: String,
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Run `pgshift preflight`.
pub async fn run(args: &PreflightArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let mut project = crate::project::project(config)?;
    project.migrations_dir = args.project.dir(config);
    let client = args.project.connect(config).await?;
    let options = Options { statement_timeout: args.statement_timeout.clone() };
    let report = check(&project, &client, args.target.as_deref(), &options).await?;
    if args.json {
        print(&json(&report)?)?;
    } else {
        print(&text(&report))?;
        eprintln!("{}", report.summary());
    }
    Ok(ExitStatus::found(report.failed()))
}

/// The preflight, its errors with the CLI's advice.
pub async fn check(
    project: &pgshift_project::Project,
    client: &tokio_postgres::Client,
    target: Option<&str>,
    options: &Options,
) -> Result<Report, CliError> {
    pgshift_project::preflight::run(project, client, target, options).await.map_err(check_error)
}

/// A preflight error with the CLI's advice.
pub fn check_error(e: pgshift_project::ProjectError) -> CliError {
    let database = e.is_database();
    let err = CliError::from(e);
    if database && err.hint.is_none() {
        err.hint("the preflight only reads and nothing was changed; it needs SELECT on the tables of the pending migrations")
    } else {
        err
    }
}

/// The report as the terminal shows it (also printed by `upgrade` when the preflight fails).
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    if report.revisions.is_empty() {
        out.push_str("no pending migrations\n");
    }
    for r in &report.revisions {
        out.push_str(&format!("revision {} {}\n", r.revision, pgshift_catalog::quote::comment_text(&r.message)));
        if r.steps.is_empty() {
            out.push_str("  nothing to check\n");
        }
        for s in &r.steps {
            let result = pgshift_catalog::quote::comment_text(&s.outcome.text());
            match s.outcome {
                Outcome::Locks { .. } => out.push_str(&format!("  {}:{}: {result}\n", r.path.display(), s.line)),
                _ => out.push_str(&format!("  {}:{}: {}: {result}\n", r.path.display(), s.line, pgshift_catalog::quote::comment_text(&s.what))),
            }
        }
    }
    out
}
