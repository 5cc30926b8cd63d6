//! `pgshift upgrade`, `downgrade`, `stamp`, `accept-edit`, `current`, `history`, `heads`,
//! driven as a user would, against scratch databases.

use std::path::Path;
use std::process::{Command, Output};

use pgshift_catalog::{NamePattern, ObjectFilter};
use pgshift_testkit::TestDb;
use tokio_postgres::Client;

const A: &str = "aaaaaaaaaa01";
const B: &str = "bbbbbbbbbb02";
const C: &str = "cccccccccc03";

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgshift"));
    cmd.args(args).env_remove("DATABASE_URL").current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn pgshift(args: &[&str]) -> Output {
    command(args).output().expect("run pgshift")
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn rev(id: &str, parents: &str, body: &str) -> String {
    format!("-- pgshift revision: {id}\n-- parents: {parents}\n-- message: m {id}\n\n{body}")
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap();
    w("1.sql", rev(A, "", "-- up\nCREATE TABLE account (id bigint PRIMARY KEY);\n-- down\nDROP TABLE account;\n"));
    w(
        "2.sql",
        rev(B, A, "-- up\nCREATE TYPE mood AS ENUM ('ok');\n\n-- up: no transaction\nALTER TYPE mood ADD VALUE 'meh';\n\n-- down\nDROP TYPE mood;\n"),
    );
    w("3.sql", rev(C, B, "-- up\nALTER TABLE account ADD COLUMN m mood;\n-- down\nALTER TABLE account DROP COLUMN m;\n"));
    dir
}

fn dir_arg(dir: &Path) -> String {
    dir.to_str().unwrap().to_owned()
}

async fn count(client: &Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn upgrade_then_already_at_head_then_views_and_downgrade() {
    let dir = project();
    let t = TestDb::new().await;
    let (m, url) = (dir_arg(dir.path()), t.db.url());
    let out = pgshift(&["upgrade", "--migrations", &m, "--database-url", &url]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("applied 3 revision(s)"), "{stderr}");

    let out = pgshift(&["upgrade", "--migrations", &m, "--database-url", &url]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("already at head"), "{stderr}");

    let out = command(&["current", "--json", "--migrations", &m]).env("DATABASE_URL", &url).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["current"][0], C);
    assert_eq!(json["pending"].as_array().unwrap().len(), 0);

    let out = pgshift(&["history", "--json", "--migrations", &m]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json[0]["revision"], C);
    assert_eq!(json[2]["parents"].as_array().unwrap().len(), 0);
    let out = pgshift(&["heads", "--migrations", &m]);
    assert!(text(&out).0.starts_with(&format!("{B} -> {C} (head)")), "{:?}", text(&out));

    let out = pgshift(&["downgrade", "-1", "--migrations", &m, "--database-url", &url]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'account'::regclass AND attname = 'm'").await, 0);
    let out = pgshift(&["upgrade", "--dry-run", "--migrations", &m, "--database-url", &url]);
    assert_eq!(text(&out).0, format!("would apply {C} m {C}\n"));

    let out = pgshift(&["stamp", "base", "--migrations", &m, "--database-url", &url]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(count(&t.client, "SELECT count(*) FROM pgshift_revisions").await, 0);
    t.finish().await;
}

#[tokio::test]
async fn a_failing_statement_prints_file_line_column_statement_and_what_was_applied() {
    let dir = project();
    std::fs::write(
        dir.path().join("4.sql"),
        rev("dddddddddd04", C, "-- up\nCREATE TABLE x (id int);\nINSERT INTO x\n  VALUES ('not a number');\n"),
    )
    .unwrap();
    let t = TestDb::new().await;
    let out = pgshift(&["upgrade", "--migrations", &dir_arg(dir.path()), "--database-url", &t.db.url()]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stdout.is_empty());
    let place = format!("error: {}:8:11: invalid input syntax for type integer", dir.path().join("4.sql").display());
    assert!(stderr.contains(&place), "{stderr}");
    assert!(stderr.contains("    INSERT INTO x\n      VALUES ('not a number')"), "{stderr}");
    assert!(stderr.contains(&format!("applied before it (committed): {A}, {B}, {C}")), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_class WHERE relname = 'x'").await, 0);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pgshift_revisions").await, 3);
    t.finish().await;
}

#[test]
fn usage_errors_exit_2_with_hints() {
    let dir = project();
    let m = dir_arg(dir.path());
    // No database configured.
    let out = pgshift(&["upgrade", "--migrations", &m]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("DATABASE_URL") && stderr.contains("hint:"), "{stderr}");
    // An unknown target (checked before connecting, with --sql).
    let out = pgshift(&["upgrade", "--sql", "ffffffffffff", "--migrations", &m]);
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    assert!(text(&out).1.contains("pgshift history"), "{:?}", text(&out));
    // Two heads.
    std::fs::write(dir.path().join("5.sql"), rev("eeeeeeeeee05", B, "-- up\nSELECT 1;\n")).unwrap();
    let out = pgshift(&["upgrade", "--sql", "--migrations", &m]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    // The message says what to do (once: no `hint:` repeating it).
    assert!(stderr.contains("run `pgshift merge` to join them") && !stderr.contains("hint:"), "{stderr}");
    // A malformed file.
    std::fs::write(dir.path().join("6.sql"), "-- pgshift revision: nope\n-- up\nSELECT 1;\n").unwrap();
    let out = pgshift(&["history", "--migrations", &m]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("6.sql:1"), "{stderr}");
}

async fn ledger(client: &Client) -> Vec<(String, String, String, String)> {
    client
        .query("SELECT revision, checksum, raw_sha256, content FROM pgshift_revisions ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

#[tokio::test]
async fn the_sql_script_run_by_psql_matches_upgrade() {
    let dir = project();
    let m = dir_arg(dir.path());
    let out = pgshift(&["upgrade", "--sql", "--migrations", &m]);
    let (script, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(script.contains("BEGIN;") && script.contains("COMMIT;"), "{script}");
    let file = dir.path().join("script.out");
    std::fs::write(&file, &script).unwrap();

    let by_psql = TestDb::new().await;
    let bins = pgshift_scratch::find_binaries(&pgshift_scratch::BinarySearch::from_env()).unwrap();
    let out = Command::new(bins.program("psql"))
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &by_psql.db.url(), "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let by_upgrade = TestDb::new().await;
    let out = pgshift(&["upgrade", "--migrations", &m, "--database-url", &by_upgrade.db.url()]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));

    let filter = ObjectFilter { exclude: vec![NamePattern::parse("pgshift_*").unwrap()], ..ObjectFilter::default() };
    let a = pgshift_inspect::inspect(&by_psql.client, &filter).await.unwrap();
    let b = pgshift_inspect::inspect(&by_upgrade.client, &filter).await.unwrap();
    assert_eq!(a, b);
    assert!(!a.tables.is_empty());
    assert_eq!(ledger(&by_psql.client).await, ledger(&by_upgrade.client).await);
    // After the script, the database is at head for `upgrade` too.
    let out = pgshift(&["upgrade", "--migrations", &m, "--database-url", &by_psql.db.url()]);
    assert!(text(&out).1.contains("already at head"), "{:?}", text(&out));
    by_psql.finish().await;
    by_upgrade.finish().await;
}

#[tokio::test]
async fn sixteen_processes_upgrading_at_once_apply_each_revision_once() {
    let dir = project();
    let m = dir_arg(dir.path());
    let t = TestDb::new().await;
    let url = t.db.url();
    let children: Vec<_> = (0..16)
        .map(|_| {
            command(&["upgrade", "--migrations", &m, "--database-url", &url])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn pgshift")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    }
    let rows = t
        .client
        .query("SELECT revision, count(*) FROM pgshift_log WHERE direction = 'up' GROUP BY revision ORDER BY 1", &[])
        .await
        .unwrap();
    let counts: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(counts, vec![(A.to_owned(), 1), (B.to_owned(), 1), (C.to_owned(), 1)]);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pgshift_revisions").await, 3);
    t.finish().await;
}

#[tokio::test]
async fn an_edited_migration_is_refused_and_accept_edit_clears_it() {
    let dir = project();
    let m = dir_arg(dir.path());
    let t = TestDb::new().await;
    let url = t.db.url();
    assert_eq!(pgshift(&["upgrade", "--migrations", &m, "--database-url", &url]).status.code(), Some(0));
    let path = dir.path().join("1.sql");
    let edited = std::fs::read_to_string(&path).unwrap().replace("id bigint PRIMARY KEY", "id int PRIMARY KEY");
    std::fs::write(&path, edited).unwrap();
    let out = pgshift(&["upgrade", "--migrations", &m, "--database-url", &url]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("+CREATE TABLE account (id int PRIMARY KEY);"), "{stderr}");
    assert!(stderr.contains(&format!("pgshift accept-edit {A}")), "{stderr}");
    let out = pgshift(&["accept-edit", "aaaa", "--migrations", &m, "--database-url", &url]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let out = pgshift(&["upgrade", "--migrations", &m, "--database-url", &url]);
    assert!(text(&out).1.contains("already at head"), "{:?}", text(&out));
    t.finish().await;
}

#[tokio::test]
async fn config_names_the_migrations_and_a_ledger_schema_with_a_hostile_name() {
    let dir = project();
    let t = TestDb::new().await;
    let config = dir.path().join("pgshift.toml");
    std::fs::write(
        &config,
        format!("migrations_dir = {:?}\nledger_schema = \"Ops \\\"Ledger\\\"\"\nlock_timeout = \"2s\"\n", dir_arg(dir.path())),
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    let out = command(&["upgrade", "--config", cfg]).env("DATABASE_URL", t.db.url()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(count(&t.client, r#"SELECT count(*) FROM "Ops ""Ledger""".pgshift_revisions"#).await, 3);
    let out = command(&["upgrade", "--config", cfg]).env("DATABASE_URL", t.db.url()).output().unwrap();
    assert!(text(&out).1.contains("already at head"), "{:?}", text(&out));
    let out = command(&["downgrade", "base", "--config", cfg]).env("DATABASE_URL", t.db.url()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(count(&t.client, r#"SELECT count(*) FROM "Ops ""Ledger""".pgshift_revisions"#).await, 0);
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_class WHERE relname = 'account'").await, 0);
    t.finish().await;
}

#[tokio::test]
async fn sql_from_a_revision_continues_a_database_and_dry_run_refuses_what_upgrade_would() {
    let dir = project();
    let m = dir_arg(dir.path());
    let t = TestDb::new().await;
    let url = t.db.url();
    let out = pgshift(&["upgrade", A, "--migrations", &m, "--database-url", &url]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));

    // The script from A on: B and C only, applied by psql, reaches head.
    let out = pgshift(&["upgrade", "--sql", "--from", A, "--migrations", &m]);
    let (script, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!script.contains("CREATE TABLE account") && script.contains("CREATE TYPE mood"), "{script}");
    let file = dir.path().join("from_a.out");
    std::fs::write(&file, &script).unwrap();
    let bins = pgshift_scratch::find_binaries(&pgshift_scratch::BinarySearch::from_env()).unwrap();
    let out = Command::new(bins.program("psql")).args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &url, "-f"]).arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = pgshift(&["upgrade", "--migrations", &m, "--database-url", &url]);
    assert!(text(&out).1.contains("already at head"), "{:?}", text(&out));
    let out = pgshift(&["upgrade", "--sql", "--from", "ffffffffffff", "--migrations", &m]);
    assert_eq!(out.status.code(), Some(2));

    // An edited applied migration: --dry-run refuses it as upgrade would, and writes nothing.
    let before = ledger(&t.client).await;
    let path = dir.path().join("1.sql");
    let edited = std::fs::read_to_string(&path).unwrap().replace("bigint PRIMARY KEY", "bigint PRIMARY KEY, extra int");
    std::fs::write(&path, edited).unwrap();
    let out = pgshift(&["upgrade", "--dry-run", "--migrations", &m, "--database-url", &url]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("was edited after it was applied") && stderr.contains("accept-edit"), "{stderr}");
    assert_eq!(ledger(&t.client).await, before);
    t.finish().await;
}
