//! `pgshift current`, `history` and `heads`: read-only views of the revision graph and of
//! where a database stands, as text or `--json` (the JSON shapes are defined here); and
//! `pgshift merge`, which writes the revision that joins several heads.
//!
//! Must not: write to a database (`current` reads the ledger without creating it).

use clap::Args;
use pgshift_history::{Draft, MigrationFile, RevisionGraph, RevisionId};
use serde::Serialize;

use super::migrate::{options, ProjectArgs};
use super::{json, print};
use crate::config::Config;
use crate::error::{CliError, ExitStatus};

/// Arguments of the read-only revision commands.
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// One revision in JSON output.
#[derive(Debug, Serialize)]
struct RevisionJson {
    revision: String,
    parents: Vec<String>,
    message: String,
    path: String,
    head: bool,
}

fn revision_json(graph: &RevisionGraph, id: &RevisionId) -> Option<RevisionJson> {
    let file = graph.get(id)?;
    Some(RevisionJson {
        revision: id.to_string(),
        parents: file.parents.iter().map(ToString::to_string).collect(),
        message: file.message.clone(),
        path: file.path.display().to_string(),
        head: graph.children(id).is_empty(),
    })
}

fn line(r: &RevisionJson) -> String {
    let parents = if r.parents.is_empty() { "<base>".to_owned() } else { r.parents.join(", ") };
    let head = if r.head { " (head)" } else { "" };
    format!("{parents} -> {}{head} {}\n", r.revision, r.message)
}

/// `pgshift current` in JSON.
#[derive(Debug, Serialize)]
struct CurrentJson {
    current: Vec<String>,
    applied: Vec<String>,
    pending: Vec<String>,
    unknown: Vec<String>,
}

fn strings(ids: &[RevisionId]) -> Vec<String> {
    ids.iter().map(ToString::to_string).collect()
}

/// Run `pgshift current`: the revisions the database is at.
pub async fn current(args: &ViewArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let graph = args.project.graph(config)?;
    let client = args.project.connect(config).await?;
    let status = pgshift_history::status(&client, &graph, &options(config)).await?;
    if args.json {
        let applied: Vec<RevisionId> = status.applied.iter().cloned().collect();
        let out = CurrentJson {
            current: strings(&status.current),
            applied: strings(&applied),
            pending: strings(&status.pending),
            unknown: strings(&status.unknown),
        };
        return print(&json(&out)?).map(|()| ExitStatus::Clean);
    }
    let mut out = String::new();
    if status.current.is_empty() && status.unknown.is_empty() {
        out.push_str("<base> (nothing applied)\n");
    }
    for id in &status.current {
        let message = graph.get(id).map(|f| f.message.as_str()).unwrap_or_default();
        let head = if graph.children(id).is_empty() { " (head)" } else { "" };
        out.push_str(&format!("{id}{head} {message}\n"));
    }
    for id in &status.unknown {
        out.push_str(&format!("{id} (applied, but no migration file declares it)\n"));
    }
    print(&out)?;
    if !status.pending.is_empty() {
        eprintln!("{} revision(s) pending; run `pgshift upgrade`", status.pending.len());
    }
    Ok(ExitStatus::Clean)
}

/// Run `pgshift history`: every revision, newest first.
pub async fn history(args: &ViewArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let graph = args.project.graph(config)?;
    let revisions: Vec<RevisionJson> = graph.ordered().iter().rev().filter_map(|id| revision_json(&graph, id)).collect();
    if args.json {
        return print(&json(&revisions)?).map(|()| ExitStatus::Clean);
    }
    print(&revisions.iter().map(line).collect::<String>()).map(|()| ExitStatus::Clean)
}

/// Run `pgshift heads`: the revisions without children.
pub async fn heads(args: &ViewArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let graph = args.project.graph(config)?;
    let heads: Vec<RevisionJson> = graph.heads().iter().filter_map(|id| revision_json(&graph, id)).collect();
    if args.json {
        return print(&json(&heads)?).map(|()| ExitStatus::Clean);
    }
    print(&heads.iter().map(line).collect::<String>())?;
    if heads.len() > 1 {
        eprintln!("hint: {} heads; run `pgshift merge` to join them", heads.len());
    }
    Ok(ExitStatus::Clean)
}

/// Arguments of `pgshift merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The merge revision's message.
    #[arg(short, long, default_value = "merge heads")]
    pub message: String,
    /// Revisions to merge (default: every head).
    pub revisions: Vec<String>,
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Run `pgshift merge`: write a revision whose parents are the given revisions (every head by
/// default), with no SQL of its own, so that the history has one head again. Prints its path.
pub async fn merge(args: &MergeArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let graph = args.project.graph(config)?;
    let parents: Vec<RevisionId> = if args.revisions.is_empty() {
        graph.heads()
    } else {
        args.revisions.iter().map(|spec| graph.resolve(spec)).collect::<Result<_, _>>()?
    };
    if parents.len() < 2 {
        return Err(CliError::usage(format!("nothing to merge: {} head(s)", parents.len()))
            .hint("merge joins two or more heads; `pgshift heads` lists them"));
    }
    let draft = Draft::new(parents, &args.message);
    let path = args.project.dir(config).join(draft.file_name());
    let text = draft.render();
    // The draft must read back as the revision it is (the same parser every command uses).
    MigrationFile::parse(&path, &text)?;
    pgshift_history::write_new(&path, text.as_bytes())?;
    print(&format!("{}\n", path.display()))?;
    Ok(ExitStatus::Clean)
}
