//! Where a command reads a schema from: a database URL, or `.sql` files loaded into a fresh
//! scratch database (dropped afterwards). One implementation for every command that takes a
//! SOURCE (`inspect`, `diff`), plus the object-filter flags they share.

use std::path::PathBuf;

use clap::Args;
use pgshift_catalog::{Catalog, FilterSpec, ObjectFilter};
use pgshift_inspect::DeferredChecks;

use crate::config::Config;
use crate::connect;
use crate::error::CliError;

/// The object filter flags.
#[derive(Debug, Args)]
pub struct FilterArgs {
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
    /// In a project (a pgshift.toml, schema/ or migrations/ here), a live database shows only
    /// the project's objects (owned at its revision, or declared in schema/); show every object.
    #[arg(long)]
    pub all_objects: bool,
}

impl FilterArgs {
    /// How a live database is read: through the project's ownership filter in a project
    /// (`owned`, which says what a name clash is), every object otherwise.
    pub fn ownership(&self, config: &Config, owned: Live) -> Live {
        if config.in_project() && !self.all_objects {
            owned
        } else {
            Live::All
        }
    }

    /// The filter, with the configuration's `ignore` patterns and schemas added.
    pub fn filter(&self, config: &Config) -> Result<ObjectFilter, CliError> {
        let mut exclude = self.exclude.clone();
        exclude.extend(config.ignore.iter().cloned());
        let mut exclude_schemas = self.exclude_schemas.clone();
        exclude_schemas.extend(config.ignore_schemas.iter().cloned());
        FilterSpec { include_schemas: self.schemas.clone(), exclude_schemas, include: self.include.clone(), exclude }
            .compile()
            .map_err(|e| {
                CliError::usage(e.to_string()).hint(
                    "patterns are `name` or `schema.name`; `*` and `?` are globs; double-quote a part to match it exactly",
                )
            })
    }
}

/// How a live database is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Live {
    /// Every object (outside a project, or `--all-objects`).
    All,
    /// Through the project's ownership filter; a name clash is a warning (`inspect`).
    Owned,
    /// Through the project's ownership filter; a name clash is refused (`diff`).
    OwnedRefusingClashes,
}

/// Read the schema of `spec`: a database URL, or a `.sql` file or directory. Unless `live` is
/// [`Live::All`], a database is read through the project's ownership filter (DESIGN.md,
/// ownership rules 2 and 3).
pub async fn catalog(spec: &str, filter: &ObjectFilter, live: Live, config: &Config) -> Result<Catalog, CliError> {
    let owned = live != Live::All;
    if connect::is_database_url(spec) {
        from_database(spec, filter, live, config).await
    } else if spec == DESIRED && !std::path::Path::new(spec).exists() {
        // The project's desired schema from its sources (schema/ or [[schema.source]]).
        let ws = crate::project::workspace(config).await?;
        let externals = ws.externals().await?;
        Ok(pgshift_project::owned::filtered(ws.desired(&externals).await?, filter))
    } else if let Some(catalog) = from_history(spec, config).await? {
        Ok(pgshift_project::owned::filtered(catalog, filter))
    } else if owned {
        // In a project, SQL loads like schema/: after externals/, which are then subtracted.
        let ws = crate::project::workspace(config).await?;
        let externals = ws.externals().await?;
        let catalog = ws.sql(&externals, std::path::Path::new(spec)).await?;
        Ok(pgshift_project::owned::filtered(catalog, filter))
    } else {
        from_sql(PathBuf::from(spec), filter, config).await
    }
}

/// Read two schemas at once ([`catalog`] for each), each on a thread of its own with its own
/// runtime. Reading a large catalog is CPU work on this side too (decoding rows, building the
/// model), and on one thread the two readings took turns: at 5,000 tables the pair took
/// 0.82 s on one thread and 0.74 s on two (BENCHMARKS.md, "Memory and growth").
pub fn catalog_pair(
    a: &str,
    b: &str,
    filter: &ObjectFilter,
    live: Live,
    config: &Config,
) -> Result<(Catalog, Catalog), CliError> {
    let read = |spec: &str| -> Result<Catalog, CliError> {
        crate::runtime()?.block_on(catalog(spec, filter, live, config))
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| read(a));
        let b = s.spawn(|| read(b));
        // A panic on either thread is carried on as it was, not turned into a second one.
        let join = |h: std::thread::ScopedJoinHandle<'_, _>| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (join(a), join(b))
    });
    Ok((a?, b?))
}

/// The SOURCE that names the project's desired schema, loaded from its sources.
pub const DESIRED: &str = "desired";

/// `migrations` (or the migrations directory's path): the history replayed to its single head;
/// a revision id or unique prefix that is not a path: the history replayed to it. `None` when
/// `spec` is neither.
async fn from_history(spec: &str, config: &Config) -> Result<Option<Catalog>, CliError> {
    let dir = config.migrations_dir();
    let is_dir = spec == "migrations" || std::path::Path::new(spec) == dir;
    let is_revision = !is_dir && !std::path::Path::new(spec).exists() && spec.len() >= pgshift_history::MIN_PREFIX
        && spec.chars().all(|c| c.is_ascii_hexdigit());
    if !is_dir && !is_revision {
        return Ok(None);
    }
    let ws = crate::project::workspace(config).await?;
    let graph = ws.project().graph()?;
    let at = if is_dir {
        if graph.is_empty() { None } else { Some(graph.single_head()?) }
    } else {
        Some(graph.resolve(spec)?)
    };
    let externals = ws.externals().await?;
    let replayed = ws.history(&externals, &graph, at.as_ref()).await?;
    Ok(Some(replayed.catalog))
}

async fn from_database(url: &str, filter: &ObjectFilter, live: Live, config: &Config) -> Result<Catalog, CliError> {
    let (client, filter, target) = open_database(url, filter, live, config).await?;
    pgshift_inspect::inspect(&client, &filter).await.map_err(|e| inspect_error(&target.display, e))
}

/// A connection to the database `url`, the filter it is read through (the project's
/// ownership unless `live` is [`Live::All`]) and where it is (its `display` is its name for
/// messages, without a password).
async fn open_database(
    url: &str,
    filter: &ObjectFilter,
    live: Live,
    config: &Config,
) -> Result<(tokio_postgres::Client, ObjectFilter, connect::Target), CliError> {
    let target = connect::parse(url, config)?;
    let client = connect::connect(&target).await?;
    let filter = if live != Live::All {
        crate::project::ownership_filter(config, &client, filter, live == Live::OwnedRefusingClashes).await?
    } else {
        filter.clone()
    };
    Ok((client, filter, target))
}

fn lost_side() -> CliError {
    CliError::database("a database reading thread stopped without a result").hint("run the command again")
}

/// What a side of [`live_pair`] sends its caller.
enum Reply {
    /// Its catalog, table checks deferred.
    Read(Box<(Catalog, DeferredChecks)>),
    /// The text of the deferred checks asked for.
    Texts(Vec<(u32, String)>),
}

/// Read two live databases (both `a` and `b` are URLs) for a diff and give the pair to
/// `body`, which returns the command's output; `deferred_in` says whether that output holds
/// [`pgshift_inspect::deferred::MARKER`].
///
/// Each database is read on a thread of its own, as [`catalog_pair`] does, with its table
/// checks left unprinted (`pgshift_inspect::deferred`: printing them cost each server a
/// relation cache entry per table): the thread keeps its connection and prints the checks it
/// is asked for. First, the checks that are not the same on both sides; `body` runs once the
/// two catalogs have them. When its output still names a deferred check (a table recreated
/// whole, say), every remaining check is printed and `body` runs again on complete catalogs.
pub fn live_pair<R>(
    a: &str,
    b: &str,
    filter: &ObjectFilter,
    live: Live,
    config: &Config,
    mut body: impl FnMut(&Catalog, &Catalog) -> Result<R, CliError>,
    deferred_in: impl Fn(&R) -> bool,
) -> Result<R, CliError> {
    use std::sync::mpsc;
    std::thread::scope(|s| {
        let sides = [a, b].map(|url| {
            let (ask, mut asked) = tokio::sync::mpsc::unbounded_channel::<Vec<u32>>();
            let (reply, replies) = mpsc::channel::<Result<Reply, CliError>>();
            s.spawn(move || {
                let serve = async {
                    let (client, filter, target) = open_database(url, filter, live, config).await?;
                    let (catalog, checks) = pgshift_inspect::inspect_deferring_checks(&client, &filter)
                        .await
                        .map_err(|e| inspect_error(&target.display, e))?;
                    let _ = reply.send(Ok(Reply::Read(Box::new((catalog, checks)))));
                    let mut client = Some(client);
                    // Until the caller is done with the pair (it drops `ask`). The connection is
                    // closed after the first texts (a second request, rare, opens another): its
                    // buffers, sized by the catalog's rows, would stay for the whole diff.
                    while let Some(oids) = asked.recv().await {
                        let open = match client.take() {
                            Some(open) => open,
                            None => connect::connect(&target).await?,
                        };
                        let texts = pgshift_inspect::deferred::fetch(&open, &oids).await;
                        let _ = reply.send(texts.map(Reply::Texts).map_err(|e| inspect_error(&target.display, e)));
                        drop(open);
                        // The connection's task ends on its next turn; then its memory is free.
                        for _ in 0..4 {
                            tokio::task::yield_now().await;
                        }
                        crate::release_free_memory();
                    }
                    Ok(())
                };
                if let Err(e) = crate::runtime().and_then(|rt| rt.block_on(serve)) {
                    let _ = reply.send(Err(e));
                }
            });
            (ask, replies)
        });
        let mut read = Vec::with_capacity(2);
        for (_, replies) in &sides {
            match replies.recv() {
                Ok(Ok(Reply::Read(side))) => read.push(*side),
                Ok(Err(e)) => return Err(e),
                _ => return Err(lost_side()),
            }
        }
        let (mut b_side, mut a_side) = (read.pop().ok_or_else(lost_side)?, read.pop().ok_or_else(lost_side)?);
        pgshift_inspect::deferred::pair(&mut a_side.1, &mut b_side.1);
        let fill = |a_side: &mut (Catalog, DeferredChecks), b_side: &mut (Catalog, DeferredChecks), which: fn(&DeferredChecks) -> Vec<u32>| {
            // Both sides print at once.
            let asked = [which(&a_side.1), which(&b_side.1)];
            for ((ask, _), oids) in sides.iter().zip(&asked) {
                ask.send(oids.clone()).map_err(|_| lost_side())?;
            }
            for (((_, replies), (catalog, checks)), oids) in sides.iter().zip([a_side, b_side]).zip(&asked) {
                match replies.recv() {
                    Ok(Ok(Reply::Texts(texts))) => checks.apply(catalog, oids, texts).map_err(|e| {
                        let hint = e.hint();
                        CliError::database("could not read the database").caused_by(&e).hint(hint)
                    })?,
                    Ok(Err(e)) => return Err(e),
                    _ => return Err(lost_side()),
                }
            }
            Ok::<(), CliError>(())
        };
        fill(&mut a_side, &mut b_side, DeferredChecks::unpaired)?;
        let mut out = body(&a_side.0, &b_side.0)?;
        if deferred_in(&out) {
            fill(&mut a_side, &mut b_side, DeferredChecks::remaining)?;
            out = body(&a_side.0, &b_side.0)?;
        }
        // The process ends right after: freeing two large catalogs would only cost time (~50 ms
        // at 5,000 tables).
        std::mem::forget((a_side, b_side));
        Ok(out)
    })
}

fn inspect_error(target: &str, e: pgshift_inspect::InspectError) -> CliError {
    let mut err = CliError::database(format!("could not inspect {target}")).caused_by(&e);
    if let pgshift_inspect::InspectError::Query { source, .. } = &e {
        if let Some(db) = source.as_db_error() {
            err.causes.push(format!("{}: {} ({})", db.severity(), db.message(), db.code().code()));
        }
    }
    err.hint(e.hint())
}

async fn from_sql(path: PathBuf, filter: &ObjectFilter, config: &Config) -> Result<Catalog, CliError> {
    let files = pgshift_source::sql_files(&path).map_err(|e| {
        CliError::usage(e.to_string()).hint("pass a database URL, a .sql file, or a directory holding .sql files")
    })?;
    let server = pgshift_scratch::ScratchServer::ensure(&config.scratch()).await?;
    let db = server.create_database(None).await?;
    let client = db.connect().await?;
    let result = match pgshift_source::load(&client, &files).await {
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
