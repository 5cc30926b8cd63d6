//! The production's PostgreSQL major version: `--pg-version` / `scratch_version` choose the
//! scratch server's, a major that is not installed is refused with the command that installs
//! it, and `upgrade` warns (once something is pending) when the database runs another major
//! than the one the migrations were verified on.

mod common;

use common::{ok, pgshift};
use pgshift_testkit::TestDb;

#[tokio::test]
async fn upgrade_warns_when_the_database_runs_another_major() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("migrations")).unwrap();
    std::fs::write(d.join("migrations/000000000001_init.sql"), "-- pgshift revision: 000000000001\n\n-- up\nCREATE TABLE t (id int);\n").unwrap();
    let t = TestDb::new().await;
    let url = t.db.url();
    let other = if t.major == 13 { 14 } else { 13 };
    std::fs::write(d.join("pgshift.toml"), format!("scratch_version = \"{other}\"\n")).unwrap();
    let (_, stderr) = ok(&pgshift(d, &["upgrade", "--database-url", &url]));
    assert!(
        stderr.contains(&format!("the database runs PostgreSQL {} and the scratch server {other}", t.major))
            && stderr.contains(&format!("scratch_version = \"{}\"", t.major)),
        "{stderr}"
    );
    // At head: the startup path prints nothing but its one line.
    let (_, stderr) = ok(&pgshift(d, &["upgrade", "--database-url", &url]));
    assert_eq!(stderr.trim(), "already at head");
    // The same major: no warning.
    std::fs::write(d.join("pgshift.toml"), format!("scratch_version = {}\n", t.major)).unwrap();
    let out = pgshift(d, &["--pg-version", &t.major.to_string(), "upgrade", "--dry-run", "--database-url", &url]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"), "{}", String::from_utf8_lossy(&out.stderr));
    t.finish().await;
}

#[test]
fn a_major_that_is_not_installed_names_the_install_command() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schema.sql"), "CREATE TABLE t (id int);").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgshift"))
        .args(["--pg-version", "13", "inspect", "schema.sql"])
        .env("XDG_CACHE_HOME", cache.path())
        .env_remove("PGSHIFT_PG_BINDIR")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Either PostgreSQL 13 is on this machine (Debian's packages), or the error says how to get it.
    if !out.status.success() {
        assert!(stderr.contains("pgshift scratch install --pg-version 13") && stderr.contains("PGSHIFT_PG_BINDIR"), "{stderr}");
    }
    let out = pgshift(dir.path(), &["--pg-version", "12", "inspect", "schema.sql"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(dir.path().join("pgshift.toml"), "scratch_version = \"9\"\n").unwrap();
    let out = pgshift(dir.path(), &["inspect", "schema.sql"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("scratch_version") && stderr.contains("13 to 18"), "{stderr}");
}
