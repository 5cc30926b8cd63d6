//! Progress of long work: on a terminal (a pseudo-terminal made by util-linux `script`), an
//! `upgrade` of several revisions draws a bar (revision i of n, its id and message); without a
//! terminal it prints one plain line per revision and no terminal codes; at head it prints
//! nothing but its one line.

mod common;

use std::process::Command;

use common::{ok, pgshift};
use pgshift_testkit::TestDb;

/// Three hand-written revisions, each taking a moment (outside a transaction, so each runs on
/// its own rather than in one batch).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("migrations");
    std::fs::create_dir_all(&m).unwrap();
    let mut parent = String::new();
    for i in 1..=3 {
        let id = format!("00000000000{i}");
        let parents = if parent.is_empty() { String::new() } else { format!("-- parents: {parent}\n") };
        std::fs::write(
            m.join(format!("{id}_step{i}.sql")),
            format!("-- pgshift revision: {id}\n{parents}-- message: step {i}\n\n-- up\nCREATE TABLE t{i} (id int);\n\n-- up: no transaction\nSELECT pg_sleep(0.6);\n"),
        )
        .unwrap();
        parent = id;
    }
    dir
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[tokio::test]
async fn a_terminal_gets_a_bar_and_a_pipe_gets_plain_lines() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    // On a pseudo-terminal.
    let dir = project();
    let t = TestDb::new().await;
    let command = format!("{} upgrade --database-url {}", quote(env!("CARGO_BIN_EXE_pgshift")), quote(&t.db.url()));
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("COLUMNS", "100")
        .env("LINES", "30")
        .env_remove("DATABASE_URL")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("applying 000000000002 step 2") && shown.contains("/3"), "no bar on the terminal:\n{shown:?}");
    assert!(shown.contains("applied 3 revision(s)"), "{shown:?}");

    // Through a pipe: plain lines, no terminal codes.
    let dir = project();
    let t2 = TestDb::new().await;
    let (_, stderr) = ok(&pgshift(dir.path(), &["upgrade", "--database-url", &t2.db.url()]));
    assert!(stderr.contains("applying 1/3: 000000000001 step 1\napplying 2/3: 000000000002 step 2\napplying 3/3: 000000000003 step 3\n"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    // At head: one line.
    let (_, stderr) = ok(&pgshift(dir.path(), &["upgrade", "--database-url", &t2.db.url()]));
    assert_eq!(stderr.trim(), "already at head");
    t.finish().await;
    t2.finish().await;
}
