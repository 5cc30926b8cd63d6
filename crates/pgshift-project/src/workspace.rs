//! The project's states as catalogs: externals, desired schema, and history at a revision.
//!
//! Owns: building each state on a scratch database the first time (externals first, then
//! `schema/` or the migrations), keeping it as a template keyed by a hash of its inputs, and
//! handing out its catalog (externals subtracted). A history at revision R is built from the
//! template of its nearest cached ancestor, so a new migration on a long history replays one
//! revision, not all of them.

use std::collections::BTreeSet;

use pgshift_catalog::{Catalog, ObjectFilter};
use pgshift_history::{ApplyOptions, HistoryError, RevisionGraph, RevisionId};
use pgshift_scratch::{ScratchConfig, ScratchDb, ScratchServer};
use pgshift_source::{SqlFile, Source};

use crate::cache::{key, Templates};
use crate::owned::subtract;
use crate::{Project, ProjectError, SCRATCH_LEDGER_SCHEMA};

/// The loaded externals: their template and catalog.
#[derive(Clone, Debug)]
pub struct Externals {
    /// The hash of the externals' files (part of every other key).
    pub key: String,
    /// The template holding just the externals.
    pub template: String,
    /// What they declare.
    pub catalog: Catalog,
}

/// A history replayed to a revision.
#[derive(Clone, Debug)]
pub struct Replayed {
    /// The revision (`None`: no migration at all).
    pub revision: Option<RevisionId>,
    /// The template holding it (externals + migrations, with a scratch ledger).
    pub template: String,
    /// The objects it holds, externals subtracted: what is owned at that revision.
    pub catalog: Catalog,
}

/// A project and the scratch server its states are built on.
#[derive(Clone, Debug)]
pub struct Workspace {
    project: Project,
    templates: Templates,
    /// Told about each revision a replay applies (a cold cache replays the whole history).
    progress: Option<pgshift_history::apply::Progress>,
}

impl Workspace {
    /// Start (or find) the scratch server for `project`.
    pub async fn open(project: Project, scratch: &ScratchConfig) -> Result<Workspace, ProjectError> {
        let server = ScratchServer::ensure(scratch).await?;
        Ok(Workspace { project, templates: Templates::new(server), progress: None })
    }

    /// The same, telling `progress` about each revision a history replay applies.
    pub fn with_progress(mut self, progress: Option<pgshift_history::apply::Progress>) -> Workspace {
        self.progress = progress;
        self
    }

    /// The project.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// The scratch server.
    pub fn server(&self) -> &ScratchServer {
        self.templates.server()
    }

    /// The template cache.
    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// How scratch databases are inspected: everything except the scratch ledger.
    pub fn scratch_filter() -> ObjectFilter {
        ObjectFilter { exclude_schemas: vec![SCRATCH_LEDGER_SCHEMA.to_owned()], ..ObjectFilter::default() }
    }

    /// Engine options for replays on scratch databases.
    pub fn scratch_apply_options() -> ApplyOptions {
        ApplyOptions { ledger_schema: SCRATCH_LEDGER_SCHEMA.to_owned(), guard_hand_written: false, ..ApplyOptions::default() }
    }

    /// The externals (an empty set when `externals/` does not exist).
    pub async fn externals(&self) -> Result<Externals, ProjectError> {
        let files = optional_files(&self.project.externals_dir).map_err(ProjectError::Externals)?;
        let major = self.server().major().to_string();
        let mut parts: Vec<&[u8]> = vec![b"x", major.as_bytes()];
        for f in &files {
            parts.push(f.text.as_bytes());
        }
        let key = key(&parts);
        let template = Templates::name('x', &key);
        let existing = self.templates.existing().await?;
        if !existing.contains(&template) {
            let db = self.server().create_database(None).await?;
            let catalog = load_and_inspect(&db, &files).await.map_err(|e| match e {
                Loaded::Source(e) => ProjectError::Externals(e),
                Loaded::Other(e) => e,
            })?;
            self.templates.keep(db, &template, &catalog).await?;
        }
        let catalog = self.templates.catalog(&template, &Self::scratch_filter()).await?;
        Ok(Externals { key, template, catalog })
    }

    /// The desired schema: `externals/` then the project's sources loaded, externals
    /// subtracted.
    pub async fn desired(&self, externals: &Externals) -> Result<Catalog, ProjectError> {
        self.load(externals, &self.project.sources).await
    }

    /// The `.sql` file or directory `path` loaded after the externals, externals subtracted
    /// (cached like the desired schema).
    pub async fn sql(&self, externals: &Externals, path: &std::path::Path) -> Result<Catalog, ProjectError> {
        self.load(externals, &[Source::Sql(path.to_owned())]).await
    }

    /// `sources` loaded in order after the externals, externals subtracted; the template is
    /// keyed by what they hold (a command's output, not its command line, so an unchanged
    /// output reuses it).
    async fn load(&self, externals: &Externals, sources: &[Source]) -> Result<Catalog, ProjectError> {
        // A command learns which major version its DDL is for (SQLAlchemy 2.1 writes a
        // computed column differently for PostgreSQL 18).
        let major = self.server().major().to_string();
        let sources: Vec<Source> = sources
            .iter()
            .map(|s| match s {
                Source::Command(c) => {
                    let mut c = c.clone();
                    c.env.push(("PGSHIFT_PG_VERSION".to_owned(), major.clone()));
                    Source::Command(c)
                }
                other => other.clone(),
            })
            .collect();
        let files = pgshift_source::read_all(&sources, self.templates.sources_dir().as_deref())
            .await
            .map_err(ProjectError::Schema)?;
        let mut parts: Vec<&[u8]> = vec![b"d", externals.key.as_bytes()];
        for f in &files {
            // File names matter: they decide the load order.
            parts.push(f.name.as_bytes());
            parts.push(f.text.as_bytes());
        }
        let template = Templates::name('d', &key(&parts));
        let existing = self.templates.existing().await?;
        if !existing.contains(&template) {
            let db = self.server().create_database(Some(&externals.template)).await?;
            let catalog = load_and_inspect(&db, &files).await.map_err(|e| match e {
                Loaded::Source(e) => ProjectError::Schema(e),
                Loaded::Other(e) => e,
            })?;
            self.templates.keep(db, &template, &subtract(catalog, &externals.catalog)).await?;
        }
        let catalog = self.templates.catalog(&template, &Self::scratch_filter()).await?;
        Ok(subtract(catalog, &externals.catalog))
    }

    /// The template name of the history at `at` (the externals' when `at` is `None`).
    pub fn history_template(&self, externals: &Externals, graph: &RevisionGraph, at: Option<&RevisionId>) -> String {
        let Some(at) = at else { return externals.template.clone() };
        let chain: BTreeSet<RevisionId> = graph.ancestors(at);
        let mut parts: Vec<Vec<u8>> = vec![b"h".to_vec(), externals.key.as_bytes().to_vec()];
        for id in graph.ordered() {
            if id == at || chain.contains(id) {
                parts.push(id.as_str().as_bytes().to_vec());
                if let Some(file) = graph.get(id) {
                    parts.push(file.checksum.to_hex().into_bytes());
                }
            }
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        Templates::name('h', &key(&refs))
    }

    /// The history replayed up to `at` (every revision when `at` is the single head). A
    /// revision `graph` does not hold is [`HistoryError::UnknownRevision`], before any scratch
    /// database is made.
    pub async fn history(&self, externals: &Externals, graph: &RevisionGraph, at: Option<&RevisionId>) -> Result<Replayed, ProjectError> {
        if let Some(at) = at.filter(|at| !graph.contains(at)) {
            return Err(HistoryError::UnknownRevision { spec: at.to_string() }.into());
        }
        let template = self.history_template(externals, graph, at);
        let Some(at) = at else {
            return Ok(Replayed { revision: None, template, catalog: subtract(externals.catalog.clone(), &externals.catalog) });
        };
        let existing = self.templates.existing().await?;
        if !existing.contains(&template) {
            // Start from the newest cached ancestor: its applied set is a subset of `at`'s.
            let ancestors = graph.ancestors(at);
            let base = graph
                .ordered()
                .iter()
                .rev()
                .filter(|id| ancestors.contains(*id))
                .map(|id| self.history_template(externals, graph, Some(id)))
                .find(|name| existing.contains(name))
                .unwrap_or_else(|| externals.template.clone());
            let db = self.server().create_database(Some(&base)).await?;
            let catalog = self.replay_into(&db, graph, at).await?;
            self.templates.keep(db, &template, &subtract(catalog, &externals.catalog)).await?;
        }
        let catalog = self.templates.catalog(&template, &Self::scratch_filter()).await?;
        Ok(Replayed { revision: Some(at.clone()), template, catalog: subtract(catalog, &externals.catalog) })
    }

    /// Upgrade scratch database `db` to `at` and read it back (externals not subtracted).
    pub async fn replay_into(&self, db: &ScratchDb, graph: &RevisionGraph, at: &RevisionId) -> Result<Catalog, ProjectError> {
        self.replay_with(&db.connect().await?, graph, at).await
    }

    /// [`Self::replay_into`] on a connection the caller keeps (a backend's catalog caches are
    /// warm for what it does next on the same database).
    pub async fn replay_with(&self, client: &tokio_postgres::Client, graph: &RevisionGraph, at: &RevisionId) -> Result<Catalog, ProjectError> {
        let options = ApplyOptions { progress: self.progress.clone(), ..Self::scratch_apply_options() };
        pgshift_history::upgrade(client, graph, Some(at.as_str()), &options)
            .await
            .map_err(ProjectError::apply(format!("replaying the migrations up to {at} on a scratch database failed")))?;
        Ok(pgshift_inspect::inspect(client, &Self::scratch_filter()).await?)
    }
}

/// The `.sql` files of `dir`, or none when it does not exist or holds none (`externals/` is
/// optional; `pgshift init` creates it with just a README).
pub fn optional_files(dir: &std::path::Path) -> Result<Vec<SqlFile>, pgshift_source::SourceError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    match pgshift_source::sql_files(dir) {
        Err(pgshift_source::SourceError::Empty { .. }) => Ok(Vec::new()),
        other => other,
    }
}

enum Loaded {
    Source(pgshift_source::SourceError),
    Other(ProjectError),
}

async fn load_and_inspect(db: &ScratchDb, files: &[SqlFile]) -> Result<Catalog, Loaded> {
    let client = db.connect().await.map_err(|e| Loaded::Other(e.into()))?;
    pgshift_source::load(&client, files).await.map_err(Loaded::Source)?;
    pgshift_inspect::inspect(&client, &Workspace::scratch_filter()).await.map_err(|e| Loaded::Other(e.into()))
}
