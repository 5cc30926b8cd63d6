//! The online forms end to end (issue 16, item 4): a project whose live table holds rows and
//! serves reads while `pgshift new --online` + `pgshift upgrade` add a unique index, a foreign
//! key, a unique constraint, a slow CHECK, a NOT NULL on an existing column and a new NOT NULL column (backfilled in
//! batches), and drop an index.
//!
//! Proves: the generated file has the online forms (CONCURRENTLY in `no transaction` sections,
//! NOT VALID then VALIDATE, SET NOT NULL through a validated check, a batched backfill that
//! commits); a failed `CREATE UNIQUE INDEX CONCURRENTLY` (duplicates) leaves an INVALID index,
//! and after the data is fixed a rerun drops it and succeeds; every row survives; while another
//! session holds a read transaction, the online upgrade waits in `lock_timeout` slices and
//! completes, and readers are never blocked longer than about `lock_timeout` (the CHECK's
//! 3-second validation runs beside them); the offline form of the same CHECK blocks readers
//! for its whole scan, and with `lock_retries = 0` it gives up on the reader's lock, changing
//! nothing.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{ok, pgshift};
use pgshift_testkit::TestDb;
use tokio_postgres::Client;

/// A CHECK whose validation takes 2 ms per row: 1,500 rows, 3 s.
const V1: &str = r#"
CREATE FUNCTION slow_ok(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN PERFORM pg_sleep(0.002); RETURN t IS NOT NULL; END $$;
CREATE TABLE account (id bigint PRIMARY KEY, email text, plan text, title text);
CREATE TABLE doc (id bigint PRIMARY KEY, account_id bigint, body text);
CREATE INDEX doc_body_idx ON doc (body);
"#;

const V2: &str = r#"
CREATE FUNCTION slow_ok(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN PERFORM pg_sleep(0.002); RETURN t IS NOT NULL; END $$;
CREATE TABLE account (
    id bigint PRIMARY KEY, email text, plan text NOT NULL, title text, region text NOT NULL,
    CONSTRAINT account_title_ok CHECK (slow_ok(title))
);
CREATE UNIQUE INDEX account_email_key ON account (email);
CREATE TABLE doc (id bigint PRIMARY KEY, account_id bigint REFERENCES account (id), body text CONSTRAINT doc_body_key UNIQUE);
"#;

const ROWS: &str = "
INSERT INTO account SELECT i, 'user' || i || '@x', CASE WHEN i % 3 = 0 THEN NULL ELSE 'pro' END, 'title ' || i
  FROM generate_series(1, 1500) AS i;
INSERT INTO doc SELECT i, 1 + i % 1500, 'body ' || i FROM generate_series(1, 3000) AS i;
ANALYZE;";

fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("schema")).unwrap();
    std::fs::write(dir.path().join("schema/app.sql"), V1).unwrap();
    std::fs::write(dir.path().join("pgshift.toml"), config).unwrap();
    dir
}

async fn count(client: &Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
}

/// A v1 database with rows, and the v2 migration written (online or not).
async fn setup(config: &str, new_args: &[&str]) -> (tempfile::TempDir, TestDb, String, String) {
    let dir = project(config);
    let d = dir.path();
    let t = TestDb::new().await;
    let url = t.db.url();
    ok(&pgshift(d, &["new", "initial"]));
    ok(&pgshift(d, &["upgrade", "--database-url", &url]));
    t.client.batch_execute(ROWS).await.unwrap();
    std::fs::write(d.join("schema/app.sql"), V2).unwrap();
    let mut args = vec!["new", "v2", "--backfill", "public.account.plan='free'", "--backfill", "public.account.region='eu'"];
    args.extend_from_slice(new_args);
    let (stdout, _) = ok(&pgshift(d, &args));
    let file = std::fs::read_to_string(d.join(stdout.trim())).unwrap();
    (dir, t, url, file)
}

/// Reads `SELECT count(*) FROM account` in a loop on its own connection until stopped; the
/// longest one.
struct Prober {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Duration>,
}

impl Prober {
    async fn start(t: &TestDb) -> Prober {
        let client = t.db.connect().await.unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            let mut longest = Duration::ZERO;
            while !flag.load(Ordering::Relaxed) {
                let started = Instant::now();
                client.query_one("SELECT count(*) FROM account", &[]).await.unwrap();
                longest = longest.max(started.elapsed());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            longest
        });
        Prober { stop, task }
    }

    async fn longest(self) -> Duration {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap()
    }
}

/// Another session holds ACCESS SHARE on `account` (an open read transaction) for `hold`.
async fn reader(t: &TestDb, hold: Duration) -> tokio::task::JoinHandle<()> {
    let client = t.db.connect().await.unwrap();
    client.batch_execute("BEGIN; SELECT 1 FROM account LIMIT 1").await.unwrap();
    tokio::spawn(async move {
        tokio::time::sleep(hold).await;
        client.batch_execute("COMMIT").await.unwrap();
    })
}

/// `pgshift upgrade` in `dir`, off the async runtime (the probers keep running).
async fn upgrade(d: &Path, url: &str, extra: &[&str]) -> std::process::Output {
    let (d, url) = (d.to_owned(), url.to_owned());
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut args = vec!["upgrade", "--database-url", url.as_str()];
        args.extend(extra.iter().map(String::as_str));
        pgshift(&d, &args)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_forms_keep_the_table_serving_and_a_failed_concurrent_index_is_rebuilt() {
    let (dir, t, url, file) = setup("lock_timeout = \"500ms\"\nlock_retries = 8\n", &["--online"]).await;
    let d = dir.path();
    for expected in [
        "-- up: no transaction\n",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS account_email_key ON public.account USING btree (email)",
        "DROP INDEX CONCURRENTLY IF EXISTS public.doc_body_idx",
        "ADD CONSTRAINT account_title_ok CHECK (public.slow_ok(title)) NOT VALID",
        "ALTER TABLE public.account VALIDATE CONSTRAINT account_title_ok",
        "FOREIGN KEY (account_id) REFERENCES public.account(id) NOT VALID",
        "VALIDATE CONSTRAINT doc_account_id_fkey",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS doc_body_key ON public.doc USING btree (body)",
        "ALTER TABLE public.doc ADD CONSTRAINT doc_body_key UNIQUE USING INDEX doc_body_key",
        "ADD CONSTRAINT account_plan_not_null_pgshift CHECK (plan IS NOT NULL) NOT VALID",
        "ALTER TABLE public.account ALTER COLUMN plan SET NOT NULL",
        "ALTER TABLE public.account DROP CONSTRAINT account_plan_not_null_pgshift",
        "ALTER TABLE public.account ADD COLUMN region text",
        "UPDATE public.account SET region = 'eu' WHERE region IS NULL AND (id) IN (SELECT id FROM pgshift_batch)",
        "COMMIT; END LOOP;",
    ] {
        assert!(file.contains(expected), "{expected}\n---\n{file}");
    }

    // A duplicate arrives after the check: the concurrent build fails and leaves an INVALID index.
    t.client.batch_execute("INSERT INTO account VALUES (9999, 'user1@x', 'pro', 'dup')").await.unwrap();
    let out = upgrade(d, &url, &["--skip-preflight"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("account_email_key") && stderr.contains("23505"), "{stderr}");
    let invalid = "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                   WHERE c.relname = 'account_email_key' AND NOT i.indisvalid";
    assert_eq!(count(&t.client, invalid).await, 1);
    assert_eq!(count(&t.client, "SELECT count(*) FROM account").await, 1501);

    // The data fixed, rerun while another session holds a read transaction for a while and
    // readers keep reading: the rerun drops the INVALID index, waits out the reader in
    // lock_timeout slices, and no reader waits much longer than lock_timeout.
    t.client.batch_execute("DELETE FROM account WHERE id = 9999").await.unwrap();
    let prober = Prober::start(&t).await;
    let reader = reader(&t, Duration::from_millis(1500)).await;
    let started = Instant::now();
    let out = upgrade(d, &url, &[]).await;
    let took = started.elapsed();
    reader.await.unwrap();
    let longest = prober.longest().await;
    let (_, stderr) = ok(&out);
    assert!(stderr.contains("dropped the INVALID index public.account_email_key"), "{stderr}");
    assert!(took >= Duration::from_millis(1500), "the upgrade waited for the reader: {took:?}");
    assert!(longest < Duration::from_millis(1400), "a reader waited {longest:?} (lock_timeout 500ms):\n{stderr}");

    // Everything in place, every row kept.
    assert_eq!(count(&t.client, invalid).await, 0);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated").await, 0);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_constraint WHERE conname LIKE '%not_null_pgshift'").await, 0);
    assert_eq!(count(&t.client, "SELECT count(*) FROM account").await, 1500);
    assert_eq!(count(&t.client, "SELECT count(*) FROM doc").await, 3000);
    assert_eq!(count(&t.client, "SELECT count(*) FROM account WHERE plan = 'free'").await, 500);
    assert_eq!(count(&t.client, "SELECT count(*) FROM account WHERE region = 'eu'").await, 1500);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_class WHERE relname = 'doc_body_idx'").await, 0);
    let not_null = "SELECT count(*) FROM pg_attribute WHERE attrelid = 'account'::regclass AND attname IN ('plan', 'region') AND attnotnull";
    assert_eq!(count(&t.client, not_null).await, 2);
    // And the database is exactly the desired schema.
    ok(&pgshift(d, &["check", "--database-url", &url]));

    // Down and up again (the down section is planned online too).
    ok(&pgshift(d, &["downgrade", "-1", "--database-url", &url]));
    assert_eq!(count(&t.client, "SELECT count(*) FROM account").await, 1500);
    ok(&pgshift(d, &["upgrade", "--database-url", &url]));
    assert_eq!(count(&t.client, "SELECT count(*) FROM doc").await, 3000);
    t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offline_form_blocks_readers_for_its_scan_and_gives_up_on_a_held_lock() {
    let (dir, t, url, file) = setup("lock_timeout = \"300ms\"\nlock_retries = 0\n", &[]).await;
    let d = dir.path();
    assert!(file.contains("ADD CONSTRAINT account_title_ok CHECK (public.slow_ok(title));"), "{file}");
    assert!(!file.contains("CONCURRENTLY") && !file.contains("NOT VALID"), "{file}");

    // A reader holds its lock longer than lock_timeout, and retries are off: the upgrade gives
    // up on the lock, and nothing changed.
    let reader = reader(&t, Duration::from_millis(2000)).await;
    let out = upgrade(d, &url, &["--skip-preflight"]).await;
    reader.await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("55P03") || stderr.contains("lock timeout"), "{stderr}");
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_constraint WHERE conname = 'account_title_ok'").await, 0);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pgshift_revisions").await, 1);

    // Without a reader it runs, and its validation scan holds ACCESS EXCLUSIVE: readers wait
    // for the whole scan (3 s), which the online form avoids.
    let prober = Prober::start(&t).await;
    let out = upgrade(d, &url, &["--skip-preflight"]).await;
    let longest = prober.longest().await;
    ok(&out);
    assert!(longest >= Duration::from_millis(2000), "readers waited only {longest:?}");
    assert_eq!(count(&t.client, "SELECT count(*) FROM account").await, 1500);
    t.finish().await;
}
