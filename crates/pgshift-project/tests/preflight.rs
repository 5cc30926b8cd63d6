//! `preflight::run` against real databases with rows: each test its own database and project
//! directory, the migrations pending (no ledger), the report asserted as data.
//!
//! Proves: the rows that would make each data-dependent step fail are counted with their
//! sample keys, exactly (CHECK, SET NOT NULL, UNIQUE duplicates, FK orphans, varchar and
//! numeric narrowing, text → integer, enum label removal through a generated swap, EXCLUDE
//! overlaps; a primary key's NULLs and duplicates, a NOT NULL column without a default, unique
//! indexes built CONCURRENTLY with NULLS NOT DISTINCT or a predicate, a cast that fails with the
//! server's message); the same migration on clean data is all `ok`; a backfill before SET NOT NULL is
//! accounted for (passes when it covers the NULLs, names the rows it leaves NULL otherwise);
//! another earlier write makes a step "not checked", never a failure; a table created by a
//! pending migration is not checked; locking steps give the table's size and row estimate;
//! destructive steps count what they lose; a role without SELECT is a database error; the
//! preflight takes no lock stronger than ACCESS SHARE (it completes while another session holds
//! EXCLUSIVE on the tables) and changes nothing (rows, no ledger created).

use pgshift_project::preflight::{self, Options, Outcome, Report};
use pgshift_project::Project;
use pgshift_testkit::TestDb;

const SCHEMA: &str = r#"
CREATE TABLE account (id int PRIMARY KEY, email text);
CREATE TABLE document (id int PRIMARY KEY, title text, code text, amount numeric, owner_id int, fallback_owner int);
CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh');
CREATE TABLE person (id int PRIMARY KEY, mood mood);
CREATE TABLE booking (id int PRIMARY KEY, during int4range);
CREATE TABLE note (body text);
"#;

/// Rows that violate every step of [`STEPS`].
const DIRTY: &str = r#"
INSERT INTO account VALUES (1, 'a@x'), (2, 'b@x'), (3, 'a@x'), (4, 'b@x'), (5, 'c@x'), (6, NULL), (7, NULL);
INSERT INTO document (id, title, code, amount, owner_id, fallback_owner)
SELECT i,
       CASE WHEN i IN (4, 9) THEN 'a title that is too long' ELSE 'title ' || i END,
       CASE WHEN i IN (3, 8) THEN 'x' || i WHEN i = 10 THEN '99999999999' ELSE i::text END,
       CASE WHEN i IN (2, 7) THEN 1000.5 ELSE i END,
       CASE WHEN i IN (5, 6) THEN NULL WHEN i = 10 THEN 42 ELSE 1 END,
       CASE WHEN i = 5 THEN 2 END
  FROM generate_series(1, 10) AS i;
INSERT INTO person VALUES (1, 'happy'), (2, 'sad'), (3, 'meh'), (4, 'sad');
INSERT INTO booking VALUES (1, '[1,5)'), (2, '[4,8)'), (3, '[10,12)'), (4, '[11,13)'), (5, '[20,21)');
INSERT INTO note VALUES ('a'), ('b');
ANALYZE;
"#;

/// The same rows, fixed.
const CLEAN: &str = r#"
INSERT INTO account VALUES (1, 'a@x'), (2, 'b@x'), (3, NULL), (4, NULL);
INSERT INTO document (id, title, code, amount, owner_id)
SELECT i, 'title ' || i, i::text, i, 1 FROM generate_series(1, 10) AS i;
INSERT INTO person VALUES (1, 'happy'), (2, 'meh');
INSERT INTO booking VALUES (1, '[1,5)'), (2, '[5,8)');
ANALYZE;
"#;

const STEPS: &str = "-- pgshift revision: 000000000001
-- message: constraints

-- up
ALTER TABLE document ADD CONSTRAINT document_title_short CHECK (length(title) <= 12);
ALTER TABLE document ALTER COLUMN owner_id SET NOT NULL;
ALTER TABLE account ADD CONSTRAINT account_email_key UNIQUE (email);
ALTER TABLE document ADD CONSTRAINT document_owner_fk FOREIGN KEY (owner_id) REFERENCES account (id);
ALTER TABLE document ALTER COLUMN title TYPE varchar(12);
ALTER TABLE document ALTER COLUMN amount TYPE numeric(5, 2);
ALTER TABLE document ALTER COLUMN code TYPE integer USING code::integer;
CREATE TYPE mood__pgshift_new AS ENUM ('happy', 'meh');
ALTER TABLE person ALTER COLUMN mood TYPE mood__pgshift_new USING mood::text::mood__pgshift_new;
ALTER TABLE booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (during WITH &&);
";

struct Setup {
    dir: tempfile::TempDir,
    db: TestDb,
}

impl Setup {
    async fn new(rows: &str, migrations: &[(&str, &str)]) -> Setup {
        let db = TestDb::with_sql(&format!("{SCHEMA}{rows}")).await;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("migrations")).unwrap();
        for (name, text) in migrations {
            std::fs::write(dir.path().join("migrations").join(name), text).unwrap();
        }
        Setup { dir, db }
    }

    fn project(&self) -> Project {
        // The tables are created on the database directly, as a schema the project owns whole.
        let mut project = Project::at(self.dir.path());
        project.own_schemas = vec!["public".to_owned()];
        project
    }

    async fn run(&self) -> Report {
        preflight::run(&self.project(), &self.db.client, None, &Options::default()).await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every step as `line: what: result`.
    fn lines(report: &Report) -> Vec<String> {
        report.steps().map(|s| format!("{}: {}: {}", s.line, s.what, s.outcome.text())).collect()
    }

    async fn count(&self, sql: &str) -> i64 {
        self.db.client.query_one(sql, &[]).await.unwrap().get(0)
    }

    /// Every row of the fixture tables, as text, and whether a ledger exists.
    async fn snapshot(&self) -> String {
        let row = self
            .db
            .client
            .query_one(
                "SELECT concat_ws(' | ',
                    (SELECT string_agg(a::text, ',' ORDER BY id) FROM account a),
                    (SELECT string_agg(d::text, ',' ORDER BY id) FROM document d),
                    (SELECT string_agg(p::text, ',' ORDER BY id) FROM person p),
                    (SELECT string_agg(b::text, ',' ORDER BY id) FROM booking b),
                    (SELECT string_agg(n::text, ',' ORDER BY body) FROM note n),
                    to_regclass('public.pgshift_revisions')::text,
                    (SELECT string_agg(typname, ',' ORDER BY typname) FROM pg_type WHERE typname LIKE 'mood%' AND typtype = 'e'))",
                &[],
            )
            .await
            .unwrap();
        row.get(0)
    }
}

fn file(rev: &str, parent: Option<&str>, body: &str) -> String {
    let parents = parent.map(|p| format!("-- parents: {p}\n")).unwrap_or_default();
    format!("-- pgshift revision: {rev}\n{parents}-- message: m{rev}\n\n-- up\n{body}")
}

#[tokio::test]
async fn violating_rows_are_counted_with_sample_keys() {
    let s = Setup::new(DIRTY, &[("000000000001_constraints.sql", STEPS)]).await;
    let before = s.snapshot().await;
    let report = s.run().await;
    let lines: Vec<String> = Setup::lines(&report).into_iter().filter(|l| !l.contains("locks:")).collect();
    assert_eq!(
        lines,
        [
            "5: CHECK (length(title) <= 12) on document: FAILS: 2 rows of public.document violate CHECK (length(title) <= 12): id 4, 9",
            "6: SET NOT NULL on document.owner_id: FAILS: 2 rows of public.document hold NULL in owner_id: id 5, 6",
            "7: UNIQUE (email) on account: FAILS: 2 values are duplicated in public.account (email): 'a@x', 'b@x'",
            "8: FOREIGN KEY (owner_id) on document to account: FAILS: 1 row of public.document references no row of public.account: id 10",
            "9: TYPE varchar(12) of document.title: FAILS: 2 rows of public.document do not fit varchar(12) (longer than 12): id 4, 9",
            "10: TYPE numeric(5, 2) of document.amount: FAILS: 2 rows of public.document do not fit numeric(5, 2) (absolute value at least 10^3): id 2, 7",
            "11: TYPE integer of document.code: FAILS: 3 rows of public.document hold text that is not integer: id 3, 8, 10",
            "13: TYPE mood__pgshift_new of person.mood: FAILS: 2 rows of public.person hold a label that mood__pgshift_new lacks (it has 'happy', 'meh'): id 2, 4",
            "14: EXCLUDE on booking: FAILS: 2 pairs of rows of public.booking conflict under EXCLUDE (during WITH &&): id pairs 1 and 2, 3 and 4",
        ]
    );
    assert!(report.failed());
    let fails: Vec<_> = report.steps().filter_map(|s| match &s.outcome { Outcome::Fails { count, samples, .. } => Some((*count, samples.len())), _ => None }).collect();
    assert_eq!(fails[0], (Some(2), 2));
    // Locking steps: every re-typing rewrites the table; sizes and estimates come from the catalog.
    let locks: Vec<String> = Setup::lines(&report).into_iter().filter(|l| l.contains("locks:")).collect();
    assert!(locks.iter().any(|l| l.starts_with("9: rewrites public.document under ACCESS EXCLUSIVE: locks: rewrites public.document (") && l.ends_with(", ~10 rows) under ACCESS EXCLUSIVE")), "{locks:?}");
    assert_eq!(s.snapshot().await, before, "the preflight changed nothing");
}

#[tokio::test]
async fn clean_data_passes() {
    let s = Setup::new(CLEAN, &[("000000000001_constraints.sql", STEPS)]).await;
    let report = s.run().await;
    assert!(!report.failed(), "{:#?}", Setup::lines(&report));
    let results: Vec<String> =
        report.steps().filter(|s| !matches!(s.outcome, Outcome::Locks { .. })).map(|s| s.outcome.text()).collect();
    assert_eq!(results, vec!["ok"; 9]);
}

#[tokio::test]
async fn a_backfill_before_set_not_null_is_accounted_for() {
    // Covers the NULLs: passes.
    let covered = file("000000000001", None, "UPDATE document SET owner_id = 1 WHERE owner_id IS NULL;\nALTER TABLE document ALTER COLUMN owner_id SET NOT NULL;\n");
    let s = Setup::new(DIRTY, &[("000000000001_backfill.sql", &covered)]).await;
    assert_eq!(Setup::lines(&s.run().await).into_iter().filter(|l| !l.contains("locks:")).collect::<Vec<_>>(), ["6: SET NOT NULL on document.owner_id: ok"]);

    // From another column that is NULL for row 6: that row still fails.
    let partial = file(
        "000000000001",
        None,
        "UPDATE document SET owner_id = fallback_owner WHERE owner_id IS NULL;\nALTER TABLE document ALTER COLUMN owner_id SET NOT NULL;\n\
         DELETE FROM account WHERE id = 7;\nALTER TABLE account ADD CONSTRAINT account_email_key UNIQUE (email);\n",
    );
    let s = Setup::new(DIRTY, &[("000000000001_backfill.sql", &partial)]).await;
    let report = s.run().await;
    let lines: Vec<String> = Setup::lines(&report).into_iter().filter(|l| !l.contains("locks:")).collect();
    assert_eq!(
        lines,
        [
            "6: SET NOT NULL on document.owner_id: FAILS: 1 row of public.document holds NULL in owner_id: id 6",
            "8: UNIQUE (email) on account: not checked: an earlier statement of this migration writes account",
        ]
    );

    // A new column, backfilled in the same migration (pgshift's generated form), then a table
    // created by a pending migration: nothing of the new table is checked.
    let generated = file(
        "000000000001",
        None,
        "ALTER TABLE document ADD COLUMN slug text;\nUPDATE document SET slug = lower(title) WHERE slug IS NULL;\nALTER TABLE document ALTER COLUMN slug SET NOT NULL;\n",
    );
    let later = file(
        "000000000002",
        Some("000000000001"),
        "CREATE TABLE tag (id int PRIMARY KEY, name text);\nALTER TABLE tag ADD CONSTRAINT tag_name_key UNIQUE (name);\nALTER TABLE tag ALTER COLUMN name SET NOT NULL;\n",
    );
    let s = Setup::new(DIRTY, &[("000000000001_slug.sql", &generated), ("000000000002_tag.sql", &later)]).await;
    let report = s.run().await;
    assert_eq!(report.revisions.len(), 2);
    assert_eq!(Setup::lines(&report).into_iter().filter(|l| !l.contains("locks:")).collect::<Vec<_>>(), ["7: SET NOT NULL on document.slug: ok"]);
    assert!(report.revisions[1].steps.is_empty(), "{:?}", report.revisions[1].steps);
}

#[tokio::test]
async fn locking_and_destructive_steps() {
    let body = "ALTER TABLE document ALTER COLUMN amount TYPE bigint;\nCREATE INDEX document_title_idx ON document (title);\n\
                ALTER TABLE document DROP COLUMN fallback_owner;\nDELETE FROM person;\nTRUNCATE booking;\nDROP TABLE note;\n";
    let s = Setup::new(DIRTY, &[("000000000001_locks.sql", &file("000000000001", None, body))]).await;
    let report = s.run().await;
    let lines = Setup::lines(&report);
    let size: i64 = s.count("SELECT pg_total_relation_size('document')").await;
    let shown = pgshift_lint::proof::size(size);
    assert_eq!(
        lines,
        [
            "5: TYPE bigint of document.amount: ok".to_owned(),
            format!("5: rewrites public.document under ACCESS EXCLUSIVE: locks: rewrites public.document ({shown}, ~10 rows) under ACCESS EXCLUSIVE"),
            format!("6: locks public.document under SHARE: locks: locks public.document ({shown}, ~10 rows) under SHARE"),
            "7: DROP COLUMN document.fallback_owner: loses: 1 value of fallback_owner in public.document is lost".to_owned(),
            "8: deletes every row of person: loses: 4 rows of public.person are lost".to_owned(),
            "9: truncates booking: loses: 5 rows of public.booking are lost".to_owned(),
            "10: drops table note: loses: 2 rows of public.note are lost".to_owned(),
        ]
    );
    assert!(!report.failed());
}

#[tokio::test]
async fn read_only_and_nothing_changed() {
    let s = Setup::new(DIRTY, &[("000000000001_constraints.sql", STEPS)]).await;
    let before = s.snapshot().await;
    // Another session holds EXCLUSIVE on every table: only ACCESS SHARE is compatible with it,
    // so a preflight that took any stronger lock (a write, SELECT FOR UPDATE, DDL) would wait
    // and hit its 2s statement timeout.
    let other = s.db.db.connect().await.unwrap();
    other.batch_execute("BEGIN; LOCK TABLE account, document, person, booking, note IN EXCLUSIVE MODE").await.unwrap();
    let options = Options { statement_timeout: "2s".to_owned() };
    let report = preflight::run(&s.project(), &s.db.client, None, &options).await.unwrap();
    other.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(report.steps().filter(|s| matches!(s.outcome, Outcome::Fails { .. })).count(), 9, "{:#?}", Setup::lines(&report));
    assert_eq!(report.steps().filter(|s| matches!(s.outcome, Outcome::NotChecked { .. })).count(), 0);
    assert_eq!(s.snapshot().await, before);
    // The session is left outside any transaction.
    let in_tx: String = s.db.client.query_one("SELECT current_setting('transaction_read_only')", &[]).await.unwrap().get(0);
    assert_eq!(in_tx, "off");
}

#[tokio::test]
async fn a_database_it_cannot_read_is_a_database_error() {
    let s = Setup::new(DIRTY, &[("000000000001_constraints.sql", STEPS)]).await;
    let role = format!("pgshift_noread_{}", std::process::id());
    s.db.client
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA public TO {role}; GRANT SELECT ON account, person, booking, note TO {role};"
        ))
        .await
        .unwrap();
    let mut config = s.db.db.pg_config();
    config.user(&role);
    let (client, conn) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let before = s.snapshot().await;
    let err = preflight::run(&s.project(), &client, None, &Options::default()).await.unwrap_err();
    assert!(err.is_database(), "{err}");
    let source = std::error::Error::source(&err).map(ToString::to_string).unwrap_or_default();
    let db = format!("{err:?}");
    assert!(db.contains("permission denied for table document"), "{err}: {source}: {db}");
    assert_eq!(s.snapshot().await, before);
    drop(client);
    s.db.client.batch_execute(&format!("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}; REVOKE USAGE ON SCHEMA public FROM {role}")).await.unwrap();
}

#[tokio::test]
async fn keys_indexes_new_columns_and_casts() {
    let body = "ALTER TABLE account ADD PRIMARY KEY (email);\n\
                ALTER TABLE account ADD COLUMN plan text NOT NULL;\n\
                ALTER TABLE document ALTER COLUMN title TYPE date USING title::date;\n\n\
                -- up: no transaction\n\
                CREATE UNIQUE INDEX CONCURRENTLY account_email_idx ON account (email) NULLS NOT DISTINCT;\n\
                CREATE UNIQUE INDEX CONCURRENTLY document_owner_idx ON document (owner_id) WHERE owner_id IS NOT NULL AND id < 10;\n";
    let s = Setup::new(DIRTY, &[("000000000001_keys.sql", &file("000000000001", None, body))]).await;
    let report = s.run().await;
    let lines: Vec<String> = Setup::lines(&report).into_iter().filter(|l| !l.contains("locks:")).collect();
    assert_eq!(
        lines,
        [
            "5: PRIMARY KEY (email) on account: FAILS: 2 rows of public.account hold NULL in (email): id 6, 7",
            "5: PRIMARY KEY (email) on account: FAILS: 2 values are duplicated in public.account (email): 'a@x', 'b@x'",
            "6: ADD COLUMN account.plan NOT NULL without a default: FAILS: 7 rows of public.account get NULL in the new column: id 1, 2, 3, 4, 5, …",
            "7: TYPE date of document.title: FAILS: the conversion fails on at least one row: invalid input syntax for type date: \"title 1\"",
            "10: unique index on account (email): FAILS: 3 values are duplicated in public.account (email): 'a@x', 'b@x', NULL",
            "11: unique index on document (owner_id): FAILS: 1 value is duplicated in public.document (owner_id): '1'",
        ]
    );
}
