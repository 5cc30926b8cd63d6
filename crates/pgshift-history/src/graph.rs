//! The revision graph: parents, children, heads, bases, order and plans.
//!
//! Owns: [`RevisionGraph`], built from parsed files' headers (never from file names), checked
//! for duplicate ids, missing parents and cycles; a deterministic topological order (parents
//! first, ties by revision id); resolving what a user typed (`head`, an id, a unique prefix);
//! and the pure planning of upgrades and downgrades against a set of applied revisions.
//!
//! Must not: read the ledger or run anything. The apply engine hands in the applied set it
//! read and runs the plan it gets back.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{HistoryError, RevisionRef};
use crate::file::MigrationFile;
use crate::revision::RevisionId;

/// The shortest prefix [`RevisionGraph::resolve`] accepts.
pub const MIN_PREFIX: usize = 4;

/// How far a downgrade goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DowngradeTarget {
    /// Undo every applied revision.
    Base,
    /// Undo every applied revision that is not an ancestor of (or) this one.
    Revision(RevisionId),
    /// Undo this many applied revisions, the latest first.
    Steps(usize),
}

/// The revisions of a migrations directory and how they connect.
#[derive(Clone, Debug)]
pub struct RevisionGraph {
    files: BTreeMap<RevisionId, MigrationFile>,
    children: BTreeMap<RevisionId, Vec<RevisionId>>,
    order: Vec<RevisionId>,
}

impl RevisionGraph {
    /// Build the graph; fails on duplicate ids, parents that no file declares, and cycles.
    pub fn build(mut files: Vec<MigrationFile>) -> Result<RevisionGraph, HistoryError> {
        files.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.revision.cmp(&b.revision)));
        let mut by_id: BTreeMap<RevisionId, MigrationFile> = BTreeMap::new();
        for file in files {
            if let Some(first) = by_id.get(&file.revision) {
                return Err(HistoryError::DuplicateRevision {
                    id: file.revision.clone(),
                    first: first.path.clone(),
                    first_line: first.revision_line,
                    second: file.path,
                    second_line: file.revision_line,
                });
            }
            by_id.insert(file.revision.clone(), file);
        }
        let mut by_path: Vec<&MigrationFile> = by_id.values().collect();
        by_path.sort_by(|a, b| a.path.cmp(&b.path));
        let mut children: BTreeMap<RevisionId, Vec<RevisionId>> =
            by_id.keys().map(|id| (id.clone(), Vec::new())).collect();
        for file in by_path {
            for parent in &file.parents {
                let Some(list) = children.get_mut(parent) else {
                    return Err(HistoryError::MissingParent {
                        path: file.path.clone(),
                        line: file.parents_line.unwrap_or(file.revision_line),
                        id: file.revision.clone(),
                        parent: parent.clone(),
                    });
                };
                list.push(file.revision.clone());
            }
        }
        for list in children.values_mut() {
            list.sort();
            list.dedup();
        }

        // Kahn's algorithm; the ready set is ordered, so ties go by revision id.
        let mut waiting: BTreeMap<&RevisionId, usize> = by_id.iter().map(|(id, f)| (id, f.parents.len())).collect();
        let mut ready: BTreeSet<&RevisionId> = waiting.iter().filter(|(_, &n)| n == 0).map(|(&id, _)| id).collect();
        let mut order = Vec::with_capacity(by_id.len());
        while let Some(id) = ready.pop_first() {
            order.push(id.clone());
            for child in children.get(id).into_iter().flatten() {
                if let Some(n) = waiting.get_mut(child) {
                    *n -= 1;
                    if *n == 0 {
                        ready.insert(child);
                    }
                }
            }
        }
        if order.len() < by_id.len() {
            let done: BTreeSet<&RevisionId> = order.iter().collect();
            return Err(HistoryError::Cycle { revisions: find_cycle(&by_id, &done) });
        }
        Ok(RevisionGraph { files: by_id, children, order })
    }

    /// The number of revisions.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there is no revision.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Whether `id` is a revision of the graph.
    pub fn contains(&self, id: &RevisionId) -> bool {
        self.files.contains_key(id)
    }

    /// The file of a revision.
    pub fn get(&self, id: &RevisionId) -> Option<&MigrationFile> {
        self.files.get(id)
    }

    /// Every file, in topological order.
    pub fn files(&self) -> impl Iterator<Item = &MigrationFile> {
        self.order.iter().filter_map(|id| self.files.get(id))
    }

    /// The parents of a revision (empty for a root or an unknown id).
    pub fn parents(&self, id: &RevisionId) -> &[RevisionId] {
        self.files.get(id).map_or(&[], |f| &f.parents)
    }

    /// The children of a revision, in id order (empty for a head or an unknown id).
    pub fn children(&self, id: &RevisionId) -> &[RevisionId] {
        self.children.get(id).map_or(&[], Vec::as_slice)
    }

    /// Revisions without children, in id order.
    pub fn heads(&self) -> Vec<RevisionId> {
        self.children.iter().filter(|(_, c)| c.is_empty()).map(|(id, _)| id.clone()).collect()
    }

    /// Revisions without parents, in id order.
    pub fn bases(&self) -> Vec<RevisionId> {
        self.files.values().filter(|f| f.parents.is_empty()).map(|f| f.revision.clone()).collect()
    }

    /// Every revision, parents before children, ties by revision id. Deterministic.
    pub fn ordered(&self) -> &[RevisionId] {
        &self.order
    }

    /// A revision and all its ancestors (empty for an unknown id).
    pub fn ancestors(&self, id: &RevisionId) -> BTreeSet<RevisionId> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            if self.files.contains_key(id) && seen.insert(id.clone()) {
                stack.extend(self.parents(id));
            }
        }
        seen
    }

    /// A revision and all its descendants (empty for an unknown id).
    pub fn descendants(&self, id: &RevisionId) -> BTreeSet<RevisionId> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            if self.files.contains_key(id) && seen.insert(id.clone()) {
                stack.extend(self.children(id));
            }
        }
        seen
    }

    /// The one head; an error when there is none or more than one.
    pub fn single_head(&self) -> Result<RevisionId, HistoryError> {
        let mut heads = self.heads();
        match heads.len() {
            0 => Err(HistoryError::NoRevisions),
            1 => Ok(heads.remove(0)),
            _ => Err(HistoryError::MultipleHeads { heads: heads.iter().filter_map(|id| self.reference(id)).collect() }),
        }
    }

    /// The revisions in `set` that have no child in `set`, in id order: for an applied set,
    /// what the database is "at".
    pub fn heads_of(&self, set: &BTreeSet<RevisionId>) -> Vec<RevisionId> {
        set.iter()
            .filter(|id| self.contains(id) && !self.children(id).iter().any(|c| set.contains(c)))
            .cloned()
            .collect()
    }

    /// What a user typed: `head` (the single head), a full id, or a unique prefix of at least
    /// [`MIN_PREFIX`] hex digits (case-insensitive).
    pub fn resolve(&self, spec: &str) -> Result<RevisionId, HistoryError> {
        let spec = spec.trim();
        if spec == "head" {
            return self.single_head();
        }
        let lower = spec.to_ascii_lowercase();
        if let Some(id) = RevisionId::new(&lower) {
            return if self.contains(&id) {
                Ok(id)
            } else {
                Err(HistoryError::UnknownRevision { spec: spec.to_owned() })
            };
        }
        if lower.len() < MIN_PREFIX && !lower.is_empty() && lower.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(HistoryError::PrefixTooShort { spec: spec.to_owned() });
        }
        let candidates: Vec<&RevisionId> = if lower.is_empty() {
            Vec::new()
        } else {
            self.files.keys().filter(|id| id.as_str().starts_with(&lower)).collect()
        };
        match candidates.as_slice() {
            [] => Err(HistoryError::UnknownRevision { spec: spec.to_owned() }),
            [one] => Ok((*one).clone()),
            many => Err(HistoryError::AmbiguousRevision {
                spec: spec.to_owned(),
                candidates: many.iter().filter_map(|id| self.reference(id)).collect(),
            }),
        }
    }

    /// Check a ledger's applied set against the files: an error naming every applied id that
    /// no file declares (the database is ahead of this checkout).
    pub fn check_applied(&self, applied: &BTreeSet<RevisionId>) -> Result<(), HistoryError> {
        let unknown: Vec<RevisionId> = applied.iter().filter(|id| !self.contains(id)).cloned().collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(HistoryError::UnknownApplied { unknown })
        }
    }

    /// The revisions an upgrade runs, in order: the ancestors of `target` (of every head
    /// when `None`) that are not applied, parents first. An unknown target is an error;
    /// applied ids without a file are ignored (check them with
    /// [`RevisionGraph::check_applied`]).
    pub fn plan_upgrade(
        &self,
        applied: &BTreeSet<RevisionId>,
        target: Option<&RevisionId>,
    ) -> Result<Vec<RevisionId>, HistoryError> {
        let wanted = match target {
            Some(id) if !self.contains(id) => return Err(HistoryError::UnknownRevision { spec: id.to_string() }),
            Some(id) => Some(self.ancestors(id)),
            None => None,
        };
        Ok(self
            .order
            .iter()
            .filter(|id| !applied.contains(*id) && wanted.as_ref().is_none_or(|w| w.contains(*id)))
            .cloned()
            .collect())
    }

    /// The revisions a downgrade undoes, in order: applied revisions, children before
    /// parents. With [`DowngradeTarget::Revision`], those that are not ancestors of the
    /// target; with [`DowngradeTarget::Steps`], the last `n` (an error if fewer are applied).
    pub fn plan_downgrade(
        &self,
        applied: &BTreeSet<RevisionId>,
        target: &DowngradeTarget,
    ) -> Result<Vec<RevisionId>, HistoryError> {
        let undo = self.order.iter().rev().filter(|id| applied.contains(*id));
        match target {
            DowngradeTarget::Base => Ok(undo.cloned().collect()),
            DowngradeTarget::Revision(id) => {
                if !self.contains(id) {
                    return Err(HistoryError::UnknownRevision { spec: id.to_string() });
                }
                let keep = self.ancestors(id);
                Ok(undo.filter(|r| !keep.contains(*r)).cloned().collect())
            }
            DowngradeTarget::Steps(n) => {
                let all: Vec<RevisionId> = undo.cloned().collect();
                if *n > all.len() {
                    return Err(HistoryError::TooManySteps { steps: *n, applied: all.len() });
                }
                Ok(all.into_iter().take(*n).collect())
            }
        }
    }

    /// A revision as named in errors: id, file, line, message.
    pub fn reference(&self, id: &RevisionId) -> Option<RevisionRef> {
        self.files.get(id).map(reference)
    }
}

fn reference(file: &MigrationFile) -> RevisionRef {
    RevisionRef {
        id: file.revision.clone(),
        path: file.path.clone(),
        line: file.revision_line,
        message: file.message.clone(),
    }
}

/// A cycle among the revisions not in `done` (every one of them has a parent not in `done`,
/// so following such parents must come back on itself). Returned parents first.
fn find_cycle(files: &BTreeMap<RevisionId, MigrationFile>, done: &BTreeSet<&RevisionId>) -> Vec<RevisionRef> {
    let Some(start) = files.keys().find(|id| !done.contains(id)) else { return Vec::new() };
    let mut path: Vec<&RevisionId> = Vec::new();
    let mut current = start;
    loop {
        if let Some(at) = path.iter().position(|id| *id == current) {
            let mut cycle: Vec<RevisionRef> = path[at..].iter().filter_map(|id| files.get(*id)).map(reference).collect();
            cycle.reverse();
            return cycle;
        }
        path.push(current);
        let next = files
            .get(current)
            .and_then(|f| f.parents.iter().filter(|p| files.contains_key(*p) && !done.contains(p)).min());
        match next {
            Some(next) => current = next,
            None => return path.iter().filter_map(|id| files.get(*id)).map(reference).collect(),
        }
    }
}
