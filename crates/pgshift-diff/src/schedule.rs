//! Orders the items of a diff: one topological sort over drops (by the source catalog's
//! dependencies, dependents first) and creates/alters (by the target's, dependencies first).
//!
//! Edges:
//! 1. drop(X) before drop(Y) when X depends on Y in the source, or when something dropped with X
//!    (its foreign keys, indexes, triggers, policies) depends on Y;
//! 2. create/alter(Y) before create/alter(X) when X depends on Y in the target;
//! 3. drop(X) before create(X) (a recreate);
//! 4. alter(T) before drop(X) when T depended on X in the source and is kept (the alter removes
//!    the use, e.g. a column leaves an enum type, or an extension's type, that is then dropped);
//! 5. drop(V) before alter(T) when V depended on T in the source (a view over a column whose
//!    type changes);
//! 6. a recreated table's fill after the table and its partitions are created, before the rest
//!    of what stands on it (keys, indexes, foreign keys, views).
//! 7. create(X) before any other change of X (its grants, its replica identity).
//!
//! Ties go to the earlier phase (non-transactional enum labels, renames, drops, then the rest)
//! and then to the position in the source's (reversed) or target's render order, so the result
//! is deterministic and reads like a hand-written migration.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use pgshift_catalog::render::{nodes_with, order, topological, Node};
use pgshift_catalog::{Catalog, DepSet, ObjectRef};

/// What an item does, for the scheduler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// `ALTER TYPE … ADD VALUE`, outside any transaction, before everything.
    EnumLabel,
    /// Renames: everything after uses the new names.
    Rename,
    /// Drops.
    Drop,
    /// Creates, alters, replaces, comments.
    Build,
}

/// One item to schedule.
pub struct Item {
    /// Its phase.
    pub phase: Phase,
    /// The object.
    pub object: ObjectRef,
    /// For build items: whether it is the object's primary node (false: `OWNED BY`).
    pub primary: bool,
    /// For build items: the source's object of that name is dropped by this diff (explicitly
    /// or with the relation it belongs to), so this one uses nothing of the source's.
    pub replaces: bool,
    /// A recreated table's rows copied in ([`crate::ChangeKind::FillFrom`]): after the
    /// table's partitions are created, before anything else that needs the table.
    pub fill: bool,
    /// For build items: it makes the object anew (a create, an enum swap), so every other
    /// change of that object comes after it.
    pub makes: bool,
}

/// Dependency edges of a catalog, by object: (object → what it needs), with each node's
/// position in the render order. Hash maps: the graph of a large catalog is built twice per
/// diff and only ever looked up by key.
pub struct Graph {
    /// Keyed by (object, primary node): a sequence's `OWNED BY` node needs its table, the
    /// sequence itself does not. Position in the render order (primary and secondary nodes
    /// apart), and what it needs.
    nodes: HashMap<(ObjectRef, bool), (usize, DepSet)>,
    /// What belongs to a table or materialized view (its constraints, indexes, triggers and
    /// policies): dropped with it, so the relation's drop must wait for what they stand on.
    children: HashMap<ObjectRef, Vec<ObjectRef>>,
    /// The relation each of those belongs to.
    parents: HashMap<ObjectRef, ObjectRef>,
}

impl Graph {
    /// The graph of `catalog`.
    pub fn of(catalog: &Catalog) -> Graph {
        // Dependencies only: no SQL is rendered for the graph.
        let nodes: Vec<Node> = nodes_with(catalog, &|_| false);
        let mut position = vec![0; nodes.len()];
        for (pos, i) in order(&nodes).into_iter().enumerate() {
            position[i] = pos;
        }
        let mut map: HashMap<(ObjectRef, bool), (usize, DepSet)> = HashMap::with_capacity_and_hasher(nodes.len(), Default::default());
        for (n, pos) in nodes.into_iter().zip(position) {
            match map.entry((n.object, n.primary)) {
                Entry::Vacant(slot) => {
                    slot.insert((pos, n.deps));
                }
                Entry::Occupied(mut slot) => {
                    let entry = slot.get_mut();
                    entry.0 = entry.0.max(pos);
                    entry.1.extend(n.deps);
                }
            }
        }
        // CHECK constraints rendered inside their table have no render node of their own, but
        // they stand on types and functions (and must make way for their changes): give them
        // their recorded dependencies here.
        for t in catalog.tables.values() {
            let table = ObjectRef::Table { name: t.name.clone() };
            for c in t.constraints.values().filter(|c| c.is_inline() && c.validated) {
                let object = ObjectRef::Constraint { table: t.name.clone(), name: c.name.as_str().into() };
                let entry = &mut map.entry((object, true)).or_insert((usize::MAX, DepSet::new())).1;
                entry.extend(c.depends_on.iter().cloned());
                entry.insert(table.clone());
            }
        }
        let mut children: HashMap<ObjectRef, Vec<ObjectRef>> = HashMap::default();
        let mut parents: HashMap<ObjectRef, ObjectRef> = HashMap::default();
        for (object, primary) in map.keys() {
            if !primary {
                continue;
            }
            let parent = match object {
                ObjectRef::Trigger { table, .. } if catalog.views.contains_key(table) => ObjectRef::View { name: table.clone() },
                ObjectRef::Constraint { table, .. } | ObjectRef::Trigger { table, .. } | ObjectRef::Policy { table, .. } => {
                    ObjectRef::Table { name: table.clone() }
                }
                ObjectRef::Index { name } => match catalog.indexes.get(name) {
                    Some(i) if catalog.views.contains_key(&i.table) => ObjectRef::View { name: i.table.clone() },
                    Some(i) => ObjectRef::Table { name: i.table.clone() },
                    None => continue,
                },
                _ => continue,
            };
            children.entry(parent.clone()).or_default().push(object.clone());
            parents.insert(object.clone(), parent);
        }
        Graph { nodes: map, children, parents }
    }

    /// What dropping `object` needs gone first, as far as dependencies go: what it stands on,
    /// and, for a relation, what its constraints, indexes, triggers and policies stand on
    /// (they go with it: `DROP TABLE child` before `DROP TABLE parent` when child has a foreign
    /// key to parent, whatever their names). `separate` tells the children dropped by their
    /// own statement, which wait for nothing on the relation's behalf.
    pub fn drop_deps<'a>(
        &'a self,
        object: &'a ObjectRef,
        separate: &'a dyn Fn(&ObjectRef) -> bool,
    ) -> impl Iterator<Item = &'a ObjectRef> + 'a {
        let children = self.children.get(object).into_iter().flatten().filter(move |c| !separate(c));
        let deps = self.deps(object).chain(children.flat_map(move |c| self.deps(c)));
        // A foreign key stands on the referenced table's key (constraint or index), which goes
        // with that table: the table is what must wait.
        deps.flat_map(move |d| std::iter::once(d).chain(self.parents.get(d))).filter(move |d| *d != object)
    }

    /// What `object` needs.
    pub fn deps(&self, object: &ObjectRef) -> impl Iterator<Item = &ObjectRef> {
        self.node_deps(object, true)
    }

    /// What one node of `object` needs (`primary` false: its secondary node, e.g. `OWNED BY`).
    pub fn node_deps(&self, object: &ObjectRef, primary: bool) -> impl Iterator<Item = &ObjectRef> {
        self.nodes.get(&(object.clone(), primary)).map(|(_, deps)| deps).into_iter().flatten()
    }

    fn has_node(&self, object: &ObjectRef) -> bool {
        self.nodes.contains_key(&(object.clone(), true))
    }

    /// Objects that need `object` (each list sorted).
    pub fn dependents(&self) -> HashMap<&ObjectRef, Vec<&ObjectRef>> {
        let mut out: HashMap<&ObjectRef, Vec<&ObjectRef>> = HashMap::default();
        for ((obj, _), (_, deps)) in &self.nodes {
            for d in deps {
                if d != obj {
                    out.entry(d).or_default().push(obj);
                }
            }
        }
        for list in out.values_mut() {
            list.sort_unstable();
        }
        out
    }

    fn position(&self, object: &ObjectRef, primary: bool) -> usize {
        self.nodes.get(&(object.clone(), primary)).map_or(usize::MAX, |(pos, _)| *pos)
    }
}

/// The order in which to run `items` (indexes into it).
pub fn schedule(items: &[Item], source: &Graph, target: &Graph) -> Vec<usize> {
    let mut by_phase: BTreeMap<(Phase, &ObjectRef), Vec<usize>> = BTreeMap::new();
    for (i, it) in items.iter().enumerate() {
        by_phase.entry((it.phase, &it.object)).or_default().push(i);
    }
    let find = |phase: Phase, obj: &ObjectRef| by_phase.get(&(phase, obj)).cloned().unwrap_or_default();
    let mut before: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); items.len()];
    for (i, it) in items.iter().enumerate() {
        match it.phase {
            Phase::Drop => {
                let separate = |child: &ObjectRef| by_phase.contains_key(&(Phase::Drop, child));
                for dep in source.drop_deps(&it.object, &separate) {
                    // 1. dependents are dropped first
                    for j in find(Phase::Drop, dep) {
                        before[j].insert(i);
                    }
                    // 5. a dropped dependent goes before the alter of what it used
                    for j in find(Phase::Build, dep) {
                        if j != i {
                            before[j].insert(i);
                        }
                    }
                }
                // 3. drop before the recreate
                for j in find(Phase::Build, &it.object) {
                    before[j].insert(i);
                }
            }
            Phase::Build => {
                for dep in target.node_deps(&it.object, it.primary) {
                    // 2. what it needs is built first
                    for j in find(Phase::Build, dep) {
                        if j != i && items[j].primary {
                            before[i].insert(j);
                        }
                    }
                }
                // 7. what makes the object comes before the rest of its changes
                if !it.makes {
                    for j in find(Phase::Build, &it.object) {
                        if j != i && items[j].makes {
                            before[i].insert(j);
                        }
                    }
                }
                // 4. a kept object stops using a dropped one before that one goes (an object
                // that is itself dropped and created again stopped using it with its drop)
                let recreated = it.replaces || !find(Phase::Drop, &it.object).is_empty();
                if !recreated && source.has_node(&it.object) {
                    for dep in source.deps(&it.object) {
                        for j in find(Phase::Drop, dep) {
                            if !target.deps(&it.object).any(|d| d == dep) {
                                before[j].insert(i);
                            }
                        }
                    }
                }
            }
            Phase::EnumLabel | Phase::Rename => {}
        }
        // 6. a fill runs after its table and the table's partitions are created, and before
        // everything else built on the table.
        if it.fill {
            for (j, other) in items.iter().enumerate() {
                if j == i || other.phase != Phase::Build {
                    continue;
                }
                if other.object == it.object {
                    if other.primary {
                        before[i].insert(j);
                    }
                    continue;
                }
                if !target.deps(&other.object).any(|d| *d == it.object) {
                    continue;
                }
                if matches!(other.object, ObjectRef::Table { .. }) {
                    before[i].insert(j);
                } else {
                    before[j].insert(i);
                }
            }
        }
    }
    let key = |i: usize| {
        let it = &items[i];
        let pos = match it.phase {
            Phase::Drop => usize::MAX - source.position(&it.object, true),
            _ => target.position(&it.object, it.primary),
        };
        (it.phase, pos, i)
    };
    let before: Vec<Vec<usize>> = before.into_iter().map(|b| b.into_iter().collect()).collect();
    topological(&before, key)
}
