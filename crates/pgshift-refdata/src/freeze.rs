//! Freeze: a [`SeedDiff`] as plain SQL statements, one per changed row, and as a migration
//! [`Draft`], so that reference data changes go through review and history like schema
//! changes. The same statements are what `seed sync --dry-run` prints.
//!
//! Forms: a new row is `INSERT … VALUES … ON CONFLICT (key) DO UPDATE SET …` when a unique
//! index covers exactly the key columns, else `INSERT … SELECT … WHERE NOT EXISTS (…)`; a
//! changed row is `UPDATE … SET <changed columns> WHERE <key>`; with prune, a row nobody
//! declares is `DELETE … WHERE <key>` (referencing tables first, before any insert). A
//! reference is a subquery on the referenced table by its natural key, never an id copied
//! from one database, so the migration means the same on every copy. A new row that references
//! another is inserted only when the referenced row exists (`INSERT … SELECT … WHERE (SELECT …)
//! IS NOT NULL`): the history is also replayed into empty scratch databases (autogenerate,
//! check), where reference data is absent and such a row must be skipped, not fail on a NULL
//! key. (A live database that lacks the referenced row fails `seed sync`'s reference check
//! first.) Literals go through
//! `pgshift_catalog::quote::literal`; types are PostgreSQL's `format_type` text.
//!
//! Environment values (`{ env = "NAME" }`: Stripe ids, possibly secrets) are never written into
//! a migration: [`draft`] refuses with [`RefError::EnvInFreeze`], naming the file, row, column
//! and variable, when a statement would carry one (a new row with such a column, a changed
//! such column, or such a key). `seed sync` applies them per database instead.
//!
//! Must not: talk to a database or write files (the caller writes the draft).

use pgshift_catalog::{quote, QualName};
use pgshift_history::{Direction, Draft, DraftSection, RevisionId};

use crate::error::RefError;
use crate::file::{Cell, DataSet, TableData};
use crate::live::{Bound, BoundColumn, Source};
use crate::sync::SeedDiff;

/// The statements that turn the live data into the declared data (the diff's changes).
pub fn statements(data: &DataSet, diff: &SeedDiff) -> Vec<String> {
    let mut out = Vec::new();
    if diff.prune {
        for t in diff.tables.iter().rev() {
            for extra in &t.extras {
                let conds: Vec<String> = extra
                    .key
                    .iter()
                    .map(|(k, v)| match v {
                        Some(v) => format!("{} = {}", quote::ident(k), quote::literal(v)),
                        None => format!("{} IS NULL", quote::ident(k)),
                    })
                    .collect();
                out.push(format!("DELETE FROM {} WHERE {}", table(&t.table), conds.join(" AND ")));
            }
        }
    }
    for t in &diff.tables {
        let rows = &data.tables[t.data];
        for update in &t.updates {
            let sets: Vec<String> = update
                .changes
                .iter()
                .filter_map(|c| {
                    let i = t.bound.columns.iter().position(|b| b.name == c.column)?;
                    Some(format!("{} = {}", quote::ident(&c.column), value(rows, &t.bound, update.row, i, false)))
                })
                .collect();
            out.push(format!("UPDATE {} SET {} WHERE {}", table(&t.table), sets.join(", "), key_match(rows, &t.bound, update.row)));
        }
        for insert in &t.inserts {
            out.push(insert_statement(rows, &t.bound, insert.row));
        }
    }
    out
}

/// The migration: one transactional up section with [`statements`], no down section (the
/// previous data is not known to the files). Refused when a statement would carry a value
/// taken from the environment (module docs).
pub fn draft(data: &DataSet, diff: &SeedDiff, parents: Vec<RevisionId>, message: &str) -> Result<Draft, RefError> {
    no_env_values(data, diff)?;
    let mut draft = Draft::new(parents, message);
    draft.sections.push(DraftSection::new(Direction::Up, true, statements(data, diff)));
    Ok(draft)
}

/// The first value of an environment variable that [`statements`] would write, as an error.
fn no_env_values(data: &DataSet, diff: &SeedDiff) -> Result<(), RefError> {
    for t in &diff.tables {
        let rows = &data.tables[t.data];
        let written = |row: usize, column: &str| -> Result<(), RefError> {
            let r = &rows.rows[row];
            match r.env.iter().find(|(c, _)| c == column) {
                Some((column, var)) => {
                    Err(RefError::EnvInFreeze { row: r.at.clone(), column: column.clone(), var: var.clone() })
                }
                None => Ok(()),
            }
        };
        for update in &t.updates {
            for key in &t.bound.columns[..t.bound.key_len] {
                written(update.row, &key.name)?;
            }
            for change in &update.changes {
                written(update.row, &change.column)?;
            }
        }
        for insert in &t.inserts {
            for column in &t.bound.columns {
                written(insert.row, &column.name)?;
            }
        }
    }
    Ok(())
}

fn table(t: &QualName) -> String {
    quote::qualified(&t.schema, &t.name)
}

fn insert_statement(rows: &TableData, b: &Bound, row: usize) -> String {
    let columns: Vec<String> = b.columns.iter().map(|c| quote::ident(&c.name)).collect();
    // Rows referencing others are inserted only where the referenced rows exist (module docs).
    let guards: Vec<String> = (0..b.columns.len())
        .filter(|&i| matches!((&b.columns[i].source, &rows.rows[row].cells[i]), (Source::Ref { .. }, Cell::Ref(_))))
        .map(|i| format!("{} IS NOT NULL", value(rows, b, row, i, false)))
        .collect();
    if b.unique_key {
        let keys: Vec<String> = b.columns[..b.key_len].iter().map(|c| quote::ident(&c.name)).collect();
        let sets: Vec<String> =
            b.columns[b.key_len..].iter().map(|c| format!("{0} = EXCLUDED.{0}", quote::ident(&c.name))).collect();
        let action = if sets.is_empty() { "NOTHING".to_owned() } else { format!("UPDATE SET {}", sets.join(", ")) };
        let source = if guards.is_empty() {
            let values: Vec<String> = (0..b.columns.len()).map(|i| value(rows, b, row, i, false)).collect();
            format!("VALUES ({})", values.join(", "))
        } else {
            let values: Vec<String> = (0..b.columns.len()).map(|i| value(rows, b, row, i, true)).collect();
            format!("SELECT {} WHERE {}", values.join(", "), guards.join(" AND "))
        };
        return format!(
            "INSERT INTO {} ({}) {source} ON CONFLICT ({}) DO {action}",
            table(&b.table),
            columns.join(", "),
            keys.join(", ")
        );
    }
    let values: Vec<String> = (0..b.columns.len()).map(|i| value(rows, b, row, i, true)).collect();
    let mut conditions = guards;
    conditions.push(format!("NOT EXISTS (SELECT 1 FROM {} WHERE {})", table(&b.table), key_match(rows, b, row)));
    format!(
        "INSERT INTO {} ({}) SELECT {} WHERE {}",
        table(&b.table),
        columns.join(", "),
        values.join(", "),
        conditions.join(" AND ")
    )
}

/// `k1 = v1 AND k2 = (SELECT …)`.
fn key_match(rows: &TableData, b: &Bound, row: usize) -> String {
    let conds: Vec<String> =
        (0..b.key_len).map(|i| format!("{} = {}", quote::ident(&b.columns[i].name), value(rows, b, row, i, false))).collect();
    conds.join(" AND ")
}

/// Declared value `i` of `row` as SQL: a literal (cast to the column type when `typed`, for a
/// SELECT list where an untyped literal would be text), NULL, or a reference's subquery.
fn value(rows: &TableData, b: &Bound, row: usize, i: usize, typed: bool) -> String {
    let column: &BoundColumn = &b.columns[i];
    let cell = &rows.rows[row].cells[i];
    match (&column.source, cell) {
        (_, Cell::Null) if typed => format!("NULL::{}", crate::sql::cast_type(&column.ty)),
        (_, Cell::Null) => "NULL".to_owned(),
        (Source::Ref { target, column: target_column, .. }, Cell::Ref(r)) => {
            let conds: Vec<String> =
                r.key.iter().map(|(k, v)| format!("{} = {}", quote::ident(k), quote::literal(v))).collect();
            format!("(SELECT {} FROM {} WHERE {})", quote::ident(target_column), table(target), conds.join(" AND "))
        }
        (Source::Plain { array }, _) => {
            let text = b.arrays[*array][row].as_deref().unwrap_or_default();
            if typed {
                format!("{}::{}", quote::literal(text), crate::sql::cast_type(&column.ty))
            } else {
                quote::literal(text)
            }
        }
        (Source::Ref { .. }, _) => "NULL".to_owned(),
    }
}
