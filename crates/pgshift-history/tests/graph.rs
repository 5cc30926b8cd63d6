//! The revision graph: building, heads, order, resolving, and upgrade/downgrade plans.

use std::collections::BTreeSet;

use pgshift_history::{DowngradeTarget, HistoryError, MigrationFile, RevisionGraph, RevisionId};

fn id(s: &str) -> RevisionId {
    RevisionId::new(s).unwrap_or_else(|| panic!("bad id {s}"))
}

/// A file for revision `rev` with `parents`; the file name is deliberately unrelated.
fn file(rev: &str, parents: &[&str], message: &str) -> MigrationFile {
    let text = format!(
        "-- pgshift revision: {rev}\n-- parents: {}\n-- message: {message}\n\n-- up\nselect 1;\n-- down\nselect 2;\n",
        parents.join(", ")
    );
    MigrationFile::parse(format!("migrations/{message}.sql"), &text).unwrap()
}

fn build(files: Vec<MigrationFile>) -> RevisionGraph {
    RevisionGraph::build(files).unwrap_or_else(|e| panic!("{e}"))
}

fn ids(list: &[RevisionId]) -> Vec<&str> {
    list.iter().map(RevisionId::as_str).collect()
}

fn set(list: &[&str]) -> BTreeSet<RevisionId> {
    list.iter().map(|s| id(s)).collect()
}

const A: &str = "aaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbb";
const C: &str = "cccccccccccc";
const D: &str = "dddddddddddd";
const E: &str = "eeeeeeeeeeee";

#[test]
fn linear() {
    // Files arrive in an order unrelated to the graph.
    let g = build(vec![file(C, &[B], "third"), file(A, &[], "first"), file(B, &[A], "second")]);
    assert_eq!(ids(g.ordered()), [A, B, C]);
    assert_eq!(ids(&g.heads()), [C]);
    assert_eq!(ids(&g.bases()), [A]);
    assert_eq!(g.single_head().unwrap(), id(C));
    assert_eq!(ids(g.parents(&id(B))), [A]);
    assert_eq!(ids(g.children(&id(B))), [C]);
    assert_eq!(g.ancestors(&id(B)), set(&[A, B]));
    assert_eq!(g.descendants(&id(B)), set(&[B, C]));
    assert_eq!(g.get(&id(B)).unwrap().message, "second");
    assert_eq!(g.files().map(|f| f.message.as_str()).collect::<Vec<_>>(), ["first", "second", "third"]);

    assert_eq!(ids(&g.plan_upgrade(&set(&[]), None).unwrap()), [A, B, C]);
    assert_eq!(ids(&g.plan_upgrade(&set(&[A]), None).unwrap()), [B, C]);
    assert_eq!(ids(&g.plan_upgrade(&set(&[A]), Some(&id(B))).unwrap()), [B]);
    assert!(g.plan_upgrade(&set(&[A, B, C]), None).unwrap().is_empty());

    let all = set(&[A, B, C]);
    assert_eq!(ids(&g.plan_downgrade(&all, &DowngradeTarget::Base).unwrap()), [C, B, A]);
    assert_eq!(ids(&g.plan_downgrade(&all, &DowngradeTarget::Steps(2)).unwrap()), [C, B]);
    assert!(g.plan_downgrade(&all, &DowngradeTarget::Steps(0)).unwrap().is_empty());
    assert_eq!(ids(&g.plan_downgrade(&all, &DowngradeTarget::Revision(id(A))).unwrap()), [C, B]);
    assert!(g.plan_downgrade(&all, &DowngradeTarget::Revision(id(C))).unwrap().is_empty());
    let e = g.plan_downgrade(&set(&[A]), &DowngradeTarget::Steps(2)).unwrap_err().to_string();
    assert_eq!(e, "cannot downgrade 2 step(s): only 1 revision(s) are applied; use `base` to undo them all");
    assert_eq!(ids(&g.heads_of(&set(&[A, B]))), [B]);
}

#[test]
fn two_developers_branch_then_merge() {
    // Both add a revision on A: two heads.
    let branched = vec![file(A, &[], "base"), file(C, &[A], "dev one adds c"), file(B, &[A], "dev two adds b")];
    let g = build(branched.clone());
    assert_eq!(ids(&g.heads()), [B, C]);
    assert_eq!(ids(g.ordered()), [A, B, C]);
    let e = g.single_head().unwrap_err();
    assert!(matches!(&e, HistoryError::MultipleHeads { heads } if heads.len() == 2));
    assert_eq!(
        e.to_string(),
        "the history has 2 heads:\n  bbbbbbbbbbbb (migrations/dev two adds b.sql:1) dev two adds b\n  \
         cccccccccccc (migrations/dev one adds c.sql:1) dev one adds c\n\
         run `pgshift merge` to join them into one head, or name the target revision"
    );
    assert!(matches!(g.resolve("head"), Err(HistoryError::MultipleHeads { .. })));
    // Upgrading with no target still applies both branches.
    assert_eq!(ids(&g.plan_upgrade(&set(&[A, C]), None).unwrap()), [B]);

    // The merge joins them.
    let mut merged = branched;
    merged.push(file(D, &[C, B], "merge"));
    let g = build(merged);
    assert_eq!(g.single_head().unwrap(), id(D));
    assert_eq!(ids(g.ordered()), [A, B, C, D]);
    assert!(g.get(&id(D)).unwrap().is_merge());
    assert_eq!(ids(g.children(&id(A))), [B, C]);
    // A database that applied only dev one's branch gets dev two's, then the merge.
    assert_eq!(ids(&g.plan_upgrade(&set(&[A, C]), None).unwrap()), [B, D]);
    assert_eq!(ids(&g.plan_upgrade(&set(&[A, C]), Some(&id(D))).unwrap()), [B, D]);
    // Downgrading to one branch undoes the merge and the other branch.
    let all = set(&[A, B, C, D]);
    assert_eq!(ids(&g.plan_downgrade(&all, &DowngradeTarget::Revision(id(C))).unwrap()), [D, B]);
    assert_eq!(ids(&g.plan_downgrade(&all, &DowngradeTarget::Steps(1)).unwrap()), [D]);
    assert_eq!(ids(&g.plan_downgrade(&all, &DowngradeTarget::Base).unwrap()), [D, C, B, A]);
    assert_eq!(ids(&g.heads_of(&set(&[A, B, C]))), [B, C]);
}

#[test]
fn several_bases() {
    let g = build(vec![file(B, &[], "other root"), file(A, &[], "root"), file(C, &[A, B], "joins")]);
    assert_eq!(ids(&g.bases()), [A, B]);
    assert_eq!(ids(g.ordered()), [A, B, C]);
    assert_eq!(ids(&g.plan_upgrade(&set(&[]), Some(&id(A))).unwrap()), [A]);
}

#[test]
fn duplicate_ids_name_both_files() {
    let e = RevisionGraph::build(vec![file(A, &[], "one"), file(A, &[], "two")]).unwrap_err().to_string();
    assert_eq!(
        e,
        "revision aaaaaaaaaaaa is declared twice: migrations/one.sql:1 and migrations/two.sql:1; give one of them a new id \
         (`pgshift new` generates ids) and fix the `-- parents:` lines that meant it"
    );
}

#[test]
fn missing_parents_name_the_file_and_the_id() {
    let e = RevisionGraph::build(vec![file(A, &[], "one"), file(B, &[A, C], "two")]).unwrap_err().to_string();
    assert_eq!(
        e,
        "migrations/two.sql:2: parent revision cccccccccccc of bbbbbbbbbbbb does not exist in the migrations directory; \
         restore the missing file or fix the `-- parents:` line"
    );
}

#[test]
fn cycles_name_the_revisions_and_files() {
    let e = RevisionGraph::build(vec![
        file(A, &[], "root"),
        file(B, &[A, D], "bee"),
        file(C, &[B], "cee"),
        file(D, &[C], "dee"),
        file(E, &[D], "after the cycle"),
    ])
    .unwrap_err();
    let HistoryError::Cycle { revisions } = &e else { panic!("{e}") };
    let on: BTreeSet<&str> = revisions.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(on, [B, C, D].into_iter().collect());
    let text = e.to_string();
    assert!(text.starts_with("the revisions form a cycle (each is a parent of the next):\n  "), "{text}");
    assert!(text.contains("bbbbbbbbbbbb (migrations/bee.sql:1) bee"), "{text}");
    assert!(text.contains("dddddddddddd (migrations/dee.sql:1) dee"), "{text}");
    assert!(text.ends_with("fix the `-- parents:` line of one of them so that history runs one way"), "{text}");
    // Each is a parent of the next (and the last of the first).
    for (i, r) in revisions.iter().enumerate() {
        let next = &revisions[(i + 1) % revisions.len()];
        let child = [file(B, &[A, D], "bee"), file(C, &[B], "cee"), file(D, &[C], "dee")]
            .into_iter()
            .find(|f| f.revision == next.id)
            .unwrap();
        assert!(child.parents.contains(&r.id), "{text}");
    }

    let e = RevisionGraph::build(vec![file(A, &[B], "a"), file(B, &[A], "b")]).unwrap_err();
    assert!(matches!(e, HistoryError::Cycle { ref revisions } if revisions.len() == 2), "{e}");
}

#[test]
fn resolve_specs() {
    let g = build(vec![
        file("3f9a1c2b7d01", &[], "one"),
        file("3f9a1c2b7d02", &["3f9a1c2b7d01"], "two"),
        file("4a00aaaaaaaa", &["3f9a1c2b7d02"], "three"),
    ]);
    assert_eq!(g.resolve("3f9a1c2b7d01").unwrap(), id("3f9a1c2b7d01"));
    assert_eq!(g.resolve("4a00").unwrap(), id("4a00aaaaaaaa"));
    assert_eq!(g.resolve("4A00AA").unwrap(), id("4a00aaaaaaaa"));
    assert_eq!(g.resolve("3f9a1c2b7d02").unwrap(), id("3f9a1c2b7d02"));
    assert_eq!(g.resolve("head").unwrap(), id("4a00aaaaaaaa"));
    assert_eq!(
        g.resolve("3f9a").unwrap_err().to_string(),
        "`3f9a` matches 2 revisions:\n  3f9a1c2b7d01 (migrations/one.sql:1) one\n  3f9a1c2b7d02 (migrations/two.sql:1) two\n\
         give more characters of the id"
    );
    assert_eq!(
        g.resolve("4a0").unwrap_err().to_string(),
        "`4a0` is too short to name a revision; give at least 4 characters of its id"
    );
    for unknown in ["ffff", "ffffffffffff", "nope", "", "3f9a1c2b7d01x"] {
        assert_eq!(
            g.resolve(unknown).unwrap_err().to_string(),
            format!("no revision matches `{unknown}`; run `pgshift history` to list the revisions")
        );
    }
}

#[test]
fn unknown_targets_are_errors() {
    let g = build(vec![file(A, &[], "one")]);
    assert!(matches!(g.plan_upgrade(&set(&[]), Some(&id(B))), Err(HistoryError::UnknownRevision { .. })));
    assert!(matches!(
        g.plan_downgrade(&set(&[A]), &DowngradeTarget::Revision(id(B))),
        Err(HistoryError::UnknownRevision { .. })
    ));
}

#[test]
fn applied_revisions_without_files() {
    let g = build(vec![file(A, &[], "one"), file(B, &[A], "two")]);
    g.check_applied(&set(&[A, B])).unwrap();
    let e = g.check_applied(&set(&[A, B, D, C])).unwrap_err().to_string();
    assert_eq!(
        e,
        "the database has applied revisions that no migration file declares: cccccccccccc, dddddddddddd; the database is \
         ahead of these files: update the migrations directory (e.g. pull the latest commits) before running this command"
    );
    // Plans ignore them.
    assert!(g.plan_upgrade(&set(&[A, B, C]), None).unwrap().is_empty());
    assert_eq!(ids(&g.plan_downgrade(&set(&[A, B, C]), &DowngradeTarget::Base).unwrap()), [B, A]);
}

#[test]
fn an_empty_history() {
    let g = build(Vec::new());
    assert!(g.is_empty());
    assert_eq!(g.single_head().unwrap_err().to_string(), "there is no migration yet; create one with `pgshift new`");
    assert!(g.plan_upgrade(&set(&[]), None).unwrap().is_empty());
}
