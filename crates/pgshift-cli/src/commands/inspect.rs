//! `pgshift inspect [SOURCE]`: print a schema as canonical SQL (or `--json`).
//!
//! SOURCE is a database URL (default: the URL in `DATABASE_URL`), or a `.sql` file or a
//! directory of them, loaded into a fresh scratch database that is dropped afterwards.

use std::path::PathBuf;

use clap::Args;
use pgshift_catalog::{Catalog, FilterSpec, ObjectFilter};
use pgshift_source::Source;

use super::{json, print, scratch_error};
use crate::config::Config;
use crate::connect;
use crate::error::CliError;

/// Arguments of `pgshift inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A database URL, or a .sql file or directory to load into a scratch database.
    /// Default: the URL in $DATABASE_URL (or the variable named by database_url_env).
    pub source: Option<String>,
    /// Print the catalog as JSON instead of SQL.
    #[arg(long)]
    pub json: bool,
    /// Only these schemas (repeatable).
    #[arg(long = "schema", value_name = "SCHEMA")]
    pub schemas: Vec<String>,
    /// Never these schemas (repeatable).
    #[arg(long = "exclude-schema", value_name = "SCHEMA")]
    pub exclude_schemas: Vec<String>,
    /// Only objects matching PATTERN: `name`, `schema.name`, globs, "Quoted" for exact (repeatable).
    #[arg(long, value_name = "PATTERN")]
    pub include: Vec<String>,
    /// Never objects matching PATTERN (repeatable).
    #[arg(long, value_name = "PATTERN")]
    pub exclude: Vec<String>,
}

impl InspectArgs {
    fn filter(&self, config: &Config) -> Result<ObjectFilter, CliError> {
        let mut exclude = self.exclude.clone();
        exclude.extend(config.ignore.iter().cloned());
        let mut exclude_schemas = self.exclude_schemas.clone();
        exclude_schemas.extend(config.ignore_schemas.iter().cloned());
        FilterSpec { include_schemas: self.schemas.clone(), exclude_schemas, include: self.include.clone(), exclude }
            .compile()
            .map_err(|e| {
                CliError::usage(e.to_string())
                    .hint("patterns are `name` or `schema.name`; `*` and `?` are globs; double-quote a part to match it exactly")
            })
    }
}

/// Run `pgshift inspect`.
pub async fn run(args: &InspectArgs, config: &Config) -> Result<u8, CliError> {
    let filter = args.filter(config)?;
    let source = match &args.source {
        Some(s) => s.clone(),
        None => std::env::var(config.database_url_env()).map_err(|_| {
            CliError::usage(format!("no database to inspect: ${} is not set", config.database_url_env()))
                .hint("pass a database URL or a .sql file/directory: `pgshift inspect postgresql://…` or `pgshift inspect schema/`")
        })?,
    };
    let catalog = if connect::is_database_url(&source) {
        inspect_database(&source, &filter).await?
    } else {
        inspect_sql(PathBuf::from(&source), &filter, config).await?
    };
    for note in &catalog.diagnostics {
        eprintln!("warning: {note}");
    }
    if args.json {
        print(&json(&catalog)?)?;
    } else {
        print(&pgshift_catalog::render(&catalog))?;
    }
    Ok(0)
}

async fn inspect_database(url: &str, filter: &ObjectFilter) -> Result<Catalog, CliError> {
    let target = connect::parse(url)?;
    let client = connect::connect(&target).await?;
    pgshift_inspect::inspect(&client, filter).await.map_err(|e| inspect_error(&target.display, e))
}

fn inspect_error(target: &str, e: pgshift_inspect::InspectError) -> CliError {
    let privileges = matches!(&e, pgshift_inspect::InspectError::Query { source, .. }
        if source.code() == Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE));
    let message = format!("could not inspect {target}");
    let mut err = CliError::database(message).caused_by(&e);
    if let pgshift_inspect::InspectError::Query { source, .. } = &e {
        if let Some(db) = source.as_db_error() {
            err.causes.push(format!("{}: {} ({})", db.severity(), db.message(), db.code().code()));
        }
    }
    err.hint(if privileges {
        "the role needs to read the pg_catalog tables (the default for every role); ask the database owner"
    } else {
        "check that the URL points to a PostgreSQL 13 or later server and that the connection stays up"
    })
}

async fn inspect_sql(path: PathBuf, filter: &ObjectFilter, config: &Config) -> Result<Catalog, CliError> {
    let source = Source::Sql(path);
    let files = source.files().map_err(|e| {
        CliError::usage(e.to_string()).hint("pass a database URL, a .sql file, or a directory holding .sql files")
    })?;
    let server = pgshift_scratch::ScratchServer::ensure(&config.scratch()).await.map_err(scratch_error)?;
    let db = server.create_database(None).await.map_err(scratch_error)?;
    let client = db.connect().await.map_err(scratch_error)?;
    let loaded = pgshift_source::load(&client, &files).await;
    let result = match loaded {
        Ok(()) => pgshift_inspect::inspect(&client, filter).await.map_err(|e| inspect_error("the scratch database", e)),
        Err(e) => Err(CliError::usage(e.to_string())
            .hint("fix the statement at that line; the files load in file-name order into an empty database")),
    };
    drop(client);
    if let Err(e) = db.drop_now().await {
        eprintln!("warning: could not drop scratch database: {e}");
    }
    result
}
