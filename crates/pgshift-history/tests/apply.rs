//! The apply engine against real scratch databases: round trips, rollback, resume of
//! `no transaction` sections, edited files, the offline script, the fast path and the lock.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use pgshift_catalog::{Catalog, NamePattern, ObjectFilter};
use pgshift_history::script::ScriptOptions;
use pgshift_history::{
    accept_edit, at_head, downgrade, load_dir, stamp, status, upgrade, upgrade_script, ApplyError, ApplyOptions,
    DowngradeTarget, RevisionGraph, RevisionId,
};
use pgshift_testkit::TestDb;
use tokio_postgres::Client;

const A: &str = "aaaaaaaaaa01";
const B: &str = "bbbbbbbbbb02";
const C: &str = "cccccccccc03";

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn rev(id: &str, parents: &str, body: &str) -> String {
    format!("-- pgshift revision: {id}\n-- parents: {parents}\n-- message: m {id}\n\n{body}")
}

fn graph(dir: &Path) -> RevisionGraph {
    RevisionGraph::build(load_dir(dir).unwrap()).unwrap()
}

fn id(s: &str) -> RevisionId {
    RevisionId::new(s).unwrap()
}

async fn catalog(client: &Client) -> Catalog {
    let filter = ObjectFilter { exclude: vec![NamePattern::parse("pgshift_*").unwrap()], ..ObjectFilter::default() };
    pgshift_inspect::inspect(client, &filter).await.unwrap()
}

async fn ledger_rows(client: &Client) -> Vec<(String, String, String, String)> {
    client
        .query("SELECT revision, checksum, raw_sha256, content FROM pgshift_revisions ORDER BY revision", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

async fn log_rows(client: &Client) -> Vec<(String, String)> {
    client
        .query("SELECT revision, direction FROM pgshift_log ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

async fn count(client: &Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).await.unwrap().get(0)
}

/// Three revisions: a table, a second table plus a column, an index and a comment.
fn three(dir: &Path) {
    write(
        dir,
        "1.sql",
        &rev(A, "", "-- up\nCREATE TABLE account (id bigint PRIMARY KEY, name text NOT NULL);\n\n-- down\nDROP TABLE account;\n"),
    );
    write(
        dir,
        "2.sql",
        &rev(
            B,
            A,
            "-- up\nCREATE TABLE invoice (id bigint PRIMARY KEY, account_id bigint REFERENCES account (id));\n\
             ALTER TABLE account ADD COLUMN email text;\n\n-- down\nALTER TABLE account DROP COLUMN email;\nDROP TABLE invoice;\n",
        ),
    );
    write(
        dir,
        "3.sql",
        &rev(C, B, "-- up\nCREATE INDEX invoice_account_idx ON invoice (account_id);\n\n-- down\nDROP INDEX invoice_account_idx;\n"),
    );
}

#[tokio::test]
async fn upgrade_downgrade_upgrade_gives_the_same_schema_and_keeps_rows() {
    let dir = tempfile::tempdir().unwrap();
    three(dir.path());
    let g = graph(dir.path());
    let t = TestDb::new().await;
    let o = public();

    let report = upgrade(&t.client, &g, None, &o).await.unwrap();
    assert_eq!(report.revisions, vec![id(A), id(B), id(C)]);
    let first = catalog(&t.client).await;
    t.client.batch_execute("INSERT INTO account VALUES (1, 'kept', 'x@y')").await.unwrap();

    let again = upgrade(&t.client, &g, None, &o).await.unwrap();
    assert!(again.nothing_to_do());
    assert_eq!(again.summary(), "already at head");

    let st = status(&t.client, &g, &o).await.unwrap();
    assert_eq!(st.current, vec![id(C)]);
    assert!(st.pending.is_empty());

    // Undo the last two; account stays, and so does its row.
    let down = downgrade(&t.client, &g, &DowngradeTarget::Steps(2), &o).await.unwrap();
    assert_eq!(down.revisions, vec![id(C), id(B)]);
    assert_eq!(count(&t.client, "SELECT count(*) FROM account WHERE name = 'kept'").await, 1);
    upgrade(&t.client, &g, Some(C), &o).await.unwrap();
    assert_eq!(catalog(&t.client).await, first);
    assert_eq!(count(&t.client, "SELECT count(*) FROM account").await, 1);

    downgrade(&t.client, &g, &DowngradeTarget::Base, &o).await.unwrap();
    assert!(ledger_rows(&t.client).await.is_empty());
    assert!(catalog(&t.client).await.tables.is_empty());
    upgrade(&t.client, &g, None, &o).await.unwrap();
    assert_eq!(catalog(&t.client).await, first);

    let log: Vec<String> = log_rows(&t.client).await.into_iter().map(|(r, d)| format!("{d} {r}")).collect();
    assert_eq!(log.iter().filter(|l| l.starts_with("up ")).count(), 8, "{log:?}");
    assert_eq!(log.iter().filter(|l| l.starts_with("down ")).count(), 5, "{log:?}");
    t.finish().await;
}

#[tokio::test]
async fn a_failing_statement_rolls_back_its_revision_and_names_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1.sql", &rev(A, "", "-- up\nCREATE TABLE one (id int);\n"));
    write(
        dir.path(),
        "2.sql",
        &rev(B, A, "-- up\nCREATE TABLE two (id int);\nINSERT INTO two\n  SELECT nosuchcolumn FROM one;\n"),
    );
    let g = graph(dir.path());
    let t = TestDb::new().await;
    let err = upgrade(&t.client, &g, None, &public()).await.unwrap_err();
    let ApplyError::Statement { revision, path, line, column, message, code, applied, statement, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(revision, &id(B));
    assert!(path.ends_with("2.sql"));
    assert_eq!((*line, *column), (8, 10), "{err}");
    assert!(message.contains("nosuchcolumn"), "{message}");
    assert_eq!(code, "42703");
    assert!(statement.starts_with("INSERT INTO two"));
    assert_eq!(applied, &vec![id(A)]);
    assert!(err.to_string().contains("2.sql:8:10"), "{err}");
    // Nothing of revision 2 stays; revision 1 is applied.
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_class WHERE relname = 'two'").await, 0);
    assert_eq!(ledger_rows(&t.client).await.len(), 1);
    assert_eq!(log_rows(&t.client).await, vec![(A.to_owned(), "up".to_owned())]);
    // The lock was released: another session can take it.
    let key = pgshift_history::Ledger::new("public").lock_key();
    let other = t.db.connect().await.unwrap();
    let got: bool = other.query_one("SELECT pg_try_advisory_lock($1)", &[&key]).await.unwrap().get(0);
    assert!(got);
    t.finish().await;
}

#[tokio::test]
async fn a_no_transaction_section_resumes_at_the_failed_statement() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "1.sql",
        &rev(
            A,
            "",
            "-- up\nCREATE TABLE base (id int);\n\n-- up: no transaction\nCREATE TABLE first (id int);\n\
             INSERT INTO missing VALUES (1);\nCREATE TABLE third (id int);\n\n-- up\nCREATE TABLE last (id int);\n",
        ),
    );
    let g = graph(dir.path());
    let t = TestDb::new().await;
    let o = public();
    let err = upgrade(&t.client, &g, None, &o).await.unwrap_err();
    assert!(matches!(&err, ApplyError::Statement { line: 10, column: 13, .. }), "{err}");
    assert_eq!(
        count(&t.client, "SELECT statements_done::int8 FROM pgshift_progress").await,
        2,
        "base and first are done"
    );
    assert!(ledger_rows(&t.client).await.is_empty());
    // Fix the cause; a rerun must not run `CREATE TABLE first` again (it would fail).
    t.client.batch_execute("CREATE TABLE missing (id int)").await.unwrap();
    let report = upgrade(&t.client, &g, None, &o).await.unwrap();
    assert_eq!(report.revisions, vec![id(A)]);
    assert_eq!(count(&t.client, "SELECT count(*) FROM missing").await, 1);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_class WHERE relname IN ('third', 'last')").await, 2);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pgshift_progress").await, 0);
    assert_eq!(ledger_rows(&t.client).await.len(), 1);
    t.finish().await;
}

#[tokio::test]
async fn a_failure_in_the_middle_of_a_batched_upgrade_keeps_what_committed_and_names_the_statement() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1.sql", &rev(A, "", "-- up\nCREATE TABLE one (id int);\nINSERT INTO one VALUES (1);\n"));
    write(dir.path(), "2.sql", &rev(B, A, "-- up\nCREATE TABLE two (id int);\nINSERT INTO missing VALUES (1);\n"));
    write(dir.path(), "3.sql", &rev(C, B, "-- up\nCREATE TABLE three (id int);\n"));
    let g = graph(dir.path());
    let t = TestDb::new().await;
    let o = public();
    let err = upgrade(&t.client, &g, None, &o).await.unwrap_err();
    match &err {
        ApplyError::Statement { revision, line, applied, .. } => {
            assert_eq!(revision, &id(B));
            assert_eq!(*line, 7);
            assert_eq!(applied, &vec![id(A)]);
        }
        other => panic!("{other}"),
    }
    assert_eq!(ledger_rows(&t.client).await.len(), 1);
    assert_eq!(count(&t.client, "SELECT count(*) FROM one").await, 1);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_class WHERE relname IN ('two', 'three')").await, 0);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pgshift_log WHERE direction = 'up'").await, 1);
    t.client.batch_execute("CREATE TABLE missing (id int)").await.unwrap();
    let report = upgrade(&t.client, &g, None, &o).await.unwrap();
    assert_eq!(report.revisions, vec![id(B), id(C)]);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pgshift_log WHERE direction = 'up' AND duration_ms >= 0").await, 3);
    t.finish().await;
}

#[tokio::test]
async fn a_no_transaction_down_section_resumes_at_the_failed_statement() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "1.sql",
        &rev(
            A,
            "",
            "-- up\nCREATE TABLE one (id int);\nCREATE TABLE two (id int);\nCREATE TABLE three (id int);\n\n\
             -- down: no transaction\nDROP TABLE one;\nDROP TABLE blocker;\nDROP TABLE two;\n\n-- down\nDROP TABLE three;\n",
        ),
    );
    let g = graph(dir.path());
    let t = TestDb::new().await;
    let o = public();
    upgrade(&t.client, &g, None, &o).await.unwrap();
    let err = downgrade(&t.client, &g, &DowngradeTarget::Base, &o).await.unwrap_err();
    assert!(matches!(&err, ApplyError::Statement { line: 12, .. }), "{err}");
    assert_eq!(count(&t.client, "SELECT statements_done::int8 FROM pgshift_progress").await, -1, "one down statement done");
    assert_eq!(ledger_rows(&t.client).await.len(), 1, "still applied");
    // A rerun must not run `DROP TABLE one` again (it would fail).
    t.client.batch_execute("CREATE TABLE blocker (id int)").await.unwrap();
    downgrade(&t.client, &g, &DowngradeTarget::Base, &o).await.unwrap();
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_class WHERE relname IN ('one', 'two', 'three', 'blocker')").await, 0);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pgshift_progress").await, 0);
    assert!(ledger_rows(&t.client).await.is_empty());
    t.finish().await;
}

#[tokio::test]
async fn an_edited_applied_migration_is_refused_until_accepted() {
    let dir = tempfile::tempdir().unwrap();
    three(dir.path());
    let t = TestDb::new().await;
    let o = public();
    upgrade(&t.client, &graph(dir.path()), None, &o).await.unwrap();

    // A comment and spacing only: harmless, accepted silently, and recorded.
    let path = dir.path().join("2.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("-- up\n", "-- up\n-- a note for reviewers\n").replace("email text", "email  text")).unwrap();
    assert!(!at_head(&t.client, dir.path(), &o).await.unwrap());
    upgrade(&t.client, &graph(dir.path()), None, &o).await.unwrap();
    assert!(at_head(&t.client, dir.path(), &o).await.unwrap());

    // A real edit.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("ADD COLUMN email  text", "ADD COLUMN email varchar(200)")).unwrap();
    let g = graph(dir.path());
    let err = upgrade(&t.client, &g, None, &o).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ApplyError::Edited { .. }), "{msg}");
    assert!(msg.contains("-ALTER TABLE account ADD COLUMN email  text;"), "{msg}");
    assert!(msg.contains("+ALTER TABLE account ADD COLUMN email varchar(200);"), "{msg}");
    assert!(msg.contains(&format!("pgshift accept-edit {B}")), "{msg}");
    // Downgrade refuses too.
    assert!(matches!(downgrade(&t.client, &g, &DowngradeTarget::Base, &o).await, Err(ApplyError::Edited { .. })));

    let accepted = accept_edit(&t.client, &g, B, &o).await.unwrap();
    assert_eq!(accepted.revisions, vec![id(B)]);
    assert!(upgrade(&t.client, &g, None, &o).await.unwrap().nothing_to_do());
    assert_eq!(log_rows(&t.client).await.last().unwrap().1, "accept-edit");
    t.finish().await;
}

#[tokio::test]
async fn stamp_downgrade_without_down_and_unknown_applied() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1.sql", &rev(A, "", "-- up\nCREATE TABLE one (id int);\n"));
    write(dir.path(), "2.sql", &rev(B, A, "-- up\nCREATE TABLE two (id int);\n-- down\nDROP TABLE two;\n"));
    let g = graph(dir.path());
    let t = TestDb::new().await;
    let o = public();

    let report = stamp(&t.client, &g, B, &o).await.unwrap();
    assert_eq!(report.revisions, vec![id(A), id(B)]);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_class WHERE relname IN ('one', 'two')").await, 0);
    assert_eq!(status(&t.client, &g, &o).await.unwrap().current, vec![id(B)]);

    let err = downgrade(&t.client, &g, &DowngradeTarget::Base, &o).await.unwrap_err();
    assert!(matches!(err, ApplyError::NoDown { .. }), "{err}");
    assert!(err.to_string().contains(A), "{err}");

    let report = stamp(&t.client, &g, "base", &o).await.unwrap();
    assert_eq!(report.revisions, vec![id(B), id(A)]);
    assert!(ledger_rows(&t.client).await.is_empty());

    // The database is ahead of the files.
    t.client
        .batch_execute("INSERT INTO pgshift_revisions (revision, checksum, raw_sha256, content) VALUES ('dddddddddd04', 'x', 'y', '')")
        .await
        .unwrap();
    let err = upgrade(&t.client, &g, None, &o).await.unwrap_err();
    assert!(err.to_string().contains("dddddddddd04"), "{err}");
    t.finish().await;
}

#[tokio::test]
async fn the_lock_is_waited_for_then_reported_with_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1.sql", &rev(A, "", "-- up\nCREATE TABLE one (id int);\n"));
    let g = graph(dir.path());
    let t = TestDb::new().await;
    let holder = t.db.connect().await.unwrap();
    let key = pgshift_history::Ledger::new("public").lock_key();
    holder.query_one("SELECT pg_advisory_lock($1)", &[&key]).await.unwrap();
    let pid: i32 = holder.query_one("SELECT pg_backend_pid()", &[]).await.unwrap().get(0);
    let o = ApplyOptions { lock_wait: Duration::from_millis(300), ..public() };
    let err = upgrade(&t.client, &g, None, &o).await.unwrap_err();
    assert!(matches!(err, ApplyError::LockTimeout { holder: Some(p), .. } if p == pid), "{err}");
    assert!(err.to_string().contains(&pid.to_string()), "{err}");
    holder.query_one("SELECT pg_advisory_unlock($1)", &[&key]).await.unwrap();
    upgrade(&t.client, &g, None, &o).await.unwrap();
    t.finish().await;
}

#[tokio::test]
async fn the_fast_path_sees_head_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    three(dir.path());
    let t = TestDb::new().await;
    let o = public();
    assert!(!at_head(&t.client, dir.path(), &o).await.unwrap(), "no ledger yet");
    let report = pgshift_history::upgrade_dir(&t.client, dir.path(), &o).await.unwrap();
    assert_eq!(report.revisions.len(), 3);
    assert!(at_head(&t.client, dir.path(), &o).await.unwrap());
    assert!(pgshift_history::upgrade_dir(&t.client, dir.path(), &o).await.unwrap().nothing_to_do());
    write(dir.path(), "4.sql", &rev("dddddddddd04", C, "-- up\nCREATE TABLE four (id int);\n"));
    assert!(!at_head(&t.client, dir.path(), &o).await.unwrap());
    t.finish().await;
}

#[tokio::test]
async fn the_offline_script_gives_the_same_catalog_and_ledger() {
    let dir = tempfile::tempdir().unwrap();
    three(dir.path());
    write(
        dir.path(),
        "4.sql",
        &rev(
            "dddddddddd04",
            C,
            "-- up\nCREATE TYPE mood AS ENUM ('ok');\n\n-- up: no transaction\nALTER TYPE mood ADD VALUE 'meh';\n",
        ),
    );
    let g = graph(dir.path());
    let by_engine = TestDb::new().await;
    upgrade(&by_engine.client, &g, None, &public()).await.unwrap();

    let script = upgrade_script(&g, &BTreeSet::new(), None, &ScriptOptions::default()).unwrap();
    let file = dir.path().join("upgrade.sql.out");
    std::fs::write(&file, &script).unwrap();
    let by_script = TestDb::new().await;
    let bins = pgshift_scratch::find_binaries(&pgshift_scratch::BinarySearch::from_env()).unwrap();
    // Server-only builds (e.g. the registry package of another major) ship no psql: any
    // client on PATH reads the script the same way.
    let psql = Some(bins.program("psql")).filter(|p| p.exists()).unwrap_or_else(|| "psql".into());
    let out = std::process::Command::new(psql)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &by_script.db.url(), "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{script}", String::from_utf8_lossy(&out.stderr));

    assert_eq!(catalog(&by_script.client).await, catalog(&by_engine.client).await);
    assert_eq!(ledger_rows(&by_script.client).await, ledger_rows(&by_engine.client).await);
    assert_eq!(log_rows(&by_script.client).await, log_rows(&by_engine.client).await);
    by_engine.finish().await;
    by_script.finish().await;
}

#[tokio::test]
async fn lock_not_available_is_retried_with_backoff() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1.sql", &rev(A, "", "-- up\nALTER TABLE busy ADD COLUMN x int;\n"));
    let g = graph(dir.path());
    let t = TestDb::with_sql("CREATE TABLE busy (id int);").await;
    let holder = t.db.connect().await.unwrap();
    holder.batch_execute("BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE").await.unwrap();

    // Without retries the lock timeout is the error.
    let o = ApplyOptions { lock_timeout: "50ms".to_owned(), lock_retries: 0, ..public() };
    let err = upgrade(&t.client, &g, None, &o).await.unwrap_err();
    assert!(matches!(&err, ApplyError::Statement { code, .. } if code == "55P03"), "{err}");

    // With retries, it goes through once the holder commits.
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        holder.batch_execute("COMMIT").await.unwrap();
    });
    let o = ApplyOptions { lock_timeout: "50ms".to_owned(), lock_retries: 8, ..public() };
    upgrade(&t.client, &g, None, &o).await.unwrap();
    release.await.unwrap();
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'busy'::regclass AND attname = 'x'").await, 1);
    t.finish().await;
}

#[tokio::test]
async fn no_transaction_down_sections_and_prefix_targets() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1.sql", &rev(A, "", "-- up\nCREATE TABLE one (id int);\n-- down\nDROP TABLE one;\n"));
    write(
        dir.path(),
        "2.sql",
        &rev(
            B,
            A,
            "-- up: no transaction\nCREATE INDEX CONCURRENTLY one_idx ON one (id);\n\
             -- down: no transaction\nDROP INDEX CONCURRENTLY one_idx;\n",
        ),
    );
    let g = graph(dir.path());
    let t = TestDb::new().await;
    let o = public();
    assert_eq!(upgrade(&t.client, &g, Some("aaaa"), &o).await.unwrap().revisions, vec![id(A)]);
    assert_eq!(upgrade(&t.client, &g, Some("head"), &o).await.unwrap().revisions, vec![id(B)]);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_class WHERE relname = 'one_idx'").await, 1);
    let down = downgrade(&t.client, &g, &DowngradeTarget::Revision(id(A)), &o).await.unwrap();
    assert_eq!(down.revisions, vec![id(B)]);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_class WHERE relname = 'one_idx'").await, 0);
    assert_eq!(status(&t.client, &g, &o).await.unwrap().pending, vec![id(B)]);
    t.finish().await;
}

/// The engine's defaults, with `public` owned whole: these tests' fixtures create tables
/// outside the migrations (on the test database directly), and the statements under test
/// work on them; the ownership guard has tests of its own.
fn public() -> ApplyOptions {
    ApplyOptions { own_schemas: vec!["public".to_owned()], ..ApplyOptions::default() }
}
