//! pgshift-macros: `embed_migrations!`, migrations compiled into a service's binary.
//!
//! Owns: reading a migrations directory at compile time (relative to the calling crate's
//! `CARGO_MANIFEST_DIR`), the cheap header checks that can fail the build early (a
//! `-- pgshift revision:` line with a well-formed id before the first section, no id declared
//! twice), and the expansion to a `pgshift::Migrator` whose texts come from `include_str!`.
//!
//! Must not: depend on any pgshift crate (a proc-macro crate runs inside the compiler) or
//! parse SQL; the full checks (statements, parents, graph) run at `Migrator::upgrade`.
//! Use it through `pgshift::embed_migrations!`, never directly.
//!
//! Rebuilds: every embedded file goes through `include_str!`, so editing one rebuilds the
//! crate. *Adding or removing* a file is not seen by cargo (stable proc macros cannot track
//! a directory); add a `build.rs` with `println!("cargo:rerun-if-changed=migrations");`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, LitStr};

/// Embed every `*.sql` file directly in a directory (relative to the crate's `Cargo.toml`),
/// in file-name order, as a `pgshift::Migrator` constant expression.
///
/// ```ignore
/// static MIGRATOR: pgshift::Migrator = pgshift::embed_migrations!("migrations");
/// ```
///
/// A file without a `-- pgshift revision: <12 hex digits>` header line, or two files with the
/// same revision, fail the build with an error naming the file. Add
/// `println!("cargo:rerun-if-changed=migrations");` to `build.rs` so that a new file
/// triggers a rebuild.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    let lit = parse_macro_input!(input as LitStr);
    match expand(&lit) {
        Ok(tokens) => tokens.into(),
        Err(message) => syn::Error::new(lit.span(), message).to_compile_error().into(),
    }
}

fn expand(lit: &LitStr) -> Result<proc_macro2::TokenStream, String> {
    let rel = lit.value();
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|_| "embed_migrations!: CARGO_MANIFEST_DIR is not set; build with cargo".to_owned())?;
    expand_dir(Path::new(&manifest), &rel)
}

/// The expansion for directory `rel` of the crate at `manifest`.
fn expand_dir(manifest: &Path, rel: &str) -> Result<proc_macro2::TokenStream, String> {
    let dir = manifest.join(rel);
    let files = list(&dir)?;
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut entries = Vec::new();
    for path in files {
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let name = format!("{}/{file_name}", rel.trim_end_matches('/'));
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("embed_migrations!: cannot read {}: {e}; migration files are UTF-8 text", path.display()))?;
        let revision = header_revision(&text).map_err(|problem| format!("embed_migrations!: {name}: {problem}"))?;
        if let Some(first) = seen.insert(revision.clone(), name.clone()) {
            return Err(format!(
                "embed_migrations!: revision {revision} is declared twice: {first} and {name}; give one of them a new id"
            ));
        }
        let abs = path.to_str().ok_or_else(|| format!("embed_migrations!: {} is not a UTF-8 path", path.display()))?;
        entries.push(quote! {
            ::pgshift::EmbeddedMigration { name: #name, text: ::core::include_str!(#abs) }
        });
    }
    Ok(quote! {
        ::pgshift::Migrator::new(&[#(#entries),*])
    })
}

/// The `*.sql` files directly in `dir`, not hidden, sorted by name (as `pgshift_history::list_dir`).
fn list(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let err = |e: std::io::Error| {
        format!("embed_migrations!: cannot read the migrations directory {}: {e}; the path is relative to the crate's Cargo.toml", dir.display())
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let path = entry.map_err(err)?.path();
        let visible = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.starts_with('.'));
        if !visible || path.extension().is_none_or(|e| e != "sql") {
            continue;
        }
        // Follows links: a dangling or looping one is an error, never a skipped migration.
        let meta = std::fs::metadata(&path).map_err(|e| {
            format!(
                "embed_migrations!: cannot read {}: {e}; if it is a symbolic link, point it at the migration file or delete it",
                path.display()
            )
        })?;
        if meta.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// The revision id of the header (the comment lines before the first section), cheaply: the
/// full rules run at startup in `pgshift_history::MigrationFile::parse`.
fn header_revision(text: &str) -> Result<String, String> {
    for (index, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let Some(comment) = trimmed.strip_prefix("--") else {
            return Err(format!("line {}: SQL before the `-- pgshift revision:` header", index + 1));
        };
        let comment = comment.trim();
        if comment == "up" || comment == "down" || comment.starts_with("up:") || comment.starts_with("down:") {
            break;
        }
        if let Some(value) = comment.strip_prefix("pgshift revision:") {
            let value = value.trim();
            let ok = value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !ok {
                return Err(format!(
                    "line {}: `{value}` is not a revision id; a revision id is 12 lowercase hex digits",
                    index + 1
                ));
            }
            return Ok(value.to_owned());
        }
    }
    Err("no `-- pgshift revision: <id>` line before the first section; add one (`pgshift new` writes it)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let root = std::env::temp_dir().join(format!("pgshift-macros-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("migrations")).unwrap();
        for (file, text) in files {
            std::fs::write(root.join("migrations").join(file), text).unwrap();
        }
        root
    }

    #[test]
    fn headers_are_checked_cheaply() {
        assert_eq!(header_revision("-- pgshift revision: 3f9a1c2b7d01\n-- up\nselect 1;").unwrap(), "3f9a1c2b7d01");
        assert_eq!(header_revision("\u{feff}\n-- a comment\n--pgshift revision:  3f9a1c2b7d01 \n").unwrap(), "3f9a1c2b7d01");
        assert!(header_revision("-- up\n-- pgshift revision: 3f9a1c2b7d01\n").unwrap_err().contains("no `-- pgshift revision"));
        assert!(header_revision("-- up: no transaction\n").is_err());
        assert!(header_revision("select 1;\n").unwrap_err().starts_with("line 1: SQL before"));
        assert!(header_revision("-- pgshift revision: 3F9A1C2B7D01\n").unwrap_err().contains("not a revision id"));
    }

    #[test]
    fn a_directory_expands_in_name_order_and_skips_other_files() {
        let root = fixture(
            "ok",
            &[
                ("b.sql", "-- pgshift revision: bbbbbbbbbbbb\n-- up\n"),
                ("a.sql", "-- pgshift revision: aaaaaaaaaaaa\n-- up\n"),
                (".hidden.sql", "nope"),
                ("README.md", "nope"),
            ],
        );
        let out = expand_dir(&root, "migrations").unwrap().to_string();
        let a = out.find("\"migrations/a.sql\"").unwrap();
        let b = out.find("\"migrations/b.sql\"").unwrap();
        assert!(a < b, "{out}");
        assert!(out.contains("include_str"), "{out}");
        assert!(!out.contains("hidden") && !out.contains("README"), "{out}");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn bad_files_and_directories_name_themselves() {
        let root = fixture("bad", &[("0001_x.sql", "-- message: x\n-- up\nselect 1;\n")]);
        let err = expand_dir(&root, "migrations").unwrap_err();
        assert!(err.starts_with("embed_migrations!: migrations/0001_x.sql: no `-- pgshift revision"), "{err}");
        let err = expand_dir(&root, "nowhere").unwrap_err();
        assert!(err.contains("cannot read the migrations directory") && err.contains("nowhere"), "{err}");
        std::fs::remove_dir_all(root).unwrap();

        let root = fixture(
            "dup",
            &[("a.sql", "-- pgshift revision: aaaaaaaaaaaa\n"), ("b.sql", "-- pgshift revision: aaaaaaaaaaaa\n")],
        );
        let err = expand_dir(&root, "migrations").unwrap_err();
        assert!(err.contains("declared twice: migrations/a.sql and migrations/b.sql"), "{err}");
        std::fs::remove_dir_all(root).unwrap();
    }
}
