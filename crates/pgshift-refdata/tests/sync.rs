//! The acceptance scenario of issue 6 against real scratch databases: first sync inserts all;
//! hand edits show up in the diff exactly; sync restores declared values and leaves the
//! extra row; a second sync is a no-op; prune deletes the extra row; the frozen statements
//! applied to a copy give the same data as sync.

mod common;

use pgshift_refdata::{freeze, SyncOptions};
use pgshift_testkit::TestDb;

fn options(prune: bool) -> SyncOptions {
    SyncOptions { prune, ..SyncOptions::default() }
}

#[tokio::test]
async fn first_sync_inserts_everything_then_nothing_changes() {
    let t = TestDb::with_sql(common::SCHEMA).await;
    let dir = tempfile::tempdir().unwrap();
    common::write_data(dir.path());
    let data = common::load(dir.path()).unwrap();

    let diff = pgshift_refdata::diff(&t.client, &data, false).await.unwrap();
    assert_eq!(diff.counts(), (3 + 2 + 5, 0, 0));
    let tables: Vec<&str> = diff.tables.iter().map(|t| t.table.name.as_str()).collect();
    assert_eq!(tables, ["plan", "ttsmodel", "voice"], "referenced tables first");

    let done = pgshift_refdata::sync(&t.client, &data, &options(false)).await.unwrap();
    assert_eq!(done.counts(), (10, 0, 0));
    let snapshot = common::snapshot(&t.client).await;
    insta::assert_snapshot!("after_first_sync", snapshot);

    let again = pgshift_refdata::sync(&t.client, &data, &options(false)).await.unwrap();
    assert!(again.is_empty(), "{:?}", again.counts());
    assert_eq!(common::snapshot(&t.client).await, snapshot);
    t.finish().await;
}

#[tokio::test]
async fn hand_edits_are_diffed_restored_and_pruned() {
    let t = TestDb::with_sql(common::SCHEMA).await;
    let dir = tempfile::tempdir().unwrap();
    common::write_data(dir.path());
    let data = common::load(dir.path()).unwrap();
    pgshift_refdata::sync(&t.client, &data, &options(false)).await.unwrap();
    let declared = common::snapshot(&t.client).await;
    common::hand_edit(&t.client).await;

    let diff = pgshift_refdata::diff(&t.client, &data, false).await.unwrap();
    assert_eq!(diff.counts(), (1, 1, 1));
    let plan = &diff.tables[0];
    assert_eq!(plan.updates.len(), 1);
    let change = &plan.updates[0].changes;
    assert_eq!(change.len(), 1, "{change:?}");
    assert_eq!((change[0].column.as_str(), change[0].old.as_deref(), change[0].new.as_deref()), ("price_cents", Some("1499"), Some("1999")));
    assert_eq!(plan.updates[0].at.key, "tier = \"pro\"");
    let voice = &diff.tables[2];
    assert_eq!(voice.inserts.len(), 1);
    assert!(voice.inserts[0].at.key.contains("af_bella"), "{}", voice.inserts[0].at);
    let models = &diff.tables[1];
    assert_eq!(models.extras[0].key, vec![("slug".to_owned(), Some("legacy".to_owned()))]);

    let done = pgshift_refdata::sync(&t.client, &data, &options(false)).await.unwrap();
    assert_eq!(done.counts(), (1, 1, 1), "extras are reported, not deleted");
    let legacy: i64 = t.client.query_one("SELECT count(*) FROM ttsmodel WHERE slug = 'legacy'", &[]).await.unwrap().get(0);
    assert_eq!(legacy, 1, "the extra row is left alone without prune");
    let second = pgshift_refdata::sync(&t.client, &data, &options(false)).await.unwrap();
    assert!(second.is_empty());

    let pruned = pgshift_refdata::sync(&t.client, &data, &options(true)).await.unwrap();
    assert_eq!(pruned.counts(), (0, 0, 1));
    assert_eq!(common::snapshot(&t.client).await, declared);
    assert!(pgshift_refdata::diff(&t.client, &data, true).await.unwrap().is_empty());
    t.finish().await;
}

#[tokio::test]
async fn frozen_statements_on_a_copy_give_what_sync_gives() {
    let server = pgshift_testkit::server().await;
    let original = server.create_database(None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    common::write_data(dir.path());
    let data = common::load(dir.path()).unwrap();
    {
        let client = original.connect().await.unwrap();
        client.batch_execute(common::SCHEMA).await.unwrap();
        // A first part of the data went in earlier; then hand edits.
        client.batch_execute("INSERT INTO ttsmodel (slug, name) VALUES ('kokoro', 'old name');").await.unwrap();
        pgshift_refdata::sync(&client, &data, &options(false)).await.unwrap();
        common::hand_edit(&client).await;
        client.batch_execute("UPDATE ttsmodel SET parameters = '{\"sample_rate\": 8000}' WHERE slug = 'piper'").await.unwrap();
    }
    let copy = server.create_database(Some(original.name())).await.unwrap();
    let client = original.connect().await.unwrap();
    let copy_client = copy.connect().await.unwrap();

    let diff = pgshift_refdata::diff(&client, &data, true).await.unwrap();
    let statements = freeze::statements(&data, &diff);
    insta::assert_snapshot!("freeze_statements", statements.join(";\n"));
    copy_client.batch_execute(&format!("BEGIN; {}; COMMIT", statements.join(";\n"))).await.unwrap();

    pgshift_refdata::sync(&client, &data, &options(true)).await.unwrap();
    assert_eq!(common::snapshot(&copy_client).await, common::snapshot(&client).await);
    assert!(pgshift_refdata::diff(&copy_client, &data, true).await.unwrap().is_empty());
    drop((client, copy_client));
    copy.drop_now().await.unwrap();
    original.drop_now().await.unwrap();
}

#[tokio::test]
async fn freeze_without_a_unique_key_uses_update_and_insert_where_not_exists() {
    let t = TestDb::with_sql("CREATE TABLE setting (name text NOT NULL, value integer, note text);
                              INSERT INTO setting VALUES ('a', 1, 'old');").await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("settings.toml"),
        "table = \"setting\"\nkey = \"name\"\n[[rows]]\nname = \"a\"\nvalue = 2\nnote = \"it's\"\n[[rows]]\nname = \"b\"\nvalue = 3\nnote = \"new\"\n",
    )
    .unwrap();
    let owned = [pgshift_catalog::QualName::new("public", "setting")].into_iter().collect();
    let data = pgshift_refdata::load(dir.path(), &pgshift_refdata::LoadOptions { owned: &owned, env: &|_| None }).unwrap();
    let diff = pgshift_refdata::diff(&t.client, &data, false).await.unwrap();
    let statements = freeze::statements(&data, &diff);
    insta::assert_snapshot!("freeze_without_unique_key", statements.join(";\n"));
    t.client.batch_execute(&statements.join(";\n")).await.unwrap();
    assert!(pgshift_refdata::diff(&t.client, &data, false).await.unwrap().is_empty());
    t.finish().await;
}

/// `seed freeze` never writes an environment value (a Stripe id, maybe a secret) into a
/// migration: the draft is refused naming file, row, column and variable; values that do not
/// reach a statement (an unchanged env column of an updated row) do not stop it.
#[tokio::test]
async fn freeze_refuses_to_write_environment_values() {
    let t = TestDb::with_sql("CREATE TABLE price (tier text PRIMARY KEY, cents integer, stripe_id text);
                              INSERT INTO price VALUES ('pro', 1, 'price_SECRET');").await;
    let dir = tempfile::tempdir().unwrap();
    let owned = [pgshift_catalog::QualName::new("public", "price")].into_iter().collect();
    let env = |var: &str| (var == "STRIPE_PRO").then(|| "price_SECRET".to_owned());
    let load = |text: &str| {
        std::fs::write(dir.path().join("prices.toml"), text).unwrap();
        pgshift_refdata::load(dir.path(), &pgshift_refdata::LoadOptions { owned: &owned, env: &env }).unwrap()
    };
    let head = "table = \"price\"\nkey = \"tier\"\n[[rows]]\ntier = \"pro\"\nstripe_id = { env = \"STRIPE_PRO\" }\n";

    // Only the plain column changed: the migration is written, without the secret.
    let data = load(&format!("{head}cents = 2\n"));
    let diff = pgshift_refdata::diff(&t.client, &data, false).await.unwrap();
    let draft = freeze::draft(&data, &diff, Vec::new(), "prices").unwrap();
    assert!(!draft.render().contains("price_SECRET"), "{}", draft.render());

    // A new row carrying the env value: refused.
    let data = load(&format!("{head}cents = 1\n[[rows]]\ntier = \"max\"\ncents = 9\nstripe_id = {{ env = \"STRIPE_PRO\" }}\n"));
    let diff = pgshift_refdata::diff(&t.client, &data, false).await.unwrap();
    let e = freeze::draft(&data, &diff, Vec::new(), "prices").unwrap_err();
    let text = e.to_string();
    assert!(matches!(&e, pgshift_refdata::RefError::EnvInFreeze { column, var, .. } if column == "stripe_id" && var == "STRIPE_PRO"), "{e:?}");
    assert!(text.contains("prices.toml") && text.contains("row 2") && text.contains("pgshift seed sync"), "{text}");
    assert!(!text.contains("price_SECRET"), "{text}");

    // A changed env column of an existing row: refused as well.
    t.client.batch_execute("UPDATE price SET stripe_id = 'old'").await.unwrap();
    let data = load(&format!("{head}cents = 1\n"));
    let diff = pgshift_refdata::diff(&t.client, &data, false).await.unwrap();
    assert!(matches!(freeze::draft(&data, &diff, Vec::new(), "prices"), Err(pgshift_refdata::RefError::EnvInFreeze { .. })));
    t.finish().await;
}
