//! pgshift-history: versioned history as files and a graph.
//!
//! Owns: migration files ([`mod@file`]: parse, render, load a directory), their statements split
//! by PostgreSQL's own parser (module `sql`, via libpg_query), their ledger checksum
//! ([`checksum`]), revision ids and file names ([`revision`]), the revision graph with its
//! heads, merges, order and upgrade/downgrade plans ([`graph`]), and the one error type
//! ([`error`]).
//!
//! Must not: talk to a database. The ledger and the apply engine build on these types in
//! their own modules; everything here is files in, data out. The graph comes from file
//! headers only, never from file names.
//!
//! Entry points: [`load_dir`] → [`RevisionGraph::build`] → [`RevisionGraph::plan_upgrade`];
//! [`Draft::render`] for a new revision.

pub mod checksum;
pub mod error;
pub mod file;
pub mod graph;
pub mod revision;
mod sql;

pub use checksum::Checksum;
pub use error::{HistoryError, RevisionRef};
pub use file::{load_dir, marker, Direction, Draft, DraftSection, MigrationFile, Section, Statement};
pub use graph::{DowngradeTarget, RevisionGraph, MIN_PREFIX};
pub use revision::{file_name, is_revision_id, slug, RevisionId, REVISION_ID_LEN};
