//! Two developers each add a revision on the same parent: two heads. `upgrade` refuses and
//! points at `pgshift merge`; `merge` writes the joining revision; then everything applies.

use std::process::{Command, Output};

use pgshift_testkit::TestDb;

fn pgshift(dir: &std::path::Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgshift"))
        .args(args)
        .arg("--migrations")
        .arg(dir)
        .env("DATABASE_URL", url)
        .current_dir(dir)
        .output()
        .expect("run pgshift")
}

fn revision(id: &str, parents: &str, sql: &str) -> String {
    format!("-- pgshift revision: {id}\n-- parents: {parents}\n-- message: {id}\n\n-- up\n{sql}\n")
}

#[tokio::test]
async fn two_heads_are_refused_then_merged_and_applied() {
    let t = TestDb::new().await;
    let url = t.db.url();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap();
    write("a.sql", revision("aaaaaaaaaaaa", "", "CREATE TABLE base (id int);"));
    write("b.sql", revision("bbbbbbbbbbbb", "aaaaaaaaaaaa", "CREATE TABLE from_alice (id int);"));
    write("c.sql", revision("cccccccccccc", "aaaaaaaaaaaa", "CREATE TABLE from_bob (id int);"));

    let out = pgshift(dir.path(), &url, &["upgrade"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("pgshift merge"), "{stderr}");
    assert!(stderr.contains("bbbbbbbbbbbb") && stderr.contains("cccccccccccc"), "{stderr}");

    let out = pgshift(dir.path(), &url, &["merge", "-m", "join alice and bob"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("-- parents: bbbbbbbbbbbb, cccccccccccc"), "{text}");
    assert!(text.contains("-- message: join alice and bob"), "{text}");

    let out = pgshift(dir.path(), &url, &["heads", "--json"]);
    let heads: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(heads.as_array().unwrap().len(), 1, "{heads}");

    let out = pgshift(dir.path(), &url, &["upgrade"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    for table in ["base", "from_alice", "from_bob"] {
        let n: i64 = t
            .client
            .query_one("SELECT count(*) FROM pg_class WHERE relname = $1", &[&table])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1, "{table} missing");
    }
    let applied: i64 = t.client.query_one("SELECT count(*) FROM public.pgshift_revisions", &[]).await.unwrap().get(0);
    assert_eq!(applied, 4);

    let out = pgshift(dir.path(), &url, &["merge"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to merge"));
    t.finish().await;
}
