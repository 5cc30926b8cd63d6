//! Template databases on the scratch server, keyed by a hash of what was loaded into them.
//!
//! Owns: naming (`pgshift_t_<kind>_<key>`), finding, keeping and evicting the templates, and
//! the catalog read from each one, kept as JSON next to the embedded cluster so that an
//! unchanged schema or history is neither loaded nor inspected twice (DESIGN.md, scratch
//! server). Kinds: `x` externals only, `d` externals + desired schema, `h` externals + the
//! history replayed up to one revision.
//!
//! A template is built in an ordinary scratch database and renamed when complete, so a crash
//! or a failure part-way never leaves a half-built template behind; two processes building
//! the same one both succeed (the second rename finds the first and drops its own copy).

use std::collections::BTreeSet;
use std::path::PathBuf;

use pgshift_catalog::{Catalog, ObjectFilter};
use pgshift_scratch::{ScratchDb, ScratchServer};
use sha2::{Digest, Sha256};

use crate::ProjectError;

/// Prefix of every template database pgshift keeps.
pub const TEMPLATE_PREFIX: &str = "pgshift_t_";

/// How many templates of one kind are kept; the oldest beyond that are dropped.
const KEEP: usize = 16;

/// A template used this recently is never evicted (another process may be about to copy it).
const RECENT: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Version of the cache format: bump it when what goes into a template or its catalog changes.
// v3: catalogs gained collations, privileges, replica identity and triggers on views.
// v4: the keys of an index on expressions as its definition prints them (not pretty-printed).
const FORMAT: &str = "pgshift-template-v4";

/// Evictions running in the background ([`Templates::keep`]).
static PENDING: std::sync::Mutex<Vec<std::thread::JoinHandle<()>>> = std::sync::Mutex::new(Vec::new());

/// Wait for the evictions still running in the background: a command calls this before it
/// exits, so that the scratch server is left tidy.
pub fn settle() {
    let handles = std::mem::take(&mut *PENDING.lock().unwrap_or_else(|e| e.into_inner()));
    for handle in handles {
        let _ = handle.join();
    }
}

/// A hash key over `parts` (with the cache format and pgshift's version), 20 hex digits.
pub fn key(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(FORMAT.as_bytes());
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize().iter().take(10).map(|b| format!("{b:02x}")).collect()
}

/// The template databases of one scratch server.
#[derive(Clone, Debug)]
pub struct Templates {
    server: ScratchServer,
    catalogs: Option<PathBuf>,
}

impl Templates {
    /// The templates of `server`. Catalog JSON is kept beside the embedded cluster's data
    /// directory; with an external scratch server (`scratch_url`) catalogs are read from the
    /// template itself.
    pub fn new(server: ScratchServer) -> Templates {
        let catalogs = server.data_dir().and_then(|d| d.parent()).map(|d| d.join("catalogs"));
        Templates { server, catalogs }
    }

    /// The scratch server.
    pub fn server(&self) -> &ScratchServer {
        &self.server
    }

    /// The database name of the template of `kind` for `key`.
    pub fn name(kind: char, key: &str) -> String {
        format!("{TEMPLATE_PREFIX}{kind}_{key}")
    }

    /// The names of the templates that exist now.
    pub async fn existing(&self) -> Result<BTreeSet<String>, ProjectError> {
        let client = self.server.connect(self.server.admin_dbname()).await?;
        let rows = client
            .query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", &[&TEMPLATE_PREFIX])
            .await
            .map_err(ProjectError::db("cannot list the cached templates"))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Keep `db` as the template `name`, with the catalog read from it. Every connection to
    /// `db` must be closed.
    pub async fn keep(&self, db: ScratchDb, name: &str, catalog: &Catalog) -> Result<(), ProjectError> {
        self.save_catalog(name, catalog);
        if db.keep_as(name).await? {
            self.evict_in_background(name);
        }
        Ok(())
    }

    /// The catalog of template `name` (inspected with `filter` when it is not cached).
    pub async fn catalog(&self, name: &str, filter: &ObjectFilter) -> Result<Catalog, ProjectError> {
        if let Some(path) = self.catalog_path(name) {
            if let Ok(text) = std::fs::read_to_string(&path) {
                if let Ok(catalog) = serde_json::from_str(&text) {
                    // The file's mtime is the template's last use (see `evict`).
                    let _ = std::fs::File::options()
                        .append(true)
                        .open(&path)
                        .and_then(|f| f.set_modified(std::time::SystemTime::now()));
                    return Ok(catalog);
                }
            }
        }
        let client = self.server.connect(name).await?;
        let catalog = pgshift_inspect::inspect(&client, filter).await?;
        drop(client);
        self.save_catalog(name, &catalog);
        Ok(catalog)
    }

    /// Where command sources keep their outputs (beside the catalogs; none with an external
    /// scratch server, then commands run every time).
    pub fn sources_dir(&self) -> Option<PathBuf> {
        self.catalogs.as_ref().and_then(|d| d.parent()).map(|d| d.join("sources"))
    }

    fn catalog_path(&self, name: &str) -> Option<PathBuf> {
        self.catalogs.as_ref().map(|d| d.join(format!("{name}.json")))
    }

    /// Best effort: a catalog that cannot be cached is read from the template next time.
    fn save_catalog(&self, name: &str, catalog: &Catalog) {
        let (Some(dir), Some(path)) = (&self.catalogs, self.catalog_path(name)) else { return };
        let Ok(text) = serde_json::to_string(catalog) else { return };
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let written = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&tmp, text));
        if written.and_then(|()| std::fs::rename(&tmp, &path)).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }

    /// [`Self::evict`] on a thread of its own, so that the caller goes on meanwhile: dropping a
    /// database forces a checkpoint on the server (~70 ms), the largest single cost of a warm
    /// `pgshift new`. [`settle`] waits for it; a process that exits first leaves at most a
    /// template that the next eviction drops.
    fn evict_in_background(&self, name: &str) {
        let (templates, name) = (self.clone(), name.to_owned());
        let spawned = std::thread::Builder::new().name("pgshift-evict".into()).spawn(move || {
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                runtime.block_on(templates.evict(&name));
            }
        });
        if let Ok(handle) = spawned {
            PENDING.lock().unwrap_or_else(|e| e.into_inner()).push(handle);
        }
    }

    /// Drop the oldest templates of `name`'s kind beyond [`KEEP`], except those used in the
    /// last [`RECENT`] (best effort: a template in use by another process is left for next
    /// time). Without a catalog directory (an external scratch server) there is no record of
    /// use, so nothing is evicted.
    async fn evict(&self, name: &str) {
        let Some(kind) = name.strip_prefix(TEMPLATE_PREFIX).and_then(|r| r.get(..2)) else { return };
        let Ok(client) = self.server.connect(self.server.admin_dbname()).await else { return };
        let pattern = format!("{TEMPLATE_PREFIX}{kind}");
        let Ok(rows) = client
            .query(
                "SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY oid DESC OFFSET $2",
                &[&pattern, &(KEEP as i64)],
            )
            .await
        else {
            return;
        };
        for row in rows {
            let old: String = row.get(0);
            let Some(path) = self.catalog_path(&old) else { return };
            let recent = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age < RECENT);
            if recent {
                continue;
            }
            let sql = format!("DROP DATABASE IF EXISTS {}", pgshift_catalog::quote::ident(&old));
            if client.batch_execute(&sql).await.is_ok() {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}
