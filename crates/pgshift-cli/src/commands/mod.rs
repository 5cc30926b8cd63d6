//! One module per command; each takes its parsed arguments and the configuration, and writes
//! data to stdout (progress and warnings to stderr).

pub mod adopt;
pub mod check;
pub mod decide;
pub mod diff;
pub mod init;
pub mod inspect;
pub mod lint;
pub mod migrate;
pub mod new;
pub mod preflight;
pub mod revisions;
pub mod scratch;
pub mod seed;
pub mod status;

use std::io::Write;

use crate::error::CliError;

/// Write `text` to stdout. A closed pipe (`pgshift inspect | head`) is not an error.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::usage("cannot write to standard output").caused_by(&e)),
    }
}

/// JSON for `--json` output, pretty-printed with a final newline.
pub fn json<T: serde::Serialize>(value: &T) -> Result<String, CliError> {
    let mut s = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::usage("cannot encode the output as JSON").caused_by(&e))?;
    s.push('\n');
    Ok(s)
}

/// Print what the catalogs could not represent (`Catalog::diagnostics`: objects of kinds the
/// model does not have yet), once each, as warnings: a migration leaves them out, and the user
/// must know. With `--strict` any of them is an error (exit 2) instead.
pub fn report_unmodelled(catalogs: &[&pgshift_catalog::Catalog], strict: bool) -> Result<(), CliError> {
    let mut seen = std::collections::BTreeSet::new();
    let notes: Vec<&String> = catalogs.iter().flat_map(|c| c.diagnostics.iter()).filter(|d| seen.insert(*d)).collect();
    if notes.is_empty() {
        return Ok(());
    }
    if strict {
        let list: Vec<String> = notes.iter().map(|n| format!("  {}", pgshift_catalog::quote::comment_text(n))).collect();
        return Err(CliError::usage(format!(
            "{} object(s) cannot be represented, and --strict refuses to leave them out:\n{}",
            notes.len(),
            list.join("\n")
        ))
        .hint("nothing was written; manage these objects by hand (a hand-written migration), or run without --strict"));
    }
    for note in notes {
        eprintln!("warning: {}", pgshift_catalog::quote::comment_text(note));
    }
    Ok(())
}

