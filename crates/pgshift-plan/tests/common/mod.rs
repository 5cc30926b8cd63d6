//! What the convergence tests share: applying a plan the way the apply engine will (proof
//! queries first, transactional sections in one transaction), comparing the result with the
//! target, and running one case in both directions.

#![allow(dead_code)]

pub mod fill;

use std::collections::BTreeMap;

use pgshift_catalog::{Catalog, ObjectFilter, QualName};
use pgshift_diff::{diff, DiffOptions, RenameRequest};
use pgshift_inspect::inspect;
use pgshift_plan::{plan, Plan, PlanError, PlanOptions};
use pgshift_testkit::{pg_error, TestDb};

/// One migration problem: two schemas, rows for A, options.
pub struct Case {
    /// Name (for messages and snapshots).
    pub name: String,
    /// SQL of the source schema.
    pub a: String,
    /// SQL of the target schema.
    pub b: String,
    /// Rows inserted into A before migrating.
    pub rows: Option<String>,
    /// Diff options (renames).
    pub diff: DiffOptions,
    /// Plan options (backfills).
    pub plan: PlanOptions,
    /// The A→B diff must mark some change unsupported ("NOT PLANNED"); a direction with such a
    /// change is planned (and snapshotted) but not applied.
    pub expect_unsupported: bool,
    /// Only the B→A diff must mark some change unsupported (an extension downgrade): A→B is
    /// applied and must converge, B→A is planned (and snapshotted) but not applied.
    pub expect_unsupported_down: bool,
    /// Fill every table of A with a generated row ([`fill`]) before migrating.
    pub fill: bool,
    /// The oldest PostgreSQL major whose syntax the case uses (`min-version 15`): on older
    /// servers it is skipped (the suites run on 13 to 18, `scripts/versions.sh`).
    pub min_version: u32,
}

/// What running a case found.
pub struct Outcome {
    /// The SQL of A→B.
    pub up: String,
    /// The SQL of B→A.
    pub down: String,
    /// Tables of A, and how many of them held a row before migrating.
    pub tables: usize,
    /// Tables of A that held a row.
    pub filled: usize,
}

impl Case {
    /// A case with default options.
    pub fn new(name: impl Into<String>, a: impl Into<String>, b: impl Into<String>, rows: Option<String>) -> Case {
        Case {
            name: name.into(),
            a: a.into(),
            b: b.into(),
            rows,
            diff: DiffOptions::default(),
            plan: PlanOptions::default(),
            expect_unsupported: false,
            expect_unsupported_down: false,
            fill: false,
            min_version: 0,
        }
    }

    /// Apply one line of an `options` file: `rename OLD=NEW`, `backfill schema.table.column=EXPR`,
    /// `expect-unsupported`, `expect-unsupported-down`, `with-privileges` (compare privileges,
    /// both ways), `min-version N`.
    pub fn option(&mut self, line: &str) -> Result<(), String> {
        if let Some(v) = line.strip_prefix("min-version ") {
            self.min_version = v.trim().parse().map_err(|_| format!("min-version needs a major version, not `{v}`"))?;
        } else if let Some(spec) = line.strip_prefix("rename ") {
            self.diff.renames.push(RenameRequest::parse(spec)?);
        } else if let Some(spec) = line.strip_prefix("backfill ") {
            let (target, expr) = spec.split_once('=').ok_or("backfill needs TARGET=EXPR")?;
            let parts = pgshift_catalog::filter::split_dotted(target)?;
            let [s, t, c] = parts.as_slice() else { return Err("backfill needs schema.table.column".into()) };
            self.plan.backfills.insert((QualName::new(s, t), c.clone()), expr.to_owned());
        } else if line == "expect-unsupported" {
            self.expect_unsupported = true;
        } else if line == "expect-unsupported-down" {
            self.expect_unsupported_down = true;
        } else if line == "with-privileges" {
            self.diff.with_privileges = true;
        } else {
            return Err(format!("unknown option line `{line}`"));
        }
        Ok(())
    }
}

/// Column order cannot be changed in place; everything else must match exactly.
pub fn normalize(mut c: Catalog) -> Catalog {
    for t in c.tables.values_mut() {
        t.columns.sort_by(|x, y| x.name.cmp(&y.name));
    }
    c
}

/// The first lines where two catalogs' JSON differ.
pub fn first_difference(a: &Catalog, b: &Catalog) -> String {
    let a = serde_json::to_string_pretty(a).unwrap();
    let b = serde_json::to_string_pretty(b).unwrap();
    a.lines()
        .zip(b.lines())
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .take(8)
        .map(|(i, (x, y))| format!("line {i}: got {x} / want {y}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Run a plan: consecutive transactional steps in one transaction, the others alone. Every
/// proof query runs just before its step and must find 0 offending rows.
pub async fn apply(client: &tokio_postgres::Client, plan: &Plan) -> Result<(), String> {
    for (transactional, steps) in plan.sections() {
        if transactional {
            client.batch_execute("BEGIN").await.map_err(|e| pg_error(&e))?;
        }
        for step in steps {
            let run = async {
                if let Some(proof) = &step.proof {
                    let n: i64 = client
                        .query_one(proof.as_str(), &[])
                        .await
                        .map_err(|e| format!("proof query failed: {}\n{proof}", pg_error(&e)))?
                        .get(0);
                    if n != 0 {
                        let hazards: Vec<String> = step.hazards.iter().map(|h| format!("{h:?}")).collect();
                        return Err(format!("proof found {n} offending row(s): {proof} (hazards: {})", hazards.join("; ")));
                    }
                }
                client.batch_execute(&step.sql).await.map_err(|e| format!("{}\nin: {}", pg_error(&e), step.sql))
            };
            if let Err(e) = run.await {
                let _ = client.batch_execute("ROLLBACK").await;
                return Err(format!("{e}\nplan:\n{}", plan.to_sql()));
            }
        }
        if transactional {
            client.batch_execute("COMMIT").await.map_err(|e| pg_error(&e))?;
        }
    }
    Ok(())
}

/// Rows of each table of `cat` (`ONLY` the table), except the tables in `tree`, whose rows are
/// counted with their partitions' (a table that becomes partitioned keeps its rows in them).
async fn row_counts(
    client: &tokio_postgres::Client,
    cat: &Catalog,
    tree: &std::collections::BTreeSet<QualName>,
) -> Result<BTreeMap<QualName, i64>, String> {
    let mut out = BTreeMap::new();
    for name in cat.tables.keys() {
        let only = if tree.contains(name) { "" } else { "ONLY " };
        let row = client
            .query_one(&format!("SELECT count(*) FROM {only}{}", name.sql()), &[])
            .await
            .map_err(|e| pg_error(&e))?;
        out.insert(name.clone(), row.get(0));
    }
    Ok(out)
}

/// Everything in the database.
pub async fn inspect_all(client: &tokio_postgres::Client) -> Result<Catalog, String> {
    inspect(client, &ObjectFilter::all()).await.map_err(|e| format!("inspect: {e}"))
}

/// A fresh database with `sql` executed in it.
pub async fn db_with(sql: &str, what: &str) -> Result<TestDb, String> {
    let db = TestDb::new().await;
    db.client.batch_execute(sql).await.map_err(|e| format!("{what}: {}", pg_error(&e)))?;
    Ok(db)
}

/// One direction: migrate `db` (holding `from`) to `to`. Returns the plan's SQL.
pub async fn migrate(
    db: &TestDb,
    from: &Catalog,
    to: &Catalog,
    d: &DiffOptions,
    p: &PlanOptions,
    allow_unsupported: bool,
) -> Result<(String, bool), String> {
    let changes = diff(from, to, d);
    if std::env::var("PGSHIFT_DEBUG_DIFF").is_ok() {
        eprintln!("{changes:#?}");
    }
    let plan = plan(from, to, &changes, p).map_err(|e| format!("plan refused: {e}"))?;
    if let Some(c) = changes.changes.iter().find(|c| pgshift_plan::unsupported(c)) {
        if allow_unsupported {
            return Ok((plan.to_sql(), true));
        }
        return Err(format!("unexpected unsupported change {c:?}\nplan:\n{}", plan.to_sql()));
    }
    apply(&db.client, &plan).await?;
    let after = inspect_all(&db.client).await?;
    if normalize(after.clone()) != normalize(to.clone()) {
        return Err(format!(
            "did not converge:\n{}\nplan:\n{}",
            first_difference(&normalize(after), &normalize(to.clone())),
            plan.to_sql()
        ));
    }
    let again = diff(&after, to, &DiffOptions { with_privileges: d.with_privileges, ..DiffOptions::default() });
    let leftover: Vec<_> = again
        .changes
        .iter()
        .filter(|c| !matches!(&c.kind, pgshift_diff::ChangeKind::AlterTable { actions } if actions.is_empty()))
        .collect();
    if !leftover.is_empty() {
        return Err(format!("a second diff is not empty: {leftover:?}\nplan:\n{}", plan.to_sql()));
    }
    Ok((plan.to_sql(), false))
}

/// Run a case: A (with rows) → B, rows of kept tables intact; then B → A on a fresh database
/// holding B. Returns the SQL of both directions.
pub async fn run_case(case: &Case) -> Result<(String, String), String> {
    run(case).await.map(|o| (o.up, o.down))
}

/// [`run_case`], with what it found.
pub async fn run(case: &Case) -> Result<Outcome, String> {
    let a = db_with(&case.a, "a.sql").await?;
    let cat_a = inspect_all(&a.client).await?;
    if let Some(rows) = &case.rows {
        a.client.batch_execute(rows).await.map_err(|e| format!("rows.sql: {}", pg_error(&e)))?;
    }
    if case.fill {
        a.client.batch_execute(&fill::fill_sql(&cat_a)).await.map_err(|e| format!("generated rows: {}", pg_error(&e)))?;
    }
    let b = db_with(&case.b, "b.sql").await?;
    let cat_b = inspect_all(&b.client).await?;
    let tree: std::collections::BTreeSet<QualName> = cat_a
        .tables
        .values()
        .filter(|t| cat_b.tables.get(&t.name).is_some_and(|u| u.kind != t.kind))
        .map(|t| t.name.clone())
        .collect();
    let before = row_counts(&a.client, &cat_a, &tree).await?;
    let (up, up_unsupported) = migrate(&a, &cat_a, &cat_b, &case.diff, &case.plan, case.expect_unsupported)
        .await
        .map_err(|e| format!("up: {e}"))?;
    if case.expect_unsupported && !up_unsupported {
        return Err(format!("expected an unsupported change, got a full plan:\n{up}"));
    }
    if !up_unsupported {
        let after = row_counts(&a.client, &inspect_all(&a.client).await?, &tree).await?;
        for (table, n) in &before {
            let renamed = case.diff.renames.iter().find_map(|r| match r {
                RenameRequest::Table { from, to } if from == table => Some(to.clone()),
                _ => None,
            });
            if let Some(now) = after.get(renamed.as_ref().unwrap_or(table)) {
                if now != n {
                    return Err(format!("rows lost in {table}: {n} before, {now} after"));
                }
            }
        }
    }
    // B -> A on a fresh database holding B. New NOT NULL columns there have no rows to fill.
    let back = db_with(&case.b, "b.sql").await?;
    let mut down_plan = PlanOptions::default();
    let down_diff = DiffOptions { with_privileges: case.diff.with_privileges, ..DiffOptions::default() };
    if let Err(PlanError::MissingBackfill { columns }) = plan(&cat_b, &cat_a, &diff(&cat_b, &cat_a, &down_diff), &down_plan) {
        for col in columns {
            down_plan.backfills.insert(col, "NULL".to_owned());
        }
    }
    let allow = case.expect_unsupported || case.expect_unsupported_down;
    let (down, down_unsupported) =
        migrate(&back, &cat_b, &cat_a, &down_diff, &down_plan, allow).await.map_err(|e| format!("down: {e}"))?;
    if case.expect_unsupported_down && !down_unsupported {
        return Err(format!("expected an unsupported change down, got a full plan:\n{down}"));
    }
    a.finish().await;
    b.finish().await;
    back.finish().await;
    Ok(Outcome { up, down, tables: before.len(), filled: before.values().filter(|n| **n > 0).count() })
}

/// The idempotent plan ([`PlanOptions::idempotent`], with `options`' backfills) from `a` (with
/// `rows_a`) to `b`: applied twice in a row on a database holding A, each run succeeds and
/// leaves B (column order aside), a second diff is empty and the rows of the tables kept are
/// intact; applied once on a database already holding B (with `rows_b`), it succeeds and changes
/// nothing, column order and rows included. Returns the plan's SQL.
pub async fn run_idempotent(a: &str, rows_a: Option<&str>, b: &str, rows_b: Option<&str>, options: &PlanOptions) -> Result<String, String> {
    let from = db_with(a, "a").await?;
    let cat_a = inspect_all(&from.client).await?;
    if let Some(rows) = rows_a {
        from.client.batch_execute(rows).await.map_err(|e| format!("rows of a: {}", pg_error(&e)))?;
    }
    let at = db_with(b, "b").await?;
    let cat_b = inspect_all(&at.client).await?;
    if let Some(rows) = rows_b {
        at.client.batch_execute(rows).await.map_err(|e| format!("rows of b: {}", pg_error(&e)))?;
    }
    let changes = diff(&cat_a, &cat_b, &DiffOptions::default());
    if let Some(c) = changes.changes.iter().find(|c| pgshift_plan::unsupported(c)) {
        return Err(format!("unexpected unsupported change {c:?}"));
    }
    let options = PlanOptions { idempotent: true, ..options.clone() };
    let plan = plan(&cat_a, &cat_b, &changes, &options).map_err(|e| format!("plan refused: {e}"))?;
    let none = std::collections::BTreeSet::new();
    let before = row_counts(&from.client, &cat_a, &none).await?;
    for run in 1..=2 {
        apply(&from.client, &plan).await.map_err(|e| format!("run {run} on a: {e}"))?;
        let after = inspect_all(&from.client).await?;
        if normalize(after.clone()) != normalize(cat_b.clone()) {
            return Err(format!(
                "run {run} on a did not converge:\n{}\nplan:\n{}",
                first_difference(&normalize(after), &normalize(cat_b.clone())),
                plan.to_sql()
            ));
        }
        let again = diff(&after, &cat_b, &DiffOptions::default());
        if again.changes.iter().any(|c| !matches!(&c.kind, pgshift_diff::ChangeKind::AlterTable { actions } if actions.is_empty())) {
            return Err(format!("run {run} on a: a second diff is not empty: {:?}\nplan:\n{}", again.changes, plan.to_sql()));
        }
        let rows = row_counts(&from.client, &after, &none).await?;
        for (table, n) in &before {
            if rows.get(table).is_some_and(|now| now != n) {
                return Err(format!("run {run} on a: rows lost in {table}: {n} before, {:?} after", rows.get(table)));
            }
        }
    }
    let rows = row_counts(&at.client, &cat_b, &none).await?;
    apply(&at.client, &plan).await.map_err(|e| format!("on a database at b: {e}"))?;
    let after = inspect_all(&at.client).await?;
    if after != cat_b {
        return Err(format!("not a no-op on a database at b:\n{}\nplan:\n{}", first_difference(&after, &cat_b), plan.to_sql()));
    }
    if row_counts(&at.client, &after, &none).await? != rows {
        return Err(format!("rows changed on a database at b\nplan:\n{}", plan.to_sql()));
    }
    from.finish().await;
    at.finish().await;
    Ok(plan.to_sql())
}
