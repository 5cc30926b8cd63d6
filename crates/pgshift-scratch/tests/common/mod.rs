//! Shared helpers for the integration tests: private servers in temp dirs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use pgshift_scratch::ScratchConfig;

/// A private cache dir; the server in it is stopped when this is dropped.
pub struct Private {
    pub dir: tempfile::TempDir,
    pub config: ScratchConfig,
}

impl Private {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("pgs")
            .tempdir()
            .expect("create temp dir");
        let config = ScratchConfig {
            cache_dir: Some(dir.path().to_path_buf()),
            bindir: None,
            url: None,
            server_settings: Vec::new(),
            pg_version: None,
        };
        Private { dir, config }
    }

    pub fn cluster_dir(&self, major: u32) -> PathBuf {
        self.dir.path().join(format!("pg{major}"))
    }
}

impl Drop for Private {
    fn drop(&mut self) {
        if let Err(e) = pgshift_scratch::stop(&self.config) {
            eprintln!("stopping private scratch server failed: {e}");
        }
    }
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

pub fn postmaster_pid(data_dir: &Path) -> u32 {
    let text = std::fs::read_to_string(data_dir.join("postmaster.pid")).expect("postmaster.pid");
    text.lines().next().unwrap().trim().parse().unwrap()
}

/// Processes whose command line is a postmaster for `data_dir` (children
/// rewrite their argv, so only postmasters keep `-D <data_dir>`).
pub fn postmasters_for(data_dir: &Path) -> Vec<u32> {
    let want = data_dir.as_os_str().as_encoded_bytes().to_vec();
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<&[u8]> = cmd.split(|b| *b == 0).collect();
        if args
            .windows(2)
            .any(|w| w[0] == b"-D" && w[1] == want.as_slice())
        {
            if let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) {
                if stat
                    .rsplit_once(')')
                    .map(|(_, r)| r.trim_start().starts_with('Z'))
                    .unwrap_or(false)
                {
                    continue;
                }
            }
            found.push(pid);
        }
    }
    found
}

pub async fn database_exists(server: &pgshift_scratch::ScratchServer, name: &str) -> bool {
    let c = server.connect("postgres").await.expect("connect");
    let row = c
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname = $1",
            &[&name],
        )
        .await
        .expect("query");
    row.get::<_, i64>(0) == 1
}
