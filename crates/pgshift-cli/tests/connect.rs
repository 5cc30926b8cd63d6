//! Connections from the CLI: a server that accepts TCP and never answers cannot hang a command
//! (`connect_timeout`, from the URL, `PGCONNECT_TIMEOUT` or `[connection]` in pgshift.toml,
//! bounds the whole connection), bad TLS settings are usage errors naming the setting, and no
//! message shows the password.

mod common;

use std::time::{Duration, Instant};

use common::pgshift;

/// A TCP port that accepts connections and never says a word, for as long as the test runs.
fn silent_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for socket in listener.incoming() {
            held.push(socket);
        }
    });
    port
}

#[test]
fn a_silent_server_times_out_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = silent_port();
    // From the URL.
    let url = format!("postgresql://app:s3cret@127.0.0.1:{port}/app?connect_timeout=2");
    for command in ["status", "upgrade"] {
        let started = Instant::now();
        let out = pgshift(d, &[command, "--database-url", &url]);
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{command}: {stderr}");
        assert!(took < Duration::from_secs(8), "{command} took {took:?}");
        assert!(stderr.contains(&format!("could not connect to app@127.0.0.1:{port}/app")) && stderr.contains("connect_timeout=2s"), "{stderr}");
        assert!(!stderr.contains("s3cret"), "{stderr}");
    }
    // From pgshift.toml, with TLS asked for (the handshake is bounded too).
    std::fs::write(d.join("pgshift.toml"), "[connection]\nsslmode = \"require\"\nconnect_timeout = 2\n").unwrap();
    let out = pgshift(d, &["status", "--database-url", &format!("postgresql://app@127.0.0.1:{port}/app")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("connect_timeout=2s"), "{stderr}");
}

#[test]
fn tls_settings_are_checked_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = pgshift(d, &["status", "--database-url", "postgresql://app:s3cret@db.example.com/app?sslmode=verify-full"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("sslrootcert") && stderr.contains("sslmode=verify-full") && !stderr.contains("s3cret"), "{stderr}");
    std::fs::write(d.join("pgshift.toml"), "[connection]\nsslmode = \"verify\"\n").unwrap();
    let out = pgshift(d, &["status", "--database-url", "postgresql://app@db.example.com/app"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("[connection] sslmode") && stderr.contains("verify-full"), "{stderr}");
}
