//! The project as the configuration describes it (shared by `new`, `check`, `status`, `adopt`,
//! `seed` and the live side of `inspect`/`diff`).

use pgshift_catalog::FilterSpec;
use pgshift_project::{Project, Workspace};

use crate::commands::migrate::ProjectArgs;
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
        sources: config.sources(),
        externals_dir: config.externals_dir(),
        migrations_dir: config.migrations_dir(),
        own_schemas: config.own_schemas.clone(),
        filter,
        ledger_schema: config.ledger_schema.clone().unwrap_or_else(|| "public".to_owned()),
        lint: config.lint_settings(),
    })
}

/// The project of `config` on the scratch server.
pub async fn workspace(config: &Config) -> Result<Workspace, CliError> {
    Ok(Workspace::open(project(config)?, &config.scratch()).await?.with_progress(crate::progress::revisions("replaying", true)))
}

/// The project of `config`, with `--migrations` from `args`, on the scratch server.
pub async fn workspace_for(config: &Config, args: &ProjectArgs) -> Result<Workspace, CliError> {
    let mut project = project(config)?;
    project.migrations_dir = args.dir(config);
    Ok(Workspace::open(project, &config.scratch()).await?.with_progress(crate::progress::revisions("replaying", true)))
}

/// The database's ownership for the project of `config` (DESIGN.md, ownership rules 1 to 3).
pub async fn ownership(config: &Config, client: &tokio_postgres::Client) -> Result<pgshift_project::owned::Ownership, CliError> {
    let ws = workspace(config).await?;
    let graph = ws.project().graph()?;
    let externals = ws.externals().await?;
    let desired = ws.desired(&externals).await?;
    Ok(pgshift_project::owned::Ownership::read(&ws, client, &graph, &externals, &desired).await?)
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
        ownership.refuse_clashes()?;
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
