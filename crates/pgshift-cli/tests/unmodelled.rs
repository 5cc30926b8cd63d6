//! Unsupported is loud: objects of kinds the model does not represent yet (extended statistics, a
//! text search configuration) are named with their kind by `new`, `check` and `diff`,
//! which warn that a migration leaves them out; `--strict` refuses instead (exit 2) and writes
//! nothing.

mod common;

use common::pgshift;

use std::path::Path;

const SCHEMA: &str = r#"
CREATE TEXT SEARCH CONFIGURATION english_simple (COPY = pg_catalog.english);
CREATE TABLE note (id int PRIMARY KEY, body text);
CREATE STATISTICS note_stats ON id, body FROM note;
"#;

fn migrations(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("migrations")).map(|rd| rd.count()).unwrap_or(0)
}

#[test]
fn unmodelled_objects_are_named_and_strict_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("schema")).unwrap();
    std::fs::write(d.join("schema/app.sql"), SCHEMA).unwrap();

    let out = pgshift(d, &["new", "initial", "--strict"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("statistics object public.note_stats") && stderr.contains("text search configuration public.english_simple"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(migrations(d), 0);

    let out = pgshift(d, &["new", "initial"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning: statistics object public.note_stats is not modelled yet"), "{stderr}");
    let file = std::fs::read_to_string(d.join(String::from_utf8_lossy(&out.stdout).trim())).unwrap();
    assert!(file.contains("CREATE TABLE public.note") && !file.contains("note_stats"), "{file}");

    let out = pgshift(d, &["check", "--no-database", "--strict"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let out = pgshift(d, &["diff", "--from", "migrations", "--to", "schema"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("text search configuration public.english_simple is not modelled yet"), "{stderr}");
    let out = pgshift(d, &["diff", "--from", "migrations", "--to", "schema", "--strict"]);
    assert_eq!(out.status.code(), Some(2));
}
