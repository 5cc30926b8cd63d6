//! Discovery of PostgreSQL binaries.

use std::path::PathBuf;

use pgshift_scratch::{find_binaries, BinarySearch, ScratchError};

#[test]
fn finds_installed_postgres() {
    let b = find_binaries(&BinarySearch::from_env()).expect("binaries");
    assert!(b.bindir.join("initdb").is_file(), "{b:?}");
    assert!(b.major >= 12, "{b:?}");
    if std::path::Path::new("/usr/lib/postgresql/15/bin/initdb").exists()
        && std::env::var_os("PGSHIFT_PG_BINDIR").is_none()
    {
        assert_eq!(b.bindir, PathBuf::from("/usr/lib/postgresql/15/bin"));
        assert_eq!(b.major, 15);
    }
}

#[test]
fn lib_root_without_pg_config_or_path() {
    if !std::path::Path::new("/usr/lib/postgresql").is_dir() {
        eprintln!("no /usr/lib/postgresql here; nothing to check");
        return;
    }
    let empty = tempfile::tempdir().unwrap();
    let b = find_binaries(&BinarySearch {
        explicit: None,
        use_pg_config: false,
        lib_root: "/usr/lib/postgresql".into(),
        path: Some(empty.path().as_os_str().to_owned()),
        major: None,
        installed: None,
    })
    .expect("binaries");
    assert!(b.bindir.starts_with("/usr/lib/postgresql"));
}

#[test]
fn nothing_found_names_package_and_env_var() {
    let lib = tempfile::tempdir().unwrap();
    let path = tempfile::tempdir().unwrap();
    let err = find_binaries(&BinarySearch {
        explicit: None,
        use_pg_config: false,
        lib_root: lib.path().to_path_buf(),
        path: Some(path.path().as_os_str().to_owned()),
        major: None,
        installed: None,
    })
    .unwrap_err();
    assert!(
        matches!(err, ScratchError::BinariesNotFound { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("apt-get install -y postgresql"), "{msg}");
    assert!(msg.contains("PGSHIFT_PG_BINDIR"), "{msg}");
    assert!(msg.contains(&lib.path().display().to_string()), "{msg}");
}

#[test]
fn explicit_bindir_without_initdb_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = find_binaries(&BinarySearch {
        explicit: Some(dir.path().to_path_buf()),
        use_pg_config: true,
        lib_root: "/usr/lib/postgresql".into(),
        path: std::env::var_os("PATH"),
        major: None,
        installed: None,
    })
    .unwrap_err();
    assert!(
        matches!(err, ScratchError::BinDirIncomplete { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
    assert!(msg.contains("initdb"), "{msg}");
    assert!(msg.contains("PGSHIFT_PG_BINDIR"), "{msg}");
}
