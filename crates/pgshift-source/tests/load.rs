//! Loading desired-state files: broken links and unreadable files are errors naming them, a
//! byte-order mark is ignored, and errors map to file:line:column only when PostgreSQL gives a
//! position.

use std::path::Path;

use pgshift_source::{load, sql_files, SourceError};
use pgshift_testkit::TestDb;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn a_dangling_link_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.sql", "CREATE TABLE a (id int);");
    std::os::unix::fs::symlink(dir.path().join("gone.sql.orig"), dir.path().join("b.sql")).unwrap();
    let e = sql_files(dir.path()).unwrap_err();
    assert!(matches!(e, SourceError::BrokenLink { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains(&dir.path().join("b.sql").display().to_string()), "{text}");
    assert!(text.contains("point it at an existing .sql file or delete it"), "{text}");
}

#[test]
fn a_looping_link_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(dir.path().join("y.sql"), dir.path().join("x.sql")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("x.sql"), dir.path().join("y.sql")).unwrap();
    let e = sql_files(dir.path()).unwrap_err();
    assert!(matches!(&e, SourceError::BrokenLink { path, .. } if path.ends_with("x.sql") || path.ends_with("y.sql")), "{e:?}");
}

#[test]
fn a_file_that_is_not_utf8_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.sql"), b"CREATE TABLE \xff (id int);").unwrap();
    let e = sql_files(dir.path()).unwrap_err();
    assert!(matches!(&e, SourceError::Read { path, .. } if path.ends_with("a.sql")), "{e:?}");
}

#[test]
fn a_link_to_a_file_loads_and_a_byte_order_mark_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    write(elsewhere.path(), "real.sql", "\u{feff}CREATE TABLE b (id int);");
    std::os::unix::fs::symlink(elsewhere.path().join("real.sql"), dir.path().join("b.sql")).unwrap();
    write(dir.path(), "a.sql", "\u{feff}CREATE TABLE a (id int);");
    let files = sql_files(dir.path()).unwrap();
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f.text.starts_with("CREATE")));
}

#[tokio::test]
async fn a_bom_file_loads_and_positions_are_real_ones() {
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.sql", "\u{feff}CREATE TABLE a (id int);\n");
    write(dir.path(), "b.sql", "CREATE TABLE b (id int);\nCREATE TABLE c (x nosuchtype);\n");
    let files = sql_files(dir.path()).unwrap();
    let e = load(&t.client, &files).await.unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with(&format!("{}:2:19: ", dir.path().join("b.sql").display())), "{text}");

    // No position from PostgreSQL (a failure while executing, not parsing): no invented line.
    write(dir.path(), "b.sql", "CREATE TABLE b (id int);\nINSERT INTO a VALUES (1);\nSELECT 1 / (SELECT count(*) - 1 FROM a);\n");
    let files = sql_files(&dir.path().join("b.sql")).unwrap();
    let e = load(&t.client, &files).await.unwrap_err();
    let SourceError::Statement { location, .. } = &e else { panic!("{e:?}") };
    assert_eq!(location.position, None);
    let text = e.to_string();
    assert!(text.starts_with(&format!("{}: ", dir.path().join("b.sql").display())), "{text}");
    assert!(text.contains("division by zero") && text.contains("gave no position"), "{text}");
    t.finish().await;
}
