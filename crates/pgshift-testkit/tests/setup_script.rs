//! `scripts/setup.sh`'s detection, on fake directory trees: it must find exactly the libclang
//! that clang-sys (bindgen's loader) accepts, and initdb with postgres, and nothing else.

use std::path::{Path, PathBuf};
use std::process::Command;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/setup.sh").canonicalize().unwrap()
}

/// A fake root holding `files` (relative paths; a trailing `*` makes the file executable).
fn tree(files: &[&str]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    for f in files {
        let (path, exec) = match f.strip_suffix('*') {
            Some(p) => (p, true),
            None => (*f, false),
        };
        let full = root.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, b"").unwrap();
        if exec {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&full, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    root
}

fn detect(root: &Path) -> String {
    let out = Command::new("bash")
        .arg(script())
        .arg("--detect")
        .env("PGSHIFT_SETUP_ROOT", root)
        .env_remove("LIBCLANG_PATH")
        .env_remove("PGSHIFT_PG_BINDIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

const PG: &[&str] = &["usr/lib/postgresql/15/bin/initdb*", "usr/lib/postgresql/15/bin/postgres*"];

fn with_pg(more: &[&str]) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = PG.to_vec();
    v.extend(more.iter().map(|s| &*Box::leak(s.to_string().into_boxed_str())));
    v
}

#[test]
fn libclang_cpp_alone_is_not_libclang() {
    let root = tree(&with_pg(&["usr/lib/llvm-14/lib/libclang-cpp.so.14", "usr/lib/x86_64-linux-gnu/libclang-cpp.so.14"]));
    let out = detect(root.path());
    assert!(out.contains("libclang: missing (would install libclang-dev)"), "{out}");
    assert!(out.contains("postgresql: present"), "{out}");
}

#[test]
fn versioned_libclang_is_found() {
    for name in [
        "usr/lib/x86_64-linux-gnu/libclang-14.so.1",
        "usr/lib/llvm-14/lib/libclang.so.1",
        "usr/lib/llvm-16/lib/libclang.so",
        "usr/lib/llvm-14/lib/libclang-14.0.6.so",
    ] {
        let root = tree(&with_pg(&["usr/lib/llvm-14/lib/libclang-cpp.so.14", name]));
        let out = detect(root.path());
        assert!(out.contains("libclang: present"), "{name}: {out}");
        assert!(out.contains(name), "{name}: {out}");
    }
}

#[test]
fn postgres_needs_both_initdb_and_postgres() {
    let root = tree(&["usr/lib/postgresql/15/bin/initdb*", "usr/lib/x86_64-linux-gnu/libclang-14.so.1"]);
    let out = detect(root.path());
    assert!(out.contains("postgresql: missing"), "{out}");
    // Not executable: not a server either.
    let root = tree(&["usr/lib/postgresql/15/bin/initdb", "usr/lib/postgresql/15/bin/postgres"]);
    assert!(detect(root.path()).contains("postgresql: missing"));
    // The highest version with both wins.
    let root = tree(&with_pg(&["usr/lib/postgresql/16/bin/initdb*", "usr/lib/postgresql/17/bin/initdb*", "usr/lib/postgresql/17/bin/postgres*"]));
    assert!(detect(root.path()).contains("postgresql/17/bin"), "{}", detect(root.path()));
}
