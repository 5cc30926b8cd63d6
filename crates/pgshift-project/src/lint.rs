//! Linting a project's migrations (issue 16): which files, with which ownership and settings.
//! The rules themselves live in `pgshift-lint`; this module picks the files (every migration
//! file, the revisions named, a plain `.sql` file) and hands each to them with what the project
//! owns according to its history (the apply engine's guard reads the same [`Owned`]). A file
//! that does not parse is a `syntax` finding; the other files are still linted.

use std::path::{Path, PathBuf};

use pgshift_history::guard::Owned;
use pgshift_history::{MigrationFile, RevisionId};
use pgshift_lint::Finding;

use crate::{Project, ProjectError};

/// The migration files of a project as far as they read: the parsed ones, and a finding for
/// each that does not.
pub struct Files {
    /// Files that parse, in file-name order.
    pub parsed: Vec<MigrationFile>,
    /// A `syntax` finding per file that does not.
    pub unreadable: Vec<Finding>,
}

impl Files {
    /// Read every `.sql` file of the migrations directory (none when it does not exist).
    pub fn read(project: &Project) -> Result<Files, ProjectError> {
        let paths: Vec<PathBuf> =
            if project.migrations_dir.exists() { pgshift_history::list_dir(&project.migrations_dir)? } else { Vec::new() };
        let mut files = Files { parsed: Vec::new(), unreadable: Vec::new() };
        for path in paths {
            match MigrationFile::read(&path) {
                Ok(file) => files.parsed.push(file),
                Err(e) => files.unreadable.push(pgshift_lint::unreadable(&path, &e, 0)),
            }
        }
        Ok(files)
    }

    /// What the project owns as far as these files say: every name they create, plus
    /// `own_schemas`, minus the `ignore` patterns (what the apply engine checks statements
    /// against).
    pub fn owned(&self, project: &Project) -> Owned {
        let ignore: Vec<String> = project.filter.exclude.iter().map(|p| p.as_str().to_owned()).collect();
        Owned::of_files(&self.parsed, &project.own_schemas).ignoring(&ignore)
    }

    /// The findings of the revisions `ids` (every file, unreadable ones included, when `ids` is
    /// empty), with the project's lint settings.
    pub fn lint(&self, project: &Project, ids: &[RevisionId]) -> Vec<Finding> {
        let owned = self.owned(project);
        let mut out: Vec<Finding> = if ids.is_empty() { self.unreadable.clone() } else { Vec::new() };
        for file in self.parsed.iter().filter(|f| ids.is_empty() || ids.contains(&f.revision)) {
            out.extend(pgshift_lint::lint(file, &project.lint, Some(&owned)));
        }
        out
    }

    /// The revision `spec` names (an id or a unique prefix).
    pub fn resolve(&self, spec: &str) -> Result<RevisionId, ProjectError> {
        let matches: Vec<&MigrationFile> = self.parsed.iter().filter(|f| f.revision.as_str().starts_with(spec)).collect();
        match matches.as_slice() {
            [one] if spec.len() >= pgshift_history::MIN_PREFIX || one.revision.as_str() == spec => Ok(one.revision.clone()),
            _ => {
                // The graph's resolver words every other case (unknown, too short, ambiguous).
                let graph = pgshift_history::RevisionGraph::build(self.parsed.clone())?;
                Ok(graph.resolve(spec)?)
            }
        }
    }
}

/// The findings of one file: a migration file (with a pgshift header) or plain SQL.
pub fn file(project: &Project, files: &Files, path: &Path) -> Result<Vec<Finding>, ProjectError> {
    let settings = &project.lint;
    let owned = files.owned(project);
    let text = std::fs::read_to_string(path).map_err(ProjectError::io(path))?;
    if text.lines().any(|l| l.trim_start().starts_with("-- pgshift revision:")) {
        Ok(match MigrationFile::parse(path, &text) {
            Ok(file) => pgshift_lint::lint(&file, settings, Some(&owned)),
            Err(e) => vec![pgshift_lint::unreadable(path, &e, 0)],
        })
    } else {
        Ok(pgshift_lint::lint_plain(path, &text, settings, Some(&owned)))
    }
}
