//! Renames: requested ones (`--rename OLD=NEW`) are applied to the source catalog before the
//! comparison, so the rest of the diff sees one object instead of a drop and an add; drops and
//! adds that look like renames become candidates, shown with the flag that would confirm them.

use std::collections::BTreeSet;

use pgshift_catalog::filter::split_dotted;
use pgshift_catalog::quote::{self, ident};
use pgshift_catalog::*;
use serde::Serialize;

use crate::change::*;

/// A rename the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenameRequest {
    /// `schema.old=schema.new`: a table.
    Table {
        /// Old name.
        from: QualName,
        /// New name.
        to: QualName,
    },
    /// `schema.type:old=new`: an enum label (`ALTER TYPE … RENAME VALUE`).
    EnumLabel {
        /// The enum type.
        ty: QualName,
        /// Old label.
        from: String,
        /// New label.
        to: String,
    },
    /// `schema.table.old=schema.table.new`: a column.
    Column {
        /// The table.
        table: QualName,
        /// Old column name.
        from: String,
        /// New column name.
        to: String,
    },
}

impl RenameRequest {
    /// The same rename the other way round (for a down migration).
    pub fn reversed(&self) -> RenameRequest {
        match self {
            RenameRequest::Table { from, to } => RenameRequest::Table { from: to.clone(), to: from.clone() },
            RenameRequest::EnumLabel { ty, from, to } => {
                RenameRequest::EnumLabel { ty: ty.clone(), from: to.clone(), to: from.clone() }
            }
            RenameRequest::Column { table, from, to } => {
                RenameRequest::Column { table: table.clone(), from: to.clone(), to: from.clone() }
            }
        }
    }

    /// Parse `OLD=NEW` where both are `schema.table` or both `schema.table.column` (quote a part
    /// with `"` to keep its case or a dot), or `schema.type:OLD=NEW` for an enum label.
    pub fn parse(spec: &str) -> Result<RenameRequest, String> {
        if let Some(colon) = unquoted(spec, ':') {
            let (ty, labels) = (&spec[..colon], &spec[colon + 1..]);
            let parts = split_dotted(ty.trim()).map_err(|e| format!("`{ty}`: {e}"))?;
            let [schema, name] = parts.as_slice() else {
                return Err(format!("`{spec}`: name the enum as schema.type before the `:`"));
            };
            let (from, to) = labels
                .split_once('=')
                .ok_or_else(|| format!("`{spec}` is not schema.type:OLD=NEW (e.g. public.mood:sad=unhappy)"))?;
            return Ok(RenameRequest::EnumLabel { ty: QualName::new(schema, name), from: from.to_owned(), to: to.to_owned() });
        }
        let (old, new) = spec
            .split_once('=')
            .ok_or_else(|| format!("`{spec}` is not OLD=NEW (e.g. public.invoice=public.bill)"))?;
        let old = split_dotted(old.trim()).map_err(|e| format!("`{old}`: {e}"))?;
        let new = split_dotted(new.trim()).map_err(|e| format!("`{new}`: {e}"))?;
        match (old.as_slice(), new.as_slice()) {
            ([s1, t1], [s2, t2]) => {
                if s1 != s2 {
                    return Err(format!("`{spec}`: a rename stays in its schema"));
                }
                Ok(RenameRequest::Table { from: QualName::new(s1, t1), to: QualName::new(s2, t2) })
            }
            ([s1, t1, c1], [s2, t2, c2]) => {
                if (s1, t1) != (s2, t2) {
                    return Err(format!("`{spec}`: a column rename stays in its table"));
                }
                Ok(RenameRequest::Column { table: QualName::new(s1, t1), from: c1.clone(), to: c2.clone() })
            }
            _ => Err(format!(
                "`{spec}`: name tables as schema.table and columns as schema.table.column on both sides"
            )),
        }
    }

    /// Why this request cannot apply to these catalogs, if it cannot.
    pub fn check(&self, source: &Catalog, target: &Catalog) -> Result<(), String> {
        match self {
            RenameRequest::Table { from, to } => {
                if !source.tables.contains_key(from) {
                    return Err(format!("--rename: table {from} does not exist in the current schema"));
                }
                if !target.tables.contains_key(to) || source.tables.contains_key(to) {
                    return Err(format!("--rename: table {to} is not a new table of the desired schema"));
                }
            }
            RenameRequest::EnumLabel { ty, from, to } => {
                let labels = |c: &Catalog| match c.types.get(ty).map(|t| &t.kind) {
                    Some(TypeKind::Enum { labels }) => Some(labels.clone()),
                    _ => None,
                };
                let (Some(x), Some(y)) = (labels(source), labels(target)) else {
                    return Err(format!("--rename: enum type {ty} is not in both schemas"));
                };
                if !x.contains(from) || y.contains(from) {
                    return Err(format!("--rename: label {} of {ty} is not removed by this change", quote::literal(from)));
                }
                if !y.contains(to) || x.contains(to) {
                    return Err(format!("--rename: label {} of {ty} is not added by this change", quote::literal(to)));
                }
            }
            RenameRequest::Column { table, from, to } => {
                let (Some(x), Some(y)) = (source.tables.get(table), target.tables.get(table)) else {
                    return Err(format!("--rename: table {table} is not in both schemas"));
                };
                if x.column(from).is_none() || y.column(from).is_some() {
                    return Err(format!("--rename: column {table}.{} is not dropped by this change", ident(from)));
                }
                if y.column(to).is_none() || x.column(to).is_some() {
                    return Err(format!("--rename: column {table}.{} is not added by this change", ident(to)));
                }
            }
        }
        Ok(())
    }
}

/// A drop and an add that look like a rename.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RenameCandidate {
    /// The dropped object, as SQL.
    pub from: String,
    /// The added object, as SQL.
    pub to: String,
    /// The flag that makes it a rename.
    pub flag: String,
    /// What is dropped (for matching the change).
    #[serde(skip)]
    pub dropped: ObjectRef,
    /// The dropped column, for a column candidate.
    #[serde(skip)]
    pub column: Option<String>,
}

/// Apply the valid requests to `source` and return the rename changes.
pub fn apply(source: &mut Catalog, target: &Catalog, requests: &[RenameRequest]) -> Vec<Change> {
    let mut out = Vec::new();
    for r in requests {
        if r.check(source, target).is_err() {
            continue;
        }
        match r {
            RenameRequest::Table { from, to } => {
                rename_table(source, from, to);
                out.push(Change {
                    object: ObjectRef::Table { name: to.clone() },
                    kind: ChangeKind::Rename { from: from.clone() },
                    hazards: Vec::new(),
                });
            }
            RenameRequest::EnumLabel { ty, from, to } => {
                if let Some(TypeDef { kind: TypeKind::Enum { labels }, .. }) = source.types.get_mut(ty) {
                    for l in labels.iter_mut().filter(|l| *l == from) {
                        l.clone_from(to);
                    }
                }
                relabel(source, ty, from, to);
                out.push(Change {
                    object: ObjectRef::Type { name: ty.clone() },
                    kind: ChangeKind::RenameEnumLabel { from: from.clone(), to: to.clone() },
                    hazards: Vec::new(),
                });
            }
            RenameRequest::Column { table, from, to } => {
                if let Some(t) = source.tables.get_mut(table) {
                    if let Some(c) = t.columns.iter_mut().find(|c| &c.name == from) {
                        c.name = to.clone().into();
                    }
                }
                out.push(Change {
                    object: ObjectRef::Table { name: table.clone() },
                    kind: ChangeKind::AlterTable {
                        actions: vec![TableAction::RenameColumn { from: from.clone(), to: to.clone() }],
                    },
                    hazards: Vec::new(),
                });
            }
        }
    }
    out
}

fn rename_table(cat: &mut Catalog, from: &QualName, to: &QualName) {
    let Some(mut table) = cat.tables.remove(from) else { return };
    table.name = to.clone();
    cat.tables.insert(to.clone(), table);
    let swap = |q: &mut QualName| {
        if q == from {
            *q = to.clone();
        }
    };
    let swap_ref = |set: &mut pgshift_catalog::DepSet| {
        let old: Vec<ObjectRef> = set.iter().filter(|r| mentions(r, from)).cloned().collect();
        for r in old {
            set.remove(&r);
            set.insert(retarget(r, from, to));
        }
    };
    for t in cat.tables.values_mut() {
        swap_ref(&mut t.depends_on);
        if let Some(p) = &mut t.partition_of {
            swap(&mut p.parent);
        }
        t.inherits.iter_mut().for_each(swap);
        for c in t.constraints.values_mut() {
            swap_ref(&mut c.depends_on);
            if let ConstraintKind::ForeignKey { ref_table, .. } = &mut c.kind {
                swap(ref_table);
            }
        }
        t.triggers.values_mut().for_each(|x| swap_ref(&mut x.depends_on));
        t.policies.values_mut().for_each(|x| swap_ref(&mut x.depends_on));
    }
    for i in cat.indexes.values_mut() {
        swap(&mut i.table);
        swap_ref(&mut i.depends_on);
    }
    for s in cat.sequences.values_mut() {
        if let Some((t, _)) = &mut s.owned_by {
            swap(t);
        }
    }
    cat.views.values_mut().for_each(|v| swap_ref(&mut v.depends_on));
    cat.functions.values_mut().for_each(|f| swap_ref(&mut f.depends_on));
    cat.types.values_mut().for_each(|t| swap_ref(&mut t.depends_on));
}

fn mentions(r: &ObjectRef, table: &QualName) -> bool {
    matches!(r, ObjectRef::Table { name } if name == table)
        || matches!(r, ObjectRef::Constraint { table: t, .. } | ObjectRef::Trigger { table: t, .. } | ObjectRef::Policy { table: t, .. } if t == table)
}

fn retarget(r: ObjectRef, from: &QualName, to: &QualName) -> ObjectRef {
    let t = |q: QualName| if &q == from { to.clone() } else { q };
    match r {
        ObjectRef::Table { name } => ObjectRef::Table { name: t(name) },
        ObjectRef::Constraint { table, name } => ObjectRef::Constraint { table: t(table), name },
        ObjectRef::Trigger { table, name } => ObjectRef::Trigger { table: t(table), name },
        ObjectRef::Policy { table, name } => ObjectRef::Policy { table: t(table), name },
        other => other,
    }
}

/// After `RENAME VALUE`, PostgreSQL prints the label's constants with the new name: carry that
/// into the source's expressions, which always print an enum constant as `'label'::schema.type`,
/// so that defaults, checks, views, indexes and policies using the label are not recreated.
fn relabel(cat: &mut Catalog, ty: &QualName, from: &str, to: &str) {
    let old = format!("{}::{}", quote::literal(from), ty.sql());
    let new = format!("{}::{}", quote::literal(to), ty.sql());
    let fix = |s: &mut String| {
        if s.contains(&old) {
            *s = s.replace(&old, &new);
        }
    };
    for t in cat.tables.values_mut() {
        for c in &mut t.columns {
            c.default.iter_mut().for_each(fix);
            c.generated.iter_mut().for_each(fix);
        }
        for c in t.constraints.values_mut() {
            fix(&mut c.definition);
            if let ConstraintKind::Check { expression, .. } = &mut c.kind {
                fix(expression);
            }
        }
        for p in t.policies.values_mut() {
            p.using.iter_mut().for_each(fix);
            p.with_check.iter_mut().for_each(fix);
        }
        t.triggers.values_mut().for_each(|tr| fix(&mut tr.definition));
    }
    for v in cat.views.values_mut() {
        fix(&mut v.definition);
    }
    for i in cat.indexes.values_mut() {
        fix(&mut i.definition);
        i.predicate.iter_mut().for_each(fix);
        i.keys.iter_mut().for_each(fix);
    }
    for f in cat.functions.values_mut() {
        fix(&mut f.definition);
    }
    for t in cat.types.values_mut() {
        if let TypeKind::Domain { default, .. } = &mut t.kind {
            default.iter_mut().for_each(fix);
        }
    }
}

/// The byte index of the first `ch` outside double quotes.
fn unquoted(s: &str, ch: char) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c == ch && !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// Drops and adds of the same shape: tables with the same columns, columns of the same type,
/// and an enum label removed where another is added.
pub fn candidates(source: &Catalog, target: &Catalog, found: &crate::compare::Found) -> Vec<RenameCandidate> {
    let shape = |t: &Table| t.columns.iter().map(|c| (c.name.clone(), c.data_type.clone())).collect::<Vec<_>>();
    let mut out = Vec::new();
    let dropped: Vec<&Table> = source.tables.values().filter(|t| !target.tables.contains_key(&t.name)).collect();
    let added: Vec<&Table> = target.tables.values().filter(|t| !source.tables.contains_key(&t.name)).collect();
    for d in &dropped {
        for a in added.iter().filter(|a| a.name.schema == d.name.schema && shape(a) == shape(d)) {
            out.push(RenameCandidate {
                from: d.name.sql(),
                to: a.name.sql(),
                flag: format!("--rename {}={}", d.name.sql(), a.name.sql()),
                dropped: ObjectRef::Table { name: d.name.clone() },
                column: None,
            });
        }
    }
    for change in &found.changes {
        let (ObjectRef::Type { name }, ChangeKind::SwapEnum { labels, removed, .. }) = (&change.object, &change.kind) else {
            continue;
        };
        let Some(TypeDef { kind: TypeKind::Enum { labels: old }, .. }) = source.types.get(name) else { continue };
        let added: Vec<&String> = labels.iter().filter(|l| !old.contains(l)).collect();
        if let ([gone], [new]) = (removed.as_slice(), added.as_slice()) {
            if old.iter().position(|l| l == gone) == labels.iter().position(|l| l == *new) {
                let flag_label = |l: &str| if l.contains(['=', ':', '"', ' ']) { format!("'{l}'") } else { l.to_owned() };
                out.push(RenameCandidate {
                    from: format!("{name} label {}", quote::literal(gone)),
                    to: quote::literal(new),
                    flag: format!("--rename {}:{}={}", name.sql(), flag_label(gone), flag_label(new)),
                    dropped: change.object.clone(),
                    column: None,
                });
            }
        }
    }
    // A table's actions come as one change each: gather them per table.
    let mut per_table: std::collections::BTreeMap<&QualName, Vec<&TableAction>> = std::collections::BTreeMap::new();
    for change in &found.changes {
        if let (ObjectRef::Table { name }, ChangeKind::AlterTable { actions }) = (&change.object, &change.kind) {
            per_table.entry(name).or_default().extend(actions);
        }
    }
    let mut seen = BTreeSet::new();
    for (name, actions) in per_table {
        let Some(x) = source.tables.get(name) else { continue };
        for a in &actions {
            let TableAction::DropColumn { name: gone } = a else { continue };
            let Some(old) = x.column(gone) else { continue };
            for b in &actions {
                let TableAction::AddColumn { column } = b else { continue };
                if column.data_type == old.data_type && seen.insert((name.clone(), gone.clone(), column.name.clone())) {
                    let from = format!("{}.{}", name.sql(), ident(gone));
                    let to = format!("{}.{}", name.sql(), ident(&column.name));
                    out.push(RenameCandidate {
                        flag: format!("--rename {from}={to}"),
                        from,
                        to,
                        dropped: ObjectRef::Table { name: name.clone() },
                        column: Some(gone.clone()),
                    });
                }
            }
        }
    }
    out
}

/// Put a rename-candidate hazard on the drop each candidate concerns.
pub fn mark_candidates(changes: &mut [Change], candidates: &[RenameCandidate]) {
    for cand in candidates {
        for change in changes.iter_mut() {
            let hit = match (&cand.column, &change.kind) {
                (None, ChangeKind::Drop | ChangeKind::SwapEnum { .. }) => change.object == cand.dropped,
                (Some(col), ChangeKind::AlterTable { actions }) => {
                    change.object == cand.dropped
                        && actions.iter().any(|a| matches!(a, TableAction::DropColumn { name } if name == col))
                }
                _ => false,
            };
            if hit {
                change.hazards.push(Hazard::RenameCandidate(format!(
                    "{} is dropped and {} added with the same shape: if it is a rename, pass `{}`",
                    cand.from, cand.to, cand.flag
                )));
            }
        }
    }
}
