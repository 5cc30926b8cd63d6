//! The read-only queries that prove a data-dependent step will succeed: each returns one
//! bigint, the number of rows that would make the step fail.

use pgshift_catalog::quote::{ident, literal};
use pgshift_catalog::{Constraint, ConstraintKind, QualName};

/// Rows violating a new constraint, or None when no query can tell (exclusion constraints).
pub fn constraint(table: &QualName, c: &Constraint) -> Option<String> {
    let t = table.sql();
    match &c.kind {
        ConstraintKind::Check { expression, .. } => {
            Some(format!("SELECT count(*) FROM {t} WHERE NOT ({expression})"))
        }
        ConstraintKind::PrimaryKey { columns } => {
            let cols = list(columns);
            let nulls: Vec<String> = columns.iter().map(|c| format!("{} IS NULL", ident(c))).collect();
            Some(format!(
                "SELECT (SELECT count(*) FROM (SELECT 1 FROM {t} GROUP BY {cols} HAVING count(*) > 1) d) \
                 + (SELECT count(*) FROM {t} WHERE {})",
                nulls.join(" OR ")
            ))
        }
        ConstraintKind::Unique { columns, nulls_not_distinct } => {
            let cols = list(columns);
            let filter = if *nulls_not_distinct {
                String::new()
            } else {
                let nn: Vec<String> = columns.iter().map(|c| format!("{} IS NOT NULL", ident(c))).collect();
                format!(" WHERE {}", nn.join(" AND "))
            };
            Some(format!(
                "SELECT count(*) FROM (SELECT 1 FROM {t}{filter} GROUP BY {cols} HAVING count(*) > 1) d"
            ))
        }
        ConstraintKind::ForeignKey { columns, ref_table, ref_columns, .. } => {
            let nn: Vec<String> = columns.iter().map(|c| format!("s.{} IS NOT NULL", ident(c))).collect();
            let eq: Vec<String> = columns
                .iter()
                .zip(ref_columns)
                .map(|(c, r)| format!("r.{} = s.{}", ident(r), ident(c)))
                .collect();
            Some(format!(
                "SELECT count(*) FROM {t} s WHERE {} AND NOT EXISTS (SELECT 1 FROM {} r WHERE {})",
                nn.join(" AND "),
                ref_table.sql(),
                eq.join(" AND ")
            ))
        }
        ConstraintKind::Exclude => None,
    }
}

/// Rows with NULL in a column about to become NOT NULL.
pub fn not_null(table: &QualName, column: &str) -> String {
    format!("SELECT count(*) FROM {} WHERE {} IS NULL", table.sql(), ident(column))
}

/// Rows too long for a narrowed `character varying(n)`, when the change is such a narrowing.
pub fn narrowing(table: &QualName, column: &str, from: &str, to: &str) -> Option<String> {
    let len = |t: &str| -> Option<u32> {
        t.strip_prefix("character varying(")?.strip_suffix(')')?.parse().ok()
    };
    let to_len = len(to)?;
    if len(from).is_some_and(|f| f <= to_len) {
        return None;
    }
    if from != "text" && len(from).is_none() {
        return None;
    }
    Some(format!("SELECT count(*) FROM {} WHERE length({}) > {to_len}", table.sql(), ident(column)))
}

/// Rows holding enum labels that disappear, over every column of the type.
pub fn removed_labels(columns: &[(QualName, String, bool)], removed: &[String]) -> Option<String> {
    if removed.is_empty() || columns.is_empty() {
        return None;
    }
    let labels: Vec<String> = removed.iter().map(|l| literal(l)).collect();
    let labels = labels.join(", ");
    let parts: Vec<String> = columns
        .iter()
        .map(|(t, c, array)| {
            let c = ident(c);
            if *array {
                format!("(SELECT count(*) FROM {} WHERE {c}::text[] && ARRAY[{labels}])", t.sql())
            } else {
                format!("(SELECT count(*) FROM {} WHERE {c}::text IN ({labels}))", t.sql())
            }
        })
        .collect();
    Some(format!("SELECT {}", parts.join(" + ")))
}

fn list(columns: &[String]) -> String {
    columns.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", ")
}
