//! `foreign-object`: a statement alters, drops, truncates or writes an object the project does
//! not own (when the caller knows what it owns: [`Cx::owned`]), as the ownership guard reads
//! statements ([`pgshift_history::guard::targets_of`]). Objects created earlier in the same
//! file are the project's. A hit names its object ([`Hit::subject`]), which
//! `-- pgshift: allow foreign "Name" reason` acknowledges.

use pgshift_history::guard::Target;

use super::meta;
use crate::{Cx, Hit, Meta, Rule};

meta!(
    "foreign-object", Foreign, Error,
    "touches an object the project does not own",
    why: "the object belongs to another system sharing the database (or to the cluster): changing it breaks that system, and pgshift refuses to apply a generated migration that does",
    instead: "leave the object to its owner; if the project should own it, create it in a migration or run `pgshift adopt`, or list its schema in `own_schemas`; a hand-written statement that must touch it says so above itself with `-- pgshift: allow foreign \"Name\" <reason>`",
);

/// See the module doc.
pub struct ForeignObject;

impl Rule for ForeignObject {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let Some(owned) = cx.owned else { return Vec::new() };
        let mut targets = pgshift_history::guard::targets_of(cx.node);
        targets.dedup();
        targets
            .into_iter()
            .filter(|t| match t {
                Target::Object(name) => cx.existing(name),
                _ => true,
            })
            .filter(|t| !owned.owns_target(t))
            .map(|t| match t {
                Target::Cluster(what) => Hit::new(format!("touches {what}, which no project owns")),
                Target::Object(name) => Hit {
                    subject: Some(name.clone()),
                    ..Hit::new(format!("touches {name}, which this project does not own"))
                },
                other => Hit::new(format!("touches {other}, which this project does not own")),
            })
            .collect()
    }
}
