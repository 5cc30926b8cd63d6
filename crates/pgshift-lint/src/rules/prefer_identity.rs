//! `prefer-identity`: a `serial`, `bigserial` or `smallserial` column (CREATE TABLE or ADD
//! COLUMN).

use super::meta;
use crate::ast::{self, Typed};
use crate::{Cx, Hit, Meta, Rule};

meta!(
    "prefer-identity", Hygiene, Warning,
    "declares a serial column",
    why: "serial is a sequence default bolted on: its sequence needs its own grants, inserts with explicit ids leave it behind (duplicate key errors later), and it is not SQL-standard",
    instead: "an identity column of the same integer type: `bigint GENERATED ALWAYS AS IDENTITY` (or `BY DEFAULT` when rows are copied in with their ids)",
);

/// See the module doc.
pub struct PreferIdentity;

impl Rule for PreferIdentity {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        ast::typed_columns(cx.node)
            .into_iter()
            .filter(|(_, _, _, how)| *how != Typed::Retype)
            .filter_map(|(table, column, def, _)| {
                let t = def.type_name.as_ref()?;
                let name = ast::type_name(t).0;
                ast::serial(&name).then(|| Hit::new(format!("declares {} as {name}", ast::column(&table, &column))).at(t.location))
            })
            .collect()
    }
}
