//! Connections to the user's databases: parse a URL, connect, and turn every failure into one
//! clear line that names host, port, database and user, never the password.

use std::str::FromStr;

use tokio_postgres::{Client, Config, NoTls};

use crate::error::CliError;

/// A parsed database target, safe to print.
pub struct Target {
    /// The driver configuration (holds the password; never printed).
    pub config: Config,
    /// `user@host:port/db`, without the password.
    pub display: String,
}

/// Parse a libpq URL or key/value conninfo.
pub fn parse(url: &str) -> Result<Target, CliError> {
    let config = Config::from_str(url).map_err(|e| {
        // The driver's message never echoes the input, so no password can leak through it.
        CliError::usage("the database URL does not parse")
            .caused_by(&e)
            .hint("use postgresql://user:password@host:port/dbname or key=value pairs (host=… dbname=…)")
    })?;
    let display = describe(&config);
    Ok(Target { config, display })
}

fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().or(config.get_user()).unwrap_or("postgres");
    match config.get_user() {
        Some(user) => format!("{user}@{host}:{port}/{db}"),
        None => format!("{host}:{port}/{db}"),
    }
}

/// Connect, spawning the connection task; errors name the target and what to check.
pub async fn connect(target: &Target) -> Result<Client, CliError> {
    let (client, connection) = target.config.connect(NoTls).await.map_err(|e| connect_error(target, &e))?;
    tokio::spawn(async move {
        // Errors surface on the client's next call; nothing to do here.
        let _ = connection.await;
    });
    Ok(client)
}

fn connect_error(target: &Target, e: &tokio_postgres::Error) -> CliError {
    let base = CliError::database(format!("could not connect to {}", target.display));
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        let hint = match code {
            "28P01" | "28000" => "check the user name and password in the database URL",
            "3D000" => "check the database name in the URL; the database must exist",
            "53300" => "the server has no free connection slot; try again or raise max_connections",
            _ => "check the URL and that the server accepts connections from this host",
        };
        return CliError { causes: vec![format!("{}: {} ({code})", db.severity(), db.message())], ..base }.hint(hint);
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    let hint = if text.contains("refused") || text.contains("No such file") {
        "check that the server is running and listening on that host and port"
    } else if text.contains("unexpected message") || text.contains("invalid message") || text.contains("early eof") {
        "the server at that address does not speak the PostgreSQL protocol; check host and port"
    } else if text.contains("timed out") || text.contains("error connecting") || text.contains("failed to lookup") {
        "check the host name and port, and that the network lets you reach it"
    } else {
        "check the URL and that the server accepts connections from this host"
    };
    base.caused_by(e).hint(hint)
}

/// Whether a command-line source names a database (as opposed to a SQL file or directory).
pub fn is_database_url(source: &str) -> bool {
    source.starts_with("postgres://") || source.starts_with("postgresql://") || source.contains('=')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_never_contains_the_password() {
        let t = parse("postgresql://alice:s3cret@db.example.com:6543/app").unwrap();
        assert_eq!(t.display, "alice@db.example.com:6543/app");
        assert!(!t.display.contains("s3cret"));
        let t = parse("host=/tmp/sock user=bob password=hunter2 dbname=x").unwrap();
        assert!(!t.display.contains("hunter2"));
    }

    #[test]
    fn sources_are_classified() {
        assert!(is_database_url("postgres://x/y"));
        assert!(is_database_url("host=localhost dbname=x"));
        assert!(!is_database_url("schema/"));
        assert!(!is_database_url("./app.sql"));
    }
}
