//! Command sources: a program whose standard output is the desired DDL (an ORM's models
//! printed as SQL, e.g. `python -m pgshift_sqlalchemy app.models:Base.metadata`).
//!
//! Owns: running the command (in the working directory, standard input closed, killed with
//! its whole process group when it outlives its timeout), checking what it printed, and the
//! output cache: a file named by a hash of the command line and of the contents of the files
//! its `inputs` patterns match, so an unchanged model tree is not imported again. A command
//! without `inputs` runs every time (nothing says when its output would change).
//!
//! Rules: a failure names the command, its exit status and the last lines of its standard
//! error, and leaves nothing behind; an output that is empty or not UTF-8 is refused (an empty
//! desired schema would make the next migration drop every owned table).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::{SourceError, SqlFile};

/// How long a command may run when its source sets no timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How many lines of a failed command's standard error are shown.
const STDERR_LINES: usize = 15;

/// Version of the output cache's key: bump it when what goes into the key changes.
const CACHE_FORMAT: &str = "pgshift-command-output-v1";

/// A command whose standard output is DDL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandSource {
    /// The program and its arguments (no shell: use `["sh", "-c", "…"]` for one).
    pub argv: Vec<String>,
    /// The directory it runs in, and the base of `inputs`.
    pub dir: PathBuf,
    /// Glob patterns (relative to `dir`, `**` for any depth) of the files its output depends
    /// on; empty: the command runs every time.
    pub inputs: Vec<String>,
    /// How long it may run.
    pub timeout: Duration,
    /// Variables set in its environment (part of the cache key): the project sets
    /// `PGSHIFT_PG_VERSION` to the scratch server's major version, as printers that emit
    /// version-dependent DDL need it.
    pub env: Vec<(String, String)>,
}

impl CommandSource {
    /// The command line as a shell would take it (arguments quoted where needed).
    pub fn display(&self) -> String {
        self.argv.iter().map(|a| shell_word(a)).collect::<Vec<_>>().join(" ")
    }

    /// The command's output: from `cache` when a run with the same command line and inputs
    /// saved it there, else from running it (and then saved there).
    pub async fn output(&self, cache: Option<&Path>) -> Result<SqlFile, SourceError> {
        let display = self.display();
        if self.argv.is_empty() {
            return Err(SourceError::CommandOutput { command: display, problem: "is empty: name a program to run".to_owned() });
        }
        let cached = match (cache, self.inputs.is_empty()) {
            (Some(dir), false) => Some(dir.join(format!("{}.sql", self.key()?))),
            _ => None,
        };
        if let Some(path) = &cached {
            if let Ok(text) = std::fs::read_to_string(path) {
                let _ = std::fs::File::options().append(true).open(path).and_then(|f| f.set_modified(std::time::SystemTime::now()));
                return Ok(SqlFile { path: path.clone(), name: display.clone(), command: Some(display), text });
            }
        }
        let text = self.run().await?;
        let path = match &cached {
            Some(path) if save(path, &text) => path.clone(),
            _ => PathBuf::from("<stdout>"),
        };
        Ok(SqlFile { path, name: display.clone(), command: Some(display), text })
    }

    /// The cache key: the command line, the directory, and each input file's path and bytes.
    fn key(&self) -> Result<String, SourceError> {
        let mut hasher = Sha256::new();
        let mut part = |bytes: &[u8]| {
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        };
        part(CACHE_FORMAT.as_bytes());
        for arg in &self.argv {
            part(arg.as_bytes());
        }
        for (name, value) in &self.env {
            part(name.as_bytes());
            part(value.as_bytes());
        }
        let dir = std::path::absolute(&self.dir).unwrap_or_else(|_| self.dir.clone());
        part(dir.as_os_str().as_encoded_bytes());
        for path in self.input_files()? {
            let bytes = std::fs::read(&path).map_err(|e| SourceError::Read { path: path.clone(), source: e })?;
            part(path.as_os_str().as_encoded_bytes());
            part(&bytes);
        }
        Ok(hasher.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect())
    }

    /// The files the `inputs` patterns match, sorted, each once. A pattern that is malformed
    /// or matches no file is an error: a typo there would keep a stale output forever.
    pub fn input_files(&self) -> Result<Vec<PathBuf>, SourceError> {
        let mut files = std::collections::BTreeSet::new();
        for pattern in &self.inputs {
            let inputs_error = |problem: String| SourceError::Inputs { command: self.display(), pattern: pattern.clone(), problem };
            let full = self.dir.join(pattern);
            let paths = glob::glob(&full.to_string_lossy()).map_err(|e| inputs_error(format!("is not a glob pattern: {e}")))?;
            let mut matched = false;
            for path in paths {
                let path = path.map_err(|e| inputs_error(format!("cannot be read: {e}")))?;
                if path.is_file() {
                    matched = true;
                    files.insert(path);
                }
            }
            if !matched {
                return Err(inputs_error(format!(
                    "matches no file under {}; fix the pattern (relative to that directory, `**` for any depth) or remove it",
                    self.dir.display()
                )));
            }
        }
        Ok(files.into_iter().collect())
    }

    /// Run the command and return its standard output.
    async fn run(&self) -> Result<String, SourceError> {
        let display = self.display();
        let mut command = tokio::process::Command::new(&self.argv[0]);
        command
            .args(&self.argv[1..])
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0);
        let mut child = command.spawn().map_err(|source| SourceError::Spawn { command: display.clone(), source })?;
        let group = child.id();
        let mut stdout = child.stdout.take();
        // Standard error is read on its own task, so that what a killed command said is kept.
        let mut stderr = child.stderr.take();
        let stderr_task = tokio::spawn(async move {
            let mut err = Vec::new();
            if let Some(s) = stderr.as_mut() {
                let _ = s.read_to_end(&mut err).await;
            }
            err
        });
        let work = async {
            let mut out = Vec::new();
            if let Some(s) = stdout.as_mut() {
                s.read_to_end(&mut out).await?;
            }
            Ok::<_, std::io::Error>((out, child.wait().await?))
        };
        let finished = tokio::time::timeout(self.timeout, work).await;
        if finished.is_err() {
            // The command and whatever it started go (it is not reaped yet, so its process
            // group id is still its own).
            kill_group(group);
        }
        // A background process that keeps standard error open is not waited for long.
        let err = tokio::time::timeout(Duration::from_secs(2), stderr_task).await.ok().and_then(Result::ok).unwrap_or_default();
        let (out, status) = match finished {
            Ok(done) => done.map_err(|source| SourceError::Spawn { command: display.clone(), source })?,
            Err(_) => return Err(SourceError::Timeout { command: display, timeout: self.timeout, stderr: tail(&err) }),
        };
        if !status.success() {
            return Err(SourceError::CommandFailed { command: display, status: describe_status(status), stderr: tail(&err) });
        }
        let text = String::from_utf8(out).map_err(|e| SourceError::CommandOutput {
            command: display.clone(),
            problem: format!("printed output that is not UTF-8 (at byte {})", e.utf8_error().valid_up_to()),
        })?;
        let text = text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text);
        if !has_statement(&text) {
            return Err(SourceError::CommandOutput {
                command: display,
                problem: "printed no SQL statement (an empty desired schema would drop every owned table); check that it \
                          names the right models"
                    .to_owned(),
            });
        }
        Ok(text)
    }
}

/// Kill the process group `group` (best effort: it may be gone).
fn kill_group(group: Option<u32>) {
    if let Some(pid) = group.and_then(|p| i32::try_from(p).ok()) {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
    }
}

fn describe_status(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        _ => status.to_string(),
    }
}

/// The last [`STDERR_LINES`] non-empty lines of `bytes`.
fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(STDERR_LINES)..].join("\n")
}

/// Whether `text` holds anything but white space and `--` comments.
fn has_statement(text: &str) -> bool {
    text.lines().map(str::trim).any(|l| !l.is_empty() && !l.starts_with("--"))
}

/// Write `text` to `path` through a temporary file (best effort: an output that cannot be
/// cached is produced again next time). Whether it was saved.
fn save(path: &Path, text: &str) -> bool {
    let Some(dir) = path.parent() else { return false };
    let tmp = dir.join(format!(".{}.{}.tmp", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(), std::process::id()));
    let written = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&tmp, text)).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.is_ok()
}

/// `word` as a shell would need it written.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_are_shown_as_a_shell_would_take_them() {
        let c = CommandSource {
            argv: vec!["python".into(), "-m".into(), "pgshift_sqlalchemy".into(), "app.models:Base.metadata".into(), "it's here".into()],
            dir: PathBuf::from("."),
            inputs: vec![],
            timeout: DEFAULT_TIMEOUT,
            env: vec![],
        };
        assert_eq!(c.display(), r"python -m pgshift_sqlalchemy app.models:Base.metadata 'it'\''s here'");
    }

    #[test]
    fn only_comments_is_no_statement() {
        assert!(!has_statement("-- generated\n\n  -- nothing\n"));
        assert!(has_statement("-- generated\nCREATE TABLE t ();\n"));
    }

    #[test]
    fn the_stderr_tail_keeps_the_last_lines() {
        let text: String = (1..=40).map(|i| format!("line {i}\n\n")).collect();
        let t = tail(text.as_bytes());
        assert!(t.starts_with("line 26\n") && t.ends_with("line 40"), "{t}");
    }
}
