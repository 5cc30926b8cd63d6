//! `no-down`: a migration with an up section but no down section cannot be undone.

use pgshift_history::{Direction, MigrationFile};

use super::meta;
use crate::{Cx, Hit, Meta, Rule};

meta!(
    "no-down", Irreversible, Warning,
    "has no down section",
    why: "`pgshift downgrade` refuses to pass this revision, so a bad deploy cannot be rolled back by the tool",
    instead: "add a `-- down` section that undoes the up section (or, when nothing can undo it, say so in a comment and acknowledge with `-- pgshift: allow no-down <reason>` above the first statement)",
);

/// See the module doc.
pub struct NoDown;

impl Rule for NoDown {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, _cx: &Cx<'_>) -> Vec<Hit> {
        Vec::new()
    }

    fn check_file(&self, file: &MigrationFile) -> Vec<(usize, Hit)> {
        let up: Vec<_> = file.sections.iter().filter(|s| s.direction == Direction::Up && !s.statements.is_empty()).collect();
        let has_down = file.sections.iter().any(|s| s.direction == Direction::Down);
        let Some(first) = up.first() else { return Vec::new() };
        if has_down {
            return Vec::new();
        }
        let allowed = crate::allow::Allowed::read(file);
        match first.statements.first() {
            Some(st) if allowed.allows(st.line, &META) => Vec::new(),
            _ => vec![(first.line, Hit::new("has no down section: `pgshift downgrade` cannot undo it"))],
        }
    }
}
