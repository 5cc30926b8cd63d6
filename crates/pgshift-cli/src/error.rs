//! The CLI's error: a message, its causes, a hint saying what to do next, and the exit code.
//!
//! Rendered on stderr as `error: …` / `  caused by: …` / `hint: …`. Exit codes: 1 problems
//! found, 2 usage or configuration error, 3 database error.
//!
//! Library errors convert with `From` (so commands use `?`): the message and the advice come
//! from the library error itself (`hint()` next to each error type); this module only decides
//! the layout and the exit code.

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

impl CliError {
    /// Set the hint, if there is one.
    fn maybe_hint(mut self, hint: Option<impl Into<String>>) -> Self {
        self.hint = hint.map(Into::into);
        self
    }

    /// `self`'s message and causes as the causes of a new `message` with `hint`, keeping its
    /// exit code.
    fn under(self, message: impl Into<String>, hint: Option<String>) -> Self {
        let mut causes = vec![self.message];
        causes.extend(self.causes);
        CliError { message: message.into(), causes, hint, code: self.code }
    }
}

fn class(database: bool) -> u8 {
    if database {
        DATABASE
    } else {
        USAGE
    }
}

impl From<pgshift_connect::ConnectError> for CliError {
    /// A setting or URL that is wrong is a usage error (exit 2); a server that cannot be
    /// reached or refuses is a database error (exit 3).
    fn from(e: pgshift_connect::ConnectError) -> Self {
        use pgshift_connect::ConnectError as C;
        let database = matches!(e, C::Timeout { .. } | C::Failed { .. });
        let hint = e.hint();
        match &e {
            C::Failed { target, detail, .. } => CliError {
                message: format!("could not connect to {target}"),
                causes: vec![detail.clone()],
                hint,
                code: DATABASE,
            },
            _ => CliError { message: e.to_string(), causes: Vec::new(), hint, code: class(database) },
        }
    }
}

impl From<pgshift_history::HistoryError> for CliError {
    /// Every history message says what to do next itself.
    fn from(e: pgshift_history::HistoryError) -> Self {
        CliError::usage(e.to_string())
    }
}

impl From<pgshift_history::ApplyError> for CliError {
    fn from(e: pgshift_history::ApplyError) -> Self {
        applying(e, true)
    }
}

/// An engine error; `live`: on the user's database (a failed statement says what was committed
/// and where the next run starts), not a scratch replay (where it is the file that must change).
fn applying(e: pgshift_history::ApplyError, live: bool) -> CliError {
    use pgshift_history::ApplyError;
    let hint = e.hint();
    let code = class(e.is_database());
    match e {
        ApplyError::History(h) => h.into(),
        ApplyError::Db { context, source } => CliError::database(context).caused_by(&source).maybe_hint(hint),
        ApplyError::Statement { revision, path, line, column, statement, message, detail, applied, code: sqlstate, .. } => {
            let mut text = format!("{}:{line}:{column}: {message} (SQLSTATE {sqlstate})", path.display());
            text.push_str(&format!("\n  in revision {revision}, statement:"));
            for l in statement.lines() {
                text.push_str(&format!("\n    {l}"));
            }
            if let Some(detail) = detail {
                text.push_str(&format!("\n  detail: {detail}"));
            }
            if !live {
                return CliError { message: text, causes: Vec::new(), hint, code: USAGE };
            }
            if applied.is_empty() {
                text.push_str("\n  no revision was applied before it");
            } else {
                let list = applied.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
                text.push_str(&format!("\n  applied before it (committed): {list}"));
            }
            text.push_str(&format!(
                "\n  the failed statement's transaction was rolled back; the next run of revision {revision} starts again at it"
            ));
            CliError { message: text, causes: Vec::new(), hint, code }
        }
        e => CliError { message: e.to_string(), causes: Vec::new(), hint, code },
    }
}

impl From<pgshift_project::ProjectError> for CliError {
    fn from(e: pgshift_project::ProjectError) -> Self {
        use pgshift_project::ProjectError;
        let hint = e.hint();
        let code = class(e.is_database());
        match e {
            ProjectError::History(h) => h.into(),
            ProjectError::Scratch(e) => e.into(),
            ProjectError::Inspect(e) => CliError::database("could not read a scratch database's catalog").caused_by(&e).maybe_hint(hint),
            ProjectError::Db { context, source } => CliError::database(context).caused_by(&source).maybe_hint(hint),
            ProjectError::Io { path, source } => CliError::usage(format!("{}: {source}", path.display())),
            // Replays and drafts run on scratch databases: the file is what must change.
            ProjectError::Apply { context, source } => applying(source, false).under(context, hint),
            ProjectError::Ledger { context, source } => applying(source, true).under(context, hint),
            ProjectError::Draft { file, source } => {
                let mut err = applying(source, false).under(format!("the generated migration {file} failed on a scratch database"), hint);
                err.code = USAGE;
                err
            }
            e => CliError { message: e.to_string(), causes: Vec::new(), hint, code },
        }
    }
}

impl From<pgshift_refdata::RefError> for CliError {
    fn from(e: pgshift_refdata::RefError) -> Self {
        match e {
            pgshift_refdata::RefError::Lock(apply) => apply.into(),
            e => CliError { message: e.to_string(), causes: Vec::new(), hint: e.hint(), code: class(e.is_database()) },
        }
    }
}

impl From<pgshift_scratch::ScratchError> for CliError {
    /// A database-class failure (exit 3).
    fn from(e: pgshift_scratch::ScratchError) -> Self {
        CliError::database("the scratch PostgreSQL server is not available").caused_by(&e).hint(e.hint())
    }
}
