//! pgshift-catalog: the schema model every other layer speaks.
//!
//! Owns: the plain data types for every object kind pgshift manages ([`model`]), their
//! canonical DDL ([`render`]), the object filter ([`filter`]) and the one quoting function for
//! identifiers and literals ([`quote`]).
//!
//! Must not: do I/O, talk to a database, or fail on odd input. Everything here is pure data
//! and functions of it; what cannot be represented is reported as a diagnostic by the layer
//! that read it.

pub mod deps;
pub mod filter;
pub mod model;
pub mod name;
pub mod quote;
pub mod render;

pub use deps::DepSet;
pub use filter::{FilterSpec, NamePattern, ObjectFilter, OwnedNames, PatternError};
pub use model::*;
pub use name::{Interner, Name};
pub use render::{comment_target, drop_sql, render, render_statements, Statement};
