//! The connection settings tokio-postgres does not read the way libpq does, taken out of a URL or
//! key/value conninfo before the driver parses the rest: `sslmode` (libpq's six modes; the
//! driver knows three), `sslrootcert` (a file, or `system`), `sslcert`, `sslkey` and
//! `connect_timeout` (the driver bounds only the TCP connect; pgshift bounds the whole
//! connection). Each may also come from the environment (`PGSSLMODE`, `PGSSLROOTCERT`,
//! `PGSSLCERT`, `PGSSLKEY`, `PGCONNECT_TIMEOUT`) and from `pgshift.toml`, in that order of
//! precedence after the URL, as libpq reads its environment after the conninfo.

use std::path::PathBuf;
use std::time::Duration;

use crate::ConnectError;

/// The keys this module owns, as libpq spells them.
pub const KEYS: [&str; 5] = ["sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout"];

/// The environment variable of each key.
const ENV: [(&str, &str); 5] = [
    ("sslmode", "PGSSLMODE"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("sslcert", "PGSSLCERT"),
    ("sslkey", "PGSSLKEY"),
    ("connect_timeout", "PGCONNECT_TIMEOUT"),
];

/// Values of [`KEYS`] as given (unchecked), with where each came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `sslmode`.
    pub sslmode: Option<String>,
    /// `sslrootcert`.
    pub sslrootcert: Option<String>,
    /// `sslcert`.
    pub sslcert: Option<String>,
    /// `sslkey`.
    pub sslkey: Option<String>,
    /// `connect_timeout`, in seconds.
    pub connect_timeout: Option<String>,
}

impl Options {
    /// The settings from environment variables (`get` reads one; empty values are unset).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Options {
        let mut o = Options::default();
        for (key, var) in ENV {
            if let Some(v) = get(var).filter(|v| !v.is_empty()) {
                o.set(key, v);
            }
        }
        o
    }

    /// Each setting of `self`, else of `fallback`.
    pub fn or(self, fallback: &Options) -> Options {
        Options {
            sslmode: self.sslmode.or_else(|| fallback.sslmode.clone()),
            sslrootcert: self.sslrootcert.or_else(|| fallback.sslrootcert.clone()),
            sslcert: self.sslcert.or_else(|| fallback.sslcert.clone()),
            sslkey: self.sslkey.or_else(|| fallback.sslkey.clone()),
            connect_timeout: self.connect_timeout.or_else(|| fallback.connect_timeout.clone()),
        }
    }

    fn set(&mut self, key: &str, value: String) {
        match key {
            "sslmode" => self.sslmode = Some(value),
            "sslrootcert" => self.sslrootcert = Some(value),
            "sslcert" => self.sslcert = Some(value),
            "sslkey" => self.sslkey = Some(value),
            "connect_timeout" => self.connect_timeout = Some(value),
            _ => {}
        }
    }
}

/// libpq's `sslmode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP only.
    Disable,
    /// Plain first; TLS when the server refuses a plain connection.
    Allow,
    /// TLS when the server offers it, else plain (libpq's default).
    Prefer,
    /// TLS; the certificate is checked against a root certificate only when one is given.
    Require,
    /// TLS; the certificate must chain to the root certificate.
    VerifyCa,
    /// TLS; the certificate must chain to the root certificate and name the host.
    VerifyFull,
}

impl SslMode {
    /// The mode libpq spells `text`.
    pub fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    /// Its libpq spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where trusted root certificates come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Roots {
    /// None: the server's certificate is not checked.
    None,
    /// A PEM file.
    File(PathBuf),
    /// The platform's trust store (`sslrootcert=system`).
    System,
}

/// The checked settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The mode.
    pub mode: SslMode,
    /// The roots the server's certificate is checked against.
    pub roots: Roots,
    /// A client certificate and its key (PEM files), when the server asks for one.
    pub client: Option<(PathBuf, PathBuf)>,
    /// The whole connection's bound: TCP, TLS and the startup handshake (libpq's default is
    /// none; pgshift's is 10 s, so a server that never answers cannot hang a deploy).
    pub connect_timeout: Duration,
}

/// pgshift's `connect_timeout` when none is given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

impl Settings {
    /// Check `o`: every value valid, the files it names readable, the combination one libpq
    /// accepts. `home` is where libpq's default files live (`~/.postgresql/root.crt`,
    /// `postgresql.crt`, `postgresql.key`), used when the setting is not given and the file exists.
    pub fn resolve(o: &Options, home: Option<&std::path::Path>) -> Result<Settings, ConnectError> {
        let setting = |key: &'static str, value: &str, reason: String| ConnectError::Setting { key, value: value.to_owned(), reason };
        let given_mode = match &o.sslmode {
            Some(m) => Some(SslMode::parse(m).ok_or_else(|| {
                setting("sslmode", m, "it is one of disable, allow, prefer, require, verify-ca, verify-full".to_owned())
            })?),
            None => None,
        };
        let dot = home.map(|h| h.join(".postgresql"));
        let roots = match o.sslrootcert.as_deref() {
            Some("system") => Roots::System,
            Some(path) => Roots::File(PathBuf::from(path)),
            None => match dot.as_ref().map(|d| d.join("root.crt")).filter(|p| p.is_file()) {
                Some(default) => Roots::File(default),
                None => Roots::None,
            },
        };
        // libpq: `sslrootcert=system` makes verify-full the default, and refuses weaker modes
        // (the platform's roots trust any public CA, so only the host name makes it safe).
        let mode = match (given_mode, &roots) {
            (None, Roots::System) => SslMode::VerifyFull,
            (Some(m), Roots::System) if m != SslMode::VerifyFull => {
                return Err(setting(
                    "sslmode",
                    m.as_str(),
                    "sslrootcert=system trusts every public certificate authority, so it needs sslmode=verify-full".to_owned(),
                ));
            }
            (m, _) => m.unwrap_or(SslMode::Prefer),
        };
        if let Roots::File(path) = &roots {
            if !path.is_file() {
                return Err(setting("sslrootcert", &path.display().to_string(), "no such file".to_owned()));
            }
        }
        if matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) && roots == Roots::None {
            return Err(ConnectError::Setting {
                key: "sslrootcert",
                value: String::new(),
                reason: format!(
                    "sslmode={} checks the server's certificate against a root certificate, and none is given: set sslrootcert to the CA's PEM file (or `system` for the platform's trust store), or put it at ~/.postgresql/root.crt",
                    mode.as_str()
                ),
            });
        }
        let client = match (&o.sslcert, &o.sslkey) {
            (Some(cert), Some(key)) => Some((PathBuf::from(cert), PathBuf::from(key))),
            (Some(cert), None) => return Err(setting("sslcert", cert, "a client certificate needs its key: set sslkey too".to_owned())),
            (None, Some(key)) => return Err(setting("sslkey", key, "a key needs its certificate: set sslcert too".to_owned())),
            (None, None) => dot.map(|d| (d.join("postgresql.crt"), d.join("postgresql.key"))).filter(|(c, k)| c.is_file() && k.is_file()),
        };
        if let Some((cert, key)) = &client {
            for (k, p) in [("sslcert", cert), ("sslkey", key)] {
                if !p.is_file() {
                    return Err(setting(k, &p.display().to_string(), "no such file".to_owned()));
                }
            }
        }
        let connect_timeout = match o.connect_timeout.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_TIMEOUT,
            Some(t) => match t.parse::<u64>() {
                // libpq: 0 waits forever; a bound is kept anyway, generous but finite.
                Ok(0) => Duration::from_secs(24 * 3600),
                // libpq: values below 2 s mean 2 s.
                Ok(secs) => Duration::from_secs(secs.max(2)),
                Err(_) => return Err(setting("connect_timeout", t, "it is a whole number of seconds, e.g. connect_timeout=10".to_owned())),
            },
        };
        Ok(Settings { mode, roots, client, connect_timeout })
    }
}

/// Take [`KEYS`] out of `conninfo` (a `postgres://` URL or key/value pairs): the rest for the
/// driver, and the values taken (URL values percent-decoded).
pub fn split(conninfo: &str) -> Result<(String, Options), ConnectError> {
    let trimmed = conninfo.trim();
    if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
        split_url(trimmed)
    } else {
        split_pairs(trimmed)
    }
}

fn split_url(url: &str) -> Result<(String, Options), ConnectError> {
    let Some((base, query)) = url.split_once('?') else { return Ok((url.to_owned(), Options::default())) };
    let mut options = Options::default();
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if KEYS.contains(&key) {
            options.set(key, percent_decode(value).ok_or_else(|| ConnectError::Parse {
                reason: format!("the value of {key} in the URL is not valid percent-encoding"),
            })?);
        } else {
            kept.push(pair);
        }
    }
    let rest = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
    Ok((rest, options))
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// `key = value` pairs; a value is bare (up to whitespace) or single-quoted with `\'` and `\\`.
fn split_pairs(text: &str) -> Result<(String, Options), ConnectError> {
    let mut options = Options::default();
    let mut kept: Vec<&str> = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let start = rest;
        let eq = rest.find('=').ok_or_else(|| ConnectError::Parse { reason: "a key/value pair has no `=`".to_owned() })?;
        let key = rest[..eq].trim();
        rest = rest[eq + 1..].trim_start();
        let (value, after) = if let Some(quoted) = rest.strip_prefix('\'') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            value.push(n);
                        }
                    }
                    '\'' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => value.push(c),
                }
            }
            let end = end.ok_or_else(|| ConnectError::Parse { reason: format!("the quoted value of {key} is not closed") })?;
            (value, &quoted[end..])
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (rest[..end].to_owned(), &rest[end..])
        };
        let pair = &start[..start.len() - after.len()];
        if KEYS.contains(&key) {
            options.set(key, value);
        } else {
            kept.push(pair);
        }
        rest = after.trim_start();
    }
    Ok((kept.join(" "), options))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_keys_are_taken_out_and_decoded() {
        let (rest, o) = split("postgresql://u:p@db.example.com:5432/app?sslmode=verify-full&application_name=x&sslrootcert=%2Fetc%2Fca.pem&connect_timeout=3").unwrap();
        assert_eq!(rest, "postgresql://u:p@db.example.com:5432/app?application_name=x");
        assert_eq!(o.sslmode.as_deref(), Some("verify-full"));
        assert_eq!(o.sslrootcert.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(o.connect_timeout.as_deref(), Some("3"));
        let (rest, o) = split("postgres://h/db?sslmode=require").unwrap();
        assert_eq!((rest.as_str(), o.sslmode.as_deref()), ("postgres://h/db", Some("require")));
        assert!(split("postgres://h/db?sslrootcert=%zz").is_err());
    }

    #[test]
    fn pairs_keep_what_the_driver_reads() {
        let (rest, o) = split("host=h user=u password='a b\\'c' sslmode = verify-ca sslrootcert='/x y/ca.pem' dbname=d").unwrap();
        assert_eq!(rest, "host=h user=u password='a b\\'c' dbname=d");
        assert_eq!(o.sslmode.as_deref(), Some("verify-ca"));
        assert_eq!(o.sslrootcert.as_deref(), Some("/x y/ca.pem"));
        assert!(split("host=h sslrootcert='open").is_err());
    }

    #[test]
    fn the_url_wins_over_the_environment_which_wins_over_the_file() {
        let env = Options::from_env(|v| match v {
            "PGSSLMODE" => Some("require".into()),
            "PGCONNECT_TIMEOUT" => Some("4".into()),
            "PGSSLKEY" => Some(String::new()),
            _ => None,
        });
        let file = Options { connect_timeout: Some("9".into()), sslrootcert: Some("system".into()), ..Options::default() };
        let url = Options { sslmode: Some("verify-full".into()), ..Options::default() };
        let o = url.or(&env.or(&file));
        assert_eq!(o.sslmode.as_deref(), Some("verify-full"));
        assert_eq!(o.connect_timeout.as_deref(), Some("4"));
        assert_eq!(o.sslrootcert.as_deref(), Some("system"));
        assert_eq!(o.sslkey, None);
    }

    #[test]
    fn settings_are_checked_as_libpq_does() {
        let none = Settings::resolve(&Options::default(), None).unwrap();
        assert_eq!((none.mode, none.roots, none.connect_timeout), (SslMode::Prefer, Roots::None, DEFAULT_TIMEOUT));
        let system = Settings::resolve(&Options { sslrootcert: Some("system".into()), ..Options::default() }, None).unwrap();
        assert_eq!(system.mode, SslMode::VerifyFull);
        let weak = Options { sslrootcert: Some("system".into()), sslmode: Some("require".into()), ..Options::default() };
        assert!(Settings::resolve(&weak, None).unwrap_err().to_string().contains("verify-full"));
        let no_root = Options { sslmode: Some("verify-full".into()), ..Options::default() };
        let e = Settings::resolve(&no_root, None).unwrap_err().to_string();
        assert!(e.contains("sslrootcert") && e.contains("sslmode=verify-full"), "{e}");
        let bad = Options { sslmode: Some("verify".into()), ..Options::default() };
        assert!(Settings::resolve(&bad, None).unwrap_err().to_string().contains("disable, allow, prefer"));
        let missing = Options { sslrootcert: Some("/nonexistent/ca.pem".into()), ..Options::default() };
        assert!(Settings::resolve(&missing, None).unwrap_err().to_string().contains("no such file"));
        let half = Options { sslcert: Some("/c.pem".into()), ..Options::default() };
        assert!(Settings::resolve(&half, None).unwrap_err().to_string().contains("sslkey"));
        let t = |v: &str| Settings::resolve(&Options { connect_timeout: Some(v.into()), ..Options::default() }, None);
        assert_eq!(t("1").unwrap().connect_timeout, Duration::from_secs(2));
        assert_eq!(t("30").unwrap().connect_timeout, Duration::from_secs(30));
        assert!(t("3s").is_err());
    }

    #[test]
    fn libpq_default_files_are_used_when_present() {
        let home = tempfile::tempdir().unwrap();
        let dot = home.path().join(".postgresql");
        std::fs::create_dir_all(&dot).unwrap();
        std::fs::write(dot.join("root.crt"), "x").unwrap();
        let s = Settings::resolve(&Options { sslmode: Some("verify-full".into()), ..Options::default() }, Some(home.path())).unwrap();
        assert_eq!(s.roots, Roots::File(dot.join("root.crt")));
        assert_eq!(s.client, None);
    }
}
