//! Checksums: harmless edits keep them, token edits change them.

use pgshift_history::{Checksum, MigrationFile};

const BASE: &str = "\
-- pgshift revision: 3f9a1c2b7d01
-- parents: 1a82735db431, 2b82735db431
-- message: add usage multiplier

-- up
ALTER TABLE ttsmodel ADD COLUMN usage_multiplier double precision NOT NULL DEFAULT 1.0;
UPDATE ttsmodel SET note = 'a  b;c' WHERE id = 1;
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$
  SELECT 1
$$;

-- up: no transaction
ALTER TYPE usagetype ADD VALUE IF NOT EXISTS 'ocr_tokens';

-- down
ALTER TABLE ttsmodel DROP COLUMN usage_multiplier;
";

fn sum(text: &str) -> Checksum {
    match MigrationFile::parse("m.sql", text) {
        Ok(f) => f.checksum,
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn assert_same(edited: &str) {
    assert_eq!(sum(BASE), sum(edited), "a harmless edit changed the checksum:\n{edited}");
}

fn assert_changed(edited: &str) {
    assert_ne!(sum(BASE), sum(edited), "an edit kept the checksum:\n{edited}");
}

#[test]
fn harmless_edits_keep_the_checksum() {
    // Comments, anywhere.
    assert_same(&BASE.replace("-- up\n", "-- up\n-- adds the column\n/* and a block\ncomment */\n"));
    assert_same(&BASE.replace("NOT NULL DEFAULT 1.0;", "NOT NULL /* why */ DEFAULT 1.0; -- trailing"));
    assert_same(&BASE.replace("-- message: add usage multiplier\n", "-- message: add usage multiplier\n-- reviewed by ana\n"));
    // Whitespace and re-indentation between tokens.
    assert_same(&BASE.replace("ALTER TABLE ttsmodel ADD COLUMN", "ALTER   TABLE\n    ttsmodel\tADD COLUMN"));
    assert_same(&BASE.replace("\n\n", "\n\n\n\n"));
    assert_same(&BASE.replace("WHERE id = 1", "WHERE id=1"));
    // Line endings, also inside a dollar-quoted body.
    assert_same(&BASE.replace('\n', "\r\n"));
    // The optional semicolon after the last statement of a section, and empty statements.
    assert_same(&BASE.replace("usage_multiplier;\n", "usage_multiplier\n"));
    assert_same(&BASE.replace("WHERE id = 1;", "WHERE id = 1;;"));
    // The message, and the order of the parents.
    assert_same(&BASE.replace("add usage multiplier", "Add the usage multiplier (reworded)"));
    assert_same(&BASE.replace("1a82735db431, 2b82735db431", "2b82735db431,1a82735db431"));
    // A byte-order mark.
    assert_same(&format!("\u{feff}{BASE}"));
}

#[test]
fn token_edits_change_the_checksum() {
    // A literal, inside a string too.
    assert_changed(&BASE.replace("DEFAULT 1.0", "DEFAULT 2.0"));
    assert_changed(&BASE.replace("'a  b;c'", "'a b;c'"));
    assert_changed(&BASE.replace("'ocr_tokens'", "'ocr_token'"));
    // An identifier, a keyword, the case of a keyword.
    assert_changed(&BASE.replace("ADD COLUMN usage_multiplier", "ADD COLUMN usage_multiplier2"));
    assert_changed(&BASE.replace("double precision", "real"));
    assert_changed(&BASE.replace("IF NOT EXISTS ", ""));
    assert_changed(&BASE.replace("UPDATE ttsmodel", "update ttsmodel"));
    // A dollar-quoted body.
    assert_changed(&BASE.replace("  SELECT 1\n", "  SELECT 2\n"));
    // The order of statements.
    let a = "ALTER TABLE ttsmodel ADD COLUMN usage_multiplier double precision NOT NULL DEFAULT 1.0;";
    let b = "UPDATE ttsmodel SET note = 'a  b;c' WHERE id = 1;";
    assert_changed(&BASE.replace(&format!("{a}\n{b}"), &format!("{b}\n{a}")));
    // Splitting one statement into two.
    assert_changed(&BASE.replace("NOT NULL DEFAULT 1.0;", "NOT NULL; SELECT DEFAULT 1.0;").replace("SELECT DEFAULT", "SELECT"));
    // A section's kind, or moving a statement to another section.
    assert_changed(&BASE.replace("-- up: no transaction", "-- up"));
    assert_changed(&BASE.replace("-- down\n", "-- down: no transaction\n"));
    assert_changed(&BASE.replace("\n-- up: no transaction\n", "\n"));
    // Dropping the down section.
    assert_changed(BASE.split("-- down").next().unwrap());
    // The parents and the revision id.
    assert_changed(&BASE.replace(", 2b82735db431", ""));
    assert_changed(&BASE.replace("3f9a1c2b7d01", "3f9a1c2b7d02"));
}

#[test]
fn the_checksum_is_stable_across_versions() {
    // The ledger keeps checksums forever: this value must never change for this text.
    // (If the normal form must change, bump its version line in checksum.rs.)
    assert_eq!(sum(BASE).to_hex(), sum(BASE).to_string());
    insta::assert_snapshot!(sum(BASE).to_hex(), @"f24535f8d9fa760db9d0b9d5378e3a9b54a5e0b6842f605e79c488a61a643972");
}
