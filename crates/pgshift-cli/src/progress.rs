//! Progress of long work. Revisions: a bar on a terminal (indicatif: revision i of n, its id
//! and message, elapsed time) for an `upgrade`/`downgrade` of several revisions and for a
//! history replay (a cold cache); plain lines when stderr is not a terminal (upgrade and
//! downgrade only). Index builds: while `upgrade` builds an index `CONCURRENTLY`, a second
//! connection polls `pg_stat_progress_create_index` for the applying session and keeps one
//! status line up to date (phase, blocks or tuples done), on a terminal only. Nothing on the
//! startup path (at head nothing is pending, and nothing starts).

use std::io::{IsTerminal, Write};

use std::time::Duration;

use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};
use pgshift_history::apply::{Event, Progress};
use tokio::task::JoinHandle;
use tokio_postgres::Client;

/// A receiver of the engine's events that shows them: `verb` says what happens to each
/// revision ("applying", "undoing", "replaying"). On a terminal, a bar; otherwise plain lines
/// for runs of more than one revision, unless `terminal_only`.
pub fn revisions(verb: &'static str, terminal_only: bool) -> Option<Progress> {
    let terminal = std::io::stderr().is_terminal();
    if !terminal && terminal_only {
        return None;
    }
    let bar: Arc<Mutex<Option<ProgressBar>>> = Arc::new(Mutex::new(None));
    Some(Progress(Arc::new(move |event: Event<'_>| {
        let Ok(mut bar) = bar.lock() else { return };
        match event {
            Event::Revision { index, total, revision, message } if terminal => {
                let b = bar.get_or_insert_with(|| counted(total));
                b.set_position(index as u64);
                b.set_message(format!("{verb} {revision} {}", pgshift_catalog::quote::comment_text(message)));
            }
            Event::Revision { index, total, revision, message } if total > 1 => {
                eprintln!("{verb} {}/{total}: {revision} {}", index + 1, pgshift_catalog::quote::comment_text(message));
            }
            Event::Batch { total } if terminal && total > 1 => {
                let b = ProgressBar::new_spinner();
                b.set_message(format!("{verb} {total} revisions in one round trip"));
                b.enable_steady_tick(Duration::from_millis(200));
                *bar = Some(b);
            }
            Event::Finished => {
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
            }
            _ => {}
        }
    })))
}

/// A bar of `total` steps: elapsed time, i/n and a message.
fn counted(total: usize) -> ProgressBar {
    let b = ProgressBar::new(total as u64);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed:>4} [{bar:24}] {pos}/{len} {msg}") {
        b.set_style(style.progress_chars("=> "));
    }
    b.enable_steady_tick(Duration::from_millis(200));
    b
}

/// A bar for work done table by table (`seed sync`), on a terminal only: a sync prints what it
/// changed when it is done.
pub fn tables(verb: &'static str) -> Option<pgshift_refdata::TableProgress> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar: Arc<Mutex<Option<ProgressBar>>> = Arc::new(Mutex::new(None));
    Some(pgshift_refdata::TableProgress(Arc::new(move |index: usize, total: usize, table: &str| {
        let Ok(mut bar) = bar.lock() else { return };
        let b = bar.get_or_insert_with(|| counted(total));
        b.set_position(index as u64);
        b.set_message(format!("{verb} {}", pgshift_catalog::quote::comment_text(table)));
        if index + 1 == total {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
        }
    })))
}

/// A running watcher; [`Watcher::stop`] clears its line.
pub struct Watcher {
    task: JoinHandle<()>,
}

const QUERY: &str = "SELECT pg_catalog.format('%s on %s', coalesce(i.relname, '(new index)'), t.relname), p.phase, \
       p.blocks_done, p.blocks_total, p.tuples_done, p.tuples_total \
  FROM pg_catalog.pg_stat_progress_create_index p \
  JOIN pg_catalog.pg_class t ON t.oid = p.relid \
  LEFT JOIN pg_catalog.pg_class i ON i.oid = p.index_relid \
 WHERE p.pid = $1";

impl Watcher {
    /// Watch the session `pid` through `watcher` (a connection of its own), when stderr is a
    /// terminal.
    pub fn start(watcher: Client, pid: i32) -> Option<Watcher> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let task = tokio::spawn(async move {
            let mut bar: Option<ProgressBar> = None;
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let Ok(rows) = watcher.query(QUERY, &[&pid]).await else { return };
                match rows.first() {
                    Some(row) => {
                        let b = bar.get_or_insert_with(|| {
                            let b = ProgressBar::new_spinner();
                            b.enable_steady_tick(Duration::from_millis(200));
                            b
                        });
                        b.set_message(line(row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5)));
                    }
                    None => {
                        if let Some(b) = bar.take() {
                            b.finish_and_clear();
                        }
                    }
                }
            }
        });
        Some(Watcher { task })
    }

    /// Stop watching and clear the status line.
    pub fn stop(self) {
        self.task.abort();
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}

/// One status line: `building index x on t: building index: scanning table, 40% of blocks`.
fn line(what: String, phase: String, blocks_done: i64, blocks_total: i64, tuples_done: i64, tuples_total: i64) -> String {
    let done = if blocks_total > 0 {
        format!(", {}% of blocks", blocks_done * 100 / blocks_total)
    } else if tuples_total > 0 {
        format!(", {}% of tuples", tuples_done * 100 / tuples_total)
    } else {
        String::new()
    };
    format!("building index {what}: {phase}{done}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_status_line_says_what_and_how_far() {
        assert_eq!(
            super::line("a_b on a".into(), "building index: scanning table".into(), 40, 100, 0, 0),
            "building index a_b on a: building index: scanning table, 40% of blocks"
        );
        assert_eq!(super::line("x on y".into(), "waiting for writers before build".into(), 0, 0, 0, 0), "building index x on y: waiting for writers before build");
        assert_eq!(super::line("x on y".into(), "index validation: scanning index".into(), 0, 0, 5, 10), "building index x on y: index validation: scanning index, 50% of tuples");
    }
}
