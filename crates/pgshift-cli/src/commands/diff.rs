//! `pgshift diff --from SRC --to DST`: the migration SQL from one schema to another.
//!
//! SRC and DST are database URLs, or `.sql` files / directories loaded into scratch databases.
//! Prints the plan as SQL with hazards as comments (or `--json`); `--exit-code` exits 1 when
//! there is anything to do. On a terminal, rename candidates and missing backfill values are
//! asked for; `--rename` and `--backfill` answer the same questions non-interactively.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;
use pgshift_catalog::QualName;
use pgshift_diff::{DiffOptions, RenameRequest};
use pgshift_plan::{PlanError, PlanOptions};

use super::{json, print};
use crate::config::Config;
use crate::error::CliError;
use crate::source::{self, FilterArgs};

/// Arguments of `pgshift diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The current schema: a database URL, or a .sql file or directory.
    #[arg(long, value_name = "SRC")]
    pub from: String,
    /// The desired schema: a database URL, or a .sql file or directory.
    #[arg(long, value_name = "DST")]
    pub to: String,
    /// Print changes, steps and rename candidates as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit with 1 when the plan is not empty.
    #[arg(long)]
    pub exit_code: bool,
    /// Treat a drop and an add as a rename: schema.old=schema.new, or schema.table.old=schema.table.new (repeatable).
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,
    /// SQL expression filling a new NOT NULL column in existing rows: schema.table.column=EXPR (repeatable).
    #[arg(long, value_name = "TABLE.COLUMN=EXPR")]
    pub backfill: Vec<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// Run `pgshift diff`.
pub async fn run(args: &DiffArgs, config: &Config) -> Result<u8, CliError> {
    let filter = args.filter.filter(config)?;
    let mut diff_options = DiffOptions::default();
    for spec in &args.rename {
        let r = RenameRequest::parse(spec).map_err(|e| CliError::usage(format!("--rename {e}")))?;
        diff_options.renames.push(r);
    }
    let mut plan_options = PlanOptions::default();
    for spec in &args.backfill {
        let (column, expr) = parse_backfill(spec)?;
        plan_options.backfills.insert(column, expr);
    }
    // The two inspections are independent: run them at the same time (two connections).
    let (from, to) = tokio::try_join!(
        source::catalog(&args.from, &filter, config),
        source::catalog(&args.to, &filter, config)
    )?;
    for r in &diff_options.renames {
        r.check(&from, &to).map_err(|e| {
            CliError::usage(e).hint("--rename names an object dropped from SRC and one added in DST")
        })?;
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal() && !args.json;
    let mut diff = pgshift_diff::diff(&from, &to, &diff_options);
    if interactive && !diff.rename_candidates.is_empty() {
        for cand in &diff.rename_candidates {
            if ask_yes(&format!("Is {} renamed to {}?", cand.from, cand.to))? {
                let spec = cand.flag.trim_start_matches("--rename ");
                if let Ok(r) = RenameRequest::parse(spec) {
                    diff_options.renames.push(r);
                }
            }
        }
        diff = pgshift_diff::diff(&from, &to, &diff_options);
    }
    let plan = loop {
        match pgshift_plan::plan(&from, &to, &diff, &plan_options) {
            Ok(plan) => break plan,
            Err(PlanError::MissingBackfill { columns }) if interactive => {
                for (table, column) in columns {
                    let expr = ask(&format!(
                        "Value for existing rows of new NOT NULL column {table}.{} (SQL expression): ",
                        pgshift_catalog::quote::ident(&column)
                    ))?;
                    if expr.is_empty() {
                        return Err(CliError::usage("no backfill value given").hint("pass --backfill TABLE.COLUMN=EXPR"));
                    }
                    plan_options.backfills.insert((table, column), expr);
                }
            }
            Err(e) => {
                return Err(CliError::usage(e.to_string())
                    .hint("e.g. --backfill public.document.slug=\"lower(title)\"; the expression may use the row's other columns"))
            }
        }
    };
    for change in &diff.changes {
        for h in &change.hazards {
            if let pgshift_diff::Hazard::Unsupported(m) = h {
                eprintln!("warning: not planned: {m}");
            }
        }
    }
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
    Ok(if args.exit_code && !plan_was_empty { 1 } else { 0 })
}

fn parse_backfill(spec: &str) -> Result<((QualName, String), String), CliError> {
    let err = || {
        CliError::usage(format!("--backfill `{spec}` is not schema.table.column=EXPR"))
            .hint("e.g. --backfill public.document.slug=\"lower(title)\"")
    };
    let (target, expr) = spec.split_once('=').ok_or_else(err)?;
    let parts = pgshift_catalog::filter::split_dotted(target.trim()).map_err(|_| err())?;
    match parts.as_slice() {
        [s, t, c] if !expr.trim().is_empty() => Ok(((QualName::new(s, t), c.clone()), expr.trim().to_owned())),
        _ => Err(err()),
    }
}

fn ask(prompt: &str) -> Result<String, CliError> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{prompt}");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::usage("cannot read the answer").caused_by(&e))?;
    Ok(line.trim().to_owned())
}

fn ask_yes(question: &str) -> Result<bool, CliError> {
    Ok(matches!(ask(&format!("{question} [y/N] "))?.to_lowercase().as_str(), "y" | "yes"))
}
