//! Parsing migration files: header, sections, statements, and every error with its file:line.

use pgshift_history::{Direction, HistoryError, MigrationFile, RevisionId};

fn parse(text: &str) -> Result<MigrationFile, HistoryError> {
    MigrationFile::parse("migrations/3f9a_add.sql", text)
}

fn ok(text: &str) -> MigrationFile {
    match parse(text) {
        Ok(f) => f,
        Err(e) => panic!("{e}"),
    }
}

fn err(text: &str) -> String {
    match parse(text) {
        Ok(f) => panic!("parsed: {f:?}"),
        Err(e) => e.to_string(),
    }
}

fn id(s: &str) -> RevisionId {
    RevisionId::new(s).unwrap()
}

const DESIGN_EXAMPLE: &str = "\
-- pgshift revision: 3f9a1c2b7d01
-- parents: 1a82735db431
-- message: add usage multiplier to ttsmodel

-- up
ALTER TABLE ttsmodel ADD COLUMN usage_multiplier double precision NOT NULL DEFAULT 1.0;

-- up: no transaction
ALTER TYPE usagetype ADD VALUE IF NOT EXISTS 'ocr_tokens';

-- down
ALTER TABLE ttsmodel DROP COLUMN usage_multiplier;
";

#[test]
fn the_design_example() {
    let f = ok(DESIGN_EXAMPLE);
    assert_eq!(f.revision, id("3f9a1c2b7d01"));
    assert_eq!(f.revision_line, 1);
    assert_eq!(f.parents, vec![id("1a82735db431")]);
    assert_eq!(f.parents_line, Some(2));
    assert_eq!(f.message, "add usage multiplier to ttsmodel");
    let kinds: Vec<(Direction, bool, usize)> = f.sections.iter().map(|s| (s.direction, s.transactional, s.line)).collect();
    assert_eq!(kinds, [(Direction::Up, true, 5), (Direction::Up, false, 8), (Direction::Down, true, 11)]);
    let s = &f.sections[1].statements[0];
    assert_eq!(s.sql, "ALTER TYPE usagetype ADD VALUE IF NOT EXISTS 'ocr_tokens'");
    assert_eq!((s.line, s.column), (9, 1));
    assert_eq!(f.sections[2].statements[0].line, 12);
    assert!(f.has_down() && !f.is_root() && !f.is_merge());
    assert_eq!(f.checksum.to_hex().len(), 64);
}

#[test]
fn every_section_kind_and_order_is_kept() {
    let f = ok("-- pgshift revision: 000000000001\n\
                -- down: no transaction\nselect 4;\n\
                -- up\nselect 1;\n\
                -- down\nselect 3;\n\
                -- up: no transaction\nselect 2;\n\
                -- up\n");
    let kinds: Vec<&str> = f.sections.iter().map(|s| s.marker()).collect();
    assert_eq!(kinds, ["-- down: no transaction", "-- up", "-- down", "-- up: no transaction", "-- up"]);
    assert!(f.sections[4].statements.is_empty());
    let up: Vec<&str> = f.sections(Direction::Up).flat_map(|s| &s.statements).map(|s| s.sql.as_str()).collect();
    assert_eq!(up, ["select 1", "select 2"]);
}

#[test]
fn root_merge_and_optional_header_lines() {
    let root = ok("-- pgshift revision: 000000000001\n-- up\nselect 1;\n");
    assert!(root.is_root() && root.parents_line.is_none() && root.message.is_empty());
    let root = ok("-- pgshift revision: 000000000001\n-- parents:\n-- message:\n-- up\n");
    assert!(root.is_root() && root.sections[0].statements.is_empty());
    let merge = ok("-- A comment first.\n\n-- message: join: the two branches\n--   Note: plain comment\n\
                    -- Parents: aaaaaaaaaaaa,bbbbbbbbbbbb , cccccccccccc\n-- PGSHIFT  Revision: 000000000001\n");
    assert_eq!(merge.parents, vec![id("aaaaaaaaaaaa"), id("bbbbbbbbbbbb"), id("cccccccccccc")]);
    assert!(merge.is_merge());
    assert_eq!(merge.message, "join: the two branches");
    assert_eq!(merge.revision_line, 6);
    assert!(merge.sections.is_empty());
}

#[test]
fn statements_split_with_the_real_parser() {
    let text = "-- pgshift revision: 000000000001
-- up
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$
BEGIN
  -- down
  RETURN 1; -- a semicolon; in a comment
END $body$;
/* a block
-- up: nonsense
comment */ INSERT INTO t VALUES ('a;b', E'c\\';d', $$;$$);
  CREATE FUNCTION g() RETURNS int LANGUAGE sql
  BEGIN ATOMIC
    SELECT 1;
    SELECT 2;
  END;
CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END
";
    let f = ok(text);
    assert_eq!(f.sections.len(), 1);
    let st = &f.sections[0].statements;
    assert_eq!(st.len(), 4, "{st:#?}");
    assert!(st[0].sql.starts_with("CREATE FUNCTION f()") && st[0].sql.ends_with("END $body$"));
    assert_eq!((st[0].line, st[0].column), (3, 1));
    assert_eq!(st[1].sql, "INSERT INTO t VALUES ('a;b', E'c\\';d', $$;$$)");
    assert_eq!((st[1].line, st[1].column), (10, 12));
    assert!(st[2].sql.starts_with("CREATE FUNCTION g()") && st[2].sql.ends_with("END"));
    assert_eq!((st[2].line, st[2].column), (11, 3));
    assert_eq!(st[3].line, 16);
    assert!(st[3].sql.ends_with("END"));
    // A position inside a statement maps back to the file.
    assert_eq!(st[2].position(0), (11, 3));
    let at = st[2].sql.find("SELECT 2").unwrap();
    assert_eq!(st[2].position(st[2].sql[..at].chars().count()), (14, 5));
}

#[test]
fn crlf_files_and_byte_order_marks() {
    let lf = ok(DESIGN_EXAMPLE);
    let crlf = ok(&DESIGN_EXAMPLE.replace('\n', "\r\n"));
    assert_eq!(lf.sections, crlf.sections);
    assert_eq!(lf.message, crlf.message);
    let bom = ok(&format!("\u{feff}{DESIGN_EXAMPLE}"));
    assert_eq!(bom.revision, lf.revision);
    assert_eq!(bom.sections, lf.sections);
}

#[test]
fn unicode_columns_count_characters() {
    let f = ok("-- pgshift revision: 000000000001\n-- up\n/* ééé */ select 'ü';\n");
    assert_eq!((f.sections[0].statements[0].line, f.sections[0].statements[0].column), (3, 11));
}

#[test]
fn unknown_sections() {
    for (line, expect) in [
        ("-- up: notransaction", "migrations/3f9a_add.sql:3: unknown section `-- up: notransaction`; use `-- up`, `-- up: no transaction`, `-- down` or `-- down: no transaction`"),
        ("-- down:x", "migrations/3f9a_add.sql:3: unknown section `-- down:x`"),
        ("--up", "migrations/3f9a_add.sql:3: unknown section `--up`"),
        ("-- UP", "migrations/3f9a_add.sql:3: unknown section `-- UP`"),
        ("  -- down: no  transaction  ", "migrations/3f9a_add.sql:3: unknown section `-- down: no  transaction`"),
        ("-- up -- more", "migrations/3f9a_add.sql:3: unknown section `-- up -- more`"),
    ] {
        let e = err(&format!("-- pgshift revision: 000000000001\n-- up\n{line}\nselect 1;\n"));
        assert!(e.starts_with(expect), "{line}: {e}");
    }
    // Words that merely start with up/down are comments.
    let f = ok("-- pgshift revision: 000000000001\n-- up\n-- update the counters\n-- downtime: none\nselect 1;\n");
    assert_eq!(f.sections.len(), 1);
    // Marker-like lines inside a string are SQL.
    let f = ok("-- pgshift revision: 000000000001\n-- up\nselect '\n-- down\n';\n");
    assert_eq!(f.sections.len(), 1);
    assert_eq!(f.sections[0].statements[0].sql, "select '\n-- down\n'");
}

#[test]
fn header_errors() {
    let e = err("-- message: no id\n-- up\nselect 1;\n");
    assert_eq!(
        e,
        "migrations/3f9a_add.sql:1: no `-- pgshift revision: <id>` line before the first section; add one with 12 lowercase hex digits (`pgshift new` writes it for you)"
    );
    let e = err("-- up\n-- pgshift revision: 000000000001\nselect 1;\n");
    assert!(e.starts_with("migrations/3f9a_add.sql:1: no `-- pgshift revision"), "{e}");

    let e = err("-- pgshift revision: 3F9A1C2B7D01\n");
    assert!(e.starts_with("migrations/3f9a_add.sql:1: `3F9A1C2B7D01` is not a revision id; a revision id is 12 lowercase hex digits"), "{e}");
    let e = err("-- pgshift revision: 000000000001\n-- parents: 000000000002, nope\n");
    assert!(e.starts_with("migrations/3f9a_add.sql:2: `nope` is not a revision id"), "{e}");
    let e = err("-- pgshift revision: 000000000001\n-- parents: 000000000002,\n");
    assert!(e.starts_with("migrations/3f9a_add.sql:2: `` is not a revision id"), "{e}");
    let e = err("-- pgshift revision: 000000000001\n-- parents: 000000000002, 000000000002\n");
    assert_eq!(e, "migrations/3f9a_add.sql:2: parent 000000000002 is listed twice; list each parent once, separated by commas");
    let e = err("-- pgshift revision: 000000000001\n-- parents: 000000000001\n");
    assert!(e.starts_with("migrations/3f9a_add.sql:2: revision 000000000001 lists itself as a parent"), "{e}");

    let e = err("-- pgshift revision: 000000000001\n-- message: a\n\n-- message: b\n");
    assert_eq!(e, "migrations/3f9a_add.sql:4: `-- message:` appears twice (first on line 2); keep one");
    let e = err("-- pgshift revision: 000000000001\n-- pgshift revision: 000000000002\n");
    assert!(e.starts_with("migrations/3f9a_add.sql:2: `-- pgshift revision:` appears twice (first on line 1)"), "{e}");
    let e = err("-- pgshift revision: 000000000001\n-- parents:\n-- parents: 000000000002\n");
    assert!(e.starts_with("migrations/3f9a_add.sql:3: `-- parents:` appears twice"), "{e}");

    for key in ["pgshift revisions", "pgshift parent", "pgshift", "parent", "revision"] {
        let e = err(&format!("-- pgshift revision: 000000000001\n-- {key}: 000000000002\n"));
        assert_eq!(
            e,
            format!("migrations/3f9a_add.sql:2: unknown header key `{key}`; the header keys are `pgshift revision`, `parents` and `message`")
        );
    }
}

#[test]
fn sql_outside_a_section() {
    let e = err("-- pgshift revision: 000000000001\n\nselect 1;\n-- up\n");
    assert_eq!(e, "migrations/3f9a_add.sql:3: SQL before the first section; put it under a `-- up` (or `-- down`) line");
    let e = err("select 1;");
    assert!(e.starts_with("migrations/3f9a_add.sql:1: SQL before"), "{e}");
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let text = "-- pgshift revision: 000000000001\n-- up\nselect 1;\n\n  selec 2;\n-- down\nselect 3;\n";
    assert_eq!(
        err(text),
        "migrations/3f9a_add.sql:5:3: syntax error at or near \"selec\" (in the `-- up` section at line 2); fix the SQL and run the command again"
    );
    let text = "-- pgshift revision: 000000000001\n-- up\nselect 1;\n-- down: no transaction\nselect 1;\ncreate table t (\n  a int,\n  b int,\n);\n";
    assert_eq!(
        err(text),
        "migrations/3f9a_add.sql:9:1: syntax error at or near \")\" (in the `-- down: no transaction` section at line 4); fix the SQL and run the command again"
    );
    let text = "-- pgshift revision: 000000000001\n-- up\nselect 1;\nselect 'unterminated\n\n\n";
    let e = err(text);
    assert!(e.starts_with("migrations/3f9a_add.sql:4:8: unterminated quoted string at or near \"'unterminated…\""), "{e}");
    let text = "-- pgshift revision: 000000000001\n-- up\nselect 1;\nselect $$ never closed\n";
    assert!(err(text).starts_with("migrations/3f9a_add.sql:4:8: unterminated dollar-quoted string"), "{}", err(text));
    let text = "-- pgshift revision: 000000000001\n-- up\nselect 1;\ncreate table t (a int\n\n";
    assert!(err(text).starts_with("migrations/3f9a_add.sql:4:1: syntax error at end of input"), "{}", err(text));
    let text = "-- pgshift revision: 000000000001\n-- up\n/* never closed\nselect 1;\n";
    assert!(err(text).starts_with("migrations/3f9a_add.sql:3:1: unterminated /* comment"), "{}", err(text));
}

#[test]
fn nul_bytes_and_non_utf8_files() {
    let e = err("-- pgshift revision: 000000000001\n-- up\nselect '\0';\n");
    assert!(e.starts_with("migrations/3f9a_add.sql:3: the file contains a NUL byte"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.sql");
    std::fs::write(&path, b"-- pgshift revision: 000000000001\n-- up\nselect '\xff';\n").unwrap();
    let e = MigrationFile::read(&path).unwrap_err().to_string();
    assert!(e.ends_with("x.sql:3: the file is not UTF-8 text; save it as UTF-8"), "{e}");
}

#[test]
fn load_dir_reads_sql_files_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.sql"), "-- pgshift revision: 00000000000b\n-- parents: 00000000000a\n").unwrap();
    std::fs::write(dir.path().join("a.sql"), "-- pgshift revision: 00000000000a\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not sql").unwrap();
    std::fs::write(dir.path().join(".#a.sql"), "editor lock").unwrap();
    std::fs::create_dir(dir.path().join("sub.sql")).unwrap();
    let files = pgshift_history::load_dir(dir.path()).unwrap();
    let ids: Vec<&str> = files.iter().map(|f| f.revision.as_str()).collect();
    assert_eq!(ids, ["00000000000a", "00000000000b"]);
    assert!(pgshift_history::load_dir(dir.path().join("missing")).unwrap_err().to_string().starts_with("cannot read"));
    let empty = tempfile::tempdir().unwrap();
    assert!(pgshift_history::load_dir(empty.path()).unwrap().is_empty());
}

#[test]
fn dangling_and_looping_links_are_errors_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.sql"), "-- pgshift revision: 00000000000a\n").unwrap();
    let target = tempfile::tempdir().unwrap();
    std::fs::write(target.path().join("b.sql"), "-- pgshift revision: 00000000000b\n-- parents: 00000000000a\n").unwrap();
    std::os::unix::fs::symlink(target.path().join("b.sql"), dir.path().join("b.sql")).unwrap();
    assert_eq!(pgshift_history::load_dir(dir.path()).unwrap().len(), 2, "a link to a file is read");

    std::fs::remove_file(target.path().join("b.sql")).unwrap();
    let e = pgshift_history::load_dir(dir.path()).unwrap_err();
    assert!(matches!(&e, HistoryError::BrokenLink { path, .. } if path.ends_with("b.sql")), "{e:?}");
    let text = e.to_string();
    assert!(text.contains(&dir.path().join("b.sql").display().to_string()) && text.contains("delete it"), "{text}");

    std::fs::remove_file(dir.path().join("b.sql")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("c.sql"), dir.path().join("b.sql")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("b.sql"), dir.path().join("c.sql")).unwrap();
    let e = pgshift_history::list_dir(dir.path()).unwrap_err();
    assert!(matches!(&e, HistoryError::BrokenLink { source, .. } if source.raw_os_error() == Some(40)), "{e:?}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = format!("-- pgshift revision: 000000000001\n-- up\nselect {}1{};\n", "(".repeat(100_000), ")".repeat(100_000));
    let e = err(&text);
    assert!(e.starts_with("migrations/3f9a_add.sql:3:"), "{}", &e[..e.len().min(300)]);
}

#[test]
fn the_header_reads_without_the_sql() {
    use pgshift_history::read_header;
    let text = "\u{feff}-- pgshift revision: 3f9a1c2b7d01\n-- a comment\n-- parents: 1a82735db431, 2b82735db431\n-- message: hi\n\n-- up\nthis is not SQL at all;\n";
    let h = read_header("x.sql", text).unwrap();
    assert_eq!(h.revision.as_str(), "3f9a1c2b7d01");
    assert_eq!(h.parents.len(), 2);
    assert_eq!(h.message, "hi");
    assert!(read_header("x.sql", "-- parents:\n-- up\n").is_err());
    assert!(read_header("x.sql", "-- pgshift revision: 3f9a1c2b7d01\nSELECT 1;\n").is_err());
    assert!(read_header("x.sql", "-- pgshift revison: 3f9a1c2b7d01\n").is_err());
}
