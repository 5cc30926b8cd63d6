//! Embedded cluster lifecycle against a real PostgreSQL: concurrent starts,
//! SIGKILL recovery, privilege dropping, failed initdb, stop/status.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{postmaster_pid, postmasters_for, rt, Private};
use pgshift_scratch::{ScratchConfig, ScratchError, ScratchServer, StopOutcome};

#[test]
fn concurrent_ensure_shares_one_server() {
    let p = Private::new();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let config = p.config.clone();
            std::thread::spawn(move || rt().block_on(ScratchServer::ensure(&config)))
        })
        .collect();
    let servers: Vec<ScratchServer> = threads
        .into_iter()
        .map(|t| t.join().expect("thread").expect("ensure"))
        .collect();
    let data = servers[0].data_dir().expect("embedded").to_path_buf();
    for s in &servers {
        assert_eq!(s.data_dir(), Some(data.as_path()));
        assert_eq!(s.url("postgres"), servers[0].url("postgres"));
    }
    let pms = postmasters_for(&data);
    assert_eq!(pms.len(), 1, "expected one postmaster, found {pms:?}");
    assert_eq!(pms[0], postmaster_pid(&data));
    // and it works
    rt().block_on(async {
        let db = servers[1].create_database(None).await.expect("create");
        db.drop_now().await.expect("drop");
    });
}

/// Child-process half of `concurrent_ensure_across_processes`; does nothing
/// unless started by it.
#[test]
fn child_ensure() {
    let Some(cache) = std::env::var_os("PGSHIFT_SCRATCH_TEST_CHILD_CACHE") else {
        return;
    };
    let config = ScratchConfig {
        cache_dir: Some(cache.into()),
        bindir: None,
        url: None,
        server_settings: Vec::new(),
        pg_version: None,
    };
    let server = rt()
        .block_on(ScratchServer::ensure(&config))
        .expect("child ensure");
    println!("CHILD-PID {}", postmaster_pid(server.data_dir().unwrap()));
}

#[test]
fn concurrent_ensure_across_processes() {
    let p = Private::new();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..3)
        .map(|_| {
            std::process::Command::new(&exe)
                .args(["--exact", "child_ensure", "--nocapture", "--test-threads=1"])
                .env("PGSHIFT_SCRATCH_TEST_CHILD_CACHE", p.dir.path())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn child")
        })
        .collect();
    let mine = rt()
        .block_on(ScratchServer::ensure(&p.config))
        .expect("parent ensure");
    let data = mine.data_dir().unwrap().to_path_buf();
    let mut pids = vec![postmaster_pid(&data)];
    for c in children {
        let out = c.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "child failed: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pid = stdout
            .lines()
            .find_map(|l| l.split_once("CHILD-PID ").map(|(_, rest)| rest))
            .unwrap_or_else(|| panic!("no CHILD-PID in {stdout}"));
        pids.push(pid.split_whitespace().next().unwrap().parse().unwrap());
    }
    pids.dedup();
    assert_eq!(pids.len(), 1, "different postmasters: {pids:?}");
    assert_eq!(postmasters_for(&data).len(), 1);
}

#[test]
fn recovers_after_sigkill() {
    let p = Private::new();
    let server = rt()
        .block_on(ScratchServer::ensure(&p.config))
        .expect("ensure");
    let data = server.data_dir().unwrap().to_path_buf();
    let pid = postmaster_pid(&data);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill postmaster");
    // Wait until it is gone (or a zombie): a process in uninterruptible I/O dies only when the
    // I/O completes, which takes seconds on a busy machine.
    // A dying process first loses its command line (so `postmasters_for` stops seeing it) and
    // only then its /proc entry: wait for both, or for it to be a zombie.
    let gone = || {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| s.rsplit_once(')').and_then(|(_, r)| r.trim_start().chars().next()));
        postmasters_for(&data).is_empty() && matches!(state, None | Some('Z') | Some('X') | Some('x'))
    };
    for _ in 0..1000 {
        if gone() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        data.join("postmaster.pid").exists(),
        "stale postmaster.pid expected"
    );
    let st = pgshift_scratch::status(&p.config).expect("status");
    assert!(!st.running, "status after SIGKILL: {st:?}");

    let server = rt()
        .block_on(ScratchServer::ensure(&p.config))
        .expect("ensure after SIGKILL");
    let new_pid = postmaster_pid(&data);
    assert_ne!(new_pid, pid);
    rt().block_on(async {
        let db = server
            .create_database(None)
            .await
            .expect("create after recovery");
        let c = db.connect().await.expect("connect");
        c.batch_execute("CREATE TABLE t (id int)")
            .await
            .expect("ddl");
        drop(c);
        db.drop_now().await.expect("drop");
    });
}

#[test]
fn postmaster_does_not_run_as_root() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("not running as root: PostgreSQL runs as the current user, nothing to check");
        return;
    }
    let p = Private::new();
    let server = rt()
        .block_on(ScratchServer::ensure(&p.config))
        .expect("ensure as root");
    let pid = postmaster_pid(server.data_dir().unwrap());
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    let uids: Vec<u32> = uid_line
        .split_whitespace()
        .skip(1)
        .map(|u| u.parse().unwrap())
        .collect();
    assert!(
        uids.iter().all(|u| *u != 0),
        "postmaster runs with uids {uids:?}"
    );
}

fn write_script(dir: &std::path::Path, name: &str, body: &str) {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn failed_initdb_leaves_nothing_behind() {
    let bindir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(bindir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    write_script(
        bindir.path(),
        "postgres",
        "echo 'postgres (PostgreSQL) 99.1'",
    );
    write_script(
        bindir.path(),
        "pg_ctl",
        "echo 'pg_ctl stand-in must not be reached' >&2; exit 1",
    );
    write_script(
        bindir.path(),
        "initdb",
        r#"while [ $# -gt 0 ]; do if [ "$1" = "-D" ]; then D="$2"; fi; shift; done
mkdir -p "$D/base/1" && echo half > "$D/base/1/1249" && echo 99 > "$D/PG_VERSION"
echo "initdb: error: could not write to file \"$D/base/1/1259\": No space left on device" >&2
exit 1"#,
    );
    let cache = tempfile::tempdir().unwrap();
    let config = ScratchConfig {
        cache_dir: Some(cache.path().to_path_buf()),
        bindir: Some(bindir.path().to_path_buf()),
        url: None,
        server_settings: Vec::new(),
        pg_version: None,
    };
    let err = rt().block_on(ScratchServer::ensure(&config)).unwrap_err();
    assert!(matches!(err, ScratchError::InitdbFailed { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("No space left on device"), "{msg}");
    let cluster = cache.path().join("pg99");
    assert!(!cluster.join("data").exists(), "data/ must not exist");
    let leftovers: Vec<String> = std::fs::read_dir(&cluster)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("data"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[test]
fn stop_and_status() {
    let p = Private::new();
    let st = pgshift_scratch::status(&p.config).expect("status");
    assert!(!st.running);
    assert_eq!(
        pgshift_scratch::stop(&p.config).expect("stop"),
        StopOutcome::NotRunning
    );
    assert!(
        !p.dir.path().join(format!("pg{}", st.major)).exists(),
        "status/stop must create nothing"
    );

    let server = rt()
        .block_on(pgshift_scratch::start(&p.config))
        .expect("start");
    let st = pgshift_scratch::status(&p.config).expect("status");
    assert!(st.running, "{st:?}");
    assert_eq!(st.pid, Some(postmaster_pid(server.data_dir().unwrap())));
    assert_eq!(st.url.as_deref(), Some(server.url("postgres").as_str()));
    let json = serde_json::to_value(&st).unwrap();
    assert_eq!(json["running"], true);
    assert!(json["data_dir"].is_string());
    assert_eq!(st.data_dir, p.cluster_dir(st.major).join("data"));

    assert_eq!(
        pgshift_scratch::stop(&p.config).expect("stop"),
        StopOutcome::Stopped
    );
    assert!(!pgshift_scratch::status(&p.config).unwrap().running);
    assert_eq!(
        pgshift_scratch::stop(&p.config).expect("stop"),
        StopOutcome::NotRunning
    );
    // warm start again
    let server = rt()
        .block_on(ScratchServer::ensure(&p.config))
        .expect("restart");
    assert!(rt().block_on(server.server_version_num()).unwrap() >= 120000);
}

#[test]
fn socket_path_too_long_is_reported() {
    let base = tempfile::tempdir().unwrap();
    let long = base.path().join("x".repeat(100));
    let config = ScratchConfig {
        cache_dir: Some(long),
        bindir: None,
        url: None,
        server_settings: Vec::new(),
        pg_version: None,
    };
    let err = rt().block_on(ScratchServer::ensure(&config)).unwrap_err();
    assert!(
        matches!(err, ScratchError::SocketPathTooLong { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("shorter cache directory"), "{err}");
}

#[test]
fn bad_external_url_is_reported() {
    let config = ScratchConfig {
        cache_dir: None,
        bindir: None,
        url: Some("postgres://u:hunter2@127.0.0.1:1/postgres?connect_timeout=2".into()),
        server_settings: Vec::new(),
        pg_version: None,
    };
    let err = rt().block_on(ScratchServer::ensure(&config)).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ScratchError::Connect { .. }), "{err:?}");
    assert!(!msg.contains("hunter2"), "{msg}");
    assert!(msg.contains("PGSHIFT_SCRATCH_URL"), "{msg}");
    assert!(matches!(
        pgshift_scratch::stop(&config),
        Err(ScratchError::NotEmbedded { .. })
    ));
}
