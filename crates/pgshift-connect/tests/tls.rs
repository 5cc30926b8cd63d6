//! TLS and timeouts against real servers started by our scratch-server code: one with `ssl=on`
//! (a CA, a server certificate for `localhost` and a client certificate generated here with
//! rcgen) listening on 127.0.0.1, one without TLS on 127.0.0.2, both on port 5432 (each its own
//! cluster in a temporary directory; nothing else may listen on those addresses).
//!
//! Proves: every sslmode against both servers (TLS or not as libpq would have it, and the
//! session's `pg_stat_ssl` agrees); verify-full refuses a host name the certificate does not
//! name (verify-ca accepts it); an untrusted CA is refused naming sslrootcert; a user the
//! server accepts only over TLS gets an sslmode hint, not a password hint, and `allow` falls
//! back to TLS; a client certificate required by `pg_hba` is accepted when given and its
//! absence is explained; `connect_timeout` bounds a server that accepts TCP and never answers
//! (TLS handshake included); no message holds the password.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pgshift_connect::{connect, parse, ConnectError, Options};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

/// A CA and what it signed, as PEM files in `dir`.
struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
    fn other_ca(&self) -> PathBuf {
        self.dir.join("other-ca.pem")
    }
    fn client(&self) -> (PathBuf, PathBuf) {
        (self.dir.join("client.pem"), self.dir.join("client.key"))
    }
}

fn issue(dir: &Path) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "pgshift test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_owned()]).unwrap().signed_by(&server_key, &ca, &ca_key).unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    client_params.distinguished_name.push(DnType::CommonName, "cert_user");
    let client = client_params.signed_by(&client_key, &ca, &ca_key).unwrap();
    let other_key = KeyPair::generate().unwrap();
    let mut other_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    other_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let other = other_params.self_signed(&other_key).unwrap();
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    write("ca.pem", ca.pem());
    write("server.pem", server.pem());
    write("server.key", server_key.serialize_pem());
    write("client.pem", client.pem());
    write("client.key", client_key.serialize_pem());
    write("other-ca.pem", other.pem());
    Pki { dir: dir.to_owned() }
}

/// The two servers; stopped when dropped (also when a check fails), then their directory goes.
struct Servers {
    configs: Vec<pgshift_scratch::ScratchConfig>,
    pki: Pki,
    _dir: tempfile::TempDir,
}

impl Drop for Servers {
    fn drop(&mut self) {
        for config in &self.configs {
            let _ = pgshift_scratch::stop(config);
        }
    }
}

fn readable(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

async fn start() -> Servers {
    let dir = tempfile::tempdir().unwrap();
    readable(dir.path(), 0o755);
    let pki = issue(dir.path());
    // The server runs as an unprivileged user when the tests run as root: its key must be its own.
    readable(&dir.path().join("server.key"), 0o600);
    if let Some((uid, gid)) = pgshift_scratch::server_user().unwrap() {
        std::os::unix::fs::chown(dir.path().join("server.key"), Some(uid), Some(gid)).unwrap();
    }
    for name in ["ca.pem", "server.pem", "client.pem", "client.key", "other-ca.pem"] {
        readable(&dir.path().join(name), 0o644);
    }
    let hba_tls = dir.path().join("hba-tls.conf");
    std::fs::write(
        &hba_tls,
        "local all all trust\n\
         host all pgshift 127.0.0.1/32 trust\n\
         hostssl all tls_only 127.0.0.1/32 trust\n\
         hostssl all cert_user 127.0.0.1/32 cert\n",
    )
    .unwrap();
    let hba_plain = dir.path().join("hba-plain.conf");
    std::fs::write(&hba_plain, "local all all trust\nhost all all 127.0.0.0/8 trust\n").unwrap();
    readable(&hba_tls, 0o644);
    readable(&hba_plain, 0o644);
    let p = |name: &str| dir.path().join(name).display().to_string();
    let tls = pgshift_scratch::ScratchConfig {
        cache_dir: Some(dir.path().join("tls")),
        server_settings: vec![
            "listen_addresses=127.0.0.1".to_owned(),
            "ssl=on".to_owned(),
            format!("ssl_cert_file={}", p("server.pem")),
            format!("ssl_key_file={}", p("server.key")),
            format!("ssl_ca_file={}", p("ca.pem")),
            format!("hba_file={}", hba_tls.display()),
        ],
        ..pgshift_scratch::ScratchConfig::default()
    };
    let plain = pgshift_scratch::ScratchConfig {
        cache_dir: Some(dir.path().join("plain")),
        server_settings: vec!["listen_addresses=127.0.0.2".to_owned(), format!("hba_file={}", hba_plain.display())],
        ..pgshift_scratch::ScratchConfig::default()
    };
    let servers = Servers { configs: vec![tls.clone(), plain.clone()], pki, _dir: dir };
    let server = pgshift_scratch::start(&tls).await.unwrap_or_else(|e| panic!("the TLS server: {e}"));
    let admin = server.connect(server.admin_dbname()).await.unwrap();
    admin.batch_execute("CREATE ROLE tls_only LOGIN; CREATE ROLE cert_user LOGIN;").await.unwrap();
    pgshift_scratch::start(&plain).await.unwrap_or_else(|e| panic!("the plain server: {e}"));
    servers
}

/// One test: the servers listen on fixed addresses, so the scenarios run one after another on
/// them, and the servers stop at the end whatever happened.
#[tokio::test]
async fn tls_against_real_servers() {
    let s = start().await;
    every_sslmode_against_a_tls_and_a_plain_server(&s).await;
    verify_full_refuses_a_host_name_the_certificate_does_not_name(&s).await;
    a_tls_only_entry_gets_an_sslmode_hint_and_allow_falls_back_to_tls().await;
    a_client_certificate_required_by_pg_hba_is_accepted(&s).await;
}

fn target(url: &str) -> pgshift_connect::Target {
    parse(url, &Options::default(), None).unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// Connect and say whether the session is encrypted.
async fn session_ssl(url: &str) -> Result<bool, ConnectError> {
    let client = connect(&target(url)).await?;
    Ok(client.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).await.unwrap().get(0))
}

fn text(e: &ConnectError) -> String {
    format!("{e}\nhint: {}", e.hint().unwrap_or_default())
}

async fn every_sslmode_against_a_tls_and_a_plain_server(s: &Servers) {
    let ca = s.pki.ca().display().to_string();
    for (mode, tls) in
        [("disable", false), ("allow", false), ("prefer", true), ("require", true), ("verify-ca", true), ("verify-full", true)]
    {
        let url = format!("postgresql://pgshift@localhost:5432/postgres?sslmode={mode}&sslrootcert={ca}");
        assert_eq!(session_ssl(&url).await.unwrap_or_else(|e| panic!("{mode}: {}", text(&e))), tls, "{mode} on the TLS server");
        let url = format!("postgresql://pgshift@127.0.0.2:5432/postgres?sslmode={mode}&sslrootcert={ca}");
        match mode {
            "disable" | "allow" | "prefer" => assert!(!session_ssl(&url).await.unwrap(), "{mode} on the plain server"),
            _ => {
                let e = session_ssl(&url).await.unwrap_err();
                assert!(text(&e).contains("does not offer TLS") && text(&e).contains(&format!("sslmode={mode}")), "{mode}: {}", text(&e));
            }
        }
    }
    // Without sslrootcert, require encrypts without checking (libpq's meaning).
    assert!(session_ssl("postgresql://pgshift@127.0.0.1:5432/postgres?sslmode=require").await.unwrap());
}

async fn verify_full_refuses_a_host_name_the_certificate_does_not_name(s: &Servers) {
    let ca = s.pki.ca().display().to_string();
    let e = session_ssl(&format!("postgresql://pgshift@127.0.0.1:5432/postgres?sslmode=verify-full&sslrootcert={ca}")).await.unwrap_err();
    assert!(text(&e).contains("does not name the host") && text(&e).contains("verify-ca"), "{}", text(&e));
    assert!(session_ssl(&format!("postgresql://pgshift@127.0.0.1:5432/postgres?sslmode=verify-ca&sslrootcert={ca}")).await.unwrap());
    // An untrusted CA: refused, naming the setting.
    let other = s.pki.other_ca().display().to_string();
    let e = session_ssl(&format!("postgresql://pgshift@localhost:5432/postgres?sslmode=verify-ca&sslrootcert={other}")).await.unwrap_err();
    assert!(text(&e).contains("not signed by a trusted certificate authority") && text(&e).contains("sslrootcert"), "{}", text(&e));
}

async fn a_tls_only_entry_gets_an_sslmode_hint_and_allow_falls_back_to_tls() {
    let e = session_ssl("postgresql://tls_only:s3cret@127.0.0.1:5432/postgres?sslmode=disable").await.unwrap_err();
    let t = text(&e);
    assert!(t.contains("no encryption") && t.contains("sslmode=require") && !t.contains("password"), "{t}");
    assert!(!t.contains("s3cret"), "{t}");
    assert!(session_ssl("postgresql://tls_only@127.0.0.1:5432/postgres?sslmode=allow").await.unwrap());
}

async fn a_client_certificate_required_by_pg_hba_is_accepted(s: &Servers) {
    let ca = s.pki.ca().display().to_string();
    let base = format!("postgresql://cert_user@localhost:5432/postgres?sslmode=verify-full&sslrootcert={ca}");
    let e = session_ssl(&base).await.unwrap_err();
    assert!(text(&e).contains("sslcert"), "{}", text(&e));
    let (cert, key) = s.pki.client();
    let with = format!("{base}&sslcert={}&sslkey={}", cert.display(), key.display());
    assert!(session_ssl(&with).await.unwrap());
    // The same from the environment's settings (the URL gives none).
    let env = Options::from_env(|v| match v {
        "PGSSLMODE" => Some("verify-full".to_owned()),
        "PGSSLROOTCERT" => Some(ca.clone()),
        "PGSSLCERT" => Some(cert.display().to_string()),
        "PGSSLKEY" => Some(key.display().to_string()),
        _ => None,
    });
    let t = parse("postgresql://cert_user@localhost:5432/postgres", &env, None).unwrap();
    connect(&t).await.unwrap();
}

#[tokio::test]
async fn connect_timeout_bounds_a_server_that_never_answers() {
    // Accepts TCP connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    for mode in ["disable", "require", "prefer"] {
        let started = Instant::now();
        let url = format!("postgresql://u:s3cret@127.0.0.1:{port}/db?sslmode={mode}&connect_timeout=2");
        let e = connect(&target(&url)).await.unwrap_err();
        let took = started.elapsed();
        assert!(matches!(e, ConnectError::Timeout { .. }), "{mode}: {}", text(&e));
        assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(5), "{mode}: {took:?}");
        assert!(text(&e).contains("connect_timeout=2s") && !text(&e).contains("s3cret"), "{}", text(&e));
    }
}
