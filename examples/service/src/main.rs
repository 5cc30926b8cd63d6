//! An example service: upgrade the database on startup, then do its work.
//!
//! `DATABASE_URL=postgres://… cargo run -p service-example`. The migrations in `migrations/`
//! are compiled into the binary; a second start finds the database at head through pgshift's
//! fast path (one query, no lock). A real service would serve requests where this one runs a
//! single query and exits.

use std::process::ExitCode;

/// The migrations of this service, compiled in.
static MIGRATOR: pgshift::Migrator = pgshift::embed_migrations!("migrations");

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "set DATABASE_URL to the service's database")?;

    // Startup: bring the schema to what this binary expects. With migrations run as a separate
    // deploy step instead, call `MIGRATOR.verify_at_least_head(&client)` here and refuse to start.
    let report = MIGRATOR.upgrade(&url).await?;
    println!("migrations: {report}");

    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("connection error: {e}");
        }
    });
    client.execute("INSERT INTO public.note (body) VALUES ($1)", &[&"service started"]).await?;
    let row = client.query_one("SELECT count(*), max(created_at)::text FROM public.note", &[]).await?;
    let count: i64 = row.get(0);
    let last: Option<String> = row.get(1);
    println!("notes: {count}, last at {}", last.unwrap_or_default());
    Ok(())
}
