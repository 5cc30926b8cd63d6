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
use pgshift_catalog::Catalog;

use crate::config::Config;
use crate::connect;
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

/// What `pgshift diff` prints, made from a pair of catalogs.
struct Output {
    /// The SQL or JSON (empty SQL when there is nothing to do).
    text: String,
    plan_was_empty: bool,
    diff: pgshift_diff::Diff,
}

impl Output {
    /// Whether anything printed names a check whose text was not read
    /// (`source::live_pair`).
    fn names_deferred_check(&self) -> bool {
        let marker = pgshift_inspect::deferred::MARKER;
        self.text.contains(marker)
            || self.diff.changes.iter().flat_map(|c| &c.hazards).any(|h| matches!(h, pgshift_diff::Hazard::Unsupported(m) if m.contains(marker)))
    }
}

/// Run `pgshift diff`.
pub async fn run(args: &DiffArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let filter = args.filter.filter(config)?;
    let (mut diff_options, mut plan_options) = args.answers.options(config)?;
    let live = args.filter.ownership(config, Live::OwnedRefusingClashes);
    let mut interactive = decide::interactive(args.json);
    let mut first = true;
    // Once for each pair of catalogs (twice when the first pair's printed output needs the text
    // of a check that was not read, see `source::live_pair`): questions are asked and warnings
    // given the first time only; the answers stay in the options.
    let mut output = |from: &Catalog, to: &Catalog| -> Result<Output, CliError> {
        if std::mem::take(&mut first) {
            super::report_unmodelled(&[from, to], args.strict)?;
        }
        decide::check_renames(&diff_options, from, to)?;
        let diff = decide::renames(&mut diff_options, interactive, |o| pgshift_diff::diff(from, to, o))?;
        let plan = decide::plan(from, to, &diff, &mut plan_options, interactive)?;
        interactive = false;
        let text = if args.json {
            json(&serde_json::json!({
                "changes": diff.changes,
                "steps": plan.steps,
                "rename_candidates": diff.rename_candidates,
            }))?
        } else if plan.is_empty() {
            String::new()
        } else {
            plan.to_sql()
        };
        let plan_was_empty = plan.is_empty();
        // The process ends right after: freeing a large plan would only cost time.
        std::mem::forget(plan);
        Ok(Output { text, plan_was_empty, diff })
    };
    let out = if connect::is_database_url(&args.from) && connect::is_database_url(&args.to) {
        // Two live databases: each side's server prints only the checks that differ.
        source::live_pair(&args.from, &args.to, &filter, live, config, output, Output::names_deferred_check)?
    } else {
        // The two inspections are independent: run them at the same time (two connections,
        // two threads).
        let (from, to) = source::catalog_pair(&args.from, &args.to, &filter, live, config)?;
        let out = output(&from, &to)?;
        // The process ends right after: freeing two large catalogs would only cost time (~50 ms
        // at 5,000 tables).
        std::mem::forget((from, to));
        out
    };
    decide::warn_unsupported(&out.diff);
    if args.json {
        print(&out.text)?;
    } else if out.plan_was_empty {
        eprintln!("no differences");
    } else {
        print(&out.text)?;
    }
    let plan_was_empty = out.plan_was_empty;
    std::mem::forget(out);
    Ok(ExitStatus::found(args.exit_code && !plan_was_empty))
}
