//! Measures the embedded server's costs: cold start (initdb + start), warm
//! start (start of an existing, stopped cluster), and reuse (`ensure` on a
//! running server, `create_database` + `drop_now`).
//!
//! `cargo run --release -p pgshift-scratch --example measure`
//! Uses a private temporary cache dir; stops its server at the end.

use std::time::{Duration, Instant};

use pgshift_scratch::{ScratchConfig, ScratchServer};

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::Builder::new().prefix("pgs-measure").tempdir()?;
    let config = ScratchConfig {
        cache_dir: Some(dir.path().to_path_buf()),
        ..ScratchConfig::default()
    };

    let t = Instant::now();
    let server = ScratchServer::ensure(&config).await?;
    let cold = t.elapsed();
    println!(
        "server {}: version {}",
        server.url("postgres"),
        server.server_version_num().await?
    );
    println!("cold (initdb + start):            {}", ms(cold));

    let mut warm = Vec::new();
    for _ in 0..3 {
        pgshift_scratch::stop(&config)?;
        let t = Instant::now();
        ScratchServer::ensure(&config).await?;
        warm.push(t.elapsed());
    }
    println!(
        "warm start (median of 3):         {}  {:?}",
        ms(median(warm.clone())),
        warm
    );

    let mut ensure = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        ScratchServer::ensure(&config).await?;
        ensure.push(t.elapsed());
    }
    println!("reuse: ensure (median of 20):     {}", ms(median(ensure)));

    let mut create = Vec::new();
    let mut drop = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let db = server.create_database(None).await?;
        create.push(t.elapsed());
        let t = Instant::now();
        db.drop_now().await?;
        drop.push(t.elapsed());
    }
    let c = median(create);
    let d = median(drop);
    println!("reuse: create_database (median):  {}", ms(c));
    println!("reuse: drop_now (median):         {}", ms(d));
    println!("reuse: create + drop:             {}", ms(c + d));

    let mut total = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let s = ScratchServer::ensure(&config).await?;
        let db = s.create_database(None).await?;
        let client = db.connect().await?;
        client
            .batch_execute("CREATE TABLE t (id int primary key)")
            .await?;
        std::mem::drop(client);
        db.drop_now().await?;
        total.push(t.elapsed());
    }
    println!(
        "reuse: ensure+create+connect+DDL+drop (median of 10): {}",
        ms(median(total))
    );

    pgshift_scratch::stop(&config)?;
    Ok(())
}
