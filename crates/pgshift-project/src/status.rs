//! `pgshift status` as data: where a live database stands in the history (its ledger), whether
//! it is adopted, and who else lives in it (other tools' ledgers, name clashes between our
//! desired objects and foreign ones), with the warnings `check` also gives. Read-only.
//!
//! Owns: putting those facts together through the one [`Ownership`]; how they are printed (and
//! which foreign names may be printed at all) is the caller's.

use pgshift_history::{ApplyOptions, RevisionGraph};
use tokio_postgres::Client;

use crate::cotenant::{by_tool, foreign_ledgers, Clash, ForeignLedger};
use crate::owned::Ownership;
use crate::workspace::Workspace;
use crate::ProjectError;

/// Where a live database stands, and who else lives in it.
#[derive(Clone, Debug)]
pub struct Report {
    /// The history.
    pub graph: RevisionGraph,
    /// The ledger: applied, current, pending and unknown revisions.
    pub ledger: pgshift_history::Status,
    /// Whether a revision is applied or stamped.
    pub adopted: bool,
    /// Before adoption: how many objects `schema/` declares exist in the database already
    /// (what `adopt` would take over); 0 once adopted.
    pub adoptable: usize,
    /// Other tools' ledger tables.
    pub other_ledgers: Vec<ForeignLedger>,
    /// Other tools, with how many ledgers each has here.
    pub tools: Vec<(String, usize)>,
    /// Desired names that are foreign objects' here.
    pub clashes: Vec<Clash>,
    /// Where `externals/` does not match the foreign objects it declares.
    pub externals: Vec<String>,
    /// The scratch server's major version differs from the database's.
    pub version_warning: Option<String>,
}

/// Read where the database behind `client` stands.
pub async fn run(ws: &Workspace, client: &Client) -> Result<Report, ProjectError> {
    let project = ws.project();
    let graph = project.graph()?;
    let options = ApplyOptions { ledger_schema: project.ledger_schema.clone(), ..ApplyOptions::default() };
    let ledger = pgshift_history::status(client, &graph, &options)
        .await
        .map_err(|source| ProjectError::Ledger { context: "cannot read the ledger".to_owned(), source })?;
    let externals = ws.externals().await?;
    let desired = ws.desired(&externals).await?;
    // Owned now: what the history holds at the database's revision (when it has one).
    let at = match (ledger.current.as_slice(), ledger.unknown.is_empty()) {
        ([one], true) => Some(one.clone()),
        _ => None,
    };
    let adopted = !ledger.current.is_empty() || !ledger.unknown.is_empty();
    let history = ws.history(&externals, &graph, at.as_ref()).await?;
    let ownership = Ownership::with_history(ws, client, &history.catalog, &externals, &desired, at, adopted).await?;
    let other_ledgers = foreign_ledgers(client).await?;
    let tools = by_tool(&other_ledgers);
    let externals_warnings = crate::check::externals_mismatch(client, &externals.catalog, &project.filter).await?;
    let version_warning = crate::check::version_warning(ws, client).await?;
    Ok(Report {
        graph,
        ledger,
        adopted,
        adoptable: if adopted { 0 } else { ownership.adoptable.len() },
        other_ledgers,
        tools,
        clashes: ownership.clashes,
        externals: externals_warnings,
        version_warning,
    })
}
