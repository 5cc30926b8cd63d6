//! Acknowledgements per statement (the markers are read by [`pgshift_history::ack`], which the
//! apply engine's guard shares): `-- pgshift: allow RULE reason` silences the rule for that
//! statement; `-- pgshift: allow foreign "Name" reason` the `foreign-object` hits on `Name`;
//! `-- pgshift: approved destructive: what` every rule of the destructive family.

use std::collections::BTreeMap;

use pgshift_history::ack::{self, Marker};
use pgshift_history::MigrationFile;

use crate::{Category, Hit, Meta};

pub use pgshift_history::ack::approval;

/// The acknowledgements per statement, by the statement's first line.
#[derive(Debug, Default)]
pub struct Allowed {
    by_line: BTreeMap<usize, Vec<Marker>>,
}

impl Allowed {
    /// Read the acknowledgements of every statement of `file`.
    pub fn read(file: &MigrationFile) -> Allowed {
        let mut by_line = BTreeMap::new();
        for statement in file.sections.iter().flat_map(|s| &s.statements) {
            let markers = ack::above(file, statement);
            if !markers.is_empty() {
                by_line.insert(statement.line, markers);
            }
        }
        Allowed { by_line }
    }

    /// Whether the statement starting at `line` acknowledges `rule` as a whole.
    pub fn allows(&self, line: usize, rule: &Meta) -> bool {
        self.by_line.get(&line).is_some_and(|markers| {
            markers.iter().any(|m| match m {
                Marker::Rule(id) => id == rule.id,
                Marker::Destructive => rule.category == Category::Destructive,
                Marker::Foreign(_) => false,
            })
        })
    }

    /// Whether the statement starting at `line` acknowledges `hit` of `rule`: the whole rule,
    /// or the foreign object the hit is about.
    pub fn allows_hit(&self, line: usize, rule: &Meta, hit: &Hit) -> bool {
        self.allows(line, rule)
            || (hit.subject.is_some()
                && self.by_line.get(&line).is_some_and(|markers| ack::allows_foreign(markers, hit.subject.as_ref())))
    }
}
