//! The questions a plan may need answered, shared by `diff` and `new`: which drop+add pairs
//! are renames (`--rename`, or asked on a terminal) and what fills a new NOT NULL column in
//! existing rows (`--backfill`, or asked). Without a terminal, a missing answer is an error
//! that names the flag to pass.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;
use pgshift_catalog::{Catalog, QualName};
use pgshift_diff::{Diff, DiffOptions, RenameRequest};
use pgshift_plan::{Plan, PlanError, PlanOptions};

use crate::error::CliError;

/// The answers given as flags (shared by `diff` and `new`).
#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// Treat a drop and an add as a rename: schema.old=schema.new, schema.table.old=schema.table.new,
    /// or schema.type:old=new for an enum label (repeatable).
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,
    /// SQL expression filling a new NOT NULL column in existing rows: schema.table.column=EXPR (repeatable).
    #[arg(long, value_name = "TABLE.COLUMN=EXPR")]
    pub backfill: Vec<String>,
    /// Also compare privileges: GRANT and REVOKE on tables, views, sequences, functions, types
    /// and schemas (off by default: privileges are then left alone).
    #[arg(long)]
    pub with_privileges: bool,
    /// Plan the online forms for tables that already hold rows (also `online = true` in
    /// pgshift.toml): indexes built and dropped CONCURRENTLY, constraints added NOT VALID and
    /// validated in a step of their own, SET NOT NULL through a validated check, backfills in
    /// committed batches.
    #[arg(long)]
    pub online: bool,
}

impl AnswerArgs {
    /// Diff and plan options from these flags and the configuration.
    pub fn options(&self, config: &crate::config::Config) -> Result<(DiffOptions, PlanOptions), CliError> {
        let (mut diff_options, mut plan_options) = options(&self.rename, &self.backfill)?;
        diff_options.with_privileges = self.with_privileges;
        plan_options.online = self.online || config.online.unwrap_or(false);
        Ok((diff_options, plan_options))
    }
}

/// Diff and plan options from the `--rename` and `--backfill` flags.
pub fn options(renames: &[String], backfills: &[String]) -> Result<(DiffOptions, PlanOptions), CliError> {
    let mut diff_options = DiffOptions::default();
    for spec in renames {
        let r = RenameRequest::parse(spec).map_err(|e| CliError::usage(format!("--rename {e}")))?;
        diff_options.renames.push(r);
    }
    let mut plan_options = PlanOptions::default();
    for spec in backfills {
        let (column, expr) = parse_backfill(spec)?;
        plan_options.backfills.insert(column, expr);
    }
    Ok((diff_options, plan_options))
}

/// Every `--rename` must name an object dropped from `from` and one added in `to`.
pub fn check_renames(options: &DiffOptions, from: &Catalog, to: &Catalog) -> Result<(), CliError> {
    for r in &options.renames {
        r.check(from, to)
            .map_err(|e| CliError::usage(e).hint("--rename names an object dropped from the current schema and one added in the desired one"))?;
    }
    Ok(())
}

/// Whether questions may be asked: stdin and stderr are terminals and the output is not JSON.
pub fn interactive(json: bool) -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal() && !json
}

/// Run `diff` with `options`; on a terminal, ask about each rename candidate and diff again
/// with the renames confirmed (they are added to `options`).
pub fn renames(options: &mut DiffOptions, interactive: bool, diff: impl Fn(&DiffOptions) -> Diff) -> Result<Diff, CliError> {
    let first = diff(options);
    if !interactive || first.rename_candidates.is_empty() {
        return Ok(first);
    }
    for cand in &first.rename_candidates {
        if ask_yes(&format!("Is {} renamed to {}?", cand.from, cand.to))? {
            let spec = cand.flag.trim_start_matches("--rename ");
            if let Ok(r) = RenameRequest::parse(spec) {
                options.renames.push(r);
            }
        }
    }
    Ok(diff(options))
}

/// Plan `diff`; on a terminal, ask for each missing backfill value (added to `options`).
pub fn plan(from: &Catalog, to: &Catalog, diff: &Diff, options: &mut PlanOptions, interactive: bool) -> Result<Plan, CliError> {
    loop {
        match pgshift_plan::plan(from, to, diff, options) {
            Ok(plan) => return Ok(plan),
            Err(PlanError::MissingBackfill { columns }) if interactive => {
                for (table, column) in columns {
                    let expr = ask(&format!(
                        "Value for existing rows of new NOT NULL column {table}.{} (SQL expression): ",
                        pgshift_catalog::quote::ident(&column)
                    ))?;
                    if expr.is_empty() {
                        return Err(CliError::usage("no backfill value given").hint("pass --backfill TABLE.COLUMN=EXPR"));
                    }
                    options.backfills.insert((table, column), expr);
                }
            }
            Err(e) => {
                return Err(CliError::usage(e.to_string()).hint(
                    "e.g. --backfill public.document.slug=\"lower(title)\"; the expression may use the row's other columns",
                ))
            }
        }
    }
}

/// The CLI's answers to a workflow's questions: on a terminal, asked; otherwise none (the
/// flags given were already passed in), and the workflow refuses naming the flag to pass.
pub struct Prompt {
    /// Whether questions may be asked ([`interactive`]).
    pub interactive: bool,
}

impl pgshift_project::autogen::Answers for Prompt {
    /// On a terminal, the answer to the question; otherwise undecided (the flags `--rename` and
    /// `--no-rename` decide before this is asked).
    fn rename(&mut self, candidate: &pgshift_diff::RenameCandidate) -> Option<bool> {
        if !self.interactive {
            return None;
        }
        ask_yes(&format!("Is {} renamed to {}? (no: it is dropped with its data)", candidate.from, candidate.to)).ok()
    }

    fn backfill(&mut self, table: &QualName, column: &str) -> Option<String> {
        if !self.interactive {
            return None;
        }
        ask(&format!(
            "Value for existing rows of new NOT NULL column {table}.{} (SQL expression): ",
            pgshift_catalog::quote::ident(column)
        ))
        .ok()
        .filter(|e| !e.is_empty())
    }

    /// On a terminal, one question for all of them; otherwise not asked.
    fn destructive(&mut self, what: &[String]) -> Option<bool> {
        if !self.interactive {
            return None;
        }
        let list: String = what.iter().map(|w| format!("  {w}\n")).collect();
        ask_yes(&format!("This migration loses data:\n{list}Write it? (the file records your consent)")).ok()
    }
}

/// Warn about changes the planner cannot carry out.
pub fn warn_unsupported(diff: &Diff) {
    for change in &diff.changes {
        for h in &change.hazards {
            if let pgshift_diff::Hazard::Unsupported(m) = h {
                eprintln!("warning: not planned: {m}");
            }
        }
    }
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
