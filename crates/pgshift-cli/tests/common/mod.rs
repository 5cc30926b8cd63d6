//! What the CLI tests that drive the binary in a project directory share: running `pgshift`
//! there (without `DATABASE_URL`, unless a test passes one) and checking it succeeded.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Run the `pgshift` binary in `dir` with `args`, `DATABASE_URL` unset.
pub fn pgshift(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgshift"))
        .args(args)
        .env_remove("DATABASE_URL")
        .current_dir(dir)
        .output()
        .expect("run pgshift")
}

/// Stdout and stderr of a run that must have exited 0.
pub fn ok(out: &Output) -> (String, String) {
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert_eq!(out.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    (stdout, stderr)
}
