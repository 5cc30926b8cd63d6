//! The real-schema conformance suite, schema by schema: every `../shared/corpus/schemas/*.sql`
//! (pg_dump-style `structure.sql` of an open-source app, nobody on the team wrote them) goes
//! through what a new user does first, with the real binary:
//! 1. `inspect` round trip: the canonical SQL of the schema, loaded again, prints the same;
//! 2. `new` from an empty history writes the migration that creates it (verified up and down on
//!    scratch databases before it is written);
//! 3. `adopt` of a database loaded from it (with a row in a table) writes the baseline and stamps
//!    it; on an empty database the baseline goes up, down to base and up again, and `check` finds
//!    no drift.
//!
//! `PGSHIFT_CORPUS` points at the corpus (else `pgshift_testkit::corpus` looks for it);
//! `PGSHIFT_CONFORMANCE=<substring>` runs the schemas whose name contains it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pgshift_testkit::TestDb;

fn pgshift(dir: &Path, args: &[&str], url: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgshift"));
    cmd.args(args).current_dir(dir).env_remove("DATABASE_URL");
    if let Some(url) = url {
        cmd.env("DATABASE_URL", url);
    }
    cmd.output().expect("run pgshift")
}

fn ok(what: &str, out: Output) -> Result<String, String> {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.code() == Some(0) {
        Ok(stdout)
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(format!("{what}: exit {:?}\n{}", out.status.code(), stderr.lines().take(12).collect::<Vec<_>>().join("\n")))
    }
}

fn project(sql: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("schema")).unwrap();
    std::fs::write(dir.path().join("schema/structure.sql"), sql).unwrap();
    dir
}

async fn one(name: &str, sql: &str) -> Result<(), String> {
    // 1. inspect round trip
    let p = project(sql);
    let first = ok("inspect", pgshift(p.path(), &["inspect", "schema"], None))?;
    let again = project(&first);
    let second = ok("inspect of the canonical SQL", pgshift(again.path(), &["inspect", "schema"], None))?;
    if first != second {
        let at = first.lines().zip(second.lines()).position(|(a, b)| a != b).unwrap_or(0);
        return Err(format!(
            "inspect round trip differs at line {}:\n  first:  {}\n  second: {}",
            at + 1,
            first.lines().nth(at).unwrap_or(""),
            second.lines().nth(at).unwrap_or("")
        ));
    }
    // 2. new from an empty history
    let out = ok("new from an empty history", pgshift(p.path(), &["new", "initial"], None))?;
    if out.trim().is_empty() {
        return Err("new wrote nothing for a whole schema".into());
    }
    // 3. adopt a database loaded from it, then the baseline up, down, up on an empty database
    let live = TestDb::with_sql(sql).await;
    let a = project(sql);
    let file = ok("adopt", pgshift(a.path(), &["adopt"], Some(&live.db.url())))?;
    if !a.path().join(file.trim()).is_file() {
        return Err(format!("adopt printed {file:?}, which is not a file"));
    }
    ok("check after adopt", pgshift(a.path(), &["check"], Some(&live.db.url())))?;
    let empty = TestDb::new().await;
    let url = empty.db.url();
    ok("upgrade of an empty database to the baseline", pgshift(a.path(), &["upgrade"], Some(&url)))?;
    ok("downgrade base", pgshift(a.path(), &["downgrade", "base"], Some(&url)))?;
    ok("upgrade again", pgshift(a.path(), &["upgrade"], Some(&url)))?;
    ok("check of the replayed baseline", pgshift(a.path(), &["check"], Some(&url)))?;
    live.finish().await;
    empty.finish().await;
    eprintln!("{name}: ok");
    Ok(())
}

#[tokio::test]
async fn every_corpus_schema_round_trips_and_is_adopted() {
    let only = std::env::var("PGSHIFT_CONFORMANCE").ok().filter(|s| s != "all");
    let Some(corpus) = pgshift_testkit::corpus() else {
        eprintln!("the real-schema corpus (shared/corpus) is not on this machine: set PGSHIFT_CORPUS to run this suite");
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus.join("schemas"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .filter(|p| only.as_ref().is_none_or(|o| p.to_string_lossy().contains(o.as_str())))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let sql = std::fs::read_to_string(&file).unwrap();
        let started = std::time::Instant::now();
        if let Err(e) = one(&name, &sql).await {
            failures.push(format!("== {name}\n{e}"));
        }
        eprintln!("{name}: {:.1} s", started.elapsed().as_secs_f64());
    }
    assert!(failures.is_empty(), "{} schema(s) failed:\n{}", failures.len(), failures.join("\n"));
}
