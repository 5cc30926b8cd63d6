//! The SQL text of reference data: catalog reads, checks, the diff query and the set-based
//! writes. Every name goes through `pgshift_catalog::quote`; types are PostgreSQL's own
//! `format_type` text; declared values never enter the text: they travel as `text[]`
//! parameters, one array per source column, and are cast in SQL.
//!
//! The declared rows of a table are one relation, `s`, with typed values `n1`…`nN`:
//! `SELECT d.ord, d.c1::type AS n1, r2.id AS n2 … FROM unnest($1::text[], …) WITH ORDINALITY
//! AS d(c1, …, ord) LEFT JOIN <referenced table> r2 ON r2.slug = d.c2::text …`, read from the
//! parameters (diff, read-only) or materialized once per table into a temporary table (sync).
//!
//! Must not: run anything (callers do).

use pgshift_catalog::quote;
use pgshift_catalog::QualName;

use crate::live::{Bound, BoundColumn, Source};

/// Columns of the given tables (schema and name arrays): name, type, generated.
pub const META_COLUMNS: &str = "\
SELECT n.nspname::text, c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attgenerated <> '' \
FROM unnest($1::text[], $2::text[]) AS t(nsp, rel) \
JOIN pg_namespace n ON n.nspname = t.nsp \
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.rel AND c.relkind IN ('r', 'p') \
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
ORDER BY 1, 2, a.attnum";

/// Unique, valid, non-partial indexes on plain columns: primary or not, key column names.
pub const META_UNIQUE: &str = "\
SELECT n.nspname::text, c.relname::text, i.indisprimary, \
ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, o) \
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum \
      WHERE k.o <= i.indnkeyatts ORDER BY k.o) \
FROM unnest($1::text[], $2::text[]) AS t(nsp, rel) \
JOIN pg_namespace n ON n.nspname = t.nsp \
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.rel \
JOIN pg_index i ON i.indrelid = c.oid AND i.indisunique AND i.indisvalid \
 AND i.indpred IS NULL AND i.indexprs IS NULL \
ORDER BY 1, 2, NOT i.indisprimary";

/// Single-column foreign keys: column, referenced schema, table and column.
pub const META_FOREIGN: &str = "\
SELECT n.nspname::text, c.relname::text, a.attname::text, fn.nspname::text, fc.relname::text, fa.attname::text \
FROM unnest($1::text[], $2::text[]) AS t(nsp, rel) \
JOIN pg_namespace n ON n.nspname = t.nsp \
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.rel \
JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'f' AND cardinality(k.conkey) = 1 \
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1] \
JOIN pg_class fc ON fc.oid = k.confrelid \
JOIN pg_namespace fn ON fn.oid = fc.relnamespace \
JOIN pg_attribute fa ON fa.attrelid = fc.oid AND fa.attnum = k.confkey[1] \
ORDER BY 1, 2, k.conname";

/// The type to cast declared text to: the column type, except that a length-limited string
/// type loses its limit, because an explicit cast to `varchar(n)` silently truncates while the
/// write's assignment cast refuses a value that is too long.
pub fn cast_type(ty: &str) -> &str {
    if ty.starts_with("character varying(") {
        "text"
    } else if ty.starts_with("character(") {
        "bpchar"
    } else {
        ty
    }
}

/// `unnest($1::text[], …) WITH ORDINALITY AS d(c1, …, ord)` for `n` arrays.
fn unnest(n: usize) -> String {
    let params: Vec<String> = (1..=n).map(|i| format!("${i}::text[]")).collect();
    let names: Vec<String> = (1..=n).map(|i| format!("c{i}")).collect();
    format!("unnest({}) WITH ORDINALITY AS d({}, ord)", params.join(", "), names.join(", "))
}

/// The length limit of a `character varying(n)` or `character(n)` column (from `format_type`,
/// which renders the `atttypmod`), and whether trailing spaces beyond it are allowed (they are
/// for `character(n)`, whose values compare without them).
pub fn length_limit(ty: &str) -> Option<(u32, bool)> {
    let (rest, blank_padded) = match ty.strip_prefix("character varying(") {
        Some(rest) => (rest, false),
        None => (ty.strip_prefix("character(")?, true),
    };
    Some((rest.strip_suffix(')')?.parse().ok()?, blank_padded))
}

/// One query casting every array to its type: it fails when any value is not valid input.
/// For every length-limited type it also returns (after `count(*)` and the casts, in order)
/// the ordinality of the first value that is too long, or NULL: the cast itself cannot say,
/// since an explicit cast to `varchar(n)` truncates.
pub fn cast_check(types: &[(String, String)]) -> String {
    let casts = types.iter().enumerate().map(|(i, (ty, _))| format!("count(d.c{}::{})", i + 1, cast_type(ty)));
    let lengths = types.iter().enumerate().filter_map(|(i, (ty, _))| {
        let (n, blank_padded) = length_limit(ty)?;
        let value = if blank_padded { format!("rtrim(d.c{}, ' ')", i + 1) } else { format!("d.c{}", i + 1) };
        Some(format!("min(d.ord) FILTER (WHERE char_length({value}) > {n})"))
    });
    let columns: Vec<String> = casts.chain(lengths).collect();
    format!("SELECT count(*), {} FROM {}", columns.join(", "), unnest(types.len()))
}

/// The first (by ordinality) key tuple with no row in `target`.
pub fn missing_refs(target: &QualName, keys: &[(String, usize, String)]) -> String {
    let conds: Vec<String> =
        keys.iter().enumerate().map(|(i, (k, _, ty))| format!("r.{} = d.c{}::{}", quote::ident(k), i + 1, cast_type(ty))).collect();
    format!(
        "SELECT d.ord FROM {} WHERE NOT EXISTS (SELECT 1 FROM {} r WHERE {}) ORDER BY d.ord LIMIT 1",
        unnest(keys.len()),
        table(target),
        conds.join(" AND ")
    )
}

fn table(t: &QualName) -> String {
    quote::qualified(&t.schema, &t.name)
}

/// The SQL computing a declared column's value: a cast of its array, or the referenced
/// table's column from the join `r<i>` (see [`rows`]).
fn value(i: usize, column: &BoundColumn) -> String {
    match &column.source {
        Source::Plain { array } => format!("d.c{}::{}", array + 1, cast_type(&column.ty)),
        Source::Ref { column: target_column, .. } => format!("r{}.{}", i + 1, quote::ident(target_column)),
    }
}

/// `SELECT d.ord, <value> AS n1, … FROM unnest(…) d LEFT JOIN <referenced> r<i> ON …`: the
/// declared rows with typed, resolved values (a reference's key is unique in its table, so
/// each join adds at most one row; an unresolved reference is NULL).
fn rows(b: &Bound) -> String {
    let values: Vec<String> = b.columns.iter().enumerate().map(|(i, c)| format!("{} AS n{}", value(i, c), i + 1)).collect();
    let mut out = format!("SELECT d.ord, {} FROM {}", values.join(", "), unnest(b.arrays.len()));
    for (i, c) in b.columns.iter().enumerate() {
        if let Source::Ref { target, keys, .. } = &c.source {
            let conds: Vec<String> = keys
                .iter()
                .map(|(k, array, ty)| format!("r{}.{} = d.c{}::{}", i + 1, quote::ident(k), array + 1, cast_type(ty)))
                .collect();
            out.push_str(&format!(" LEFT JOIN {} r{} ON {}", table(target), i + 1, conds.join(" AND ")));
        }
    }
    out
}

/// The declared rows as relation `s` (columns `ord`, `n1`…`nN`) from the `text[]`
/// parameters: for read-only use. `OFFSET 0` keeps it a relation of its own.
pub fn source(b: &Bound) -> String {
    format!("({} OFFSET 0) s", rows(b))
}

/// Materialize the declared rows once, in a transaction, as temporary table `name`; then
/// [`temp_source`] reads them without parameters.
pub fn materialize(b: &Bound, name: &str) -> String {
    format!("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS {}", quote::ident(name), rows(b))
}

/// The relation `s` over a table made by [`materialize`].
pub fn temp_source(name: &str) -> String {
    format!("pg_temp.{} s", quote::ident(name))
}

/// A form of the value that has equality: json as jsonb, geometric types and xml as text.
fn comparable(expr: &str, ty: &str) -> String {
    match ty {
        "json" => format!("({expr})::jsonb"),
        "xml" | "point" | "line" | "lseg" | "box" | "path" | "polygon" | "circle" => format!("({expr})::text"),
        _ if ty.starts_with("json[]") || ty.starts_with("xml[]") || ty.starts_with("point[]") => format!("({expr})::text"),
        _ => expr.to_owned(),
    }
}

/// `l.k1 = s.n1 AND …`: a live row `l` and a declared row `s` with the same natural key.
fn key_join(b: &Bound) -> String {
    let conds: Vec<String> =
        b.columns[..b.key_len].iter().enumerate().map(|(i, c)| format!("l.{} = s.n{}", quote::ident(&c.name), i + 1)).collect();
    conds.join(" AND ")
}

/// Per non-key column: whether the live value differs from the declared one.
fn changed(b: &Bound) -> Vec<String> {
    b.columns
        .iter()
        .enumerate()
        .skip(b.key_len)
        .map(|(i, c)| {
            let live = format!("l.{}", quote::ident(&c.name));
            let declared = format!("s.n{}", i + 1);
            format!("{} IS DISTINCT FROM {}", comparable(&live, &c.ty), comparable(&declared, &c.ty))
        })
        .collect()
}

fn any(conds: &[String]) -> String {
    if conds.is_empty() {
        "false".to_owned()
    } else {
        format!("({})", conds.join(" OR "))
    }
}

fn text_array(items: Vec<String>) -> String {
    format!("ARRAY[{}]::text[]", items.join(", "))
}

/// The one diff query of a table: declared rows full-joined with the live rows on the key.
/// Columns: ord (null for a live row nobody declares), absent (no live row), the live key as
/// text, then per non-key column the old text, the new text and whether it changed.
pub fn diff(b: &Bound, source: &str) -> String {
    let live_key = b.columns[..b.key_len].iter().map(|c| format!("l.{}::text", quote::ident(&c.name))).collect();
    let rest = || b.columns.iter().enumerate().skip(b.key_len);
    let old = rest().map(|(_, c)| format!("l.{}::text", quote::ident(&c.name))).collect();
    let new = rest().map(|(i, _)| format!("s.n{}::text", i + 1)).collect();
    let changed = changed(b);
    format!(
        "SELECT s.ord, l.ctid IS NULL, {}, {}, {}, ARRAY[{}]::bool[] FROM {} FULL JOIN {} l ON {} \
         WHERE s.ord IS NULL OR l.ctid IS NULL OR {}",
        text_array(live_key),
        text_array(old),
        text_array(new),
        changed.join(", "),
        source,
        table(&b.table),
        key_join(b),
        any(&changed)
    )
}

/// Update the live rows whose declared columns differ.
pub fn update(b: &Bound, source: &str) -> String {
    let sets: Vec<String> = b
        .columns
        .iter()
        .enumerate()
        .skip(b.key_len)
        .map(|(i, c)| format!("{} = s.n{}", quote::ident(&c.name), i + 1))
        .collect();
    format!(
        "UPDATE {} AS l SET {} FROM {} WHERE {} AND {}",
        table(&b.table),
        sets.join(", "),
        source,
        key_join(b),
        any(&changed(b))
    )
}

/// Insert the declared rows that have no live row.
pub fn insert(b: &Bound, source: &str) -> String {
    let columns: Vec<String> = b.columns.iter().map(|c| quote::ident(&c.name)).collect();
    let values: Vec<String> = (1..=b.columns.len()).map(|i| format!("s.n{i}")).collect();
    format!(
        "INSERT INTO {t} ({}) SELECT {} FROM {} WHERE NOT EXISTS (SELECT 1 FROM {t} l WHERE {})",
        columns.join(", "),
        values.join(", "),
        source,
        key_join(b),
        t = table(&b.table),
    )
}

/// Delete the live rows that no declared row has the key of.
pub fn delete(b: &Bound, source: &str) -> String {
    format!("DELETE FROM {} AS l WHERE NOT EXISTS (SELECT 1 FROM {} WHERE {})", table(&b.table), source, key_join(b))
}
