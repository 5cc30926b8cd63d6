//! `pgshift preflight` as data: for every statement of the migrations pending on a live
//! database (up to a target), whether its rows let it succeed (data-dependent steps: the rows
//! that would make it fail, with sample keys), what it locks and how big that table is
//! (locking steps), and what it loses (destructive steps).
//!
//! Owns: running the proofs of `pgshift_lint::proof` against the database, strictly read-only:
//! the ledger is read first (a plain `SELECT`), then one `BEGIN READ ONLY` transaction with
//! `SET LOCAL statement_timeout` holds one set-based catalog query for every table involved and
//! each proof's count and samples, each in a savepoint (a cast that fails on a row aborts only
//! its own query); the transaction is rolled back. Nothing is written, nothing is locked beyond
//! ACCESS SHARE.

use std::path::PathBuf;

use pgshift_catalog::quote::{literal, qualified};
use pgshift_history::{ApplyOptions, Direction, MigrationFile};
use pgshift_lint::proof::{self, Check, Family, Live, LiveTable};
use serde::Serialize;
use tokio_postgres::Client;

use crate::{Project, ProjectError};

/// How to run the preflight.
#[derive(Clone, Debug)]
pub struct Options {
    /// `statement_timeout` for each query (a PostgreSQL duration, e.g. `30s`).
    pub statement_timeout: String,
}

impl Default for Options {
    fn default() -> Options {
        Options { statement_timeout: "30s".to_owned() }
    }
}

/// What the preflight found, per pending revision in the order they would be applied.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The pending revisions.
    pub revisions: Vec<Revision>,
}

/// One pending revision's steps.
#[derive(Clone, Debug, Serialize)]
pub struct Revision {
    /// Its id.
    pub revision: String,
    /// Its message.
    pub message: String,
    /// Its file.
    pub path: PathBuf,
    /// What was checked, statement by statement.
    pub steps: Vec<Step>,
}

/// One check of one statement.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// The statement's file line.
    pub line: usize,
    /// The statement's first line.
    pub statement: String,
    /// Its family.
    pub family: Family,
    /// What was checked.
    pub what: String,
    /// The result.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The result of a step.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// The data lets it succeed.
    Ok,
    /// It would fail.
    Fails {
        /// The offending rows (groups, pairs), when counted.
        count: Option<i64>,
        /// Up to 5 of them (keys, or duplicated values).
        samples: Vec<String>,
        /// In words.
        message: String,
    },
    /// It holds a lock on a table of this size.
    Locks {
        /// The table.
        table: String,
        /// `pg_total_relation_size`.
        bytes: i64,
        /// The row estimate (`reltuples`; negative: never analyzed).
        rows: f64,
        /// The lock mode.
        mode: String,
        /// In words.
        message: String,
    },
    /// It loses rows or values.
    Loses {
        /// How many.
        count: i64,
        /// In words.
        message: String,
    },
    /// Not checked.
    NotChecked {
        /// Why.
        reason: String,
    },
}

impl Report {
    /// Whether any step would fail.
    pub fn failed(&self) -> bool {
        self.steps().any(|s| matches!(s.outcome, Outcome::Fails { .. }))
    }

    /// Every step.
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.revisions.iter().flat_map(|r| &r.steps)
    }

    /// One line: how many steps were checked and what they found.
    pub fn summary(&self) -> String {
        let count = |f: fn(&Outcome) -> bool| self.steps().filter(|s| f(&s.outcome)).count();
        format!(
            "{} pending revision(s), {} step(s): {} would fail, {} ok, {} lock, {} lose data, {} not checked",
            self.revisions.len(),
            self.steps().count(),
            count(|o| matches!(o, Outcome::Fails { .. })),
            count(|o| matches!(o, Outcome::Ok)),
            count(|o| matches!(o, Outcome::Locks { .. })),
            count(|o| matches!(o, Outcome::Loses { .. })),
            count(|o| matches!(o, Outcome::NotChecked { .. })),
        )
    }
}

impl Outcome {
    /// `ok`, `FAILS: …`, `locks: …`, `loses: …` or `not checked: …`.
    pub fn text(&self) -> String {
        match self {
            Outcome::Ok => "ok".to_owned(),
            Outcome::Fails { message, .. } => format!("FAILS: {message}"),
            Outcome::Locks { message, .. } => format!("locks: {message}"),
            Outcome::Loses { message, .. } => format!("loses: {message}"),
            Outcome::NotChecked { reason } => format!("not checked: {reason}"),
        }
    }
}

/// The preflight of the migrations pending on the database behind `client`, up to `target`
/// (the single head when `None`). Refused like `upgrade` would refuse (an edited applied
/// migration, a generated statement on a foreign object); a database that cannot be read
/// (connection, permissions) is a [`ProjectError::Db`].
pub async fn run(project: &Project, client: &Client, target: Option<&str>, options: &Options) -> Result<Report, ProjectError> {
    let graph = project.graph()?;
    let apply = ApplyOptions {
        ledger_schema: project.ledger_schema.clone(),
        own_schemas: project.own_schemas.clone(),
        ignore: project.filter.exclude.iter().map(|p| p.as_str().to_owned()).collect(),
        consent: Some(pgshift_history::apply::Consent(pgshift_lint::consent)),
        ..ApplyOptions::default()
    };
    let pending = pgshift_history::apply::pending(client, &graph, target, &apply)
        .await
        .map_err(ProjectError::ledger("cannot read which migrations are pending"))?;
    let files: Vec<&MigrationFile> = pending.iter().filter_map(|id| graph.get(id)).collect();
    if files.is_empty() {
        return Ok(Report { revisions: Vec::new() });
    }
    // Statements a failed run already did (its `no transaction` sections resume there): the
    // database shows them. Read before the transaction: a database without a ledger has none.
    let progress = pgshift_history::Ledger::new(&project.ledger_schema).progress(client).await.unwrap_or_default();
    let done: Vec<usize> = files.iter().map(|f| pgshift_history::Ledger::done(&progress, &f.revision, Direction::Up)).collect();
    client
        .batch_execute(&format!("BEGIN READ ONLY; SET LOCAL statement_timeout = {}", literal(&options.statement_timeout)))
        .await
        .map_err(ProjectError::db("cannot start a read-only transaction"))?;
    let result = checks(client, &files, &done, options).await;
    // Read-only either way: nothing to keep.
    let rollback = client.batch_execute("ROLLBACK").await;
    let revisions = result?;
    rollback.map_err(ProjectError::db("cannot end the read-only transaction"))?;
    Ok(Report { revisions })
}

async fn checks(client: &Client, files: &[&MigrationFile], done: &[usize], options: &Options) -> Result<Vec<Revision>, ProjectError> {
    let live = live(client, &proof::tables(files)).await?;
    let mut out = Vec::new();
    for (file, proofs) in files.iter().zip(proof::proofs(files, done, &live)) {
        let mut steps = Vec::new();
        for p in proofs {
            let outcome = outcome(client, &p, options).await?;
            steps.push(Step { line: p.line, statement: p.statement, family: p.family, what: p.what, outcome });
        }
        out.push(Revision { revision: file.revision.to_string(), message: file.message.clone(), path: file.path.clone(), steps });
    }
    Ok(out)
}

/// The tables `names` (as written) name, in one catalog query: size, row estimate, primary
/// key, column types.
async fn live(client: &Client, names: &[String]) -> Result<Live, ProjectError> {
    const SQL: &str = "SELECT i.input, n.nspname::text, c.relname::text, pg_total_relation_size(c.oid), c.reltuples::float8,
       coalesce((SELECT array_agg(a.attname::text ORDER BY k.ord)
                   FROM pg_index x
                   CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
                  WHERE x.indrelid = c.oid AND x.indisprimary), '{}'),
       coalesce((SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '{}'),
       coalesce((SELECT array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '{}'),
       coalesce((SELECT array_agg(t.typcategory::text ORDER BY a.attnum) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '{}')
  FROM unnest($1::text[]) AS i(input)
  JOIN pg_class c ON c.oid = to_regclass(i.input)
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'm', 'i', 'I')";
    let rows = client.query(SQL, &[&names]).await.map_err(ProjectError::db("cannot read the tables of the pending migrations"))?;
    let mut out = Live::default();
    for row in rows {
        let get = |e: tokio_postgres::Error| ProjectError::db("cannot read the tables of the pending migrations")(e);
        let input: String = row.try_get(0).map_err(get)?;
        let schema: String = row.try_get(1).map_err(get)?;
        let name: String = row.try_get(2).map_err(get)?;
        let names: Vec<String> = row.try_get(6).map_err(get)?;
        let types: Vec<String> = row.try_get(7).map_err(get)?;
        let categories: Vec<String> = row.try_get(8).map_err(get)?;
        let columns = names.into_iter().zip(types.into_iter().zip(categories)).collect();
        out.tables.insert(
            input,
            LiveTable {
                name: qualified(&schema, &name),
                bytes: row.try_get(3).map_err(get)?,
                rows: row.try_get(4).map_err(get)?,
                key: row.try_get(5).map_err(get)?,
                columns,
            },
        );
    }
    Ok(out)
}

/// Run one proof in a savepoint.
async fn outcome(client: &Client, p: &proof::Proof, options: &Options) -> Result<Outcome, ProjectError> {
    match &p.check {
        Check::NotChecked(reason) => Ok(Outcome::NotChecked { reason: reason.clone() }),
        Check::Lock { verb, table, bytes, rows, mode } => {
            let estimate = if *rows < 0.0 { "row count unknown: never analyzed".to_owned() } else { format!("~{} rows", proof::thousands(*rows as i64)) };
            Ok(Outcome::Locks {
                table: table.clone(),
                bytes: *bytes,
                rows: *rows,
                mode: (*mode).to_owned(),
                message: format!("{verb} {table} ({}, {estimate}) under {mode}", proof::size(*bytes)),
            })
        }
        Check::Cast { sql } => match guarded(client, sql, options).await? {
            Ok(_) => Ok(Outcome::Ok),
            Err(e) if e.code().code().starts_with("22") => Ok(Outcome::Fails {
                count: None,
                samples: Vec::new(),
                message: format!("the conversion fails on at least one row: {}", e.message()),
            }),
            Err(e) => Ok(not_checked(&e, options)),
        },
        Check::Count { count_sql, sample_sql, sample_label, unit, verb, object } => {
            let count = match guarded(client, count_sql, options).await? {
                Ok(rows) => rows.first().map(|r| r.try_get::<_, i64>(0)).transpose().map_err(ProjectError::db("cannot read a count"))?.unwrap_or(0),
                Err(e) => return Ok(not_checked(&e, options)),
            };
            let (unit, verb) = if count == 1 { (&unit.0, verb.0) } else { (&unit.1, verb.1) };
            let mut message = format!("{} {unit} {verb}", proof::thousands(count)).trim_end().to_owned();
            if !object.is_empty() {
                message.push(' ');
                message.push_str(object);
            }
            if p.family == Family::Loses {
                return Ok(Outcome::Loses { count, message });
            }
            if count == 0 {
                return Ok(Outcome::Ok);
            }
            let mut samples = Vec::new();
            if let Some(sql) = sample_sql {
                if let Ok(rows) = guarded(client, sql, options).await? {
                    samples = rows.iter().filter_map(|r| r.try_get::<_, Option<String>>(0).ok().flatten()).collect();
                }
            }
            if !samples.is_empty() {
                let label = if sample_label.is_empty() { String::new() } else { format!("{sample_label} ") };
                message.push_str(&format!(": {label}{}", samples.join(", ")));
                if count > samples.len() as i64 {
                    message.push_str(", …");
                }
            }
            Ok(Outcome::Fails { count: Some(count), samples, message })
        }
    }
}

fn not_checked(e: &tokio_postgres::error::DbError, options: &Options) -> Outcome {
    let reason = if e.code().code() == "57014" {
        format!("the query ran longer than the statement timeout ({})", options.statement_timeout)
    } else {
        format!("the query failed: {}", e.message())
    };
    Outcome::NotChecked { reason }
}

/// `sql` in a savepoint: the server's error as a value (the savepoint rolled back), except
/// missing privileges and lost connections, which are errors of the preflight as a whole.
async fn guarded(client: &Client, sql: &str, _options: &Options) -> Result<Result<Vec<tokio_postgres::Row>, tokio_postgres::error::DbError>, ProjectError> {
    client.batch_execute("SAVEPOINT pgshift_preflight").await.map_err(ProjectError::db("cannot run the preflight"))?;
    match client.query(sql, &[]).await {
        Ok(rows) => {
            client.batch_execute("RELEASE SAVEPOINT pgshift_preflight").await.map_err(ProjectError::db("cannot run the preflight"))?;
            Ok(Ok(rows))
        }
        Err(e) => {
            let Some(db) = e.as_db_error().cloned() else {
                return Err(ProjectError::db("cannot run the preflight")(e));
            };
            if db.code().code() == "42501" {
                return Err(ProjectError::db("the database cannot be read (missing privilege)")(e));
            }
            client.batch_execute("ROLLBACK TO SAVEPOINT pgshift_preflight").await.map_err(ProjectError::db("cannot run the preflight"))?;
            Ok(Err(db))
        }
    }
}
