//! Connection parameters and human-pasteable URLs.
//!
//! [`display_url`] renders a `tokio_postgres::Config` as a libpq URL that both
//! `psql` and `tokio_postgres::Config::from_str` accept. Unix-socket hosts go
//! into the query string (`postgresql://pgshift@/db?host=/path&port=5432`).
//! A password is never printed: it is shown as `***`. The unmasked config is
//! kept separately for connecting.

use std::fmt::Write as _;
use std::path::Path;

use tokio_postgres::config::{Host, SslMode};

use crate::layout::{PORT, SUPERUSER};

/// The connection config of the embedded server (no dbname set).
pub(crate) fn embedded_config(socket_dir: &Path) -> tokio_postgres::Config {
    let mut c = tokio_postgres::Config::new();
    c.host_path(socket_dir)
        .port(PORT)
        .user(SUPERUSER)
        .application_name("pgshift")
        .connect_timeout(std::time::Duration::from_secs(10));
    c
}

/// Percent-encodes everything but RFC 3986 unreserved characters (and the
/// characters in `keep`).
fn enc(s: &str, keep: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let c = b as char;
        if c.is_ascii_alphanumeric() || "-._~".contains(c) || (c.is_ascii() && keep.contains(c)) {
            out.push(c);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A libpq URL for `cfg` with database `dbname`; the password, if any, is `***`.
pub fn display_url(cfg: &tokio_postgres::Config, dbname: &str) -> String {
    let mut url = String::from("postgresql://");
    if let Some(user) = cfg.get_user() {
        url.push_str(&enc(user, ""));
        if cfg.get_password().is_some() {
            url.push_str(":***");
        }
        url.push('@');
    }
    let hosts = cfg.get_hosts();
    let ports = cfg.get_ports();
    let port_at = |i: usize| -> Option<u16> {
        match ports.len() {
            0 => None,
            1 => Some(ports[0]),
            _ => ports.get(i).copied(),
        }
    };
    let all_tcp = hosts.iter().all(|h| matches!(h, Host::Tcp(_)));
    let mut query: Vec<(String, String)> = Vec::new();
    if all_tcp {
        let parts: Vec<String> = hosts
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let Host::Tcp(name) = h else {
                    return String::new();
                };
                let mut s = if name.contains(':') {
                    format!("[{name}]")
                } else {
                    enc(name, "")
                };
                if let Some(p) = port_at(i) {
                    let _ = write!(s, ":{p}");
                }
                s
            })
            .collect();
        url.push_str(&parts.join(","));
        if hosts.is_empty() {
            if let Some(p) = port_at(0) {
                query.push(("port".into(), p.to_string()));
            }
        }
    } else {
        let hs: Vec<String> = hosts
            .iter()
            .map(|h| match h {
                Host::Tcp(name) => enc(name, ""),
                Host::Unix(path) => enc(&path.to_string_lossy(), "/"),
            })
            .collect();
        query.push(("host".into(), hs.join(",")));
        if !ports.is_empty() {
            let ps: Vec<String> = ports.iter().map(u16::to_string).collect();
            query.push(("port".into(), ps.join(",")));
        }
    }
    url.push('/');
    url.push_str(&enc(dbname, ""));
    let addrs = cfg.get_hostaddrs();
    if !addrs.is_empty() {
        let a: Vec<String> = addrs.iter().map(|a| enc(&a.to_string(), ":")).collect();
        query.push(("hostaddr".into(), a.join(",")));
    }
    match cfg.get_ssl_mode() {
        SslMode::Disable => query.push(("sslmode".into(), "disable".into())),
        SslMode::Require => query.push(("sslmode".into(), "require".into())),
        _ => {}
    }
    if let Some(o) = cfg.get_options() {
        query.push(("options".into(), enc(o, "")));
    }
    for (i, (k, v)) in query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(k);
        url.push('=');
        url.push_str(v);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn masks_password_and_roundtrips() {
        let cfg =
            tokio_postgres::Config::from_str("postgres://al%20ice:s3cr%40t@db.example:6543/admin")
                .unwrap();
        let u = display_url(&cfg, "pgshift_s_1_2_ab");
        assert_eq!(
            u,
            "postgresql://al%20ice:***@db.example:6543/pgshift_s_1_2_ab"
        );
        assert!(!u.contains("s3cr"));
        let back = tokio_postgres::Config::from_str(&u).unwrap();
        assert_eq!(back.get_user(), Some("al ice"));
        assert_eq!(back.get_dbname(), Some("pgshift_s_1_2_ab"));
    }

    #[test]
    fn unix_socket_in_query() {
        let cfg = embedded_config(Path::new("/var/tmp/pgshift-root/pg15/run"));
        let u = display_url(&cfg, "postgres");
        assert_eq!(
            u,
            "postgresql://pgshift@/postgres?host=/var/tmp/pgshift-root/pg15/run&port=5432"
        );
        let back = tokio_postgres::Config::from_str(&u).unwrap();
        assert_eq!(
            back.get_hosts(),
            &[Host::Unix("/var/tmp/pgshift-root/pg15/run".into())]
        );
        assert_eq!(back.get_ports(), &[5432]);
    }

    #[test]
    fn conninfo_form() {
        let cfg = tokio_postgres::Config::from_str(
            "host=h1,h2 port=1,2 user=u password=p dbname=x sslmode=disable",
        )
        .unwrap();
        let u = display_url(&cfg, "d");
        assert_eq!(u, "postgresql://u:***@h1:1,h2:2/d?sslmode=disable");
    }
}
