//! The canonical text of a new revision, snapshotted.

use pgshift_history::{Direction, Draft, DraftSection, MigrationFile, RevisionId};

#[test]
fn a_rendered_revision() {
    let draft = Draft {
        revision: RevisionId::new("3f9a1c2b7d01").unwrap(),
        parents: vec![RevisionId::new("1a82735db431").unwrap(), RevisionId::new("2b82735db431").unwrap()],
        message: "add usage multiplier\nto ttsmodel".to_owned(),
        generated: false,
        sections: vec![
            DraftSection::new(
                Direction::Up,
                true,
                vec![
                    "ALTER TABLE ttsmodel ADD COLUMN usage_multiplier double precision NOT NULL DEFAULT 1.0;".to_owned(),
                    "SELECT 1 -- ends in a comment".to_owned(),
                ],
            ),
            DraftSection::new(Direction::Up, false, vec!["ALTER TYPE usagetype ADD VALUE IF NOT EXISTS 'ocr_tokens'".to_owned()]),
            DraftSection::new(Direction::Down, true, vec!["ALTER TABLE ttsmodel DROP COLUMN usage_multiplier".to_owned()]),
        ],
    };
    assert_eq!(draft.file_name(), "3f9a1c2b7d01_add_usage_multiplier_to_ttsmodel.sql");
    let text = draft.render();
    insta::assert_snapshot!(text);
    let parsed = MigrationFile::parse(draft.file_name(), &text).unwrap();
    assert_eq!(parsed.message, "add usage multiplier to ttsmodel");
    assert_eq!(parsed.render(), text.replace("SELECT 1 -- ends in a comment\n;", "SELECT 1;"));
}

#[test]
fn a_new_empty_root_revision() {
    let mut draft = Draft::new(Vec::new(), "init");
    draft.sections = vec![DraftSection::new(Direction::Up, true, Vec::new()), DraftSection::new(Direction::Down, true, Vec::new())];
    let text = draft.render();
    assert_eq!(text, format!("-- pgshift revision: {}\n-- parents:\n-- message: init\n\n-- up\n\n-- down\n", draft.revision));
    let parsed = MigrationFile::parse("x.sql", &text).unwrap();
    assert!(parsed.is_root() && parsed.sections.iter().all(|s| s.statements.is_empty()));
}
