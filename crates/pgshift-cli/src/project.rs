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
        e @ ProjectError::Clash(_) => CliError::usage(e.to_string()).hint(CLASH_HINT),
        ProjectError::Draft { file, source } => {
            let inner = apply_error(source);
            let mut err = CliError {
                message: format!("the generated migration {file} failed on a scratch database"),
                causes: vec![inner.message],
                hint: None,
                code: crate::error::USAGE,
            };
            err.causes.extend(inner.causes);
            err.hint(
                "nothing was written (the file named above does not exist); this is a pgshift bug worth reporting with the \
                 schema involved, or write the migration by hand with `pgshift new --empty`",
            )
        }
        ProjectError::Ledger { context, source } => {
            let inner = apply_error(source);
            let mut err = CliError { message: context, causes: vec![inner.message], hint: inner.hint, code: inner.code };
            err.causes.extend(inner.causes);
            err
        }
        ProjectError::Refused(m) => CliError::usage(m).hint("nothing was written"),
    }
}

/// What to do about a name clash (DESIGN.md, ownership rule 3).
pub const CLASH_HINT: &str = "nothing was written and the database was not touched; if the object is the other system's and \
     we only reference it, declare it in externals/ (a CREATE statement of its shape); otherwise rename ours in schema/";

/// The database's ownership for the project of `config` (DESIGN.md, ownership rules 1 to 3).
pub async fn ownership(config: &Config, client: &tokio_postgres::Client) -> Result<pgshift_project::owned::Ownership, CliError> {
    let ws = workspace(config).await?;
    let graph = ws.project().graph().map_err(project_error)?;
    let externals = ws.externals().await.map_err(project_error)?;
    let desired = ws.desired(&externals).await.map_err(project_error)?;
    pgshift_project::owned::Ownership::read(&ws, client, &graph, &externals, &desired).await.map_err(project_error)
}

/// The filter through which the project sees the live database behind `client`: `base`, seeing
/// only what the history owns at the database's revision and what `schema/` declares (minus
/// foreign objects a declared name clashes with), plus `own_schemas`, never the ledger. With
/// `refuse`, a name clash is an error (`diff`); without, a warning that names no object
/// (`inspect`).
pub async fn ownership_filter(
    config: &Config,
    client: &tokio_postgres::Client,
    base: &pgshift_catalog::ObjectFilter,
    refuse: bool,
) -> Result<pgshift_catalog::ObjectFilter, CliError> {
    let ownership = ownership(config, client).await?;
    if refuse {
        ownership.refuse_clashes().map_err(project_error)?;
    } else if !ownership.clashes.is_empty() {
        eprintln!(
            "warning: {} name(s) of schema/ are another system's objects in this database; those objects are not shown \
             (`pgshift status --co-tenants` lists the clashes)",
            ownership.clashes.len()
        );
    }
    // `base` already holds the configuration's `ignore` patterns (FilterArgs::filter).
    let ledger_schema = config.ledger_schema.clone().unwrap_or_else(|| "public".to_owned());
    Ok(ownership.filter(base, &ledger_schema))
}
