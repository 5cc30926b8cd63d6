//! pgshift-diff: compare two catalogs into ordered, typed [`Change`]s.
//!
//! Owns: deciding what differs between a source catalog (what the database holds) and a target
//! (what it should hold), preferring in-place `ALTER` to drop-and-create; the objects that
//! must be recreated around a change (views over a column whose type changes, everything over
//! a recreated view); rename requests and rename candidates; hazards; and the order the
//! changes run in ([`schedule`]).
//!
//! Must not: do I/O, produce SQL text (that is pgshift-plan's job) or fail: what it cannot
//! express becomes an [`Hazard::Unsupported`] on the change.

pub mod change;
mod compare;
mod privileges;
pub mod rename;
pub mod schedule;

use std::collections::BTreeSet;

use pgshift_catalog::{Catalog, ObjectRef};

pub use change::{Change, ChangeKind, EnumColumn, Hazard, TableAction};
pub use rename::{RenameCandidate, RenameRequest};
use schedule::{Graph, Item, Phase};

/// How to diff.
#[derive(Clone, Debug, Default)]
pub struct DiffOptions {
    /// Drops and adds to treat as renames.
    pub renames: Vec<RenameRequest>,
    /// Compare privileges (`GRANT`/`REVOKE` on tables, views, sequences, functions, types and
    /// schemas; `--with-privileges`). Off by default: privileges are then not compared at all.
    pub with_privileges: bool,
}

/// The result of a diff.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    /// The changes, in the order they must run.
    pub changes: Vec<Change>,
    /// Drops and adds that look like renames, and the flag that would make each one.
    pub rename_candidates: Vec<RenameCandidate>,
    /// The source catalog as the changes after the renames see it, when renames were applied
    /// (see [`Diff::source`]); drops are rendered from it.
    pub renamed_source: Option<Catalog>,
}

impl Diff {
    /// The catalog the changes apply to: the source after the renames, or `original` (the
    /// source the diff was made from) when nothing was renamed.
    pub fn source<'a>(&'a self, original: &'a Catalog) -> &'a Catalog {
        self.renamed_source.as_ref().unwrap_or(original)
    }

    /// True when the two catalogs are the same.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// The changes that turn a database holding `source` into one holding `target`.
pub fn diff(source: &Catalog, target: &Catalog, options: &DiffOptions) -> Diff {
    // The source is cloned only to apply renames to it.
    let mut renamed_source = None;
    let mut renamed = Vec::new();
    if !options.renames.is_empty() {
        let mut copy = source.clone();
        renamed = rename::apply(&mut copy, target, &options.renames);
        renamed_source = Some(copy);
    }
    let source = renamed_source.as_ref().unwrap_or(source);
    // The two dependency graphs take most of a large diff's time and need nothing of the
    // comparison: built on threads of their own meanwhile (5,000 tables: 150 ms → ~100 ms).
    let (mut found, candidates, source_graph, target_graph) = std::thread::scope(|s| {
        let source_graph = s.spawn(|| Graph::of(source));
        let target_graph = s.spawn(|| Graph::of(target));
        let mut found = compare::compare(source, target);
        let candidates = rename::candidates(source, target, &found);
        rename::mark_candidates(&mut found.changes, &candidates);
        // A panic on either thread is carried on as it was.
        let join = |h: std::thread::ScopedJoinHandle<'_, Graph>| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (found, candidates, join(source_graph), join(target_graph))
    });
    recreate_dependents(source, target, &source_graph, &mut found);
    break_fk_cycles(source, &mut found);
    restore_replica_identity(target, &mut found);
    if options.with_privileges {
        privileges::compare(source, target, &mut found.changes);
    }

    // What the source loses: dropped objects and what belongs to a dropped relation.
    let dropped: BTreeSet<ObjectRef> = found.changes.iter().filter(|c| gone(c)).map(|c| c.object.clone()).collect();
    let replaces = |object: &ObjectRef| {
        dropped.contains(object) || parent_of(source, object).is_some_and(|p| dropped.contains(&p))
    };
    let mut items = Vec::new();
    let mut changes = Vec::new();
    for change in renamed.into_iter().chain(found.changes) {
        let phase = match change.kind {
            ChangeKind::AddEnumLabel { .. } => Phase::EnumLabel,
            ChangeKind::Rename { .. } | ChangeKind::RenameEnumLabel { .. } => Phase::Rename,
            ChangeKind::AlterTable { ref actions } if matches!(actions.as_slice(), [TableAction::RenameColumn { .. }]) => Phase::Rename,
            ChangeKind::Drop | ChangeKind::SetAside { .. } | ChangeKind::DetachPartition { .. } => Phase::Drop,
            _ => Phase::Build,
        };
        // A sequence's OWNED BY is its own (secondary) node in the target graph, after the table;
        // so is a table's REPLICA IDENTITY, after the index it names.
        let fill = matches!(change.kind, ChangeKind::FillFrom { .. });
        let primary = !fill
            && !matches!(&change.kind, ChangeKind::AlterSequence { to } if to.owned_by.is_some())
            && !matches!(&change.kind, ChangeKind::AlterTable { actions } if matches!(actions.as_slice(), [TableAction::SetReplicaIdentity { .. }]));
        let replaces = phase == Phase::Build && replaces(&change.object);
        let makes = matches!(change.kind, ChangeKind::Create | ChangeKind::SwapEnum { .. });
        items.push(Item { phase, object: change.object.clone(), primary, replaces, fill, makes });
        changes.push(change);
    }
    let order = schedule::schedule(&items, &source_graph, &target_graph);
    // Freeing the two graphs (~20 ms at 5,000 tables) is no business of the caller's: a
    // thread of its own does it (inline when no thread can be had).
    let _ = std::thread::Builder::new().name("pgshift-free".into()).spawn(move || drop((source_graph, target_graph)));
    let mut slots: Vec<Option<Change>> = changes.into_iter().map(Some).collect();
    let changes = order.into_iter().filter_map(|i| slots[i].take()).collect();
    Diff { changes, rename_candidates: candidates, renamed_source }
}

/// Add drop+create pairs for everything that stands on a dropped or recreated object, and for
/// what stands on a table whose columns change type or disappear, transitively.
fn recreate_dependents(source: &Catalog, target: &Catalog, graph: &Graph, found: &mut compare::Found) {
    let dependents = graph.dependents();
    let mut dropped: BTreeSet<ObjectRef> = found.changes.iter().filter(|c| gone(c)).map(|c| c.object.clone()).collect();
    let created: BTreeSet<ObjectRef> =
        found.changes.iter().filter(|c| c.kind == ChangeKind::Create).map(|c| c.object.clone()).collect();
    let mut queue: Vec<(ObjectRef, bool)> = dropped.iter().map(|o| (o.clone(), true)).collect();
    queue.extend(found.reshaped.iter().map(|o| (o.clone(), false)));
    let mut added: BTreeSet<ObjectRef> = BTreeSet::new();
    while let Some((object, whole)) = queue.pop() {
        for &dep in dependents.get(&object).into_iter().flatten() {
            let take = match dep {
                // Tables are never dropped to make way: their columns are altered instead.
                ObjectRef::Table { .. } | ObjectRef::Schema { .. } | ObjectRef::Extension { .. } => false,
                ObjectRef::Sequence { .. } => false,
                // Indexes and constraints of a re-typed column are rebuilt by PostgreSQL; those
                // over a swapped enum or a recreated object are not.
                ObjectRef::Index { .. } | ObjectRef::Constraint { .. } => {
                    whole || matches!(object, ObjectRef::Type { .. })
                }
                _ => true,
            };
            if !take || dropped.contains(dep) {
                continue;
            }
            dropped.insert(dep.clone());
            added.insert(dep.clone());
            queue.push((dep.clone(), true));
        }
    }
    for object in added {
        // A CHECK inside a table definition that is dropped and added here instead of by the
        // table change.
        if let ObjectRef::Constraint { table, name } = &object {
            for c in found.changes.iter_mut().filter(|c| matches!(&c.object, ObjectRef::Table { name } if name == table)) {
                if let ChangeKind::AlterTable { actions } = &mut c.kind {
                    actions.retain(|a| !matches!(a, TableAction::DropCheck { name: n } if n == name)
                        && !matches!(a, TableAction::AddCheck { constraint } if &constraint.name == name));
                }
            }
        }
        // A child of a dropped relation goes with it; drop it explicitly otherwise.
        let parent_gone = parent_of(source, &object).is_some_and(|p| dropped.contains(&p));
        // Its other changes are replaced by the drop and create (a create the comparison
        // already made, for a table set aside, stays).
        let replaced = |c: &Change| c.object == object && !matches!(c.kind, ChangeKind::Drop | ChangeKind::Create);
        if !parent_gone && exists(source, &object) {
            found.changes.retain(|c| !replaced(c));
            found.changes.push(Change { object: object.clone(), kind: ChangeKind::Drop, hazards: Vec::new() });
        } else {
            found.changes.retain(|c| !replaced(c));
        }
        if exists(target, &object) && !created.contains(&object) {
            found.changes.push(Change { object, kind: ChangeKind::Create, hazards: Vec::new() });
        }
    }
    // A table change whose only action went to a recreated check has nothing left to do.
    found.changes.retain(|c| {
        !matches!(&c.kind, ChangeKind::AlterTable { actions } if actions.is_empty()) || !c.hazards.is_empty()
    });
    // Children of dropped relations never need their own drop statement.
    let all_dropped: BTreeSet<ObjectRef> = found.changes.iter().filter(|c| gone(c)).map(|c| c.object.clone()).collect();
    found.changes.retain(|c| {
        !(c.kind == ChangeKind::Drop && parent_of(source, &c.object).is_some_and(|p| all_dropped.contains(&p)))
    });
}

/// Whether the source's object goes away with this change: dropped, or set aside to be
/// recreated (what belongs to it goes with the old table).
fn gone(change: &Change) -> bool {
    matches!(change.kind, ChangeKind::Drop | ChangeKind::SetAside { .. })
}

/// A table whose replica identity index is dropped and built again (its definition changed, or
/// it stood on something recreated) loses the identity: PostgreSQL keeps it only on the index.
/// Set it again once the index is back.
fn restore_replica_identity(target: &Catalog, found: &mut compare::Found) {
    use pgshift_catalog::{QualName, ReplicaIdentity};
    let mut add = Vec::new();
    for t in target.tables.values() {
        let ReplicaIdentity::Index { name } = &t.replica_identity else { continue };
        let index = if t.constraints.contains_key(name) {
            ObjectRef::Constraint { table: t.name.clone(), name: name.as_str().into() }
        } else {
            ObjectRef::Index { name: QualName::new(t.name.schema.clone(), name.clone()) }
        };
        let table = ObjectRef::Table { name: t.name.clone() };
        let rebuilt = found.changes.iter().any(|c| c.object == index && c.kind == ChangeKind::Create);
        let created = found.changes.iter().any(|c| c.object == table && c.kind == ChangeKind::Create);
        let set = found.changes.iter().any(|c| {
            c.object == table && matches!(&c.kind, ChangeKind::AlterTable { actions } if matches!(actions.as_slice(), [TableAction::SetReplicaIdentity { .. }]))
        });
        if rebuilt && !created && !set {
            add.push(Change {
                object: table,
                kind: ChangeKind::AlterTable { actions: vec![TableAction::SetReplicaIdentity { identity: t.replica_identity.clone() }] },
                hazards: Vec::new(),
            });
        }
    }
    found.changes.extend(add);
}

/// Foreign keys that tie dropped tables into a cycle (`a → b → a`, through any number of
/// tables) get a drop of their own, scheduled before the tables': no order of `DROP TABLE`s
/// alone can remove such tables without `CASCADE`, which pgshift never writes. A foreign key
/// of a table to itself goes with the table.
fn break_fk_cycles(source: &Catalog, found: &mut compare::Found) {
    use pgshift_catalog::{ConstraintKind, QualName};
    use std::collections::{BTreeMap, VecDeque};
    let dropped: BTreeSet<&QualName> = found
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Drop)
        .filter_map(|c| match &c.object {
            ObjectRef::Table { name } => Some(name),
            _ => None,
        })
        .collect();
    // Foreign keys between two different dropped tables: table → [(referenced, constraint)].
    let mut edges: BTreeMap<&QualName, Vec<(&QualName, &String)>> = BTreeMap::new();
    for &name in &dropped {
        let Some(table) = source.tables.get(name) else { continue };
        for c in table.constraints.values() {
            if let ConstraintKind::ForeignKey { ref_table, .. } = &c.kind {
                if ref_table != name && dropped.contains(ref_table) {
                    edges.entry(name).or_default().push((ref_table, &c.name));
                }
            }
        }
    }
    let reaches = |from: &QualName, to: &QualName| {
        let mut seen: BTreeSet<&QualName> = BTreeSet::new();
        let mut queue: VecDeque<&QualName> = VecDeque::from([from]);
        while let Some(t) = queue.pop_front() {
            if t == to {
                return true;
            }
            for (next, _) in edges.get(t).into_iter().flatten() {
                if seen.insert(next) {
                    queue.push_back(next);
                }
            }
        }
        false
    };
    let mut cut = Vec::new();
    for (&table, fks) in &edges {
        for &(referenced, constraint) in fks {
            if reaches(referenced, table) {
                cut.push(ObjectRef::Constraint { table: table.clone(), name: constraint.clone().into() });
            }
        }
    }
    for object in cut {
        found.changes.push(Change { object, kind: ChangeKind::Drop, hazards: Vec::new() });
    }
}

/// The relation an index, constraint, trigger or policy belongs to.
fn parent_of(catalog: &Catalog, object: &ObjectRef) -> Option<ObjectRef> {
    match object {
        ObjectRef::Index { name } => catalog.indexes.get(name).map(|i| {
            if catalog.views.contains_key(&i.table) {
                ObjectRef::View { name: i.table.clone() }
            } else {
                ObjectRef::Table { name: i.table.clone() }
            }
        }),
        ObjectRef::Trigger { table, .. } if catalog.views.contains_key(table) => Some(ObjectRef::View { name: table.clone() }),
        ObjectRef::Constraint { table, .. } | ObjectRef::Trigger { table, .. } | ObjectRef::Policy { table, .. } => {
            Some(ObjectRef::Table { name: table.clone() })
        }
        _ => None,
    }
}

/// Whether the catalog holds the object.
pub fn exists(catalog: &Catalog, object: &ObjectRef) -> bool {
    match object {
        ObjectRef::Schema { name } => catalog.schemas.contains_key(name.as_str()),
        ObjectRef::Extension { name } => catalog.extensions.contains_key(name.as_str()),
        ObjectRef::Type { name } => catalog.types.contains_key(name),
        ObjectRef::Sequence { name } => catalog.sequences.contains_key(name),
        ObjectRef::Table { name } => catalog.tables.contains_key(name),
        ObjectRef::View { name } => catalog.views.contains_key(name),
        ObjectRef::Function { key } => catalog.functions.contains_key(key),
        ObjectRef::Index { name } => catalog.indexes.contains_key(name),
        ObjectRef::Constraint { table, name } => {
            catalog.tables.get(table).is_some_and(|t| t.constraints.contains_key(name.as_str()))
        }
        ObjectRef::Trigger { table, name } => {
            catalog.tables.get(table).is_some_and(|t| t.triggers.contains_key(name.as_str()))
                || catalog.views.get(table).is_some_and(|v| v.triggers.contains_key(name.as_str()))
        }
        ObjectRef::Policy { table, name } => catalog.tables.get(table).is_some_and(|t| t.policies.contains_key(name.as_str())),
        ObjectRef::Collation { name } => catalog.collations.contains_key(name),
    }
}
