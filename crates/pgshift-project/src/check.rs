//! `pgshift check`: (a) does the history reach `schema/` (or is a migration missing), and
//! (b) does a live database hold what its ledger says (drift in owned objects).
//!
//! Owns: the findings and the SQL that would fix each. A live database is read only through
//! the ownership filter (owned at its revision ∪ desired ∪ `own_schemas`, minus `ignore`, minus
//! foreign objects a desired name clashes with), so a foreign object is never reported as
//! drift and no fix SQL ever names one; a name clash is refused before anything is compared
//! (see [`crate::owned::Ownership`]).

use pgshift_catalog::Catalog;
use pgshift_diff::{Diff, DiffOptions};
use pgshift_history::{ApplyOptions, RevisionGraph, RevisionId};
use serde::Serialize;
use tokio_postgres::Client;

use crate::autogen::{summary, Prepared};
use crate::owned::{names, Ownership};
use crate::workspace::{Externals, Workspace};
use crate::ProjectError;

/// What differs between two states, and how to fix it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Finding {
    /// Objects the reference has and the checked side lacks.
    pub missing: Vec<String>,
    /// Objects the checked side has and the reference lacks.
    pub extra: Vec<String>,
    /// Objects on both sides that differ.
    pub changed: Vec<String>,
    /// Renames, as `old → new`.
    pub renamed: Vec<String>,
    /// The SQL that turns the checked side into the reference (`None` when it needs answers,
    /// e.g. a backfill value).
    pub sql: Option<String>,
}

impl Finding {
    /// The finding for turning `from` into `to`; `None` when they agree.
    pub fn between(from: &Catalog, to: &Catalog) -> Option<Finding> {
        let diff: Diff = pgshift_diff::diff(from, to, &DiffOptions::default());
        if diff.changes.is_empty() {
            return None;
        }
        let s = summary(&diff.changes);
        let sql = pgshift_plan::plan(from, to, &diff, &Default::default()).ok().map(|p| p.to_sql());
        Some(Finding { missing: s.created, extra: s.dropped, changed: s.altered, renamed: s.renamed, sql })
    }
}

/// (a) The history's head against `schema/`: `Some` when a migration is missing.
pub fn missing_migration(prepared: &Prepared) -> Option<Finding> {
    Finding::between(&prepared.history.catalog, &prepared.desired)
}

/// Everything `pgshift check` finds, as data.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Report {
    /// (a) schema/ differs from the history's head: a migration is missing.
    pub missing_migration: Option<Finding>,
    /// (b) the live database against its revision (`None`: no database was checked).
    pub drift: Option<Drift>,
    /// Where `externals/` does not match the foreign objects it declares (warnings, not
    /// findings).
    pub externals: Vec<String>,
    /// The scratch server's major version differs from the database's (a warning).
    #[serde(skip)]
    pub version_warning: Option<String>,
    /// What the lint rules say about the migrations pending on the live database.
    pub lint: Vec<pgshift_lint::Finding>,
}

impl Report {
    /// Whether anything was found (a missing migration, or drift): `check` exits 1.
    pub fn found(&self) -> bool {
        self.missing_migration.is_some()
            || self.drift.as_ref().is_some_and(|d| d.finding.is_some() || !d.not_adopted.is_empty())
            || pgshift_lint::has_errors(&self.lint)
    }
}

/// The whole check: (a) always, (b) and the warnings when a live database is given. Refused
/// with [`ProjectError::Clash`] when a desired name is a foreign object's there.
pub async fn run(ws: &Workspace, prepared: &Prepared, client: Option<&Client>) -> Result<Report, ProjectError> {
    let missing_migration = missing_migration(prepared);
    let Some(client) = client else {
        return Ok(Report { missing_migration, drift: None, externals: Vec::new(), version_warning: None, lint: Vec::new() });
    };
    let drift = drift(ws, client, &prepared.graph, &prepared.externals, &prepared.desired).await?;
    let externals = externals_mismatch(client, &prepared.externals.catalog, &ws.project().filter).await?;
    let version_warning = version_warning(ws, client).await?;
    let lint = pending_findings(ws, client, &prepared.graph).await?;
    Ok(Report { missing_migration, drift: Some(drift), externals, version_warning, lint })
}

/// The lint findings of the migrations pending on the database behind `client`.
pub async fn pending_findings(ws: &Workspace, client: &Client, graph: &RevisionGraph) -> Result<Vec<pgshift_lint::Finding>, ProjectError> {
    let project = ws.project();
    let options = ApplyOptions { ledger_schema: project.ledger_schema.clone(), ..ApplyOptions::default() };
    let status = pgshift_history::status(client, graph, &options)
        .await
        .map_err(ProjectError::ledger("cannot read which migrations are pending"))?;
    if status.pending.is_empty() {
        return Ok(Vec::new());
    }
    Ok(crate::lint::Files::read(project)?.lint(project, &status.pending))
}

/// (b) A live database against the revision its ledger names.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Drift {
    /// The revision the ledger says the database is at (`None`: no ledger, nothing applied).
    pub revision: Option<String>,
    /// What differs in owned objects; the SQL turns the live database into that revision.
    pub finding: Option<Finding>,
    /// A database pgshift did not build (no revision applied or stamped) that already holds
    /// objects `schema/` declares: they are not compared (a fix would drop them with their
    /// rows); `pgshift adopt` takes them over.
    pub not_adopted: Vec<String>,
}

/// Compare the live database behind `client` with the history at its ledger's revision
/// (refused with [`ProjectError::Clash`] when a desired name is a foreign object's).
pub async fn drift(
    ws: &Workspace,
    client: &Client,
    graph: &RevisionGraph,
    externals: &Externals,
    desired: &Catalog,
) -> Result<Drift, ProjectError> {
    let at = live_revision(client, graph, &ws.project().ledger_schema).await?;
    let history = ws.history(externals, graph, at.as_ref()).await?;
    let ownership = Ownership::with_history(ws, client, &history.catalog, externals, desired, at.clone(), at.is_some()).await?;
    ownership.refuse_clashes()?;
    if !ownership.adopted && !ownership.adoptable.is_empty() {
        let mut not_adopted: Vec<String> = ownership.adoptable.iter().map(ToString::to_string).collect();
        not_adopted.sort();
        not_adopted.dedup();
        return Ok(Drift { revision: None, finding: None, not_adopted });
    }
    let live = read_live(ws, client, &ownership).await?;
    let want = crate::owned::filtered(history.catalog, &ws.project().filter);
    Ok(Drift { revision: at.map(|r| r.to_string()), finding: Finding::between(&live, &want), not_adopted: Vec::new() })
}

/// The single revision the ledger of the database behind `client` is at (`None` when nothing
/// is applied). Several current revisions, or revisions no file declares, are errors.
pub async fn live_revision(client: &Client, graph: &RevisionGraph, ledger_schema: &str) -> Result<Option<RevisionId>, ProjectError> {
    let options = ApplyOptions { ledger_schema: ledger_schema.to_owned(), ..ApplyOptions::default() };
    let ledger = pgshift_history::Ledger::new(ledger_schema);
    let applied: Vec<RevisionId> = ledger
        .read(client)
        .await
        .map_err(|e| ProjectError::ledger("cannot read the ledger")(e.into()))?
        .into_keys()
        .collect();
    let unknown: Vec<String> = applied.iter().filter(|id| !graph.contains(id)).map(|id| id.to_string()).collect();
    if !unknown.is_empty() {
        return Err(ProjectError::Refused(format!(
            "the database's ledger names revision(s) that no migration file declares: {}; \
             update the migrations directory to the version that was deployed",
            unknown.join(", ")
        )));
    }
    let status = pgshift_history::status(client, graph, &options)
        .await
        .map_err(ProjectError::ledger("cannot read where the database stands"))?;
    match status.current.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        many => Err(ProjectError::Refused(format!(
            "the database is at several revisions ({}); upgrade it to one head first (`pgshift merge`, then `pgshift upgrade`)",
            many.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// Read the live database's owned objects: [`Ownership::names`], minus the `ignore` patterns
/// and the ledger.
pub async fn read_live(ws: &Workspace, client: &Client, ownership: &Ownership) -> Result<Catalog, ProjectError> {
    let project = ws.project();
    let filter = ownership.filter(&project.filter, &project.ledger_schema);
    Ok(pgshift_inspect::inspect(client, &filter).await?)
}

/// Where `externals/` does not match the foreign objects of the live database: a declared
/// table, view, sequence or type that does not exist, a declared column that is missing or has
/// another type, a declared unique/primary key the table lacks, enum labels that differ. A
/// foreign object with more than `externals/` declares is fine (declaring the part we use is
/// the point).
pub async fn externals_mismatch(client: &Client, externals: &Catalog, base: &pgshift_catalog::ObjectFilter) -> Result<Vec<String>, ProjectError> {
    let names = names(&[externals], &[]);
    let live = pgshift_inspect::inspect(client, &base.clone().with_owned(names)).await?;
    let mut out = Vec::new();
    for (name, declared) in &externals.tables {
        let Some(real) = live.tables.get(name) else {
            out.push(format!("table {name} is declared in externals/ but does not exist in the database"));
            continue;
        };
        for col in &declared.columns {
            match real.columns.iter().find(|c| c.name == col.name) {
                None => out.push(format!("column {name}.{} is declared in externals/ but the table has no such column", pgshift_catalog::quote::ident(&col.name))),
                Some(r) if r.data_type != col.data_type => out.push(format!(
                    "column {name}.{} is {} in externals/ but {} in the database",
                    pgshift_catalog::quote::ident(&col.name),
                    col.data_type,
                    r.data_type
                )),
                Some(_) => {}
            }
        }
        for (cname, c) in &declared.constraints {
            let same = real.constraints.values().any(|r| r.definition == c.definition);
            if !same && (c.definition.starts_with("PRIMARY KEY") || c.definition.starts_with("UNIQUE")) {
                out.push(format!("{name} has no `{}` in the database (externals/ declares it as {cname})", c.definition));
            }
        }
    }
    for name in externals.views.keys().filter(|n| !live.views.contains_key(*n)) {
        out.push(format!("view {name} is declared in externals/ but does not exist in the database"));
    }
    for name in externals.sequences.keys().filter(|n| !live.sequences.contains_key(*n)) {
        out.push(format!("sequence {name} is declared in externals/ but does not exist in the database"));
    }
    for (name, declared) in &externals.types {
        match live.types.get(name) {
            None => out.push(format!("type {name} is declared in externals/ but does not exist in the database")),
            Some(real) if real.kind != declared.kind => {
                out.push(format!("type {name} differs: externals/ declares {:?}, the database has {:?}", declared.kind, real.kind))
            }
            Some(_) => {}
        }
    }
    Ok(out)
}

/// The words of a major-version mismatch between the live database and the scratch server,
/// with how to match them.
pub fn mismatch(live_major: u32, scratch_major: u32) -> String {
    format!(
        "the database runs PostgreSQL {live_major} and the scratch server {scratch_major}: migrations are verified on \
         {scratch_major}, and definitions may print differently across versions; set scratch_version = \"{live_major}\" in pgshift.toml \
         (or pass --pg-version {live_major}; `pgshift scratch install --pg-version {live_major}` fetches the binaries), or point \
         scratch_url at a PostgreSQL {live_major} server"
    )
}

/// A warning when the live database's major version differs from the scratch server's: the
/// history is replayed and the schema loaded on the scratch server, and Postgres prints some
/// definitions differently across versions (set `scratch_url` to a server of the same version).
pub async fn version_warning(ws: &Workspace, client: &Client) -> Result<Option<String>, ProjectError> {
    let live: String = client
        .query_one("SELECT current_setting('server_version_num')", &[])
        .await
        .map_err(ProjectError::db("cannot read the server version"))?
        .get(0);
    let live_major = live.parse::<u32>().unwrap_or(0) / 10000;
    let scratch_major = ws.server().major();
    Ok((live_major != scratch_major).then(|| {
        format!(
            "{}",
            mismatch(live_major, scratch_major)
        )
    }))
}
