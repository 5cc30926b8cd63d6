//! Autogenerate the next migration of a project through the library, as `pgshift new` does:
//!
//! ```sh
//! cargo run -q -p autogen-example -- examples/shop "add plans" [schema.table.column=EXPR …]
//! ```
//!
//! The project directory holds `schema/` (and optionally `externals/` and `migrations/`). The
//! history is replayed and the desired schema loaded on pgshift's embedded scratch server; the
//! migration is verified there before it is written. Backfill values for new NOT NULL columns
//! come from the arguments; rename candidates are printed, never assumed.

use std::collections::BTreeMap;
use std::process::ExitCode;

use pgshift_catalog::QualName;
use pgshift_diff::RenameCandidate;
use pgshift_project::autogen::{self, Answers, Outcome, Request};
use pgshift_project::{Project, Workspace};
use pgshift_scratch::ScratchConfig;

/// Backfills from the command line; renames are never assumed, and an undecided rename
/// candidate refuses the migration (a drop would lose its data).
struct FromArgs(BTreeMap<String, String>);

impl Answers for FromArgs {
    fn rename(&mut self, _: &RenameCandidate) -> Option<bool> {
        None
    }

    fn backfill(&mut self, table: &QualName, column: &str) -> Option<String> {
        self.0.get(&format!("{table}.{column}")).cloned()
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, message, backfills @ ..] = args.as_slice() else {
        eprintln!("usage: autogen-example PROJECT_DIR MESSAGE [schema.table.column=EXPR …]");
        return ExitCode::from(2);
    };
    let backfills = backfills.iter().filter_map(|b| b.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let result = async {
        let ws = Workspace::open(Project::at(dir), &ScratchConfig::from_env()).await?;
        let prepared = autogen::prepare(&ws).await?;
        let request = Request { message: message.clone(), ..Request::default() };
        autogen::run(&ws, &prepared, request, &mut FromArgs(backfills)).await
    };
    match result.await {
        Ok(Outcome::NothingToDo) => {
            println!("schema and history agree: nothing to write");
            ExitCode::SUCCESS
        }
        Ok(Outcome::Written(w)) => {
            println!("wrote {} (revision {})", w.path.display(), w.revision);
            for created in &w.summary.created {
                println!("  create {created}");
            }
            for dropped in &w.summary.dropped {
                println!("  drop   {dropped}");
            }
            for c in &w.rename_candidates {
                println!("  rename candidate: {} -> {} ({})", c.from, c.to, c.flag);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
