//! `pgshift adopt`: take over a database that pgshift did not build (an Alembic-managed one,
//! or one made by `create_all` or by hand). Writes a baseline or a bridge revision when one is
//! needed and stamps the ledger; never runs DDL on the database (a bridge is applied by the
//! next `pgshift upgrade`, after review).

use clap::Args;
use pgshift_project::adopt::Adopted;

use super::migrate::ProjectArgs;
use super::{decide, print};
use crate::config::Config;
use crate::error::{CliError, ExitStatus};
use crate::project::workspace_for;

/// Arguments of `pgshift adopt`.
#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// The Alembic revision the database is at (default: read from alembic_version).
    #[arg(long, value_name = "REV")]
    pub alembic_revision: Option<String>,
    /// SQL expression filling a NOT NULL column the database lacks: schema.table.column=EXPR (repeatable).
    #[arg(long, value_name = "TABLE.COLUMN=EXPR")]
    pub backfill: Vec<String>,
    /// Refuse (exit 2) when a schema holds objects pgshift cannot represent yet, instead of
    /// warning that the migration leaves them out.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Run `pgshift adopt`.
pub async fn run(args: &AdoptArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let (_, plan_options) = decide::options(&[], &args.backfill)?;
    let client = args.project.connect(config).await?;
    let ws = workspace_for(config, &args.project).await?;
    let prepared = pgshift_project::autogen::prepare(&ws).await?;
    super::report_unmodelled(&[&prepared.history.catalog, &prepared.desired], args.strict)?;
    let adopted = pgshift_project::adopt::run(&ws, &client, &prepared, args.alembic_revision.as_deref(), &plan_options).await?;
    match adopted {
        Adopted::Already { current } => {
            let at: Vec<String> = current.iter().map(ToString::to_string).collect();
            eprintln!("already adopted: the ledger is at {}", if at.is_empty() { "<base>".to_owned() } else { at.join(", ") });
        }
        Adopted::Baseline { path, revision } => {
            eprintln!("wrote the baseline {revision} (the owned objects as they are live) and stamped it as applied; no DDL ran");
            eprintln!("next: `pgshift new \"…\"` writes the migration from the baseline to schema/");
            print(&format!("{}\n", path.display()))?;
        }
        Adopted::AtHead { revision } => {
            eprintln!("the database's owned objects match the history's head: stamped {revision}; no DDL ran");
        }
        Adopted::Bridge { path, revision, stamped } => {
            eprintln!(
                "the database differs from the history's head {stamped}: wrote the bridge {revision} (idempotent: a no-op on \
                 databases already at the head) and stamped {stamped}"
            );
            eprintln!("next: review the bridge, then `pgshift upgrade` applies it");
            print(&format!("{}\n", path.display()))?;
        }
    }
    Ok(ExitStatus::Clean)
}
