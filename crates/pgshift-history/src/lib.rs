//! pgshift-history: versioned history as files and a graph.
//!
//! Owns: migration files ([`mod@file`]: parse, render, load a directory), their statements split
//! by PostgreSQL's own parser (module `sql`, via libpg_query), their ledger checksum
//! ([`checksum`]), revision ids and file names ([`revision`]), the revision graph with its
//! heads, merges, order and upgrade/downgrade plans ([`graph`]), and the one error type
//! ([`error`]), and the one way pgshift writes a file ([`write`]: whole or not at all).
//!
//! On top of these, the database side: the ledger tables ([`ledger`]), the apply engine
//! ([`apply`]: upgrade, downgrade, stamp, accept-edit under an advisory lock), the startup
//! fast path ([`fast`]) and the offline script ([`script`]).
//!
//! Must not: talk to a database outside `ledger`, `apply` and `fast`; the file and graph
//! modules are files in, data out. The graph comes from file headers only, never from file
//! names.
//!
//! Entry points: [`load_dir`] → [`RevisionGraph::build`] → [`RevisionGraph::plan_upgrade`];
//! [`Draft::render`] for a new revision.

pub mod ack;
pub mod apply;
pub mod checksum;
pub mod error;
pub mod file;
pub mod fast;
pub mod graph;
pub mod guard;
pub mod ledger;
pub mod revision;
pub mod script;
mod sql;
pub mod write;

pub use checksum::Checksum;
pub use error::{HistoryError, RevisionRef};
pub use apply::{accept_edit, downgrade, stamp, stamp_as, status, upgrade, ApplyError, ApplyOptions, ApplyReport, Status};
pub use fast::{at_head, upgrade_dir};
pub use file::{list_dir, load_dir, marker, read_header, Header, Direction, Draft, DraftSection, MigrationFile, Section, Statement};
pub use ledger::Ledger;
pub use script::upgrade_script;
pub use write::write_new;
pub use graph::{DowngradeTarget, RevisionGraph, MIN_PREFIX};
pub use revision::{file_name, is_revision_id, slug, RevisionId, REVISION_ID_LEN};
