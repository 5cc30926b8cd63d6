//! `pgshift diff --from SRC --to DST`: the migration SQL from one schema to another.
//!
//! SRC and DST are database URLs, or `.sql` files / directories loaded into scratch databases.
//! Prints the plan as SQL with hazards as comments (or `--json`); `--exit-code` exits 1 when
//! there is anything to do. On a terminal, rename candidates and missing backfill values are
//! asked for; `--rename` and `--backfill` answer the same questions non-interactively.
//! In a project, a live side is read through the ownership filter, and a name of `schema/`
//! that is a foreign object's is refused (exit 2) before anything is printed.

use clap::Args;

use super::{decide, json, print};
use crate::config::Config;
use crate::error::{CliError, ExitStatus};
use crate::source::{self, FilterArgs, Live};

/// Arguments of `pgshift diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The current schema: a database URL, a .sql file or directory, `migrations` (the history
    /// at its head), a revision (the history at it) or `desired` (the project's schema sources).
    #[arg(long, value_name = "SRC")]
    pub from: String,
    /// The desired schema: a database URL, a .sql file or directory, `migrations`, a revision
    /// or `desired`.
    #[arg(long, value_name = "DST")]
    pub to: String,
    /// Print changes, steps and rename candidates as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit with 1 when the plan is not empty.
    #[arg(long)]
    pub exit_code: bool,
    /// Refuse (exit 2) when a schema holds objects pgshift cannot represent yet, instead of
    /// warning that the migration leaves them out.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub answers: decide::AnswerArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// Run `pgshift diff`.
pub async fn run(args: &DiffArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let filter = args.filter.filter(config)?;
    let (mut diff_options, mut plan_options) = args.answers.options(config)?;
    // The two inspections are independent: run them at the same time (two connections, two
    // threads).
    let live = args.filter.ownership(config, Live::OwnedRefusingClashes);
    let (from, to) = source::catalog_pair(&args.from, &args.to, &filter, live, config)?;
    super::report_unmodelled(&[&from, &to], args.strict)?;
    decide::check_renames(&diff_options, &from, &to)?;
    let interactive = decide::interactive(args.json);
    let diff = decide::renames(&mut diff_options, interactive, |o| pgshift_diff::diff(&from, &to, o))?;
    let plan = decide::plan(&from, &to, &diff, &mut plan_options, interactive)?;
    decide::warn_unsupported(&diff);
    let plan_was_empty = plan.is_empty();
    if args.json {
        print(&json(&serde_json::json!({
            "changes": diff.changes,
            "steps": plan.steps,
            "rename_candidates": diff.rename_candidates,
        }))?)?;
    } else if plan.is_empty() {
        eprintln!("no differences");
    } else {
        print(&plan.to_sql())?;
    }
    // The process ends right after: freeing two large catalogs would only cost time (~50 ms
    // at 5,000 tables).
    std::mem::forget((from, to, diff, plan));
    Ok(ExitStatus::found(args.exit_code && !plan_was_empty))
}
