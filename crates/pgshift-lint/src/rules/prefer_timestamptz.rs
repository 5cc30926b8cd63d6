//! `prefer-timestamptz`: a column declared or re-typed `timestamp` (without time zone).

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "prefer-timestamptz", Hygiene, Warning,
    "uses timestamp without time zone",
    why: "a timestamp without time zone is a wall-clock reading with no zone: its meaning depends on the writer's TimeZone, and arithmetic across daylight-saving changes or between zones goes wrong",
    instead: "`timestamptz` (timestamp with time zone): it stores an instant, and shows it in each session's time zone",
);

/// See the module doc.
pub struct PreferTimestamptz;

impl Rule for PreferTimestamptz {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        ast::typed_columns(cx.node)
            .into_iter()
            .filter_map(|(table, column, def, _)| {
                let t = def.type_name.as_ref()?;
                (ast::type_name(t).0 == "timestamp")
                    .then(|| Hit::new(format!("{} is {} without time zone", ast::column(&table, &column), ast::shown_type(t))).at(t.location))
            })
            .collect()
    }
}
