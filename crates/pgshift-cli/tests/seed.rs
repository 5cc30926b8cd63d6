//! `pgshift seed` end to end on the acceptance project of issue 6 (the fixture of
//! pgshift-refdata's tests): schema from a migration, data from `data/`, the binary driven
//! like a user would, a copy of the database for the frozen migration.

#[path = "../../pgshift-refdata/tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::{Command, Output};

fn pgshift(dir: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgshift"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("STRIPE_PRICE_BASIC_MONTHLY", "price_basic_123")
        .env_remove("STRIPE_PRICE_PRO_MONTHLY")
        .current_dir(dir)
        .output()
        .expect("run pgshift")
}

fn ok(out: &Output) -> (String, String) {
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert_eq!(out.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    (stdout, stderr)
}

/// A project: schema/ (ownership), migrations/ (one revision creating the schema), data/.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("schema")).unwrap();
    std::fs::create_dir_all(root.join("migrations")).unwrap();
    std::fs::write(root.join("schema/app.sql"), common::SCHEMA).unwrap();
    std::fs::write(
        root.join("migrations/aaaaaaaaaaaa_schema.sql"),
        format!("-- pgshift revision: aaaaaaaaaaaa\n-- parents:\n-- message: schema\n\n-- up\n{}", common::SCHEMA),
    )
    .unwrap();
    common::write_data(&root.join("data"));
    dir
}

/// A fresh database with the project's migrations applied, and the project.
async fn upgraded() -> (pgshift_scratch::ScratchServer, pgshift_scratch::ScratchDb, tempfile::TempDir) {
    let server = pgshift_testkit::server().await;
    let db = server.create_database(None).await.unwrap();
    let dir = project();
    ok(&pgshift(dir.path(), &db.url(), &["upgrade"]));
    (server, db, dir)
}

#[tokio::test]
async fn seed_diff_sync_check_freeze_prune() {
    let (server, db, dir) = upgraded().await;
    let url = db.url();
    let p = |args: &[&str]| pgshift(dir.path(), &url, args);

    let (stdout, _) = ok(&p(&["seed", "diff", "--json"]));
    let diff: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let inserts: usize = diff["tables"].as_array().unwrap().iter().map(|t| t["insert"].as_array().unwrap().len()).sum();
    assert_eq!(inserts, 10, "{diff:#}");
    assert_eq!(p(&["seed", "check"]).status.code(), Some(1));

    let (stdout, stderr) = ok(&p(&["seed", "sync"]));
    assert!(stderr.contains("applied: 10 insert(s), 0 update(s)"), "{stderr}");
    assert!(stdout.contains("+ insert data/plans.toml, row 3 (tier = \"pro\")"), "{stdout}");
    let (stdout, stderr) = ok(&p(&["seed", "sync"]));
    assert!(stderr.contains("nothing changed"), "{stderr}");
    assert_eq!(stdout, "");
    ok(&p(&["seed", "check"]));

    common::hand_edit(&db.connect().await.unwrap()).await;
    let (stdout, _) = ok(&p(&["seed", "diff"]));
    assert_eq!(
        stdout,
        "public.plan\n  ~ update data/plans.toml, row 3 (tier = \"pro\")\n      price_cents: 1499 -> 1999\n\
         public.ttsmodel\n  ? not declared (kept; --prune deletes it): slug = legacy\n\
         public.voice\n  + insert data/voices.toml, kokoro_voices.json[1] (model_id = ref public.ttsmodel (slug = \"kokoro\"), slug = \"af_bella\")\n      language = en-us\n      position = 1\n"
    );
    let check = p(&["seed", "check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stdout).contains("price_cents: 1499 -> 1999"));

    let (stdout, _) = ok(&p(&["seed", "sync", "--dry-run"]));
    assert!(stdout.contains("UPDATE public.plan SET price_cents = '1999' WHERE tier = 'pro';"), "{stdout}");

    // Freeze, then apply the migration on a copy of this database.
    let (stdout, _) = ok(&p(&["seed", "freeze", "restore reference data"]));
    let migration = std::fs::read_to_string(dir.path().join(stdout.trim())).unwrap();
    assert!(migration.contains("-- parents: aaaaaaaaaaaa"), "{migration}");
    assert!(migration.contains("ON CONFLICT (model_id, slug) DO UPDATE"), "{migration}");
    let copy = server.create_database(Some(db.name())).await.unwrap();
    ok(&pgshift(dir.path(), &copy.url(), &["upgrade"]));
    ok(&p(&["seed", "sync"]));
    {
        let (a, b) = (db.connect().await.unwrap(), copy.connect().await.unwrap());
        assert_eq!(common::snapshot(&a).await, common::snapshot(&b).await);
    }
    let (_, stderr) = ok(&pgshift(dir.path(), &copy.url(), &["seed", "sync"]));
    assert!(stderr.contains("nothing changed") && stderr.contains("1 live row(s) not declared"), "{stderr}");

    let (stdout, _) = ok(&p(&["seed", "sync", "--prune"]));
    assert!(stdout.contains("- delete: slug = legacy"), "{stdout}");
    ok(&p(&["seed", "check", "--prune"]));

    let (stdout, _) = ok(&p(&["seed", "export", "--json"]));
    let export: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(export[0]["table"], "public.plan");
    assert_eq!(export[0]["rows"][1]["stripe_price"], "price_basic_123", "env values are filled");
    assert_eq!(export[2]["rows"][4]["model_id"]["ref"], "public.ttsmodel");
    copy.drop_now().await.unwrap();
    db.drop_now().await.unwrap();
}

#[tokio::test]
async fn seed_refuses_foreign_tables_bad_values_and_two_heads() {
    let (_server, db, dir) = upgraded().await;
    let url = db.url();
    let p = |args: &[&str]| pgshift(dir.path(), &url, args);

    std::fs::write(dir.path().join("data/accounts.toml"), "table = \"accounts\"\nkey = \"id\"\n[[rows]]\nid = 1\n").unwrap();
    let out = p(&["seed", "sync"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("data/accounts.toml: table accounts is not owned"), "{stderr}");
    assert!(stderr.contains("hint: only tables declared in the schema directory"), "{stderr}");
    std::fs::remove_file(dir.path().join("data/accounts.toml")).unwrap();

    let plans = common::PLANS.replace("price_cents = 900", "price_cents = \"nine\"");
    std::fs::write(dir.path().join("data/plans.toml"), plans).unwrap();
    let out = p(&["seed", "sync"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("data/plans.toml, row 2 (tier = \"basic\"): column price_cents: \"nine\" is not a valid integer"), "{stderr}");
    let client = db.connect().await.unwrap();
    let n: i64 = client.query_one("SELECT (SELECT count(*) FROM plan) + (SELECT count(*) FROM voice)", &[]).await.unwrap().get(0);
    assert_eq!(n, 0, "nothing written");
    drop(client);
    common::write_data(&dir.path().join("data"));

    for id in ["bbbbbbbbbbbb", "cccccccccccc"] {
        std::fs::write(
            dir.path().join(format!("migrations/{id}.sql")),
            format!("-- pgshift revision: {id}\n-- parents: aaaaaaaaaaaa\n-- message: {id}\n\n-- up\nSELECT 1;\n"),
        )
        .unwrap();
    }
    let out = p(&["seed", "freeze", "data"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("pgshift merge"), "{stderr}");
    db.drop_now().await.unwrap();
}
