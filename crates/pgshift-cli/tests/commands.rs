//! Every command's main paths and errors as the user sees them: stdout, stderr and the exit
//! code together, snapshotted with insta (`tests/snapshots/commands__*.snap`; the snapshot's
//! header holds the arguments; the database URL, passed in the environment, is left out).
//!
//! One user's session in a project directory against a live database that another system shares
//! (its `"User"` table, enum type and rows beside ours), with foreign keys among our tables and
//! rows in them: init, new, heads/history, status, check, upgrade, current, diff, inspect,
//! seed, downgrade, stamp, merge and accept-edit; then the errors a user meets, each in its own
//! project: a schema that does not load, two heads, an unknown revision, an edited applied
//! migration, a failing statement, a missing backfill, a malformed migration file, a name clash,
//! an unreachable database. Every row of ours and of the other system survives the session.
//!
//! What changes from run to run is replaced before comparing: the project's directory
//! (`[PROJECT]`), the database URL (`[URL]`), revision ids (`[REV]`), checksums and
//! durations. Review a changed snapshot with `cargo insta review` (or rerun with
//! `INSTA_UPDATE=always` and read the diff).

use std::path::Path;
use std::process::Command;

use pgshift_testkit::TestDb;

const FOREIGN: &str = r#"
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
CREATE TABLE "User" (id text PRIMARY KEY, email text NOT NULL UNIQUE, role "Role" NOT NULL DEFAULT 'USER');
INSERT INTO "User" VALUES ('u1', 'a@example.com', 'ADMIN'), ('u2', 'b@example.com', 'USER');
"#;

const EXTERNALS: &str = r#"CREATE TABLE "User" (id text PRIMARY KEY);
"#;

const SCHEMA_V1: &str = r#"CREATE TYPE plan_tier AS ENUM ('free', 'pro');

CREATE TABLE account (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id text NOT NULL UNIQUE REFERENCES "User" (id),
    tier plan_tier NOT NULL DEFAULT 'free'
);

CREATE TABLE document (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    title text NOT NULL
);
CREATE INDEX document_account_id_idx ON document (account_id);
"#;

/// V1 plus a NOT NULL column without a default on a table with rows, and an enum label.
const SCHEMA_V2: &str = r#"CREATE TYPE plan_tier AS ENUM ('free', 'pro', 'team');

CREATE TABLE account (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id text NOT NULL UNIQUE REFERENCES "User" (id),
    tier plan_tier NOT NULL DEFAULT 'free'
);

CREATE TABLE document (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    title text NOT NULL,
    slug text NOT NULL
);
CREATE INDEX document_account_id_idx ON document (account_id);
"#;

const ROWS: &str = "INSERT INTO account (user_id, tier) VALUES ('u1', 'pro'), ('u2', 'free');
INSERT INTO document (account_id, title) VALUES (1, 'First'), (1, 'Second'), (2, 'Third');";

/// A project directory and a live database with the other system's objects and rows.
struct Session {
    dir: tempfile::TempDir,
    db: TestDb,
}

impl Session {
    async fn new() -> Session {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::with_sql(FOREIGN).await;
        Session { dir, db }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, file: &str, text: &str) {
        let path = self.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// `pgshift args` in the project, against the live database.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgshift"));
        cmd.args(args).env("DATABASE_URL", self.db.db.url()).current_dir(self.path());
        cmd
    }

    /// Run `cmd` and snapshot its exit code, stdout and stderr under `name`.
    fn snapshot(&self, name: &str, mut cmd: Command) {
        let out = cmd.output().expect("run pgshift");
        let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        let text = format!(
            "exit_code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}",
            out.status.code().map_or("signal".to_owned(), |c| c.to_string()),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut settings = self.settings();
        settings.set_description(format!("pgshift {}", args.join(" ")));
        settings.bind(|| insta::assert_snapshot!(name, text));
    }

    /// The filters that make output comparable from run to run.
    fn settings(&self) -> insta::Settings {
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(true);
        settings.set_omit_expression(true);
        let dir = self.path().display().to_string();
        settings.add_filter(&regex_escape(&dir), "[PROJECT]");
        if let Ok(real) = std::fs::canonicalize(self.path()) {
            settings.add_filter(&regex_escape(&real.display().to_string()), "[PROJECT]");
        }
        settings.add_filter(&regex_escape(&self.db.db.url()), "[URL]");
        settings.add_filter(r"postgres(ql)?://[^\s'`]+", "[URL]");
        settings.add_filter(r"\b[0-9a-f]{64}\b", "[SHA256]");
        settings.add_filter(r"\b[0-9a-f]{12}(_|\b)", "[REV]${1}");
        settings.add_filter(r"\b\d+(\.\d+)? ?(ms|s)\b", "[TIME]");
        settings.add_filter(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(\+\d{2}(:\d{2})?|Z)?", "[DATE]");
        settings.add_filter(r"backend pid \d+", "backend pid [PID]");
        settings
    }

    async fn rows(&self, table: &str) -> i64 {
        self.db.client.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await.unwrap().get(0)
    }

    fn migrations(&self) -> Vec<String> {
        let mut files: Vec<String> = std::fs::read_dir(self.path().join("migrations"))
            .map(|d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|f| f.ends_with(".sql")).collect())
            .unwrap_or_default();
        files.sort();
        files
    }
}

fn regex_escape(s: &str) -> String {
    s.chars().fold(String::new(), |mut out, c| {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
        out
    })
}

/// Snapshot `pgshift args` under `name` with `session`'s filters.
macro_rules! snap {
    ($session:expr, $name:expr, $args:expr) => {
        $session.snapshot($name, $session.cmd(&$args))
    };
}

#[tokio::test]
async fn a_users_session() {
    let s = Session::new().await;
    snap!(s, "init", ["init"]);
    s.write("externals/auth.sql", EXTERNALS);
    s.write("schema/shop.sql", SCHEMA_V1);

    snap!(s, "new_first", ["new", "create shop"]);
    snap!(s, "new_nothing_to_do", ["new", "again"]);
    snap!(s, "heads", ["heads"]);
    snap!(s, "status_pending", ["status"]);
    snap!(s, "check_pending", ["check"]);
    snap!(s, "upgrade_sql", ["upgrade", "--sql"]);
    snap!(s, "upgrade", ["upgrade"]);
    snap!(s, "upgrade_at_head", ["upgrade"]);
    snap!(s, "current", ["current"]);
    snap!(s, "check_clean", ["check"]);
    snap!(s, "status_co_tenants", ["status", "--co-tenants"]);
    snap!(s, "inspect_live", ["inspect"]);
    s.db.client.batch_execute(ROWS).await.unwrap();

    // A NOT NULL column on a table with rows: refused without a value for them, then planned
    // with one; an enum label goes to a `no transaction` section.
    s.write("schema/shop.sql", SCHEMA_V2);
    snap!(s, "diff_schema_to_live", ["diff", "--from", "schema", "--to", &s.db.db.url()]);
    snap!(s, "new_missing_backfill", ["new", "add slug"]);
    snap!(s, "new_with_backfill", ["new", "add slug", "--backfill", "public.document.slug=lower(title)"]);
    snap!(s, "history", ["history"]);
    snap!(s, "upgrade_second", ["upgrade"]);
    assert_eq!(s.rows("document WHERE slug = lower(title)").await, 3);

    snap!(s, "downgrade_one", ["downgrade", "-1"]);
    snap!(s, "status_one_pending", ["status"]);
    snap!(s, "upgrade_again", ["upgrade"]);

    // Reference data synced by natural key.
    s.write("data/account.toml", "table = \"account\"\nkey = \"user_id\"\n\n[[rows]]\nuser_id = \"u2\"\ntier = \"team\"\n");
    snap!(s, "seed_diff", ["seed", "diff"]);
    snap!(s, "seed_sync", ["seed", "sync"]);
    snap!(s, "seed_check", ["seed", "check"]);
    // Now a row holds the label the down section removes: the downgrade stops at that
    // statement and rolls back.
    snap!(s, "downgrade_blocked_by_rows", ["downgrade", "-1"]);
    assert_eq!(s.rows("account WHERE tier = 'team'").await, 1);

    // The rows of ours and of the other system survive every step.
    assert_eq!(s.rows("account").await, 2);
    assert_eq!(s.rows("document").await, 3);
    assert_eq!(s.rows("\"User\"").await, 2);
    assert_eq!(s.migrations().len(), 2);
}

#[tokio::test]
async fn errors_of_the_schema_and_the_files() {
    let s = Session::new().await;
    s.write("pgshift.toml", "");
    s.write("externals/auth.sql", EXTERNALS);
    s.write("schema/shop.sql", "CREATE TABLE account (\n    id bigint PRIMARY KEY,\n    tier plan_tierr NOT NULL\n);\n");
    snap!(s, "new_schema_does_not_load", ["new", "create shop"]);
    assert!(s.migrations().is_empty());

    s.write("schema/shop.sql", SCHEMA_V1);
    s.write("migrations/000000000001_one.sql", "-- pgshift revision: 000000000001\n-- message: one\n\n-- up\nSELECT 1;\n");
    s.write("migrations/000000000002_two.sql", "-- pgshift revision: 000000000002\n-- message: two\n\n-- up\nSELECT 2;\n");
    snap!(s, "new_two_heads", ["new", "create shop"]);
    snap!(s, "upgrade_two_heads", ["upgrade"]);
    snap!(s, "downgrade_unknown_revision", ["downgrade", "ffff"]);
    snap!(s, "merge", ["merge", "-m", "join"]);

    s.write("migrations/000000000003_bad.sql", "-- pgshift revision: 3\n-- parents: 000000000001\n\n-- up\nSELECT 3;\n");
    snap!(s, "malformed_migration_file", ["history"]);
}

#[tokio::test]
async fn errors_against_the_database() {
    let s = Session::new().await;
    s.write("pgshift.toml", "");
    s.write("externals/auth.sql", EXTERNALS);
    s.write(
        "migrations/000000000001_accounts.sql",
        "-- pgshift revision: 000000000001\n-- message: accounts\n\n-- up\nCREATE TABLE account (id bigint PRIMARY KEY, user_id text REFERENCES \"User\" (id));\n\n-- down\nDROP TABLE account;\n",
    );
    s.write(
        "migrations/000000000002_fails.sql",
        "-- pgshift revision: 000000000002\n-- parents: 000000000001\n-- message: fails\n\n-- up\nALTER TABLE account ADD COLUMN note text;\nALTER TABLE account ADD CONSTRAINT account_user_fk FOREIGN KEY (user_id) REFERENCES missing (id);\n\n-- down\nALTER TABLE account DROP COLUMN note;\n",
    );
    snap!(s, "upgrade_failing_statement", ["upgrade"]);
    snap!(s, "current_after_failure", ["current"]);

    // An applied migration edited afterwards.
    std::fs::remove_file(s.path().join("migrations/000000000002_fails.sql")).unwrap();
    s.write(
        "migrations/000000000001_accounts.sql",
        "-- pgshift revision: 000000000001\n-- message: accounts\n\n-- up\nCREATE TABLE account (id bigint PRIMARY KEY, user_id text REFERENCES \"User\" (id), note text);\n\n-- down\nDROP TABLE account;\n",
    );
    snap!(s, "upgrade_edited_migration", ["upgrade"]);
    snap!(s, "accept_edit", ["accept-edit", "000000000001"]);

    // A name of schema/ that is the other system's object, in a database pgshift built.
    s.write("schema/shop.sql", "CREATE TABLE account (id bigint PRIMARY KEY, user_id text REFERENCES \"User\" (id), note text);\nCREATE TYPE \"Role\" AS ENUM ('a', 'b');\n");
    snap!(s, "new_name_clash", ["new", "clash"]);
    snap!(s, "check_name_clash", ["check"]);
    assert_eq!(s.migrations().len(), 1);

    // A migration that no longer replays on an empty database (it needs externals/).
    s.write("schema/shop.sql", "CREATE TABLE account (id bigint PRIMARY KEY, note text);\n");
    std::fs::write(s.path().join("externals/auth.sql"), "").unwrap();
    snap!(s, "new_history_does_not_replay", ["new", "replay"]);
    std::fs::write(s.path().join("externals/auth.sql"), EXTERNALS).unwrap();
    snap!(s, "stamp_base", ["stamp", "base"]);

    let unreachable = {
        let mut cmd = s.cmd(&["status"]);
        cmd.env("DATABASE_URL", "postgresql://pgshift:secret@127.0.0.1:9/nowhere?connect_timeout=2");
        cmd
    };
    s.snapshot("status_unreachable", unreachable);
    assert_eq!(s.rows("\"User\"").await, 2);
}

#[tokio::test]
async fn adopting_a_database_pgshift_did_not_build() {
    let s = Session::new().await;
    s.write("pgshift.toml", "");
    s.write("externals/auth.sql", EXTERNALS);
    s.write("schema/shop.sql", SCHEMA_V1);
    // Our tables, built by hand (e.g. by `create_all`), with rows.
    s.db.client.batch_execute(SCHEMA_V1).await.unwrap();
    s.db.client.batch_execute(ROWS).await.unwrap();
    snap!(s, "check_not_adopted", ["check"]);
    snap!(s, "adopt_baseline", ["adopt"]);
    snap!(s, "check_after_adopt", ["check"]);
    snap!(s, "adopt_again", ["adopt"]);
    assert_eq!(s.rows("document").await, 3);
    assert_eq!(s.rows("\"User\"").await, 2);
    assert_eq!(s.migrations().len(), 1);
}

#[tokio::test]
async fn linting_migrations() {
    let s = Session::new().await;
    s.write("pgshift.toml", "");
    s.write(
        "migrations/000000000001_shop.sql",
        "-- pgshift revision: 000000000001\n-- message: shop\n\n-- up\nCREATE TABLE account (id bigint PRIMARY KEY, email text);\n\n-- down\nDROP TABLE account;\n",
    );
    s.write(
        "migrations/000000000002_cleanup.sql",
        "-- pgshift revision: 000000000002\n-- parents: 000000000001\n-- message: cleanup\n\n-- up\nALTER TABLE account DROP COLUMN email;\n-- pgshift: allow delete-without-where the table only holds test rows\nDELETE FROM account;\nTRUNCATE \"User\";\n",
    );
    s.write("adhoc.sql", "UPDATE account SET id = id;\nSELEC 1;\n");
    snap!(s, "lint_all", ["lint"]);
    snap!(s, "lint_revision_json", ["lint", "--json", "000000000002"]);
    snap!(s, "lint_ambiguous_revision", ["lint", "0000000000"]);
    snap!(s, "lint_plain_file_with_a_syntax_error", ["lint", "adhoc.sql"]);
    snap!(s, "lint_unknown_revision", ["lint", "ffff"]);
    s.write("pgshift.toml", "[lint]\nrules = { \"drop-colum\" = \"off\" }\n");
    snap!(s, "lint_config_unknown_rule", ["lint"]);
    s.write("pgshift.toml", "[lint]\nrules = { \"drop-column\" = \"off\", \"truncate\" = \"warning\" }\n");
    snap!(s, "lint_with_severities", ["lint", "000000000002"]);
}

#[tokio::test]
async fn preflight_before_upgrade() {
    let s = Session::new().await;
    s.write("pgshift.toml", "");
    s.write(
        "migrations/000000000001_documents.sql",
        "-- pgshift revision: 000000000001\n-- message: documents\n\n-- up\nCREATE TABLE document (id bigint PRIMARY KEY, title text, code text);\n\n-- down\nDROP TABLE document;\n",
    );
    assert_eq!(s.cmd(&["upgrade"]).output().unwrap().status.code(), Some(0));
    s.db.client
        .batch_execute(
            "INSERT INTO document SELECT i, CASE WHEN i IN (4, 9) THEN 'a title that is too long' ELSE 'title ' || i END, \
             CASE WHEN i = 3 THEN 'x3' ELSE i::text END FROM generate_series(1, 10) AS i; ANALYZE document;",
        )
        .await
        .unwrap();
    s.write(
        "migrations/000000000002_constraints.sql",
        "-- pgshift revision: 000000000002\n-- parents: 000000000001\n-- message: constraints\n\n-- up\n\
         ALTER TABLE document ADD CONSTRAINT document_title_short CHECK (length(title) <= 12);\n\
         ALTER TABLE document ALTER COLUMN code TYPE integer USING code::integer;\n\n\
         -- down\nALTER TABLE document ALTER COLUMN code TYPE text;\nALTER TABLE document DROP CONSTRAINT document_title_short;\n",
    );
    let rows = "(SELECT string_agg(d::text, ',' ORDER BY id) FROM document d)";
    let before: String = s.db.client.query_one(&format!("SELECT {rows}"), &[]).await.unwrap().get(0);
    let ledger = "public.pgshift_revisions";

    snap!(s, "preflight_fails", ["preflight"]);
    snap!(s, "preflight_json", ["preflight", "--json"]);
    snap!(s, "upgrade_stopped_by_preflight", ["upgrade"]);
    assert_eq!(s.rows(ledger).await, 1, "nothing was applied");
    let after: String = s.db.client.query_one(&format!("SELECT {rows}"), &[]).await.unwrap().get(0);
    assert_eq!(after, before);

    // Without the preflight the server refuses the same rows: the statement error.
    snap!(s, "upgrade_skip_preflight", ["upgrade", "--skip-preflight"]);
    assert_eq!(s.rows(ledger).await, 1);

    // A role that cannot read the table: exit 3, nothing changed.
    let role = format!("pgshift_cli_noread_{}", std::process::id());
    s.db.client.batch_execute(&format!("DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN; GRANT SELECT ON {ledger} TO {role};")).await.unwrap();
    let mut cannot_read = s.cmd(&["preflight"]);
    cannot_read.env("DATABASE_URL", with_user(&s.db.db.url(), &role));
    s.snapshot("preflight_cannot_read", cannot_read);
    s.db.client.batch_execute(&format!("REVOKE ALL ON {ledger} FROM {role}; DROP ROLE {role};")).await.unwrap();
    let mut unreachable = s.cmd(&["preflight"]);
    unreachable.env("DATABASE_URL", "postgresql://pgshift:secret@127.0.0.1:9/nowhere?connect_timeout=2");
    s.snapshot("preflight_unreachable", unreachable);

    // The data fixed: the preflight passes and the upgrade applies.
    s.db.client.batch_execute("UPDATE document SET title = left(title, 12), code = '3' WHERE id IN (3, 4, 9);").await.unwrap();
    snap!(s, "preflight_clean", ["preflight"]);
    snap!(s, "upgrade_after_preflight", ["upgrade"]);
    assert_eq!(s.rows(ledger).await, 2);
    assert_eq!(s.rows("document").await, 10);
    assert_eq!(s.rows("\"User\"").await, 2);
}

/// `url` with another user (the scratch server trusts local connections).
fn with_user(url: &str, user: &str) -> String {
    let rest = url.strip_prefix("postgresql://").unwrap_or(url);
    let rest = match rest.find('@') {
        Some(i) if !rest[..i].contains('/') => &rest[i + 1..],
        _ => rest,
    };
    format!("postgresql://{user}@{rest}")
}

#[tokio::test]
async fn a_rename_candidate_is_decided_never_assumed() {
    let s = Session::new().await;
    s.write("pgshift.toml", "");
    s.write("externals/auth.sql", EXTERNALS);
    s.write("schema/shop.sql", SCHEMA_V1);
    snap!(s, "rename_first", ["new", "shop"]);
    s.write("schema/shop.sql", &SCHEMA_V1.replace("title text NOT NULL", "headline text NOT NULL"));
    // No terminal, no flag: refused (a drop would lose every title), nothing written.
    snap!(s, "rename_undecided", ["new", "headline"]);
    assert_eq!(s.migrations().len(), 1);
    snap!(s, "rename_confirmed", ["new", "headline", "--rename", "public.document.title=public.document.headline"]);
    assert_eq!(s.migrations().len(), 2);
}
