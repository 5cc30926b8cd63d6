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

use super::migrate::ProjectArgs;
use super::{json, print};
use crate::config::Config;
use crate::error::{CliError, ExitStatus};
use crate::project::workspace_for;

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
pub async fn run(args: &StatusArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let client = args.project.connect(config).await?;
    let ws = workspace_for(config, &args.project).await?;
    // No bar with --json: the output is for a program.
    let ws = if args.json { ws.with_progress(None) } else { ws };
    let report = pgshift_project::status::run(&ws, &client).await?;
    let pgshift_project::status::Report {
        graph,
        ledger: status,
        adopted,
        adoptable,
        other_ledgers,
        tools,
        clashes,
        externals: externals_warnings,
        version_warning,
    } = report;
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
        return print(&json(&out)?).map(|()| ExitStatus::Clean);
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
    if let Some(w) = version_warning {
        eprintln!("warning: {w}");
    }
    for w in &externals_warnings {
        eprintln!("warning: externals/ does not match the database: {w}");
    }
    Ok(ExitStatus::Clean)
}
