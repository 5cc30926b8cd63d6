//! `drop-schema`: a schema is dropped (with `CASCADE`, everything in it).

use pg_query::protobuf::{DropBehavior, ObjectType};
use pg_query::NodeEnum;

use super::meta;
use crate::{Cx, Hit, Meta, Rule};

meta!(
    "drop-schema", Destructive, Error,
    "drops a schema",
    why: "with CASCADE every table, type and function in it goes with all their data, including objects another system may keep there",
    instead: "drop the schema's objects one by one in reviewed steps; never DROP SCHEMA … CASCADE in a migration",
);

/// See the module doc.
pub struct DropSchema;

impl Rule for DropSchema {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let NodeEnum::DropStmt(s) = cx.node else { return Vec::new() };
        if s.remove_type != ObjectType::ObjectSchema as i32 {
            return Vec::new();
        }
        let cascade = s.behavior == DropBehavior::DropCascade as i32;
        s.objects
            .iter()
            .filter_map(|o| match &o.node {
                Some(NodeEnum::String(name)) => Some(name.sval.clone()),
                _ => None,
            })
            .map(|name| {
                let name = pgshift_catalog::quote::ident(&name);
                Hit::new(if cascade { format!("drops schema {name} with CASCADE: everything in it") } else { format!("drops schema {name}") })
            })
            .collect()
    }
}
