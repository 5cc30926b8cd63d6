//! `pgshift::Migrator` against scratch databases: upgrade, the fast path, the rolling-deploy
//! guard, a database ahead of the binary, and a client the caller owns.

use pgshift::{embed_migrations, Error, HistoryError, Migrator};
use pgshift_testkit::TestDb;
use tokio_postgres::Client;

static ALL: Migrator = embed_migrations!("tests/migrations");

fn ids(report: &pgshift::Report) -> Vec<&str> {
    report.applied.iter().map(|r| r.as_str()).collect()
}

async fn ledger(client: &Client) -> Vec<String> {
    let rows = client.query("SELECT revision FROM pgshift_revisions ORDER BY revision", &[]).await.unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

#[test]
fn the_macro_embeds_every_file_in_name_order() {
    let names: Vec<&str> = ALL.migrations.iter().map(|m| m.name).collect();
    assert_eq!(
        names,
        ["tests/migrations/0001_create_account.sql", "tests/migrations/0002_add_team_plan.sql", "tests/migrations/0003_account_name.sql"]
    );
    assert_eq!(ALL.migrations[0].text, include_str!("migrations/0001_create_account.sql"));
    let revs: Vec<String> = ALL.revisions().unwrap().iter().map(ToString::to_string).collect();
    assert_eq!(revs, ["a11ce0000001", "a11ce0000002", "a11ce0000003"]);
}

#[tokio::test]
async fn upgrade_applies_all_then_the_fast_path_does_nothing() {
    let t = TestDb::new().await;
    let url = t.db.url();

    let err = ALL.verify_at_least_head(&t.client).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(&err, Error::Behind { missing } if missing.len() == 3), "{text}");
    assert!(text.starts_with("this binary knows revisions the database has not applied: a11ce0000001 (tests/migrations/0001_create_account.sql)"), "{text}");
    assert!(text.ends_with("; run the migrations first"), "{text}");

    let report = ALL.upgrade(&url).await.unwrap();
    assert_eq!(ids(&report), ["a11ce0000001", "a11ce0000002", "a11ce0000003"]);
    assert!(!report.fast_path);
    assert_eq!(report.to_string(), "applied 3 revision(s): a11ce0000001, a11ce0000002, a11ce0000003");
    let plan: String = t.client.query_one("SELECT plan::text FROM public.account", &[]).await.unwrap().get(0);
    assert_eq!(plan, "team");

    let again = ALL.upgrade(&url).await.unwrap();
    assert!(again.nothing_applied() && again.fast_path && again.unknown_applied.is_empty(), "{again:?}");
    assert_eq!(again.to_string(), "already at head");

    ALL.verify_at_least_head(&t.client).await.unwrap();
    t.finish().await;
}

#[tokio::test]
async fn upgrade_with_a_client_the_caller_owns() {
    let t = TestDb::new().await;
    let first = Migrator::new(&ALL.migrations[..1]);
    assert_eq!(ids(&first.upgrade_with(&t.client).await.unwrap()), ["a11ce0000001"]);
    let err = ALL.verify_at_least_head(&t.client).await.unwrap_err().to_string();
    assert!(err.contains("a11ce0000002 (tests/migrations/0002_add_team_plan.sql), a11ce0000003"), "{err}");
    assert!(!err.contains("a11ce0000001"), "{err}");

    let report = ALL.upgrade_with(&t.client).await.unwrap();
    assert_eq!(ids(&report), ["a11ce0000002", "a11ce0000003"]);
    // The caller's client is still usable.
    let n: i64 = t.client.query_one("SELECT count(*) FROM public.account", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
    assert_eq!(ledger(&t.client).await, ["a11ce0000001", "a11ce0000002", "a11ce0000003"]);
    t.finish().await;
}

/// A rolling deploy: the new binary migrated, an old instance (one revision fewer) restarts.
/// Decision: its upgrade is a fast-path no-op that reports the revisions it does not know,
/// and its verify passes.
#[tokio::test]
async fn a_database_ahead_of_the_binary() {
    let t = TestDb::new().await;
    ALL.upgrade_with(&t.client).await.unwrap();
    let old = Migrator::new(&ALL.migrations[..2]);
    old.verify_at_least_head(&t.client).await.unwrap();
    let report = old.upgrade_with(&t.client).await.unwrap();
    assert!(report.nothing_applied() && report.fast_path, "{report:?}");
    assert_eq!(report.unknown_applied, ["a11ce0000003"]);
    assert_eq!(report.to_string(), "already at head (the database is ahead of this binary: a11ce0000003)");
    t.finish().await;
}

/// Diverged histories: the database holds a revision the binary does not know while one of
/// the binary's is pending. The engine refuses and says which.
#[tokio::test]
async fn diverged_history_is_a_clear_error() {
    let t = TestDb::new().await;
    ALL.upgrade_with(&t.client).await.unwrap();
    t.client.batch_execute("DELETE FROM pgshift_revisions WHERE revision = 'a11ce0000002'").await.unwrap();
    let old = Migrator::new(&ALL.migrations[..2]);
    let err = old.upgrade_with(&t.client).await.unwrap_err();
    assert!(
        matches!(&err, Error::Apply(pgshift::ApplyError::History(HistoryError::UnknownApplied { unknown })) if unknown.len() == 1),
        "{err}"
    );
    assert!(err.to_string().contains("a11ce0000003"), "{err}");
    t.finish().await;
}

#[tokio::test]
async fn settings_reach_the_engine() {
    let t = TestDb::with_sql("CREATE SCHEMA ops").await;
    let m = ALL.clone().ledger_schema("ops").lock_timeout("2s").lock_wait(std::time::Duration::from_secs(3));
    assert_eq!(m.options().lock_timeout, "2s");
    assert_eq!(ids(&m.upgrade_with(&t.client).await.unwrap()).len(), 3);
    let n: i64 = t.client.query_one("SELECT count(*) FROM ops.pgshift_revisions", &[]).await.unwrap().get(0);
    assert_eq!(n, 3);
    // The default ledger schema holds nothing, so this migrator sees a database behind it.
    assert!(matches!(ALL.verify_at_least_head(&t.client).await, Err(Error::Behind { .. })));
    m.verify_at_least_head(&t.client).await.unwrap();
    assert!(m.upgrade_with(&t.client).await.unwrap().fast_path);
    t.finish().await;
}

#[tokio::test]
async fn a_bad_url_is_a_connect_error() {
    let err = ALL.upgrade("postgres://nobody@127.0.0.1:1/none").await.unwrap_err();
    assert!(matches!(err, Error::Connect(_)), "{err}");
    assert!(err.to_string().starts_with("could not connect to nobody@127.0.0.1:1/none: "), "{err}");
}

#[tokio::test]
async fn a_malformed_embedded_file_names_the_file() {
    static BAD: &[pgshift::EmbeddedMigration] = &[pgshift::EmbeddedMigration {
        name: "migrations/0001_bad.sql",
        text: "-- pgshift revision: a11ce0000009\n\n-- up\nCREATE TABLE (;\n",
    }];
    let t = TestDb::new().await;
    let err = Migrator::new(BAD).upgrade_with(&t.client).await.unwrap_err().to_string();
    assert!(err.starts_with("migrations/0001_bad.sql:4:"), "{err}");
    t.finish().await;
}

/// The engine must not depend on the embedded names existing on disk (a deployed binary has
/// no migrations directory), and its errors name the embedded file.
#[tokio::test]
async fn the_full_path_needs_no_files_on_disk() {
    static ELSEWHERE: &[pgshift::EmbeddedMigration] = &[
        pgshift::EmbeddedMigration { name: "nowhere/0001.sql", text: include_str!("migrations/0001_create_account.sql") },
        pgshift::EmbeddedMigration {
            name: "nowhere/0002.sql",
            text: "-- pgshift revision: a11ce0000002\n-- parents: a11ce0000001\n\n-- up\nSELECT 1;\nALTER TABLE public.account ADD COLUMN email text;\n",
        },
    ];
    let t = TestDb::new().await;
    let m = Migrator::new(ELSEWHERE);
    let err = m.upgrade_with(&t.client).await.unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("nowhere/0002.sql:6:"), "{text}");
    assert!(matches!(&err, Error::Apply(pgshift::ApplyError::Statement { applied, .. }) if applied.len() == 1), "{text}");
    assert_eq!(ledger(&t.client).await, ["a11ce0000001"]);
    let m = Migrator::new(&ELSEWHERE[..1]);
    assert!(m.upgrade_with(&t.client).await.unwrap().fast_path);
    t.finish().await;
}
