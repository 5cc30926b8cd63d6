//! Times each phase of a diff between two databases: both inspections, diff, plan, SQL text.
//!
//! `cargo run --release -p pgshift-plan --example profile_diff -- <from url> <to url>`
//! (with `bench/gen_schema.py --tables N` and `--mutate P` to make the two databases).

use std::str::FromStr;
use std::time::Instant;

use pgshift_catalog::ObjectFilter;

async fn inspect(url: &str) -> Result<pgshift_catalog::Catalog, Box<dyn std::error::Error>> {
    let (client, conn) = tokio_postgres::Config::from_str(url)?.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    Ok(pgshift_inspect::inspect(&client, &ObjectFilter::all()).await?)
}

/// CPU time of this thread so far (Linux `schedstat`), less disturbed by other load than
/// wall time; 0 elsewhere.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns: f64 = stat.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0.0);
    ns / 1e6
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, from, to] = args.as_slice() else { return Err("usage: profile_diff <from url> <to url>".into()) };
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let a = inspect(from).await?;
    println!("inspect from: {:>8.1} ms", ms(t));
    let t = Instant::now();
    let b = inspect(to).await?;
    println!("inspect to:   {:>8.1} ms", ms(t));
    let t = Instant::now();
    let (a2, b2) = tokio::try_join!(inspect(from), inspect(to))?;
    println!("both at once: {:>8.1} ms", ms(t));
    drop((a2, b2));
    // Diff and plan are pure CPU: the best of a few runs is the least disturbed by a busy machine.
    let runs: usize = std::env::var("PROFILE_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    let mut d = pgshift_diff::Diff::default();
    for _ in 0..runs {
        let (t, c) = (Instant::now(), cpu_ms());
        d = pgshift_diff::diff(&a, &b, &pgshift_diff::DiffOptions::default());
        best = best.min(ms(t));
        best_cpu = best_cpu.min(cpu_ms() - c);
    }
    println!("diff:         {best:>8.1} ms  {} changes (best of {runs}; CPU {best_cpu:.1} ms)", d.changes.len());
    // The dependency graph of one side, which diff builds for both on threads of their own.
    let mut best = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let graph = pgshift_diff::schedule::Graph::of(&b);
        best = best.min(ms(t));
        drop(graph);
    }
    println!("graph of to:  {best:>8.1} ms  (best of {runs})");
    let mut options = pgshift_plan::PlanOptions::default();
    if let Err(pgshift_plan::PlanError::MissingBackfill { columns }) = pgshift_plan::plan(&a, &b, &d, &options) {
        for c in columns {
            options.backfills.insert(c, "NULL".into());
        }
    }
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    let mut p = pgshift_plan::Plan::default();
    for _ in 0..runs {
        let (t, c) = (Instant::now(), cpu_ms());
        p = pgshift_plan::plan(&a, &b, &d, &options)?;
        best = best.min(ms(t));
        best_cpu = best_cpu.min(cpu_ms() - c);
    }
    println!("plan:         {best:>8.1} ms  {} steps (best of {runs}; CPU {best_cpu:.1} ms)", p.steps.len());
    let t = Instant::now();
    let sql = p.to_sql();
    println!("to_sql:       {:>8.1} ms  {} bytes", ms(t), sql.len());
    Ok(())
}
