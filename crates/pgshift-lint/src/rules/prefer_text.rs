//! `prefer-text`: a `varchar(n)` or `char(n)` column (CREATE TABLE or ADD COLUMN; re-typing
//! to one is `narrowing-type`'s).

use super::meta;
use crate::ast::{self, Typed};
use crate::{Cx, Hit, Meta, Rule};

meta!(
    "prefer-text", Hygiene, Warning,
    "declares a varchar(n) or char(n) column",
    why: "the length limit lives in the type: changing it is an ALTER COLUMN TYPE under ACCESS EXCLUSIVE (a rewrite when it shrinks), and char(n) pads values with blanks; text is stored the same way",
    instead: "`text` with `CHECK (length(col) <= n)`: a new limit is a new CHECK added NOT VALID and validated, without a rewrite",
);

/// See the module doc.
pub struct PreferText;

impl Rule for PreferText {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        ast::typed_columns(cx.node)
            .into_iter()
            .filter(|(_, _, _, how)| *how != Typed::Retype)
            .filter_map(|(table, column, def, _)| {
                let t = def.type_name.as_ref()?;
                let (name, mods) = ast::type_name(t);
                (matches!(name.as_str(), "varchar" | "bpchar") && !mods.is_empty())
                    .then(|| Hit::new(format!("declares {} as {}", ast::column(&table, &column), ast::shown_type(t))).at(t.location))
            })
            .collect()
    }
}
