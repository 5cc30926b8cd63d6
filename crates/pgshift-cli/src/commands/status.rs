//! `pgshift status`: where the database stands (like `current`), plus who else lives in it.
//!
//! Other tools' migration ledgers are summarized by tool and count ("other migration tools
//! here: Prisma (1 ledger)") and name clashes by count; their objects' names (the ledgers'
//! tables, the clashing objects) are printed only with `--co-tenants` (in `--json` too), so a
//! CI log is not full of another system's names. Before adoption (nothing applied or stamped)
//! while objects `schema/` declares exist already, it says once that the database is not
//! adopted yet and what to run, instead of calling our own objects foreign. Read-only.

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
    /// Name the other systems' ledgers and the objects our names clash with (otherwise only
    /// counted).
    #[arg(long)]
    pub co_tenants: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Serialize)]
struct ToolJson {
    tool: String,
    ledgers: usize,
}

#[derive(Debug, Serialize)]
struct StatusJson {
    current: Vec<String>,
    pending: Vec<String>,
    unknown: Vec<String>,
    /// Whether a revision is applied or stamped.
    adopted: bool,
    /// Before adoption: how many objects schema/ declares exist already.
    adoptable: usize,
    other_tools: Vec<ToolJson>,
    clash_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    other_ledgers: Option<Vec<ForeignLedger>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    clashes: Option<Vec<Clash>>,
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
    let adopted = !status.current.is_empty() || !status.unknown.is_empty();
    let history = ws.history(&externals, &graph, at.as_ref()).await.map_err(project_error)?;
    let ownership =
        pgshift_project::owned::Ownership::with_history(&ws, &client, &history.catalog, &externals, &desired, at, adopted)
            .await
            .map_err(project_error)?;
    let other_ledgers = pgshift_project::cotenant::foreign_ledgers(&client).await.map_err(project_error)?;
    let tools = pgshift_project::cotenant::by_tool(&other_ledgers);
    let clashes = ownership.clashes;
    let adoptable = if adopted { 0 } else { ownership.adoptable.len() };
    let externals_warnings = pgshift_project::check::externals_mismatch(&client, &externals.catalog, &ws.project().filter)
        .await
        .map_err(project_error)?;
    let ids = |v: &[pgshift_history::RevisionId]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    if args.json {
        let out = StatusJson {
            current: ids(&status.current),
            pending: ids(&status.pending),
            unknown: ids(&status.unknown),
            adopted,
            adoptable,
            other_tools: tools.iter().map(|(tool, n)| ToolJson { tool: tool.clone(), ledgers: *n }).collect(),
            clash_count: clashes.len(),
            other_ledgers: args.co_tenants.then_some(other_ledgers),
            clashes: args.co_tenants.then_some(clashes),
            externals: externals_warnings,
        };
        return print(&json(&out)?).map(|()| 0);
    }
    let mut out = String::new();
    if status.current.is_empty() && adoptable > 0 {
        out.push_str(&format!(
            "at: <base>: the database is not adopted yet ({adoptable} object(s) schema/ declares exist here, and no revision \
             is stamped); run `pgshift adopt` to take them over (it runs no DDL)\n"
        ));
    } else if status.current.is_empty() {
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
    if tools.is_empty() {
        out.push_str("other migration tools here: none\n");
    } else {
        let list: Vec<String> =
            tools.iter().map(|(tool, n)| format!("{tool} ({n} ledger{})", if *n == 1 { "" } else { "s" })).collect();
        out.push_str(&format!("other migration tools here: {} (their tables are never touched)\n", list.join(", ")));
    }
    if args.co_tenants {
        for l in &other_ledgers {
            out.push_str(&format!("  ledger {} ({})\n", l.table, l.tool));
        }
        for c in &clashes {
            out.push_str(&format!("  name clash: {c}\n"));
        }
    }
    if !clashes.is_empty() {
        out.push_str(&format!(
            "name clashes: {} name(s) of schema/ are another system's objects here; new, check, diff and adopt refuse them \
             until they are declared in externals/ or renamed{}\n",
            clashes.len(),
            if args.co_tenants { "" } else { " (`pgshift status --co-tenants` lists them)" }
        ));
    }
    print(&out)?;
    if let Some(w) = pgshift_project::check::version_warning(&ws, &client).await.map_err(project_error)? {
        eprintln!("warning: {w}");
    }
    for w in &externals_warnings {
        eprintln!("warning: externals/ does not match the database: {w}");
    }
    Ok(0)
}
