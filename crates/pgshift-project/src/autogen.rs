//! Autogenerate (`pgshift new`): the migration from the history's head to the desired schema.
//!
//! Owns: preparing both sides (history replayed to its single head, desired schema loaded;
//! both from the template cache), turning the up and down plans into a migration [`Draft`]
//! with each step's hazards as comments right above it, verifying the draft on a fresh copy
//! of the head's template (up must give the desired schema, down the head's schema again)
//! before anything is written, and writing the file. The verified database is kept as the
//! new head's template, so the next `new` replays nothing.
//!
//! [`run`] is the whole workflow as data: questions go to an [`Answers`] the caller supplies
//! (flags and a terminal prompt in the CLI, a map in a library or a test), the result is an
//! [`Outcome`].
//!
//! Must not: ask questions itself (it asks the caller's [`Answers`]), print, or touch any
//! database but scratch ones.

use std::collections::BTreeSet;
use std::path::PathBuf;

use pgshift_catalog::{Catalog, QualName};
use pgshift_diff::{Change, ChangeKind, Diff, DiffOptions, RenameCandidate, RenameRequest};
use pgshift_history::{DowngradeTarget, Direction, Draft, DraftSection, MigrationFile, RevisionGraph, RevisionId};
use pgshift_plan::{Plan, PlanError, PlanOptions, Step};
use serde::Serialize;

use crate::owned::subtract;
use crate::workspace::{Externals, Replayed, Workspace};
use crate::{Project, ProjectError};

/// Both sides of an autogenerate, ready to diff.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The history.
    pub graph: RevisionGraph,
    /// The single head the new revision will follow (`None` for the first migration).
    pub parent: Option<RevisionId>,
    /// The externals.
    pub externals: Externals,
    /// The history replayed to `parent`.
    pub history: Replayed,
    /// The desired schema.
    pub desired: Catalog,
}

/// Replay the history to its single head and load the desired schema (both cached).
pub async fn prepare(ws: &Workspace) -> Result<Prepared, ProjectError> {
    let graph = ws.project().graph()?;
    let parent = if graph.is_empty() { None } else { Some(graph.single_head()?) };
    let externals = ws.externals().await?;
    let (history, desired) =
        tokio::try_join!(ws.history(&externals, &graph, parent.as_ref()), ws.desired(&externals))?;
    Ok(Prepared { graph, parent, externals, history, desired })
}

impl Prepared {
    /// The diff from the history to the desired schema.
    pub fn diff(&self, options: &DiffOptions) -> Diff {
        pgshift_diff::diff(&self.history.catalog, &self.desired, options)
    }

    /// The diff back, for the down section: the same renames reversed.
    pub fn diff_down(&self, options: &DiffOptions) -> Diff {
        let reversed = DiffOptions { renames: options.renames.iter().map(|r| r.reversed()).collect(), with_privileges: options.with_privileges };
        pgshift_diff::diff(&self.desired, &self.history.catalog, &reversed)
    }
}

/// What a migration does, in words, for the terminal.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Objects created.
    pub created: Vec<String>,
    /// Objects changed in place (or replaced).
    pub altered: Vec<String>,
    /// Objects renamed, as `old → new`.
    pub renamed: Vec<String>,
    /// Objects dropped.
    pub dropped: Vec<String>,
    /// Every hazard, as its comment line.
    pub hazards: Vec<String>,
}

/// Summarize `changes`.
pub fn summary(changes: &[Change]) -> Summary {
    let mut s = Summary::default();
    let mut seen = BTreeSet::new();
    for change in changes {
        // One line per entry: a name's line breaks are escaped as in the file's comments.
        let object = pgshift_catalog::quote::comment_text(&change.object.to_string());
        for h in &change.hazards {
            s.hazards.push(format!("{object}: {}", pgshift_plan::hazard_line(h)));
        }
        let (list, text) = match &change.kind {
            ChangeKind::Create => (&mut s.created, object),
            ChangeKind::Drop => (&mut s.dropped, object),
            ChangeKind::Rename { from } => (&mut s.renamed, format!("{} → {object}", pgshift_catalog::quote::comment_text(&from.to_string()))),
            _ => (&mut s.altered, object),
        };
        if seen.insert(text.clone()) {
            list.push(text);
        }
    }
    // An object both dropped and created (recreated around a change) is altered.
    let recreated: Vec<String> = s.created.iter().filter(|c| s.dropped.contains(c)).cloned().collect();
    s.created.retain(|c| !recreated.contains(c));
    s.dropped.retain(|c| !recreated.contains(c));
    for r in recreated {
        if !s.altered.contains(&r) {
            s.altered.push(r);
        }
    }
    s
}

/// The migration file for `up` (and `down`, when it could be planned).
pub fn draft(parent: Option<&RevisionId>, message: &str, up: &Plan, down: Option<&Plan>) -> Draft {
    let mut draft = Draft::new(parent.into_iter().cloned().collect(), message);
    draft.generated = true;
    push_sections(&mut draft, Direction::Up, up);
    if let Some(down) = down {
        push_sections(&mut draft, Direction::Down, down);
    }
    draft
}

/// An empty migration for a hand-written (data) change.
pub fn empty(parent: Option<&RevisionId>, message: &str) -> Draft {
    let mut draft = Draft::new(parent.into_iter().cloned().collect(), message);
    draft.sections.push(DraftSection::new(Direction::Up, true, Vec::new()));
    draft.sections.push(DraftSection::new(Direction::Down, true, Vec::new()));
    draft
}

fn push_sections(draft: &mut Draft, direction: Direction, plan: &Plan) {
    for (transactional, steps) in plan.sections() {
        let statements = steps.into_iter().map(statement).collect();
        draft.sections.push(DraftSection::new(direction, transactional, statements));
    }
}

/// A step as the reviewer reads it: its hazards and proof query as comments, then the SQL.
fn statement(step: &Step) -> String {
    annotated(step, &step.sql)
}

/// `sql` (a form of `step`'s SQL) under `step`'s hazards and proof query as comments.
pub(crate) fn annotated(step: &Step, sql: &str) -> String {
    let mut out = pgshift_plan::comments(step);
    out.push_str(sql);
    out
}

/// Replay the history with `draft` added on a fresh copy of the head's template: up must give
/// the desired schema and down (when there is one) the head's schema again. On success the
/// database is kept as the new head's template; on failure nothing is kept.
/// `with_privileges`: the draft was made with privileges compared, so they are verified too.
pub async fn verify(ws: &Workspace, prepared: &Prepared, draft: &Draft, with_privileges: bool) -> Result<(), ProjectError> {
    let file_name = draft.file_name();
    let file = MigrationFile::parse(ws.project().migrations_dir.join(&file_name), &draft.render())?;
    let has_down = file.has_down();
    let mut files: Vec<MigrationFile> = prepared.graph.files().cloned().collect();
    files.push(file);
    let graph = RevisionGraph::build(files)?;
    let db = ws.server().create_database(Some(&prepared.history.template)).await?;
    // One connection for up, down and up again: the second inspection finds the backend's
    // catalog caches warm.
    let client = db.connect().await?;
    let up = subtract(ws.replay_with(&client, &graph, &draft.revision).await.map_err(draft_error(&file_name))?, &prepared.externals.catalog);
    residual(&up, &prepared.desired, &file_name, "up", with_privileges)?;
    if has_down {
        let options = Workspace::scratch_apply_options();
        pgshift_history::downgrade(&client, &graph, &DowngradeTarget::Steps(1), &options)
            .await
            .map_err(|source| ProjectError::Draft { file: format!("{file_name} (down section)"), source })?;
        let down = pgshift_inspect::inspect(&client, &Workspace::scratch_filter()).await?;
        residual(&subtract(down, &prepared.externals.catalog), &prepared.history.catalog, &file_name, "down", with_privileges)?;
        pgshift_history::upgrade(&client, &graph, Some(draft.revision.as_str()), &options)
            .await
            .map_err(|source| ProjectError::Draft { file: format!("{file_name} (re-applied after its down section)"), source })?;
    }
    // Every connection must be closed before the database becomes a template.
    drop(client);
    let template = ws.history_template(&prepared.externals, &graph, Some(&draft.revision));
    ws.templates().keep(db, &template, &up).await
}

/// A replay error of a generated migration that has not been written: [`ProjectError::Draft`].
pub(crate) fn draft_error(file: &str) -> impl FnOnce(ProjectError) -> ProjectError {
    let file = file.to_owned();
    move |e| match e {
        ProjectError::Apply { source, .. } => ProjectError::Draft { file, source },
        other => other,
    }
}

fn residual(got: &Catalog, want: &Catalog, file: &str, direction: &str, with_privileges: bool) -> Result<(), ProjectError> {
    let diff = pgshift_diff::diff(got, want, &DiffOptions { with_privileges, ..DiffOptions::default() });
    if diff.changes.is_empty() {
        return Ok(());
    }
    let residual = match pgshift_plan::plan(got, want, &diff, &Default::default()) {
        Ok(plan) => plan.to_sql(),
        Err(_) => diff.changes.iter().map(|c| pgshift_catalog::quote::comment(&format!("{}: {:?}", c.object, c.kind))).collect(),
    };
    Err(ProjectError::Verify { file: format!("{file} ({direction})"), residual })
}

/// Write `draft` into the migrations directory (created when missing); never overwrites.
pub fn write(ws: &Workspace, draft: &Draft) -> Result<PathBuf, ProjectError> {
    write_into(ws.project(), draft)
}

/// `pgshift new --empty`: write a migration with empty up and down sections after the single
/// head (a hand-written change); no scratch server is needed.
pub fn write_empty(project: &Project, message: &str) -> Result<PathBuf, ProjectError> {
    let graph = project.graph()?;
    let parent = if graph.is_empty() { None } else { Some(graph.single_head()?) };
    write_into(project, &empty(parent.as_ref(), message))
}

fn write_into(project: &Project, draft: &Draft) -> Result<PathBuf, ProjectError> {
    let dir = &project.migrations_dir;
    std::fs::create_dir_all(dir).map_err(ProjectError::io(dir))?;
    let path = dir.join(draft.file_name());
    pgshift_history::write_new(&path, draft.render().as_bytes())?;
    Ok(path)
}

/// The questions an autogenerate may need answered: which drop + add pairs are renames, and
/// what fills existing rows of a new NOT NULL column. The CLI answers from its flags or a
/// terminal prompt; a library user or a test from a map ([`Given`]).
pub trait Answers {
    /// Whether `candidate` (a drop and an add that look alike) is a rename: `Some(true)` a
    /// rename, `Some(false)` really a drop and an add, `None` undecided. An undecided candidate
    /// refuses the autogenerate (nothing is written): a drop loses the column's or table's data,
    /// so it is never assumed.
    fn rename(&mut self, candidate: &RenameCandidate) -> Option<bool>;
    /// The SQL expression that fills `table.column` in existing rows; `None` refuses, and the
    /// autogenerate fails naming the `--backfill` to pass.
    fn backfill(&mut self, table: &QualName, column: &str) -> Option<String>;
    /// Whether the destructive statements `what` (one line each, e.g. `drops table
    /// public.plan with all its rows`) may be written: `Some(true)` yes (the file records the
    /// consent above each), `Some(false)` no, `None` not asked. Anything but yes writes
    /// nothing, unless the request already allows them (`--allow-destructive`).
    fn destructive(&mut self, what: &[String]) -> Option<bool> {
        let _ = what;
        None
    }
}

/// Answers known up front: the renames, confirmed drops and backfills of the [`Request`] are
/// used, nothing else is asked (an undecided rename candidate and a missing backfill are
/// refused).
#[derive(Clone, Debug, Default)]
pub struct Given;

impl Answers for Given {
    fn rename(&mut self, _: &RenameCandidate) -> Option<bool> {
        None
    }

    fn backfill(&mut self, _: &QualName, _: &str) -> Option<String> {
        None
    }
}

/// What `pgshift new "message"` was asked: the message and the answers given as flags.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// What the migration does, in a few words.
    pub message: String,
    /// Drops and adds to treat as renames (`--rename`).
    pub diff: DiffOptions,
    /// Backfill expressions (`--backfill`).
    pub plan: PlanOptions,
    /// Rename candidates confirmed as a drop and an add (`--no-rename OLD`, OLD written as in
    /// the candidate's `--rename OLD=NEW`).
    pub no_renames: Vec<String>,
    /// Destructive statements are consented to up front (`--allow-destructive`): nothing is
    /// asked, and the file records the consent above each.
    pub allow_destructive: bool,
}

/// The OLD of a candidate's `--rename OLD=NEW` flag (the first `=` outside quotes).
pub fn renamed_from(flag: &str) -> &str {
    let spec = flag.trim_start_matches("--rename ");
    let mut quote: Option<char> = None;
    for (i, c) in spec.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '=' => return &spec[..i],
            None => {}
        }
    }
    spec
}

/// What an autogenerate did.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The history's head already gives the desired schema: no file.
    NothingToDo,
    /// A migration was verified and written.
    Written(Written),
}

/// A written migration, and what the user should know about it.
#[derive(Clone, Debug)]
pub struct Written {
    /// The file.
    pub path: PathBuf,
    /// Its revision.
    pub revision: RevisionId,
    /// What it does, in words.
    pub summary: Summary,
    /// Drops and adds that may be renames, with the flag that makes each one.
    pub rename_candidates: Vec<RenameCandidate>,
    /// Differences the planner could not carry out (also in the file, as NOT PLANNED).
    pub not_planned: Vec<String>,
    /// Columns that make the down section impossible (it would re-add NOT NULL columns with no
    /// value for existing rows): the file has no down section.
    pub no_down: Vec<(QualName, String)>,
    /// What the lint rules say about the written file (the project's lint settings, the
    /// history's ownership).
    pub findings: Vec<pgshift_lint::Finding>,
}

/// The whole autogenerate, as `pgshift new` runs it: diff the history's head against the
/// desired schema, ask `answers` about rename candidates and missing backfill values, plan up
/// and down, verify the draft on a scratch database, write it. Nothing is written unless the
/// draft replays to exactly the desired schema (and back).
pub async fn run(ws: &Workspace, prepared: &Prepared, request: Request, answers: &mut dyn Answers) -> Result<Outcome, ProjectError> {
    let Request { message, diff: mut diff_options, plan: mut plan_options, no_renames, allow_destructive } = request;
    for r in &diff_options.renames {
        r.check(&prepared.history.catalog, &prepared.desired).map_err(|e| {
            ProjectError::Refused(format!(
                "{e}; --rename names an object dropped from the history's schema and one added in the desired one"
            ))
        })?;
    }
    let mut diff = prepared.diff(&diff_options);
    for old in &no_renames {
        if !diff.rename_candidates.iter().any(|c| renamed_from(&c.flag) == old) {
            let known: Vec<&str> = diff.rename_candidates.iter().map(|c| renamed_from(&c.flag)).collect();
            return Err(ProjectError::Refused(format!(
                "--no-rename {old} names no rename candidate{}",
                if known.is_empty() { String::new() } else { format!("; the candidates are: {}", known.join(", ")) }
            )));
        }
    }
    let mut renamed = false;
    let mut undecided = Vec::new();
    for candidate in &diff.rename_candidates {
        if no_renames.iter().any(|old| old == renamed_from(&candidate.flag)) {
            continue;
        }
        match answers.rename(candidate) {
            Some(true) => {
                if let Ok(r) = RenameRequest::parse(candidate.flag.trim_start_matches("--rename ")) {
                    diff_options.renames.push(r);
                    renamed = true;
                }
            }
            Some(false) => {}
            None => undecided.push(candidate),
        }
    }
    if !undecided.is_empty() {
        let list: String = undecided
            .iter()
            .map(|c| {
                format!(
                    "\n  {} is dropped and {} added: `{}` if it is a rename, `--no-rename {}` if it is really a drop (its data is lost)",
                    c.from,
                    c.to,
                    c.flag,
                    renamed_from(&c.flag)
                )
            })
            .collect();
        return Err(ProjectError::Refused(format!(
            "{} drop(s) of this migration may be renames, and a drop loses its data: say which{list}",
            undecided.len()
        )));
    }
    if renamed {
        diff = prepared.diff(&diff_options);
    }
    if diff.changes.is_empty() {
        return Ok(Outcome::NothingToDo);
    }
    let up = loop {
        match pgshift_plan::plan(&prepared.history.catalog, &prepared.desired, &diff, &plan_options) {
            Ok(plan) => break plan,
            Err(PlanError::MissingBackfill { columns }) => {
                let mut refused = Vec::new();
                for (table, column) in columns {
                    match answers.backfill(&table, &column) {
                        Some(expr) if !expr.trim().is_empty() => {
                            plan_options.backfills.insert((table, column), expr);
                        }
                        _ => refused.push((table, column)),
                    }
                }
                if !refused.is_empty() {
                    return Err(PlanError::MissingBackfill { columns: refused }.into());
                }
            }
        }
    };
    let down_diff = prepared.diff_down(&diff_options);
    let (down, no_down) = match pgshift_plan::plan(&prepared.desired, &prepared.history.catalog, &down_diff, &plan_options) {
        Ok(plan) => (Some(plan), Vec::new()),
        Err(PlanError::MissingBackfill { columns }) => (None, columns),
    };
    let mut draft = draft(prepared.parent.as_ref(), &message, &up, down.as_ref());
    approve(ws.project(), &mut draft, allow_destructive, &no_renames, answers)?;
    verify(ws, prepared, &draft, diff_options.with_privileges).await?;
    let path = write(ws, &draft)?;
    let findings = lint_written(ws, prepared, &path)?;
    let not_planned = diff
        .changes
        .iter()
        .flat_map(|c| &c.hazards)
        .filter_map(|h| match h {
            pgshift_diff::Hazard::Unsupported(m) => Some(m.clone()),
            _ => None,
        })
        .collect();
    Ok(Outcome::Written(Written {
        path,
        revision: draft.revision,
        summary: summary(&diff.changes),
        rename_candidates: diff.rename_candidates,
        not_planned,
        no_down,
        findings,
    }))
}

/// Consent for the draft's destructive statements (what the destructive lint rules report in
/// its up sections, exactly what `upgrade` refuses without consent): given by
/// `allow_destructive`, by a `--no-rename OLD` for the statements that drop OLD (the drop was
/// confirmed as such), or by `answers`; recorded above each statement as `-- pgshift: approved
/// destructive: what`. Refused (nothing written) otherwise.
fn approve(
    project: &Project,
    draft: &mut Draft,
    allow_destructive: bool,
    confirmed_drops: &[String],
    answers: &mut dyn Answers,
) -> Result<(), ProjectError> {
    let path = project.migrations_dir.join(draft.file_name());
    let file = MigrationFile::parse(&path, &draft.render())?;
    let findings = pgshift_lint::unapproved(&file);
    if findings.is_empty() {
        return Ok(());
    }
    // A finding names its object between spaces ("drops column public.a.b with its data").
    let confirmed = |message: &str| confirmed_drops.iter().any(|old| message.contains(&format!(" {old} ")));
    let what: Vec<String> = findings.iter().filter(|f| !confirmed(&f.message)).map(|f| f.message.clone()).collect();
    let consent = allow_destructive || what.is_empty() || answers.destructive(&what) == Some(true);
    if !consent {
        let list: String = what.iter().map(|w| format!("\n  {}", pgshift_catalog::quote::comment_text(w))).collect();
        return Err(ProjectError::Refused(format!(
            "this migration loses data, and nothing was written:{list}\nrun `pgshift new` on a terminal to confirm, or pass --allow-destructive \
             (the file records the consent above each statement, and `upgrade` refuses such statements without it)"
        )));
    }
    // The file's sections are the draft's, one for one, statement for statement.
    let mut at: Vec<(usize, usize, String)> = Vec::new();
    for f in &findings {
        'sections: for (si, section) in file.sections.iter().enumerate() {
            for (k, st) in section.statements.iter().enumerate() {
                let last = st.line + st.sql.lines().count().saturating_sub(1);
                if (st.line..=last).contains(&f.line) {
                    at.push((si, k, f.message.clone()));
                    break 'sections;
                }
            }
        }
    }
    for (si, k, what) in at {
        if let Some(statement) = draft.sections.get_mut(si).and_then(|s| s.statements.get_mut(k)) {
            let line = pgshift_lint::allow::approval(&what);
            if !statement.contains(line.trim_end()) {
                statement.insert_str(0, &line);
            }
        }
    }
    Ok(())
}

/// The findings of the file just written, with the ownership of the history it joined.
fn lint_written(ws: &Workspace, prepared: &Prepared, path: &std::path::Path) -> Result<Vec<pgshift_lint::Finding>, ProjectError> {
    // The history as `prepare` parsed it, plus the file just written: the migrations
    // directory is not read and parsed a second time (13 ms of a warm `new` at 200 revisions).
    let mut parsed: Vec<MigrationFile> = prepared.graph.files().cloned().collect();
    parsed.push(MigrationFile::read(path)?);
    parsed.sort_by(|a, b| a.path.file_name().cmp(&b.path.file_name()));
    let files = crate::lint::Files { parsed, unreadable: Vec::new() };
    crate::lint::file(ws.project(), &files, path)
}
