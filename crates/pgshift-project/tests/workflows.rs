//! The project's workflows as a library, on a database shared with another system: each test
//! has a project directory (`schema/` with two tables of ours linked by a foreign key and an
//! enum, `externals/` declaring the other system's `"User"` table that we reference) and its
//! own live database where the other system lives (`"User"` with rows, its enum `"Role"`, a
//! `_prisma_migrations` ledger with a row). The library functions are called directly and
//! what they return is asserted as data; no binary runs.
//!
//! Proves: `check::run` finds a missing migration (naming the objects), is clean once
//! `autogen::run` wrote it and it is applied, finds drift made by hand in our table, and never
//! names a foreign object in a finding; `status::run` gives the revision, the pending
//! revisions and the other tool's ledger; `adopt::run` on a database pgshift did not build
//! returns `Baseline` (no history), `AtHead` (live objects match the head) or `Bridge` (they
//! differ; the bridge's steps run twice on the live database and then once more through the
//! engine without error, and leave it at the head), then `Already`; rows of ours and of the
//! other system survive everything, and no foreign object is created by the baseline;
//! `owned::Ownership` is desired ∪ owned at the revision ∪ `own_schemas` − `ignore`, a desired
//! name that is the other system's is a `ProjectError::Clash` with its hint once the database
//! is adopted, and `owned::tables` holds our tables and never `"User"`; bad input (an unknown
//! revision, two heads, a schema or externals that do not load) is the specific
//! `ProjectError` variant and writes nothing into `migrations/`.

use std::path::{Path, PathBuf};

use pgshift_catalog::{NamePattern, ObjectFilter, QualName};
use pgshift_history::{ApplyOptions, Direction, HistoryError, MigrationFile, RevisionGraph, RevisionId};
use pgshift_plan::PlanOptions;
use pgshift_project::adopt::{self, Adopted};
use pgshift_project::autogen::{self, Given, Outcome, Prepared, Request};
use pgshift_project::check::{self, Finding};
use pgshift_project::cotenant::ForeignLedger;
use pgshift_project::owned::{self, Ownership};
use pgshift_project::{status, Project, ProjectError, Workspace, CLASH_HINT};
use pgshift_scratch::ScratchConfig;
use pgshift_testkit::TestDb;
use tokio_postgres::Client;

/// The other system: its users, its enum, its migration ledger.
const OTHER_SYSTEM: &str = r#"
CREATE TYPE "Role" AS ENUM ('ADMIN', 'MEMBER');
CREATE TABLE "User" (id text PRIMARY KEY, email text NOT NULL UNIQUE, role "Role" NOT NULL DEFAULT 'MEMBER');
INSERT INTO "User" VALUES ('u1', 'ada@example.com', 'ADMIN'), ('u2', 'bob@example.com', 'MEMBER');
CREATE TABLE _prisma_migrations (
    id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz,
    migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz,
    started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count int NOT NULL DEFAULT 0);
INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count)
    VALUES ('8d2f6a3e-0c1b-4d5e-9f00-000000000001', 'c0ffee', now(), '20240101000000_init', 1);
"#;

/// The shape of the other system's table we reference (only the part we use).
const EXTERNALS: &str = r#"CREATE TABLE "User" (id text PRIMARY KEY, email text NOT NULL);
"#;

/// Ours: two tables linked by a foreign key, an enum, and a reference to `"User"`.
const SCHEMA: &str = r#"CREATE TYPE plan AS ENUM ('free', 'pro');
CREATE TABLE team (id int PRIMARY KEY, name text NOT NULL, plan plan NOT NULL DEFAULT 'free');
CREATE TABLE member (id int PRIMARY KEY, team_id int NOT NULL REFERENCES team (id), user_id text NOT NULL REFERENCES "User" (id));
"#;

/// Rows of ours.
const OUR_ROWS: &str = "INSERT INTO team VALUES (1, 'core', 'pro'), (2, 'ops', 'free');
INSERT INTO member VALUES (1, 1, 'u1'), (2, 2, 'u2'), (3, 1, 'u2');";

fn project(schema: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (sub, file, text) in [("schema", "app.sql", schema), ("externals", "user.sql", EXTERNALS)] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join(file), text).unwrap();
    }
    dir
}

async fn workspace(project: Project) -> Workspace {
    Workspace::open(project, &ScratchConfig::from_env()).await.unwrap()
}

async fn prepared(dir: &Path) -> (Workspace, Prepared) {
    let ws = workspace(Project::at(dir)).await;
    let prepared = autogen::prepare(&ws).await.unwrap();
    (ws, prepared)
}

/// Autogenerate a migration for the current `schema/` and return its revision.
async fn new_migration(dir: &Path, message: &str) -> RevisionId {
    let (ws, prepared) = prepared(dir).await;
    let request = Request { message: message.to_owned(), ..Request::default() };
    match autogen::run(&ws, &prepared, request, &mut Given).await.unwrap() {
        Outcome::Written(w) => w.revision,
        Outcome::NothingToDo => panic!("nothing to write"),
    }
}

fn migration_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir.join("migrations")) else { return Vec::new() };
    let mut files: Vec<PathBuf> = rd.map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

fn graph(dir: &Path) -> RevisionGraph {
    Project::at(dir).graph().unwrap()
}

async fn upgrade(client: &Client, dir: &Path) {
    pgshift_history::upgrade(client, &graph(dir), None, &ApplyOptions::default()).await.unwrap();
}

async fn ledger(client: &Client, dir: &Path) -> pgshift_history::Status {
    pgshift_history::status(client, &graph(dir), &ApplyOptions::default()).await.unwrap()
}

async fn count(client: &Client, table: &str) -> i64 {
    client.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await.unwrap().get(0)
}

/// The other system's rows are all there.
async fn theirs_survive(client: &Client) {
    assert_eq!(count(client, r#""User""#).await, 2);
    assert_eq!(count(client, "_prisma_migrations").await, 1);
    let admin: String = client.query_one(r#"SELECT role::text FROM "User" WHERE id = 'u1'"#, &[]).await.unwrap().get(0);
    assert_eq!(admin, "ADMIN");
}

/// Our rows are all there.
async fn ours_survive(client: &Client) {
    assert_eq!(count(client, "team").await, 2);
    assert_eq!(count(client, "member").await, 3);
}

const FOREIGN: &[&str] = &["User", "Role", "_prisma_migrations"];

/// A finding never names a foreign object, and its SQL never creates, alters or drops one.
fn no_foreign(finding: &Finding) {
    for name in finding.missing.iter().chain(&finding.extra).chain(&finding.changed).chain(&finding.renamed) {
        assert!(!FOREIGN.iter().any(|f| name.contains(f)), "a foreign object in a finding: {name}");
    }
    if let Some(sql) = &finding.sql {
        for f in [r#"TABLE public."User""#, r#"TYPE public."Role""#, "\"Role\"", "_prisma_migrations"] {
            assert!(!sql.contains(f), "the fix names {f}:\n{sql}");
        }
    }
}

#[tokio::test]
async fn check_finds_a_missing_migration_then_drift_and_never_foreign_objects() {
    let dir = project(SCHEMA);
    let d = dir.path();
    let live = TestDb::with_sql(OTHER_SYSTEM).await;
    let client = &live.client;

    // No migration yet: missing, naming our three objects, with or without a database.
    let (ws, prep) = prepared(d).await;
    let report = check::run(&ws, &prep, None).await.unwrap();
    assert!(report.found());
    assert!(report.drift.is_none(), "no database, no drift");
    let missing = report.missing_migration.as_ref().unwrap();
    for object in ["type public.plan", "table public.team", "table public.member"] {
        assert!(missing.missing.iter().any(|m| m == object), "{object} not in {missing:?}");
    }
    assert!(missing.extra.is_empty() && missing.changed.is_empty(), "{missing:?}");
    assert!(missing.sql.as_deref().is_some_and(|s| s.contains("CREATE TABLE public.team")), "{missing:?}");
    no_foreign(missing);
    let report = check::run(&ws, &prep, Some(client)).await.unwrap();
    assert!(report.found());
    let drift = report.drift.as_ref().unwrap();
    assert_eq!(drift.revision, None, "no ledger yet");
    assert_eq!(drift.finding, None, "nothing of ours is live, and the history is empty: no drift");
    assert!(report.externals.is_empty(), "externals/ matches the live \"User\": {:?}", report.externals);
    assert!(report.version_warning.is_none(), "same server: {:?}", report.version_warning);
    no_foreign(report.missing_migration.as_ref().unwrap());

    // The migration is written: clean without a database; applied with rows: clean with one.
    let head = new_migration(d, "initial").await;
    let (ws, prep) = prepared(d).await;
    let report = check::run(&ws, &prep, None).await.unwrap();
    assert!(!report.found(), "{report:?}");
    assert_eq!(report.missing_migration, None);
    upgrade(client, d).await;
    client.batch_execute(OUR_ROWS).await.unwrap();
    let report = check::run(&ws, &prep, Some(client)).await.unwrap();
    assert!(!report.found(), "{report:?}");
    let drift = report.drift.unwrap();
    assert_eq!(drift.revision.as_deref(), Some(head.as_str()));
    assert_eq!(drift.finding, None);

    // By hand: a column added to our table, and the other system changing its own objects.
    client
        .batch_execute(
            r#"ALTER TABLE team ADD COLUMN note text;
               ALTER TABLE "User" ADD COLUMN nickname text;
               ALTER TYPE "Role" ADD VALUE 'GUEST';
               CREATE TABLE "Session" (id text PRIMARY KEY, user_id text REFERENCES "User" (id));"#,
        )
        .await
        .unwrap();
    let report = check::run(&ws, &prep, Some(client)).await.unwrap();
    assert!(report.found());
    assert_eq!(report.missing_migration, None, "schema/ and the history still agree");
    let drift = report.drift.as_ref().unwrap();
    assert_eq!(drift.revision.as_deref(), Some(head.as_str()));
    let finding = drift.finding.as_ref().expect("drift in our table");
    assert_eq!(finding.changed, vec!["table public.team".to_owned()], "{finding:?}");
    assert!(finding.missing.is_empty() && finding.extra.is_empty() && finding.renamed.is_empty(), "{finding:?}");
    let sql = finding.sql.as_deref().unwrap();
    assert!(sql.contains("ALTER TABLE public.team DROP COLUMN note"), "{sql}");
    no_foreign(finding);
    assert!(!sql.contains("Session") && !sql.contains("nickname") && !sql.contains("GUEST"), "{sql}");
    assert!(report.externals.is_empty(), "a foreign table with more columns than declared is fine: {:?}", report.externals);
    // The report as the CLI's --json would print it names no foreign object either.
    let json = serde_json::to_string(&report).unwrap();
    for f in ["Session", "nickname", "GUEST", "_prisma"] {
        assert!(!json.contains(f), "{f} in {json}");
    }

    // The check wrote nothing, anywhere.
    assert_eq!(migration_files(d).len(), 1);
    ours_survive(client).await;
    theirs_survive(client).await;
    live.finish().await;
}

#[tokio::test]
async fn status_gives_the_revision_pending_revisions_and_other_ledgers() {
    let dir = project(SCHEMA);
    let d = dir.path();
    let live = TestDb::with_sql(OTHER_SYSTEM).await;
    let client = &live.client;
    let first = new_migration(d, "initial").await;

    let ws = workspace(Project::at(d)).await;
    let report = status::run(&ws, client).await.unwrap();
    assert!(report.ledger.current.is_empty() && report.ledger.applied.is_empty());
    assert_eq!(report.ledger.pending, vec![first.clone()]);
    assert!(!report.adopted);
    assert_eq!(report.adoptable, 0, "none of ours exists live yet");
    assert_eq!(
        report.other_ledgers,
        vec![ForeignLedger { table: "public._prisma_migrations".into(), tool: "Prisma".into() }]
    );
    assert_eq!(report.tools, vec![("Prisma".to_owned(), 1)]);
    assert!(report.clashes.is_empty(), "{:?}", report.clashes);
    assert!(report.externals.is_empty(), "{:?}", report.externals);
    assert_eq!(report.graph.heads(), vec![first.clone()]);

    upgrade(client, d).await;
    client.batch_execute(OUR_ROWS).await.unwrap();
    let report = status::run(&ws, client).await.unwrap();
    assert_eq!(report.ledger.current, vec![first.clone()]);
    assert!(report.ledger.pending.is_empty());
    assert!(report.adopted);
    assert_eq!(report.adoptable, 0);
    assert_eq!(report.other_ledgers.len(), 1, "the other tool is still there: {:?}", report.other_ledgers);

    // A second migration, not applied: one pending.
    std::fs::write(d.join("schema/app.sql"), format!("{SCHEMA}CREATE TABLE invite (id int PRIMARY KEY, team_id int REFERENCES team (id));\n")).unwrap();
    let second = new_migration(d, "invites").await;
    let ws = workspace(Project::at(d)).await;
    let report = status::run(&ws, client).await.unwrap();
    assert_eq!(report.ledger.current, vec![first.clone()]);
    assert_eq!(report.ledger.pending, vec![second.clone()]);
    assert_eq!(report.graph.len(), 2);
    assert!(report.adopted);

    upgrade(client, d).await;
    let report = status::run(&ws, client).await.unwrap();
    assert_eq!(report.ledger.current, vec![second]);
    assert!(report.ledger.pending.is_empty());
    assert_eq!(report.ledger.applied.len(), 2);
    ours_survive(client).await;
    theirs_survive(client).await;
    live.finish().await;
}

/// A database pgshift did not build: the other system, and our objects created by hand, with
/// rows.
async fn hand_built(ours: &str) -> TestDb {
    let live = TestDb::with_sql(OTHER_SYSTEM).await;
    live.client.batch_execute(ours).await.unwrap();
    live.client.batch_execute(OUR_ROWS).await.unwrap();
    live
}

#[tokio::test]
async fn adopt_without_history_writes_a_baseline_of_ours_only() {
    let dir = project(SCHEMA);
    let d = dir.path();
    let live = hand_built(SCHEMA).await;
    let client = &live.client;
    let (ws, prep) = prepared(d).await;

    // Before adoption, status sees what adopt would take.
    let before = status::run(&ws, client).await.unwrap();
    assert!(!before.adopted);
    assert_eq!(before.adoptable, 3, "type plan, tables team and member");
    // check says "not adopted" and suggests no SQL: a fix against the empty history would drop
    // the hand-built tables with their rows.
    let report = check::run(&ws, &prep, Some(client)).await.unwrap();
    let drift = report.drift.as_ref().unwrap();
    assert_eq!(drift.finding, None, "no fix SQL for a database pgshift did not build");
    assert_eq!(drift.not_adopted, vec!["public.member", "public.plan", "public.team"]);
    assert!(report.found());

    let adopted = adopt::run(&ws, client, &prep, None, &PlanOptions::default()).await.unwrap();
    let Adopted::Baseline { path, revision } = adopted else { panic!("expected a baseline, got {adopted:?}") };
    assert_eq!(migration_files(d), vec![path.clone()]);
    let text = std::fs::read_to_string(&path).unwrap();
    for ours in ["CREATE TYPE public.plan", "CREATE TABLE public.team", "CREATE TABLE public.member"] {
        assert!(text.contains(ours), "{ours} not in the baseline:\n{text}");
    }
    for theirs in [r#"TABLE public."User""#, "Role", "_prisma_migrations", "pgshift_revisions"] {
        assert!(!text.contains(theirs), "{theirs} in the baseline:\n{text}");
    }
    // Stamped, not run: the ledger is at the baseline and our rows are untouched.
    let ledger = ledger(client, d).await;
    assert_eq!(ledger.current, vec![revision.clone()]);
    assert!(ledger.pending.is_empty());
    ours_survive(client).await;
    theirs_survive(client).await;

    // From now on the database is clean, and a second adoption does nothing.
    let (ws, prep) = prepared(d).await;
    let report = check::run(&ws, &prep, Some(client)).await.unwrap();
    assert!(!report.found(), "{report:?}");
    assert_eq!(report.drift.unwrap().revision.as_deref(), Some(revision.as_str()));
    let again = adopt::run(&ws, client, &prep, None, &PlanOptions::default()).await.unwrap();
    assert_eq!(again, Adopted::Already { current: vec![revision] });
    assert_eq!(migration_files(d).len(), 1, "nothing more written");
    ours_survive(client).await;
    theirs_survive(client).await;
    live.finish().await;
}

#[tokio::test]
async fn adopt_at_head_stamps_the_head_and_writes_nothing() {
    let dir = project(SCHEMA);
    let d = dir.path();
    let head = new_migration(d, "initial").await;
    let live = hand_built(SCHEMA).await;
    let client = &live.client;
    let (ws, prep) = prepared(d).await;

    let adopted = adopt::run(&ws, client, &prep, None, &PlanOptions::default()).await.unwrap();
    assert_eq!(adopted, Adopted::AtHead { revision: head.clone() });
    assert_eq!(migration_files(d).len(), 1, "no file written");
    let ledger = ledger(client, d).await;
    assert_eq!(ledger.current, vec![head.clone()]);
    assert!(ledger.pending.is_empty());
    assert!(!check::run(&ws, &prep, Some(client)).await.unwrap().found());

    let again = adopt::run(&ws, client, &prep, None, &PlanOptions::default()).await.unwrap();
    assert_eq!(again, Adopted::Already { current: vec![head] });
    ours_survive(client).await;
    theirs_survive(client).await;
    live.finish().await;
}

#[tokio::test]
async fn adopt_off_the_head_writes_an_idempotent_bridge() {
    let dir = project(SCHEMA);
    let d = dir.path();
    let head = new_migration(d, "initial").await;
    // Built by hand, differently: no enum and no plan column, an extra column, a missing key.
    let live = hand_built(
        r#"CREATE TABLE team (id int PRIMARY KEY, name text NOT NULL, legacy_code text);
           CREATE TABLE member (id int PRIMARY KEY, team_id int NOT NULL, user_id text NOT NULL REFERENCES "User" (id));"#,
    )
    .await;
    let client = &live.client;
    let (ws, prep) = prepared(d).await;

    let adopted = adopt::run(&ws, client, &prep, None, &PlanOptions::default()).await.unwrap();
    let Adopted::Bridge { path, revision, stamped } = adopted else { panic!("expected a bridge, got {adopted:?}") };
    assert_eq!(stamped, head);
    assert_eq!(migration_files(d).len(), 2);
    let ledger_now = ledger(client, d).await;
    assert_eq!(ledger_now.current, vec![head.clone()], "the head is stamped");
    assert_eq!(ledger_now.pending, vec![revision.clone()], "the bridge is pending");

    let text = std::fs::read_to_string(&path).unwrap();
    let file = MigrationFile::parse(&path, &text).unwrap();
    assert_eq!(file.parents, vec![head.clone()]);
    let up: Vec<&str> = file
        .sections
        .iter()
        .filter(|s| s.direction == Direction::Up)
        .flat_map(|s| &s.statements)
        .map(|s| s.sql.as_str())
        .collect();
    assert!(!up.is_empty());
    for theirs in [r#"public."User" "#, "Role", "_prisma_migrations"] {
        assert!(!text.contains(theirs), "{theirs} in the bridge:\n{text}");
    }
    // Nothing applied yet: the bridge is what drift says is missing.
    let report = check::run(&ws, &prep, Some(client)).await.unwrap();
    assert!(report.found(), "the live database is not at the head yet");

    // Its steps, run twice by hand on the live database, then once more by the engine: no
    // error, and the database ends at the head with its rows.
    for round in 1..=2 {
        for sql in &up {
            if let Err(e) = client.batch_execute(sql).await {
                panic!("round {round}: {sql}\nfailed: {}", pgshift_testkit::pg_error(&e));
            }
        }
    }
    upgrade(client, d).await;
    let ledger_now = ledger(client, d).await;
    assert_eq!(ledger_now.current, vec![revision.clone()]);
    assert!(ledger_now.pending.is_empty());
    let (ws, prep) = prepared(d).await;
    let report = check::run(&ws, &prep, Some(client)).await.unwrap();
    assert!(!report.found(), "the bridge brings the database to the head: {report:?}");
    ours_survive(client).await;
    theirs_survive(client).await;
    let plans: Vec<String> = client.query("SELECT plan::text FROM team ORDER BY id", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(plans, vec!["free", "free"], "the new NOT NULL column took its default in existing rows");

    let again = adopt::run(&ws, client, &prep, None, &PlanOptions::default()).await.unwrap();
    assert_eq!(again, Adopted::Already { current: vec![revision] });
    assert_eq!(migration_files(d).len(), 2);
    live.finish().await;
}

#[tokio::test]
async fn ownership_is_desired_and_owned_at_the_revision_and_own_schemas_minus_ignore() {
    // History: our tables, plus one dropped from schema/ since and one the ignore guard hides.
    let dir = project(&format!("{SCHEMA}CREATE TABLE old_thing (id int);\nCREATE TABLE audit_trail (id int);\n"));
    let d = dir.path();
    let head = new_migration(d, "initial").await;
    let live = TestDb::with_sql(OTHER_SYSTEM).await;
    let client = &live.client;
    upgrade(client, d).await;
    client.batch_execute(OUR_ROWS).await.unwrap();
    client
        .batch_execute("CREATE SCHEMA ops; CREATE TABLE ops.jobs (id int); INSERT INTO ops.jobs VALUES (1); CREATE TABLE stray (id int);")
        .await
        .unwrap();
    // schema/ now: old_thing gone, a new table not migrated yet.
    std::fs::write(d.join("schema/app.sql"), format!("{SCHEMA}CREATE TABLE audit_trail (id int);\nCREATE TABLE newer (id int);\n")).unwrap();

    let mut project = Project::at(d);
    project.own_schemas = vec!["ops".to_owned()];
    project.filter = ObjectFilter { exclude: vec![NamePattern::parse("public.audit_*").unwrap()], ..ObjectFilter::all() };
    let ws = workspace(project).await;
    let externals = ws.externals().await.unwrap();
    let desired = ws.desired(&externals).await.unwrap();
    let ownership = Ownership::read(&ws, client, &graph(d), &externals, &desired).await.unwrap();
    assert_eq!(ownership.revision, Some(head.clone()));
    assert!(ownership.adopted);
    assert!(ownership.clashes.is_empty(), "{:?}", ownership.clashes);
    assert!(ownership.adoptable.is_empty(), "adopted: nothing to adopt");
    let q = |s: &str, n: &str| QualName::new(s, n);
    for ours in [q("public", "team"), q("public", "member"), q("public", "plan"), q("public", "old_thing"), q("public", "newer"), q("ops", "jobs")] {
        assert!(ownership.names.owns(&ours), "{ours} is ours");
    }
    for theirs in [q("public", "User"), q("public", "Role"), q("public", "_prisma_migrations"), q("public", "stray")] {
        assert!(!ownership.names.owns(&theirs), "{theirs} is not ours");
    }
    ownership.refuse_clashes().unwrap();

    // The live database read through it: ours, minus the ignored, minus the ledger.
    let catalog = check::read_live(&ws, client, &ownership).await.unwrap();
    let tables: Vec<String> = catalog.tables.keys().map(ToString::to_string).collect();
    assert_eq!(tables, vec!["ops.jobs", "public.member", "public.old_thing", "public.team"]);
    let types: Vec<String> = catalog.types.keys().map(ToString::to_string).collect();
    assert_eq!(types, vec!["public.plan"]);

    // Without a database: the history's head and schema/, minus the ignored, never externals.
    let tables: Vec<String> = owned::tables(&ws).await.unwrap().iter().map(ToString::to_string).collect();
    assert_eq!(tables, vec!["public.member", "public.newer", "public.old_thing", "public.team"]);

    // schema/ declares the other system's enum by its name: a clash once adopted, refused by
    // every workflow that reads the database, with the advice in hint().
    std::fs::write(d.join("schema/app.sql"), format!("{SCHEMA}CREATE TABLE audit_trail (id int);\nCREATE TYPE \"Role\" AS ENUM ('owner');\n")).unwrap();
    let ws = workspace(Project::at(d)).await;
    let prep = autogen::prepare(&ws).await.unwrap();
    let ownership = Ownership::read(&ws, client, &prep.graph, &prep.externals, &prep.desired).await.unwrap();
    assert_eq!(ownership.clashes.len(), 1, "{:?}", ownership.clashes);
    let clash = &ownership.clashes[0];
    assert!(clash.exact);
    assert_eq!(clash.our_name, q("public", "Role"));
    assert!(clash.ours.contains("Role") && clash.theirs.contains("Role"), "{clash}");
    assert!(!ownership.names.owns(&q("public", "Role")), "a clashing foreign object never becomes ours");
    let err = ownership.refuse_clashes().unwrap_err();
    assert!(matches!(&err, ProjectError::Clash(c) if c == &ownership.clashes), "{err:?}");
    assert_eq!(err.hint().as_deref(), Some(CLASH_HINT));
    assert!(!err.is_database());
    assert!(matches!(check::run(&ws, &prep, Some(client)).await.unwrap_err(), ProjectError::Clash(_)));
    assert!(matches!(adopt::run(&ws, client, &prep, None, &PlanOptions::default()).await.unwrap_err(), ProjectError::Clash(_)));
    let report = status::run(&ws, client).await.unwrap();
    assert_eq!(report.clashes, ownership.clashes, "status reports the clash as data");
    assert_eq!(migration_files(d).len(), 1, "nothing written");
    let tables: Vec<String> = owned::tables(&ws).await.unwrap().iter().map(ToString::to_string).collect();
    assert!(!tables.iter().any(|t| t.contains("User")), "{tables:?}");
    ours_survive(client).await;
    theirs_survive(client).await;
    assert_eq!(count(client, "ops.jobs").await, 1);
    live.finish().await;
}

#[tokio::test]
async fn bad_input_gives_its_error_and_writes_nothing() {
    let dir = project(SCHEMA);
    let d = dir.path();
    let head = new_migration(d, "initial").await;
    let files = migration_files(d);
    let live = TestDb::with_sql(OTHER_SYSTEM).await;
    let client = &live.client;

    // An unknown revision spec.
    let err = ProjectError::from(graph(d).resolve("ffffffffffff").unwrap_err());
    assert!(matches!(&err, ProjectError::History(HistoryError::UnknownRevision { spec }) if spec == "ffffffffffff"), "{err:?}");
    assert!(!err.is_database());
    // The same id handed straight to the workspace: the same error, not a failed replay.
    let (ws, prep) = prepared(d).await;
    let unknown = RevisionId::new("ffffffffffff").unwrap();
    let err = ws.history(&prep.externals, &prep.graph, Some(&unknown)).await.unwrap_err();
    assert!(matches!(&err, ProjectError::History(HistoryError::UnknownRevision { spec }) if spec == "ffffffffffff"), "{err:?}");
    assert_eq!(err.hint(), None, "the message says what to do");
    // A ledger naming a revision no file declares (stamped from another project's history).
    let other = project("CREATE TABLE elsewhere (id int);\n");
    let foreign_rev = new_migration(other.path(), "elsewhere").await;
    pgshift_history::stamp(client, &graph(other.path()), foreign_rev.as_str(), &ApplyOptions::default()).await.unwrap();
    let (ws, prep) = prepared(d).await;
    let err = check::run(&ws, &prep, Some(client)).await.unwrap_err();
    assert!(matches!(&err, ProjectError::Refused(m) if m.contains(foreign_rev.as_str())), "{err:?}");
    assert_eq!(err.hint().as_deref(), Some("nothing was written"));
    let report = status::run(&ws, client).await.unwrap();
    assert_eq!(report.ledger.unknown, vec![foreign_rev.clone()]);
    assert!(report.adopted);
    assert_eq!(adopt::run(&ws, client, &prep, None, &PlanOptions::default()).await.unwrap(), Adopted::Already { current: vec![foreign_rev] });
    assert_eq!(migration_files(d), files);

    // Two heads.
    for (rev, name) in [("aaaaaaaaaaaa", "b1"), ("bbbbbbbbbbbb", "b2")] {
        std::fs::write(
            d.join(format!("migrations/{rev}_{name}.sql")),
            format!("-- pgshift revision: {rev}\n-- parents: {head}\n-- message: {name}\n\n-- up\nSELECT 1;\n\n-- down\nSELECT 1;\n"),
        )
        .unwrap();
    }
    let files = migration_files(d);
    let ws = workspace(Project::at(d)).await;
    let two_heads = |e: &ProjectError| matches!(e, ProjectError::History(HistoryError::MultipleHeads { heads }) if heads.len() == 2);
    let err = autogen::prepare(&ws).await.unwrap_err();
    assert!(two_heads(&err), "{err:?}");
    let err = owned::tables(&ws).await.unwrap_err();
    assert!(two_heads(&err), "{err:?}");
    let err = autogen::write_empty(ws.project(), "hand-written").unwrap_err();
    assert!(two_heads(&err), "{err:?}");
    assert_eq!(migration_files(d), files, "nothing written");
    for name in ["aaaaaaaaaaaa_b1.sql", "bbbbbbbbbbbb_b2.sql"] {
        std::fs::remove_file(d.join("migrations").join(name)).unwrap();
    }
    let files = migration_files(d);
    assert_eq!(graph(d).heads(), vec![head.clone()]);

    // A schema that does not load: its file and line.
    std::fs::write(d.join("schema/app.sql"), format!("{SCHEMA}CREATE TABLE broken (id nosuchtype);\n")).unwrap();
    let ws = workspace(Project::at(d)).await;
    let err = autogen::prepare(&ws).await.unwrap_err();
    assert!(matches!(err, ProjectError::Schema(_)), "{err:?}");
    assert!(err.to_string().contains("app.sql:4"), "{err}");
    assert!(err.hint().is_some());
    assert!(matches!(owned::tables(&ws).await.unwrap_err(), ProjectError::Schema(_)));
    assert!(matches!(status::run(&ws, client).await.unwrap_err(), ProjectError::Schema(_)));

    // Externals that do not load.
    std::fs::write(d.join("schema/app.sql"), SCHEMA).unwrap();
    std::fs::write(d.join("externals/user.sql"), "CREATE TABLE \"User\" (id text PRIMARY KEY, email nosuchtype);\n").unwrap();
    let ws = workspace(Project::at(d)).await;
    let err = autogen::prepare(&ws).await.unwrap_err();
    assert!(matches!(err, ProjectError::Externals(_)), "{err:?}");
    assert!(err.to_string().contains("user.sql:1"), "{err}");
    assert_eq!(migration_files(d), files, "nothing written");
    theirs_survive(client).await;
    live.finish().await;
}

