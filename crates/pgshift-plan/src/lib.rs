//! pgshift-plan: turn a diff's [`Change`]s into [`Step`]s of SQL.
//!
//! Owns: the SQL of every change, in the forms that must come out right by default: enum labels
//! added outside a transaction before anything uses them; removed or reordered labels by a type
//! swap with a data check; a NOT NULL column added to an existing table as add-nullable,
//! backfill, `SET NOT NULL` (refusing to plan without a backfill expression); and, for every
//! data-dependent step, the read-only query that proves it will succeed (`proof`). Every
//! created constraint and index keeps the explicit name the target database gave it. On
//! request ([`PlanOptions::idempotent`]), the idempotent form of every step (`IF NOT EXISTS`,
//! `IF EXISTS`, `OR REPLACE`, or a `DO` block guarded by the one existence query per kind in
//! `idempotent.rs`), as `adopt`'s bridge needs it; or the online forms
//! ([`PlanOptions::online`], `online.rs`) that keep a live table serving while it changes.
//!
//! Must not: do I/O or reorder changes (the diff's order is the plan's order).

mod idempotent;
pub mod online;
mod proof;
mod sql;

pub use idempotent::exists_query;

use std::collections::BTreeMap;

use pgshift_catalog::{Catalog, ObjectRef, QualName};
use pgshift_diff::{Change, Diff, Hazard};
use serde::Serialize;

/// How to plan.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    /// Backfill expressions for new NOT NULL columns without a default, by (table, column).
    pub backfills: BTreeMap<(QualName, String), String>,
    /// Every step does nothing when its effect is already there: what an adopt bridge needs,
    /// since it also replays on databases already at the head. Creates and drops take their
    /// `IF NOT EXISTS` / `OR REPLACE` / `IF EXISTS` form where PostgreSQL has one (rendered by
    /// the catalog with `RenderOptions::idempotent`), and so do `ALTER TABLE`'s column and
    /// constraint actions; the kinds and actions without one run in a `DO` block guarded by a
    /// catalog query ([`exists_query`]). Decided by the change, the object's kind and the table
    /// action, never by reading the SQL.
    pub idempotent: bool,
    /// The online forms for tables that already hold rows (`online = true`, `new --online`;
    /// see [`online`]): indexes built and dropped `CONCURRENTLY`, constraints added `NOT
    /// VALID` then validated in a step of their own, `SET NOT NULL` through a validated check,
    /// backfills in committed batches. Ignored by an idempotent plan.
    pub online: bool,
}

/// One SQL statement of a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The statement, without a trailing semicolon.
    pub sql: String,
    /// Whether it may run inside a transaction.
    pub transactional: bool,
    /// The objects it creates, alters or drops.
    pub touches: Vec<ObjectRef>,
    /// What a reviewer must know.
    pub hazards: Vec<Hazard>,
    /// For a data-dependent step: a read-only query returning one bigint, the number of rows
    /// that would make the step fail (0 = it will succeed).
    pub proof: Option<String>,
}

/// The steps, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Every step, in the order it runs.
    pub steps: Vec<Step>,
}

/// Why a plan cannot be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    /// NOT NULL columns without a default are added to tables that may hold rows.
    #[error(
        "{} new NOT NULL column(s) have no default, so existing rows need a value: {}; pass {} \
         (an SQL expression evaluated for each existing row), or give the column a DEFAULT",
        columns.len(),
        columns.iter().map(|(t, c)| format!("{t}.{}", pgshift_catalog::quote::ident(c))).collect::<Vec<_>>().join(", "),
        columns.iter().map(|(t, c)| format!("--backfill {t}.{}=EXPR", pgshift_catalog::quote::ident(c))).collect::<Vec<_>>().join(" ")
    )]
    MissingBackfill {
        /// (table, column) pairs.
        columns: Vec<(QualName, String)>,
    },
}

impl Plan {
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Consecutive steps grouped by transactional-ness, as a migration file's sections.
    pub fn sections(&self) -> Vec<(bool, Vec<&Step>)> {
        let mut out: Vec<(bool, Vec<&Step>)> = Vec::new();
        for step in &self.steps {
            match out.last_mut() {
                Some((tx, steps)) if *tx == step.transactional => steps.push(step),
                _ => out.push((step.transactional, vec![step])),
            }
        }
        out
    }

    /// The plan as a reviewable SQL script: hazards as comments at their steps, each
    /// non-transactional step marked.
    pub fn to_sql(&self) -> String {
        let mut out = String::new();
        for step in &self.steps {
            out.push_str(&comments(step));
            if !step.transactional {
                out.push_str("-- runs outside a transaction\n");
            }
            out.push_str(&step.sql);
            out.push_str(";\n");
            if !step.hazards.is_empty() || step.proof.is_some() || !step.transactional {
                out.push('\n');
            }
        }
        out
    }
}

/// A step's hazards and proof query as `--` comment lines (through
/// [`pgshift_catalog::quote::comment`], so a name holding a line break cannot end a comment).
pub fn comments(step: &Step) -> String {
    let mut out = String::new();
    for h in &step.hazards {
        out.push_str(&pgshift_catalog::quote::comment(&hazard_line(h)));
    }
    if let Some(proof) = &step.proof {
        out.push_str(&pgshift_catalog::quote::comment(&format!("check (must return 0): {proof}")));
    }
    out
}

/// A hazard as one line of text: control characters and line breaks of the names in it are
/// escaped ([`pgshift_catalog::quote::comment_text`]), so it prints as one line anywhere.
pub fn hazard_line(h: &Hazard) -> String {
    pgshift_catalog::quote::comment_text(&match h {
        Hazard::Destructive(m) => format!("hazard (destructive): {m}"),
        Hazard::DataDependent(m) => format!("hazard (data-dependent): {m}"),
        Hazard::Locking(m) => format!("hazard (locking): {m}"),
        Hazard::Rewrite(m) => format!("hazard (rewrite): {m}"),
        Hazard::NonTransactional(m) => format!("hazard (non-transactional): {m}"),
        Hazard::RenameCandidate(m) => format!("rename candidate: {m}"),
        Hazard::Unsupported(m) => format!("NOT PLANNED: {m}"),
    })
}

/// The steps that carry out `diff` (made from `source` to `target`) on a database holding
/// `source`.
pub fn plan(source: &Catalog, target: &Catalog, diff: &Diff, options: &PlanOptions) -> Result<Plan, PlanError> {
    let source = diff.source(source);
    let missing = sql::missing_backfills(source, diff, options);
    if !missing.is_empty() {
        return Err(PlanError::MissingBackfill { columns: missing });
    }
    let ctx = sql::Context::new(source, target, diff, options);
    let mut steps = Vec::new();
    let mut bodies_unchecked = false;
    for change in &diff.changes {
        let routine = matches!(change.object, ObjectRef::Function { .. })
            && matches!(change.kind, pgshift_diff::ChangeKind::Create | pgshift_diff::ChangeKind::Replace);
        let mut more = ctx.steps(change);
        if routine && !bodies_unchecked && !more.is_empty() {
            // As pg_dump does: a function body may name a table this migration creates later
            // (or a function it replaces), and SQL-language bodies are checked at CREATE.
            // Postgres still checks the syntax; the body's names are resolved when it runs.
            bodies_unchecked = true;
            steps.push(Step {
                sql: "SET check_function_bodies = false".to_owned(),
                transactional: more[0].transactional,
                touches: Vec::new(),
                hazards: Vec::new(),
                proof: None,
            });
        }
        steps.append(&mut more);
    }
    Ok(Plan { steps })
}

/// Whether a change has a hazard the plan cannot honour.
pub fn unsupported(change: &Change) -> bool {
    change.hazards.iter().any(|h| matches!(h, Hazard::Unsupported(_)))
}
