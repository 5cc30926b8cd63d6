//! `drop-type`: a type or domain is dropped (with `CASCADE`, the columns of that type too).

use pg_query::protobuf::{DropBehavior, ObjectType};
use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "drop-type", Destructive, Warning,
    "drops a type",
    why: "with CASCADE every column of the type is dropped with its data; without it, the drop fails while a column uses it",
    instead: "drop or re-type the columns that use it in earlier, reviewed steps, and never drop a type with CASCADE",
);

/// See the module doc.
pub struct DropType;

impl Rule for DropType {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let NodeEnum::DropStmt(s) = cx.node else { return Vec::new() };
        let kind = if s.remove_type == ObjectType::ObjectType as i32 {
            "type"
        } else if s.remove_type == ObjectType::ObjectDomain as i32 {
            "domain"
        } else {
            return Vec::new();
        };
        let cascade = s.behavior == DropBehavior::DropCascade as i32;
        s.objects
            .iter()
            .filter_map(|o| match &o.node {
                Some(NodeEnum::TypeName(t)) => ast::parts(&ast::strings(&t.names)),
                Some(NodeEnum::List(l)) => ast::parts(&ast::strings(&l.items)),
                _ => None,
            })
            // The enum swap drops the old type once no column uses it (see `drop-enum-label`).
            .filter(|t| !cx.state.created.iter().any(|c| c.name == format!("{}__pgshift_new", t.name)) || cascade)
            .map(|t| {
                if cascade {
                    Hit::new(format!("drops {kind} {t} with CASCADE: every column of it is dropped with its data"))
                } else {
                    Hit::new(format!("drops {kind} {t}"))
                }
            })
            .collect()
    }
}
