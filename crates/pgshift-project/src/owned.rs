//! Which objects the project owns (DESIGN.md, ownership rules 1 and 2).
//!
//! Owns: subtracting the externals from a scratch catalog (externals are loaded into every
//! scratch database so that our objects can reference them, but they are never ours), the
//! [`Ownership`] of a live database (computed once per command: owned names and name clashes),
//! and the filter through which a live database is read: the names owned at its revision, plus
//! the desired ones that are not foreign, plus `own_schemas`, minus the `ignore` patterns; and
//! the tables the project owns without a database ([`tables`]), which reference data may name.

use pgshift_catalog::{Catalog, NamePattern, ObjectFilter, OwnedNames, QualName};
use pgshift_history::{RevisionGraph, RevisionId};
use tokio_postgres::Client;

use crate::cotenant::Clash;
use crate::workspace::{Externals, Workspace};
use crate::ProjectError;

/// Which objects of one live database are ours (DESIGN.md, ownership rules 1 to 3).
///
/// A live object is **foreign** when it is not owned at the database's revision (created by the
/// history replayed to the revision its ledger names, or in `own_schemas`) and not declared in
/// `externals/`. A desired object (of `schema/`) **clashes** with a foreign object of the same
/// schema whose name is equal to its own modulo case (a *twin*: `team` and `"Team"`), or equal
/// exactly (`"Team"` and `"Team"`) once the database is **adopted** (its ledger has a revision
/// applied or stamped). Before adoption, a live object with exactly a desired name is not a
/// clash: it is what `pgshift adopt` takes as ours, by the name `schema/` declares (DESIGN.md,
/// Adoption); a twin is a clash before adoption too (adopt takes exact names only).
///
/// Every clash is refused by `new`, `check`, `diff` and `adopt` before anything is written
/// ([`Ownership::refuse_clashes`]); the way out is to declare the foreign object in
/// `externals/` (when it is theirs and we only reference it) or to rename ours. Whatever the
/// command, an exactly clashing foreign object never enters the live filter as "desired"
/// ([`Ownership::names`] leaves it out), so no command shows it as ours or plans SQL on it.
#[derive(Clone, Debug)]
pub struct Ownership {
    /// The revision the database's ledger is at (`None`: nothing applied).
    pub revision: Option<RevisionId>,
    /// Whether the database is adopted (a revision is applied or stamped).
    pub adopted: bool,
    /// The live names that are ours: owned at the revision, plus the desired names that are not
    /// a foreign object's, plus `own_schemas`.
    pub names: OwnedNames,
    /// Desired objects whose names are foreign objects' (see the type's docs).
    pub clashes: Vec<Clash>,
    /// Before adoption: the desired objects that already exist live (what `adopt` would take).
    pub adoptable: Vec<QualName>,
}

impl Ownership {
    /// The ownership of the database behind `client` at the revision its ledger names, for a
    /// project whose externals and desired schema are given.
    pub async fn read(
        ws: &Workspace,
        client: &Client,
        graph: &RevisionGraph,
        externals: &Externals,
        desired: &Catalog,
    ) -> Result<Ownership, ProjectError> {
        let revision = crate::check::live_revision(client, graph, &ws.project().ledger_schema).await?;
        let history = ws.history(externals, graph, revision.as_ref()).await?;
        let adopted = revision.is_some();
        Ownership::with_history(ws, client, &history.catalog, externals, desired, revision, adopted).await
    }

    /// The same, with the history at the database's revision already replayed (`history`).
    pub async fn with_history(
        ws: &Workspace,
        client: &Client,
        history: &Catalog,
        externals: &Externals,
        desired: &Catalog,
        revision: Option<RevisionId>,
        adopted: bool,
    ) -> Result<Ownership, ProjectError> {
        let project = ws.project();
        let owned = names(&[history], &project.own_schemas);
        let found = crate::cotenant::clashes(client, desired, &owned, &externals.catalog, &project.ledger_schema).await?;
        let (adoptable, clashes): (Vec<Clash>, Vec<Clash>) = found.into_iter().partition(|c| c.exact && !adopted);
        let mut names = names(&[history, desired], &project.own_schemas);
        for c in clashes.iter().filter(|c| c.exact) {
            if !owned.owns(&c.our_name) {
                names.objects.remove(&c.our_name);
            }
        }
        let mut adoptable: Vec<QualName> = adoptable.into_iter().map(|c| c.our_name).collect();
        adoptable.dedup();
        Ok(Ownership { revision, adopted, names, clashes, adoptable })
    }

    /// The filter for reading the live database: `base` (the `ignore` guard) seeing only
    /// [`Ownership::names`], never the ledger tables.
    pub fn filter(&self, base: &ObjectFilter, ledger_schema: &str) -> ObjectFilter {
        live_filter(base, self.names.clone(), ledger_schema)
    }

    /// `Err` naming every clash when there is one (nothing has been written at that point).
    pub fn refuse_clashes(&self) -> Result<(), ProjectError> {
        if self.clashes.is_empty() {
            Ok(())
        } else {
            Err(ProjectError::Clash(self.clashes.clone()))
        }
    }
}

/// The tables the project owns without looking at a database (DESIGN.md, ownership rule 1):
/// those the history creates, replayed to its single head, and those the desired schema
/// declares, minus the configuration's `ignore` patterns; externals are never among them. Both
/// come from the template cache, so an unchanged project costs no replay and no load. What
/// reference data (`data/`) may name.
pub async fn tables(ws: &Workspace) -> Result<std::collections::BTreeSet<QualName>, ProjectError> {
    let graph = ws.project().graph()?;
    let head = if graph.is_empty() { None } else { Some(graph.single_head()?) };
    let externals = ws.externals().await?;
    let (history, desired) = tokio::try_join!(ws.history(&externals, &graph, head.as_ref()), ws.desired(&externals))?;
    let filter = &ws.project().filter;
    let history = filtered(history.catalog, filter);
    let desired = filtered(desired, filter);
    Ok(history.tables.into_keys().chain(desired.tables.into_keys()).collect())
}

/// `catalog` without the objects `externals` declares (same identity).
pub fn subtract(mut catalog: Catalog, externals: &Catalog) -> Catalog {
    catalog.schemas.retain(|k, _| !externals.schemas.contains_key(k));
    catalog.extensions.retain(|k, _| !externals.extensions.contains_key(k));
    catalog.types.retain(|k, _| !externals.types.contains_key(k));
    catalog.sequences.retain(|k, _| !externals.sequences.contains_key(k));
    catalog.tables.retain(|k, _| !externals.tables.contains_key(k));
    catalog.views.retain(|k, _| !externals.views.contains_key(k));
    catalog.functions.retain(|k, _| !externals.functions.contains_key(k));
    catalog.indexes.retain(|k, _| !externals.indexes.contains_key(k));
    // What inspection left out of the externals is not ours to report.
    catalog.diagnostics.retain(|d| !externals.diagnostics.contains(d));
    catalog
}

/// The names owned by a project whose history holds `history` and whose desired schema is
/// `desired` (either may be absent), with `own_schemas` owned whole.
pub fn names(catalogs: &[&Catalog], own_schemas: &[String]) -> OwnedNames {
    let mut owned = OwnedNames::default();
    for catalog in catalogs {
        owned.add_catalog(catalog);
    }
    owned.whole_schemas.extend(own_schemas.iter().cloned());
    owned
}

/// The filter for reading a live database: `base` (the `ignore` guard) seeing only `owned`,
/// and never the ledger tables.
pub fn live_filter(base: &ObjectFilter, owned: OwnedNames, ledger_schema: &str) -> ObjectFilter {
    let mut filter = base.clone().with_owned(owned);
    for table in LEDGER_TABLES {
        filter.exclude.push(NamePattern::exact(&QualName::new(ledger_schema, *table)));
    }
    filter
}

/// The ledger's tables (see `pgshift_history::Ledger`).
pub const LEDGER_TABLES: &[&str] = &["pgshift_revisions", "pgshift_log", "pgshift_progress"];

/// `catalog` without the top-level objects `filter` hides (the `ignore` guard applied to a
/// scratch catalog, so that both sides of a comparison with a live database agree).
pub fn filtered(mut catalog: Catalog, filter: &ObjectFilter) -> Catalog {
    catalog.schemas.retain(|k, _| filter.allows_schema_object(k));
    catalog.extensions.retain(|_, e| filter.allows_extension(&e.name, &e.schema));
    catalog.types.retain(|k, _| filter.allows(k));
    catalog.sequences.retain(|k, _| filter.allows(k));
    catalog.tables.retain(|k, _| filter.allows(k));
    catalog.views.retain(|k, _| filter.allows(k));
    catalog.functions.retain(|k, _| filter.allows(&QualName::new(k.schema.clone(), k.name.clone())));
    let tables = &catalog.tables;
    let views = &catalog.views;
    catalog.indexes.retain(|_, i| tables.contains_key(&i.table) || views.contains_key(&i.table));
    catalog
}
