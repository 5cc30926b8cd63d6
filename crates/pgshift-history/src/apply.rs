//! The apply engine: upgrade, downgrade, stamp and accept-edit on a live database.
//!
//! Owns: the advisory lock (taken with `pg_try_advisory_lock` until `lock_wait`, released on
//! every path by [`with_lock`], which runs the body and then unlocks whatever it returned);
//! verifying the ledger against the files (unknown applied revisions, edited applied files
//! with a line diff, harmless edits recorded); running sections (consecutive transactional
//! sections in one transaction together with the ledger writes, each starting with
//! `SET LOCAL lock_timeout`, and sent in one round trip: a whole upgrade of plain
//! transactional revisions is one multi-statement query of one transaction per revision, and a
//! failure falls back to running revision by revision, statement by statement, to name it; `no transaction` statements one by one in autocommit, each
//! followed by a progress update so that a failed run resumes at the failed statement);
//! retrying on `lock_not_available` (55P03) with jittered exponential backoff; and mapping a
//! failing statement to its file:line:column.
//!
//! Limits: a `no transaction` statement that succeeds just before the process dies, before its
//! progress row is written, runs again on the next run (write such statements idempotently,
//! e.g. `IF NOT EXISTS`). Downgrades record their progress the same way, so a failed
//! `-- down: no transaction` section resumes at its failed statement too.
//!
//! Must not: parse files or plan (that is `file` and `graph`), or build SQL for the ledger
//! (that is `ledger`). A cancelled future (dropped mid-run) cannot unlock: the session lock
//! then lasts until the connection closes.

// `ApplyError::Statement` carries everything the user needs to see (file, line, statement,
// detail, hint, applied revisions); it is built once per failed run, so its size is fine.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pgshift_catalog::quote;
use tokio_postgres::error::ErrorPosition;
use tokio_postgres::Client;

use crate::error::{HistoryError, RevisionRef};
use crate::file::{Direction, MigrationFile, Statement};
use crate::graph::{DowngradeTarget, RevisionGraph};
use crate::ledger::{raw_sha256, AppliedRevision, Ledger, LedgerReadError, LogEntry};
use crate::revision::RevisionId;

/// How the engine applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyOptions {
    /// The schema of the ledger tables (default `public`).
    pub ledger_schema: String,
    /// How long to wait for the advisory lock (default 60 s).
    pub lock_wait: Duration,
    /// `lock_timeout` for each transaction and each `no transaction` statement (default `5s`).
    pub lock_timeout: String,
    /// How many times a statement failing with `lock_not_available` is retried (default 5).
    pub lock_retries: u32,
    /// Schemas owned whole (`own_schemas`), for the ownership guard (see [`crate::guard`]).
    pub own_schemas: Vec<String>,
    /// Name patterns (`ignore`) a generated statement may never alter or drop, owned or not.
    pub ignore: Vec<String>,
    /// Whether hand-written statements are held to ownership too (default): one that touches
    /// an object the project does not own runs only with `-- pgshift: allow foreign "Name"
    /// reason` above it (see [`crate::ack`]). Off for replays on scratch databases, where no
    /// other system's data lives.
    pub guard_hand_written: bool,
    /// Which statements of a pending generated revision need a consent they lack (the lint's
    /// destructive family, `pgshift_lint::consent`): when set, `upgrade` refuses such a
    /// revision before anything runs. `None` (the default) checks nothing: the rules live in
    /// `pgshift-lint`, above this crate.
    pub consent: Option<Consent>,
    /// Told what the run is doing, for a progress display (`None`: nothing is told).
    pub progress: Option<Progress>,
}

/// What a run is doing (see [`ApplyOptions::progress`]).
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    /// A revision starts: the `index`th (from 0) of `total`.
    Revision {
        /// Its position in the run.
        index: usize,
        /// How many the run applies or undoes.
        total: usize,
        /// The revision.
        revision: &'a RevisionId,
        /// Its message.
        message: &'a str,
    },
    /// `total` plain transactional revisions go in one round trip.
    Batch {
        /// How many.
        total: usize,
    },
    /// The run is over (done or failed).
    Finished,
}

/// A receiver of [`Event`]s.
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn(Event<'_>) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

impl PartialEq for Progress {
    fn eq(&self, other: &Progress) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Progress {}

impl ApplyOptions {
    fn tell(&self, event: Event<'_>) {
        if let Some(Progress(f)) = &self.progress {
            f(event);
        }
    }
}

/// A statement that needs consent: its line, and what it does in words.
pub type Unconsented = (usize, String);

/// The consent check the engine runs on each pending generated revision (see
/// [`ApplyOptions::consent`]).
#[derive(Clone, Copy)]
pub struct Consent(pub fn(&MigrationFile) -> Vec<Unconsented>);

impl std::fmt::Debug for Consent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Consent(..)")
    }
}

impl PartialEq for Consent {
    fn eq(&self, other: &Consent) -> bool {
        std::ptr::fn_addr_eq(self.0, other.0)
    }
}

impl Eq for Consent {}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            ledger_schema: "public".to_owned(),
            lock_wait: Duration::from_secs(60),
            lock_timeout: "5s".to_owned(),
            lock_retries: 5,
            own_schemas: Vec::new(),
            ignore: Vec::new(),
            guard_hand_written: true,
            consent: None,
            progress: None,
        }
    }
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// `up`, `down`, `stamp` or `accept-edit`.
    pub action: &'static str,
    /// The revisions applied, undone, stamped or accepted, in the order it happened.
    pub revisions: Vec<RevisionId>,
    /// What the engine did besides the statements, for people (e.g. an INVALID index a failed
    /// `CREATE INDEX CONCURRENTLY` left, dropped before the build ran again).
    pub notes: Vec<String>,
}

impl ApplyReport {
    /// Whether nothing had to be done.
    pub fn nothing_to_do(&self) -> bool {
        self.revisions.is_empty()
    }

    /// One line for people, e.g. `applied 2 revision(s): a, b` or `already at head`.
    pub fn summary(&self) -> String {
        let list = self.revisions.iter().map(RevisionId::as_str).collect::<Vec<_>>().join(", ");
        match (self.action, self.revisions.is_empty()) {
            ("up", true) => "already at head".to_owned(),
            ("up", false) => format!("applied {} revision(s): {list}", self.revisions.len()),
            ("down", true) => "nothing to downgrade".to_owned(),
            ("down", false) => format!("undid {} revision(s): {list}", self.revisions.len()),
            ("stamp", true) => "the ledger already matches".to_owned(),
            ("stamp", false) => format!("stamped (ledger rows changed for): {list}"),
            (_, true) => "nothing to accept: the file matches the ledger".to_owned(),
            (_, false) => format!("accepted the edit of {list}"),
        }
    }
}

/// Where a database stands against the files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// Applied revisions (from the ledger).
    pub applied: BTreeSet<RevisionId>,
    /// The applied revisions without an applied child: what the database is "at".
    pub current: Vec<RevisionId>,
    /// Applied revisions that no file declares (the database is ahead of the files).
    pub unknown: Vec<RevisionId>,
    /// What `upgrade` would apply, in order.
    pub pending: Vec<RevisionId>,
}

/// What can go wrong while applying.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The files or a revision spec (not the database).
    #[error(transparent)]
    History(#[from] HistoryError),
    /// A query of the engine itself failed (connection, permissions, ledger).
    #[error("{context}: {}", db_text(source))]
    Db {
        /// What the engine was doing.
        context: String,
        /// The driver error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// The ledger holds something unreadable.
    #[error(transparent)]
    Ledger(#[from] LedgerReadError),
    /// Another session held the advisory lock for all of `lock_wait`.
    #[error("another pgshift run holds the migration lock{} and did not release it within {} s; wait for it to finish, or raise --lock-wait", holder.map(|p| format!(" (backend pid {p})")).unwrap_or_default(), waited.as_secs())]
    LockTimeout {
        /// How long we waited.
        waited: Duration,
        /// The pid of the backend holding the lock, if it could be found.
        holder: Option<i32>,
    },
    /// An applied migration's file has changed since it was applied.
    #[error("revision {revision} ({}) was edited after it was applied:\n{diff}\nan applied migration is never run again, so this edit would not reach this database; revert the edit, or once reviewed run `pgshift accept-edit {revision}`", path.display())]
    Edited {
        /// The revision.
        revision: RevisionId,
        /// Its file.
        path: PathBuf,
        /// A unified line diff from the ledger's copy to the file.
        diff: String,
    },
    /// A migration would alter, drop, truncate or write an object the project does not own: a
    /// generated one whatever its comments, a hand-written one without an acknowledgement.
    #[error(
        "{}:{}: this statement of revision {revision} would alter, drop or write {object}, which no migration of this project creates (or an `ignore` pattern names):\n    {statement}\nnothing was run. pgshift never touches another system's objects{}",
        path.display(),
        line,
        if *generated {
            format!("; a generated migration never may: if the change is really wanted, make the migration hand-written after review (delete its `-- generated by: pgshift` line) and put `{acknowledge}` on the line above the statement")
        } else {
            format!("; if this hand-written statement really must, put `{acknowledge}` on the line above it")
        }
    )]
    NotOwned {
        /// The revision.
        revision: RevisionId,
        /// Its file.
        path: PathBuf,
        /// The statement's line.
        line: usize,
        /// The statement.
        statement: String,
        /// The object, as SQL.
        object: String,
        /// Whether the file was generated (no acknowledgement counts there).
        generated: bool,
        /// The comment that acknowledges the statement in a hand-written file.
        acknowledge: String,
    },
    /// A generated migration runs destructive statements nobody consented to.
    #[error(
        "revision {revision} was generated by pgshift, and {} of its statements lose(s) data without the consent `pgshift new` records:{}\nnothing was run",
        statements.len(),
        statements.iter().map(|(line, what)| format!("\n  {}:{line}: {what}", path.display())).collect::<String>()
    )]
    Unconsented {
        /// The revision.
        revision: RevisionId,
        /// Its file.
        path: PathBuf,
        /// Each statement's line and what it does.
        statements: Vec<Unconsented>,
    },
    /// A downgrade would pass revisions without a down section.
    #[error("cannot downgrade: {} ha{} no `-- down` section:{}\nadd a down section, or stamp the database instead", if revisions.len() == 1 { "this revision" } else { "these revisions" }, if revisions.len() == 1 { "s" } else { "ve" }, revisions.iter().map(|r| format!("\n  {r}")).collect::<String>())]
    NoDown {
        /// The revisions without a down section.
        revisions: Vec<RevisionRef>,
    },
    /// `accept-edit` of a revision the ledger does not hold.
    #[error("revision {revision} is not applied to this database, so there is no edit to accept; `pgshift upgrade` applies it")]
    NotApplied {
        /// The revision.
        revision: RevisionId,
    },
    /// A migration statement failed; its transaction was rolled back.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Statement {
        /// The revision it belongs to.
        revision: RevisionId,
        /// Its file.
        path: PathBuf,
        /// The file line of the error (of the statement when the server gave no position).
        line: usize,
        /// The column, in characters, 1-based.
        column: usize,
        /// The statement's text.
        statement: String,
        /// The server's message.
        message: String,
        /// The server's detail.
        detail: Option<String>,
        /// The server's hint.
        hint: Option<String>,
        /// SQLSTATE.
        code: String,
        /// The revisions this run applied before the failure (committed).
        applied: Vec<RevisionId>,
    },
}

impl ApplyError {
    /// What to do next, where the message does not already say it (a front end prints it after
    /// the message; this is the one place the engine's advice lives).
    pub fn hint(&self) -> Option<String> {
        match self {
            ApplyError::Db { .. } => Some("check the connection and that the user may create and write the ledger tables".to_owned()),
            ApplyError::Ledger(_) => Some("inspect the ledger tables (pgshift_revisions)".to_owned()),
            ApplyError::Statement { hint: Some(hint), .. } => Some(hint.clone()),
            ApplyError::Statement { code, .. } if code == "25001" => Some(
                "this statement cannot run inside a transaction: move it under a `-- up: no transaction` (or `-- down: no transaction`) section"
                    .to_owned(),
            ),
            ApplyError::Statement { .. } => {
                Some("fix the cause (or the migration, if it is not applied anywhere yet) and run `pgshift upgrade` again".to_owned())
            }
            // The other messages say what to do themselves.
            ApplyError::History(_) | ApplyError::LockTimeout { .. } | ApplyError::Edited { .. } | ApplyError::NotOwned { .. } => None,
            ApplyError::NoDown { .. } | ApplyError::NotApplied { .. } => None,
            ApplyError::Unconsented { .. } => Some(
                "after review, put `-- pgshift: approved destructive: <what>` on the line above each statement (what `pgshift new` writes when the drop is confirmed on a terminal or with --allow-destructive), or regenerate the migration"
                    .to_owned(),
            ),
        }
    }

    /// Whether the database (not the files or the request) is the cause: unreachable, refused,
    /// a lock held elsewhere, a failing statement.
    pub fn is_database(&self) -> bool {
        matches!(self, ApplyError::Db { .. } | ApplyError::Ledger(_) | ApplyError::LockTimeout { .. } | ApplyError::Statement { .. })
    }
}

/// A driver error in one line: the server's message and SQLSTATE, or the driver's text.
pub fn db_text(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

fn db(context: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> ApplyError {
    let context = context.into();
    move |source| ApplyError::Db { context, source }
}

/// Run `body` holding the ledger's advisory lock, and release it whatever `body` returns.
/// The body is a future that has not started (futures are lazy), so nothing of it runs
/// before the lock is held.
pub async fn with_lock<T>(
    client: &Client,
    ledger: &Ledger,
    options: &ApplyOptions,
    body: impl Future<Output = Result<T, ApplyError>>,
) -> Result<T, ApplyError> {
    acquire(client, ledger, options).await?;
    let result = body.await;
    let unlock = client.execute("SELECT pg_advisory_unlock($1)", &[&ledger.lock_key()]).await;
    match (result, unlock) {
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(db("cannot release the migration lock")(e)),
        (Ok(v), Ok(_)) => Ok(v),
    }
}

async fn acquire(client: &Client, ledger: &Ledger, options: &ApplyOptions) -> Result<(), ApplyError> {
    let key = ledger.lock_key();
    let start = Instant::now();
    let mut pause = Duration::from_millis(20);
    loop {
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
            .await
            .map_err(db("cannot take the migration lock"))?
            .get(0);
        if got {
            return Ok(());
        }
        let waited = start.elapsed();
        if waited >= options.lock_wait {
            let holder = lock_holder(client, key).await;
            return Err(ApplyError::LockTimeout { waited, holder });
        }
        let left = options.lock_wait - waited;
        tokio::time::sleep(jitter(pause).min(left)).await;
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}

async fn lock_holder(client: &Client, key: i64) -> Option<i32> {
    let bits = key as u64;
    let (hi, lo) = ((bits >> 32) as i64, (bits & 0xffff_ffff) as i64);
    let sql = "SELECT l.pid FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
               WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND l.classid::int8 = $1 AND l.objid::int8 = $2 LIMIT 1";
    client.query_opt(sql, &[&hi, &lo]).await.ok().flatten().and_then(|row| row.try_get(0).ok())
}

/// `d` times a random factor in [0.5, 1.5).
fn jitter(d: Duration) -> Duration {
    let mut b = [0u8; 2];
    let r = if getrandom::fill(&mut b).is_ok() { f64::from(u16::from_le_bytes(b)) / 65536.0 } else { 0.5 };
    d.mul_f64(0.5 + r)
}

fn now_unix() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or_default()
}

/// A file's text and the sha256 of its bytes.
/// The ledger row a file gives (from the text it was parsed from: no file is read again).
pub(crate) fn row_of(file: &MigrationFile) -> Result<AppliedRevision, HistoryError> {
    Ok(AppliedRevision {
        revision: file.revision.clone(),
        checksum: file.checksum.to_hex(),
        raw_sha256: raw_sha256(file.text.as_bytes()),
        content: file.text.clone(),
    })
}

fn file_of<'g>(graph: &'g RevisionGraph, id: &RevisionId) -> Result<&'g MigrationFile, ApplyError> {
    graph.get(id).ok_or_else(|| ApplyError::History(HistoryError::UnknownRevision { spec: id.to_string() }))
}

/// Statements of one direction grouped into runs: consecutive transactional sections form
/// one group; each `no transaction` section is its own. Indexes count statements across the
/// direction's sections, in order.
pub(crate) struct Group<'a> {
    pub transactional: bool,
    pub statements: Vec<(usize, &'a Statement)>,
}

pub(crate) fn groups(file: &MigrationFile, direction: Direction) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = Vec::new();
    let mut index = 0;
    for section in file.sections(direction) {
        let join = section.transactional && out.last().is_some_and(|g| g.transactional);
        if !join {
            out.push(Group { transactional: section.transactional, statements: Vec::new() });
        }
        if let Some(group) = out.last_mut() {
            for st in &section.statements {
                group.statements.push((index, st));
                index += 1;
            }
        }
    }
    out
}

/// Read the ledger and check it against the files: unknown applied revisions and edited
/// files are errors; a harmless edit (same checksum, other bytes) is recorded.
async fn verified(
    client: &Client,
    graph: &RevisionGraph,
    ledger: &Ledger,
) -> Result<BTreeMap<RevisionId, AppliedRevision>, ApplyError> {
    ledger.ensure(client).await.map_err(db("cannot create the ledger tables"))?;
    let mut rows = ledger.read(client).await?;
    let applied: BTreeSet<RevisionId> = rows.keys().cloned().collect();
    graph.check_applied(&applied)?;
    for row in rows.values_mut() {
        let current = unedited(graph, row)?;
        if current.raw_sha256 != row.raw_sha256 {
            client
                .batch_execute(&ledger.update_revision_sql(&current))
                .await
                .map_err(db("cannot update the ledger"))?;
            *row = current;
        }
    }
    Ok(rows)
}

/// The ledger row `row`'s file gives now; an error showing the change when the file was really
/// edited (its checksum differs) since it was applied.
fn unedited(graph: &RevisionGraph, row: &AppliedRevision) -> Result<AppliedRevision, ApplyError> {
    let file = file_of(graph, &row.revision)?;
    let current = row_of(file)?;
    if current.checksum != row.checksum {
        let diff = similar::TextDiff::from_lines(&row.content, &current.content)
            .unified_diff()
            .context_radius(2)
            .header("applied", &file.path.display().to_string())
            .to_string();
        return Err(ApplyError::Edited { revision: row.revision.clone(), path: file.path.clone(), diff });
    }
    Ok(current)
}

/// Where the database stands: applied, current heads, unknown, pending. Does not lock or
/// create anything.
pub async fn status(client: &Client, graph: &RevisionGraph, options: &ApplyOptions) -> Result<Status, ApplyError> {
    let ledger = Ledger::new(&options.ledger_schema);
    let applied: BTreeSet<RevisionId> = ledger.read(client).await?.into_keys().collect();
    let unknown = applied.iter().filter(|id| !graph.contains(id)).cloned().collect();
    Ok(Status {
        current: graph.heads_of(&applied),
        pending: graph.plan_upgrade(&applied, None)?,
        unknown,
        applied,
    })
}

/// What `upgrade` to `target` would apply now (for `--dry-run`), refusing what `upgrade` would
/// refuse (an edited applied migration, a generated statement on a foreign object); does not
/// lock or write.
pub async fn pending(
    client: &Client,
    graph: &RevisionGraph,
    target: Option<&str>,
    options: &ApplyOptions,
) -> Result<Vec<RevisionId>, ApplyError> {
    let target = upgrade_target(graph, target)?;
    let ledger = Ledger::new(&options.ledger_schema);
    let rows = ledger.read(client).await?;
    let applied: BTreeSet<RevisionId> = rows.keys().cloned().collect();
    graph.check_applied(&applied)?;
    // What `upgrade` would refuse, a dry run reports too (without `upgrade`'s ledger writes).
    for row in rows.values() {
        unedited(graph, row)?;
    }
    let plan = graph.plan_upgrade(&applied, target.as_ref())?;
    guard(graph, &plan, Direction::Up, options)?;
    consent(graph, &plan, options)?;
    Ok(plan)
}

fn upgrade_target(graph: &RevisionGraph, target: Option<&str>) -> Result<Option<RevisionId>, HistoryError> {
    match target {
        Some(spec) => graph.resolve(spec).map(Some),
        None if graph.is_empty() => Ok(None),
        None => graph.single_head().map(Some),
    }
}

/// Apply every revision up to `target` (`head`, an id or a prefix; the single head when
/// `None`), under the advisory lock.
pub async fn upgrade(
    client: &Client,
    graph: &RevisionGraph,
    target: Option<&str>,
    options: &ApplyOptions,
) -> Result<ApplyReport, ApplyError> {
    let target = upgrade_target(graph, target)?;
    let ledger = Ledger::new(&options.ledger_schema);
    with_lock(client, &ledger, options, async {
        let rows = verified(client, graph, &ledger).await?;
        let applied: BTreeSet<RevisionId> = rows.keys().cloned().collect();
        let plan = graph.plan_upgrade(&applied, target.as_ref())?;
        guard(graph, &plan, Direction::Up, options)?;
        consent(graph, &plan, options)?;
        let progress = ledger.progress(client).await.map_err(db("cannot read the ledger's progress"))?;
        let mut done = Vec::new();
        let mut notes = Vec::new();
        let mut plan = plan;
        if let Some(batch) = batch_sql(graph, &ledger, &plan, &progress, options)? {
            // Every pending revision at once, one transaction each, in one round trip. On a
            // failure, what committed is in the ledger; the rest runs one revision at a time
            // below, which names the failing statement exactly.
            options.tell(Event::Batch { total: plan.len() });
            if client.batch_execute(&batch).await.is_ok() {
                options.tell(Event::Finished);
                return Ok(ApplyReport { action: "up", revisions: plan, notes: Vec::new() });
            }
            let _ = client.batch_execute("ROLLBACK").await;
            let applied = ledger.read(client).await?;
            done = plan.iter().filter(|id| applied.contains_key(*id)).cloned().collect();
            plan.retain(|id| !applied.contains_key(id));
        }
        let total = plan.len();
        for (index, id) in plan.into_iter().enumerate() {
            let file = file_of(graph, &id)?;
            options.tell(Event::Revision { index, total, revision: &id, message: &file.message });
            let skip = Ledger::done(&progress, &id, Direction::Up);
            let ran = run_revision(client, &ledger, file, Direction::Up, skip, options, &done, &mut notes).await;
            if ran.is_err() {
                options.tell(Event::Finished);
            }
            ran?;
            done.push(id);
        }
        options.tell(Event::Finished);
        Ok(ApplyReport { action: "up", revisions: done, notes })
    })
    .await
}

/// Undo applied revisions down to `target`, children first, under the advisory lock.
pub async fn downgrade(
    client: &Client,
    graph: &RevisionGraph,
    target: &DowngradeTarget,
    options: &ApplyOptions,
) -> Result<ApplyReport, ApplyError> {
    let ledger = Ledger::new(&options.ledger_schema);
    with_lock(client, &ledger, options, async {
        let rows = verified(client, graph, &ledger).await?;
        let applied: BTreeSet<RevisionId> = rows.keys().cloned().collect();
        let plan = graph.plan_downgrade(&applied, target)?;
        let missing: Vec<RevisionRef> = plan
            .iter()
            .filter(|id| graph.get(id).is_some_and(|f| !f.has_down()))
            .filter_map(|id| graph.reference(id))
            .collect();
        if !missing.is_empty() {
            return Err(ApplyError::NoDown { revisions: missing });
        }
        guard(graph, &plan, Direction::Down, options)?;
        let progress = ledger.progress(client).await.map_err(db("cannot read the ledger's progress"))?;
        let mut done = Vec::new();
        let mut notes = Vec::new();
        let total = plan.len();
        for (index, id) in plan.into_iter().enumerate() {
            let file = file_of(graph, &id)?;
            options.tell(Event::Revision { index, total, revision: &id, message: &file.message });
            let ran = run_revision(client, &ledger, file, Direction::Down, Ledger::done(&progress, &id, Direction::Down), options, &done, &mut notes).await;
            if ran.is_err() {
                options.tell(Event::Finished);
            }
            ran?;
            done.push(id);
        }
        options.tell(Event::Finished);
        Ok(ApplyReport { action: "down", revisions: done, notes })
    })
    .await
}

/// The SQL that applies every revision of `plan` in one multi-statement query, one
/// transaction per revision with its ledger and log rows (as [`run_revision`] would), when
/// every one of them is a single transactional group with no progress recorded; else `None`.
fn batch_sql(
    graph: &RevisionGraph,
    ledger: &Ledger,
    plan: &[RevisionId],
    progress: &BTreeMap<String, i32>,
    options: &ApplyOptions,
) -> Result<Option<String>, ApplyError> {
    if plan.len() < 2 {
        return Ok(None);
    }
    let mut sql = String::new();
    for id in plan {
        let file = file_of(graph, id)?;
        let groups = groups(file, Direction::Up);
        let simple = matches!(groups.as_slice(), [] | [Group { transactional: true, .. }])
            && Ledger::done(progress, id, Direction::Up) == 0;
        if !simple {
            return Ok(None);
        }
        let row = row_of(file)?;
        sql.push_str(&format!("BEGIN;\nSET LOCAL lock_timeout = {};\n", quote::literal(&options.lock_timeout)));
        for (_, st) in groups.iter().flat_map(|g| &g.statements) {
            sql.push_str(&st.sql);
            sql.push_str("\n;\n");
        }
        sql.push_str(&ledger.insert_revision_sql(&row));
        sql.push_str(";\n");
        sql.push_str(&ledger.log_sql_in_transaction(id, "up", &row.checksum));
        sql.push_str(";\nCOMMIT;\n");
    }
    Ok(Some(sql))
}

/// Before anything runs: every destructive statement of a generated revision in `plan` carries
/// its consent ([`ApplyOptions::consent`]).
fn consent(graph: &RevisionGraph, plan: &[RevisionId], options: &ApplyOptions) -> Result<(), ApplyError> {
    let Some(Consent(check)) = options.consent else { return Ok(()) };
    for file in plan.iter().filter_map(|id| graph.get(id)).filter(|f| f.generated) {
        let statements = check(file);
        if !statements.is_empty() {
            return Err(ApplyError::Unconsented { revision: file.revision.clone(), path: file.path.clone(), statements });
        }
    }
    Ok(())
}

/// Rule 4 of DESIGN.md, before anything runs: no statement of a revision in `plan` may alter,
/// drop, truncate or write an object the project does not own (a hand-written one may, with an
/// acknowledgement; [`ApplyOptions::guard_hand_written`]).
fn guard(graph: &RevisionGraph, plan: &[RevisionId], direction: Direction, options: &ApplyOptions) -> Result<(), ApplyError> {
    let files: Vec<&MigrationFile> =
        plan.iter().filter_map(|id| graph.get(id)).filter(|f| f.generated || options.guard_hand_written).collect();
    if files.is_empty() {
        return Ok(());
    }
    let owned = crate::guard::Owned::of(graph, &options.own_schemas).ignoring(&options.ignore);
    for file in files {
        if let Some(t) = crate::guard::check(file, direction, &owned) {
            let acknowledge = match &t.object {
                crate::guard::Target::Object(name) => {
                    format!("-- pgshift: allow foreign \"{}\" <reason>", name.name.replace('"', "\"\""))
                }
                _ => "-- pgshift: allow foreign-object <reason>".to_owned(),
            };
            return Err(ApplyError::NotOwned {
                revision: file.revision.clone(),
                path: file.path.clone(),
                line: t.statement.line,
                statement: t.statement.sql,
                object: t.object.to_string(),
                generated: file.generated,
                acknowledge,
            });
        }
    }
    Ok(())
}

/// Set the ledger to exactly `rev` and its ancestors (`base`: nothing) without running any
/// migration SQL; one `stamp` log row per revision added or removed.
pub async fn stamp(client: &Client, graph: &RevisionGraph, rev: &str, options: &ApplyOptions) -> Result<ApplyReport, ApplyError> {
    stamp_as(client, graph, rev, options, "stamp").await
}

/// [`stamp`], logged with `direction` instead of `stamp`: `pgshift adopt` records
/// `adopt` (or `adopt alembic=<revision>`) so the log says where the baseline came from.
pub async fn stamp_as(
    client: &Client,
    graph: &RevisionGraph,
    rev: &str,
    options: &ApplyOptions,
    direction: &str,
) -> Result<ApplyReport, ApplyError> {
    let wanted = if rev.trim() == "base" { BTreeSet::new() } else { graph.ancestors(&graph.resolve(rev)?) };
    let ledger = Ledger::new(&options.ledger_schema);
    with_lock(client, &ledger, options, async {
        ledger.ensure(client).await.map_err(db("cannot create the ledger tables"))?;
        let rows = ledger.read(client).await?;
        let started = Some(now_unix());
        let mut sql = Vec::new();
        let mut changed = Vec::new();
        for (id, row) in rows.iter().rev() {
            if !wanted.contains(id) {
                sql.push(ledger.delete_revision_sql(id));
                sql.push(ledger.log_sql(&LogEntry { revision: id, direction, checksum: Some(&row.checksum), started_unix: started }));
                changed.push(id.clone());
            }
        }
        for id in graph.ordered().iter().filter(|id| wanted.contains(*id) && !rows.contains_key(*id)) {
            let row = row_of(file_of(graph, id)?)?;
            sql.push(ledger.insert_revision_sql(&row));
            sql.push(ledger.log_sql(&LogEntry { revision: id, direction, checksum: Some(&row.checksum), started_unix: started }));
            changed.push(id.clone());
        }
        if !sql.is_empty() {
            run_ledger_transaction(client, &sql.join(";\n")).await?;
        }
        Ok(ApplyReport { action: "stamp", revisions: changed, notes: Vec::new() })
    })
    .await
}

/// Record the current file of an applied revision as reviewed: its checksum, bytes and text
/// replace the ledger's (log `accept-edit`).
pub async fn accept_edit(
    client: &Client,
    graph: &RevisionGraph,
    rev: &str,
    options: &ApplyOptions,
) -> Result<ApplyReport, ApplyError> {
    let id = graph.resolve(rev)?;
    let ledger = Ledger::new(&options.ledger_schema);
    with_lock(client, &ledger, options, async {
        ledger.ensure(client).await.map_err(db("cannot create the ledger tables"))?;
        let rows = ledger.read(client).await?;
        let Some(old) = rows.get(&id) else { return Err(ApplyError::NotApplied { revision: id.clone() }) };
        let row = row_of(file_of(graph, &id)?)?;
        if row.checksum == old.checksum && row.raw_sha256 == old.raw_sha256 {
            return Ok(ApplyReport { action: "accept-edit", revisions: Vec::new(), notes: Vec::new() });
        }
        let log = LogEntry { revision: &id, direction: "accept-edit", checksum: Some(&row.checksum), started_unix: Some(now_unix()) };
        let sql = format!("{};\n{}", ledger.update_revision_sql(&row), ledger.log_sql(&log));
        run_ledger_transaction(client, &sql).await?;
        Ok(ApplyReport { action: "accept-edit", revisions: vec![id.clone()], notes: Vec::new() })
    })
    .await
}

async fn run_ledger_transaction(client: &Client, sql: &str) -> Result<(), ApplyError> {
    let result = client.batch_execute(&format!("BEGIN;\n{sql};\nCOMMIT")).await;
    if result.is_err() {
        let _ = client.batch_execute("ROLLBACK").await;
    }
    result.map_err(db("cannot write the ledger"))
}

/// A failure inside a run of statements.
enum Failure<'a> {
    /// A migration statement failed.
    Statement(&'a Statement, tokio_postgres::Error),
    /// Anything else (BEGIN, ledger writes, COMMIT).
    Other(tokio_postgres::Error),
}

fn is_lock_not_available(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().is_some_and(|db| db.code().code() == "55P03")
}

/// Run one revision's sections of `direction` and record it in the ledger.
async fn run_revision(
    client: &Client,
    ledger: &Ledger,
    file: &MigrationFile,
    direction: Direction,
    skip: usize,
    options: &ApplyOptions,
    done_before: &[RevisionId],
    notes: &mut Vec<String>,
) -> Result<(), ApplyError> {
    let up = direction == Direction::Up;
    let started = Some(now_unix());
    let finish = if up {
        let row = row_of(file)?;
        let log = LogEntry { revision: &file.revision, direction: "up", checksum: Some(&row.checksum), started_unix: started };
        format!("{};\n{}", ledger.insert_revision_sql(&row), ledger.log_sql(&log))
    } else {
        let checksum = file.checksum.to_hex();
        let log = LogEntry { revision: &file.revision, direction: "down", checksum: Some(&checksum), started_unix: started };
        format!("{};\n{}", ledger.delete_revision_sql(&file.revision), ledger.log_sql(&log))
    };
    let fail = |failure: Failure<'_>| match failure {
        Failure::Statement(st, e) => statement_error(file, st, e, done_before),
        Failure::Other(e) => db(format!("applying revision {} failed", file.revision))(e),
    };
    let groups = groups(file, direction);
    let mut finished = false;
    for (gi, group) in groups.iter().enumerate() {
        let last = gi + 1 == groups.len();
        let todo: Vec<&Statement> = group.statements.iter().filter(|(i, _)| *i >= skip).map(|(_, s)| *s).collect();
        if group.transactional {
            if todo.is_empty() && !last {
                continue;
            }
            let tail = if last {
                finished = true;
                finish.clone()
            } else {
                let end = group.statements.last().map_or(0, |(i, _)| i + 1);
                ledger.set_progress_sql(&file.revision, end, direction)
            };
            retrying(options, || transaction(client, options, &todo, &tail)).await.map_err(fail)?;
        } else {
            for (i, st) in group.statements.iter().filter(|(i, _)| *i >= skip) {
                if let Some(note) = drop_invalid_index(client, st).await.map_err(fail)? {
                    notes.push(note);
                }
                retrying(options, || autocommit(client, options, st)).await.map_err(fail)?;
                client
                    .batch_execute(&ledger.set_progress_sql(&file.revision, i + 1, direction))
                    .await
                    .map_err(db("cannot record progress in the ledger"))?;
            }
        }
    }
    if !finished {
        retrying(options, || transaction(client, options, &[], &finish)).await.map_err(fail)?;
    }
    Ok(())
}

/// Run `attempt` again while it fails with `lock_not_available`, up to `lock_retries` times,
/// sleeping 200 ms, 400 ms, … (jittered) in between.
async fn retrying<'a, F, Fut>(options: &ApplyOptions, mut attempt: F) -> Result<(), Failure<'a>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), Failure<'a>>>,
{
    let mut pause = Duration::from_millis(200);
    let mut retries = 0;
    loop {
        match attempt().await {
            Err(Failure::Statement(_, ref e)) if is_lock_not_available(e) && retries < options.lock_retries => {
                retries += 1;
                tokio::time::sleep(jitter(pause)).await;
                pause = (pause * 2).min(Duration::from_secs(10));
            }
            other => return other,
        }
    }
}

/// One transaction: `SET LOCAL lock_timeout`, the statements, then `tail` (ledger writes).
///
/// Sent as one multi-statement query (one round trip for the whole group). When it fails, it
/// is rolled back and run again statement by statement, which names the failing statement and
/// its position exactly (nothing of the first attempt stays, so running it again is safe).
async fn transaction<'a>(client: &Client, options: &ApplyOptions, statements: &[&'a Statement], tail: &str) -> Result<(), Failure<'a>> {
    let mut batch = format!("BEGIN;\nSET LOCAL lock_timeout = {};\n", quote::literal(&options.lock_timeout));
    for st in statements {
        // On its own line: a statement's last line may end in a `--` comment.
        batch.push_str(&st.sql);
        batch.push_str("\n;\n");
    }
    if !tail.is_empty() {
        batch.push_str(tail);
        batch.push_str("\n;\n");
    }
    batch.push_str("COMMIT");
    if client.batch_execute(&batch).await.is_ok() {
        return Ok(());
    }
    let _ = client.batch_execute("ROLLBACK").await;
    transaction_stepwise(client, options, statements, tail).await
}

/// [`transaction`] one statement at a time.
async fn transaction_stepwise<'a>(client: &Client, options: &ApplyOptions, statements: &[&'a Statement], tail: &str) -> Result<(), Failure<'a>> {
    let begin = format!("BEGIN;\nSET LOCAL lock_timeout = {}", quote::literal(&options.lock_timeout));
    client.batch_execute(&begin).await.map_err(Failure::Other)?;
    let body = async {
        for st in statements {
            client.batch_execute(&st.sql).await.map_err(|e| Failure::Statement(st, e))?;
        }
        if !tail.is_empty() {
            client.batch_execute(tail).await.map_err(Failure::Other)?;
        }
        client.batch_execute("COMMIT").await.map_err(Failure::Other)
    };
    let result = body.await;
    if result.is_err() {
        // Nothing of the group stays; the connection is usable again.
        let _ = client.batch_execute("ROLLBACK").await;
    }
    result
}

/// Before `CREATE [UNIQUE] INDEX CONCURRENTLY name ON table`: the INVALID index of that name on
/// that table that an earlier failed build left (PostgreSQL keeps it, and a rerun would fail
/// on the name, or skip the build under `IF NOT EXISTS`) is dropped concurrently. A valid index
/// of that name stays (the statement's `IF NOT EXISTS`, or its error, decides). One catalog
/// query per such statement; other statements cost nothing.
async fn drop_invalid_index<'a>(client: &Client, st: &'a Statement) -> Result<Option<String>, Failure<'a>> {
    let Some((table, index)) = concurrent_index(&st.sql) else { return Ok(None) };
    let row = client
        .query_opt(
            "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) \
               FROM pg_catalog.pg_index i \
               JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid \
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
              WHERE NOT i.indisvalid AND c.relname = $1 AND i.indrelid = pg_catalog.to_regclass($2)",
            &[&index, &table],
        )
        .await
        .map_err(Failure::Other)?;
    let Some(row) = row else { return Ok(None) };
    let name: String = row.get(0);
    client.batch_execute(&format!("DROP INDEX CONCURRENTLY IF EXISTS {name}")).await.map_err(|e| Failure::Statement(st, e))?;
    Ok(Some(format!("dropped the INVALID index {name} that an earlier failed build left, before building it again")))
}

/// The table (as SQL) and index name of a `CREATE INDEX CONCURRENTLY` statement that names
/// its index.
fn concurrent_index(sql: &str) -> Option<(String, String)> {
    let parsed = pg_query::parse(sql, pg_query::ParserOptions::default()).ok()?;
    let [stmt] = parsed.protobuf.stmts.as_slice() else { return None };
    let Some(pg_query::NodeEnum::IndexStmt(s)) = stmt.stmt.as_ref().and_then(|n| n.node.as_ref()) else { return None };
    let relation = s.relation.as_ref()?;
    if !s.concurrent || s.idxname.is_empty() {
        return None;
    }
    let table = if relation.schemaname.is_empty() {
        quote::ident(&relation.relname)
    } else {
        quote::qualified(&relation.schemaname, &relation.relname)
    };
    Some((table, s.idxname.clone()))
}

/// One `no transaction` statement with the session's `lock_timeout` set around it.
async fn autocommit<'a>(client: &Client, options: &ApplyOptions, st: &'a Statement) -> Result<(), Failure<'a>> {
    let set = format!("SET lock_timeout = {}", quote::literal(&options.lock_timeout));
    client.batch_execute(&set).await.map_err(Failure::Other)?;
    let result = client.batch_execute(&st.sql).await.map_err(|e| Failure::Statement(st, e));
    let reset = client.batch_execute("RESET lock_timeout").await;
    result?;
    reset.map_err(Failure::Other)
}

fn statement_error(file: &MigrationFile, st: &Statement, e: tokio_postgres::Error, applied: &[RevisionId]) -> ApplyError {
    let Some(dbe) = e.as_db_error() else {
        return db(format!("applying revision {} failed", file.revision))(e);
    };
    let (line, column) = match dbe.position() {
        Some(ErrorPosition::Original(pos)) => st.position((*pos as usize).saturating_sub(1)),
        _ => (st.line, st.column),
    };
    ApplyError::Statement {
        revision: file.revision.clone(),
        path: file.path.clone(),
        line,
        column,
        statement: st.sql.clone(),
        message: dbe.message().to_owned(),
        detail: dbe.detail().map(str::to_owned),
        hint: dbe.hint().map(str::to_owned),
        code: dbe.code().code().to_owned(),
        applied: applied.to_vec(),
    }
}
