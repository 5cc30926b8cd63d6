//! Cold start under concurrency: eight `pgshift new` started at once, on copies of one project,
//! against an empty cache directory. One initdb, one scratch server, each template built by
//! whoever gets there first (the others find it, or lose the rename race and drop their copy):
//! every process succeeds and writes the same migration.

use std::path::Path;
use std::process::{Command, Stdio};

const EXTERNALS: &str = r#"CREATE TABLE "User" (id text PRIMARY KEY);"#;

const SCHEMA: &str = r#"
CREATE TYPE status AS ENUM ('active', 'paused');
CREATE TABLE voice (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE blockvariant (
    id serial PRIMARY KEY,
    voice_id bigint NOT NULL REFERENCES voice,
    owner_id text REFERENCES "User",
    status status NOT NULL DEFAULT 'active'
);
CREATE INDEX blockvariant_voice_idx ON blockvariant (voice_id);
CREATE VIEW active_variants AS SELECT id, voice_id FROM blockvariant WHERE status = 'active';
"#;

const PROCESSES: usize = 8;

fn pgshift(dir: &Path, cache: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgshift"));
    cmd.args(args)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", cache)
        .env_remove("DATABASE_URL")
        .env_remove("PGSHIFT_SCRATCH_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// The migration without its revision header (the revision id is random per file).
fn body(text: &str) -> String {
    text.lines().filter(|l| !l.starts_with("-- pgshift revision:")).collect::<Vec<_>>().join("\n")
}

#[test]
fn eight_new_at_once_on_an_empty_cache_all_write_the_same_migration() {
    // A world-traversable cache root: as root, the scratch server runs as an unprivileged user.
    let cache = tempfile::Builder::new().prefix("pgshift-cold-").tempdir_in("/var/tmp").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(cache.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let projects: Vec<tempfile::TempDir> = (0..PROCESSES)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(dir.path().join("schema")).unwrap();
            std::fs::create_dir_all(dir.path().join("externals")).unwrap();
            std::fs::write(dir.path().join("externals/auth.sql"), EXTERNALS).unwrap();
            std::fs::write(dir.path().join("schema/app.sql"), SCHEMA).unwrap();
            dir
        })
        .collect();
    let children: Vec<_> =
        projects.iter().map(|p| pgshift(p.path(), cache.path(), &["new", "initial"]).spawn().expect("run pgshift")).collect();
    let outputs: Vec<_> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    // Stop the server this test started, whatever happened.
    let _ = pgshift(projects[0].path(), cache.path(), &["scratch", "stop"]).output();

    let mut bodies = Vec::new();
    for (i, (out, dir)) in outputs.iter().zip(&projects).enumerate() {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "process {i}:\nstdout:\n{stdout}\nstderr:\n{stderr}");
        let file = dir.path().join(stdout.trim());
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("process {i}: {}: {e}", file.display()));
        assert!(text.contains("CREATE TABLE public.blockvariant"), "{text}");
        bodies.push(body(&text));
    }
    for (i, b) in bodies.iter().enumerate().skip(1) {
        assert_eq!(b, &bodies[0], "process {i} wrote another migration than process 0");
    }
}
