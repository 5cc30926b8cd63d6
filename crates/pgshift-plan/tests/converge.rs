//! Convergence: for every fixture pair, the plan applied to a database holding A (with rows)
//! gives a database that inspects identical to B, a second diff is empty, and every row of a
//! kept table survives. The same engine run B→A must bring a database holding B back to A.
//!
//! Cases live in `tests/cases/<kind>/<case>/`: `a.sql`, `b.sql`, optional `rows.sql` (run on A
//! before migrating) and `options` (lines `rename OLD=NEW`, `backfill schema.table.column=EXPR`).
//! The generated SQL of both directions is snapshotted with insta.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pgshift_catalog::{Catalog, ObjectFilter, QualName};
use pgshift_diff::{diff, DiffOptions, RenameRequest};
use pgshift_inspect::inspect;
use pgshift_plan::{plan, Plan, PlanError, PlanOptions};
use pgshift_testkit::{pg_error, TestDb};

struct Case {
    name: String,
    a: String,
    b: String,
    rows: Option<String>,
    diff: DiffOptions,
    plan: PlanOptions,
}

fn load_cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut dirs: Vec<PathBuf> = Vec::new();
    for kind in std::fs::read_dir(&root).unwrap() {
        let kind = kind.unwrap().path();
        for case in std::fs::read_dir(&kind).unwrap() {
            dirs.push(case.unwrap().path());
        }
    }
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
            let mut diff = DiffOptions::default();
            let mut plan = PlanOptions::default();
            for line in read("options").unwrap_or_default().lines().map(str::trim).filter(|l| !l.is_empty()) {
                if let Some(spec) = line.strip_prefix("rename ") {
                    diff.renames.push(RenameRequest::parse(spec).unwrap());
                } else if let Some(spec) = line.strip_prefix("backfill ") {
                    let (target, expr) = spec.split_once('=').unwrap();
                    let parts = pgshift_catalog::filter::split_dotted(target).unwrap();
                    let [s, t, c] = parts.as_slice() else { panic!("backfill needs schema.table.column") };
                    plan.backfills.insert((QualName::new(s, t), c.clone()), expr.to_owned());
                } else {
                    panic!("{}: unknown option line `{line}`", dir.display());
                }
            }
            let name = format!(
                "{}__{}",
                dir.parent().unwrap().file_name().unwrap().to_str().unwrap(),
                dir.file_name().unwrap().to_str().unwrap()
            );
            Case { name, a: read("a.sql").unwrap(), b: read("b.sql").unwrap(), rows: read("rows.sql"), diff, plan }
        })
        .collect()
}

/// Column order cannot be changed in place; everything else must match exactly.
fn normalize(mut c: Catalog) -> Catalog {
    for t in c.tables.values_mut() {
        t.columns.sort_by(|x, y| x.name.cmp(&y.name));
    }
    c
}

fn first_difference(a: &Catalog, b: &Catalog) -> String {
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
async fn apply(client: &tokio_postgres::Client, plan: &Plan) -> Result<(), String> {
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
                        return Err(format!("proof found {n} offending row(s): {proof}"));
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

async fn row_counts(client: &tokio_postgres::Client, cat: &Catalog) -> BTreeMap<QualName, i64> {
    let mut out = BTreeMap::new();
    for name in cat.tables.keys() {
        let row = client.query_one(&format!("SELECT count(*) FROM ONLY {}", name.sql()), &[]).await.unwrap();
        out.insert(name.clone(), row.get(0));
    }
    out
}

async fn inspect_all(client: &tokio_postgres::Client) -> Catalog {
    inspect(client, &ObjectFilter::all()).await.unwrap()
}

/// One direction: migrate `db` (holding `from`) to `to`. Returns the plan's SQL.
async fn migrate(db: &TestDb, from: &Catalog, to: &Catalog, d: &DiffOptions, p: &PlanOptions) -> Result<String, String> {
    let changes = diff(from, to, d);
    if std::env::var("PGSHIFT_DEBUG_DIFF").is_ok() {
        eprintln!("{changes:#?}");
    }
    let plan = plan(to, &changes, p).map_err(|e| format!("plan refused: {e}"))?;
    apply(&db.client, &plan).await?;
    let after = inspect_all(&db.client).await;
    if normalize(after.clone()) != normalize(to.clone()) {
        return Err(format!(
            "did not converge:\n{}\nplan:\n{}",
            first_difference(&normalize(after), &normalize(to.clone())),
            plan.to_sql()
        ));
    }
    let again = diff(&after, to, &DiffOptions::default());
    let leftover: Vec<_> = again
        .changes
        .iter()
        .filter(|c| !matches!(&c.kind, pgshift_diff::ChangeKind::AlterTable { actions } if actions.is_empty()))
        .collect();
    if !leftover.is_empty() {
        return Err(format!("a second diff is not empty: {leftover:?}"));
    }
    Ok(plan.to_sql())
}

async fn run_case(case: &Case) -> Result<(String, String), String> {
    let a = TestDb::with_sql(&case.a).await;
    if let Some(rows) = &case.rows {
        a.client.batch_execute(rows).await.map_err(|e| format!("rows.sql: {}", pg_error(&e)))?;
    }
    let b = TestDb::with_sql(&case.b).await;
    let cat_a = inspect_all(&a.client).await;
    let cat_b = inspect_all(&b.client).await;
    let before = row_counts(&a.client, &cat_a).await;
    let up = migrate(&a, &cat_a, &cat_b, &case.diff, &case.plan).await.map_err(|e| format!("up: {e}"))?;
    let after = row_counts(&a.client, &inspect_all(&a.client).await).await;
    for (table, n) in &before {
        let renamed = case.diff.renames.iter().find_map(|r| match r {
            RenameRequest::Table { from, to } if from == table => Some(to.clone()),
            _ => None,
        });
        let now = after.get(renamed.as_ref().unwrap_or(table));
        if let Some(now) = now {
            if now != n {
                return Err(format!("rows lost in {table}: {n} before, {now} after"));
            }
        }
    }
    // B -> A on a fresh database holding B. New NOT NULL columns there have no rows to fill.
    let back = TestDb::with_sql(&case.b).await;
    let mut down_plan = PlanOptions::default();
    let down_diff = DiffOptions::default();
    if let Err(PlanError::MissingBackfill { columns }) = plan(&cat_a, &diff(&cat_b, &cat_a, &down_diff), &down_plan) {
        for col in columns {
            down_plan.backfills.insert(col, "NULL".to_owned());
        }
    }
    let down = migrate(&back, &cat_b, &cat_a, &down_diff, &down_plan).await.map_err(|e| format!("down: {e}"))?;
    a.finish().await;
    b.finish().await;
    back.finish().await;
    Ok((up, down))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_converges_both_ways() {
    let only = std::env::var("PGSHIFT_CASE").ok();
    let cases: Vec<Case> = load_cases().into_iter().filter(|c| only.as_ref().is_none_or(|o| c.name.contains(o.as_str()))).collect();
    assert!(!cases.is_empty());
    let mut set = tokio::task::JoinSet::new();
    let mut failures = Vec::new();
    let mut results = BTreeMap::new();
    let mut pending = cases.into_iter();
    let spawn = |set: &mut tokio::task::JoinSet<_>, case: Case| {
        set.spawn(async move {
            let r = run_case(&case).await;
            (case.name, r)
        });
    };
    for _ in 0..3 {
        if let Some(c) = pending.next() {
            spawn(&mut set, c);
        }
    }
    while let Some(done) = set.join_next().await {
        let (name, r) = done.unwrap();
        match r {
            Ok(sql) => {
                results.insert(name, sql);
            }
            Err(e) => failures.push(format!("== {name}\n{e}")),
        }
        if let Some(c) = pending.next() {
            spawn(&mut set, c);
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n\n"));
    for (name, (up, down)) in &results {
        insta::assert_snapshot!(name.as_str(), format!("-- up\n{up}\n-- down\n{down}"));
    }
}
