//! The desired schema from ORM models, through command sources, as a user lives in it: the
//! SQLModel project of `tests/projects/sqlmodel` (printed by `integrations/sqlalchemy`) and the
//! Drizzle project of `tests/projects/drizzle` (printed by `drizzle-kit export`), each migrated
//! through `new` and `upgrade` on a live database that holds another system's objects and rows.
//!
//! They need what `scripts/setup.sh --tests` installs: the Python virtualenv (`.venv`, or
//! `PGSHIFT_VENV`) and the Drizzle project's `node_modules`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{ok, pgshift};
use pgshift_testkit::TestDb;

/// The repository's root.
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The virtualenv with `pgshift_sqlalchemy`, SQLModel, psycopg and pytest.
fn venv() -> PathBuf {
    let venv = std::env::var_os("PGSHIFT_VENV").map(PathBuf::from).unwrap_or_else(|| repo().join(".venv"));
    assert!(
        venv.join("bin/python").exists(),
        "no Python virtualenv at {}: run scripts/python-env.sh (scripts/setup.sh --tests runs it)",
        venv.display()
    );
    venv
}

/// PATH with the virtualenv's `bin` first (as an activated virtualenv has it).
fn venv_path() -> String {
    format!("{}:{}", venv().join("bin").display(), std::env::var("PATH").unwrap_or_default())
}

/// Copy test project `name` into a temporary directory (without installed packages and caches;
/// `node_modules` is linked).
fn project(name: &str) -> tempfile::TempDir {
    let from = repo().join("tests/projects").join(name);
    let to = tempfile::tempdir().unwrap();
    copy(&from, to.path());
    if from.join("node_modules").is_dir() {
        std::os::unix::fs::symlink(from.join("node_modules"), to.path().join("node_modules")).unwrap();
    }
    to
}

fn copy(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if ["node_modules", "__pycache__", "migrations"].iter().any(|n| name == *n) {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Run `pgshift` in `dir` with the virtualenv on PATH.
fn pgshift_py(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pgshift"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("PATH", venv_path())
        .current_dir(dir)
        .output()
        .expect("run pgshift")
}

/// The migration files of `dir` in history order (each after its parent), with their text.
fn migrations(dir: &Path) -> Vec<(String, String)> {
    let files: Vec<(String, String)> = std::fs::read_dir(dir.join("migrations"))
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "sql"))
                .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
                .collect()
        })
        .unwrap_or_default();
    let header = |text: &str, key: &str| -> String {
        text.lines().find_map(|l| l.strip_prefix(key)).unwrap_or("").trim().to_owned()
    };
    let mut ordered: Vec<(String, String)> = Vec::new();
    let mut parent = String::new();
    while let Some(next) = files.iter().find(|(_, text)| header(text, "-- parents:") == parent) {
        parent = header(&next.1, "-- pgshift revision:");
        ordered.push(next.clone());
    }
    assert_eq!(ordered.len(), files.len(), "a linear history");
    ordered
}

/// Another system's objects in the same database (an auth service managed by Prisma).
const AUTH_SERVICE: &str = r#"
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
CREATE TABLE "User" (id text PRIMARY KEY, email text NOT NULL, role "Role" NOT NULL DEFAULT 'USER');
CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, migration_name varchar(255) NOT NULL);
INSERT INTO "User" VALUES ('u1', 'a@example.com', 'ADMIN');
INSERT INTO _prisma_migrations VALUES ('1', 'init');
"#;

async fn count(client: &tokio_postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
}

/// The other system's objects are exactly as they were.
async fn auth_service_untouched(client: &tokio_postgres::Client) {
    assert_eq!(count(client, "SELECT count(*) FROM \"User\" WHERE role = 'ADMIN'").await, 1);
    assert_eq!(count(client, "SELECT count(*) FROM _prisma_migrations").await, 1);
    assert_eq!(count(client, "SELECT count(*) FROM pg_enum WHERE enumtypid = '\"Role\"'::regtype").await, 2);
}

#[tokio::test]
async fn a_drizzle_schema_through_drizzle_kit_export() {
    let project = project("drizzle");
    let d = project.path();
    assert!(
        d.join("node_modules/.bin/drizzle-kit").exists(),
        "tests/projects/drizzle has no node_modules: run scripts/node-env.sh (scripts/setup.sh --tests runs it)"
    );
    let (stdout, _) = ok(&pgshift(d, &["new", "initial"]));
    assert!(stdout.contains("migrations/"), "{stdout}");
    let files = migrations(d);
    assert_eq!(files.len(), 1);
    let initial = &files[0].1;
    for expected in [
        "CREATE TYPE public.plan_tier AS ENUM ('free', 'pro', 'team')",
        "ON DELETE CASCADE",
        "WHERE (archived_at IS NULL)",
        "lower(email)",
        "CHECK ((seats > 0))",
    ] {
        assert!(initial.contains(expected), "{expected} missing:\n{initial}");
    }
    // Nothing changed: the output is reused and the schema agrees with the history.
    let (stdout, stderr) = ok(&pgshift(d, &["new", "again"]));
    assert!(format!("{stdout}{stderr}").contains("schema and history agree"), "{stdout}{stderr}");

    let t = TestDb::with_sql(AUTH_SERVICE).await;
    let url = t.db.url();
    ok(&pgshift(d, &["upgrade", "--database-url", &url]));
    t.client
        .batch_execute(
            "INSERT INTO accounts (email, tier) SELECT 'user' || i || '@example.com', 'pro' FROM generate_series(1, 200) i;
             INSERT INTO projects (account_id, name) SELECT id, 'p' FROM accounts;",
        )
        .await
        .unwrap();

    // The models change: a NOT NULL column with a default, a new enum value, a new table.
    let schema = std::fs::read_to_string(d.join("schema.ts")).unwrap();
    let schema = schema
        .replace(r#"["free", "pro", "team"]"#, r#"["free", "pro", "team", "enterprise"]"#)
        .replace(
            r#"    seats: integer("seats").notNull().default(1),"#,
            "    seats: integer(\"seats\").notNull().default(1),\n    slug: text(\"slug\").notNull().default(\"\"),",
        );
    let schema = format!(
        "{schema}\nexport const invites = pgTable(\"invites\", {{\n  id: serial(\"id\").primaryKey(),\n  projectId: integer(\"project_id\").notNull().references(() => projects.id, {{ onDelete: \"cascade\" }}),\n  email: text(\"email\").notNull(),\n}});\n"
    );
    std::fs::write(d.join("schema.ts"), schema).unwrap();
    ok(&pgshift(d, &["new", "slug and invites"]));
    let files = migrations(d);
    assert_eq!(files.len(), 2, "{files:?}");
    let next = &files[1].1;
    assert!(next.contains("-- up: no transaction") && next.contains("ADD VALUE IF NOT EXISTS 'enterprise'"), "{next}");
    assert!(next.contains("ADD COLUMN slug text DEFAULT ''::text NOT NULL"), "{next}");
    assert!(next.contains("CREATE TABLE public.invites"), "{next}");
    ok(&pgshift(d, &["upgrade", "--database-url", &url]));
    assert_eq!(count(&t.client, "SELECT count(*) FROM projects WHERE slug = ''").await, 200, "every row survives");
    ok(&pgshift(d, &["check", "--database-url", &url]));
    auth_service_untouched(&t.client).await;
    t.finish().await;
}

/// `app/models.py` of the SQLModel project with `edits` applied in order (the edits live in
/// its `variants.py`, shared with the provider's pytest).
fn models_with(edits: &[&str]) -> String {
    let out = Command::new(venv().join("bin/python"))
        .arg(repo().join("tests/projects/sqlmodel/variants.py"))
        .args(edits)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn sqlmodel_models_through_new_and_upgrade_then_model_changes() {
    let project = project("sqlmodel");
    let d = project.path();
    let models = d.join("app/models.py");
    let (stdout, _) = ok(&pgshift_py(d, &["new", "initial"]));
    assert!(stdout.contains("migrations/"), "{stdout}");
    let files = migrations(d);
    let initial = &files[0].1;
    // Plain PostgreSQL: nothing of Python's types leaks into the SQL.
    for python in ["AutoString", "sqlmodel", "PlanTier", "TaskStatus", "JSON(", "Uuid", "datetime"] {
        assert!(!initial.contains(python), "{python} in:\n{initial}");
    }
    for expected in [
        "CREATE TYPE public.plan_tier AS ENUM ('free', 'pro', 'enterprise')",
        "CREATE TABLE public.project_members",
        "email character varying NOT NULL",
        "status character varying(20) DEFAULT 'todo'::character varying NOT NULL",
        "settings jsonb DEFAULT '{}'::jsonb NOT NULL",
        "id uuid DEFAULT gen_random_uuid() NOT NULL",
        "created_at timestamp with time zone DEFAULT now() NOT NULL",
        "GENERATED ALWAYS AS IDENTITY",
        "ON DELETE SET NULL",
        "CONSTRAINT ck_projects_name_not_blank CHECK",
        "CONSTRAINT uq_projects_organization_name UNIQUE (organization_id, name)",
        "CREATE UNIQUE INDEX ix_users_lower_email ON public.users USING btree (lower((email)::text))",
        "WHERE (archived_at IS NULL)",
    ] {
        assert!(initial.contains(expected), "{expected} missing:\n{initial}");
    }

    let t = TestDb::with_sql(AUTH_SERVICE).await;
    let url = t.db.url();
    ok(&pgshift_py(d, &["upgrade", "--database-url", &url]));
    t.client
        .batch_execute(
            "INSERT INTO organizations (name, slug, plan) SELECT 'org ' || i, 'org-' || i, 'pro' FROM generate_series(1, 50) i;
             INSERT INTO users (organization_id, email, full_name) SELECT id, slug || '@example.com', name FROM organizations;
             INSERT INTO projects (organization_id, owner_id, name) SELECT organization_id, id, 'p' FROM users;
             INSERT INTO tasks (project_id, title) SELECT id, 't' FROM projects;
             INSERT INTO audit_events (organization_id, action) SELECT id, 'created' FROM organizations;",
        )
        .await
        .unwrap();

    // 1. A NOT NULL column with a server default on a table with rows.
    std::fs::write(&models, models_with(&["add_column"])).unwrap();
    ok(&pgshift_py(d, &["new", "time zone"]));
    let next = migrations(d)[1].1.clone();
    assert!(next.contains("ALTER TABLE public.users ADD COLUMN time_zone character varying(64) DEFAULT 'UTC'::character varying NOT NULL"), "{next}");
    ok(&pgshift_py(d, &["upgrade", "--database-url", &url]));
    assert_eq!(count(&t.client, "SELECT count(*) FROM users WHERE time_zone = 'UTC'").await, 50);

    // 2. A value added to the native enum: outside a transaction.
    std::fs::write(&models, models_with(&["add_column", "add_enum_value"])).unwrap();
    ok(&pgshift_py(d, &["new", "team plan"]));
    let next = migrations(d)[2].1.clone();
    assert!(next.contains("-- up: no transaction") && next.contains("ALTER TYPE public.plan_tier ADD VALUE IF NOT EXISTS 'team' AFTER 'enterprise'"), "{next}");
    ok(&pgshift_py(d, &["upgrade", "--database-url", &url]));

    // 3. A model deleted: its table is dropped, with consent.
    std::fs::write(&models, models_with(&["add_column", "add_enum_value", "drop_model"])).unwrap();
    let refused = pgshift_py(d, &["new", "drop audit"]);
    assert_eq!(refused.status.code(), Some(2), "{}", String::from_utf8_lossy(&refused.stderr));
    assert_eq!(migrations(d).len(), 3, "nothing written without consent");
    ok(&pgshift_py(d, &["new", "drop audit", "--allow-destructive"]));
    let next = migrations(d)[3].1.clone();
    assert!(next.contains("DROP TABLE public.audit_events;") && next.contains("approved destructive"), "{next}");
    ok(&pgshift_py(d, &["upgrade", "--database-url", &url]));

    for (table, rows) in [("organizations", 50), ("users", 50), ("projects", 50), ("tasks", 50)] {
        assert_eq!(count(&t.client, &format!("SELECT count(*) FROM {table}")).await, rows, "{table}: every row survives");
    }
    assert_eq!(count(&t.client, "SELECT count(*) FROM pg_class WHERE relname = 'audit_events'").await, 0);
    ok(&pgshift_py(d, &["check", "--database-url", &url]));
    auth_service_untouched(&t.client).await;
    // Down to the start and up again: every migration written from the models reverses.
    ok(&pgshift_py(d, &["downgrade", "-3", "--database-url", &url]));
    ok(&pgshift_py(d, &["upgrade", "--database-url", &url]));
    t.finish().await;
}

#[tokio::test]
async fn the_printed_ddl_builds_what_create_all_builds() {
    let project = project("sqlmodel");
    let d = project.path();
    let t = TestDb::new().await;
    let url = t.db.url();
    // create_all() through SQLAlchemy and psycopg, as the app would run it.
    let script = "import sys\nfrom sqlalchemy import create_engine\nfrom app.models import SQLModel\n\
                  SQLModel.metadata.create_all(create_engine(sys.argv[1].replace('postgresql://', 'postgresql+psycopg://', 1)))\n";
    let out = Command::new(venv().join("bin/python")).args(["-c", script, &url]).current_dir(d).output().unwrap();
    assert!(out.status.success(), "create_all failed: {}", String::from_utf8_lossy(&out.stderr));
    // The printer's output, loaded as pgshift loads a schema file, read back the same way.
    let out = Command::new(venv().join("bin/python"))
        .args(["-m", "pgshift_sqlalchemy", "app.models:SQLModel.metadata"])
        .env("PGSHIFT_PG_VERSION", t.major.to_string())
        .current_dir(d)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("printed.sql"), &out.stdout).unwrap();
    let (built, _) = ok(&pgshift(outside.path(), &["inspect", &url]));
    let (printed, _) = ok(&pgshift(outside.path(), &["inspect", "printed.sql"]));
    assert!(built.contains("CREATE TABLE public.project_members"), "{built}");
    similar_asserts(&built, &printed);
    t.finish().await;
}

/// `expected` and `actual` equal, or a line diff.
fn similar_asserts(expected: &str, actual: &str) {
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .filter(|l| !actual.lines().any(|a| a == *l))
            .map(|l| format!("- {l}"))
            .chain(actual.lines().filter(|l| !expected.lines().any(|e| e == *l)).map(|l| format!("+ {l}")))
            .collect();
        panic!("create_all() (-) and the printed DDL (+) differ:\n{}", diff.join("\n"));
    }
}


#[tokio::test]
async fn the_provider_pytest_suite_on_the_scratch_server() {
    let server = pgshift_testkit::server().await;
    let admin = server.url(server.admin_dbname());
    let out = Command::new(venv().join("bin/python"))
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "integrations/sqlalchemy/tests"])
        .env("PGSHIFT_SQLALCHEMY_TEST_URL", &admin)
        .env("PGSHIFT_PG_VERSION", server.major().to_string())
        .current_dir(repo())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "pytest failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    // The real-server comparisons ran, not skipped.
    assert!(stdout.contains(" passed") && !stdout.contains("skipped"), "{stdout}");
}

#[tokio::test]
async fn init_from_alembic_then_adopt_the_alembic_database() {
    let project = project("sqlmodel");
    let d = project.path();
    std::fs::create_dir_all(d.join("alembic/versions")).unwrap();
    std::fs::write(d.join("alembic/env.py"), "# alembic env\n").unwrap();
    std::fs::write(d.join("alembic/versions/1a_init.py"), "revision = \"1a\"\ndown_revision = None\n").unwrap();
    std::fs::write(d.join("alembic/versions/2b_more.py"), "revision: str = '2b'\ndown_revision: Union[str, None] = '1a'\n").unwrap();
    std::fs::remove_file(d.join("pgshift.toml")).unwrap();

    // A module that does not import: refused, nothing written.
    let out = pgshift_py(d, &["init", "--from-alembic", "alembic", "--models", "app.nomodels:SQLModel.metadata"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("No module named 'app.nomodels'") && stderr.contains("PYTHONPATH"), "{stderr}");
    assert!(!d.join("pgshift.toml").exists());
    let out = pgshift_py(d, &["init", "--from-alembic", "nowhere", "--models", "app.models:SQLModel.metadata"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an Alembic environment"), "{out:?}");

    let (_, stderr) = ok(&pgshift_py(d, &["init", "--from-alembic", "alembic", "--models", "app.models:SQLModel.metadata"]));
    assert!(stderr.contains("the models print 6 tables"), "{stderr}");
    assert!(stderr.contains("pgshift adopt --alembic-revision 2b"), "{stderr}");
    let toml = std::fs::read_to_string(d.join("pgshift.toml")).unwrap();
    assert!(
        toml.contains("[[schema.source]]\ncommand = [\"python\", \"-m\", \"pgshift_sqlalchemy\", \"app.models:SQLModel.metadata\"]\ninputs = [\"app/**/*.py\"]"),
        "{toml}"
    );
    // The app's database as Alembic left it: the models' tables with rows, alembic_version at
    // the head, and another system's objects beside them.
    let t = TestDb::with_sql(AUTH_SERVICE).await;
    let url = t.db.url();
    let script = "import sys\nfrom sqlalchemy import create_engine\nfrom app.models import SQLModel\n\
                  SQLModel.metadata.create_all(create_engine(sys.argv[1].replace('postgresql://', 'postgresql+psycopg://', 1)))\n";
    let out = Command::new(venv().join("bin/python")).args(["-c", script, &url]).current_dir(d).output().unwrap();
    assert!(out.status.success(), "create_all failed: {}", String::from_utf8_lossy(&out.stderr));
    t.client
        .batch_execute(
            "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('2b');
             INSERT INTO organizations (name, slug) VALUES ('acme', 'acme');",
        )
        .await
        .unwrap();

    // The written configuration works as it is: adopt writes the baseline from the live
    // database and stamps it, the models and the history then agree, and nothing drifted.
    let (stdout, stderr) = ok(&pgshift_py(d, &["adopt", "--alembic-revision", "2b", "--database-url", &url]));
    assert_eq!(migrations(d).len(), 1, "{stdout}{stderr}");
    let (stdout, stderr) = ok(&pgshift_py(d, &["new", "next"]));
    assert!(format!("{stdout}{stderr}").contains("schema and history agree"), "{stdout}{stderr}");
    ok(&pgshift_py(d, &["check", "--database-url", &url]));
    assert_eq!(count(&t.client, "SELECT count(*) FROM alembic_version WHERE version_num = '2b'").await, 1);
    assert_eq!(count(&t.client, "SELECT count(*) FROM organizations").await, 1);
    auth_service_untouched(&t.client).await;
    t.finish().await;

    // Models that fail to import: the command, its status and the error, nothing written.
    std::fs::write(d.join("app/broken.py"), "from app.models import SQLModel\nraise RuntimeError('models are broken')\n").unwrap();
    let toml = toml.replace("app.models:SQLModel.metadata", "app.broken:SQLModel.metadata");
    std::fs::write(d.join("pgshift.toml"), toml).unwrap();
    let out = pgshift_py(d, &["new", "next"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the schema command `python -m pgshift_sqlalchemy app.broken:SQLModel.metadata` failed (exit status 2)"), "{stderr}");
    assert!(stderr.contains("RuntimeError: models are broken") && stderr.contains("app/broken.py"), "{stderr}");
    assert_eq!(migrations(d).len(), 1);
}
