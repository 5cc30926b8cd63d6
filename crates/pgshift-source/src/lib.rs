//! pgshift-source: the desired state as a list of sources, loaded in order into a database.
//!
//! Owns: finding the SQL files of a source (a file, or a directory's `*.sql` in file-name
//! order), executing them into a given (scratch) database, and mapping a failure back to the
//! file, line and column, with PostgreSQL's message, detail and hint.
//!
//! Rules: a leading UTF-8 byte-order mark is ignored (as in migration files). A `.sql` entry of
//! a directory that cannot be read (a dangling or looping symbolic link, no permission, not
//! UTF-8) is an error naming it, never skipped: a skipped file would make the next migration
//! drop its objects. An error PostgreSQL gives without a position is reported at the file, not
//! at an invented line.
//!
//! A command source ([`CommandSource`], see [`command`]) is a program whose standard output is
//! the DDL: an ORM's models printed as SQL. It runs in the working directory with a timeout;
//! its output is cached by a hash of its command line and of the files it names as inputs, and
//! a failure to load it names the command and the line of its output.
//!
//! Must not: pick the database (the caller hands in a client for a scratch database), inspect,
//! or rewrite the SQL it loads.

pub mod command;

use std::fmt;
use std::path::{Path, PathBuf};

use tokio_postgres::Client;

pub use command::CommandSource;

/// One desired-state source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A `.sql` file, or a directory whose `*.sql` files load in file-name order.
    Sql(PathBuf),
    /// A command whose standard output is the DDL.
    Command(CommandSource),
}

/// A SQL text read from a source.
#[derive(Clone, Debug)]
pub struct SqlFile {
    /// Where it came from: the file, or where a command's output was saved.
    pub path: PathBuf,
    /// What identifies it within its source (part of cache keys): the file's path relative to
    /// its source's directory, or the command line.
    pub name: String,
    /// The command that printed it, for a command source's output.
    pub command: Option<String>,
    /// Its text.
    pub text: String,
}

/// Where in a file something went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file (for a command's output: where it was saved, or `<stdout>` when it was not).
    pub path: PathBuf,
    /// Line and column in characters, both 1-based; `None` when PostgreSQL gave no position.
    pub position: Option<(usize, usize)>,
    /// The command whose output this is, for a command source.
    pub command: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(command) = &self.command {
            write!(f, "the output of `{command}`")?;
            if let Some((line, column)) = self.position {
                write!(f, ", line {line} column {column}")?;
            }
            return write!(f, " (saved as {})", self.path.display());
        }
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}", self.path.display()),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// What can go wrong while reading or loading a source.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file or directory cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A directory source holds no `.sql` file.
    #[error("{path} holds no .sql file")]
    Empty {
        /// The directory.
        path: PathBuf,
    },
    /// PostgreSQL rejected a statement of a file.
    #[error("{location}: {message}{}{}{}", if location.position.is_none() { "\n(PostgreSQL gave no position: the failing statement is somewhere in this file)" } else { "" }, detail.as_ref().map(|d| format!("\ndetail: {d}")).unwrap_or_default(), hint.as_ref().map(|h| format!("\nhint: {h}")).unwrap_or_default())]
    Statement {
        /// Where (the file alone when PostgreSQL gave no position).
        location: Box<Location>,
        /// PostgreSQL's message, with its severity and SQLSTATE.
        message: String,
        /// PostgreSQL's detail.
        detail: Option<String>,
        /// PostgreSQL's hint.
        hint: Option<String>,
    },
    /// A `.sql` entry of a directory is a symbolic link that leads nowhere.
    #[error(
        "{} is a symbolic link whose target cannot be reached ({source}); point it at an existing .sql file or \
         delete it (a skipped file would make the next migration drop everything it declares)",
        path.display()
    )]
    BrokenLink {
        /// The link.
        path: PathBuf,
        /// Why following it failed (not found, too many levels of links, permission).
        #[source]
        source: std::io::Error,
    },
    /// A command source could not be started (not found, not executable).
    #[error("cannot run the schema command `{command}`: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A command source exited with a failure.
    #[error("the schema command `{command}` failed ({status}); nothing was written{}", if stderr.is_empty() { " (it printed nothing on stderr)".to_owned() } else { format!("; the end of its stderr:\n{}", stderr.lines().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n")) })]
    CommandFailed {
        /// The command line.
        command: String,
        /// How it exited (`exit status 2`, `killed by signal 9`).
        status: String,
        /// The last lines of its standard error.
        stderr: String,
    },
    /// A command source ran longer than its timeout and was killed.
    #[error("the schema command `{command}` did not finish within {}s and was killed; nothing was written{}", timeout.as_secs_f64(), if stderr.is_empty() { String::new() } else { format!("; the end of its stderr:\n{}", stderr.lines().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n")) })]
    Timeout {
        /// The command line.
        command: String,
        /// The timeout.
        timeout: std::time::Duration,
        /// The last lines of its standard error.
        stderr: String,
    },
    /// A command source printed something that is not a schema.
    #[error("the schema command `{command}` {problem}; nothing was written")]
    CommandOutput {
        /// The command line.
        command: String,
        /// What is wrong with the output.
        problem: String,
    },
    /// An `inputs` pattern of a command source is malformed or matches no file.
    #[error("the schema command `{command}`: inputs pattern `{pattern}` {problem}")]
    Inputs {
        /// The command line.
        command: String,
        /// The pattern.
        pattern: String,
        /// What is wrong.
        problem: String,
    },
    /// The connection failed while loading.
    #[error("{path}: the database connection failed while loading: {source}")]
    Connection {
        /// The file being loaded.
        path: PathBuf,
        /// The driver error.
        #[source]
        source: tokio_postgres::Error,
    },
}

impl Source {
    /// The SQL texts of this source, in load order: a SQL source's files, or a command's output
    /// (taken from `cache`, a directory, when its inputs have not changed since it was saved
    /// there).
    pub async fn read(&self, cache: Option<&Path>) -> Result<Vec<SqlFile>, SourceError> {
        match self {
            Source::Sql(path) => sql_files(path),
            Source::Command(command) => Ok(vec![command.output(cache).await?]),
        }
    }

    /// How the source is named in messages: the path, or the command line.
    pub fn describe(&self) -> String {
        match self {
            Source::Sql(path) => path.display().to_string(),
            Source::Command(command) => format!("`{}`", command.display()),
        }
    }
}

/// The SQL texts of `sources`, in order (see [`Source::read`]).
pub async fn read_all(sources: &[Source], cache: Option<&Path>) -> Result<Vec<SqlFile>, SourceError> {
    let mut files = Vec::new();
    for source in sources {
        files.extend(source.read(cache).await?);
    }
    Ok(files)
}

/// The `.sql` file `path`, or the `*.sql` files of directory `path` in file-name order.
pub fn sql_files(path: &Path) -> Result<Vec<SqlFile>, SourceError> {
    let read_err = |source| SourceError::Read { path: path.to_owned(), source };
    let meta = std::fs::metadata(path).map_err(|source| broken(path, source))?;
    if !meta.is_dir() {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        return Ok(vec![read_file(path, name)?]);
    }
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(path).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let p = entry.path();
        if p.extension().is_some_and(|e| e == "sql") {
            // Follows links: a dangling or looping one is an error here, not a skipped file.
            let meta = std::fs::metadata(&p).map_err(|source| broken(&p, source))?;
            if meta.is_file() {
                paths.push(p);
            }
        }
    }
    if paths.is_empty() {
        return Err(SourceError::Empty { path: path.to_owned() });
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(path).unwrap_or(&p).to_string_lossy().into_owned();
            read_file(&p, name)
        })
        .collect()
}

/// A file's text, without a leading byte-order mark.
fn read_file(path: &Path, name: String) -> Result<SqlFile, SourceError> {
    let text = std::fs::read_to_string(path).map_err(|source| SourceError::Read { path: path.to_owned(), source })?;
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    Ok(SqlFile { path: path.to_owned(), name, command: None, text })
}

/// The error for a path whose metadata cannot be read: a broken link when it is a link.
fn broken(path: &Path, source: std::io::Error) -> SourceError {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        SourceError::BrokenLink { path: path.to_owned(), source }
    } else {
        SourceError::Read { path: path.to_owned(), source }
    }
}

/// Execute the files, in order, into the database behind `client`.
pub async fn load(client: &Client, files: &[SqlFile]) -> Result<(), SourceError> {
    for file in files {
        if let Err(e) = client.batch_execute(&file.text).await {
            return Err(match e.as_db_error() {
                Some(db) => {
                    let position = match db.position() {
                        Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(line_col(&file.text, *p as usize)),
                        _ => None,
                    };
                    SourceError::Statement {
                        location: Box::new(Location { path: file.path.clone(), position, command: file.command.clone() }),
                        message: format!("{}: {} ({})", db.severity(), db.message(), db.code().code()),
                        detail: db.detail().map(str::to_owned),
                        hint: db.hint().map(str::to_owned),
                    }
                }
                None => SourceError::Connection { path: file.path.clone(), source: e },
            });
        }
    }
    Ok(())
}

/// Line and column (1-based) of the 1-based character `position` PostgreSQL reports (0 maps
/// to 1:1; [`load`] passes only real positions).
pub fn line_col(text: &str, position: usize) -> (usize, usize) {
    let (mut line, mut col) = (1, 1);
    for ch in text.chars().take(position.saturating_sub(1)) {
        if ch == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::line_col;

    #[test]
    fn positions_map_to_lines_and_columns() {
        let text = "CREATE TABLE a (id int);\nCREATE TABLE b (x nosuchtype);\n";
        let pos = text[..text.find("nosuchtype").unwrap()].chars().count() + 1;
        assert_eq!(line_col(text, pos), (2, 19));
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col("é\nx", 3), (2, 1));
    }
}
