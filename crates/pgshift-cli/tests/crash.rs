//! Crash safety of `pgshift upgrade`: SIGKILL the process at random points and check that the
//! ledger always matches the schema, and that a rerun reaches head.
//!
//! Six revisions mix transactional sections and `-- up: no transaction` sections of several
//! statements each (CREATE INDEX CONCURRENTLY, ALTER TYPE … ADD VALUE, inserts, `pg_sleep`s so
//! that there is something to interrupt). Every statement that creates something has a check
//! (does its object exist?), which gives the invariant after a kill, once the killed run's
//! backend has gone:
//!
//! * the ledger (`pgshift_revisions`) holds a prefix of the chain, each with one `up` log row,
//!   and every check of those revisions holds;
//! * the first revision not in the ledger, with `k` = its `pgshift_progress.statements_done`
//!   (0 without a row), has exactly its statements before `k` done, none after `k`; statement
//!   `k` itself may be done only when it is a `no transaction` statement (the documented window
//!   between a committed autocommit statement and its progress row: the server finishes a
//!   statement whose client died, so that window is wide);
//! * every later revision has nothing done and no progress row.
//!
//! Kill delays are uniform in 0–300 ms (or up to the uninterrupted run's time when that is
//! longer). Then `pgshift upgrade` again (sometimes killed too, then checked again) and finally to
//! completion: exit 0, every revision applied once, every object present, every index valid,
//! no progress left.
//!
//! In one iteration in five a second run starts at once after the kill, while the killed run's
//! backend may still hold the advisory lock, and is killed in turn before the check.
//!
//! `CRASH_ITERATIONS` (default 60) and `CRASH_SEED` (default fixed) tune the run; a failure
//! prints the seed, the iteration and the kill delay.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pgshift_testkit::TestDb;
use tokio_postgres::Client;

/// What a statement leaves behind, checked in the catalogs (or a row by id).
#[derive(Clone, Copy, Debug)]
enum Check {
    /// Nothing observable (`pg_sleep`, an UPDATE).
    None,
    /// A table, view or other relation in `public`.
    Relation(&'static str),
    /// A valid index.
    Index(&'static str),
    /// A label of enum type `mood`.
    Label(&'static str),
    /// A column `table.column`.
    Column(&'static str, &'static str),
    /// A constraint by name.
    Constraint(&'static str),
    /// The row with `id` in `table` (the table may not exist).
    Row(&'static str, i32),
    /// The table holds at least one row (the table may not exist).
    NonEmpty(&'static str),
}

struct Stmt {
    sql: &'static str,
    check: Check,
}

struct Section {
    transactional: bool,
    statements: Vec<Stmt>,
}

struct Revision {
    id: &'static str,
    sections: Vec<Section>,
}

fn st(sql: &'static str, check: Check) -> Stmt {
    Stmt { sql, check }
}

fn tx(statements: Vec<Stmt>) -> Section {
    Section {
        transactional: true,
        statements,
    }
}

fn notx(statements: Vec<Stmt>) -> Section {
    Section {
        transactional: false,
        statements,
    }
}

/// The history: a chain of six revisions. Checks are unique per statement (no statement
/// creates what another checks), and nothing is ever dropped.
fn history() -> Vec<Revision> {
    use Check::*;
    vec![
        Revision {
            id: "c0a5e0000001",
            sections: vec![tx(vec![
                st("CREATE TYPE mood AS ENUM ('ok')", Relation("mood")),
                st(
                    "CREATE TABLE account (id bigint PRIMARY KEY, name text NOT NULL)",
                    Relation("account"),
                ),
                st(
                    "INSERT INTO account SELECT g, 'name ' || g FROM generate_series(1, 5000) g",
                    NonEmpty("account"),
                ),
                st("SELECT pg_sleep(0.03)", None),
            ])],
        },
        Revision {
            id: "c0a5e0000002",
            sections: vec![notx(vec![
                st(
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS account_name_idx ON account (name)",
                    Index("account_name_idx"),
                ),
                st("SELECT pg_sleep(0.03)", None),
                st(
                    "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'",
                    Label("meh"),
                ),
                st("SELECT pg_sleep(0.03)", None),
                st(
                    "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'sad'",
                    Label("sad"),
                ),
            ])],
        },
        Revision {
            id: "c0a5e0000003",
            sections: vec![
                tx(vec![
                    st(
                        "CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint NOT NULL, m mood NOT NULL)",
                        Relation("orders"),
                    ),
                    st(
                        "INSERT INTO orders SELECT g, g, 'meh' FROM generate_series(1, 5000) g",
                        NonEmpty("orders"),
                    ),
                ]),
                notx(vec![
                    st(
                        "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_account_idx ON orders (account_id)",
                        Index("orders_account_idx"),
                    ),
                    st("SELECT pg_sleep(0.03)", None),
                    st(
                        "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_m_idx ON orders (m)",
                        Index("orders_m_idx"),
                    ),
                ]),
                tx(vec![
                    st(
                        "ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES account (id)",
                        Constraint("orders_account_fk"),
                    ),
                    st("SELECT pg_sleep(0.03)", None),
                ]),
            ],
        },
        Revision {
            id: "c0a5e0000004",
            sections: vec![tx(vec![
                st(
                    "ALTER TABLE account ADD COLUMN email text",
                    Column("account", "email"),
                ),
                st("UPDATE account SET email = id || '@example.com'", None),
                st(
                    "CREATE UNIQUE INDEX account_email_idx ON account (email)",
                    Index("account_email_idx"),
                ),
                st(
                    "ALTER TABLE account ADD CONSTRAINT account_email_ck CHECK (email LIKE '%@%')",
                    Constraint("account_email_ck"),
                ),
            ])],
        },
        Revision {
            id: "c0a5e0000005",
            sections: vec![
                notx(vec![
                    st(
                        "CREATE TABLE IF NOT EXISTS audit (id int PRIMARY KEY, note text)",
                        Relation("audit"),
                    ),
                    st(
                        "INSERT INTO audit VALUES (1, 'one') ON CONFLICT DO NOTHING",
                        Row("audit", 1),
                    ),
                    st("SELECT pg_sleep(0.03)", None),
                    st(
                        "INSERT INTO audit VALUES (2, 'two') ON CONFLICT DO NOTHING",
                        Row("audit", 2),
                    ),
                    st(
                        "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy'",
                        Label("happy"),
                    ),
                ]),
                tx(vec![
                    st(
                        "ALTER TABLE audit ADD COLUMN at timestamptz NOT NULL DEFAULT now()",
                        Column("audit", "at"),
                    ),
                    st(
                        "INSERT INTO audit (id, note) VALUES (3, 'three')",
                        Row("audit", 3),
                    ),
                ]),
            ],
        },
        Revision {
            id: "c0a5e0000006",
            sections: vec![
                tx(vec![
                    st(
                        "CREATE TABLE tag (id int PRIMARY KEY, label text NOT NULL)",
                        Relation("tag"),
                    ),
                    st(
                        "INSERT INTO tag SELECT g, 'tag ' || g FROM generate_series(1, 3000) g",
                        NonEmpty("tag"),
                    ),
                    st(
                        "CREATE VIEW account_orders AS SELECT a.id, count(o.id) AS n FROM account a LEFT JOIN orders o ON o.account_id = a.id GROUP BY a.id",
                        Relation("account_orders"),
                    ),
                ]),
                notx(vec![
                    st("SELECT pg_sleep(0.03)", None),
                    st(
                        "CREATE INDEX CONCURRENTLY IF NOT EXISTS tag_label_idx ON tag (label)",
                        Index("tag_label_idx"),
                    ),
                ]),
            ],
        },
    ]
}

fn file_text(rev: &Revision, parent: Option<&str>) -> String {
    let mut out = format!(
        "-- pgshift revision: {}\n-- parents: {}\n-- message: crash {}\n\n",
        rev.id,
        parent.unwrap_or(""),
        rev.id
    );
    for section in &rev.sections {
        out.push_str(if section.transactional {
            "-- up\n"
        } else {
            "-- up: no transaction\n"
        });
        for s in &section.statements {
            out.push_str(s.sql);
            out.push_str(";\n");
        }
        out.push('\n');
    }
    out
}

fn write_history(dir: &Path, revs: &[Revision]) {
    let mut parent = None;
    for (i, rev) in revs.iter().enumerate() {
        std::fs::write(
            dir.join(format!("{:02}_{}.sql", i + 1, rev.id)),
            file_text(rev, parent),
        )
        .unwrap();
        parent = Some(rev.id);
    }
}

/// SplitMix64: a small seeded generator (no `rand` in this crate's dev-dependencies).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn upgrade_command(dir: &Path, url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgshift"));
    cmd.args(["upgrade", "--migrations", dir.to_str().unwrap()])
        .env("DATABASE_URL", url)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Start `pgshift upgrade`, SIGKILL it after `delay` unless it exited before. Returns whether
/// it was killed (false: it finished first, with its exit status checked to be 0).
fn upgrade_killed_after(dir: &Path, url: &str, delay: Duration) -> bool {
    let mut child = upgrade_command(dir, url).spawn().expect("start pgshift");
    let deadline = Instant::now() + delay;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            assert!(
                status.success(),
                "upgrade failed before the kill: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return false;
        }
        if Instant::now() >= deadline {
            child.kill().expect("SIGKILL pgshift"); // SIGKILL on Unix
            child.wait().unwrap();
            return true;
        }
        std::thread::sleep(
            Duration::from_millis(1).min(deadline.saturating_duration_since(Instant::now())),
        );
    }
}

fn upgrade_to_completion(dir: &Path, url: &str) {
    let out = upgrade_command(dir, url).output().expect("run pgshift");
    assert!(
        out.status.success(),
        "rerun failed ({:?}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Wait until no other session is connected to the database: the killed run's backend
/// finishes its statement (the server does not notice a dead client mid-statement) and exits.
async fn wait_for_other_sessions(client: &Client) {
    let start = Instant::now();
    loop {
        let n: i64 = client
            .query_one("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()", &[])
            .await
            .unwrap()
            .get(0);
        if n == 0 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the killed run's backend did not go away"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn holds(client: &Client, check: Check) -> Option<bool> {
    let q = |sql: &str| {
        let sql = sql.to_owned();
        async move { client.query_one(&sql, &[]).await.unwrap().get::<_, bool>(0) }
    };
    let relation = |name: &str| format!("SELECT to_regclass('public.{name}') IS NOT NULL");
    Some(match check {
        Check::None => return None,
        Check::Relation("mood") => q("SELECT to_regtype('public.mood') IS NOT NULL").await,
        Check::Relation(name) => q(&relation(name)).await,
        Check::Index(name) => {
            q(&format!("SELECT EXISTS (SELECT FROM pg_index WHERE indexrelid = to_regclass('public.{name}'))")).await
        }
        Check::Label(label) => {
            q(&format!("SELECT EXISTS (SELECT FROM pg_enum WHERE enumtypid = to_regtype('public.mood') AND enumlabel = '{label}')")).await
        }
        Check::Column(table, column) => {
            q(&format!(
                "SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass('public.{table}') AND attname = '{column}' AND NOT attisdropped)"
            ))
            .await
        }
        Check::Constraint(name) => q(&format!("SELECT EXISTS (SELECT FROM pg_constraint WHERE conname = '{name}')")).await,
        Check::Row(table, id) => q(&relation(table)).await && q(&format!("SELECT EXISTS (SELECT FROM {table} WHERE id = {id})")).await,
        Check::NonEmpty(table) => q(&relation(table)).await && q(&format!("SELECT EXISTS (SELECT FROM {table})")).await,
    })
}

/// The ledger: applied revisions with their count of `up` log rows, and progress rows.
struct LedgerState {
    applied: Vec<String>,
    up_logs: BTreeMap<String, i64>,
    progress: BTreeMap<String, i32>,
}

async fn ledger_state(client: &Client) -> LedgerState {
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('public.pgshift_revisions') IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    if !exists {
        return LedgerState {
            applied: Vec::new(),
            up_logs: BTreeMap::new(),
            progress: BTreeMap::new(),
        };
    }
    let applied = client
        .query(
            "SELECT revision FROM pgshift_revisions ORDER BY revision",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let up_logs = client
        .query(
            "SELECT revision, count(*) FROM pgshift_log WHERE direction = 'up' GROUP BY revision",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let progress = client
        .query(
            "SELECT revision, statements_done FROM pgshift_progress",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    LedgerState {
        applied,
        up_logs,
        progress,
    }
}

/// Check "the ledger matches the schema" (see the module documentation); `Err` says how not.
/// With `complete`, also require every revision applied and every index valid.
/// What a successful check saw: a revision partly applied (statements done but not in the
/// ledger), and among those, a `no transaction` statement done past its progress row.
#[derive(Default)]
struct Seen {
    partial: bool,
    window: bool,
}

async fn check_invariant(
    client: &Client,
    revs: &[Revision],
    complete: bool,
) -> Result<Seen, String> {
    let mut seen = Seen::default();
    let ledger = ledger_state(client).await;
    let n = ledger.applied.len();
    let prefix: Vec<String> = revs[..n.min(revs.len())]
        .iter()
        .map(|r| r.id.to_owned())
        .collect();
    if ledger.applied != prefix {
        return Err(format!(
            "the ledger holds {:?}, not a prefix of the chain",
            ledger.applied
        ));
    }
    if complete && n != revs.len() {
        return Err(format!("only {n} of {} revisions applied", revs.len()));
    }
    for (id, count) in &ledger.up_logs {
        let applied = ledger.applied.contains(id);
        if *count != 1 || !applied {
            return Err(format!(
                "revision {id}: {count} `up` log row(s), applied: {applied}"
            ));
        }
    }
    for rev in &revs[..n] {
        if !ledger.up_logs.contains_key(rev.id) {
            return Err(format!(
                "revision {} is applied without an `up` log row",
                rev.id
            ));
        }
    }
    if let Some((id, _)) = ledger
        .progress
        .iter()
        .find(|(id, _)| revs.get(n).is_none_or(|r| r.id != id.as_str()))
    {
        return Err(format!(
            "a progress row for {id}, which is not the first pending revision; progress: {:?}",
            ledger.progress
        ));
    }
    for (ri, rev) in revs.iter().enumerate() {
        // For the first pending revision: statements before k done, k maybe (no transaction
        // only), after k not; applied: all done; later: none.
        let k: Option<usize> = match ri.cmp(&n) {
            std::cmp::Ordering::Less => None,
            std::cmp::Ordering::Equal => {
                Some(ledger.progress.get(rev.id).map_or(0, |&k| k as usize))
            }
            std::cmp::Ordering::Greater => Some(0),
        };
        let mut index = 0;
        let mut states = Vec::new();
        let mut bad = false;
        for section in &rev.sections {
            for s in &section.statements {
                let got = holds(client, s.check).await;
                let ok = match (got, k) {
                    (None, _) => true,
                    (Some(done), None) => done,
                    (Some(done), Some(k)) if ri == n => {
                        seen.partial |= done;
                        if index < k {
                            done
                        } else if index == k && !section.transactional {
                            seen.window |= done;
                            true
                        } else {
                            !done
                        }
                    }
                    (Some(done), Some(_)) => !done,
                };
                bad |= !ok;
                states.push(format!(
                    "{index}:{}{}",
                    got.map_or("-", |d| if d { "done" } else { "not" }),
                    if ok { "" } else { "(!)" }
                ));
                index += 1;
            }
        }
        if bad {
            return Err(format!(
                "revision {} (applied: {}, progress: {:?}) does not match the schema: statements {}",
                rev.id,
                ri < n,
                ledger.progress.get(rev.id),
                states.join(" ")
            ));
        }
    }
    if complete {
        if !ledger.progress.is_empty() {
            return Err(format!("progress rows left at head: {:?}", ledger.progress));
        }
        let invalid: Vec<String> = client
            .query("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid OR NOT indisready", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        if !invalid.is_empty() {
            return Err(format!("invalid indexes at head: {invalid:?}"));
        }
    }
    Ok(seen)
}

async fn reset(client: &Client) {
    client
        .batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_keeps_the_ledger_matching_the_schema() {
    let iterations: u64 = std::env::var("CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let seed: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_c0a5);
    let revs = history();
    let dir = tempfile::tempdir().unwrap();
    write_history(dir.path(), &revs);
    let t = TestDb::new().await;
    let url = t.db.url();
    t.client
        .batch_execute("SET client_min_messages = warning")
        .await
        .unwrap();

    // One uninterrupted run, timed: the history must be slow enough to be cut in the middle.
    let start = Instant::now();
    upgrade_to_completion(dir.path(), &url);
    let full = start.elapsed();
    // Kill delays: uniform in 0..=300 ms, or up to the uninterrupted run's time when that is
    // longer, so that every point of the run can be hit.
    let span = full.as_millis().max(300) as u64;
    check_invariant(&t.client, &revs, true)
        .await
        .unwrap_or_else(|e| panic!("uninterrupted run: {e}"));
    eprintln!("an uninterrupted upgrade takes {full:?}");

    let mut rng = Rng(seed);
    let (mut killed, mut rerun_killed, mut immediate, mut partial, mut window) = (0, 0, 0, 0, 0);
    let mut pending_after_kill = BTreeMap::<usize, usize>::new();
    for iteration in 0..iterations {
        reset(&t.client).await;
        let delay = Duration::from_millis(rng.below(span + 1));
        let context = format!("seed {seed}, iteration {iteration}, kill after {delay:?}");
        if upgrade_killed_after(dir.path(), &url, delay) {
            killed += 1;
        }
        if rng.below(5) == 0 {
            // Rerun at once, killed in turn: the first run's backend may still be finishing
            // its statement and holds the advisory lock until it exits; the rerun waits for it.
            let delay = Duration::from_millis(rng.below(span + 1));
            if upgrade_killed_after(dir.path(), &url, delay) {
                rerun_killed += 1;
            }
            immediate += 1;
        }
        wait_for_other_sessions(&t.client).await;
        let seen = check_invariant(&t.client, &revs, false)
            .await
            .unwrap_or_else(|e| panic!("{context}: after the kill: {e}"));
        partial += usize::from(seen.partial);
        window += usize::from(seen.window);
        *pending_after_kill
            .entry(ledger_state(&t.client).await.applied.len())
            .or_default() += 1;
        if rng.below(3) == 0 {
            let delay = Duration::from_millis(rng.below(201));
            if upgrade_killed_after(dir.path(), &url, delay) {
                rerun_killed += 1;
            }
            wait_for_other_sessions(&t.client).await;
            check_invariant(&t.client, &revs, false)
                .await
                .unwrap_or_else(|e| {
                    panic!("{context}: after killing the rerun after {delay:?}: {e}")
                });
        }
        upgrade_to_completion(dir.path(), &url);
        check_invariant(&t.client, &revs, true)
            .await
            .unwrap_or_else(|e| panic!("{context}: after the rerun: {e}"));
    }
    eprintln!(
        "{iterations} iterations: {killed} runs killed, {immediate} reruns started at once, {rerun_killed} reruns killed; revisions applied at the kill -> iterations: {pending_after_kill:?}; \
         a revision partly applied after {partial} kills, a no-transaction statement done past its progress row after {window}"
    );
    assert!(
        killed * 3 >= iterations,
        "too few runs were killed ({killed} of {iterations}): the history is too fast"
    );
    t.finish().await;
}

/// The checker itself: ledgers that do not match the schema are caught (a crash test whose
/// checker accepts anything proves nothing).
#[tokio::test]
async fn the_checker_rejects_ledgers_that_do_not_match_the_schema() {
    let revs = history();
    let dir = tempfile::tempdir().unwrap();
    write_history(dir.path(), &revs);
    let t = TestDb::new().await;
    let url = t.db.url();
    let upgrade_to = |target: &str| {
        let out = upgrade_command(dir.path(), &url)
            .arg(target)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };

    // Applied objects without their ledger row.
    upgrade_to("head");
    check_invariant(&t.client, &revs, true).await.unwrap();
    t.client.batch_execute("DELETE FROM pgshift_revisions WHERE revision = 'c0a5e0000006'; DELETE FROM pgshift_log WHERE revision = 'c0a5e0000006'").await.unwrap();
    let e = check_invariant(&t.client, &revs, false)
        .await
        .err()
        .expect("a revision done but not recorded");
    assert!(e.contains("c0a5e0000006") && e.contains("0:done(!)"), "{e}");

    // A ledger row without the objects.
    reset(&t.client).await;
    upgrade_to("c0a5e0000002");
    check_invariant(&t.client, &revs, false).await.unwrap();
    t.client
        .batch_execute(
            "INSERT INTO pgshift_revisions VALUES ('c0a5e0000003', 'x', 'x', 'x'); \
             INSERT INTO pgshift_log (revision, direction, started_at, duration_ms, pgshift_version) VALUES ('c0a5e0000003', 'up', now(), 0, 'x')",
        )
        .await
        .unwrap();
    let e = check_invariant(&t.client, &revs, false)
        .await
        .err()
        .expect("a revision recorded but not done");
    assert!(e.contains("c0a5e0000003") && e.contains("0:not(!)"), "{e}");

    // Progress ahead of the schema: statements before `statements_done` must be done.
    reset(&t.client).await;
    upgrade_to("c0a5e0000001");
    t.client
        .batch_execute("INSERT INTO pgshift_progress VALUES ('c0a5e0000002', 4)")
        .await
        .unwrap();
    let e = check_invariant(&t.client, &revs, false)
        .await
        .err()
        .expect("progress without the statements");
    assert!(e.contains("c0a5e0000002") && e.contains("2:not(!)"), "{e}");
    t.finish().await;
}
