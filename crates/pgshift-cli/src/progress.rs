//! Progress of long statements on a terminal: while `upgrade` builds an index `CONCURRENTLY`,
//! a second connection polls `pg_stat_progress_create_index` for the applying session and
//! keeps one status line up to date (phase, blocks or tuples done). Nothing when stderr is not
//! a terminal, and nothing on the startup path (it starts only once something is pending).

use std::io::{IsTerminal, Write};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_postgres::Client;

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
            let mut shown = false;
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let Ok(rows) = watcher.query(QUERY, &[&pid]).await else { return };
                let mut err = std::io::stderr();
                match rows.first() {
                    Some(row) => {
                        let _ = write!(err, "\r\x1b[2K{}", line(row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5)));
                        shown = true;
                    }
                    None if shown => {
                        let _ = write!(err, "\r\x1b[2K");
                        shown = false;
                    }
                    None => {}
                }
                let _ = err.flush();
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
