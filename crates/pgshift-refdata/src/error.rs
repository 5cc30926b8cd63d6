//! The one error type of reference data, and how a row is named in it.
//!
//! Owns: [`RefError`] and [`RowRef`] (file, row and its natural key, as the user wrote them).
//! Every bad-input error names the file, the row by its key and the column, so that the user
//! can find the line to fix without reading SQL.

use std::fmt;
use std::path::PathBuf;

use pgshift_catalog::QualName;
use pgshift_history::apply::db_text;

/// A declared row, as the user can find it: its file, where in the file, and its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowRef {
    /// The data file that declares it.
    pub file: PathBuf,
    /// Where in that file: `row 3`, or `voices.json item 7` for generated rows.
    pub origin: String,
    /// The natural key as written, e.g. `tier = "pro"` (what of it the row gives).
    pub key: String,
}

impl fmt::Display for RowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.file.display(), self.origin)?;
        if !self.key.is_empty() {
            write!(f, " ({})", self.key)?;
        }
        Ok(())
    }
}

/// What can go wrong with reference data. Nothing is written when any of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum RefError {
    /// A data file (or a list it reads rows from) cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A data file is not valid TOML/JSON, or not of the data file's shape.
    #[error("{}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, in words.
        message: String,
    },
    /// A file names a table this project does not own.
    #[error("{}: table {table} is not owned by this project (it is not declared in the schema), so its rows cannot be synced", path.display())]
    NotOwned {
        /// The file.
        path: PathBuf,
        /// The table as written.
        table: String,
    },
    /// An unqualified table name matches owned tables in several schemas.
    #[error("{}: table {table} is ambiguous: {}; qualify it as schema.table", path.display(), candidates.join(", "))]
    AmbiguousTable {
        /// The file.
        path: PathBuf,
        /// The table as written.
        table: String,
        /// The matching owned tables.
        candidates: Vec<String>,
    },
    /// An owned table does not exist in the database.
    #[error("{}: table {table} does not exist in the database; apply the pending migrations first (`pgshift upgrade`)", path.display())]
    MissingTable {
        /// The file.
        path: PathBuf,
        /// The table.
        table: QualName,
    },
    /// Two files declare the same table with different key columns.
    #[error("{} declares {table} with key ({}), but {} declares it with key ({}); one table has one natural key", path.display(), key.join(", "), other.display(), other_key.join(", "))]
    KeyMismatch {
        /// The file.
        path: PathBuf,
        /// The table.
        table: QualName,
        /// Its key there.
        key: Vec<String>,
        /// The other file.
        other: PathBuf,
        /// The key there.
        other_key: Vec<String>,
    },
    /// A row lacks one of the key columns.
    #[error("{row}: the key column {column} is missing")]
    MissingKey {
        /// The row.
        row: RowRef,
        /// The key column.
        column: String,
    },
    /// A row lacks a column that other rows of the same table set.
    #[error("{row}: column {column} is missing; other rows of {table} set it (give it in every row, or in [defaults])")]
    MissingColumn {
        /// The row.
        row: RowRef,
        /// The table.
        table: QualName,
        /// The column.
        column: String,
    },
    /// Two rows have the same natural key.
    #[error("{row}: duplicate natural key; {other} has the same key")]
    DuplicateKey {
        /// The later row.
        row: RowRef,
        /// The first row with that key.
        other: RowRef,
    },
    /// A row names a column the table does not have (or one that cannot be written).
    #[error("{row}: column {column} {why} {table}")]
    UnknownColumn {
        /// The row.
        row: RowRef,
        /// The table.
        table: QualName,
        /// The column.
        column: String,
        /// `does not exist in`, or `is generated in`.
        why: &'static str,
    },
    /// A value is not valid input for the live column's type.
    #[error("{row}: column {column}: {value:?} is not a valid {ty}: {message}")]
    WrongType {
        /// The row.
        row: RowRef,
        /// The column (`model_id.slug` for a reference's key column).
        column: String,
        /// The column's type in the database.
        ty: String,
        /// The value as written.
        value: String,
        /// PostgreSQL's message.
        message: String,
    },
    /// An `{ env = "NAME" }` value whose variable is not set and that has no default.
    #[error("{row}: column {column}: the environment variable {var} is not set (and the value has no `default`)")]
    MissingEnv {
        /// The row.
        row: RowRef,
        /// The column.
        column: String,
        /// The variable.
        var: String,
    },
    /// `seed freeze` would write a value taken from the environment into a migration.
    #[error(
        "{row}: column {column}: its value comes from the environment variable {var}, and `seed freeze` never \
         writes environment values (they may be secrets) into a committed migration; apply this change with \
         `pgshift seed sync` on each database instead, or, if the value is not secret, write it into the data file"
    )]
    EnvInFreeze {
        /// The row.
        row: RowRef,
        /// The column.
        column: String,
        /// The variable.
        var: String,
    },
    /// A value is of a form that cannot be used (e.g. a reference inside a reference).
    #[error("{row}: column {column}: {message}")]
    BadValue {
        /// The row.
        row: RowRef,
        /// The column.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// A reference to a row that is neither declared nor in the database.
    #[error("{row}: column {column}: the referenced row {target} does not exist (it is neither declared in data/ nor in the database)")]
    MissingRef {
        /// The row.
        row: RowRef,
        /// The column.
        column: String,
        /// The referenced row, e.g. `public.ttsmodel (slug = "kokoro")`.
        target: String,
    },
    /// Tables whose references form a cycle: no order syncs them set by set.
    #[error("the references between {} form a cycle; pgshift cannot order them", tables.join(", "))]
    Cycle {
        /// The tables involved.
        tables: Vec<String>,
    },
    /// A query failed.
    #[error("{context}: {}", db_text(source))]
    Db {
        /// What was being done.
        context: String,
        /// The driver error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// Taking or releasing the advisory lock failed.
    #[error(transparent)]
    Lock(#[from] pgshift_history::ApplyError),
}

impl RefError {
    /// What to do next, where the message does not already say it (the one place reference
    /// data's advice lives; a front end prints it after the message).
    pub fn hint(&self) -> Option<String> {
        let fix = "fix the file; nothing was written";
        let hint = match self {
            RefError::Lock(apply) => return apply.hint(),
            RefError::Db { .. } => "check the connection and that the user may read and write the reference tables",
            RefError::Read { .. } => {
                "create the data directory (or pass --data DIR / set data_dir in pgshift.toml); a symbolic link must point at an existing file"
            }
            RefError::EnvInFreeze { .. } => "no migration was written",
            RefError::NotOwned { .. } => {
                "only tables declared in the schema directory may hold reference data; declare the table there, or remove the file"
            }
            // The message says it: apply the pending migrations.
            RefError::MissingTable { .. } => return None,
            RefError::MissingEnv { .. } => "set the variable, or give the value a default: { env = \"NAME\", default = \"…\" }",
            RefError::MissingRef { .. } => "declare the referenced row in data/, or fix the reference's key; nothing was written",
            RefError::Cycle { .. } => "break the cycle: declare one side's column without a reference and set it by a migration",
            RefError::Format { .. }
            | RefError::AmbiguousTable { .. }
            | RefError::KeyMismatch { .. }
            | RefError::MissingKey { .. }
            | RefError::MissingColumn { .. }
            | RefError::DuplicateKey { .. }
            | RefError::UnknownColumn { .. }
            | RefError::WrongType { .. }
            | RefError::BadValue { .. } => fix,
        };
        Some(hint.to_owned())
    }

    /// Whether the database (not the data files) is the cause.
    pub fn is_database(&self) -> bool {
        match self {
            RefError::Db { .. } => true,
            RefError::Lock(apply) => apply.is_database(),
            _ => false,
        }
    }
}

/// A closure for `map_err` that wraps a driver error with what was being done.
pub(crate) fn db(context: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> RefError {
    let context = context.into();
    move |source| RefError::Db { context, source }
}
