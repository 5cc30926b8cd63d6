//! The project as the configuration describes it, and the project workflows' errors as the
//! user sees them (shared by `new`, `check`, `status` and `adopt`).

use pgshift_catalog::FilterSpec;
use pgshift_project::{Project, ProjectError, Workspace};

use crate::commands::migrate::{apply_error, history_error, ProjectArgs};
use crate::commands::scratch_error;
use crate::config::Config;
use crate::error::CliError;

/// The project of `config`.
pub fn project(config: &Config) -> Result<Project, CliError> {
    let filter = FilterSpec {
        exclude_schemas: config.ignore_schemas.clone(),
        exclude: config.ignore.clone(),
        ..FilterSpec::default()
    }
    .compile()
    .map_err(|e| CliError::usage(format!("pgshift.toml: ignore: {e}")).hint("patterns are `name` or `schema.name`; `*` and `?` are globs"))?;
    Ok(Project {
        schema_dir: config.schema_dir(),
        externals_dir: config.externals_dir(),
        migrations_dir: config.migrations_dir(),
        own_schemas: config.own_schemas.clone(),
        filter,
        ledger_schema: config.ledger_schema.clone().unwrap_or_else(|| "public".to_owned()),
    })
}

/// The project of `config` on the scratch server.
pub async fn workspace(config: &Config) -> Result<Workspace, CliError> {
    Workspace::open(project(config)?, &config.scratch()).await.map_err(project_error)
}

/// The project of `config`, with `--migrations` from `args`, on the scratch server.
pub async fn workspace_for(config: &Config, args: &ProjectArgs) -> Result<Workspace, CliError> {
    let mut project = project(config)?;
    project.migrations_dir = args.dir(config);
    Workspace::open(project, &config.scratch()).await.map_err(project_error)
}

/// A workflow error as the user sees it.
pub fn project_error(e: ProjectError) -> CliError {
    match e {
        ProjectError::Schema(e) => CliError::usage(format!("the desired schema does not load: {e}"))
            .hint("fix the statement at that line; schema/ loads in file-name order after externals/ into an empty database"),
        ProjectError::Externals(e) => CliError::usage(format!("externals/ does not load: {e}"))
            .hint("externals/ declares the foreign objects we reference (CREATE TABLE … of their shape); it loads first"),
        ProjectError::Scratch(e) => scratch_error(e),
        ProjectError::Inspect(e) => CliError::database("could not read a scratch database's catalog").caused_by(&e),
        ProjectError::History(e) => history_error(e),
        ProjectError::Apply { context, source } => {
            // Replays run on scratch databases only: the engine's hints about the live
            // database do not apply.
            let inner = apply_error(source);
            let mut err = CliError { message: context, causes: vec![inner.message], hint: None, code: inner.code };
            err.causes.extend(inner.causes);
            err.hint("fix the migration file named above (it replays on an empty database); nothing was written")
        }
        ProjectError::Db { context, source } => CliError::database(context).caused_by(&source),
        ProjectError::Io { path, source } => CliError::usage(format!("{}: {source}", path.display())),
        ProjectError::Plan(e) => CliError::usage(e.to_string())
            .hint("pass --backfill schema.table.column=EXPR (the expression may use the row's other columns)"),
        e @ ProjectError::Verify { .. } => CliError::usage(e.to_string()).hint(
            "nothing was written; this is a pgshift bug worth reporting with the schema involved, or write the migration by hand with `pgshift new --empty`",
        ),
        ProjectError::Refused(m) => CliError::usage(m),
    }
}

/// The filter through which the project sees the live database behind `client`: `base`, seeing
/// only what the history owns at the database's revision and what `schema/` declares, plus
/// `own_schemas`, never the ledger.
pub async fn ownership_filter(
    config: &Config,
    client: &tokio_postgres::Client,
    base: &pgshift_catalog::ObjectFilter,
) -> Result<pgshift_catalog::ObjectFilter, CliError> {
    let ws = workspace(config).await?;
    let graph = ws.project().graph().map_err(project_error)?;
    let at = pgshift_project::check::live_revision(client, &graph, &ws.project().ledger_schema).await.map_err(project_error)?;
    let externals = ws.externals().await.map_err(project_error)?;
    let (history, desired) =
        tokio::try_join!(ws.history(&externals, &graph, at.as_ref()), ws.desired(&externals)).map_err(project_error)?;
    let owned = pgshift_project::owned::names(&[&history.catalog, &desired], &ws.project().own_schemas);
    // `base` already holds the configuration's `ignore` patterns (FilterArgs::filter).
    Ok(pgshift_project::owned::live_filter(base, owned, &ws.project().ledger_schema))
}
