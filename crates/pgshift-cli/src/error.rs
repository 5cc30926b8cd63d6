//! The CLI's error: a message, its causes, a hint saying what to do next, and the exit code.
//!
//! Rendered on stderr as `error: …` / `  caused by: …` / `hint: …`. Exit codes: 1 problems
//! found, 2 usage or configuration error, 3 database error.

use std::fmt;

/// Every way the `pgshift` process exits (DESIGN.md, commands): the one place the numbers live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// The command did its job and found nothing wrong.
    Clean,
    /// The command ran and found problems: drift, a missing migration, differences with
    /// `--exit-code`, reference data out of date with `seed check`.
    Found,
    /// Usage or configuration error (also a refusal before anything is written).
    Usage,
    /// Database error: unreachable, refused, a failing statement.
    Database,
}

impl ExitStatus {
    /// `Found` when `found`, else `Clean`.
    pub fn found(found: bool) -> ExitStatus {
        if found {
            ExitStatus::Found
        } else {
            ExitStatus::Clean
        }
    }

    /// The process exit code.
    pub const fn code(self) -> u8 {
        match self {
            ExitStatus::Clean => 0,
            ExitStatus::Found => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Database => 3,
        }
    }
}

/// Exit code for usage and configuration errors.
pub const USAGE: u8 = ExitStatus::Usage.code();
/// Exit code for database errors (unreachable, refused, failing statement).
pub const DATABASE: u8 = ExitStatus::Database.code();

/// An error as the user sees it.
#[derive(Debug)]
pub struct CliError {
    /// What went wrong, in one line.
    pub message: String,
    /// Underlying causes, outermost first.
    pub causes: Vec<String>,
    /// What to do next.
    pub hint: Option<String>,
    /// Process exit code.
    pub code: u8,
}

impl CliError {
    /// A usage/configuration error.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError { message: message.into(), causes: Vec::new(), hint: None, code: USAGE }
    }
    /// A database error.
    pub fn database(message: impl Into<String>) -> Self {
        CliError { message: message.into(), causes: Vec::new(), hint: None, code: DATABASE }
    }
    /// Add the chain of `source()`s of `err` as causes.
    pub fn caused_by(mut self, err: &(dyn std::error::Error + 'static)) -> Self {
        let mut next = Some(err);
        while let Some(e) = next {
            let text = e.to_string();
            if !self.causes.contains(&text) && text != self.message {
                self.causes.push(text);
            }
            next = e.source();
        }
        self
    }
    /// Set the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        for cause in &self.causes {
            write!(f, "\n  caused by: {cause}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}
