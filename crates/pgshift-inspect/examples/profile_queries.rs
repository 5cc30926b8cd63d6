//! Times each catalog query of an inspection on its own, and the whole inspection.
//!
//! `cargo run --release -p pgshift-inspect --example profile_queries -- <database url>`
//! Use it with `bench/gen_schema.py` to see which query to tune.

use std::str::FromStr;
use std::time::Instant;

use pgshift_inspect::queries::{self, Version};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).ok_or("usage: profile_queries <database url>")?;
    let (client, conn) = tokio_postgres::Config::from_str(&url)?.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    let v: i32 = client.query_one("SELECT current_setting('server_version_num')::int", &[]).await?.get(0);
    let version = Version(v);
    // As in `inspect`: no JIT for catalog queries.
    client.batch_execute("SET search_path = ''; SET jit = off").await?;
    let list = [
        ("schemas", queries::SCHEMAS.to_owned()),
        ("extensions", queries::EXTENSIONS.to_owned()),
        ("types", queries::TYPES.to_owned()),
        ("relations", queries::RELATIONS.to_owned()),
        ("columns", queries::COLUMNS.to_owned()),
        ("sequences", queries::SEQUENCES.to_owned()),
        ("constraints", queries::constraints(version, false)),
        ("constraints (checks deferred)", queries::constraints(version, true)),
        ("indexes", queries::indexes(version)),
        ("opclasses", queries::OPCLASSES.to_owned()),
        ("functions", queries::FUNCTIONS.to_owned()),
        ("triggers", queries::TRIGGERS.to_owned()),
        ("policies", queries::POLICIES.to_owned()),
        ("dependencies", queries::DEPENDS.to_owned()),
    ];
    for (name, sql) in &list {
        let start = Instant::now();
        let rows = client.query(sql.as_str(), &[]).await?;
        println!("{name:>12}: {:>7.1} ms  {:>7} rows", start.elapsed().as_secs_f64() * 1000.0, rows.len());
    }
    let start = Instant::now();
    let cat = pgshift_inspect::inspect(&client, &pgshift_catalog::ObjectFilter::all()).await?;
    println!("{:>12}: {:>7.1} ms  {} tables", "inspect", start.elapsed().as_secs_f64() * 1000.0, cat.tables.len());
    let start = Instant::now();
    let sql = pgshift_catalog::render(&cat);
    println!("{:>12}: {:>7.1} ms  {} bytes", "render", start.elapsed().as_secs_f64() * 1000.0, sql.len());
    Ok(())
}
