//! Tidy: the conventions of ARCHITECTURE.md, checked inside `cargo test`.
//!
//! * every Rust source file of a crate starts with a `//!` doc saying what it owns;
//! * dependencies between pgshift crates flow one way (the layer table below);
//! * only the cli knows terminals (`clap`, `serde_json`);
//! * no stub macros (`todo!`, `unimplemented!`) in library or binary code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// For each crate, the pgshift crates it may depend on (normal dependencies).
const ALLOWED: &[(&str, &[&str])] = &[
    ("pgshift-catalog", &[]),
    ("pgshift-inspect", &["pgshift-catalog"]),
    ("pgshift-scratch", &["pgshift-catalog"]),
    ("pgshift-source", &[]),
    ("pgshift-history", &["pgshift-catalog"]),
    ("pgshift-testkit", &["pgshift-scratch"]),
    ("pgshift-diff", &["pgshift-catalog"]),
    ("pgshift-plan", &["pgshift-catalog", "pgshift-diff"]),
    ("pgshift-macros", &[]),
    // The facade runs the consent check of `pgshift-lint` (destructive statements of generated
    // migrations need their recorded consent) before the engine applies anything.
    ("pgshift", &["pgshift-history", "pgshift-macros", "pgshift-lint", "pgshift-connect"]),
    ("pgshift-connect", &[]),
    ("pgshift-project", &["pgshift-catalog", "pgshift-inspect", "pgshift-scratch", "pgshift-source", "pgshift-diff", "pgshift-plan", "pgshift-history", "pgshift-lint"]),
    ("pgshift-refdata", &["pgshift-catalog", "pgshift-history"]),
    ("pgshift-lint", &["pgshift-catalog", "pgshift-history"]),
    ("pgshift-cli", &["pgshift-connect", "pgshift-project", "pgshift-catalog", "pgshift-inspect", "pgshift-scratch", "pgshift-source", "pgshift-diff", "pgshift-plan", "pgshift-history", "pgshift-refdata", "pgshift-lint"]),
];

/// Crates that belong to the terminal edge only.
const CLI_ONLY: &[&str] = &["clap", "indicatif"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn crates() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(workspace().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Cargo.toml").exists())
        .collect();
    dirs.sort();
    dirs
}

/// Names in the `[dependencies]` table of a manifest (not dev-dependencies).
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut deps = Vec::new();
    let mut in_deps = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps {
            if let Some((name, _)) = line.split_once('=') {
                let name = name.trim().trim_end_matches(".workspace").to_owned();
                if !name.is_empty() && !name.starts_with('#') {
                    deps.push(name);
                }
            }
        }
    }
    deps
}

#[test]
fn pgshift_crates_depend_one_way() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    for dir in crates() {
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let Some(ok) = allowed.get(name.as_str()) else {
            panic!("crate {name} is not in tidy.rs's layer table: add it with the crates it may use");
        };
        for dep in dependencies(&dir.join("Cargo.toml")) {
            if dep.starts_with("pgshift") {
                assert!(ok.contains(&dep.as_str()), "{name} must not depend on {dep} (see ARCHITECTURE.md)");
            }
            if CLI_ONLY.contains(&dep.as_str()) {
                assert_eq!(name, "pgshift-cli", "{name} must not depend on {dep}: only the cli knows terminals");
            }
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_source_file_says_what_it_owns() {
    let mut missing = Vec::new();
    for dir in crates() {
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            if !text.trim_start().starts_with("//!") {
                missing.push(file.display().to_string());
            }
        }
    }
    assert!(missing.is_empty(), "files without a `//!` module doc: {missing:#?}");
}

#[test]
fn no_stubs_in_shipped_code() {
    let mut found = Vec::new();
    for dir in crates() {
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (i, line) in text.lines().enumerate() {
                if line.contains(concat!("todo", "!(")) || line.contains(concat!("unimplemented", "!(")) {
                    found.push(format!("{}:{}", file.display(), i + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "stubs left in code: {found:#?}");
}
