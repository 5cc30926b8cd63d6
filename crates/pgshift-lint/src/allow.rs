//! Acknowledgements: `-- pgshift: allow RULE reason` in the comment lines directly above a
//! statement silences that rule for that statement only. The reason is required (a reviewer
//! reads it); an `allow` without one acknowledges nothing.

use std::collections::{BTreeMap, BTreeSet};

use pgshift_history::MigrationFile;

/// The rules acknowledged per statement, by the statement's first line.
#[derive(Debug, Default)]
pub struct Allowed {
    by_line: BTreeMap<usize, BTreeSet<String>>,
}

impl Allowed {
    /// Read the acknowledgements of every statement of `file`.
    pub fn read(file: &MigrationFile) -> Allowed {
        let lines: Vec<&str> = file.text.lines().collect();
        let mut by_line = BTreeMap::new();
        for statement in file.sections.iter().flat_map(|s| &s.statements) {
            let mut ids = BTreeSet::new();
            // Lines are 1-based: the statement's line is lines[line - 1]; above it, line - 2 ….
            let mut at = statement.line.saturating_sub(1);
            while at > 0 {
                let Some(text) = lines.get(at - 1).map(|l| l.trim()) else { break };
                let Some(comment) = text.strip_prefix("--") else { break };
                if let Some(id) = parse(comment) {
                    ids.insert(id);
                }
                at -= 1;
            }
            if !ids.is_empty() {
                by_line.insert(statement.line, ids);
            }
        }
        Allowed { by_line }
    }

    /// Whether the statement starting at `line` acknowledges `rule`.
    pub fn allows(&self, line: usize, rule: &str) -> bool {
        self.by_line.get(&line).is_some_and(|ids| ids.contains(rule))
    }
}

/// The rule id of ` pgshift: allow RULE reason` (the text after `--`), when it has a reason.
pub fn parse(comment: &str) -> Option<String> {
    let rest = comment.trim().strip_prefix("pgshift:")?.trim_start().strip_prefix("allow ")?;
    let (id, reason) = rest.trim_start().split_once(char::is_whitespace)?;
    (!reason.trim().is_empty() && !id.is_empty()).then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn an_allow_needs_a_rule_and_a_reason() {
        assert_eq!(parse(" pgshift: allow drop-table the table was emptied in 3f9a"), Some("drop-table".into()));
        assert_eq!(parse(" pgshift: allow drop-table"), None);
        assert_eq!(parse(" pgshift: allow drop-table   "), None);
        assert_eq!(parse(" hazard (destructive): table x is dropped"), None);
        assert_eq!(parse(" pgshift:allow add-check rows were checked by hand"), Some("add-check".into()));
    }
}
