//! `pgshift status`: where the database stands (like `current`), plus who else lives in it:
//! other tools' migration ledgers, and name clashes between our desired objects and foreign
//! ones (same name, or same name modulo case). Read-only.

use clap::Args;
use pgshift_project::cotenant::{Clash, ForeignLedger};
use serde::Serialize;

use super::migrate::{apply_error, options, ProjectArgs};
use super::{json, print};
use crate::config::Config;
use crate::error::CliError;
use crate::project::{project_error, workspace_for};

/// Arguments of `pgshift status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Serialize)]
struct StatusJson {
    current: Vec<String>,
    pending: Vec<String>,
    unknown: Vec<String>,
    other_ledgers: Vec<ForeignLedger>,
    clashes: Vec<Clash>,
    externals: Vec<String>,
}

/// Run `pgshift status`.
pub async fn run(args: &StatusArgs, config: &Config) -> Result<u8, CliError> {
    let client = args.project.connect(config).await?;
    let ws = workspace_for(config, &args.project).await?;
    let graph = ws.project().graph().map_err(project_error)?;
    let status = pgshift_history::status(&client, &graph, &options(config)).await.map_err(apply_error)?;
    let externals = ws.externals().await.map_err(project_error)?;
    let desired = ws.desired(&externals).await.map_err(project_error)?;
    // Owned now: what the history holds at the database's revision (when it has one).
    let at = match (status.current.as_slice(), status.unknown.is_empty()) {
        ([one], true) => Some(one.clone()),
        _ => None,
    };
    let history = ws.history(&externals, &graph, at.as_ref()).await.map_err(project_error)?;
    let owned = pgshift_project::owned::names(&[&history.catalog], &ws.project().own_schemas);
    let other_ledgers = pgshift_project::cotenant::foreign_ledgers(&client).await.map_err(project_error)?;
    let clashes = pgshift_project::cotenant::clashes(&client, &desired, &owned).await.map_err(project_error)?;
    let externals_warnings = pgshift_project::check::externals_mismatch(&client, &externals.catalog, &ws.project().filter)
        .await
        .map_err(project_error)?;
    let ids = |v: &[pgshift_history::RevisionId]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    if args.json {
        let out = StatusJson {
            current: ids(&status.current),
            pending: ids(&status.pending),
            unknown: ids(&status.unknown),
            other_ledgers,
            clashes,
            externals: externals_warnings,
        };
        return print(&json(&out)?).map(|()| 0);
    }
    let mut out = String::new();
    if status.current.is_empty() {
        out.push_str("at: <base> (nothing applied)\n");
    }
    for id in &status.current {
        let head = if graph.children(id).is_empty() { " (head)" } else { "" };
        out.push_str(&format!("at: {id}{head} {}\n", graph.get(id).map(|f| f.message.as_str()).unwrap_or_default()));
    }
    for id in &status.unknown {
        out.push_str(&format!("applied but unknown to the migration files: {id}\n"));
    }
    out.push_str(&format!("pending: {} revision(s){}\n", status.pending.len(), if status.pending.is_empty() { "" } else { "; run `pgshift upgrade`" }));
    if other_ledgers.is_empty() {
        out.push_str("other migration ledgers: none\n");
    } else {
        out.push_str("other migration ledgers (their tables are never touched):\n");
        for l in &other_ledgers {
            out.push_str(&format!("  {} ({})\n", l.table, l.tool));
        }
    }
    print(&out)?;
    if let Some(w) = pgshift_project::check::version_warning(&ws, &client).await.map_err(project_error)? {
        eprintln!("warning: {w}");
    }
    for w in &externals_warnings {
        eprintln!("warning: externals/ does not match the database: {w}");
    }
    for c in &clashes {
        eprintln!("warning: name clash ({}): our {} and the foreign {}", c.kind, c.ours, c.theirs);
    }
    Ok(0)
}
