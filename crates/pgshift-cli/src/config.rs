//! `pgshift.toml`: the project configuration, read from the current directory (or `--config`).
//!
//! Only what the implemented commands use is read; unknown keys are rejected so that a typo
//! is an error, not a silently ignored setting. Every value is checked when the file is loaded
//! ([`Config::validate`]), so a bad one is reported as a configuration error naming the file,
//! the key, the value and an example of a good one, not later as an unrelated failure.

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
    /// The PostgreSQL major version of the embedded scratch server (13–18): production's.
    #[serde(default, deserialize_with = "major_version")]
    pub scratch_version: Option<u32>,
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
    /// `[schema]`: the desired schema's sources (`[[schema.source]]`), instead of `schema_dir`.
    #[serde(default)]
    pub schema: SchemaConfig,
    /// Foreign objects we reference, as `.sql` (default `externals`): loaded first, never owned.
    pub externals_dir: Option<PathBuf>,
    /// Reference data files (default `data`).
    pub data_dir: Option<PathBuf>,
    /// Schemas owned whole: every object in them is ours, and unknown ones are drift.
    #[serde(default)]
    pub own_schemas: Vec<String>,
    /// The schema of the ledger tables (default `public`).
    pub ledger_schema: Option<String>,
    /// `lock_timeout` for each migration transaction (default `5s`): a PostgreSQL duration
    /// (`500ms`, `5s`, `1min`; a plain number is milliseconds, also as a TOML integer).
    #[serde(default, deserialize_with = "duration_text")]
    pub lock_timeout: Option<String>,
    /// How many times a statement that timed out waiting for a lock (`lock_timeout`) is retried,
    /// with a growing pause in between (default 5).
    pub lock_retries: Option<u32>,
    /// Plan the online forms (`CONCURRENTLY`, `NOT VALID` + `VALIDATE`, batched backfills) for
    /// tables that already hold rows, as `new --online` does (default false).
    pub online: Option<bool>,
    /// `[lint]`: rule severities and limits.
    #[serde(default)]
    pub lint: LintConfig,
    /// `[connection]`: TLS and timeout settings for the project's databases (a URL's own
    /// settings and the `PG*` variables win).
    #[serde(default)]
    pub connection: ConnectionConfig,
    /// Where the file was read from, if anywhere.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// The `[schema]` table of `pgshift.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaConfig {
    /// The sources, loaded in order after `externals/`.
    #[serde(default)]
    pub source: Vec<SourceConfig>,
}

/// One `[[schema.source]]`: `sql = "path"`, or `command = [...]` with `inputs` and `timeout`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// A `.sql` file, or a directory of them (loaded in file-name order).
    pub sql: Option<PathBuf>,
    /// A program and its arguments whose standard output is the DDL (run in the working
    /// directory, no shell).
    pub command: Option<Vec<String>>,
    /// Glob patterns of the files the command reads: its output is reused while they are
    /// unchanged (without them it runs every time).
    #[serde(default)]
    pub inputs: Vec<String>,
    /// How long the command may run (default 2min): `"90s"`, `"5min"`, or seconds as a number.
    #[serde(default, deserialize_with = "duration_text")]
    pub timeout: Option<String>,
}

/// A timeout: a number (seconds unless a unit follows: `ms`, `s`, `min`, `h`).
pub fn parse_timeout(text: &str) -> Option<std::time::Duration> {
    let t = text.trim();
    let end = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(end);
    let n: f64 = number.parse().ok().filter(|n: &f64| n.is_finite() && *n > 0.0)?;
    let seconds = match unit.trim_start() {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    std::time::Duration::try_from_secs_f64(seconds).ok().filter(|d| d.as_secs() < 7 * 24 * 3600)
}

/// The `[lint]` table of `pgshift.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintConfig {
    /// Severity per rule id: `"error"`, `"warning"` or `"off"`.
    #[serde(default)]
    pub rules: std::collections::BTreeMap<String, String>,
    /// Relations one transaction may lock before `many-tables-in-transaction` reports (the
    /// server's `max_locks_per_transaction`; default 64).
    pub max_locks_per_transaction: Option<usize>,
}

/// The `[connection]` table of `pgshift.toml`: libpq's names.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionConfig {
    /// `disable`, `allow`, `prefer` (default), `require`, `verify-ca` or `verify-full`.
    pub sslmode: Option<String>,
    /// The CA's PEM file, or `system` for the platform's trust store.
    pub sslrootcert: Option<String>,
    /// A client certificate (PEM).
    pub sslcert: Option<String>,
    /// The client certificate's key (PEM).
    pub sslkey: Option<String>,
    /// Seconds the whole connection may take (default 10).
    pub connect_timeout: Option<u64>,
}

impl ConnectionConfig {
    /// As settings for `pgshift-connect` (the lowest precedence).
    pub fn options(&self) -> pgshift_connect::Options {
        pgshift_connect::Options {
            sslmode: self.sslmode.clone(),
            sslrootcert: self.sslrootcert.clone(),
            sslcert: self.sslcert.clone(),
            sslkey: self.sslkey.clone(),
            connect_timeout: self.connect_timeout.map(|t| t.to_string()),
        }
    }
}

/// `scratch_version` as a TOML string (`"17"`) or integer (`17`).
fn major_version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Major {
        Int(u32),
        Str(String),
    }
    match Major::deserialize(d)? {
        Major::Int(n) => Ok(Some(n)),
        Major::Str(s) => s.trim().parse().map(Some).map_err(|_| serde::de::Error::custom(format!("`{s}` is not a major version such as \"17\""))),
    }
}

/// `lock_timeout` as text: a TOML string, or an integer (milliseconds).
fn duration_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Int(i64),
        Str(String),
    }
    Ok(Some(match Text::deserialize(d)? {
        Text::Int(n) => n.to_string(),
        Text::Str(s) => s,
    }))
}

/// Whether PostgreSQL accepts `text` as a duration setting (`lock_timeout`): a non-negative
/// number, optionally fractional, then optionally one of its units, spaces allowed around.
pub fn is_duration(text: &str) -> bool {
    let t = text.trim();
    let digits_end = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits_end);
    let number_ok = !number.is_empty()
        && number.matches('.').count() <= 1
        && number.chars().any(|c| c.is_ascii_digit())
        && number.parse::<f64>().is_ok_and(|n| n <= i32::MAX as f64);
    number_ok && matches!(unit.trim_start(), "" | "us" | "ms" | "s" | "min" | "h" | "d")
}

/// A schema name PostgreSQL can hold: 1 to 63 bytes, no control characters.
fn identifier(name: &str) -> Result<(), String> {
    if name.is_empty() {
        Err("is empty".to_owned())
    } else if name.len() > 63 {
        Err(format!("is {} bytes long; PostgreSQL names hold at most 63", name.len()))
    } else if name.chars().any(char::is_control) {
        Err("holds a control character".to_owned())
    } else {
        Ok(())
    }
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
        config.validate(&path)?;
        config.path = Some(path);
        Ok(config)
    }

    /// Check every value; the error names `path`, the key, the bad value and a good example.
    pub fn validate(&self, path: &Path) -> Result<(), CliError> {
        let bad = |key: &str, value: &str, why: &str, example: &str| {
            // JSON string quoting: a value with control characters prints on one line.
            let shown = serde_json::to_string(value).unwrap_or_default();
            CliError::usage(format!("{}: {key} = {shown} {why}", path.display())).hint(format!("e.g. {example}"))
        };
        if let Some(var) = &self.database_url_env {
            let mut chars = var.chars();
            let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err(bad("database_url_env", var, "is not an environment variable name", "database_url_env = \"DATABASE_URL\""));
            }
        }
        if let Some(url) = &self.scratch_url {
            // Never echo the value: it may hold a password.
            if !crate::connect::is_database_url(url) || url.parse::<tokio_postgres::Config>().is_err() {
                return Err(CliError::usage(format!("{}: scratch_url is not a database URL", path.display()))
                    .hint("e.g. scratch_url = \"postgresql://postgres@localhost/postgres\" (or key=value pairs: host=… dbname=…)"));
            }
        }
        for pattern in &self.ignore {
            if let Err(e) = pgshift_catalog::NamePattern::parse(pattern) {
                return Err(bad("ignore", pattern, &format!("is not a name pattern: {}", e.reason), "ignore = [\"audit_*\", \"legacy.\\\"Old\\\"\"]")
                    .hint("patterns are `name` or `schema.name`; `*` and `?` are globs; double-quote a part to match it exactly; e.g. ignore = [\"audit_*\"]"));
            }
        }
        for (key, names) in [("ignore_schemas", &self.ignore_schemas), ("own_schemas", &self.own_schemas)] {
            for name in names {
                if let Err(why) = identifier(name) {
                    return Err(bad(key, name, &why, &format!("{key} = [\"billing\"]")));
                }
            }
        }
        if let Some(schema) = &self.ledger_schema {
            if let Err(why) = identifier(schema) {
                return Err(bad("ledger_schema", schema, &why, "ledger_schema = \"public\""));
            }
        }
        if let Some(timeout) = &self.lock_timeout {
            if !is_duration(timeout) {
                return Err(bad(
                    "lock_timeout",
                    timeout,
                    "is not a PostgreSQL duration (a number with one of the units us, ms, s, min, h, d; a plain number is milliseconds)",
                    "lock_timeout = \"5s\" (or \"500ms\", \"1min\", 5000)",
                ));
            }
        }
        if let Some(major) = self.scratch_version.filter(|m| !(13..=18).contains(m)) {
            return Err(bad(
                "scratch_version",
                &major.to_string(),
                "is not a PostgreSQL major version pgshift runs (13 to 18)",
                "scratch_version = \"17\"",
            ));
        }
        if let Some(mode) = &self.connection.sslmode {
            if pgshift_connect::SslMode::parse(mode).is_none() {
                return Err(bad(
                    "[connection] sslmode",
                    mode,
                    "is not an sslmode (disable, allow, prefer, require, verify-ca, verify-full)",
                    "sslmode = \"verify-full\"",
                ));
            }
        }
        for (id, severity) in &self.lint.rules {
            if pgshift_lint::rules::find(id).is_none() {
                let ids: Vec<&str> = pgshift_lint::rules::ALL.iter().map(|r| r.meta().id).collect();
                return Err(CliError::usage(format!("{}: [lint] rules: `{id}` is not a lint rule", path.display()))
                    .hint(format!("the rules are: {} (`pgshift lint --rules` lists them with what they catch)", ids.join(", "))));
            }
            if pgshift_lint::Severity::parse(severity).is_none() {
                return Err(bad("[lint] rules", severity, &format!("is not a severity for `{id}`"), &format!("\"{id}\" = \"warning\" (or \"error\", \"off\")")));
            }
        }
        self.validate_sources(path)?;
        for (key, dir, example) in [
            ("migrations_dir", &self.migrations_dir, "migrations"),
            ("schema_dir", &self.schema_dir, "schema"),
            ("externals_dir", &self.externals_dir, "externals"),
            ("data_dir", &self.data_dir, "data"),
        ] {
            let Some(dir) = dir else { continue };
            let text = dir.to_string_lossy();
            let why = if text.trim().is_empty() {
                Some("is empty")
            } else if text.chars().any(char::is_control) {
                Some("holds a control character")
            } else if dir.exists() && !dir.is_dir() {
                Some("is not a directory")
            } else {
                None
            };
            if let Some(why) = why {
                return Err(bad(key, &text, why, &format!("{key} = \"{example}\" (a directory, relative to the working directory)")));
            }
        }
        Ok(())
    }

    fn validate_sources(&self, path: &Path) -> Result<(), CliError> {
        let sources = &self.schema.source;
        let example = "[[schema.source]]\ncommand = [\"python\", \"-m\", \"pgshift_sqlalchemy\", \"app.models:Base.metadata\"]\ninputs = [\"app/**/*.py\"]";
        let bad = |i: usize, why: &str| {
            CliError::usage(format!("{}: [[schema.source]] number {}: {why}", path.display(), i + 1))
                .hint(format!("each source is `sql = \"schema\"` (a .sql file or directory) or a command, e.g.\n{example}"))
        };
        if self.schema_dir.is_some() && !sources.is_empty() {
            return Err(CliError::usage(format!("{}: schema_dir and [[schema.source]] are both set", path.display()))
                .hint("use one: add the directory as a source of its own (`sql = \"schema\"`) and remove schema_dir"));
        }
        for (i, source) in sources.iter().enumerate() {
            match (&source.sql, &source.command) {
                (Some(_), Some(_)) => return Err(bad(i, "has both `sql` and `command`; a source is one or the other")),
                (None, None) => return Err(bad(i, "has neither `sql` nor `command`")),
                (Some(sql), None) => {
                    if !source.inputs.is_empty() || source.timeout.is_some() {
                        return Err(bad(i, "`inputs` and `timeout` belong to a command source, not to `sql`"));
                    }
                    if sql.as_os_str().is_empty() {
                        return Err(bad(i, "`sql` is empty"));
                    }
                }
                (None, Some(command)) => {
                    if command.first().is_none_or(|p| p.trim().is_empty()) {
                        return Err(bad(i, "`command` names no program"));
                    }
                    if let Some(timeout) = &source.timeout {
                        if parse_timeout(timeout).is_none() {
                            return Err(bad(i, &format!("timeout = {timeout:?} is not a duration (e.g. timeout = \"90s\" or \"5min\")")));
                        }
                    }
                    if let Some(pattern) = source.inputs.iter().find(|p| glob::Pattern::new(p).is_err() || Path::new(p).is_absolute()) {
                        return Err(bad(i, &format!("inputs pattern {pattern:?} is not a relative glob pattern (e.g. \"app/**/*.py\")")));
                    }
                }
            }
        }
        Ok(())
    }

    /// The desired schema's sources: the `[[schema.source]]` entries in order, else the schema
    /// directory. Commands run in the working directory (as every path here is relative to it).
    pub fn sources(&self) -> Vec<pgshift_source::Source> {
        if self.schema.source.is_empty() {
            return vec![pgshift_source::Source::Sql(self.schema_dir())];
        }
        self.schema
            .source
            .iter()
            .map(|s| match (&s.sql, &s.command) {
                (Some(sql), _) => pgshift_source::Source::Sql(sql.clone()),
                (None, command) => pgshift_source::Source::Command(pgshift_source::CommandSource {
                    argv: command.clone().unwrap_or_default(),
                    dir: PathBuf::from("."),
                    inputs: s.inputs.clone(),
                    timeout: s
                        .timeout
                        .as_deref()
                        .and_then(parse_timeout)
                        .unwrap_or(pgshift_source::command::DEFAULT_TIMEOUT),
                    env: Vec::new(),
                }),
            })
            .collect()
    }

    /// The lint settings: `[lint]` and the `lock_timeout` the engine sets around each revision.
    pub fn lint_settings(&self) -> pgshift_lint::Settings {
        pgshift_lint::Settings {
            severities: self.lint.rules.iter().filter_map(|(id, s)| Some((id.clone(), pgshift_lint::Severity::parse(s)?))).collect(),
            lock_timeout: Some(self.lock_timeout.clone().unwrap_or_else(|| "5s".to_owned())),
            max_locks: self.lint.max_locks_per_transaction.unwrap_or(0),
        }
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
        scratch.pg_version = self.scratch_version;
        scratch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, CliError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgshift.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(Some(&path))
    }

    fn message(text: &str) -> String {
        let e = load(text).unwrap_err();
        format!("{}\nhint: {}", e.message, e.hint.unwrap_or_default())
    }

    #[test]
    fn schema_sources_are_checked_and_ordered() {
        let config = load(
            "[[schema.source]]\nsql = \"views\"\n\n[[schema.source]]\ncommand = [\"python\", \"-m\", \"pgshift_sqlalchemy\", \"app.models:Base.metadata\"]\ninputs = [\"app/**/*.py\"]\ntimeout = \"90s\"\n",
        )
        .unwrap();
        let sources = config.sources();
        assert_eq!(sources[0], pgshift_source::Source::Sql(PathBuf::from("views")));
        let pgshift_source::Source::Command(c) = &sources[1] else { panic!("{sources:?}") };
        assert_eq!((c.argv.len(), c.inputs.as_slice(), c.timeout.as_secs()), (4, &["app/**/*.py".to_owned()][..], 90));
        assert_eq!(load("").unwrap().sources(), vec![pgshift_source::Source::Sql(PathBuf::from("schema"))]);

        for (text, expected) in [
            ("[[schema.source]]\n", "has neither `sql` nor `command`"),
            ("[[schema.source]]\nsql = \"a\"\ncommand = [\"b\"]\n", "has both `sql` and `command`"),
            ("[[schema.source]]\ncommand = []\n", "`command` names no program"),
            ("[[schema.source]]\ncommand = [\"x\"]\ntimeout = \"soon\"\n", "timeout = \"soon\" is not a duration"),
            ("[[schema.source]]\ncommand = [\"x\"]\ninputs = [\"/abs/*.py\"]\n", "is not a relative glob pattern"),
            ("[[schema.source]]\nsql = \"a\"\ninputs = [\"x\"]\n", "belong to a command source"),
            ("schema_dir = \"s\"\n[[schema.source]]\nsql = \"a\"\n", "schema_dir and [[schema.source]] are both set"),
            ("[[schema.source]]\nshell = \"x\"\n", "is not a valid pgshift configuration"),
        ] {
            let m = message(text);
            assert!(m.contains(expected), "{text}: {m}");
        }
        assert_eq!(parse_timeout("2min"), Some(std::time::Duration::from_secs(120)));
        assert_eq!(parse_timeout("45"), Some(std::time::Duration::from_secs(45)));
        assert_eq!(parse_timeout("1500ms"), Some(std::time::Duration::from_millis(1500)));
        assert_eq!(parse_timeout("0"), None);
        assert_eq!(parse_timeout("1 fortnight"), None);
    }

    #[test]
    fn durations_in_postgres_syntax() {
        for ok in ["5s", "500ms", "1min", "5000", "0", "1.5s", "2 h", " 10 d ", "250us"] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in ["five seconds", "", "s", "5 sec", "5S", "-1s", "1.2.3s", "5s5", "99999999999"] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    #[test]
    fn good_values_load() {
        let c = load(
            "lock_timeout = 5000\nledger_schema = \"Ledger\"\nignore = [\"audit_*\", 'x.\"Y\"']\n\
             own_schemas = [\"billing\"]\nscratch_url = \"postgresql://postgres@localhost/postgres\"\nmigrations_dir = \"db/migrations\"\n",
        )
        .unwrap();
        assert_eq!(c.lock_timeout.as_deref(), Some("5000"));
        assert!(load("lock_timeout = \"1min\"\n").is_ok());
    }

    #[test]
    fn bad_values_are_named_with_a_good_example() {
        let m = message("lock_timeout = \"five seconds\"\n");
        assert!(m.contains("pgshift.toml: lock_timeout = \"five seconds\" is not a PostgreSQL duration"), "{m}");
        assert!(m.contains("e.g. lock_timeout = \"5s\""), "{m}");
        let m = message("ledger_schema = \"\"\n");
        assert!(m.contains("ledger_schema = \"\" is empty") && m.contains("e.g. ledger_schema = \"public\""), "{m}");
        let m = message(&format!("ledger_schema = \"{}\"\n", "x".repeat(64)));
        assert!(m.contains("at most 63"), "{m}");
        let m = message("ignore = [\"a.b.c\"]\n");
        assert!(m.contains("ignore = \"a.b.c\" is not a name pattern"), "{m}");
        let m = message("database_url_env = \"MY URL\"\n");
        assert!(m.contains("database_url_env = \"MY URL\" is not an environment variable name"), "{m}");
        let m = message("scratch_url = \"nonsense\"\n");
        assert!(m.contains("scratch_url is not a database URL") && m.contains("e.g. scratch_url"), "{m}");
        let m = message("own_schemas = [\"a\\nb\"]\n");
        assert!(m.contains("own_schemas = \"a\\nb\" holds a control character"), "{m}");
        let m = message("schema_dir = \"\"\n");
        assert!(m.contains("schema_dir = \"\" is empty"), "{m}");
    }
}
