//! Property tests: the parser never panics on any input, and render → parse round-trips.

use pgshift_history::{Direction, Draft, DraftSection, MigrationFile, RevisionId};
use proptest::prelude::*;

/// Lines that look like parts of a migration file, valid or not.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-- up".to_owned()),
        Just("-- up: no transaction".to_owned()),
        Just("-- down".to_owned()),
        Just("-- down: no transaction".to_owned()),
        Just("-- up: notransaction".to_owned()),
        Just("-- down:x".to_owned()),
        Just("-- pgshift revision: 3f9a1c2b7d01".to_owned()),
        Just("-- parents: 1a82735db431, 3f9a1c2b7d01".to_owned()),
        Just("-- parents:".to_owned()),
        Just("-- message: m".to_owned()),
        Just("-- pgshift revison: x".to_owned()),
        Just("select 1;".to_owned()),
        Just("select 'a;".to_owned()),
        Just("$$ ; $$;".to_owned()),
        Just("/* open".to_owned()),
        Just("close */".to_owned()),
        Just("BEGIN ATOMIC select 1; END;".to_owned()),
        Just(String::new()),
        Just("\r".to_owned()),
        "\\PC{0,30}",
        "[-a-z:; $'\"/*]{0,20}",
    ]
}

fn file_text() -> impl Strategy<Value = String> {
    prop::collection::vec(line(), 0..20).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_marker_soup(text in file_text()) {
        let _ = MigrationFile::parse("f.sql", &text);
    }

    #[test]
    fn parse_never_panics_on_any_string(text in "\\PC{0,200}") {
        let _ = MigrationFile::parse("f.sql", &text);
    }

    #[test]
    fn parse_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = MigrationFile::parse("f.sql", &text);
        let _ = MigrationFile::parse("f.sql", &format!("-- pgshift revision: 3f9a1c2b7d01\n-- up\n{text}"));
    }
}

fn revision_id() -> impl Strategy<Value = RevisionId> {
    "[0-9a-f]{12}".prop_map(|s| RevisionId::new(&s).unwrap())
}

/// Statements that parse, some with strings, comments, dollar quotes and line breaks.
fn statement() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,10}".prop_map(|t| format!("CREATE TABLE t_{t} (id int PRIMARY KEY)")),
        "[a-z ;']{0,12}".prop_map(|s| format!("SELECT '{}'", s.replace('\'', "''"))),
        "[a-z ;]{0,12}".prop_map(|s| format!("SELECT $q${s}$q$ -- trailing comment")),
        Just("CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND".to_owned()),
        Just("ALTER TYPE t ADD VALUE IF NOT EXISTS 'x'".to_owned()),
        Just("/* lead */ SELECT 1".to_owned()),
    ]
}

fn section() -> impl Strategy<Value = DraftSection> {
    (any::<bool>(), any::<bool>(), prop::collection::vec(statement(), 0..4)).prop_map(|(up, tx, statements)| {
        DraftSection::new(if up { Direction::Up } else { Direction::Down }, tx, statements)
    })
}

fn draft() -> impl Strategy<Value = Draft> {
    (revision_id(), prop::collection::btree_set(revision_id(), 0..3), "[ -~]{0,40}", prop::collection::vec(section(), 0..5))
        .prop_filter("a revision is not its own parent", |(id, parents, _, _)| !parents.contains(id))
        .prop_map(|(revision, parents, message, sections)| Draft {
            revision,
            parents: parents.into_iter().collect(),
            message: message.split_whitespace().collect::<Vec<_>>().join(" "),
            generated: false,
            sections,
        })
}

/// What a statement reads as after parsing: leading and trailing comments are not part of it.
fn expected(statement: &str) -> String {
    statement.trim_start_matches("/* lead */ ").trim_end_matches(" -- trailing comment").to_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn render_then_parse_round_trips(draft in draft()) {
        let text = draft.render();
        let parsed = match MigrationFile::parse(draft.file_name(), &text) {
            Ok(parsed) => parsed,
            Err(e) => return Err(TestCaseError::fail(format!("{e}\n{text}"))),
        };
        prop_assert_eq!(&parsed.revision, &draft.revision);
        prop_assert_eq!(&parsed.parents, &draft.parents);
        prop_assert_eq!(&parsed.message, &draft.message);
        let mut want = draft.clone();
        for s in &mut want.sections {
            s.statements = s.statements.iter().map(|st| expected(st)).collect();
        }
        prop_assert_eq!(&parsed.to_draft(), &want);
        // Rendering the parsed file gives a file with the same checksum.
        let again = MigrationFile::parse("again.sql", &parsed.render()).unwrap();
        prop_assert_eq!(again.checksum, parsed.checksum);
    }
}
