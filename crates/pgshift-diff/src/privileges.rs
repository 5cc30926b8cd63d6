//! Privileges (asked for with `DiffOptions::with_privileges`): `GRANT` and `REVOKE` that turn
//! each kept or created object's privileges into the target's.
//!
//! Runs after the closure step, so that it knows which objects are made anew: those start from
//! PostgreSQL's default privileges (`EXECUTE` to PUBLIC on routines, `USAGE` to PUBLIC on types,
//! nothing on the rest), kept ones from the source's. Only grantees named in one of the two
//! ACLs are ever granted to or revoked from; the owner's own privileges are not in the model.

use std::collections::{BTreeMap, BTreeSet};

use pgshift_catalog::{Catalog, ObjectRef, Privilege};

use crate::change::{Change, ChangeKind};

/// Every object that carries privileges, with them: (object, privileges, default privileges of
/// a new object of its kind).
fn objects(catalog: &Catalog) -> Vec<(ObjectRef, &BTreeSet<Privilege>, BTreeSet<Privilege>)> {
    let public = |p: &str| BTreeSet::from([Privilege { grantee: "public".into(), privilege: p.into(), grantable: false }]);
    let mut out = Vec::new();
    for s in catalog.schemas.values() {
        out.push((ObjectRef::Schema { name: s.name.as_str().into() }, &s.privileges, BTreeSet::new()));
    }
    for t in catalog.types.values() {
        out.push((ObjectRef::Type { name: t.name.clone() }, &t.privileges, public("USAGE")));
    }
    for s in catalog.sequences.values() {
        out.push((ObjectRef::Sequence { name: s.name.clone() }, &s.privileges, BTreeSet::new()));
    }
    for t in catalog.tables.values() {
        out.push((ObjectRef::Table { name: t.name.clone() }, &t.privileges, BTreeSet::new()));
    }
    for v in catalog.views.values() {
        out.push((ObjectRef::View { name: v.name.clone() }, &v.privileges, BTreeSet::new()));
    }
    for f in catalog.functions.values() {
        out.push((ObjectRef::Function { key: f.key.clone() }, &f.privileges, public("EXECUTE")));
    }
    out
}

/// Append the grants and revokes that bring every object of `target` to its privileges.
pub fn compare(source: &Catalog, target: &Catalog, changes: &mut Vec<Change>) {
    let made: BTreeSet<ObjectRef> = changes
        .iter()
        .filter(|c| matches!(c.kind, ChangeKind::Create | ChangeKind::SwapEnum { .. }))
        .map(|c| c.object.clone())
        .collect();
    let before: BTreeMap<ObjectRef, &BTreeSet<Privilege>> =
        objects(source).into_iter().map(|(o, p, _)| (o, p)).collect();
    for (object, to, default) in objects(target) {
        let from = match before.get(&object) {
            Some(p) if !made.contains(&object) => (*p).clone(),
            _ => default,
        };
        changes.extend(grants(&object, &from, to));
    }
}

/// (grantee, privilege) → grantable.
fn by_grantee(set: &BTreeSet<Privilege>) -> BTreeMap<(&str, &str), bool> {
    set.iter().map(|p| ((p.grantee.as_str(), p.privilege.as_str()), p.grantable)).collect()
}

/// The changes from `from` to `to` on one object: per grantee, at most one revoke of
/// privileges, one revoke of grant options, one grant and one grant with grant option.
fn grants(object: &ObjectRef, from: &BTreeSet<Privilege>, to: &BTreeSet<Privilege>) -> Vec<Change> {
    if from == to {
        return Vec::new();
    }
    let (a, b) = (by_grantee(from), by_grantee(to));
    // (grantee, order, flag) → privileges; order: revokes first, then grants.
    let mut groups: BTreeMap<(&str, u8), Vec<String>> = BTreeMap::new();
    for (&(grantee, privilege), &was) in &a {
        match b.get(&(grantee, privilege)) {
            None => groups.entry((grantee, 0)).or_default().push(privilege.to_owned()),
            Some(false) if was => groups.entry((grantee, 1)).or_default().push(privilege.to_owned()),
            _ => {}
        }
    }
    for (&(grantee, privilege), &now) in &b {
        match a.get(&(grantee, privilege)) {
            None if !now => groups.entry((grantee, 2)).or_default().push(privilege.to_owned()),
            None => groups.entry((grantee, 3)).or_default().push(privilege.to_owned()),
            Some(false) if now => groups.entry((grantee, 3)).or_default().push(privilege.to_owned()),
            _ => {}
        }
    }
    groups
        .into_iter()
        .map(|((grantee, order), privileges)| {
            let grantee = grantee.to_owned();
            let kind = match order {
                0 | 1 => ChangeKind::Revoke { grantee, privileges, grant_option_only: order == 1 },
                _ => ChangeKind::Grant { grantee, privileges, with_grant_option: order == 3 },
            };
            Change { object: object.clone(), kind, hazards: Vec::new() }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use pgshift_catalog::{Catalog, Privilege, Schema};

    use crate::{diff, ChangeKind, DiffOptions};

    fn with_grant(grantee: &str) -> Catalog {
        let mut c = Catalog::default();
        let privileges = [Privilege { grantee: grantee.into(), privilege: "USAGE".into(), grantable: false }].into();
        c.schemas.insert("app".into(), Schema { name: "app".into(), comment: None, privileges });
        c
    }

    #[test]
    fn privileges_are_compared_only_when_asked() {
        let (a, b) = (with_grant("reader"), with_grant("writer"));
        assert!(diff(&a, &b, &DiffOptions::default()).is_empty());
        let changes = diff(&a, &b, &DiffOptions { with_privileges: true, ..DiffOptions::default() }).changes;
        let kinds: Vec<&ChangeKind> = changes.iter().map(|c| &c.kind).collect();
        assert_eq!(kinds, [
            &ChangeKind::Revoke { grantee: "reader".into(), privileges: vec!["USAGE".into()], grant_option_only: false },
            &ChangeKind::Grant { grantee: "writer".into(), privileges: vec!["USAGE".into()], with_grant_option: false },
        ]);
    }
}
