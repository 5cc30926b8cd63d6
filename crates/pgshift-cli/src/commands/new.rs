//! `pgshift new "message"`: autogenerate the next migration from `schema/`, verify it, write it.
//!
//! The history is replayed to its single head and `externals/` + `schema/` loaded, both on
//! scratch databases cached as templates; the diff becomes a migration with up and down
//! sections and hazards as comments; the file is written only after it has been replayed on
//! a fresh copy of the head and gives exactly the desired schema. When a database is configured
//! (`DATABASE_URL` or the configured variable), it is read (read-only) first, and a name of
//! `schema/` that is a foreign object's there is refused (exit 2) before anything is written
//! (DESIGN.md, ownership rule 3); an unreachable database is a warning. Never writes to any
//! database but scratch ones.

use clap::Args;
use pgshift_project::autogen::Outcome;

use super::{decide, json, print};
use crate::config::Config;
use crate::error::{CliError, ExitStatus};
use crate::project::workspace;

/// Arguments of `pgshift new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// What the migration does, in a few words (its file name is made from it).
    pub message: String,
    /// Write a migration with empty up and down sections, for a hand-written (data) change.
    #[arg(long)]
    pub empty: bool,
    #[command(flatten)]
    pub answers: decide::AnswerArgs,
    /// Confirm that a rename candidate is really a drop and an add (its data is lost): OLD as
    /// in the candidate's `--rename OLD=NEW` (repeatable). Without a terminal, every candidate
    /// needs `--rename` or `--no-rename`.
    #[arg(long, value_name = "OLD")]
    pub no_rename: Vec<String>,
    /// Consent to the statements that lose data (drop a table, column, type or label, narrow
    /// a type): the file records it above each (`-- pgshift: approved destructive: …`), and
    /// `upgrade` refuses a generated statement without it. On a terminal, pgshift asks instead.
    #[arg(long)]
    pub allow_destructive: bool,
    /// Print the result (file, summary) as JSON.
    #[arg(long)]
    pub json: bool,
    /// Refuse (exit 2) when a schema holds objects pgshift cannot represent yet, instead of
    /// warning that the migration leaves them out.
    #[arg(long)]
    pub strict: bool,
}

/// Run `pgshift new`.
pub async fn run(args: &NewArgs, config: &Config) -> Result<ExitStatus, CliError> {
    if args.empty {
        let path = pgshift_project::autogen::write_empty(&crate::project::project(config)?, &args.message)?;
        return report(args, Some(&path), &pgshift_project::autogen::Summary::default(), &[], true);
    }
    let (diff_options, plan_options) = args.answers.options(config)?;
    // No bar with --json: the output is for a program.
    let ws = if args.json { workspace(config).await?.with_progress(None) } else { workspace(config).await? };
    let prepared = pgshift_project::autogen::prepare(&ws).await?;
    refuse_clashes(config, &ws, &prepared).await?;
    super::report_unmodelled(&[&prepared.history.catalog, &prepared.desired], args.strict)?;
    let request = pgshift_project::autogen::Request {
        message: args.message.clone(),
        diff: diff_options,
        plan: plan_options,
        no_renames: args.no_rename.clone(),
        allow_destructive: args.allow_destructive,
    };
    let mut answers = decide::Prompt { interactive: decide::interactive(args.json) };
    let outcome = pgshift_project::autogen::run(&ws, &prepared, request, &mut answers).await?;
    let written = match outcome {
        Outcome::NothingToDo => {
            eprintln!("schema and history agree: nothing to write");
            return report(args, None, &pgshift_project::autogen::Summary::default(), &[], false);
        }
        Outcome::Written(written) => written,
    };
    for m in &written.not_planned {
        eprintln!("warning: not planned: {}", pgshift_catalog::quote::comment_text(m));
    }
    if !written.no_down.is_empty() {
        let names: Vec<String> = written.no_down.iter().map(|(t, c)| format!("{t}.{}", pgshift_catalog::quote::ident(c))).collect();
        eprintln!(
            "warning: no down section: undoing this migration re-adds NOT NULL column(s) {} with no value for existing rows; \
             pass --backfill for them to get one",
            names.join(", ")
        );
    }
    if !written.findings.is_empty() && !args.json {
        eprint!("lint:\n{}", super::lint::report(&written.findings));
    }
    for cand in &written.rename_candidates {
        eprintln!("rename candidate: {} → {} (pass {} to make it a rename)", cand.from, cand.to, cand.flag);
    }
    report(args, Some(&written.path), &written.summary, &written.findings, false)
}

/// Refuse a name of `schema/` that is a foreign object's in the configured database (when one
/// is configured and reachable).
async fn refuse_clashes(config: &Config, ws: &pgshift_project::Workspace, prepared: &pgshift_project::autogen::Prepared) -> Result<(), CliError> {
    let Ok(url) = std::env::var(config.database_url_env()) else { return Ok(()) };
    let client = match crate::connect::parse(&url, config) {
        Ok(target) => crate::connect::connect(&target).await,
        Err(e) => Err(e),
    };
    let client = match client {
        Ok(client) => client,
        Err(e) => {
            eprintln!(
                "warning: could not check schema/ against the database for name clashes with another system: {}",
                e.message
            );
            return Ok(());
        }
    };
    let ownership =
        pgshift_project::owned::Ownership::read(ws, &client, &prepared.graph, &prepared.externals, &prepared.desired).await?;
    ownership.refuse_clashes()?;
    if !ownership.adopted && !ownership.adoptable.is_empty() {
        eprintln!(
            "note: the database is not adopted yet and already holds {} object(s) that schema/ declares; run `pgshift adopt` \
             before `pgshift upgrade` (adopt takes them over without running DDL)",
            ownership.adoptable.len()
        );
    }
    Ok(())
}

fn report(
    args: &NewArgs,
    path: Option<&std::path::Path>,
    summary: &pgshift_project::autogen::Summary,
    findings: &[pgshift_lint::Finding],
    empty: bool,
) -> Result<ExitStatus, CliError> {
    if args.json {
        print(&json(&serde_json::json!({
            "file": path.map(|p| p.display().to_string()),
            "summary": summary,
            "lint": findings,
        }))?)?;
        return Ok(ExitStatus::Clean);
    }
    let Some(path) = path else { return Ok(ExitStatus::Clean) };
    let mut text = String::new();
    for (what, list) in [("create", &summary.created), ("alter", &summary.altered), ("rename", &summary.renamed), ("drop", &summary.dropped)] {
        for item in list {
            text.push_str(&format!("  {what:<6} {item}\n"));
        }
    }
    for h in &summary.hazards {
        text.push_str(&format!("  ! {h}\n"));
    }
    eprint!("{text}");
    if empty {
        eprintln!("wrote an empty migration: fill in its up and down sections");
    } else {
        eprintln!("verified on a scratch database: replaying the history with it gives the desired schema");
    }
    print(&format!("{}\n", path.display()))?;
    Ok(ExitStatus::Clean)
}
