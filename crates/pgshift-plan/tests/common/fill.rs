//! Rows for a schema nobody wrote for us: one generated row per table, made to satisfy its
//! constraints where a generic value can (NULL where allowed, a value of the column's type
//! where not, the referenced table's row for a NOT NULL foreign key). Each insert is guarded,
//! so a table whose constraints no generic row satisfies stays empty (and is counted as such);
//! the inserts run in several passes so that a table is filled after the tables it references,
//! whatever the order.

use pgshift_catalog::quote::{ident, literal};
use pgshift_catalog::{Catalog, Column, ConstraintKind, Table, TypeKind};

/// How many passes over the tables: enough for chains of NOT NULL foreign keys this long.
const PASSES: usize = 6;

/// SQL that fills every table of `catalog` with one row (where it can).
pub fn fill_sql(catalog: &Catalog) -> String {
    let inserts: Vec<String> = catalog.tables.values().filter_map(|t| insert(catalog, t)).collect();
    let mut sql = String::new();
    for _ in 0..PASSES {
        for i in &inserts {
            sql.push_str(i);
            sql.push('\n');
        }
    }
    sql
}

/// A guarded `INSERT … SELECT … WHERE NOT EXISTS` for `table`, in a block that swallows its
/// error; `None` for tables rows do not go into directly (partitions: through their parent).
fn insert(catalog: &Catalog, table: &Table) -> Option<String> {
    if table.partition_of.is_some() {
        return None;
    }
    let name = table.name.sql();
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for col in table.columns.iter().filter(|c| c.generated.is_none()) {
        if col.identity.as_ref().is_some_and(|i| i.always) || col.default.is_some() || col.identity.is_some() {
            continue;
        }
        if !col.not_null {
            continue;
        }
        let value = match foreign_key_source(table, col) {
            Some((ref_table, ref_column)) => format!("(SELECT {} FROM {} LIMIT 1)", ident(&ref_column), ref_table),
            None => value_of(catalog, &col.data_type)?,
        };
        columns.push(ident(&col.name));
        values.push(value);
    }
    let insert = if columns.is_empty() {
        format!("INSERT INTO {name} DEFAULT VALUES")
    } else {
        format!("INSERT INTO {name} ({}) SELECT {} WHERE NOT EXISTS (SELECT FROM {name})", columns.join(", "), values.join(", "))
    };
    let guard = if columns.is_empty() { format!("IF NOT EXISTS (SELECT FROM {name}) THEN {insert}; END IF") } else { insert };
    Some(format!("DO $fill$ BEGIN {guard}; EXCEPTION WHEN others THEN NULL; END $fill$;"))
}

/// The referenced table and column when `col` is a column of a foreign key of `table`.
fn foreign_key_source(table: &Table, col: &Column) -> Option<(String, String)> {
    table.constraints.values().find_map(|c| match &c.kind {
        ConstraintKind::ForeignKey { columns, ref_table, ref_columns, .. } => {
            let i = columns.iter().position(|n| n == &col.name)?;
            Some((ref_table.sql(), ref_columns.get(i)?.clone()))
        }
        _ => None,
    })
}

/// A literal of type `data_type` (as `format_type` prints it), or `None` when no generic value
/// is known.
fn value_of(catalog: &Catalog, data_type: &str) -> Option<String> {
    if data_type.ends_with("[]") {
        return Some(format!("'{{}}'::{data_type}"));
    }
    // User types: an enum's first label, a domain's base type.
    if let Some(ty) = catalog.types.values().find(|t| t.name.sql() == data_type) {
        return match &ty.kind {
            TypeKind::Enum { labels } => labels.first().map(|l| format!("{}::{data_type}", literal(l))),
            TypeKind::Domain { base_type, .. } => value_of(catalog, base_type).map(|v| format!("({v})::{data_type}")),
            TypeKind::Composite { .. } => None,
        };
    }
    let base = data_type.split('(').next().unwrap_or(data_type).trim();
    let text = match base {
        "smallint" | "integer" | "bigint" | "numeric" | "real" | "double precision" | "money" | "oid" => "1",
        "text" | "character varying" | "character" | "\"char\"" | "name" | "public.citext" | "citext" => "x",
        "boolean" => "true",
        "date" => "2024-01-01",
        "timestamp without time zone" | "timestamp with time zone" => "2024-01-01 00:00:00",
        "time without time zone" | "time with time zone" => "12:00",
        "interval" => "1 day",
        "uuid" => "00000000-0000-0000-0000-000000000001",
        "json" | "jsonb" => "{}",
        "inet" | "cidr" => "127.0.0.1",
        "macaddr" => "08:00:2b:01:02:03",
        "bytea" => "\\x00",
        "tsvector" => "",
        "public.ltree" | "ltree" => "a",
        "point" => "(0,0)",
        "xml" => "<x/>",
        "bit" | "bit varying" => "1",
        _ => return None,
    };
    Some(format!("{}::{data_type}", literal(text)))
}
