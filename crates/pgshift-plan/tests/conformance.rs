//! The real-schema conformance suite: `../shared/corpus/`'s evolution cases (consecutive
//! `structure.sql` versions of open-source apps, nobody on the team wrote them), each run as a
//! convergence case with a generated row in every table of A: A→B applies, converges and loses
//! no row, and B→A too. A refusal that names `--backfill` (a NOT NULL column without a default
//! on a table with rows) counts as handled.
//!
//! `PGSHIFT_CORPUS` points at the corpus (else `pgshift_testkit::corpus` looks for it).
//! By default every case runs (about two minutes on 2 cores, well within CI's budget);
//! `PGSHIFT_CONFORMANCE=sample` runs every fourth case of each project, and
//! `PGSHIFT_CONFORMANCE=<substring>` the cases whose name contains it.
//! `tests/conformance/known.txt` lists the cases known to fail, each with its reason: a listed
//! case that fails is reported, an unlisted one fails the test, and a listed one that now passes
//! is reported so its line can go. The summary is what CONFORMANCE.md records.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{run, Case};

/// Every evolution case: (project/case, directory).
fn cases(corpus: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut projects: Vec<PathBuf> =
        std::fs::read_dir(corpus.join("evolution")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    projects.sort();
    for project in projects {
        let mut dirs: Vec<PathBuf> =
            std::fs::read_dir(&project).unwrap().map(|e| e.unwrap().path()).filter(|p| p.join("a.sql").is_file()).collect();
        dirs.sort();
        for dir in dirs {
            let name = format!("{}/{}", project.file_name().unwrap().to_string_lossy(), dir.file_name().unwrap().to_string_lossy());
            out.push((name, dir));
        }
    }
    out
}

/// Cases known to fail, with the reason: `project/case  reason` per line.
fn known() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/known.txt")).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((case, reason)) => (case.to_owned(), reason.trim().to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

#[derive(Debug)]
enum Result_ {
    Converged { tables: usize, filled: usize },
    RefusedWithFlag(String),
    NotLoaded(String),
    Failed { class: &'static str, detail: String },
}

fn classify(err: String) -> Result_ {
    let first = err.lines().next().unwrap_or_default().to_owned();
    if err.starts_with("a.sql:") || err.starts_with("b.sql:") {
        return Result_::NotLoaded(first);
    }
    // Refused before anything ran, naming the flag that resolves it: the plan's missing
    // backfill, or a step's proof query finding rows that violate it (what `preflight` runs).
    if (err.contains("plan refused") || err.contains("proof found")) && err.contains("--backfill") {
        return Result_::RefusedWithFlag(first);
    }
    let class = if err.contains("rows lost") {
        "rows lost"
    } else if err.contains("did not converge") {
        "did not converge"
    } else if err.contains("second diff is not empty") {
        "second diff not empty"
    } else if err.contains("unexpected unsupported") {
        "not planned (unsupported)"
    } else if err.contains("plan refused") {
        "plan refused"
    } else if err.contains("generated rows") {
        "generated rows"
    } else {
        "apply failed"
    };
    Result_::Failed { class, detail: err.lines().take(3).collect::<Vec<_>>().join(" | ") }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_evolution_cases_converge_both_ways_with_rows() {
    let Some(corpus) = pgshift_testkit::corpus() else {
        eprintln!("the real-schema corpus (shared/corpus) is not on this machine: set PGSHIFT_CORPUS to run this suite");
        return;
    };
    let selection = std::env::var("PGSHIFT_CONFORMANCE").unwrap_or_default();
    let all = cases(&corpus);
    let total = all.len();
    let chosen: Vec<(String, PathBuf)> = match selection.as_str() {
        "all" | "" => all,
        "sample" => {
            // The sample: every fourth case of each project.
            let mut per: BTreeMap<String, usize> = BTreeMap::new();
            all.into_iter()
                .filter(|(name, _)| {
                    let n = per.entry(name.split('/').next().unwrap().to_owned()).or_default();
                    *n += 1;
                    (*n - 1) % 4 == 0
                })
                .collect()
        }
        s => all.into_iter().filter(|(name, _)| name.contains(s)).collect(),
    };
    assert!(!chosen.is_empty(), "no case matches PGSHIFT_CONFORMANCE={selection}");
    let mut set = tokio::task::JoinSet::new();
    let mut pending = chosen.into_iter();
    let spawn = |set: &mut tokio::task::JoinSet<_>, (name, dir): (String, PathBuf)| {
        set.spawn(async move {
            let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
            let mut case = Case::new(name.clone(), read("a.sql"), read("b.sql"), None);
            case.fill = true;
            let started = std::time::Instant::now();
            let result = match run(&case).await {
                Ok(o) => Result_::Converged { tables: o.tables, filled: o.filled },
                Err(e) => classify(e),
            };
            (name, result, started.elapsed())
        });
    };
    for c in pending.by_ref().take(2) {
        spawn(&mut set, c);
    }
    let mut results = BTreeMap::new();
    while let Some(done) = set.join_next().await {
        let (name, result, took) = done.expect("case task panicked");
        eprintln!("{name}: {} ({:.1} s)", summary_of(&result), took.as_secs_f64());
        results.insert(name, result);
        if let Some(c) = pending.next() {
            spawn(&mut set, c);
        }
    }

    let known = known();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut tables, mut filled) = (0, 0);
    let mut unexpected = Vec::new();
    let mut fixed = Vec::new();
    for (name, r) in &results {
        match r {
            Result_::Converged { tables: t, filled: f } => {
                *counts.entry("converged").or_default() += 1;
                tables += t;
                filled += f;
                if known.contains_key(name) {
                    fixed.push(name.clone());
                }
            }
            Result_::RefusedWithFlag(_) => *counts.entry("refused with the flag to pass").or_default() += 1,
            Result_::NotLoaded(_) => *counts.entry("did not load (not counted)").or_default() += 1,
            Result_::Failed { class, detail } => {
                *counts.entry("failed").or_default() += 1;
                *classes.entry(class).or_default() += 1;
                if !known.contains_key(name) || *class == "rows lost" {
                    unexpected.push(format!("{name}: {class}: {detail}"));
                }
            }
        }
    }
    eprintln!("\n== conformance: {} of {total} evolution cases ({})", results.len(), if selection.is_empty() { "all" } else { &selection });
    for (what, n) in &counts {
        eprintln!("  {what}: {n}");
    }
    for (class, n) in &classes {
        eprintln!("    failed, {class}: {n}");
    }
    eprintln!("  tables with a generated row: {filled} of {tables} (the rest: no generic row satisfies their constraints)");
    for name in &fixed {
        eprintln!("  {name} is listed in tests/conformance/known.txt but passes now: remove its line");
    }
    assert!(unexpected.is_empty(), "cases failed that tests/conformance/known.txt does not list:\n{}", unexpected.join("\n"));
}

fn summary_of(r: &Result_) -> String {
    match r {
        Result_::Converged { tables, filled } => format!("converged ({filled}/{tables} tables with rows)"),
        Result_::RefusedWithFlag(m) => format!("refused with the flag: {m}"),
        Result_::NotLoaded(m) => format!("did not load: {m}"),
        Result_::Failed { class, detail } => format!("FAILED ({class}): {detail}"),
    }
}
