//! Diff and sync: the declared rows against a live database, table by table in dependency
//! order, set-based (one diff query per table; at most one UPDATE, one INSERT and, with
//! prune, one DELETE per table; never a query per row).
//!
//! Owns: [`prepare`] (metadata, binding and every read-only check, before anything is
//! written), [`diff`] (read-only: works on a read replica) and [`sync`] (one transaction,
//! under the ledger's advisory lock; the diff of each table is taken after the tables it
//! references are synced, so references to rows inserted in the same run resolve).
//!
//! Must not: render migrations (that is `freeze`) or print anything.

use std::collections::BTreeSet;
use std::sync::Arc;

use pgshift_catalog::QualName;
use pgshift_history::{ApplyOptions, Ledger};
use tokio_postgres::Client;

use crate::error::{db, RefError, RowRef};
use crate::file::{Cell, DataSet};
use crate::live::{self, Bound};
use crate::sql;

/// A declared row that has no live row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Insert {
    /// Index into the table's declared rows.
    pub row: usize,
    /// Where it is declared.
    pub at: RowRef,
    /// Column and value as PostgreSQL prints it (a reference not resolvable yet is spelled
    /// out: `ref public.ttsmodel (slug = "kokoro")`); `None` is NULL.
    pub values: Vec<(String, Option<String>)>,
}

/// A declared row whose live row differs in some declared columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Update {
    /// Index into the table's declared rows.
    pub row: usize,
    /// Where it is declared.
    pub at: RowRef,
    /// The columns that change.
    pub changes: Vec<Change>,
}

/// One column of an [`Update`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The column.
    pub column: String,
    /// The live value (`None`: NULL).
    pub old: Option<String>,
    /// The declared value (`None`: NULL).
    pub new: Option<String>,
}

/// A live row that no file declares: its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extra {
    /// Key column and live value.
    pub key: Vec<(String, Option<String>)>,
}

/// What differs in one table.
#[derive(Clone, Debug)]
pub struct TableDiff {
    /// The table.
    pub table: QualName,
    /// Index into [`DataSet::tables`].
    pub data: usize,
    /// The natural key columns.
    pub key: Vec<String>,
    /// Rows to insert.
    pub inserts: Vec<Insert>,
    /// Rows to update.
    pub updates: Vec<Update>,
    /// Live rows nobody declares (deleted only with prune).
    pub extras: Vec<Extra>,
    /// The binding the statements were made from (types, references, unique key), shared
    /// with the sync rather than copied (it holds every declared value).
    pub bound: Arc<Bound>,
}

/// What differs, table by table in sync order.
#[derive(Clone, Debug, Default)]
pub struct SeedDiff {
    /// The tables, referenced tables first (every declared table, changed or not).
    pub tables: Vec<TableDiff>,
    /// Whether live rows nobody declares are (to be) deleted.
    pub prune: bool,
}

impl SeedDiff {
    /// Nothing to insert or update, and (with prune) nothing to delete.
    pub fn is_empty(&self) -> bool {
        self.tables.iter().all(|t| t.inserts.is_empty() && t.updates.is_empty() && (!self.prune || t.extras.is_empty()))
    }

    /// `3 to insert, 1 to update, 2 to delete` style counts: (inserts, updates, extras).
    pub fn counts(&self) -> (usize, usize, usize) {
        self.tables.iter().fold((0, 0, 0), |(i, u, e), t| (i + t.inserts.len(), u + t.updates.len(), e + t.extras.len()))
    }
}

/// The declared data bound to the live tables and checked, ready to diff or sync.
pub struct Prepared<'a> {
    data: &'a DataSet,
    bound: Vec<Arc<Bound>>,
    order: Vec<usize>,
}

/// Read the live metadata, bind, order, and run every check (unknown columns, types,
/// references). Read-only.
pub async fn prepare<'a>(client: &Client, data: &'a DataSet) -> Result<Prepared<'a>, RefError> {
    let mut tables: BTreeSet<QualName> = data.tables.iter().map(|t| t.table.clone()).collect();
    for t in &data.tables {
        for row in &t.rows {
            for cell in &row.cells {
                if let Cell::Ref(r) = cell {
                    tables.insert(r.table.clone());
                }
            }
        }
    }
    let meta = live::read(client, &tables).await?;
    let bound: Vec<Arc<Bound>> = live::bind(data, &meta)?.into_iter().map(Arc::new).collect();
    let order = live::order(data, &meta)?;
    for &i in &order {
        live::check_types(client, &data.tables[i], &bound[i]).await?;
    }
    for &i in &order {
        live::check_refs(client, data, &data.tables[i], &bound[i]).await?;
    }
    Ok(Prepared { data, bound, order })
}

/// What syncing would change, without writing (read-only queries only).
pub async fn diff(client: &Client, data: &DataSet, prune: bool) -> Result<SeedDiff, RefError> {
    let p = prepare(client, data).await?;
    let mut out = SeedDiff { tables: Vec::new(), prune };
    for &i in &p.order {
        out.tables.push(table_diff(client, &p, i, None).await?);
    }
    Ok(out)
}

/// How to sync.
#[derive(Clone, Debug, Default)]
pub struct SyncOptions {
    /// Delete live rows that no file declares.
    pub prune: bool,
    /// The ledger (whose advisory lock is held) and how long to wait for the lock.
    pub apply: ApplyOptions,
    /// Told about each table as its rows are written: (index from 0, tables, table).
    pub progress: Option<TableProgress>,
}

/// A receiver of [`SyncOptions::progress`]'s (index, total, table).
#[derive(Clone)]
pub struct TableProgress(pub std::sync::Arc<dyn Fn(usize, usize, &str) + Send + Sync>);

impl std::fmt::Debug for TableProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TableProgress(..)")
    }
}

/// Apply the diff in one transaction holding the ledger's advisory lock: with prune, deletes
/// first (referencing tables first), then per table in dependency order one UPDATE and one
/// INSERT. Returns what was changed (empty when the database already matched).
pub async fn sync(client: &Client, data: &DataSet, options: &SyncOptions) -> Result<SeedDiff, RefError> {
    let ledger = Ledger::new(options.apply.ledger_schema.clone());
    let result = pgshift_history::apply::with_lock(client, &ledger, &options.apply, async {
        Ok(sync_locked(client, data, options).await)
    })
    .await?;
    result
}

async fn sync_locked(client: &Client, data: &DataSet, options: &SyncOptions) -> Result<SeedDiff, RefError> {
    let p = prepare(client, data).await?;
    client.batch_execute("BEGIN").await.map_err(db("cannot start the sync transaction"))?;
    match sync_in_transaction(client, &p, options.prune, options.progress.as_ref()).await {
        Ok(diff) => {
            client.batch_execute("COMMIT").await.map_err(db("cannot commit the sync"))?;
            Ok(diff)
        }
        Err(e) => {
            // The transaction is rolled back whatever happened; the original error matters.
            let _ = client.batch_execute("ROLLBACK").await;
            Err(e)
        }
    }
}

async fn sync_in_transaction(client: &Client, p: &Prepared<'_>, prune: bool, progress: Option<&TableProgress>) -> Result<SeedDiff, RefError> {
    let mut deleted = vec![Vec::new(); p.bound.len()];
    if prune {
        for &i in p.order.iter().rev() {
            // Before any upsert: references resolve against rows that are live now.
            let d = table_diff(client, p, i, None).await?;
            if !d.extras.is_empty() {
                let b = &p.bound[i];
                let n = execute(client, &sql::delete(b, &sql::source(b)), Some(b), b, "delete from").await?;
                expect(n, d.extras.len(), &p.bound[i], "deleted")?;
            }
            deleted[i] = d.extras;
        }
    }
    let mut out = SeedDiff { tables: Vec::new(), prune };
    for (at, &i) in p.order.iter().enumerate() {
        // The declared rows, typed and with references resolved (the referenced tables are
        // synced by now), sent and computed once for the diff and the writes.
        let b = &p.bound[i];
        if let Some(TableProgress(tell)) = progress {
            tell(at, p.order.len(), &b.table.to_string());
        }
        let temp = format!("pgshift_seed_{i}");
        execute(client, &sql::materialize(b, &temp), Some(b), b, "load the declared rows of").await?;
        let mut d = table_diff(client, p, i, Some(&temp)).await?;
        let source = sql::temp_source(&temp);
        if !d.updates.is_empty() {
            let n = execute(client, &sql::update(b, &source), None, b, "update").await?;
            expect(n, d.updates.len(), b, "updated")?;
        }
        if !d.inserts.is_empty() {
            let n = execute(client, &sql::insert(b, &source), None, b, "insert into").await?;
            expect(n, d.inserts.len(), b, "inserted")?;
        }
        if prune {
            d.extras = std::mem::take(&mut deleted[i]);
        }
        out.tables.push(d);
    }
    Ok(out)
}

/// Run a statement, with the declared rows' arrays as parameters when `params` is given.
async fn execute(client: &Client, statement: &str, params: Option<&Bound>, b: &Bound, what: &str) -> Result<u64, RefError> {
    client
        .execute(statement, &params.map(Bound::params).unwrap_or_default())
        .await
        .map_err(db(format!("cannot {what} {}.{}", b.table.schema, b.table.name)))
}

/// The statement must touch exactly the rows the diff found (we hold the lock, in one
/// transaction: anything else is a bug or a concurrent writer, and the run is rolled back).
fn expect(n: u64, expected: usize, b: &Bound, what: &str) -> Result<(), RefError> {
    if n as usize == expected {
        return Ok(());
    }
    Err(RefError::Format {
        path: format!("{}.{}", b.table.schema, b.table.name).into(),
        message: format!("{what} {n} rows where the diff found {expected}; nothing was written (concurrent writer?)"),
    })
}

/// The diff query of table `i`, over the parameters or over temporary table `temp`.
async fn table_diff(client: &Client, p: &Prepared<'_>, i: usize, temp: Option<&str>) -> Result<TableDiff, RefError> {
    let t = &p.data.tables[i];
    let b = &p.bound[i];
    let (statement, params) = match temp {
        Some(name) => (sql::diff(b, &sql::temp_source(name)), Vec::new()),
        None => (sql::diff(b, &sql::source(b)), b.params()),
    };
    let rows = client
        .query(&statement, &params)
        .await
        .map_err(db(format!("cannot compare the rows of {}.{}", t.table.schema, t.table.name)))?;
    let mut out = TableDiff {
        table: t.table.clone(),
        data: i,
        key: t.key.clone(),
        inserts: Vec::new(),
        updates: Vec::new(),
        extras: Vec::new(),
        bound: Arc::clone(b),
    };
    // Declared value text, or the reference spelled out while its row does not exist yet.
    let shown = |row: usize, column: usize, value: Option<String>| match (&value, &t.rows[row].cells[column]) {
        (None, Cell::Ref(r)) => Some(format!("ref {}", r.describe())),
        _ => value,
    };
    for row in rows {
        let ord: Option<i64> = row.get(0);
        let absent: bool = row.get(1);
        let live_key: Vec<Option<String>> = row.get(2);
        let old: Vec<Option<String>> = row.get(3);
        let new: Vec<Option<String>> = row.get(4);
        let changed: Vec<bool> = row.get(5);
        let Some(ord) = ord else {
            out.extras.push(Extra { key: t.key.iter().cloned().zip(live_key).collect() });
            continue;
        };
        let r = (ord - 1) as usize;
        if absent {
            let key = &t.rows[r].cells[..b.key_len];
            let mut values: Vec<(String, Option<String>)> = t.key.iter().zip(key).map(|(k, c)| (k.clone(), key_text(c))).collect();
            for (j, v) in new.into_iter().enumerate() {
                let column = b.key_len + j;
                values.push((b.columns[column].name.clone(), shown(r, column, v)));
            }
            out.inserts.push(Insert { row: r, at: t.rows[r].at.clone(), values });
            continue;
        }
        let changes = changed
            .iter()
            .zip(old.into_iter().zip(new))
            .enumerate()
            .filter(|(_, (c, _))| **c)
            .map(|(j, (_, (old, new)))| Change {
                column: b.columns[b.key_len + j].name.clone(),
                old,
                new: shown(r, b.key_len + j, new),
            })
            .collect();
        out.updates.push(Update { row: r, at: t.rows[r].at.clone(), changes });
    }
    out.inserts.sort_by_key(|x| x.row);
    out.updates.sort_by_key(|x| x.row);
    out.extras.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// A key cell as shown: text as is, references spelled out.
fn key_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Null => None,
        Cell::Text(s) => Some(s.clone()),
        Cell::Json(v) => Some(v.to_string()),
        Cell::Ref(r) => Some(format!("ref {}", r.describe())),
    }
}
