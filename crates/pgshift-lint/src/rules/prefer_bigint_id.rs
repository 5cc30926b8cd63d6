//! `prefer-bigint-id`: `CREATE TABLE` with an `integer` or `smallint` primary key column whose
//! values a sequence hands out (serial, smallserial, or an identity column).

use pg_query::protobuf::ConstrType;
use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "prefer-bigint-id", Hygiene, Warning,
    "generates primary keys in a 32-bit (or smaller) integer",
    why: "the sequence runs out at 2147483647 (32767 for smallint), and widening the key later rewrites the table and every referencing column under ACCESS EXCLUSIVE",
    instead: "`bigint GENERATED ALWAYS AS IDENTITY`: 8 bytes instead of 4 per row, and it does not run out",
);

/// See the module doc.
pub struct PreferBigintId;

impl Rule for PreferBigintId {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let NodeEnum::CreateStmt(s) = cx.node else { return Vec::new() };
        let Some(table) = s.relation.as_ref().map(ast::range) else { return Vec::new() };
        let (columns, constraints) = ast::table_elements(&s.table_elts);
        let table_key: Vec<String> = constraints
            .iter()
            .filter(|c| ast::contype(c) == ConstrType::ConstrPrimary)
            .flat_map(|c| ast::constraint_columns(c, None))
            .collect();
        columns
            .into_iter()
            .filter_map(|col| {
                let t = col.type_name.as_ref()?;
                let name = ast::type_name(t).0;
                let kinds: Vec<ConstrType> = ast::column_constraints(col).map(ast::contype).collect();
                let key = kinds.contains(&ConstrType::ConstrPrimary) || table_key.contains(&col.colname);
                let generated = ast::serial(&name) || kinds.contains(&ConstrType::ConstrIdentity);
                let limit = match name.as_str() {
                    "int4" | "serial" | "serial4" => "2147483647",
                    "int2" | "smallserial" | "serial2" => "32767",
                    _ => return None,
                };
                (key && generated).then(|| {
                    Hit::new(format!("primary key {} is {}: its ids run out at {limit}", ast::column(&table, &col.colname), ast::shown_type(t))).at(t.location)
                })
            })
            .collect()
    }
}
