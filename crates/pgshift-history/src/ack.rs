//! Acknowledgements: the `-- pgshift:` comment lines directly above a statement that a
//! reviewer (or `pgshift new`, for consent it was given) writes to let that one statement do
//! something pgshift otherwise refuses or reports:
//! - `-- pgshift: allow RULE reason`: the lint rule RULE does not report the statement;
//! - `-- pgshift: allow foreign "Name" reason` (`"schema"."Name"` to name the schema too):
//!   a hand-written statement may touch the foreign object `Name` (DESIGN.md, ownership
//!   rule 4; `allow foreign-object reason` acknowledges every foreign object of the statement);
//! - `-- pgshift: approved destructive: what`: the user confirmed the destructive statement
//!   when `pgshift new` wrote it (a prompt or `--allow-destructive`).
//!
//! The reason (or the `what`) is required: a marker without one acknowledges nothing.
//!
//! Owns: reading these markers (the lint's `allow` and the apply engine's guard read them
//! here, so both agree on what a statement acknowledges).

use crate::file::{MigrationFile, Statement};
use crate::guard::Name;

/// One acknowledgement comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Marker {
    /// `allow RULE reason`.
    Rule(String),
    /// `allow foreign "Name" reason`.
    Foreign(Name),
    /// `approved destructive: what`.
    Destructive,
}

/// The markers in the comment lines directly above `statement` of `file` (up to the first line
/// that is not a `--` comment).
pub fn above(file: &MigrationFile, statement: &Statement) -> Vec<Marker> {
    let lines: Vec<&str> = file.text.lines().collect();
    let mut out = Vec::new();
    // Lines are 1-based: the statement's line is lines[line - 1]; above it, line - 2 ….
    let mut at = statement.line.saturating_sub(1);
    while at > 0 {
        let Some(text) = lines.get(at - 1).map(|l| l.trim()) else { break };
        let Some(comment) = text.strip_prefix("--") else { break };
        out.extend(marker(comment));
        at -= 1;
    }
    out
}

/// The consent line `pgshift new` writes above a destructive statement the user confirmed.
pub fn approval(what: &str) -> String {
    pgshift_catalog::quote::comment(&format!("pgshift: approved destructive: {what}"))
}

/// The acknowledgement of a comment's text (after `--`), when it is one with a reason.
pub fn marker(comment: &str) -> Option<Marker> {
    let rest = comment.trim().strip_prefix("pgshift:")?.trim_start();
    if let Some(what) = rest.strip_prefix("approved destructive:") {
        return (!what.trim().is_empty()).then_some(Marker::Destructive);
    }
    let rest = rest.strip_prefix("allow ")?.trim_start();
    if let Some(named) = rest.strip_prefix("foreign ").map(str::trim_start).filter(|r| r.starts_with('"')) {
        let (name, reason) = quoted_name(named)?;
        return (!reason.trim().is_empty()).then_some(Marker::Foreign(name));
    }
    let (id, reason) = rest.split_once(char::is_whitespace)?;
    (!reason.trim().is_empty() && !id.is_empty()).then(|| Marker::Rule(id.to_owned()))
}

/// Whether `markers` let a statement touch `name`, which the project does not own.
pub fn allows_foreign(markers: &[Marker], name: Option<&Name>) -> bool {
    markers.iter().any(|m| match (m, name) {
        (Marker::Rule(id), _) => id == "foreign-object",
        (Marker::Foreign(n), Some(name)) => n.name == name.name && (n.schema.is_none() || n.schema == name.schema),
        _ => false,
    })
}

/// `"Name"` or `"schema"."Name"` (SQL quoting, `""` for a quote) at the start of `text`, and
/// the rest.
fn quoted_name(text: &str) -> Option<(Name, &str)> {
    let (first, rest) = quoted(text)?;
    match rest.strip_prefix('.') {
        Some(after) => {
            let (second, rest) = quoted(after)?;
            Some((Name { schema: Some(first), name: second }, rest))
        }
        None => Some((Name { schema: None, name: first }, rest)),
    }
}

fn quoted(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '"' {
            if chars.peek().is_some_and(|(_, n)| *n == '"') {
                chars.next();
                out.push('"');
            } else {
                return (!out.is_empty()).then(|| (out, &body[i + 1..]));
            }
        } else {
            out.push(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{allows_foreign, marker, Marker};
    use crate::guard::Name;

    fn name(schema: Option<&str>, name: &str) -> Name {
        Name { schema: schema.map(str::to_owned), name: name.to_owned() }
    }

    #[test]
    fn an_allow_needs_a_rule_and_a_reason() {
        assert_eq!(marker(" pgshift: allow drop-table the table was emptied in 3f9a"), Some(Marker::Rule("drop-table".into())));
        assert_eq!(marker(" pgshift: allow drop-table"), None);
        assert_eq!(marker(" pgshift: allow drop-table   "), None);
        assert_eq!(marker(" hazard (destructive): table x is dropped"), None);
        assert_eq!(marker(" pgshift:allow add-check rows were checked by hand"), Some(Marker::Rule("add-check".into())));
    }

    #[test]
    fn foreign_and_destructive_markers() {
        assert_eq!(marker(r#" pgshift: allow foreign "User" the auth service asked for it"#), Some(Marker::Foreign(name(None, "User"))));
        assert_eq!(marker(r#" pgshift: allow foreign "auth"."Us""er" shared table"#), Some(Marker::Foreign(name(Some("auth"), "Us\"er"))));
        assert_eq!(marker(r#" pgshift: allow foreign "User""#), None);
        assert_eq!(marker(r#" pgshift: allow foreign "User"   "#), None);
        assert_eq!(marker(r#" pgshift: allow foreign "" reason"#), None);
        assert_eq!(marker(" pgshift: approved destructive: drop table creditpackage"), Some(Marker::Destructive));
        assert_eq!(marker(" pgshift: approved destructive:  "), None);
        assert_eq!(marker(" pgshift: allow foreign-object reason"), Some(Marker::Rule("foreign-object".into())));
    }

    #[test]
    fn foreign_acknowledgement_names_the_object() {
        let user = [Marker::Foreign(name(None, "User"))];
        assert!(allows_foreign(&user, Some(&name(Some("public"), "User"))));
        assert!(!allows_foreign(&user, Some(&name(None, "user"))));
        assert!(!allows_foreign(&user, None));
        let qualified = [Marker::Foreign(name(Some("auth"), "User"))];
        assert!(!allows_foreign(&qualified, Some(&name(Some("public"), "User"))));
        assert!(allows_foreign(&[Marker::Rule("foreign-object".into())], None));
        assert!(!allows_foreign(&[Marker::Rule("drop-table".into())], Some(&name(None, "User"))));
    }
}
