//! `pgshift lint [FILE|REV…]`: the lint rules on migration files, as `file:line:col: severity
//! [rule] message` with the statement and a hint, or `--json`; exit 1 when a finding is an
//! error. `--rules` lists the rules with why they matter.

use std::path::Path;

use clap::Args;
use pgshift_lint::{Finding, Severity};

use super::migrate::ProjectArgs;
use super::{json, print};
use crate::config::Config;
use crate::error::{CliError, ExitStatus};

/// Arguments of `pgshift lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Migration files or plain `.sql` files, or revisions (an id or a unique prefix of one);
    /// default: every revision of the migrations directory.
    pub targets: Vec<String>,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
    /// List the rules (id, family, severity, what each catches, why, what to do instead).
    #[arg(long)]
    pub rules: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Run `pgshift lint`.
pub fn run(args: &LintArgs, config: &Config) -> Result<ExitStatus, CliError> {
    if args.rules {
        return list(args, &config.lint_settings());
    }
    let mut project = crate::project::project(config)?;
    project.migrations_dir = args.project.dir(config);
    let files = pgshift_project::lint::Files::read(&project)?;
    let mut findings = Vec::new();
    let mut revisions = Vec::new();
    for target in &args.targets {
        let path = Path::new(target);
        if path.is_file() {
            findings.extend(pgshift_project::lint::file(&project, &files, path)?);
        } else {
            revisions.push(files.resolve(target).map_err(|e| {
                CliError::from(e).hint("pass a migration file, a .sql file, or a revision id (`pgshift history` lists them)")
            })?);
        }
    }
    if args.targets.is_empty() || !revisions.is_empty() {
        findings.extend(files.lint(&project, &revisions));
    }
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    if args.json {
        print(&json(&findings)?)?;
    } else {
        print(&report(&findings))?;
        let warnings = findings.len() - errors;
        eprintln!(
            "{errors} error(s), {warnings} warning(s){}",
            if findings.is_empty() { "" } else { "; acknowledge one with `-- pgshift: allow RULE reason` above its statement" }
        );
    }
    Ok(ExitStatus::found(errors > 0))
}

/// Findings as the terminal shows them (also used by `new` and `check`).
pub fn report(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!("{f}\n"));
        if !f.statement.is_empty() {
            out.push_str(&format!("  | {}\n", pgshift_catalog::quote::comment_text(&f.statement)));
        }
        out.push_str(&format!("  hint: {}\n", f.hint));
    }
    out
}

fn list(args: &LintArgs, settings: &pgshift_lint::Settings) -> Result<ExitStatus, CliError> {
    #[derive(serde::Serialize)]
    struct RuleJson {
        id: &'static str,
        category: pgshift_lint::Category,
        severity: Severity,
        message: &'static str,
        why: &'static str,
        instead: &'static str,
    }
    let rules: Vec<RuleJson> = pgshift_lint::rules::ALL
        .iter()
        .map(|r| {
            let m = r.meta();
            RuleJson {
                id: m.id,
                category: m.category,
                severity: settings.severities.get(m.id).copied().unwrap_or(m.severity),
                message: m.message,
                why: m.why,
                instead: m.instead,
            }
        })
        .collect();
    if args.json {
        print(&json(&rules)?)?;
    } else {
        let mut out = String::new();
        for r in &rules {
            let category = serde_json::to_value(r.category).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            out.push_str(&format!("{} ({category}, {}): {}\n  why: {}\n  instead: {}\n", r.id, r.severity.as_str(), r.message, r.why, r.instead));
        }
        print(&out)?;
    }
    Ok(ExitStatus::Clean)
}
