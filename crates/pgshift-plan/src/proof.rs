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

/// Rows of `table` outside a partition bound, for a key on one plain column (`RANGE (at)`,
/// `LIST (region)`) and a bound of single values (`FOR VALUES FROM ('a') TO ('b')`, `FOR
/// VALUES IN (…)`); None for other keys and bounds (expressions, several columns, hash,
/// `DEFAULT`), whose hazard stays a text.
pub fn partition_bound(table: &QualName, key: &str, bound: &str) -> Option<String> {
    let (strategy, column) = key.split_once(' ')?;
    let column = column.strip_prefix('(')?.strip_suffix(')')?;
    if !is_identifier(column) {
        return None;
    }
    let inside = match strategy {
        "RANGE" => {
            let rest = bound.strip_prefix("FOR VALUES FROM (")?;
            let (lo, rest) = split_value(rest)?;
            let rest = rest.strip_prefix(" TO (")?;
            let (hi, rest) = split_value(rest)?;
            if !rest.is_empty() {
                return None;
            }
            let mut parts = vec![format!("{column} IS NOT NULL")];
            if lo != "MINVALUE" && lo != "MAXVALUE" {
                parts.push(format!("{column} >= {lo}"));
            }
            if hi != "MAXVALUE" && hi != "MINVALUE" {
                parts.push(format!("{column} < {hi}"));
            }
            parts.join(" AND ")
        }
        "LIST" => {
            let values = bound.strip_prefix("FOR VALUES IN (")?.strip_suffix(')')?;
            let values = split_list(values)?;
            let (nulls, values): (Vec<&str>, Vec<&str>) = values.into_iter().partition(|v| *v == "NULL");
            let mut parts = Vec::new();
            if !values.is_empty() {
                parts.push(format!("{column} IN ({})", values.join(", ")));
            }
            if !nulls.is_empty() {
                parts.push(format!("{column} IS NULL"));
            }
            parts.join(" OR ")
        }
        _ => return None,
    };
    Some(format!("SELECT count(*) FROM {} WHERE NOT coalesce({inside}, false)", table.sql()))
}

/// A column name as `pg_get_partkeydef` prints it: plain or double-quoted.
fn is_identifier(s: &str) -> bool {
    let plain = !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    let quoted = s.len() >= 2 && s.starts_with('"') && s.ends_with('"') && !s[1..s.len() - 1].replace("\"\"", "").contains('"');
    plain || quoted
}

/// One value of a bound, up to its closing parenthesis: (value, what follows it). None when
/// the list holds several values.
fn split_value(s: &str) -> Option<(&str, &str)> {
    let end = top_level(s, ')')?;
    let value = &s[..end];
    split_list(value).filter(|v| v.len() == 1)?;
    Some((value, &s[end + 1..]))
}

/// The values of a comma-separated bound list (literals may hold commas and parentheses).
fn split_list(s: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        match top_level(rest, ',') {
            Some(i) => {
                out.push(rest[..i].trim());
                rest = &rest[i + 1..];
            }
            None => {
                out.push(rest.trim());
                return Some(out);
            }
        }
    }
}

/// The byte offset of the first `c` outside quotes and parentheses.
fn top_level(s: &str, c: char) -> Option<usize> {
    let (mut quoted, mut depth) = (false, 0usize);
    for (i, ch) in s.char_indices() {
        match ch {
            '\'' => quoted = !quoted,
            _ if quoted => {}
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if ch == c && depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

fn list(columns: &[String]) -> String {
    columns.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_bounds() {
        let t = QualName::new("public", "ev_1");
        assert_eq!(
            partition_bound(&t, "RANGE (at)", "FOR VALUES FROM ('2024-01-01') TO (MAXVALUE)").unwrap(),
            "SELECT count(*) FROM public.ev_1 WHERE NOT coalesce(at IS NOT NULL AND at >= '2024-01-01', false)"
        );
        assert_eq!(
            partition_bound(&t, "LIST (\"Region\")", "FOR VALUES IN ('a,b', NULL)").unwrap(),
            "SELECT count(*) FROM public.ev_1 WHERE NOT coalesce(\"Region\" IN ('a,b') OR \"Region\" IS NULL, false)"
        );
        assert_eq!(partition_bound(&t, "RANGE (a, b)", "FOR VALUES FROM (1, 2) TO (3, 4)"), None);
        assert_eq!(partition_bound(&t, "RANGE (lower(x))", "FOR VALUES FROM ('a') TO ('b')"), None);
        assert_eq!(partition_bound(&t, "LIST (r)", "DEFAULT"), None);
        assert_eq!(partition_bound(&t, "HASH (r)", "FOR VALUES WITH (modulus 2, remainder 0)"), None);
    }
}
