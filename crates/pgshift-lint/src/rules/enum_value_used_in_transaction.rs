//! `enum-value-used-in-transaction`: `ALTER TYPE … ADD VALUE` of an existing enum in a
//! transactional section: PostgreSQL 12+ runs it, but the new label cannot be used until the
//! transaction commits.

use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "enum-value-used-in-transaction", NonTransactional, Warning,
    "adds an enum label inside a transaction",
    why: "the new label cannot be used until the transaction commits: a later statement of the same transaction that writes or compares it fails with `unsafe use of new value`",
    instead: "add the label in a `-- up: no transaction` section before the statements that use it (what `pgshift new` writes)",
);

/// See the module doc.
pub struct EnumValueUsedInTransaction;

impl Rule for EnumValueUsedInTransaction {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let NodeEnum::AlterEnumStmt(s) = cx.node else { return Vec::new() };
        // RENAME VALUE has an old value; ADD VALUE has none.
        if !cx.transactional() || s.new_val.is_empty() || !s.old_val.is_empty() {
            return Vec::new();
        }
        // The labels of an enum created in the same transaction are usable at once.
        let Some(name) = ast::parts(&ast::strings(&s.type_name)) else { return Vec::new() };
        if !cx.existing(&name) {
            return Vec::new();
        }
        vec![Hit::new(format!(
            "adds label {} to enum {name} inside a transaction: statements of the same transaction cannot use it until it commits",
            pgshift_catalog::quote::literal(&s.new_val)
        ))]
    }
}
