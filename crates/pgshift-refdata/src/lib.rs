//! pgshift-refdata: reference data (plans, models, voices) declared in `data/` and kept in
//! a database by natural key.
//!
//! Owns: the data file format and its loading ([`mod@file`]), the live tables' metadata and
//! every check before a write ([`live`]), the SQL ([`sql`]), diff and sync ([`sync`]) and
//! freezing the pending changes into a migration ([`freeze`]).
//!
//! Rules: only tables in the owned set the caller hands to [`load`] may be named by a data
//! file; nothing is written unless every check passed (types are checked against the live
//! column types, references against declared and live rows); comparisons and writes are
//! set-based (declared rows travel as `text[]` parameters, one diff query per table); sync
//! runs in one transaction under the ledger's advisory lock.
//!
//! Must not: know terminals or output formats (the cli renders [`SeedDiff`]), decide
//! ownership (the caller does), or build SQL outside `sql`, `freeze` and
//! `pgshift_catalog::quote`.
//!
//! Entry points: [`load`] → [`diff`] / [`sync`] → [`freeze::statements`] / [`freeze::draft`].

// Errors name file, row and column; they are built once per failed run, so their size is fine.
#![allow(clippy::result_large_err)]

pub mod error;
pub mod file;
pub mod freeze;
pub mod live;
pub mod sql;
pub mod sync;

pub use error::{RefError, RowRef};
pub use file::{load, Cell, DataSet, LoadOptions, Reference, Row, TableData};
pub use sync::{diff, prepare, sync, Change, Extra, Insert, SeedDiff, SyncOptions, TableDiff, TableProgress, Update};
