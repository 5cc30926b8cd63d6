//! pgshift-connect: connections to the user's databases, with libpq's semantics where users
//! expect them.
//!
//! Owns: reading a URL or key/value conninfo with libpq's TLS and timeout settings
//! (`settings.rs`: `sslmode` disable/allow/prefer/require/verify-ca/verify-full, default
//! `prefer`; `sslrootcert` as a file or `system`; `sslcert`/`sslkey`; `connect_timeout`; the
//! same keys from `PGSSLMODE`/`PGSSLROOTCERT`/`PGSSLCERT`/`PGSSLKEY`/`PGCONNECT_TIMEOUT` and
//! from `pgshift.toml`; `sslnegotiation=direct` is the driver's own), the TLS configuration
//! (`tls.rs`, rustls), connecting with the whole connection (TCP, TLS, startup) bounded by
//! `connect_timeout`, and errors that say what failed and which setting changes it, naming the
//! target as `user@host:port/db`, never with its password.
//!
//! Must not: run SQL beyond the connection's startup.

mod settings;
mod tls;

use std::str::FromStr;
use std::time::Duration;

pub use settings::{Options, Roots, Settings, SslMode, DEFAULT_TIMEOUT, KEYS};
use tokio_postgres::config::{Host, SslMode as DriverSslMode};
use tokio_postgres::{Client, Config, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

/// What can go wrong before a connection is usable.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL or conninfo does not parse.
    #[error("the database URL does not parse: {reason}")]
    Parse {
        /// Why (never the input itself: it may hold a password).
        reason: String,
    },
    /// A TLS or timeout setting is wrong.
    #[error("{key}{}: {reason}", if value.is_empty() { String::new() } else { format!("={value}") })]
    Setting {
        /// The setting, as libpq spells it.
        key: &'static str,
        /// Its value (a mode, a path; never a password).
        value: String,
        /// What is wrong and what to set.
        reason: String,
    },
    /// The TLS configuration could not be built.
    #[error("cannot set up TLS: {reason}")]
    Tls {
        /// Why.
        reason: String,
    },
    /// No connection within `connect_timeout`.
    #[error("could not connect to {target}: no answer within connect_timeout={}s (the whole connection: TCP, TLS and the server's startup)", after.as_secs())]
    Timeout {
        /// `user@host:port/db`.
        target: String,
        /// The bound.
        after: Duration,
    },
    /// The connection failed.
    #[error("could not connect to {target}: {detail}")]
    Failed {
        /// `user@host:port/db`.
        target: String,
        /// What happened (the server's message and SQLSTATE, or the TLS or network error).
        detail: String,
        /// What to change.
        hint: String,
        /// Whether the server answered with an error (as opposed to network or TLS trouble).
        server: bool,
    },
}

impl ConnectError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            ConnectError::Parse { .. } => {
                Some("use postgresql://user:password@host:port/dbname?sslmode=… or key=value pairs (host=… dbname=… sslmode=…)".to_owned())
            }
            ConnectError::Setting { .. } => Some("the setting comes from the URL, a PG* environment variable or pgshift.toml".to_owned()),
            ConnectError::Tls { .. } => None,
            ConnectError::Timeout { .. } => Some(
                "check the host and port (a server that accepts TCP but never answers is often another service on that port), the network, or raise connect_timeout".to_owned(),
            ),
            ConnectError::Failed { hint, .. } => Some(hint.clone()),
        }
    }
}

/// A database to connect to, parsed and checked; safe to print ([`Target::display`]).
#[derive(Clone)]
pub struct Target {
    /// The driver's configuration (holds the password; never printed).
    pub config: Config,
    /// The TLS and timeout settings.
    pub settings: Settings,
    /// `user@host:port/db`, without the password.
    pub display: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("display", &self.display).field("settings", &self.settings).finish()
    }
}

/// Parse `conninfo` (a URL or key/value pairs); a setting it does not give comes from
/// `defaults` (the environment, then `pgshift.toml`: see [`Options::or`]). `home` is where
/// libpq's default certificate files are looked for (`~/.postgresql/…`).
pub fn parse(conninfo: &str, defaults: &Options, home: Option<&std::path::Path>) -> Result<Target, ConnectError> {
    let (rest, given) = settings::split(conninfo)?;
    // The driver's message never echoes the input, so no password can leak through it.
    let config = Config::from_str(&rest).map_err(|e| ConnectError::Parse { reason: e.to_string() })?;
    let settings = Settings::resolve(&given.or(defaults), home)?;
    Ok(Target { display: describe(&config), config, settings })
}

/// [`parse`] with the environment's settings and home directory, as libpq reads them.
pub fn parse_with_env(conninfo: &str, file: &Options) -> Result<Target, ConnectError> {
    let env = Options::from_env(|v| std::env::var(v).ok());
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    parse(conninfo, &env.or(file), home.as_deref())
}

fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().or(config.get_user()).unwrap_or("postgres");
    match config.get_user() {
        Some(user) => format!("{user}@{host}:{port}/{db}"),
        None => format!("{host}:{port}/{db}"),
    }
}

/// Connect to `target`, spawning the connection's task on the current tokio runtime.
pub async fn connect(target: &Target) -> Result<Client, ConnectError> {
    let after = target.settings.connect_timeout;
    match tokio::time::timeout(after, attempt(target)).await {
        Ok(result) => result,
        Err(_) => Err(ConnectError::Timeout { target: target.display.clone(), after }),
    }
}

async fn attempt(target: &Target) -> Result<Client, ConnectError> {
    let unix_only = !target.config.get_hosts().is_empty() && target.config.get_hosts().iter().all(|h| matches!(h, Host::Unix(_)));
    let mode = if unix_only { SslMode::Disable } else { target.settings.mode };
    match mode {
        SslMode::Disable => plain(target).await,
        SslMode::Allow => match plain(target).await {
            // The server refused a plain connection: try TLS, as libpq's `allow` does.
            Err(ConnectError::Failed { ref detail, .. }) if detail.contains("no encryption") => encrypted(target, DriverSslMode::Require).await,
            other => other,
        },
        SslMode::Prefer => encrypted(target, DriverSslMode::Prefer).await,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => encrypted(target, DriverSslMode::Require).await,
    }
}

async fn plain(target: &Target) -> Result<Client, ConnectError> {
    let mut config = target.config.clone();
    config.ssl_mode(DriverSslMode::Disable);
    let (client, connection) = config.connect(NoTls).await.map_err(|e| failure(target, &e))?;
    tokio::spawn(async move {
        // Errors surface on the client's next call.
        let _ = connection.await;
    });
    Ok(client)
}

async fn encrypted(target: &Target, mode: DriverSslMode) -> Result<Client, ConnectError> {
    let mut config = target.config.clone();
    config.ssl_mode(mode);
    let tls = MakeRustlsConnect::new(tls::client_config(&target.settings)?);
    let (client, connection) = config.connect(tls).await.map_err(|e| failure(target, &e))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// A driver error as a [`ConnectError::Failed`] with the setting that changes it.
fn failure(target: &Target, e: &tokio_postgres::Error) -> ConnectError {
    let mode = target.settings.mode.as_str();
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        let message = db.message();
        let hint = if message.contains("no encryption") {
            format!("the server accepts this connection only over TLS (its pg_hba.conf has no plain entry for it): use sslmode=require, or verify-full with sslrootcert, instead of sslmode={mode}")
        } else if message.contains("SSL encryption") || message.contains("GSS encryption") {
            "the server accepts this connection only without TLS: use sslmode=disable or prefer".to_owned()
        } else if message.contains("certificate") {
            "the server requires a client certificate: set sslcert and sslkey (PEM files) to one its CA signed, for this user".to_owned()
        } else {
            match code {
                "28P01" | "28000" => "check the user name and password in the database URL".to_owned(),
                "3D000" => "check the database name in the URL; the database must exist".to_owned(),
                "53300" => "the server has no free connection slot; try again or raise max_connections".to_owned(),
                _ => "check the URL and that the server accepts connections from this host".to_owned(),
            }
        };
        return ConnectError::Failed {
            target: target.display.clone(),
            detail: format!("{}: {message} ({code})", db.severity()),
            hint,
            server: true,
        };
    }
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(e);
    let mut tls_error: Option<rustls::Error> = None;
    while let Some(cause) = source {
        detail.push_str(&format!(": {cause}"));
        if let Some(t) = cause.downcast_ref::<rustls::Error>() {
            tls_error.get_or_insert(t.clone());
        }
        if let Some(t) = cause.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()).and_then(|i| i.downcast_ref::<rustls::Error>()) {
            tls_error.get_or_insert(t.clone());
        }
        source = cause.source();
    }
    let hint = match &tls_error {
        Some(rustls::Error::InvalidCertificate(c)) => certificate_hint(c, mode),
        Some(rustls::Error::AlertReceived(alert)) => format!(
            "the server refused the TLS handshake ({alert:?}): if it requires a client certificate, set sslcert and sslkey; otherwise check its ssl settings"
        ),
        Some(_) => format!("the TLS handshake failed; check the server's ssl settings, or connect with sslmode=disable if it has none (now sslmode={mode})"),
        None if detail.contains("server does not support TLS") => format!(
            "the server does not offer TLS: enable ssl on the server, or use sslmode=prefer (or disable) instead of sslmode={mode}"
        ),
        None if detail.contains("refused") || detail.contains("No such file") => "check that the server is running and listening on that host and port".to_owned(),
        None if detail.contains("unexpected message") || detail.contains("invalid message") || detail.contains("early eof") => {
            "the server at that address does not speak the PostgreSQL protocol; check host and port".to_owned()
        }
        None if detail.contains("timed out") || detail.contains("error connecting") || detail.contains("failed to lookup") => {
            "check the host name and port, and that the network lets you reach it".to_owned()
        }
        None => "check the URL and that the server accepts connections from this host".to_owned(),
    };
    if let Some(rustls::Error::InvalidCertificate(c)) = &tls_error {
        detail = format!("the server's certificate is not accepted: {}", certificate_words(c));
    }
    ConnectError::Failed { target: target.display.clone(), detail, hint, server: false }
}

fn certificate_words(c: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match c {
        C::UnknownIssuer => "it is not signed by a trusted certificate authority".to_owned(),
        C::NotValidForName | C::NotValidForNameContext { .. } => "it does not name the host connected to".to_owned(),
        C::Expired | C::ExpiredContext { .. } => "it has expired".to_owned(),
        C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".to_owned(),
        other => format!("{other:?}"),
    }
}

fn certificate_hint(c: &rustls::CertificateError, mode: &str) -> String {
    use rustls::CertificateError as C;
    match c {
        C::UnknownIssuer => format!(
            "set sslrootcert to the PEM file of the CA that signed the server's certificate (or `system` for a public CA); sslmode=require encrypts without checking (now sslmode={mode})"
        ),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "connect with the host name the certificate names, or use sslmode=verify-ca to check the chain but not the name".to_owned()
        }
        _ => "the server needs a valid certificate; ask its operator, or use sslmode=require to encrypt without checking".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_never_contains_the_password() {
        let t = parse("postgresql://alice:s3cret@db.example.com:6543/app?sslmode=require", &Options::default(), None).unwrap();
        assert_eq!(t.display, "alice@db.example.com:6543/app");
        assert!(!format!("{t:?}").contains("s3cret"));
        let t = parse("host=/tmp/sock user=bob password=hunter2 dbname=x", &Options::default(), None).unwrap();
        assert!(!t.display.contains("hunter2") && !format!("{t:?}").contains("hunter2"));
        let e = parse("postgresql://alice:s3cret@host/db?sslmode=bogus", &Options::default(), None).unwrap_err();
        assert!(!e.to_string().contains("s3cret") && e.to_string().contains("sslmode=bogus"), "{e}");
        let e = parse("postgresql://alice:s3cret@host:notaport/db", &Options::default(), None).unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }

    #[test]
    fn the_drivers_own_settings_pass_through() {
        let t = parse("postgresql://a@h/db?sslmode=require&sslnegotiation=direct&application_name=app", &Options::default(), None).unwrap();
        assert_eq!(t.config.get_ssl_negotiation(), tokio_postgres::config::SslNegotiation::Direct);
        assert_eq!(t.config.get_application_name(), Some("app"));
        assert_eq!(t.settings.mode, SslMode::Require);
    }
}
