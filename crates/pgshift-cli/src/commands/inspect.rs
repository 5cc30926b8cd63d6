//! `pgshift inspect [SOURCE]`: print a schema as canonical SQL (or `--json`).
//!
//! SOURCE is a database URL (default: the URL in `DATABASE_URL`), or a `.sql` file or a
//! directory of them, loaded into a fresh scratch database that is dropped afterwards; in a
//! project also `desired` (its schema sources, e.g. the models a command prints) or
//! `migrations` (the history at its head).

use clap::Args;

use super::{json, print};
use crate::config::Config;
use crate::error::{CliError, ExitStatus};
use crate::source::{self, FilterArgs, Live};

/// Arguments of `pgshift inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A database URL, or a .sql file or directory to load into a scratch database; in a
    /// project also `desired` (its schema sources) or `migrations` (the history at its head).
    /// Default: the URL in $DATABASE_URL (or the variable named by database_url_env).
    pub source: Option<String>,
    /// Print the catalog as JSON instead of SQL.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// Run `pgshift inspect`.
pub async fn run(args: &InspectArgs, config: &Config) -> Result<ExitStatus, CliError> {
    let filter = args.filter.filter(config)?;
    let spec = match &args.source {
        Some(s) => s.clone(),
        None => std::env::var(config.database_url_env()).map_err(|_| {
            CliError::usage(format!("no database to inspect: ${} is not set", config.database_url_env()))
                .hint("pass a database URL or a .sql file/directory: `pgshift inspect postgresql://…` or `pgshift inspect schema/`")
        })?,
    };
    let catalog = source::catalog(&spec, &filter, args.filter.ownership(config, Live::Owned), config).await?;
    for note in &catalog.diagnostics {
        eprintln!("warning: {note}");
    }
    if args.json {
        print(&json(&catalog)?)?;
    } else {
        print(&pgshift_catalog::render(&catalog))?;
    }
    Ok(ExitStatus::Clean)
}
