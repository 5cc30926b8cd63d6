//! Kind-by-kind comparison of two catalogs into unordered changes.
//!
//! In-place forms wherever PostgreSQL has them (columns, defaults, nullability, identity,
//! sequences, enum labels added in place, domain defaults, comments, trigger state, replica
//! identity, extension versions); drop and create where it has none (index, constraint, policy,
//! trigger and view definitions, collations, functions whose result type changes).

use std::collections::{BTreeMap, BTreeSet};

use pgshift_catalog::*;

use crate::change::*;

/// Unordered changes plus what the closure step needs.
#[derive(Default)]
pub struct Found {
    /// The changes.
    pub changes: Vec<Change>,
    /// Objects changed in place in a way that invalidates what stands on them (a table whose
    /// columns change type or go away, an enum swapped for a new type).
    pub reshaped: BTreeSet<ObjectRef>,
}

impl Found {
    fn push(&mut self, object: ObjectRef, kind: ChangeKind, hazards: Vec<Hazard>) {
        self.changes.push(Change { object, kind, hazards });
    }
    fn create(&mut self, object: ObjectRef) {
        self.push(object, ChangeKind::Create, Vec::new());
    }
    fn drop(&mut self, object: ObjectRef, hazards: Vec<Hazard>) {
        self.push(object, ChangeKind::Drop, hazards);
    }
    fn recreate(&mut self, object: ObjectRef) {
        self.drop(object.clone(), Vec::new());
        self.create(object);
    }
    fn comment(&mut self, object: ObjectRef, a: &Option<String>, b: &Option<String>) {
        if a != b {
            self.push(object, ChangeKind::Comment { comment: b.clone() }, Vec::new());
        }
    }
}

/// Keys present on each side of two maps.
fn sides<'a, K: Ord, V>(a: &'a BTreeMap<K, V>, b: &'a BTreeMap<K, V>) -> impl Iterator<Item = (&'a K, Option<&'a V>, Option<&'a V>)> {
    let keys: BTreeSet<&K> = a.keys().chain(b.keys()).collect();
    keys.into_iter().map(move |k| (k, a.get(k), b.get(k)))
}

/// Compare everything.
pub fn compare(a: &Catalog, b: &Catalog) -> Found {
    let mut f = Found::default();
    for (name, x, y) in sides(&a.schemas, &b.schemas) {
        let object = ObjectRef::Schema { name: name.as_str().into() };
        match (x, y) {
            (None, Some(_)) => f.create(object),
            (Some(_), None) => f.drop(object, vec![Hazard::Destructive(format!("schema {} is dropped", quote::ident(name)))]),
            (Some(x), Some(y)) => f.comment(object, &x.comment, &y.comment),
            (None, None) => {}
        }
    }
    for (name, x, y) in sides(&a.extensions, &b.extensions) {
        let object = ObjectRef::Extension { name: name.as_str().into() };
        match (x, y) {
            (None, Some(_)) => f.create(object),
            (Some(_), None) => f.drop(object, Vec::new()),
            (Some(x), Some(y)) if x.schema != y.schema => f.recreate(object),
            (Some(x), Some(y)) => {
                if x.version != y.version {
                    let (from, to) = (x.version.clone(), y.version.clone());
                    let hazards = if older(&to, &from) {
                        vec![Hazard::Unsupported(format!(
                            "extension {}: version {from} -> {to} is a downgrade, which extensions have no scripts for; write it by hand",
                            quote::ident(name)
                        ))]
                    } else {
                        Vec::new()
                    };
                    f.push(object.clone(), ChangeKind::UpdateExtension { from, to }, hazards);
                }
                f.comment(object, &x.comment, &y.comment)
            }
            (None, None) => {}
        }
    }
    for (name, x, y) in sides(&a.collations, &b.collations) {
        let object = ObjectRef::Collation { name: name.clone() };
        match (x, y) {
            (None, Some(_)) => f.create(object),
            (Some(_), None) => f.drop(object, Vec::new()),
            (Some(x), Some(y)) if Collation { comment: None, ..x.clone() } != Collation { comment: None, ..y.clone() } => {
                // No ALTER COLLATION changes a definition. Columns using it keep it: they are
                // re-typed (or the drop fails), which the diff does not plan.
                let used = a.tables.values().any(|t| t.depends_on.contains(&object));
                if used {
                    let hazard = Hazard::Unsupported(format!(
                        "collation {name} changes definition while columns use it; write it by hand"
                    ));
                    f.push(object, ChangeKind::Comment { comment: y.comment.clone() }, vec![hazard]);
                } else {
                    f.recreate(object);
                }
            }
            (Some(x), Some(y)) => f.comment(object, &x.comment, &y.comment),
            (None, None) => {}
        }
    }
    for (name, x, y) in sides(&a.types, &b.types) {
        let object = ObjectRef::Type { name: name.clone() };
        match (x, y) {
            (None, Some(_)) => f.create(object),
            (Some(_), None) => f.drop(object, Vec::new()),
            (Some(x), Some(y)) => {
                compare_type(a, b, x, y, &mut f);
                f.comment(object, &x.comment, &y.comment);
            }
            (None, None) => {}
        }
    }
    for (name, x, y) in sides(&a.sequences, &b.sequences) {
        let object = ObjectRef::Sequence { name: name.clone() };
        match (x, y) {
            (None, Some(y)) => {
                f.create(object.clone());
                if y.owned_by.is_some() {
                    f.push(object, ChangeKind::AlterSequence { to: Box::new(y.clone()) }, Vec::new());
                }
            }
            // A sequence owned by a column that goes away goes with it (DROP TABLE / DROP
            // COLUMN drop it); dropping it first would fail on the column's default.
            (Some(x), None) if owner_dropped(x, b) => {}
            (Some(_), None) => f.drop(object, Vec::new()),
            (Some(x), Some(y)) => {
                if (&x.options, &x.owned_by, x.unlogged) != (&y.options, &y.owned_by, y.unlogged) {
                    f.push(object.clone(), ChangeKind::AlterSequence { to: Box::new(y.clone()) }, Vec::new());
                }
                f.comment(object, &x.comment, &y.comment);
            }
            (None, None) => {}
        }
    }
    for (name, x, y) in sides(&a.tables, &b.tables) {
        let object = ObjectRef::Table { name: name.clone() };
        match (x, y) {
            (None, Some(y)) => {
                f.create(object);
                for c in y.constraints.values().filter(|c| !(c.is_inline() && c.validated)) {
                    f.create(ObjectRef::Constraint { table: name.clone(), name: c.name.as_str().into() });
                }
                for t in y.triggers.keys() {
                    f.create(ObjectRef::Trigger { table: name.clone(), name: t.as_str().into() });
                }
                for p in y.policies.keys() {
                    f.create(ObjectRef::Policy { table: name.clone(), name: p.as_str().into() });
                }
                if y.replica_identity != ReplicaIdentity::Default {
                    let action = TableAction::SetReplicaIdentity { identity: y.replica_identity.clone() };
                    f.push(ObjectRef::Table { name: name.clone() }, ChangeKind::AlterTable { actions: vec![action] }, Vec::new());
                }
            }
            (Some(_), None) => {
                f.drop(object, vec![Hazard::Destructive(format!("table {name} is dropped with all its rows"))])
            }
            (Some(x), Some(y)) => compare_table(a, b, x, y, &mut f),
            (None, None) => {}
        }
    }
    set_aside_partitions(a, b, &mut f);
    let attached = attached_indexes(a, b);
    for (name, x, y) in sides(&a.indexes, &b.indexes) {
        let object = ObjectRef::Index { name: name.clone() };
        match (x, y) {
            (None, Some(y)) => {
                // Indexes of a new table or view come with it.
                f.create(object);
                let _ = y;
            }
            // A partition's index the new index on its parent takes over.
            (Some(_), None) if attached.values().flatten().any(|i| i == name) => {}
            (Some(_), None) => f.drop(object, Vec::new()),
            (Some(x), Some(y)) if x.definition != y.definition => f.recreate(object),
            (Some(x), Some(y)) => f.comment(object, &x.comment, &y.comment),
            (None, None) => {}
        }
    }
    for (name, partitions) in attached {
        f.push(ObjectRef::Index { name }, ChangeKind::AttachIndexes { partitions }, Vec::new());
    }
    for (name, x, y) in sides(&a.views, &b.views) {
        let object = ObjectRef::View { name: name.clone() };
        let trigger = |t: &String| ObjectRef::Trigger { table: name.clone(), name: t.as_str().into() };
        match (x, y) {
            (None, Some(y)) => {
                f.create(object);
                for t in y.triggers.keys() {
                    f.create(trigger(t));
                }
            }
            (Some(_), None) => f.drop(object, Vec::new()),
            (Some(x), Some(y)) => {
                // A materialized view that gains or loses its data is recreated in the target's
                // state (after what it reads, so a populated one is filled from populated data).
                let shape = |v: &View| {
                    (v.materialized, v.populated, v.definition.clone(), v.options.clone(), v.column_comments.clone())
                };
                if shape(x) != shape(y) {
                    f.recreate(object);
                    // Its triggers go with it; the kept ones are recreated with it (see
                    // `recreate_dependents`), the new ones created here.
                    for t in y.triggers.keys().filter(|t| !x.triggers.contains_key(*t)) {
                        f.create(trigger(t));
                    }
                } else {
                    f.comment(object, &x.comment, &y.comment);
                    compare_triggers(name, &x.triggers, &y.triggers, &mut f);
                }
            }
            (None, None) => {}
        }
    }
    for (key, x, y) in sides(&a.functions, &b.functions) {
        let object = ObjectRef::Function { key: key.clone() };
        match (x, y) {
            (None, Some(_)) => f.create(object),
            (Some(_), None) => f.drop(object, Vec::new()),
            (Some(x), Some(y)) => {
                if x.definition != y.definition {
                    // CREATE OR REPLACE cannot change the kind, the result type or the
                    // argument list beyond the identity (defaults, OUT parameters).
                    let header = |f: &Function| f.definition.lines().next().map(str::to_owned);
                    if x.kind == y.kind && x.returns == y.returns && header(x) == header(y) {
                        f.push(object.clone(), ChangeKind::Replace, Vec::new());
                    } else {
                        f.recreate(object.clone());
                        continue;
                    }
                }
                f.comment(object, &x.comment, &y.comment);
            }
            (None, None) => {}
        }
    }
    f
}

fn compare_type(a: &Catalog, b: &Catalog, x: &TypeDef, y: &TypeDef, f: &mut Found) {
    let object = ObjectRef::Type { name: y.name.clone() };
    match (&x.kind, &y.kind) {
        (TypeKind::Enum { labels: la }, TypeKind::Enum { labels: lb }) if la != lb => {
            let kept: Vec<&String> = lb.iter().filter(|l| la.contains(l)).collect();
            let in_order = kept.len() == la.len() && kept.iter().zip(la).all(|(k, l)| *k == l);
            if in_order {
                // Labels are added in target order, so the one just before a new label exists
                // when it is added (an old one, or a new one added earlier); a new first label
                // goes before the first old one.
                for (i, label) in lb.iter().enumerate() {
                    if la.contains(label) {
                        continue;
                    }
                    let after = i.checked_sub(1).map(|p| lb[p].clone());
                    let before = if after.is_none() { lb[i + 1..].iter().find(|l| la.contains(l)).cloned() } else { None };
                    let hazard = Hazard::NonTransactional(format!(
                        "ALTER TYPE {} ADD VALUE runs outside a transaction, before every other step",
                        y.name
                    ));
                    f.push(object.clone(), ChangeKind::AddEnumLabel { label: label.clone(), before, after }, vec![hazard]);
                }
            } else {
                let removed: Vec<String> = la.iter().filter(|l| !lb.contains(l)).cloned().collect();
                let columns = enum_columns(a, b, &x.name);
                let mut hazards = vec![Hazard::Rewrite(format!(
                    "the enum {} is swapped for a new type: {} column(s) are re-typed under an ACCESS EXCLUSIVE lock",
                    y.name,
                    columns.len()
                ))];
                if !removed.is_empty() {
                    hazards.push(Hazard::DataDependent(format!(
                        "labels {} disappear from {}: rows holding them make the migration fail",
                        removed.iter().map(|l| quote::literal(l)).collect::<Vec<_>>().join(", "),
                        y.name
                    )));
                }
                f.reshaped.insert(object.clone());
                f.push(object, ChangeKind::SwapEnum { labels: lb.clone(), removed, columns }, hazards);
            }
        }
        (
            TypeKind::Domain { base_type: bx, collation: cx, default: dx, not_null: nx, checks: kx },
            TypeKind::Domain { base_type: by, collation: cy, default: dy, not_null: ny, checks: ky },
        ) => {
            if (bx, cx, kx) != (by, cy, ky) {
                let hazard = Hazard::Unsupported(format!(
                    "domain {}: changing its base type, collation or checks is not planned yet; write it by hand",
                    y.name
                ));
                f.push(object, ChangeKind::AlterDomain { default: dy.clone(), not_null: *ny }, vec![hazard]);
            } else if (dx, nx) != (dy, ny) {
                let mut hazards = Vec::new();
                if *ny && !*nx {
                    hazards.push(Hazard::DataDependent(format!("domain {} becomes NOT NULL", y.name)));
                }
                f.push(object, ChangeKind::AlterDomain { default: dy.clone(), not_null: *ny }, hazards);
            }
        }
        (kx, ky) if kx != ky => {
            let hazard = Hazard::Unsupported(format!(
                "type {} changes shape in a way pgshift does not plan yet (composite attributes or type kind); write it by hand",
                y.name
            ));
            f.push(object, ChangeKind::Comment { comment: y.comment.clone() }, vec![hazard]);
        }
        _ => {}
    }
}

/// Every column in `source` whose type is the enum `ty` (or an array of it). The default set
/// again after the swap is the target's, when the column keeps the type there (the source's
/// may name a label that goes away); otherwise the table change sets it.
fn enum_columns(source: &Catalog, target: &Catalog, ty: &QualName) -> Vec<EnumColumn> {
    let name = ty.sql();
    let array = format!("{name}[]");
    let mut out = Vec::new();
    // Tables that go away are dropped before the swap.
    for t in source.tables.values().filter(|t| target.tables.contains_key(&t.name)) {
        for c in t.columns.iter().filter(|c| c.local && (c.data_type == name || c.data_type == array)) {
            let default = target
                .tables
                .get(&t.name)
                .and_then(|t| t.column(&c.name))
                .filter(|tc| tc.data_type == c.data_type)
                .and_then(|tc| tc.default.clone());
            out.push(EnumColumn {
                table: t.name.clone(),
                column: c.name.to_string(),
                default,
                had_default: c.default.is_some(),
                array: c.data_type == array,
            });
        }
    }
    out
}

/// Whether `seq` is owned by a column that `b` no longer has.
fn owner_dropped(seq: &Sequence, b: &Catalog) -> bool {
    seq.owned_by
        .as_ref()
        .is_some_and(|(table, column)| b.tables.get(table).is_none_or(|t| !t.columns.iter().any(|c| &c.name == column)))
}

fn compare_table(a: &Catalog, b: &Catalog, x: &Table, y: &Table, f: &mut Found) {
    // Most tables of a large schema are unchanged: nothing to compare, nothing to clone.
    if x == y {
        return;
    }
    let b_sequences = &b.sequences;
    let name = &y.name;
    let object = ObjectRef::Table { name: name.clone() };
    // Each action with the hazards that concern it: one change (so one step) per action.
    let mut actions: Vec<(TableAction, Vec<Hazard>)> = Vec::new();
    let unsupported = |f: &mut Found, why: String| {
        let hazard = Hazard::Unsupported(format!("table {name}: {why}; write it by hand"));
        f.push(object.clone(), ChangeKind::AlterTable { actions: Vec::new() }, vec![hazard]);
    };
    if x.inherits != y.inherits {
        unsupported(f, "changing inheritance (INHERIT / NO INHERIT) is not planned yet".to_owned());
        return;
    }
    if x.kind != y.kind {
        if x.partition_of.is_some() || y.partition_of.is_some() {
            unsupported(f, "a partition that becomes partitioned itself (or stops being) is not planned yet".to_owned());
        } else {
            let why = match (&x.kind, &y.kind) {
                (TableKind::Plain, _) => "becomes partitioned, which PostgreSQL cannot do in place",
                _ => "stops being partitioned, which PostgreSQL cannot do in place",
            };
            recreate_table(x, y, why, f);
        }
        return;
    }
    // Attach and detach: the table is compared as it is once detached (every column and
    // inherited check its own) with the table as it must be just before it is attached (the
    // parent's columns and checks, which ATTACH requires, as its own).
    let (x, y) = (&mut x.clone(), &mut y.clone());
    let mut attach_to = None;
    if x.partition_of != y.partition_of {
        if let Some(px) = x.partition_of.clone() {
            let kept = y.partition_of.as_ref().is_some_and(|py| py.parent == px.parent);
            let copies = inherited_copies(a, &px.parent);
            if !kept && !copies.is_empty() {
                // DETACH would leave copies of the parent's indexes and keys on the table, under
                // names PostgreSQL picks (not in the model): the table is recreated instead.
                let why = format!(
                    "leaves {} (DETACH PARTITION would keep copies of its {} under names PostgreSQL picks)",
                    px.parent,
                    copies.join(", ")
                );
                recreate_table(x, y, &why, f);
                return;
            }
            let hazards = vec![Hazard::Locking(format!(
                "DETACH PARTITION takes an ACCESS EXCLUSIVE lock on {} and {name}",
                px.parent
            ))];
            f.push(object.clone(), ChangeKind::DetachPartition { parent: px.parent.clone() }, hazards);
            own_inherited(a, x, &px.parent);
            x.partition_of = None;
        }
        if let Some(py) = y.partition_of.take() {
            own_inherited(b, y, &py.parent);
            let key = match b.tables.get(&py.parent).map(|p| &p.kind) {
                Some(TableKind::Partitioned { key }) => key.clone(),
                _ => String::new(),
            };
            attach_to = Some(TableAction::AttachPartition { parent: py.parent, bound: py.bound, key });
        }
    }
    let inline = |t: &Table| -> BTreeMap<String, Constraint> {
        t.constraints.values().filter(|c| c.is_inline() && c.validated).map(|c| (c.name.clone(), c.clone())).collect()
    };
    let (ix, iy) = (inline(x), inline(y));
    for (cname, cx, cy) in sides(&ix, &iy) {
        match (cx, cy) {
            (Some(_), None) => actions.push((TableAction::DropCheck { name: cname.clone() }, Vec::new())),
            (Some(cx), Some(cy)) if cx.definition != cy.definition => {
                actions.push((TableAction::DropCheck { name: cname.clone() }, Vec::new()))
            }
            _ => {}
        }
    }
    let mut reshaped = false;
    // The default of a column a partition inherits is the partition's own; SET DEFAULT on the
    // parent (and ADD COLUMN, and a type change, which sets it again) recurses into it.
    if let (Some(px), Some(py)) = (&x.partition_of, &y.partition_of) {
        let (pa, pb) = (a.tables.get(&px.parent), b.tables.get(&py.parent));
        for cy in y.columns.iter().filter(|c| !c.local) {
            // A column the parent adds comes with the parent's default.
            let cx = x.column(&cy.name);
            if cx.is_some_and(|c| c.local) {
                continue;
            }
            let parent_x = pa.and_then(|p| p.column(&cy.name));
            let parent_y = pb.and_then(|p| p.column(&cy.name));
            let expected = match (parent_x, parent_y) {
                (Some(p), Some(q)) if (&p.default, &p.data_type, &p.collation) != (&q.default, &q.data_type, &q.collation) => {
                    q.default.clone()
                }
                (None, Some(q)) => q.default.clone(),
                _ => cx.and_then(|c| c.default.clone()),
            };
            if expected != cy.default {
                actions.push((TableAction::SetDefault { column: cy.name.to_string(), default: cy.default.clone() }, Vec::new()));
            }
        }
    }
    // Columns a partition or child inherits are its parent's to change.
    let local = |t: &Table| Table { columns: t.columns.iter().filter(|c| c.local).cloned().collect(), ..t.clone() };
    let (x, y) = (&local(x), &local(y));
    for c in &x.columns {
        if y.column(&c.name).is_none() {
            actions.push((TableAction::DropColumn { name: c.name.to_string() }, Vec::new()));
            attach(&mut actions, Hazard::Destructive(format!("column {name}.{} is dropped with its data", quote::ident(&c.name))));
            reshaped = true;
        }
    }
    for c in &y.columns {
        if x.column(&c.name).is_none() {
            actions.push((TableAction::AddColumn { column: Box::new(c.clone()) }, Vec::new()));
            if c.not_null && c.default.is_none() && c.identity.is_none() && c.generated.is_none() {
                attach(&mut actions, Hazard::DataDependent(format!(
                    "NOT NULL column {name}.{} has no default: existing rows need a backfill value",
                    quote::ident(&c.name)
                )));
            }
        }
    }
    let mut late = Vec::new();
    for cy in &y.columns {
        let Some(cx) = x.column(&cy.name) else { continue };
        let col = quote::ident(&cy.name);
        if cx.generated != cy.generated {
            actions.push((TableAction::RegenerateColumn { column: Box::new(cy.clone()) }, Vec::new()));
            attach(&mut actions, Hazard::Rewrite(format!("generated column {name}.{col} is dropped and added again")));
            reshaped = true;
            continue;
        }
        // identity -> serial: drop the identity first (it frees the sequence name), create the
        // sequence, then the default can use it.
        let mut identity_done = false;
        if let (Some(id), None) = (&cx.identity, &cy.identity) {
            actions.push((TableAction::SetIdentity { column: Box::new(cy.clone()), was_identity: true }, Vec::new()));
            identity_done = true;
            if let Some(seq) = b_sequences.get(&id.sequence) {
                if seq.owned_by.as_ref().is_some_and(|(t, c)| t == name && c == &cy.name) {
                    actions.push((TableAction::CreateOwnedSequence { sequence: Box::new(seq.clone()) }, Vec::new()));
                    let obj = ObjectRef::Sequence { name: id.sequence.clone() };
                    f.changes.retain(|c| !(c.object == obj && c.kind == ChangeKind::Create));
                }
            }
        }
        let retyped = (&cx.data_type, &cx.collation) != (&cy.data_type, &cy.collation);
        if retyped {
            if cx.default.is_some() {
                actions.push((TableAction::SetDefault { column: cy.name.to_string(), default: None }, Vec::new()));
            }
            actions.push((TableAction::AlterColumnType { column: Box::new(cy.clone()), from_type: cx.data_type.to_string() }, Vec::new()));
            if !widens(&cx.data_type, &cy.data_type) || cx.collation != cy.collation {
                attach(&mut actions, Hazard::Rewrite(format!(
                    "column {name}.{col} changes type {} -> {}: the table may be rewritten under an ACCESS EXCLUSIVE lock",
                    cx.data_type, cy.data_type
                )));
                attach(&mut actions, Hazard::DataDependent(format!("every value of {name}.{col} must convert to {}", cy.data_type)));
            }
            reshaped = true;
            if cy.default.is_some() {
                actions.push((TableAction::SetDefault { column: cy.name.to_string(), default: cy.default.clone() }, Vec::new()));
            }
        } else if cx.default != cy.default {
            actions.push((TableAction::SetDefault { column: cy.name.to_string(), default: cy.default.clone() }, Vec::new()));
        }
        // An identity needs a NOT NULL column: a nullable column that gains one is made NOT NULL
        // first (the same step, proof and hazard as any column that becomes NOT NULL).
        let not_null_first = cx.identity.is_none() && cy.identity.is_some() && !cx.not_null && cy.not_null;
        let set_not_null = |to: &mut Vec<(TableAction, Vec<Hazard>)>| {
            to.push((TableAction::SetNotNull { column: cy.name.to_string(), not_null: cy.not_null }, Vec::new()));
            if cy.not_null {
                attach(to, Hazard::DataDependent(format!(
                    "{name}.{col} becomes NOT NULL: no row may hold NULL (to fill the rows that do, pass --backfill {name}.{col}=EXPR)"
                )));
            }
        };
        if not_null_first {
            set_not_null(&mut actions);
        }
        if cx.identity != cy.identity && !identity_done {
            if let (None, Some(id)) = (&cx.identity, &cy.identity) {
                // serial -> identity: the serial's sequence goes first when the identity
                // sequence takes its name.
                let owned = a.sequences.get(&id.sequence).is_some_and(|s| {
                    s.owned_by.as_ref().is_some_and(|(t, c)| t == name && c == &cy.name)
                });
                if owned {
                    actions.push((TableAction::DropOwnedSequence { sequence: id.sequence.clone() }, Vec::new()));
                    let seq = ObjectRef::Sequence { name: id.sequence.clone() };
                    f.changes.retain(|c| !(c.object == seq && c.kind == ChangeKind::Drop));
                }
            }
            actions.push((TableAction::SetIdentity { column: Box::new(cy.clone()), was_identity: cx.identity.is_some() }, Vec::new()));
        }
        if cx.not_null != cy.not_null && !not_null_first {
            set_not_null(&mut late);
        }
        if cx.comment != cy.comment {
            late.push((TableAction::ColumnComment { column: cy.name.to_string(), comment: cy.comment.clone() }, Vec::new()));
        }
    }
    actions.extend(late);
    for c in &y.columns {
        if x.column(&c.name).is_none() && c.comment.is_some() {
            actions.push((TableAction::ColumnComment { column: c.name.to_string(), comment: c.comment.clone() }, Vec::new()));
        }
    }
    for (cname, cx, cy) in sides(&ix, &iy) {
        let add = match (cx, cy) {
            (None, Some(_)) => true,
            (Some(cx), Some(cy)) => cx.definition != cy.definition,
            _ => false,
        };
        let cobject = ObjectRef::Constraint { table: name.clone(), name: cname.as_str().into() };
        match (add, cx, cy) {
            (true, _, Some(cy)) => {
                actions.push((TableAction::AddCheck { constraint: Box::new(cy.clone()) }, Vec::new()));
                attach(&mut actions, Hazard::DataDependent(format!(
                    "new check {} on {name}: every existing row must satisfy it",
                    quote::ident(cname)
                )));
                // The comment of a check added in place is set after it.
                f.comment(cobject, &None, &cy.comment);
            }
            (false, Some(cx), Some(cy)) => f.comment(cobject, &cx.comment, &cy.comment),
            _ => {}
        }
    }
    if x.rls_enabled != y.rls_enabled {
        actions.push((TableAction::SetRowSecurity { enabled: y.rls_enabled }, Vec::new()));
    }
    if x.rls_forced != y.rls_forced {
        actions.push((TableAction::SetForceRowSecurity { forced: y.rls_forced }, Vec::new()));
    }
    if x.options != y.options {
        let key = |o: &String| o.split_once('=').map(|(k, _)| k.to_owned()).unwrap_or_else(|| o.clone());
        let set: Vec<String> = y.options.iter().filter(|o| !x.options.contains(o)).cloned().collect();
        let reset: Vec<String> =
            x.options.iter().map(key).filter(|k| !y.options.iter().any(|o| &key(o) == k)).collect();
        actions.push((TableAction::SetOptions { set, reset }, Vec::new()));
    }
    if x.unlogged != y.unlogged {
        actions.push((TableAction::SetLogged { unlogged: y.unlogged }, Vec::new()));
        attach(&mut actions, Hazard::Rewrite(format!("table {name} changes logged/unlogged: the table is rewritten")));
    }
    if x.comment != y.comment {
        actions.push((TableAction::Comment { comment: y.comment.clone() }, Vec::new()));
    }
    if x.replica_identity != y.replica_identity {
        actions.push((TableAction::SetReplicaIdentity { identity: y.replica_identity.clone() }, Vec::new()));
    }
    if let Some(attach) = attach_to {
        let TableAction::AttachPartition { parent, bound, .. } = &attach else { unreachable!() };
        let mut hazards = vec![
            Hazard::DataDependent(format!("every row of {name} must fall within its bound {bound}")),
            Hazard::Locking(format!("ATTACH PARTITION scans {name} under a lock that blocks its writes")),
        ];
        let default = b.tables.values().find(|t| {
            t.name != *name && t.partition_of.as_ref().is_some_and(|p| p.parent == *parent && p.bound == "DEFAULT")
        });
        if let Some(d) = default {
            hazards.push(Hazard::DataDependent(format!(
                "no row of the default partition {} may fall within the bound of {name}",
                d.name
            )));
        }
        actions.push((attach, hazards));
    }
    if reshaped {
        f.reshaped.insert(object.clone());
    }
    for (action, hazards) in actions {
        f.push(object.clone(), ChangeKind::AlterTable { actions: vec![action] }, hazards);
    }

    // Constraints kept outside the table definition, triggers and policies: by name.
    let outside = |t: &Table| -> BTreeMap<String, Constraint> {
        t.constraints.values().filter(|c| !(c.is_inline() && c.validated)).map(|c| (c.name.clone(), c.clone())).collect()
    };
    let (ox, oy) = (outside(x), outside(y));
    for (cname, cx, cy) in sides(&ox, &oy) {
        let object = ObjectRef::Constraint { table: name.clone(), name: cname.as_str().into() };
        match (cx, cy) {
            (None, Some(cy)) => {
                let hazards = constraint_hazards(name, cy);
                f.push(object, ChangeKind::Create, hazards);
            }
            (Some(_), None) => f.drop(object, Vec::new()),
            (Some(cx), Some(cy)) if cx.definition != cy.definition => {
                f.drop(object.clone(), Vec::new());
                f.push(object, ChangeKind::Create, constraint_hazards(name, cy));
            }
            (Some(cx), Some(cy)) => f.comment(object, &cx.comment, &cy.comment),
            (None, None) => {}
        }
    }
    compare_triggers(name, &x.triggers, &y.triggers, f);
    for (pname, px, py) in sides(&x.policies, &y.policies) {
        let object = ObjectRef::Policy { table: name.clone(), name: pname.as_str().into() };
        match (px, py) {
            (None, Some(_)) => f.create(object),
            (Some(_), None) => f.drop(object, Vec::new()),
            (Some(px), Some(py)) => {
                let shape = |p: &Policy| (p.permissive, p.command, p.roles.clone(), p.using.clone(), p.with_check.clone());
                if shape(px) != shape(py) {
                    f.recreate(object);
                } else {
                    f.comment(object, &px.comment, &py.comment);
                }
            }
            (None, None) => {}
        }
    }
}

/// What a partition of `parent` holds as copies of the parent's indexes and keys (and keeps,
/// under names PostgreSQL chose, when it is detached): the parent's indexes and its primary
/// key, unique, exclusion and foreign key constraints, by name.
fn inherited_copies(a: &Catalog, parent: &QualName) -> Vec<String> {
    let mut out: Vec<String> = a.indexes.values().filter(|i| &i.table == parent).map(|i| format!("index {}", quote::ident(&i.name.name))).collect();
    if let Some(p) = a.tables.get(parent) {
        out.extend(p.constraints.values().filter(|c| !c.is_inline()).map(|c| format!("constraint {}", quote::ident(&c.name))));
    }
    out
}

/// Make what `table` inherits from `parent` (in `catalog`) its own: every column local, and
/// the parent's inheritable checks among its constraints (what DETACH leaves, and what ATTACH
/// requires the table to have).
fn own_inherited(catalog: &Catalog, table: &mut Table, parent: &QualName) {
    for c in &mut table.columns {
        c.local = true;
    }
    let Some(p) = catalog.tables.get(parent) else { return };
    for c in p.constraints.values() {
        if matches!(c.kind, ConstraintKind::Check { no_inherit: false, .. }) && c.validated {
            table.constraints.entry(c.name.clone()).or_insert_with(|| Constraint { comment: None, ..c.clone() });
        }
    }
}

/// The temporary name of a table set aside to be recreated; it fits in 63 bytes.
pub fn set_aside_name(name: &QualName) -> QualName {
    let mut base: String = name.name.to_string();
    while base.len() > 48 {
        base.pop();
    }
    QualName::new(name.schema.clone(), format!("{base}__pgshift_old"))
}

/// A plain table that becomes partitioned, or back (`why` says which), or a partition leaving
/// a parent that has indexes or keys: PostgreSQL has no in-place form that converges. The
/// table is set aside (renamed), created anew as the target has it, filled from the old one
/// after its partitions exist, and the old one dropped; what belongs to it (keys, indexes,
/// triggers, policies) and what stands on it are created again.
fn recreate_table(x: &Table, y: &Table, why: &str, f: &mut Found) {
    let name = &y.name;
    let object = ObjectRef::Table { name: name.clone() };
    let temp = set_aside_name(name);
    let what = why;
    let mut hazards = vec![Hazard::Rewrite(format!(
        "table {name} {why}: it is renamed to {temp}, created anew, \
         its rows copied in and the old table dropped (writes wait until the migration commits)"
    ))];
    let identity = x.columns.iter().chain(&y.columns).any(|c| c.identity.is_some());
    if identity {
        hazards.push(Hazard::Unsupported(format!(
            "table {name} {what}; it has an identity column, whose sequence would clash with the new one's"
        )));
    }
    f.push(object.clone(), ChangeKind::SetAside { to: temp.clone() }, hazards);
    f.create(object.clone());
    for c in y.constraints.values().filter(|c| !(c.is_inline() && c.validated)) {
        f.push(ObjectRef::Constraint { table: name.clone(), name: c.name.as_str().into() }, ChangeKind::Create, constraint_hazards(name, c));
    }
    for t in y.triggers.keys() {
        f.create(ObjectRef::Trigger { table: name.clone(), name: t.as_str().into() });
    }
    for p in y.policies.keys() {
        f.create(ObjectRef::Policy { table: name.clone(), name: p.as_str().into() });
    }
    let columns: Vec<String> = y
        .columns
        .iter()
        .filter(|c| c.generated.is_none() && x.column(&c.name).is_some_and(|o| o.generated.is_none()))
        .map(|c| c.name.to_string())
        .collect();
    let mut fill_hazards = Vec::new();
    if matches!(y.kind, TableKind::Partitioned { .. }) {
        fill_hazards.push(Hazard::DataDependent(format!("every row of {name} must fall within one of its new partitions")));
    }
    for c in x.columns.iter().filter(|c| c.generated.is_none() && !columns.contains(&c.name.to_string())) {
        fill_hazards.push(Hazard::Destructive(format!("column {name}.{} is not copied: the new table has no such column", quote::ident(&c.name))));
    }
    f.push(object, ChangeKind::FillFrom { from: temp, columns }, fill_hazards);
}

/// Partitions of set-aside tables go with the old table (its rows, theirs included, are
/// copied first): they need no drop of their own.
fn set_aside_partitions(a: &Catalog, b: &Catalog, f: &mut Found) {
    let aside: BTreeSet<QualName> = f
        .changes
        .iter()
        .filter_map(|c| match (&c.object, &c.kind) {
            (ObjectRef::Table { name }, ChangeKind::SetAside { .. }) => Some(name.clone()),
            _ => None,
        })
        .collect();
    if aside.is_empty() {
        return;
    }
    let under = |t: &Table| -> bool {
        let mut parent = t.partition_of.as_ref().map(|p| &p.parent);
        // A partition tree is finite; the bound guards against a malformed catalog.
        for _ in 0..a.tables.len() {
            match parent {
                Some(p) if aside.contains(p) => return true,
                Some(p) => parent = a.tables.get(p).and_then(|t| t.partition_of.as_ref()).map(|p| &p.parent),
                None => return false,
            }
        }
        false
    };
    let gone: BTreeSet<QualName> =
        a.tables.values().filter(|t| !b.tables.contains_key(&t.name) && under(t)).map(|t| t.name.clone()).collect();
    f.changes.retain(|c| !(c.kind == ChangeKind::Drop && matches!(&c.object, ObjectRef::Table { name } if gone.contains(name))));
}

/// The body of an index definition after `CREATE [UNIQUE] INDEX name ON [ONLY] table `, which
/// two indexes on different tables share when they are the same index.
fn index_body(i: &Index) -> Option<&str> {
    let rest = i.definition.strip_prefix("CREATE ")?;
    let rest = rest.strip_prefix("UNIQUE ").unwrap_or(rest);
    let rest = rest.strip_prefix("INDEX ")?.strip_prefix(quote::ident(&i.name.name).as_str())?.strip_prefix(" ON ")?;
    let rest = rest.strip_prefix("ONLY ").unwrap_or(rest);
    rest.strip_prefix(i.table.sql().as_str())
}

/// New indexes on partitioned tables for which every partition (that is one in both catalogs)
/// already has a matching index of its own that the target no longer lists (it becomes the
/// new index's partition): index → those indexes, by partition.
fn attached_indexes(a: &Catalog, b: &Catalog) -> BTreeMap<QualName, Vec<QualName>> {
    let mut out = BTreeMap::new();
    for p in b.indexes.values().filter(|i| !a.indexes.contains_key(&i.name)) {
        let Some(body) = index_body(p) else { continue };
        let (Some(ta), Some(tb)) = (a.tables.get(&p.table), b.tables.get(&p.table)) else { continue };
        if !matches!(tb.kind, TableKind::Partitioned { .. }) || ta.kind != tb.kind {
            continue;
        }
        let partitions: Vec<&Table> =
            b.tables.values().filter(|t| t.partition_of.as_ref().is_some_and(|po| po.parent == p.table)).collect();
        let mut found = Vec::new();
        for part in &partitions {
            let same = a.tables.get(&part.name).is_some_and(|t| t.partition_of == part.partition_of && t.kind == TableKind::Plain);
            let matching = a.indexes.values().find(|i| {
                i.table == part.name && !b.indexes.contains_key(&i.name) && i.unique == p.unique && index_body(i) == Some(body)
            });
            match matching {
                Some(i) if same && part.kind == TableKind::Plain => found.push(i.name.clone()),
                _ => break,
            }
        }
        if !partitions.is_empty() && found.len() == partitions.len() {
            out.insert(p.name.clone(), found);
        }
    }
    out
}

/// Triggers of a kept table or view, by name.
fn compare_triggers(relation: &QualName, x: &BTreeMap<String, Trigger>, y: &BTreeMap<String, Trigger>, f: &mut Found) {
    for (tname, tx, ty) in sides(x, y) {
        let object = ObjectRef::Trigger { table: relation.clone(), name: tname.as_str().into() };
        match (tx, ty) {
            (None, Some(_)) => f.create(object),
            (Some(_), None) => f.drop(object, Vec::new()),
            (Some(tx), Some(ty)) if tx.definition != ty.definition => f.recreate(object),
            (Some(tx), Some(ty)) => {
                if tx.enabled != ty.enabled {
                    f.push(object.clone(), ChangeKind::TriggerState { enabled: ty.enabled }, Vec::new());
                }
                f.comment(object, &tx.comment, &ty.comment);
            }
            (None, None) => {}
        }
    }
}

/// Whether extension version `a` is older than `b`, when both are dotted numbers (`1.4` <
/// `1.10`); other spellings are never "older": PostgreSQL decides whether a path exists.
fn older(a: &str, b: &str) -> bool {
    let parts = |v: &str| v.split('.').map(|p| p.parse::<u64>().ok()).collect::<Option<Vec<u64>>>();
    match (parts(a), parts(b)) {
        (Some(a), Some(b)) => a < b,
        _ => false,
    }
}

/// Put a hazard on the action just pushed (the one it concerns).
fn attach(actions: &mut [(TableAction, Vec<Hazard>)], hazard: Hazard) {
    if let Some((_, hazards)) = actions.last_mut() {
        hazards.push(hazard);
    }
}

/// Whether a type change only relaxes a length limit, which PostgreSQL does without a rewrite
/// and which no value can fail: `varchar(n)` to a longer `varchar`, to unbounded `varchar`, or
/// to `text`.
fn widens(from: &str, to: &str) -> bool {
    let len = |t: &str| -> Option<Option<u32>> {
        match t {
            "character varying" => Some(None),
            _ => t.strip_prefix("character varying(")?.strip_suffix(')')?.parse().ok().map(Some),
        }
    };
    match (len(from), to) {
        (Some(_), "text") => true,
        (Some(f), _) => match (f, len(to)) {
            (_, Some(None)) => true,
            (Some(f), Some(Some(t))) => t >= f,
            _ => false,
        },
        (None, _) => false,
    }
}

fn constraint_hazards(table: &QualName, c: &Constraint) -> Vec<Hazard> {
    let what = match &c.kind {
        ConstraintKind::PrimaryKey { .. } => "primary key",
        ConstraintKind::Unique { .. } => "unique constraint",
        ConstraintKind::Check { .. } => "check",
        ConstraintKind::ForeignKey { .. } => "foreign key",
        ConstraintKind::Exclude => "exclusion constraint",
    };
    if !c.validated {
        return Vec::new();
    }
    vec![Hazard::DataDependent(format!(
        "new {what} {} on {table}: every existing row must satisfy it",
        quote::ident(&c.name)
    ))]
}
