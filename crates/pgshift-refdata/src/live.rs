//! The live side: what the database says about the declared tables, and every check of the
//! declared rows against it before anything is written.
//!
//! Owns: reading column types (`format_type`, schema-qualified), primary keys, unique
//! indexes and single-column foreign keys of the declared and referenced tables with three
//! set-based `pg_catalog` queries; binding each declared column to its live type and, for a
//! reference, to the referenced table's column ([`Bound`]); the order in which tables are
//! synced (referenced tables first); and the read-only checks: types and references.
//!
//! Type check on PostgreSQL 13–15 (no `pg_input_is_valid`): one query per table casts every
//! declared value to its live column type (`count(s.cN::type)` over the `unnest`ed arrays).
//! Only when it fails do we look for the culprit: each column's array alone, then halves of
//! the failing array (a binary search), so a bad value among 50,000 costs about 20 small
//! queries and is reported with its row and column. The same query finds values longer than
//! a `varchar(n)`/`char(n)` column allows (`char_length`, since an explicit cast truncates
//! them silently). Every query is read-only and runs outside the sync transaction, so a
//! failed cast aborts nothing.
//!
//! Must not: write, or build SQL outside `sql` and `pgshift_catalog::quote`.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use pgshift_catalog::QualName;
use serde_json::Value;
use tokio_postgres::types::ToSql;
use tokio_postgres::Client;

use crate::error::{db, RefError, RowRef};
use crate::file::{Cell, DataSet, TableData};
use crate::sql;

/// A live column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnMeta {
    /// Its type, as `format_type` renders it with only `pg_catalog` on the search path.
    pub ty: String,
    /// Whether it is a generated column (which cannot be written).
    pub generated: bool,
}

/// What the database says about one table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableMeta {
    /// Its columns.
    pub columns: BTreeMap<String, ColumnMeta>,
    /// Its primary key columns.
    pub primary_key: Vec<String>,
    /// The column sets of its unique, non-partial, plain-column indexes (the primary key's too).
    pub unique: Vec<BTreeSet<String>>,
    /// Single-column foreign keys: column → (referenced table, referenced column).
    pub foreign_keys: BTreeMap<String, (QualName, String)>,
}

/// Read the tables' metadata in one read-only transaction (three queries).
pub async fn read(client: &Client, tables: &BTreeSet<QualName>) -> Result<BTreeMap<QualName, TableMeta>, RefError> {
    let schemas: Vec<&str> = tables.iter().map(|t| t.schema.as_str()).collect();
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    client
        .batch_execute("BEGIN READ ONLY; SET LOCAL search_path = pg_catalog")
        .await
        .map_err(db("cannot read the tables' columns"))?;
    let result = read_in_transaction(client, &schemas, &names).await;
    let end = client.batch_execute("COMMIT").await;
    let meta = result?;
    end.map_err(db("cannot read the tables' columns"))?;
    Ok(meta)
}

async fn read_in_transaction(
    client: &Client,
    schemas: &[&str],
    names: &[&str],
) -> Result<BTreeMap<QualName, TableMeta>, RefError> {
    let mut out: BTreeMap<QualName, TableMeta> = BTreeMap::new();
    for row in client.query(sql::META_COLUMNS, &[&schemas, &names]).await.map_err(db("cannot read the tables' columns"))? {
        let meta = out.entry(QualName::new(row.get::<_, String>(0), row.get::<_, String>(1))).or_default();
        meta.columns.insert(row.get(2), ColumnMeta { ty: row.get(3), generated: row.get(4) });
    }
    for row in client.query(sql::META_UNIQUE, &[&schemas, &names]).await.map_err(db("cannot read the tables' keys"))? {
        let Some(meta) = out.get_mut(&QualName::new(row.get::<_, String>(0), row.get::<_, String>(1))) else { continue };
        let columns: Vec<String> = row.get(3);
        if row.get::<_, bool>(2) {
            meta.primary_key = columns.clone();
        }
        meta.unique.push(columns.into_iter().collect());
    }
    for row in client.query(sql::META_FOREIGN, &[&schemas, &names]).await.map_err(db("cannot read the foreign keys"))? {
        let Some(meta) = out.get_mut(&QualName::new(row.get::<_, String>(0), row.get::<_, String>(1))) else { continue };
        let target = QualName::new(row.get::<_, String>(3), row.get::<_, String>(4));
        meta.foreign_keys.insert(row.get(2), (target, row.get(5)));
    }
    Ok(out)
}

/// How a declared column is computed in SQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Cast the text of source array `array` to the column type.
    Plain {
        /// Index of the source array.
        array: usize,
    },
    /// Look up `target.column` by the referenced row's key columns.
    Ref {
        /// The referenced table.
        target: QualName,
        /// The referenced column (the foreign key's, else the primary key).
        column: String,
        /// The reference's key columns: (column, source array, its type).
        keys: Vec<(String, usize, String)>,
    },
}

/// A declared column bound to the live table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundColumn {
    /// Its name.
    pub name: String,
    /// Its live type.
    pub ty: String,
    /// Where its value comes from.
    pub source: Source,
}

/// One table's declared rows bound to the live table: source arrays (text, one per plain
/// column and one per key column of each reference) and how each column is computed.
#[derive(Clone, Debug)]
pub struct Bound {
    /// The table.
    pub table: QualName,
    /// Key columns (a prefix of `columns`).
    pub key_len: usize,
    /// The declared columns.
    pub columns: Vec<BoundColumn>,
    /// The source arrays, one value per declared row.
    pub arrays: Vec<Vec<Option<String>>>,
    /// For each array: the type it is cast to and its label in messages.
    pub array_types: Vec<(String, String)>,
    /// Whether a unique index covers exactly the key columns (ON CONFLICT can target it).
    pub unique_key: bool,
}

impl Bound {
    /// The arrays as query parameters.
    pub fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.arrays.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
    }
}

/// Bind every table (unknown and generated columns, references without a foreign key or
/// primary key to follow are errors here), in table order.
pub fn bind(data: &DataSet, meta: &BTreeMap<QualName, TableMeta>) -> Result<Vec<Bound>, RefError> {
    for t in &data.tables {
        known_columns(t, meta)?;
    }
    data.complete()?;
    data.tables.iter().map(|t| bind_table(t, meta)).collect()
}

/// The table exists and has every declared column, none of them generated.
fn known_columns(t: &TableData, all: &BTreeMap<QualName, TableMeta>) -> Result<(), RefError> {
    let Some(meta) = all.get(&t.table) else {
        return Err(RefError::MissingTable { path: t.files[0].clone(), table: t.table.clone() });
    };
    for (i, name) in t.columns.iter().enumerate() {
        let why = match meta.columns.get(name) {
            None => "does not exist in",
            Some(c) if c.generated => "is generated in",
            Some(_) => continue,
        };
        // Name the first row that gives the column.
        let row = t.rows.iter().find(|r| r.cells[i] != Cell::Null).or(t.rows.first());
        let row = row.map(|r| r.at.clone()).unwrap_or_else(|| RowRef {
            file: t.files[0].clone(),
            origin: "(no rows)".to_owned(),
            key: String::new(),
        });
        return Err(RefError::UnknownColumn { row, table: t.table.clone(), column: name.clone(), why });
    }
    Ok(())
}

fn bind_table(t: &TableData, all: &BTreeMap<QualName, TableMeta>) -> Result<Bound, RefError> {
    let Some(meta) = all.get(&t.table) else {
        return Err(RefError::MissingTable { path: t.files[0].clone(), table: t.table.clone() });
    };
    let mut bound = Bound {
        table: t.table.clone(),
        key_len: t.key.len(),
        columns: Vec::new(),
        arrays: Vec::new(),
        array_types: Vec::new(),
        unique_key: meta.unique.iter().any(|u| u.len() == t.key.len() && t.key.iter().all(|k| u.contains(k))),
    };
    for (i, name) in t.columns.iter().enumerate() {
        let Some(column) = meta.columns.get(name) else {
            return Err(RefError::MissingTable { path: t.files[0].clone(), table: t.table.clone() });
        };
        let reference = t.rows.iter().find_map(|r| match &r.cells[i] {
            Cell::Ref(reference) => Some((r, reference)),
            _ => None,
        });
        let source = match reference {
            None => {
                let values = t.rows.iter().map(|r| text(&r.cells[i], &column.ty)).collect();
                bound.arrays.push(values);
                bound.array_types.push((column.ty.clone(), name.clone()));
                Source::Plain { array: bound.arrays.len() - 1 }
            }
            Some((row, reference)) => bind_ref(t, i, row.at.clone(), reference, meta, all, &mut bound)?,
        };
        bound.columns.push(BoundColumn { name: name.clone(), ty: column.ty.clone(), source });
    }
    Ok(bound)
}

fn bind_ref(
    t: &TableData,
    i: usize,
    at: RowRef,
    first: &crate::file::Reference,
    meta: &TableMeta,
    all: &BTreeMap<QualName, TableMeta>,
    bound: &mut Bound,
) -> Result<Source, RefError> {
    let name = &t.columns[i];
    let bad = |at: RowRef, message: String| RefError::BadValue { row: at, column: name.clone(), message };
    let target_meta = all.get(&first.table).ok_or_else(|| {
        bad(at.clone(), format!("the referenced table {}.{} does not exist", first.table.schema, first.table.name))
    })?;
    let column = match meta.foreign_keys.get(name) {
        Some((fk_table, fk_column)) if *fk_table == first.table => fk_column.clone(),
        Some((fk_table, _)) => {
            return Err(bad(
                at,
                format!(
                    "refers to {}.{}, but the column's foreign key references {}.{}",
                    first.table.schema, first.table.name, fk_table.schema, fk_table.name
                ),
            ))
        }
        None => match target_meta.primary_key.as_slice() {
            [pk] => pk.clone(),
            _ => {
                return Err(bad(
                    at,
                    format!(
                        "no foreign key on {name} and no one-column primary key on {}.{} says which column to take",
                        first.table.schema, first.table.name
                    ),
                ))
            }
        },
    };
    let unique = target_meta.unique.iter().any(|u| !u.is_empty() && u.iter().all(|c| first.key.iter().any(|(k, _)| k == c)));
    if !unique {
        let key: Vec<&str> = first.key.iter().map(|(k, _)| k.as_str()).collect();
        return Err(bad(
            at,
            format!(
                "a reference must name its row by a unique key, but ({}) is not unique in {}.{}; add a unique constraint on it",
                key.join(", "),
                first.table.schema,
                first.table.name
            ),
        ));
    }
    let mut keys = Vec::new();
    for (k, _) in &first.key {
        let Some(kc) = target_meta.columns.get(k) else {
            return Err(bad(at, format!("the referenced table {}.{} has no column {k}", first.table.schema, first.table.name)));
        };
        bound.arrays.push(Vec::with_capacity(t.rows.len()));
        bound.array_types.push((kc.ty.clone(), format!("{name}.{k}")));
        keys.push((k.clone(), bound.arrays.len() - 1, kc.ty.clone()));
    }
    for row in &t.rows {
        match &row.cells[i] {
            Cell::Null => keys.iter().for_each(|(_, a, _)| bound.arrays[*a].push(None)),
            Cell::Ref(r) if r.table == first.table && r.key.iter().map(|(k, _)| k).eq(first.key.iter().map(|(k, _)| k)) => {
                for ((_, v), (_, a, _)) in r.key.iter().zip(&keys) {
                    bound.arrays[*a].push(Some(v.clone()));
                }
            }
            Cell::Ref(_) => {
                return Err(bad(row.at.clone(), format!("every reference in this column must name {} by the same key columns as {}", first.describe(), at)))
            }
            _ => return Err(bad(row.at.clone(), "mixes plain values with references; use references in every row".to_owned())),
        }
    }
    Ok(Source::Ref { target: first.table.clone(), column, keys })
}

/// A cell as the text PostgreSQL parses for the column's type: JSON arrays for array
/// columns become array literals, other JSON its text.
fn text(cell: &Cell, ty: &str) -> Option<String> {
    match cell {
        Cell::Null => None,
        Cell::Text(s) => Some(s.clone()),
        Cell::Json(v @ Value::Array(_)) if ty.ends_with("[]") => Some(array_literal(v)),
        Cell::Json(v) => Some(v.to_string()),
        Cell::Ref(r) => Some(r.describe()),
    }
}

/// `{"a","b"}` from `["a","b"]` (nested arrays nest; null is NULL).
fn array_literal(v: &Value) -> String {
    match v {
        Value::Array(items) => format!("{{{}}}", items.iter().map(array_literal).collect::<Vec<_>>().join(",")),
        Value::Null => "NULL".to_owned(),
        Value::String(s) => quote_element(s),
        other => quote_element(&other.to_string()),
    }
}

fn quote_element(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        if ch == '"' || ch == '\\' {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

/// The tables in sync order: a table after every declared table it references (through
/// references in its rows or through its foreign keys). Ties in name order.
pub fn order(data: &DataSet, meta: &BTreeMap<QualName, TableMeta>) -> Result<Vec<usize>, RefError> {
    let index: BTreeMap<&QualName, usize> = data.tables.iter().enumerate().map(|(i, t)| (&t.table, i)).collect();
    let mut needs: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); data.tables.len()];
    for (i, t) in data.tables.iter().enumerate() {
        for row in &t.rows {
            for cell in &row.cells {
                if let Cell::Ref(r) = cell {
                    if let Some(&j) = index.get(&r.table) {
                        needs[i].insert(j);
                    }
                }
            }
        }
        for (target, _) in meta.get(&t.table).map(|m| m.foreign_keys.values()).into_iter().flatten() {
            if let Some(&j) = index.get(target) {
                if j != i {
                    needs[i].insert(j);
                }
            }
        }
    }
    let mut done: Vec<usize> = Vec::new();
    let mut placed = vec![false; data.tables.len()];
    while done.len() < data.tables.len() {
        let next = (0..data.tables.len()).find(|&i| !placed[i] && needs[i].iter().all(|&j| placed[j] && j != i));
        let Some(i) = next else {
            let tables = (0..data.tables.len())
                .filter(|&i| !placed[i])
                .map(|i| format!("{}.{}", data.tables[i].table.schema, data.tables[i].table.name))
                .collect();
            return Err(RefError::Cycle { tables });
        };
        placed[i] = true;
        done.push(i);
    }
    Ok(done)
}

/// Cast every declared value to its live type; on failure find the row and column.
pub async fn check_types(client: &Client, t: &TableData, b: &Bound) -> Result<(), RefError> {
    if b.arrays.is_empty() || t.rows.is_empty() {
        return Ok(());
    }
    if let Ok(row) = client.query_one(&sql::cast_check(&b.array_types), &b.params()).await {
        return too_long(t, b, &row);
    }
    for (a, (ty, label)) in b.arrays.iter().zip(&b.array_types) {
        let one = sql::cast_check(&[(ty.clone(), label.clone())]);
        let check = |lo: usize, hi: usize| {
            let slice: Vec<Option<String>> = a[lo..hi].to_vec();
            let one = one.clone();
            async move { client.query_one(&one, &[&slice]).await.err() }
        };
        let Some(mut error) = check(0, a.len()).await else { continue };
        let (mut lo, mut hi) = (0, a.len());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            match check(lo, mid).await {
                Some(e) => {
                    error = e;
                    hi = mid;
                }
                None => lo = mid,
            }
        }
        if let Some(e) = check(lo, lo + 1).await {
            error = e;
        }
        let message = match error.as_db_error() {
            Some(d) => match d.detail() {
                Some(detail) => format!("{} ({detail})", d.message()),
                None => d.message().to_owned(),
            },
            None => error.to_string(),
        };
        return Err(RefError::WrongType {
            row: t.rows[lo].at.clone(),
            column: label.clone(),
            ty: ty.clone(),
            value: a[lo].clone().unwrap_or_default(),
            message,
        });
    }
    // The table-wide cast failed but no column alone does: report the driver's error.
    let row = client.query_one(&sql::cast_check(&b.array_types), &b.params()).await.map_err(db(format!(
        "cannot check the values of {}.{}",
        t.table.schema, t.table.name
    )))?;
    too_long(t, b, &row)
}

/// The first value longer than its `varchar(n)`/`char(n)` column allows, from the extra
/// columns of [`sql::cast_check`]'s row: the write would refuse it, so refuse it first.
fn too_long(t: &TableData, b: &Bound, row: &tokio_postgres::Row) -> Result<(), RefError> {
    let limited = b.array_types.iter().enumerate().filter_map(|(a, (ty, label))| Some((a, ty, label, sql::length_limit(ty)?.0)));
    for (j, (a, ty, label, n)) in limited.enumerate() {
        let Some(ord) = row.get::<_, Option<i64>>(1 + b.array_types.len() + j) else { continue };
        let r = (ord - 1) as usize;
        let value = b.arrays[a][r].clone().unwrap_or_default();
        let message = format!("value too long for type {ty} ({} characters, at most {n})", value.chars().count());
        return Err(RefError::WrongType { row: t.rows[r].at.clone(), column: label.clone(), ty: ty.clone(), value, message });
    }
    Ok(())
}

/// Every reference must name a row that is declared or live.
pub async fn check_refs(client: &Client, data: &DataSet, t: &TableData, b: &Bound) -> Result<(), RefError> {
    for (i, column) in b.columns.iter().enumerate() {
        let Source::Ref { target, keys, .. } = &column.source else { continue };
        // Declared rows of the target, by the reference's key columns, as text.
        let declared: HashSet<Vec<&str>> = match data.tables.iter().find(|d| d.table == *target) {
            Some(d) => {
                let idx: Option<Vec<usize>> = keys.iter().map(|(k, _, _)| d.index(k)).collect();
                idx.map(|idx| {
                    d.rows
                        .iter()
                        .filter_map(|r| idx.iter().map(|&j| if let Cell::Text(s) = &r.cells[j] { Some(s.as_str()) } else { None }).collect())
                        .collect()
                })
                .unwrap_or_default()
            }
            None => HashSet::new(),
        };
        let pending: Vec<usize> = (0..t.rows.len())
            .filter(|&r| {
                let key: Option<Vec<&str>> = keys.iter().map(|(_, a, _)| b.arrays[*a][r].as_deref()).collect();
                key.is_some_and(|k| !declared.contains(&k))
            })
            .collect();
        if pending.is_empty() {
            continue;
        }
        let arrays: Vec<Vec<Option<String>>> =
            keys.iter().map(|(_, a, _)| pending.iter().map(|&r| b.arrays[*a][r].clone()).collect()).collect();
        let params: Vec<&(dyn ToSql + Sync)> = arrays.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        let missing = client
            .query_opt(&sql::missing_refs(target, keys), &params)
            .await
            .map_err(db(format!("cannot look up the rows referenced by {}.{}", t.table.schema, column.name)))?;
        if let Some(row) = missing {
            let n: i64 = row.get(0);
            let at = &t.rows[pending[(n - 1) as usize]];
            let Cell::Ref(r) = &at.cells[i] else { continue };
            return Err(RefError::MissingRef { row: at.at.clone(), column: column.name.clone(), target: r.describe() });
        }
    }
    Ok(())
}
