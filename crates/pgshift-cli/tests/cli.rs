//! The `pgshift` binary, driven as a user would: exit codes, stdout, stderr.

use std::io::{Read, Write};
use std::process::{Command, Output};

use pgshift_testkit::TestDb;

fn pgshift(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgshift"))
        .args(args)
        .env_remove("DATABASE_URL")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run pgshift")
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn inspect_of_sql_files_prints_canonical_sql_and_json() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("01.sql"), "CREATE TYPE mood AS ENUM ('ok');").unwrap();
    std::fs::write(dir.path().join("02.sql"), "CREATE TABLE t (id int PRIMARY KEY, m mood);").unwrap();
    let out = pgshift(&["inspect", dir.path().to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("CREATE TYPE public.mood AS ENUM ('ok');"), "{stdout}");
    assert!(stdout.contains("ALTER TABLE public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);"), "{stdout}");

    let out = pgshift(&["inspect", "--json", dir.path().to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["tables"][0]["name"]["name"], "t");
}

#[test]
fn a_bad_sql_file_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.sql"), "CREATE TABLE ok (id int);\n").unwrap();
    std::fs::write(dir.path().join("b.sql"), "-- types\nCREATE TABLE broken (\n  x nosuchtype\n);\n").unwrap();
    let out = pgshift(&["inspect", dir.path().to_str().unwrap()]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("b.sql:3:5"), "{stderr}");
    assert!(stderr.contains("type \"nosuchtype\" does not exist"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn an_unreachable_server_is_a_database_error_without_the_password() {
    let out = pgshift(&["inspect", "postgresql://alice:s3cret@127.0.0.1:1/app"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("could not connect to alice@127.0.0.1:1/app"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
    assert!(!stderr.contains("s3cret") && !stdout.contains("s3cret"));
}

#[tokio::test]
async fn a_missing_database_names_it_and_hides_the_password() {
    let t = TestDb::new().await;
    // Same server, a database that does not exist, a password that must never be printed.
    let mut cfg = t.db.pg_config();
    cfg.dbname("no_such_db_here").password("hunter2");
    let url = pgshift_scratch::display_url(&cfg, "no_such_db_here").replace("***", "hunter2");
    let out = pgshift(&["inspect", &url]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("no_such_db_here"), "{stderr}");
    assert!(stderr.contains("check the database name"), "{stderr}");
    assert!(!stderr.contains("hunter2") && !stdout.contains("hunter2"));
    t.finish().await;
}

#[test]
fn a_server_that_is_not_postgres_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        if let Ok((mut conn, _)) = listener.accept() {
            let mut buf = [0u8; 512];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        }
    });
    let out = pgshift(&["inspect", &format!("postgresql://u@127.0.0.1:{port}/db")]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains(&format!("could not connect to u@127.0.0.1:{port}/db")), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    server.join().unwrap();
}

#[test]
fn no_source_and_no_database_url_is_a_usage_error() {
    let out = pgshift(&["inspect"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("DATABASE_URL is not set"), "{stderr}");
}

#[test]
fn a_bad_pattern_is_a_usage_error() {
    let out = pgshift(&["inspect", "--exclude", "a.b.c", "x.sql"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("invalid name pattern `a.b.c`"), "{stderr}");
}

#[tokio::test]
async fn a_role_that_cannot_read_the_catalog_gets_a_privilege_hint() {
    let t = TestDb::new().await;
    let role = format!("pgshift_noread_{}", std::process::id());
    t.client
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN; REVOKE SELECT ON pg_catalog.pg_constraint FROM PUBLIC;"
        ))
        .await
        .unwrap();
    let mut cfg = t.db.pg_config();
    cfg.user(&role);
    let url = pgshift_scratch::display_url(&cfg, t.db.name());
    let out = pgshift(&["inspect", &url]);
    let (_, stderr) = text(&out);
    t.client.batch_execute("GRANT SELECT ON pg_catalog.pg_constraint TO PUBLIC").await.unwrap();
    let admin = t.db.server().connect(t.db.server().admin_dbname()).await.unwrap();
    let name = t.db.name().to_owned();
    drop(t);
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
    admin.batch_execute(&format!("DROP ROLE {role}")).await.unwrap();
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("permission denied"), "{stderr}");
    assert!(stderr.contains("read the pg_catalog"), "{stderr}");
}

/// A catalog too large for the memory limit ends in a clear error (exit 3), not in the kernel's
/// OOM killer; the same database reads fine under a limit it fits in. `PGSHIFT_MEMORY_LIMIT`
/// stands in for a container's cgroup limit, which is read the same way.
#[tokio::test]
async fn a_catalog_too_large_for_the_memory_limit_is_a_clear_error() {
    let t = TestDb::new().await;
    let tables: String = (0..200)
        .map(|i| format!("CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL, at timestamptz DEFAULT now());\n"))
        .collect();
    t.client.batch_execute(&tables).await.unwrap();
    let url = t.db.url();
    let run = |limit: &str| {
        Command::new(env!("CARGO_BIN_EXE_pgshift"))
            .args(["inspect", &url])
            .env("PGSHIFT_MEMORY_LIMIT", limit)
            .output()
            .expect("run pgshift")
    };
    // Less than pgshift's own resident memory before it reads anything.
    let out = run("2MiB");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("too large for the memory limit"), "{stderr}");
    assert!(stderr.contains("PGSHIFT_MEMORY_LIMIT=2MiB"), "{stderr}");
    assert!(stderr.contains("hint: raise the memory limit"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let out = run("1GiB");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout.matches("CREATE TABLE").count(), 200);
    t.finish().await;
}

#[test]
fn scratch_status_reports_json() {
    let out = pgshift(&["scratch", "status", "--json"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(json.get("running").is_some(), "{stdout}");
}

fn schema_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, sql) in files {
        std::fs::write(dir.path().join(name), sql).unwrap();
    }
    dir
}

#[test]
fn diff_prints_the_plan_with_hazards_and_exit_code() {
    let a = schema_dir(&[("s.sql", "CREATE TABLE t (id int PRIMARY KEY, legacy text);")]);
    let b = schema_dir(&[("s.sql", "CREATE TABLE t (id int PRIMARY KEY, note text);")]);
    let (a, b) = (a.path().to_str().unwrap().to_owned(), b.path().to_str().unwrap().to_owned());
    let out = pgshift(&["diff", "--from", &a, "--to", &b]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("ALTER TABLE public.t DROP COLUMN legacy;"), "{stdout}");
    assert!(stdout.contains("ALTER TABLE public.t ADD COLUMN note text;"), "{stdout}");
    assert!(stdout.contains("-- hazard (destructive): column public.t.legacy is dropped"), "{stdout}");
    assert!(stdout.contains("--rename public.t.legacy=public.t.note"), "{stdout}");

    let out = pgshift(&["diff", "--from", &a, "--to", &b, "--exit-code", "--rename", "public.t.legacy=public.t.note"]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout.trim(), "ALTER TABLE public.t RENAME COLUMN legacy TO note;");

    let out = pgshift(&["diff", "--from", &a, "--to", &a, "--exit-code"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out).1.contains("no differences"));

    let out = pgshift(&["diff", "--from", &a, "--to", &b, "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["rename_candidates"][0]["flag"], "--rename public.t.legacy=public.t.note");
    assert!(json["steps"].as_array().unwrap().len() >= 2);
}

/// Two live databases: their table checks are read as trees, and the servers print only the
/// ones the migration needs (`pgshift_inspect::deferred`). A changed check is printed; a table
/// recreated whole (it becomes partitioned) gets its unchanged checks in full, never the
/// placeholder; the migration applies with every row kept.
#[tokio::test]
async fn diff_of_two_live_databases_prints_the_checks_the_migration_needs() {
    const TABLES: &str = "CREATE TABLE customer (id int PRIMARY KEY, \
        email text CONSTRAINT email_has_at CHECK (position('@' IN email) > 0), \
        credit numeric(12, 2) CONSTRAINT credit_positive CHECK (credit >= 0));";
    let a = TestDb::with_sql(&format!(
        "{TABLES} CREATE TABLE event (at date NOT NULL, \
            kind text CONSTRAINT kind_known CHECK (kind IN ('a', 'b')), \
            qty int CONSTRAINT qty_positive CHECK (qty > 0)); \
         INSERT INTO customer VALUES (1, 'x@example.com', 5), (2, 'y@example.com', 0); \
         INSERT INTO event VALUES ('2024-03-01', 'a', 1), ('2024-04-01', 'b', 2), ('2024-05-01', 'a', 3);"
    ))
    .await;
    let b = TestDb::with_sql(&format!(
        "{} CREATE TABLE event (at date NOT NULL, \
            kind text CONSTRAINT kind_known CHECK (kind IN ('a', 'b')), \
            qty int CONSTRAINT qty_positive CHECK (qty > 0)) PARTITION BY RANGE (at); \
         CREATE TABLE event_2024 PARTITION OF event FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
        TABLES.replace("credit >= 0", "credit >= -100")
    ))
    .await;
    let (url_a, url_b) = (a.db.url(), b.db.url());
    let out = pgshift(&["diff", "--from", &url_a, "--to", &url_b]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stdout.contains("deferred-check") && !stderr.contains("deferred-check"), "{stdout}{stderr}");
    assert!(stdout.contains("CHECK ((credit >= ('-100'::integer)::numeric))"), "{stdout}");
    assert!(stdout.contains("CHECK ((kind = ANY (ARRAY['a'::text, 'b'::text])))"), "{stdout}");
    assert!(stdout.contains("CHECK ((qty > 0))"), "{stdout}");
    assert!(!stdout.contains("email_has_at"), "an unchanged check of an unchanged table: {stdout}");
    // The same output as with the checks read in full (a .sql source is not a live database).
    let dump = |t: &TestDb| {
        let out = pgshift(&["inspect", &t.db.url()]);
        assert_eq!(out.status.code(), Some(0));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("schema.sql"), &out.stdout).unwrap();
        dir
    };
    let (dump_a, dump_b) = (dump(&a), dump(&b));
    let files = pgshift(&["diff", "--from", dump_a.path().to_str().unwrap(), "--to", dump_b.path().to_str().unwrap()]);
    assert_eq!(text(&files).0, stdout);
    let json = pgshift(&["diff", "--from", &url_a, "--to", &url_b, "--json"]);
    assert!(!text(&json).0.contains("deferred-check"), "{}", text(&json).0);

    a.client.batch_execute(&stdout).await.unwrap();
    let rows = |sql: &'static str| {
        let client = &a.client;
        async move { client.query_one(sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    assert_eq!(rows("SELECT count(*) FROM event").await, 3);
    assert_eq!(rows("SELECT count(*) FROM customer").await, 2);
    let out = pgshift(&["diff", "--from", &url_a, "--to", &url_b, "--exit-code"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    assert!(text(&out).1.contains("no differences"));
    a.finish().await;
    b.finish().await;
}

#[test]
fn diff_refuses_a_not_null_column_without_backfill() {
    let a = schema_dir(&[("s.sql", "CREATE TABLE document (id int, title text);")]);
    let b = schema_dir(&[("s.sql", "CREATE TABLE document (id int, title text, slug text NOT NULL);")]);
    let (a, b) = (a.path().to_str().unwrap().to_owned(), b.path().to_str().unwrap().to_owned());
    let out = pgshift(&["diff", "--from", &a, "--to", &b]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("--backfill public.document.slug=EXPR"), "{stderr}");

    let out = pgshift(&["diff", "--from", &a, "--to", &b, "--backfill", "public.document.slug=lower(title)"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("UPDATE public.document SET slug = lower(title) WHERE slug IS NULL;"), "{stdout}");
    assert!(stdout.contains("ALTER TABLE public.document ALTER COLUMN slug SET NOT NULL;"), "{stdout}");
}

#[test]
fn diff_names_the_file_and_line_of_a_source_that_does_not_load() {
    let a = schema_dir(&[("s.sql", "CREATE TABLE t (id int);")]);
    let b = schema_dir(&[("1.sql", "CREATE TABLE t (id int);\n"), ("2.sql", "\n\nCREATE VIEW v AS SELECT nope FROM t;\n")]);
    let out = pgshift(&["diff", "--from", a.path().to_str().unwrap(), "--to", b.path().to_str().unwrap()]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("2.sql:3:"), "{stderr}");
    assert!(stderr.contains("column \"nope\" does not exist"), "{stderr}");
}

#[test]
fn diff_rejects_a_rename_that_does_not_apply() {
    let a = schema_dir(&[("s.sql", "CREATE TABLE t (id int);")]);
    let b = schema_dir(&[("s.sql", "CREATE TABLE u (id int);")]);
    let out = pgshift(&["diff", "--from", a.path().to_str().unwrap(), "--to", b.path().to_str().unwrap(), "--rename", "public.x=public.u"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("table public.x does not exist"), "{stderr}");
}
