//! Every rule of the registry against its fixtures: `tests/fixtures/<id>/bad.sql` must trigger
//! it, `good.sql` must not, and what it reports on `bad.sql` is snapshotted
//! (`tests/snapshots/rules__<id>.snap`). A fixture directory without a rule, a rule without
//! fixtures, a duplicate id or a meta with an empty or multi-line message fails here.
//!
//! A fixture directory may hold `owned.txt`: the tables the project owns (one per line, as
//! SQL writes the name; `#` starts a comment). Its fixtures are then linted with that
//! ownership (built the way the project builds it: from migrations that create those tables);
//! without it, with none (`owned` = `None`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pgshift_history::guard::Owned;
use pgshift_history::{MigrationFile, RevisionGraph};
use pgshift_lint::{lint, rules, Finding, Settings};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn findings(path: &Path) -> Vec<Finding> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = MigrationFile::parse(Path::new(path.file_name().unwrap()), &text)
        .unwrap_or_else(|e| panic!("fixture {} is not a migration file: {e}", path.display()));
    let owned = owned(&path.with_file_name("owned.txt"));
    lint(&file, &Settings::default(), owned.as_ref())
}

/// The ownership `owned.txt` describes: what a history creating those tables owns.
fn owned(path: &Path) -> Option<Owned> {
    let text = std::fs::read_to_string(path).ok()?;
    let creates: String = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim())
        .filter(|l| !l.is_empty())
        .map(|table| format!("CREATE TABLE {table} ();\n"))
        .collect();
    let history = format!("-- pgshift revision: 000000000000\n-- message: owned\n\n-- up\n{creates}");
    let file = MigrationFile::parse("owned.sql", &history).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let graph = RevisionGraph::build(vec![file]).unwrap();
    Some(Owned::of(&graph, &[]))
}

#[test]
fn every_rule_has_fixtures_that_agree_with_it() {
    let mut ids = BTreeSet::new();
    for rule in rules::ALL {
        let meta = rule.meta();
        assert!(ids.insert(meta.id), "rule id {} is registered twice", meta.id);
        assert!(meta.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "rule id {} is not kebab-case", meta.id);
        for (what, text) in [("message", meta.message), ("why", meta.why), ("instead", meta.instead)] {
            assert!(!text.trim().is_empty() && !text.contains('\n'), "rule {}: {what} must be one non-empty line", meta.id);
        }
        let dir = fixtures().join(meta.id);
        let bad: Vec<Finding> = findings(&dir.join("bad.sql")).into_iter().filter(|f| f.rule == meta.id).collect();
        assert!(!bad.is_empty(), "rule {}: tests/fixtures/{}/bad.sql does not trigger it", meta.id, meta.id);
        let good: Vec<Finding> = findings(&dir.join("good.sql")).into_iter().filter(|f| f.rule == meta.id).collect();
        assert!(good.is_empty(), "rule {}: tests/fixtures/{}/good.sql triggers it:\n{good:#?}", meta.id, meta.id);
        let report: String = bad.iter().map(|f| format!("{f}\n  statement: {}\n  hint: {}\n", f.statement, f.hint)).collect();
        insta::assert_snapshot!(meta.id, report);
    }
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(ids.contains(name.as_str()), "tests/fixtures/{name} belongs to no registered rule");
    }
    assert!(rules::ALL.len() >= 10);
}
