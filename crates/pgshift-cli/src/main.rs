//! pgshift-cli: the `pgshift` binary.
//!
//! Owns: argument parsing, output (human SQL/text, `--json`), and exit codes: 0 fine,
//! 1 problems found, 2 usage or configuration error, 3 database error. Data goes to stdout,
//! warnings, progress and errors to stderr; a closed stdout pipe is not an error.
//!
//! Must not: hold logic a library user would need; every command is a thin layer over the
//! library crates.

mod commands;
mod config;
mod connect;
mod error;
mod progress;
mod project;
mod source;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::{CliError, ExitStatus};

/// mimalloc instead of the system allocator: reading and diffing a large schema, and `seed`'s
/// 50,000 declared rows, allocate millions of small strings and sets; glibc's malloc spent
/// about a third of the CPU time of `pgshift diff` and of `seed sync` on them (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// PostgreSQL schema migrations for databases you share with other systems.
#[derive(Debug, Parser)]
#[command(name = "pgshift", version, about, propagate_version = true)]
struct Cli {
    /// Configuration file (default: ./pgshift.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The PostgreSQL major version of the scratch server (13–18; also `scratch_version` in
    /// pgshift.toml): production's, so what pgshift verifies is what production runs.
    #[arg(long, global = true, value_name = "MAJOR", value_parser = clap::value_parser!(u32).range(13..=18))]
    pg_version: Option<u32>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scaffold a project: pgshift.toml, schema/, migrations/, data/, externals/.
    Init(commands::init::InitArgs),
    /// Take over a database pgshift did not build (Alembic-managed, create_all, hand-made).
    Adopt(commands::adopt::AdoptArgs),
    /// Write the next migration: from the history's head to schema/, verified before it is written.
    New(commands::new::NewArgs),
    /// Print the migration SQL from one schema to another (databases or SQL files).
    Diff(commands::diff::DiffArgs),
    /// Print a schema (a database, or SQL files loaded into a scratch database) as canonical SQL.
    Inspect(commands::inspect::InspectArgs),
    /// Control the embedded scratch PostgreSQL server.
    #[command(subcommand)]
    Scratch(commands::scratch::ScratchCommand),
    /// Apply the pending migrations (or print them as SQL with --sql).
    Upgrade(commands::migrate::UpgradeArgs),
    /// Undo applied migrations: to a revision, -N of them, or to base.
    Downgrade(commands::migrate::DowngradeArgs),
    /// Set the ledger to a revision and its ancestors without running SQL.
    Stamp(commands::migrate::RevisionArgs),
    /// Record the edited file of an applied migration as reviewed.
    AcceptEdit(commands::migrate::RevisionArgs),
    /// Check that the history reaches schema/ and that the database holds what its ledger says.
    Check(commands::check::CheckArgs),
    /// Check migrations against the lint rules (destructive, data-dependent, locking, …).
    Lint(commands::lint::LintArgs),
    /// Check the pending migrations against the database's rows, read-only: what would fail, lock or be lost.
    Preflight(commands::preflight::PreflightArgs),
    /// Where the database stands, other tools' ledgers in it, and name clashes with them.
    Status(commands::status::StatusArgs),
    /// Print the revisions the database is at.
    Current(commands::revisions::ViewArgs),
    /// List every revision, newest first.
    History(commands::revisions::ViewArgs),
    /// List the head revisions.
    Heads(commands::revisions::ViewArgs),
    /// Write a revision that joins heads (all of them by default) into one.
    Merge(commands::revisions::MergeArgs),
    /// Reference data from data/: diff, sync, check, freeze into a migration, export.
    #[command(subcommand)]
    Seed(commands::seed::SeedCommand),
}

/// mimalloc as a command-line tool wants it: freed memory returned to the system after 10 ms,
/// not kept a second for reuse as a long-running server wants it. With arenas committed on use
/// (`.cargo/config.toml`), measured: `pgshift inspect` at 1,000 tables peaks at 34 MiB of RSS
/// instead of 71, `pgshift diff` at 5,000 tables at about 240 MiB instead of 281. Purging at
/// once (0 ms) saved 2 MiB more but cost `diff` 0.15 s of system time in page faults
/// (BENCHMARKS.md, "Memory"). `MIMALLOC_PURGE_DELAY` in the environment wins.
#[allow(unsafe_code)]
fn tune_allocator() {
    // mimalloc v3's option number (include/mimalloc.h, `mi_option_e`).
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // A setting of the user's own (mimalloc reads MIMALLOC_PURGE_DELAY) is kept.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: `mi_option_set` stores an integer in mimalloc's option table; it may be called at
    // any time, from any thread, and takes no pointer.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 10);
    }
}

/// Give back to the system what this thread's heap holds free. mimalloc returns free memory
/// lazily, from the thread that frees it, as that thread goes on allocating: a thread about to
/// wait (a reading thread of `source::live_pair` while the diff runs) would keep it.
#[allow(unsafe_code)]
pub(crate) fn release_free_memory() {
    // SAFETY: `mi_collect` only walks the calling thread's heap; it takes no pointer.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// The single-threaded runtime a command runs on (one per thread that reads a schema, see
/// `source::catalog_pair`).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage("cannot start the async runtime").caused_by(&e))
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(e.code);
        }
    };
    let result = runtime.block_on(run(cli));
    // Template evictions a command started in the background (pgshift_project::cache).
    pgshift_project::cache::settle();
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.code)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitStatus, CliError> {
    let mut config = config::Config::load(cli.config.as_deref())?;
    if cli.pg_version.is_some() {
        config.scratch_version = cli.pg_version;
    }
    match &cli.command {
        Command::Init(args) => commands::init::run(args, &config).await,
        Command::Adopt(args) => commands::adopt::run(args, &config).await,
        Command::New(args) => commands::new::run(args, &config).await,
        Command::Diff(args) => commands::diff::run(args, &config).await,
        Command::Inspect(args) => commands::inspect::run(args, &config).await,
        Command::Scratch(cmd) => commands::scratch::run(cmd, &config).await,
        Command::Upgrade(args) => commands::migrate::upgrade(args, &config).await,
        Command::Downgrade(args) => commands::migrate::downgrade(args, &config).await,
        Command::Stamp(args) => commands::migrate::stamp(args, &config).await,
        Command::AcceptEdit(args) => commands::migrate::accept_edit(args, &config).await,
        Command::Check(args) => commands::check::run(args, &config).await,
        Command::Lint(args) => commands::lint::run(args, &config),
        Command::Preflight(args) => commands::preflight::run(args, &config).await,
        Command::Status(args) => commands::status::run(args, &config).await,
        Command::Current(args) => commands::revisions::current(args, &config).await,
        Command::History(args) => commands::revisions::history(args, &config).await,
        Command::Heads(args) => commands::revisions::heads(args, &config).await,
        Command::Merge(args) => commands::revisions::merge(args, &config).await,
        Command::Seed(cmd) => commands::seed::run(cmd, &config).await,
    }
}
