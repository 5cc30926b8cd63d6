//! Convergence: for every fixture pair, the plan applied to a database holding A (with rows)
//! gives a database that inspects identical to B, a second diff is empty, and every row of a
//! kept table survives. The same engine run B→A must bring a database holding B back to A.
//!
//! Cases live in `tests/cases/<kind>/<case>/`: `a.sql`, `b.sql`, optional `rows.sql` (run on A
//! before migrating) and `options` (lines `rename OLD=NEW`, `backfill schema.table.column=EXPR`,
//! `expect-unsupported`: the diff must mark a change "NOT PLANNED"; that direction is planned and
//! snapshotted but not applied; `expect-unsupported-down`: only B→A must; `with-privileges`:
//! privileges are compared, both ways).
//! The generated SQL of both directions is snapshotted with insta.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{run_case, Case};

fn load_cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut dirs: Vec<PathBuf> = Vec::new();
    for kind in std::fs::read_dir(&root).unwrap() {
        let kind = kind.unwrap().path();
        for case in std::fs::read_dir(&kind).unwrap() {
            dirs.push(case.unwrap().path());
        }
    }
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
            let name = format!(
                "{}__{}",
                dir.parent().unwrap().file_name().unwrap().to_str().unwrap(),
                dir.file_name().unwrap().to_str().unwrap()
            );
            let mut case = Case::new(name, read("a.sql").unwrap(), read("b.sql").unwrap(), read("rows.sql"));
            for line in read("options").unwrap_or_default().lines().map(str::trim).filter(|l| !l.is_empty()) {
                if let Err(e) = case.option(line) {
                    panic!("{}: {e}", dir.display());
                }
            }
            case
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_converges_both_ways() {
    let only = std::env::var("PGSHIFT_CASE").ok();
    let major = pgshift_testkit::server().await.major();
    let (cases, newer): (Vec<Case>, Vec<Case>) = load_cases()
        .into_iter()
        .filter(|c| only.as_ref().is_none_or(|o| c.name.contains(o.as_str())))
        .partition(|c| c.min_version <= major);
    for c in &newer {
        eprintln!("skipped on PostgreSQL {major}: {} (needs {})", c.name, c.min_version);
    }
    assert!(!cases.is_empty());
    let mut set = tokio::task::JoinSet::new();
    let mut failures = Vec::new();
    let mut results = BTreeMap::new();
    let mut pending = cases.into_iter();
    let spawn = |set: &mut tokio::task::JoinSet<_>, case: Case| {
        set.spawn(async move {
            let r = run_case(&case).await;
            (case.name, r)
        });
    };
    for _ in 0..3 {
        if let Some(c) = pending.next() {
            spawn(&mut set, c);
        }
    }
    while let Some(done) = set.join_next().await {
        let (name, r) = done.unwrap();
        match r {
            Ok(sql) => {
                results.insert(name, sql);
            }
            Err(e) => failures.push(format!("== {name}\n{e}")),
        }
        if let Some(c) = pending.next() {
            spawn(&mut set, c);
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n\n"));
    for (name, (up, down)) in &results {
        insta::assert_snapshot!(name.as_str(), format!("-- up\n{up}\n-- down\n{down}"));
    }
}
