//! Connections to the user's databases, through `pgshift-connect` (libpq's TLS and timeout
//! settings from the URL, the `PG*` variables and `pgshift.toml`'s `[connection]`): its errors
//! as the CLI's, naming host, port, database and user, never the password.

use tokio_postgres::Client;

use crate::config::Config;
use crate::error::CliError;

pub use pgshift_connect::Target;

/// Parse a libpq URL or key/value conninfo, with the configuration's `[connection]` settings
/// and the environment's beneath the URL's own.
pub fn parse(url: &str, config: &Config) -> Result<Target, CliError> {
    pgshift_connect::parse_with_env(url, &config.connection.options()).map_err(CliError::from)
}

/// Connect, spawning the connection task; errors name the target and what to change.
pub async fn connect(target: &Target) -> Result<Client, CliError> {
    pgshift_connect::connect(target).await.map_err(CliError::from)
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
        let config = Config::default();
        let t = parse("postgresql://alice:s3cret@db.example.com:6543/app", &config).unwrap();
        assert_eq!(t.display, "alice@db.example.com:6543/app");
        assert!(!t.display.contains("s3cret"));
        let t = parse("host=/tmp/sock user=bob password=hunter2 dbname=x", &config).unwrap();
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
