//! Writing a file so that it is either whole or absent: the one way pgshift writes a file
//! (migration files of `new`, `merge`, `seed freeze` and `adopt`, `init`'s scaffolding and its
//! `schema/schema.sql`).
//!
//! Owns: [`write_new`]. The text goes to a hidden temporary file in the same directory
//! (`.<name>.<random>.tmp`: hidden and not `.sql`, so no loader ever reads it), which is
//! fsync'd, then put in place under its real name without ever replacing an existing file (a
//! hard link, then the temporary name is removed; on a filesystem without hard links, a rename
//! after checking that the name is free), and the directory is fsync'd. On any failure the
//! temporary file is removed and nothing is left behind, so a full disk can never leave a
//! truncated migration that `history` or `upgrade` would accept.
//!
//! Must not: overwrite a file, or leave a partial one under the real name.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::HistoryError;

/// Write `bytes` to the new file `path` (its directory must exist): all of it or nothing. An
/// existing file is an error ([`HistoryError::Write`] with an `AlreadyExists` source) and is
/// left alone.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), HistoryError> {
    write_new_with(path, |file| file.write_all(bytes))
}

/// [`write_new`] with the data written by `fill` (tests inject a write that fails part-way).
#[doc(hidden)]
pub fn write_new_with(path: &Path, fill: impl FnOnce(&mut File) -> io::Result<()>) -> Result<(), HistoryError> {
    let err = |source| HistoryError::Write { path: path.to_owned(), source };
    if path.symlink_metadata().is_ok() {
        return Err(err(io::Error::new(io::ErrorKind::AlreadyExists, "the file exists")));
    }
    let Some(name) = path.file_name() else {
        return Err(err(io::Error::new(io::ErrorKind::InvalidInput, "not a file name")));
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let (tmp, mut file) = temporary(dir, &name.to_string_lossy()).map_err(err)?;
    let written = fill(&mut file).and_then(|()| file.sync_all());
    drop(file);
    let placed = written.and_then(|()| place(&tmp, path));
    // After a hard link the temporary name is a second name of the file; after a rename it is
    // gone; after a failure it is all that was written. Either way it goes.
    let _ = std::fs::remove_file(&tmp);
    placed.map_err(err)?;
    if let Err(e) = sync_dir(dir) {
        let _ = std::fs::remove_file(path);
        return Err(err(e));
    }
    Ok(())
}

/// A new hidden temporary file in `dir`.
fn temporary(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..8 {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(|e| io::Error::other(e.to_string()))?;
        let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let tmp = dir.join(format!(".{name}.{suffix}.tmp"));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// Give `tmp`'s file the name `path`, never replacing a file there.
fn place(tmp: &Path, path: &Path) -> io::Result<()> {
    match std::fs::hard_link(tmp, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        // No hard links here (some network and FUSE filesystems): rename if the name is free.
        Err(_) if path.symlink_metadata().is_ok() => {
            Err(io::Error::new(io::ErrorKind::AlreadyExists, "the file exists"))
        }
        Err(_) => std::fs::rename(tmp, path),
    }
}

/// Make the directory entry durable. Filesystems that cannot fsync a directory say so with
/// `EINVAL`; that is not a failure of the write.
fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir)?.sync_all() {
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn writes_the_whole_file_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0001_x.sql");
        write_new(&path, b"-- pgshift revision: 000000000001\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "-- pgshift revision: 000000000001\n");
        assert_eq!(entries(dir.path()), ["0001_x.sql"]);
    }

    #[test]
    fn never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sql");
        std::fs::write(&path, "mine").unwrap();
        let e = write_new(&path, b"theirs").unwrap_err();
        assert!(matches!(&e, HistoryError::Write { source, .. } if source.kind() == io::ErrorKind::AlreadyExists), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
        assert_eq!(entries(dir.path()), ["a.sql"]);
    }

    /// A disk that fills up part-way: half the text reaches the file, then the write fails
    /// with the real ENOSPC of `/dev/full`. No migration file and no temporary file remain, and
    /// the error names the path.
    #[test]
    fn a_full_disk_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("3f9a1c2b7d01_add_plans.sql");
        let text = "-- pgshift revision: 3f9a1c2b7d01\n-- parents:\n\n-- up\nCREATE TABLE public.plan (id int);\n";
        let e = write_new_with(&path, |file| {
            file.write_all(&text.as_bytes()[..text.len() / 2])?;
            let mut full = OpenOptions::new().write(true).open("/dev/full")?;
            full.write_all(text.as_bytes())?;
            full.flush()
        })
        .unwrap_err();
        assert!(matches!(&e, HistoryError::Write { source, .. } if source.raw_os_error() == Some(28)), "{e:?}");
        let message = e.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(!path.exists());
        assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope").join("a.sql");
        let e = write_new(&path, b"x").unwrap_err();
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    }
}
