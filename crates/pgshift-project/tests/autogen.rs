//! The autogenerate workflow as a library: `autogen::run` on a project directory returns its
//! outcome as data (nothing to do, a written and verified migration with its summary and rename
//! candidates), asks its questions through `Answers`, and refuses bad input before writing
//! anything: two heads, a schema that does not load, a missing backfill value, an unknown
//! `--rename`.

use std::collections::BTreeMap;
use std::path::Path;

use pgshift_catalog::QualName;
use pgshift_diff::{RenameCandidate, RenameRequest};
use pgshift_project::autogen::{self, Answers, Given, Outcome, Request};
use pgshift_project::{Project, ProjectError, Workspace};
use pgshift_scratch::ScratchConfig;

/// Answers from a map, recording what was asked.
#[derive(Default)]
struct Map {
    renames: Vec<String>,
    backfills: BTreeMap<String, String>,
    destructive: Option<bool>,
    asked: Vec<String>,
}

impl Answers for Map {
    fn rename(&mut self, candidate: &RenameCandidate) -> Option<bool> {
        self.asked.push(format!("rename {} -> {}", candidate.from, candidate.to));
        Some(self.renames.iter().any(|r| candidate.flag.ends_with(r.as_str())))
    }

    fn backfill(&mut self, table: &QualName, column: &str) -> Option<String> {
        let key = format!("{table}.{column}");
        self.asked.push(format!("backfill {key}"));
        self.backfills.get(&key).cloned()
    }

    fn destructive(&mut self, what: &[String]) -> Option<bool> {
        self.asked.push(format!("destructive {}", what.join("; ")));
        self.destructive
    }
}

fn project(schema: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("schema")).unwrap();
    std::fs::write(dir.path().join("schema/app.sql"), schema).unwrap();
    dir
}

async fn run(dir: &Path, message: &str, renames: &[&str], answers: &mut dyn Answers) -> Result<Outcome, ProjectError> {
    let ws = Workspace::open(Project::at(dir), &ScratchConfig::from_env()).await?;
    let prepared = autogen::prepare(&ws).await?;
    let mut request = Request { message: message.to_owned(), ..Request::default() };
    for r in renames {
        request.diff.renames.push(RenameRequest::parse(r).unwrap());
    }
    autogen::run(&ws, &prepared, request, answers).await
}

fn migrations(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("migrations")).map(|rd| rd.count()).unwrap_or(0)
}

#[tokio::test]
async fn outcomes_as_data_with_answers_from_a_map() {
    let dir = project("CREATE TABLE account (id int PRIMARY KEY, name text);\nCREATE TABLE note (id int, body text);\n");
    let d = dir.path();
    let Outcome::Written(first) = run(d, "initial", &[], &mut Given).await.unwrap() else { panic!("nothing written") };
    assert!(first.path.is_file());
    assert!(first.summary.created.iter().any(|c| c.contains("public.account")), "{:?}", first.summary);
    assert!(matches!(run(d, "again", &[], &mut Given).await.unwrap(), Outcome::NothingToDo));
    assert_eq!(migrations(d), 1);

    // A renamed column and a new NOT NULL column: both questions go to the answers.
    std::fs::write(
        d.join("schema/app.sql"),
        "CREATE TABLE account (id int PRIMARY KEY, display_name text, plan text NOT NULL);\nCREATE TABLE note (id int, body text);\n",
    )
    .unwrap();
    let mut map = Map::default();
    let err = run(d, "refused", &[], &mut map).await.unwrap_err();
    assert!(err.to_string().contains("--backfill public.account.plan=EXPR"), "{err}");
    assert_eq!(migrations(d), 1, "nothing written");
    assert!(map.asked.iter().any(|a| a == "backfill public.account.plan"), "{:?}", map.asked);

    let mut map = Map {
        renames: vec!["public.account.name=public.account.display_name".into()],
        backfills: BTreeMap::from([("public.account.plan".into(), "'free'".into())]),
        ..Map::default()
    };
    let Outcome::Written(second) = run(d, "rename and plan", &[], &mut map).await.unwrap() else { panic!("nothing written") };
    let text = std::fs::read_to_string(&second.path).unwrap();
    assert!(text.contains("RENAME COLUMN name TO display_name"), "{text}");
    assert!(text.contains("UPDATE public.account SET plan = 'free'"), "{text}");
    assert!(second.rename_candidates.is_empty());
    assert_eq!(migrations(d), 2);
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_written() {
    // An unknown --rename.
    let dir = project("CREATE TABLE a (id int);\n");
    let d = dir.path();
    let err = run(d, "x", &["public.nope=public.a"], &mut Given).await.unwrap_err();
    assert!(matches!(err, ProjectError::Refused(_)), "{err:?}");
    assert_eq!(migrations(d), 0);

    // A schema that does not load names the file and line.
    std::fs::write(d.join("schema/app.sql"), "CREATE TABLE a (id int);\nCREATE TABLE b (id nosuchtype);\n").unwrap();
    let err = run(d, "x", &[], &mut Given).await.unwrap_err();
    assert!(matches!(err, ProjectError::Schema(_)), "{err:?}");
    assert!(err.to_string().contains("app.sql:2"), "{err}");
    assert_eq!(migrations(d), 0);

    // Two heads.
    std::fs::write(d.join("schema/app.sql"), "CREATE TABLE a (id int);\n").unwrap();
    assert!(matches!(run(d, "base", &[], &mut Given).await.unwrap(), Outcome::Written(_)));
    let base = std::fs::read_dir(d.join("migrations")).unwrap().next().unwrap().unwrap().path();
    let head = std::fs::read_to_string(&base).unwrap().lines().next().unwrap().trim_start_matches("-- pgshift revision: ").to_owned();
    for (rev, name) in [("aaaaaaaaaaaa", "b1"), ("bbbbbbbbbbbb", "b2")] {
        std::fs::write(
            d.join(format!("migrations/{rev}_{name}.sql")),
            format!("-- pgshift revision: {rev}\n-- parents: {head}\n-- message: {name}\n\n-- up\nSELECT 1;\n\n-- down\nSELECT 1;\n"),
        )
        .unwrap();
    }
    let ws = Workspace::open(Project::at(d), &ScratchConfig::from_env()).await.unwrap();
    let err = autogen::prepare(&ws).await.unwrap_err();
    assert!(err.to_string().contains("heads"), "{err}");
    assert_eq!(migrations(d), 3);
}

#[tokio::test]
async fn a_rename_candidate_is_decided_never_assumed() {
    let dir = project("CREATE TABLE account (id int PRIMARY KEY, nickname text);\n");
    let d = dir.path();
    assert!(matches!(run(d, "initial", &[], &mut Given).await.unwrap(), Outcome::Written(_)));
    std::fs::write(d.join("schema/app.sql"), "CREATE TABLE account (id int PRIMARY KEY, display_name text);\n").unwrap();

    // Undecided (no terminal, no flag): refused, both ways out named, nothing written.
    let err = run(d, "undecided", &[], &mut Given).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ProjectError::Refused(_)), "{err:?}");
    assert!(text.contains("--rename public.account.nickname=public.account.display_name"), "{text}");
    assert!(text.contains("--no-rename public.account.nickname"), "{text}");
    assert_eq!(migrations(d), 1);

    // A --no-rename that names no candidate is refused too.
    let ws = Workspace::open(Project::at(d), &ScratchConfig::from_env()).await.unwrap();
    let prepared = autogen::prepare(&ws).await.unwrap();
    let request = Request { message: "x".into(), no_renames: vec!["public.account.nope".into()], ..Request::default() };
    let err = autogen::run(&ws, &prepared, request, &mut Given).await.unwrap_err();
    assert!(err.to_string().contains("--no-rename public.account.nope names no rename candidate"), "{err}");
    assert_eq!(migrations(d), 1);

    // Confirmed as a drop: a drop and an add.
    let request = Request { message: "drop nickname".into(), no_renames: vec!["public.account.nickname".into()], ..Request::default() };
    let Outcome::Written(w) = autogen::run(&ws, &prepared, request, &mut Given).await.unwrap() else { panic!("nothing written") };
    let text = std::fs::read_to_string(&w.path).unwrap();
    assert!(text.contains("DROP COLUMN nickname") && text.contains("ADD COLUMN display_name"), "{text}");
    // `--no-rename` confirmed the drop: the file records that consent.
    assert!(text.contains("-- pgshift: approved destructive: drops column public.account.nickname with its data\n"), "{text}");
    assert_eq!(migrations(d), 2);
}

#[tokio::test]
async fn destructive_statements_are_written_only_with_consent_recorded_in_the_file() {
    let dir = project("CREATE TABLE account (id int PRIMARY KEY, nickname text);\nCREATE TABLE legacy (id int);\n");
    let d = dir.path();
    assert!(matches!(run(d, "initial", &[], &mut Given).await.unwrap(), Outcome::Written(_)));
    std::fs::write(d.join("schema/app.sql"), "CREATE TABLE account (id int PRIMARY KEY);\n").unwrap();

    // Not asked (no terminal): refused, naming each statement and the flag.
    let err = run(d, "drops", &[], &mut Given).await.unwrap_err().to_string();
    assert!(err.contains("drops table public.legacy with all its rows"), "{err}");
    assert!(err.contains("drops column public.account.nickname with its data") && err.contains("--allow-destructive"), "{err}");
    assert_eq!(migrations(d), 1);

    // Asked, and refused: nothing written.
    let mut no = Map { destructive: Some(false), ..Map::default() };
    assert!(run(d, "drops", &[], &mut no).await.is_err());
    assert_eq!(no.asked.len(), 1, "{:?}", no.asked);
    assert!(no.asked[0].contains("public.legacy") && no.asked[0].contains("public.account.nickname"), "{:?}", no.asked);
    assert_eq!(migrations(d), 1);

    // Asked, and confirmed: each statement carries its consent, and lint accepts it.
    let mut yes = Map { destructive: Some(true), ..Map::default() };
    let Outcome::Written(w) = run(d, "drops", &[], &mut yes).await.unwrap() else { panic!("nothing written") };
    let text = std::fs::read_to_string(&w.path).unwrap();
    assert!(text.contains("-- pgshift: approved destructive: drops table public.legacy with all its rows\n"), "{text}");
    assert!(text.contains("-- pgshift: approved destructive: drops column public.account.nickname with its data\n"), "{text}");
    assert!(w.findings.iter().all(|f| f.rule != "drop-table" && f.rule != "drop-column"), "{:?}", w.findings);
    let file = pgshift_history::MigrationFile::read(&w.path).unwrap();
    assert!(pgshift_lint::unapproved(&file).is_empty());
}
