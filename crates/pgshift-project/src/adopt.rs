//! `pgshift adopt`: take over a database that pgshift did not build (DESIGN.md, Adoption).
//!
//! Owns: deciding which live objects are ours before any ledger exists (the names `schema/` or
//! the history declares, exact and case-sensitive, plus `own_schemas`; never anything else),
//! and the three outcomes:
//! - no history yet: a **baseline** revision whose up section creates those objects as they
//!   are live, verified to replay to exactly that state, then stamped as applied (no DDL runs);
//! - history whose head the live objects match: the head is stamped (no DDL runs);
//! - history whose head they do not match (`create_all`, hand-made): a **bridge** revision after
//!   the head, planned in the plan's idempotent form (`PlanOptions::idempotent`: `IF NOT EXISTS`
//!   / `IF EXISTS` / `OR REPLACE`, and `DO` blocks guarded by a catalog query for the kinds
//!   without one; this module does not rewrite SQL), verified on a copy of the live state and
//!   on a database already at head (where it must change nothing); the head is stamped and the
//!   bridge left pending for review and `upgrade`.
//!
//! An Alembic-managed database (an `alembic_version` table) is recognized, its revision is
//! recorded in the log, and `alembic_version` is left alone.

use pgshift_catalog::Catalog;
use pgshift_diff::DiffOptions;
use pgshift_history::{ApplyOptions, Direction, Draft, DraftSection, MigrationFile, RevisionGraph, RevisionId};
use pgshift_plan::{Plan, PlanOptions};
use tokio_postgres::Client;

use crate::autogen::Prepared;
use crate::check::read_live;
use crate::owned::{subtract, Ownership};
use crate::workspace::Workspace;
use crate::ProjectError;

/// What adoption did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Adopted {
    /// The ledger already had revisions: nothing was done.
    Already {
        /// Where the ledger is.
        current: Vec<RevisionId>,
    },
    /// A baseline revision was written and stamped.
    Baseline {
        /// The file written.
        path: std::path::PathBuf,
        /// Its revision.
        revision: RevisionId,
    },
    /// The live objects match the head, which was stamped.
    AtHead {
        /// The head.
        revision: RevisionId,
    },
    /// A bridge revision was written; the head was stamped and the bridge is pending.
    Bridge {
        /// The file written.
        path: std::path::PathBuf,
        /// The bridge's revision.
        revision: RevisionId,
        /// The head that was stamped.
        stamped: RevisionId,
    },
}

/// The revision in `alembic_version`, if the database has that table (one row expected).
pub async fn alembic_revision(client: &Client) -> Result<Option<Vec<String>>, ProjectError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('public.alembic_version') IS NOT NULL", &[])
        .await
        .map_err(ProjectError::db("cannot look for alembic_version"))?
        .get(0);
    if !exists {
        return Ok(None);
    }
    let rows = client
        .query("SELECT version_num::text FROM public.alembic_version ORDER BY 1", &[])
        .await
        .map_err(ProjectError::db("cannot read alembic_version"))?;
    Ok(Some(rows.iter().map(|r| r.get(0)).collect()))
}

/// Adopt the database behind `client`. `alembic` is the Alembic revision it is at (checked
/// against `alembic_version` when that table exists); `message` names the written revision.
pub async fn run(
    ws: &Workspace,
    client: &Client,
    prepared: &Prepared,
    alembic: Option<&str>,
    plan_options: &PlanOptions,
) -> Result<Adopted, ProjectError> {
    let project = ws.project();
    let options = ApplyOptions { ledger_schema: project.ledger_schema.clone(), ..ApplyOptions::default() };
    let status = pgshift_history::status(client, &prepared.graph, &options)
        .await
        .map_err(ProjectError::ledger("cannot read the ledger"))?;
    if !status.unknown.is_empty() {
        let mut current = status.current.clone();
        current.extend(status.unknown.iter().cloned());
        return Ok(Adopted::Already { current });
    }
    // Name clashes are refused first, adopted or not (see `Ownership`): before adoption only
    // twins modulo case clash, since exact names are what adoption takes.
    let ownership = if status.applied.is_empty() {
        Ownership::with_history(ws, client, &prepared.history.catalog, &prepared.externals, &prepared.desired, None, false).await?
    } else {
        Ownership::read(ws, client, &prepared.graph, &prepared.externals, &prepared.desired).await?
    };
    ownership.refuse_clashes()?;
    if !status.applied.is_empty() {
        let mut current = status.current.clone();
        current.extend(status.unknown.iter().cloned());
        return Ok(Adopted::Already { current });
    }
    let alembic = match (alembic, alembic_revision(client).await?) {
        (Some(given), Some(table)) if !table.iter().any(|t| t == given) => {
            return Err(ProjectError::Refused(format!(
                "--alembic-revision {given} does not match alembic_version, which holds {}; \
                 the database is not at the revision you named",
                if table.is_empty() { "no row".to_owned() } else { table.join(", ") }
            )))
        }
        (Some(given), _) => Some(given.to_owned()),
        (None, Some(table)) if table.len() == 1 => Some(table[0].clone()),
        (None, Some(table)) if table.len() > 1 => {
            return Err(ProjectError::Refused(format!(
                "alembic_version holds several revisions ({}); name the one that matches the history with --alembic-revision",
                table.join(", ")
            )))
        }
        (None, _) => None,
    };
    let direction = match &alembic {
        Some(rev) => format!("adopt alembic={rev}"),
        None => "adopt".to_owned(),
    };
    let live = read_live(ws, client, &ownership).await?;
    let Some(head) = prepared.parent.clone() else {
        return baseline(ws, client, prepared, &live, alembic.as_deref(), &direction, &options).await;
    };
    let diff = pgshift_diff::diff(&live, &prepared.history.catalog, &DiffOptions::default());
    if diff.changes.is_empty() {
        stamp(client, &prepared.graph, &head, &options, &direction).await?;
        return Ok(Adopted::AtHead { revision: head });
    }
    // The plan's idempotent form: the bridge also replays on databases already at the head.
    let bridge = PlanOptions { idempotent: true, ..plan_options.clone() };
    let plan = pgshift_plan::plan(&live, &prepared.history.catalog, &diff, &bridge)?;
    let mut draft = Draft::new(vec![head.clone()], "bridge an adopted database to the history's head");
    draft.generated = true;
    let statements = plan.steps.iter().map(|s| crate::autogen::annotated(s, &s.sql)).collect();
    draft.sections.push(DraftSection::new(Direction::Up, true, statements));
    draft.sections.push(DraftSection::new(Direction::Down, true, Vec::new()));
    let graph = verify_bridge(ws, prepared, &live, &draft).await?;
    let path = crate::autogen::write(ws, &draft)?;
    stamp(client, &graph, &head, &options, &direction).await?;
    Ok(Adopted::Bridge { path, revision: draft.revision, stamped: head })
}

async fn stamp(client: &Client, graph: &RevisionGraph, rev: &RevisionId, options: &ApplyOptions, direction: &str) -> Result<(), ProjectError> {
    pgshift_history::stamp_as(client, graph, rev.as_str(), options, direction)
        .await
        .map_err(ProjectError::ledger("cannot record the adoption in the ledger"))?;
    Ok(())
}

/// No history yet: write the live owned objects as the first revision and stamp it.
async fn baseline(
    ws: &Workspace,
    client: &Client,
    prepared: &Prepared,
    live: &Catalog,
    alembic: Option<&str>,
    direction: &str,
    options: &ApplyOptions,
) -> Result<Adopted, ProjectError> {
    let empty = &prepared.history.catalog;
    let up = plan_between(empty, live)?;
    let down = plan_between(live, empty)?;
    let message = match alembic {
        Some(rev) => format!("baseline: the database as adopted at Alembic revision {rev}"),
        None => "baseline: the database as adopted".to_owned(),
    };
    let draft = crate::autogen::draft(None, &message, &up, Some(&down));
    let as_desired = Prepared { desired: live.clone(), ..prepared.clone() };
    crate::autogen::verify(ws, &as_desired, &draft, false).await?;
    let path = crate::autogen::write(ws, &draft)?;
    let graph = RevisionGraph::build(vec![MigrationFile::parse(&path, &draft.render())?])?;
    stamp(client, &graph, &draft.revision, options, direction).await?;
    Ok(Adopted::Baseline { path, revision: draft.revision })
}

fn plan_between(from: &Catalog, to: &Catalog) -> Result<Plan, ProjectError> {
    let diff = pgshift_diff::diff(from, to, &DiffOptions::default());
    Ok(pgshift_plan::plan(from, to, &diff, &PlanOptions::default())?)
}

/// Check the bridge twice on scratch databases: on a copy of the live state (stamped at the
/// head) it must give the head's schema, and on the head itself it must change nothing.
async fn verify_bridge(ws: &Workspace, prepared: &Prepared, live: &Catalog, draft: &Draft) -> Result<RevisionGraph, ProjectError> {
    let file_name = draft.file_name();
    let file = MigrationFile::parse(ws.project().migrations_dir.join(&file_name), &draft.render())?;
    let mut files: Vec<MigrationFile> = prepared.graph.files().cloned().collect();
    files.push(file);
    let graph = RevisionGraph::build(files)?;
    let head = prepared.parent.as_ref().expect("a bridge follows a head");
    let options = Workspace::scratch_apply_options();
    let want = &prepared.history.catalog;

    // 1. The live state, rebuilt from its catalog on top of the externals.
    let db = ws.server().create_database(Some(&prepared.externals.template)).await?;
    let client = db.connect().await?;
    client
        .batch_execute(&pgshift_catalog::render(live))
        .await
        .map_err(ProjectError::db("cannot rebuild the live schema on a scratch database"))?;
    pgshift_history::stamp(&client, &graph, head.as_str(), &options)
        .await
        .map_err(ProjectError::apply("cannot stamp the scratch copy"))?;
    drop(client);
    let got = subtract(ws.replay_into(&db, &graph, &draft.revision).await.map_err(crate::autogen::draft_error(&file_name))?, &prepared.externals.catalog);
    db.drop_now().await?;
    same(&got, want, &file_name, "applied to the live state")?;

    // 2. A database already at the head: the bridge must be a no-op there.
    let db = ws.server().create_database(Some(&prepared.history.template)).await?;
    let got = subtract(ws.replay_into(&db, &graph, &draft.revision).await.map_err(crate::autogen::draft_error(&file_name))?, &prepared.externals.catalog);
    db.drop_now().await?;
    same(&got, want, &file_name, "replayed on a database at the head")?;
    Ok(graph)
}

fn same(got: &Catalog, want: &Catalog, file: &str, how: &str) -> Result<(), ProjectError> {
    let diff = pgshift_diff::diff(got, want, &DiffOptions::default());
    if diff.changes.is_empty() {
        return Ok(());
    }
    let residual = pgshift_plan::plan(got, want, &diff, &PlanOptions::default())
        .map(|p| p.to_sql())
        .unwrap_or_else(|_| diff.changes.iter().map(|c| pgshift_catalog::quote::comment(&c.object.to_string())).collect());
    Err(ProjectError::Verify { file: format!("{file} ({how})"), residual })
}
