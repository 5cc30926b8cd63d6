//! Which objects a command may see: include/exclude by schema, by exact name and by pattern.
//!
//! Patterns name objects as `schema.name` or just `name` (any schema). A bare segment is a
//! glob (`*`, `?`, `[…]`), case-sensitive; a double-quoted segment is exact
//! (`"Project"`, `"odd.name*"`). A name without glob characters is therefore an exact match.
//! The filter decides for top-level objects (tables, views, sequences, types, functions, collations);
//! indexes, constraints, triggers and policies follow their table.
//!
//! On top of the patterns, a filter may carry an [`OwnedNames`] set (DESIGN.md, ownership rule
//! 2): then only the objects whose exact names the set holds, or that live in a schema owned
//! whole, are visible at all. That is how a live database shared with another system is read.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::sync::Arc;

use glob::{MatchOptions, Pattern};
use serde::{Deserialize, Serialize};

use crate::model::QualName;

const MATCH: MatchOptions =
    MatchOptions { case_sensitive: true, require_literal_separator: false, require_literal_leading_dot: false };

/// A parsed name pattern.
#[derive(Clone, Debug)]
pub struct NamePattern {
    raw: String,
    schema: Option<Pattern>,
    name: Pattern,
}

/// A pattern that does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    /// The pattern as given.
    pub pattern: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid name pattern `{}`: {}", self.pattern, self.reason)
    }
}

impl std::error::Error for PatternError {}

impl NamePattern {
    /// Parse `schema.name`, `name`, with optional double-quoted exact segments.
    pub fn parse(raw: &str) -> Result<Self, PatternError> {
        let err = |reason: &str| PatternError { pattern: raw.to_owned(), reason: reason.to_owned() };
        let segments = split_segments(raw).map_err(|r| err(&r))?;
        let compile = |s: &Segment| -> Result<Pattern, PatternError> {
            let text = if s.quoted { Pattern::escape(&s.text) } else { s.text.clone() };
            Pattern::new(&text).map_err(|e| err(e.msg))
        };
        match segments.as_slice() {
            [name] => Ok(NamePattern { raw: raw.to_owned(), schema: None, name: compile(name)? }),
            [schema, name] => Ok(NamePattern {
                raw: raw.to_owned(),
                schema: Some(compile(schema)?),
                name: compile(name)?,
            }),
            _ => Err(err("expected `name` or `schema.name` (quote a name that holds a dot)")),
        }
    }

    /// The pattern matching exactly `name` and nothing else.
    pub fn exact(name: &QualName) -> Self {
        let exact = |s: &str| Pattern::new(&Pattern::escape(s)).expect("an escaped pattern is valid");
        NamePattern { raw: name.to_string(), schema: Some(exact(&name.schema)), name: exact(&name.name) }
    }

    /// Whether the pattern matches this qualified name.
    pub fn matches(&self, name: &QualName) -> bool {
        self.schema.as_ref().is_none_or(|s| s.matches_with(&name.schema, MATCH))
            && self.name.matches_with(&name.name, MATCH)
    }

    /// The pattern as given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

struct Segment {
    text: String,
    quoted: bool,
}

/// Split a dotted name (`schema.table.column`, parts optionally double-quoted, `""` inside
/// quotes for a quote) into its parts, exactly as written.
pub fn split_dotted(raw: &str) -> Result<Vec<String>, String> {
    Ok(split_segments(raw)?.into_iter().map(|s| s.text).collect())
}

fn split_segments(raw: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut chars = raw.chars().peekable();
    loop {
        let mut seg = Segment { text: String::new(), quoted: false };
        if chars.peek() == Some(&'"') {
            chars.next();
            seg.quoted = true;
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        seg.text.push('"');
                    }
                    Some('"') => break,
                    Some(c) => seg.text.push(c),
                    None => return Err("unterminated double quote".into()),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                seg.text.push(c);
                chars.next();
            }
        }
        if seg.text.is_empty() {
            return Err("empty name segment".into());
        }
        segments.push(seg);
        match chars.next() {
            None => return Ok(segments),
            Some('.') => continue,
            Some(c) => return Err(format!("unexpected `{c}` after a quoted name")),
        }
    }
}

/// The object filter every inspection goes through.
#[derive(Clone, Debug, Default)]
pub struct ObjectFilter {
    /// Only these schemas (exact names); empty = every non-system schema.
    pub include_schemas: Vec<String>,
    /// Never these schemas (exact names).
    pub exclude_schemas: Vec<String>,
    /// Only objects matching one of these; empty = all.
    pub include: Vec<NamePattern>,
    /// Never objects matching one of these.
    pub exclude: Vec<NamePattern>,
    /// When set, only these objects exist for the command (ownership).
    pub owned: Option<Arc<OwnedNames>>,
}

/// The exact names of the objects a project owns (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnedNames {
    /// Top-level objects: tables, views, sequences, types, functions (by name, any overload),
    /// indexes and collations.
    pub objects: HashSet<QualName>,
    /// Schemas we created.
    pub schemas: BTreeSet<String>,
    /// Extensions we created.
    pub extensions: BTreeSet<String>,
    /// Schemas owned whole (`own_schemas`): everything in them is ours.
    pub whole_schemas: BTreeSet<String>,
}

impl OwnedNames {
    /// Whether the top-level object `name` is ours.
    pub fn owns(&self, name: &QualName) -> bool {
        self.whole_schemas.contains(name.schema.as_str()) || self.objects.contains(name)
    }

    /// Whether the schema itself is ours.
    pub fn owns_schema(&self, schema: &str) -> bool {
        self.whole_schemas.contains(schema) || self.schemas.contains(schema)
    }

    /// Add every top-level name of `catalog`.
    pub fn add_catalog(&mut self, catalog: &crate::model::Catalog) {
        self.schemas.extend(catalog.schemas.keys().cloned());
        self.extensions.extend(catalog.extensions.keys().cloned());
        self.objects.extend(catalog.types.keys().cloned());
        self.objects.extend(catalog.sequences.keys().cloned());
        self.objects.extend(catalog.tables.keys().cloned());
        self.objects.extend(catalog.views.keys().cloned());
        self.objects.extend(catalog.functions.keys().map(|k| QualName::new(k.schema.clone(), k.name.clone())));
        self.objects.extend(catalog.indexes.keys().cloned());
        self.objects.extend(catalog.collations.keys().cloned());
        for table in catalog.tables.values() {
            for column in &table.columns {
                if let Some(identity) = &column.identity {
                    self.objects.insert(identity.sequence.clone());
                }
            }
        }
    }
}

/// A serializable description of a filter, for `--json` output and config files.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterSpec {
    /// See [`ObjectFilter::include_schemas`].
    #[serde(default)]
    pub include_schemas: Vec<String>,
    /// See [`ObjectFilter::exclude_schemas`].
    #[serde(default)]
    pub exclude_schemas: Vec<String>,
    /// See [`ObjectFilter::include`].
    #[serde(default)]
    pub include: Vec<String>,
    /// See [`ObjectFilter::exclude`].
    #[serde(default)]
    pub exclude: Vec<String>,
}

impl FilterSpec {
    /// Parse the patterns.
    pub fn compile(&self) -> Result<ObjectFilter, PatternError> {
        let parse = |v: &[String]| v.iter().map(|p| NamePattern::parse(p)).collect::<Result<Vec<_>, _>>();
        Ok(ObjectFilter {
            include_schemas: self.include_schemas.clone(),
            exclude_schemas: self.exclude_schemas.clone(),
            include: parse(&self.include)?,
            exclude: parse(&self.exclude)?,
            owned: None,
        })
    }
}

impl ObjectFilter {
    /// A filter that lets every non-system object through.
    pub fn all() -> Self {
        ObjectFilter::default()
    }

    /// Whether objects in this schema may be seen at all.
    pub fn allows_schema(&self, schema: &str) -> bool {
        (self.include_schemas.is_empty() || self.include_schemas.iter().any(|s| s == schema))
            && !self.exclude_schemas.iter().any(|s| s == schema)
    }

    /// Whether the schema itself (its `CREATE SCHEMA`) may be seen.
    pub fn allows_schema_object(&self, schema: &str) -> bool {
        self.allows_schema(schema) && self.owned.as_ref().is_none_or(|o| o.owns_schema(schema))
    }

    /// Whether the extension `name`, installed in `schema`, may be seen.
    pub fn allows_extension(&self, name: &str, schema: &str) -> bool {
        self.allows_schema(schema)
            && self.owned.as_ref().is_none_or(|o| o.extensions.contains(name) || o.whole_schemas.contains(schema))
    }

    /// Whether this top-level object may be seen.
    pub fn allows(&self, name: &QualName) -> bool {
        self.allows_schema(&name.schema)
            && (self.include.is_empty() || self.include.iter().any(|p| p.matches(name)))
            && !self.exclude.iter().any(|p| p.matches(name))
            && self.owned.as_ref().is_none_or(|o| o.owns(name))
    }

    /// This filter, seeing only what `owned` names.
    pub fn with_owned(mut self, owned: OwnedNames) -> Self {
        self.owned = Some(Arc::new(owned));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str, n: &str) -> QualName {
        QualName::new(s, n)
    }

    #[test]
    fn exact_and_glob_patterns_are_case_sensitive() {
        let p = NamePattern::parse("Project").unwrap();
        assert!(p.matches(&q("public", "Project")));
        assert!(!p.matches(&q("public", "project")));
        let p = NamePattern::parse("public._prisma*").unwrap();
        assert!(p.matches(&q("public", "_prisma_migrations")));
        assert!(!p.matches(&q("auth", "_prisma_migrations")));
    }

    #[test]
    fn quoted_segments_are_exact() {
        let p = NamePattern::parse(r#""we.ird"."a*b""#).unwrap();
        assert!(p.matches(&q("we.ird", "a*b")));
        assert!(!p.matches(&q("we.ird", "axb")));
        assert!(NamePattern::parse("a.b.c").is_err());
        assert!(NamePattern::parse("\"open").is_err());
        assert!(NamePattern::parse("").is_err());
    }

    #[test]
    fn filter_combines_schema_include_exclude() {
        let f = FilterSpec {
            exclude_schemas: vec!["auth".into()],
            exclude: vec!["\"SubscriptionStatus\"".into(), "_prisma_migrations".into()],
            ..Default::default()
        }
        .compile()
        .unwrap();
        assert!(f.allows(&q("public", "subscriptionstatus")));
        assert!(!f.allows(&q("public", "SubscriptionStatus")));
        assert!(!f.allows(&q("public", "_prisma_migrations")));
        assert!(!f.allows(&q("auth", "users")));
    }
}
