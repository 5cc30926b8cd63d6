//! Command sources: the output is the DDL, cached while the inputs are unchanged; a failing,
//! hanging, silent or garbled command is an error naming it, and a statement PostgreSQL
//! rejects is reported at the line of the command's output.

use std::path::Path;
use std::time::Duration;

use pgshift_source::{load, CommandSource, Source, SourceError};
use pgshift_testkit::TestDb;

/// A command source running `script` with `sh -c` in `dir`.
fn sh(dir: &Path, script: &str, inputs: &[&str]) -> CommandSource {
    CommandSource {
        argv: vec!["sh".into(), "-c".into(), script.into()],
        dir: dir.to_owned(),
        inputs: inputs.iter().map(|s| s.to_string()).collect(),
        timeout: Duration::from_secs(30),
        env: Vec::new(),
    }
}

fn runs(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("runs")).map(|t| t.lines().count()).unwrap_or(0)
}

#[tokio::test]
async fn the_output_is_reused_while_the_inputs_are_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("app/sub")).unwrap();
    std::fs::write(dir.path().join("app/models.py"), "a").unwrap();
    std::fs::write(dir.path().join("app/sub/more.py"), "b").unwrap();
    let source = sh(dir.path(), "echo run >> runs; echo 'CREATE TABLE t (id int);'", &["app/**/*.py"]);

    let first = source.output(Some(cache.path())).await.unwrap();
    assert_eq!(first.text, "CREATE TABLE t (id int);\n");
    assert_eq!(first.command.as_deref(), Some("sh -c 'echo run >> runs; echo '\\''CREATE TABLE t (id int);'\\'''"));
    assert!(first.path.starts_with(cache.path()), "{}", first.path.display());
    let again = source.output(Some(cache.path())).await.unwrap();
    assert_eq!((again.text.as_str(), runs(dir.path())), (first.text.as_str(), 1), "a cached output is not produced again");

    // A file deep in the tree changes: the command runs again.
    std::fs::write(dir.path().join("app/sub/more.py"), "c").unwrap();
    source.output(Some(cache.path())).await.unwrap();
    assert_eq!(runs(dir.path()), 2);
    // A new file matching the pattern counts too.
    std::fs::write(dir.path().join("app/new.py"), "").unwrap();
    source.output(Some(cache.path())).await.unwrap();
    assert_eq!(runs(dir.path()), 3);
    // Another command line is another entry.
    let other = sh(dir.path(), "echo run >> runs; echo 'CREATE TABLE u (id int);'", &["app/**/*.py"]);
    assert!(other.output(Some(cache.path())).await.unwrap().text.contains("u (id"));
    assert_eq!(runs(dir.path()), 4);

    // Without inputs, or without a cache, it runs every time.
    let no_inputs = sh(dir.path(), "echo run >> runs; echo 'CREATE TABLE t (id int);'", &[]);
    no_inputs.output(Some(cache.path())).await.unwrap();
    no_inputs.output(Some(cache.path())).await.unwrap();
    assert_eq!(runs(dir.path()), 6);
    source.output(None).await.unwrap();
    assert_eq!(runs(dir.path()), 7);
}

#[tokio::test]
async fn a_failing_command_is_named_with_its_status_and_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let script = "for i in $(seq 1 30); do echo \"noise $i\" >&2; done; \
                  echo 'ModuleNotFoundError: No module named app' >&2; echo 'CREATE TABLE half (id int);'; exit 2";
    let e = sh(dir.path(), script, &[]).output(None).await.unwrap_err();
    let SourceError::CommandFailed { status, stderr, .. } = &e else { panic!("{e:?}") };
    assert_eq!(status, "exit status 2");
    assert!(stderr.ends_with("ModuleNotFoundError: No module named app") && !stderr.contains("noise 10\n"), "{stderr}");
    let text = e.to_string();
    assert!(text.starts_with("the schema command `sh -c "), "{text}");
    assert!(text.contains("failed (exit status 2); nothing was written; the end of its stderr:\n  | noise 17"), "{text}");

    let e = CommandSource { argv: vec!["no-such-program-pgshift".into()], ..sh(dir.path(), "", &[]) }.output(None).await.unwrap_err();
    assert!(matches!(&e, SourceError::Spawn { command, .. } if command == "no-such-program-pgshift"), "{e:?}");
}

#[tokio::test]
async fn a_command_that_hangs_is_killed_with_what_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let mut source = sh(dir.path(), "echo 'loading models' >&2; (sleep 60; echo late > late) & sleep 60", &[]);
    source.timeout = Duration::from_millis(500);
    let started = std::time::Instant::now();
    let e = source.output(None).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    let SourceError::Timeout { stderr, .. } = &e else { panic!("{e:?}") };
    assert_eq!(stderr, "loading models");
    assert!(e.to_string().contains("did not finish within 0.5s and was killed"), "{e}");
    // Its background child was in its process group: killed too, so nothing keeps running.
    let out = std::process::Command::new("pgrep").args(["-f", "sleep 60; echo late"]).output();
    if let Ok(out) = out {
        assert!(out.stdout.is_empty(), "a child of the killed command still runs: {}", String::from_utf8_lossy(&out.stdout));
    }
}

#[tokio::test]
async fn an_empty_or_garbled_output_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let e = sh(dir.path(), "echo '-- generated by a printer that found no models'; echo", &[]).output(None).await.unwrap_err();
    assert!(matches!(&e, SourceError::CommandOutput { problem, .. } if problem.contains("printed no SQL statement")), "{e:?}");
    let e = sh(dir.path(), "printf 'CREATE TABLE \\377 (id int);'", &[]).output(None).await.unwrap_err();
    assert!(matches!(&e, SourceError::CommandOutput { problem, .. } if problem.contains("not UTF-8 (at byte 13)")), "{e:?}");
}

#[tokio::test]
async fn an_inputs_pattern_that_matches_nothing_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let e = sh(dir.path(), "echo 'CREATE TABLE t ();'", &["app/**/*.py"]).output(Some(cache.path())).await.unwrap_err();
    let SourceError::Inputs { pattern, problem, .. } = &e else { panic!("{e:?}") };
    assert_eq!(pattern, "app/**/*.py");
    assert!(problem.contains("matches no file under"), "{problem}");
}

#[tokio::test]
async fn a_rejected_statement_is_reported_at_the_line_of_the_output() {
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("models.txt"), "x").unwrap();
    let script = "printf -- '-- models\\nCREATE TABLE a (id int);\\n\\nCREATE TABLE b (id int, kind AutoString);\\n'";
    let sources = [Source::Sql(write_sql(dir.path())), Source::Command(sh(dir.path(), script, &["models.txt"]))];
    let files = pgshift_source::read_all(&sources, Some(cache.path())).await.unwrap();
    assert_eq!(files.len(), 2, "the SQL file, then the command's output");
    assert_eq!(files[0].name, "first.sql");
    let e = load(&t.client, &files).await.unwrap_err();
    let SourceError::Statement { location, .. } = &e else { panic!("{e:?}") };
    assert_eq!(location.position, Some((4, 30)));
    let text = e.to_string();
    assert!(text.starts_with("the output of `sh -c "), "{text}");
    assert!(text.contains("line 4 column 30 (saved as "), "{text}");
    assert!(text.contains("type \"autostring\" does not exist"), "{text}");
    // The saved output is the text that was loaded, to open at that line.
    assert_eq!(std::fs::read_to_string(&location.path).unwrap().lines().nth(3), Some("CREATE TABLE b (id int, kind AutoString);"));
    t.finish().await;
}

fn write_sql(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("first.sql");
    std::fs::write(&path, "CREATE TABLE first (id int);\n").unwrap();
    path
}
