//! `pgshift check`: for CI and operators. (a) Is a migration missing (the history's head
//! differs from `schema/`)? (b) Does the live database hold what its ledger says (drift in
//! owned objects)? Each finding comes with the SQL that would fix it; exit 1 on any finding.
//! Part (b) runs when a database URL is given (`--database-url` or the configured variable).

use clap::Args;
use pgshift_project::check::{Drift, Finding};

use super::migrate::ProjectArgs;
use super::{json, print};
use crate::config::Config;
use crate::error::{CliError, ExitStatus};
use crate::project::workspace_for;

/// Arguments of `pgshift check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
    /// Only compare the history with schema/, even when a database URL is configured.
    #[arg(long)]
    pub no_database: bool,
    /// Refuse (exit 2) when a schema holds objects pgshift cannot represent yet, instead of
    /// warning that the migration leaves them out.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
}


/// Run `pgshift check`.
pub async fn run(args: &CheckArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let client = if args.no_database { None } else { args.project.connect_if_configured(config).await? };
    let ws = workspace_for(config, &args.project).await?;
    // No bar with --json: the output is for a program.
    let ws = if args.json { ws.with_progress(None) } else { ws };
    let prepared = pgshift_project::autogen::prepare(&ws).await?;
    super::report_unmodelled(&[&prepared.history.catalog, &prepared.desired], args.strict)?;
    let report = pgshift_project::check::run(&ws, &prepared, client.as_ref()).await?;
    if let Some(w) = &report.version_warning {
        eprintln!("warning: {w}");
    }
    for warning in &report.externals {
        eprintln!("warning: externals/ does not match the database: {warning}");
    }
    let found = report.found();
    if args.json {
        print(&json(&report)?)?;
        return Ok(ExitStatus::found(found));
    }
    let (missing, drift) = (&report.missing_migration, &report.drift);
    let mut out = String::new();
    match missing {
        None => out.push_str("history and schema/ agree\n"),
        Some(f) => {
            out.push_str("a migration is missing: schema/ differs from the history's head (run `pgshift new \"…\"`)\n");
            describe(&mut out, f, "schema/ has", "schema/ no longer has");
        }
    }
    match drift {
        None if client.is_none() => out.push_str("no database checked (pass --database-url, or set the configured variable)\n"),
        None => {}
        Some(Drift { not_adopted, .. }) if !not_adopted.is_empty() => {
            out.push_str(&format!(
                "not adopted: the database has no pgshift revision but already holds {} object(s) that schema/ declares; \
                 run `pgshift adopt` to take them over (no DDL runs)\n",
                not_adopted.len()
            ));
            for name in not_adopted {
                out.push_str(&format!("  {name}\n"));
            }
        }
        Some(Drift { revision, finding: None, .. }) => {
            out.push_str(&format!("database matches its revision {}\n", revision.as_deref().unwrap_or("<base>")));
        }
        Some(Drift { revision, finding: Some(f), .. }) => {
            out.push_str(&format!(
                "drift: the database differs from its revision {} in objects we own\n",
                revision.as_deref().unwrap_or("<base>")
            ));
            describe(&mut out, f, "the database lacks", "the database has, unknown to the history,");
        }
    }
    if !report.lint.is_empty() {
        out.push_str("lint of the pending migrations:\n");
        out.push_str(&super::lint::report(&report.lint));
    }
    print(&out)?;
    Ok(ExitStatus::found(found))
}

fn describe(out: &mut String, f: &Finding, missing: &str, extra: &str) {
    for m in &f.missing {
        out.push_str(&format!("  {missing} {m}\n"));
    }
    for e in &f.extra {
        out.push_str(&format!("  {extra} {e}\n"));
    }
    for c in &f.changed {
        out.push_str(&format!("  changed: {c}\n"));
    }
    for r in &f.renamed {
        out.push_str(&format!("  renamed: {r}\n"));
    }
    match &f.sql {
        Some(sql) => {
            out.push_str("  fix:\n");
            for line in sql.lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
        None => out.push_str("  (the fix needs answers, e.g. a backfill value: see `pgshift new`)\n"),
    }
}
