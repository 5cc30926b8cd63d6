//! `pgshift.toml`: the project configuration, read from the current directory (or `--config`).
//!
//! Only what the implemented commands use is read; unknown keys are rejected so that a typo
//! is an error, not a silently ignored setting.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::CliError;

/// The parsed configuration (defaults when there is no file).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Environment variable holding the target database URL (default `DATABASE_URL`).
    pub database_url_env: Option<String>,
    /// An existing server to use for scratch databases instead of the embedded one.
    pub scratch_url: Option<String>,
    /// Name patterns never to read or touch (an extra guard beside ownership).
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Schemas never to read or touch.
    #[serde(default)]
    pub ignore_schemas: Vec<String>,
    /// The migrations directory (default `migrations`), relative to the working directory.
    pub migrations_dir: Option<PathBuf>,
    /// The desired schema's directory of `.sql` files (default `schema`).
    pub schema_dir: Option<PathBuf>,
    /// Foreign objects we reference, as `.sql` (default `externals`): loaded first, never owned.
    pub externals_dir: Option<PathBuf>,
    /// Reference data files (default `data`).
    pub data_dir: Option<PathBuf>,
    /// Schemas owned whole: every object in them is ours, and unknown ones are drift.
    #[serde(default)]
    pub own_schemas: Vec<String>,
    /// The schema of the ledger tables (default `public`).
    pub ledger_schema: Option<String>,
    /// `lock_timeout` for each migration transaction (default `5s`).
    pub lock_timeout: Option<String>,
    /// Where the file was read from, if anywhere.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

impl Config {
    /// Read `path`, or `./pgshift.toml` when it exists, or defaults.
    pub fn load(path: Option<&Path>) -> Result<Config, CliError> {
        let (path, required) = match path {
            Some(p) => (p.to_owned(), true),
            None => (PathBuf::from("pgshift.toml"), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => {
                return Err(CliError::usage(format!("cannot read {}", path.display()))
                    .caused_by(&e)
                    .hint("pass an existing file to --config, or run without it"))
            }
        };
        let mut config: Config = toml::from_str(&text).map_err(|e| {
            CliError::usage(format!("{} is not a valid pgshift configuration", path.display()))
                .caused_by(&e)
                .hint("see README.md for the keys pgshift.toml accepts")
        })?;
        config.path = Some(path);
        Ok(config)
    }

    /// The environment variable that holds the database URL.
    pub fn database_url_env(&self) -> &str {
        self.database_url_env.as_deref().unwrap_or("DATABASE_URL")
    }

    /// Whether the command runs in a pgshift project: a `pgshift.toml` was read, or the schema
    /// or migrations directory exists. Then live databases are read through the ownership filter.
    pub fn in_project(&self) -> bool {
        self.path.is_some() || self.schema_dir().is_dir() || self.migrations_dir().is_dir()
    }

    /// The migrations directory.
    pub fn migrations_dir(&self) -> PathBuf {
        self.migrations_dir.clone().unwrap_or_else(|| PathBuf::from("migrations"))
    }

    /// The desired schema's directory.
    pub fn schema_dir(&self) -> PathBuf {
        self.schema_dir.clone().unwrap_or_else(|| PathBuf::from("schema"))
    }

    /// The externals directory.
    pub fn externals_dir(&self) -> PathBuf {
        self.externals_dir.clone().unwrap_or_else(|| PathBuf::from("externals"))
    }

    /// The reference data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(|| PathBuf::from("data"))
    }

    /// Scratch server settings: environment first (`PGSHIFT_SCRATCH_URL`, `PGSHIFT_PG_BINDIR`),
    /// then this file.
    pub fn scratch(&self) -> pgshift_scratch::ScratchConfig {
        let mut scratch = pgshift_scratch::ScratchConfig::from_env();
        if scratch.url.is_none() {
            scratch.url = self.scratch_url.clone();
        }
        scratch
    }
}
