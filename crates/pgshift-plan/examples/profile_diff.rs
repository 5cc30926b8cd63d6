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
    let t = Instant::now();
    let d = pgshift_diff::diff(&a, &b, &pgshift_diff::DiffOptions::default());
    println!("diff:         {:>8.1} ms  {} changes", ms(t), d.changes.len());
    let t = Instant::now();
    let mut options = pgshift_plan::PlanOptions::default();
    if let Err(pgshift_plan::PlanError::MissingBackfill { columns }) = pgshift_plan::plan(&a, &b, &d, &options) {
        for c in columns {
            options.backfills.insert(c, "NULL".into());
        }
    }
    let p = pgshift_plan::plan(&a, &b, &d, &options)?;
    println!("plan:         {:>8.1} ms  {} steps", ms(t), p.steps.len());
    let t = Instant::now();
    let sql = p.to_sql();
    println!("to_sql:       {:>8.1} ms  {} bytes", ms(t), sql.len());
    Ok(())
}
