//! `validate-in-same-transaction`: `VALIDATE CONSTRAINT` in the transaction that added the
//! constraint `NOT VALID`.

use pg_query::protobuf::AlterTableType;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "validate-in-same-transaction", Locking, Warning,
    "validates a constraint in the transaction that added it NOT VALID",
    why: "the validating scan runs while the lock the ADD took (ACCESS EXCLUSIVE for a CHECK) is still held until COMMIT, which is exactly what NOT VALID was meant to avoid",
    instead: "put the VALIDATE CONSTRAINT in a later section: a `-- up: no transaction` section after this one, or the next migration",
);

/// See the module doc.
pub struct ValidateInSameTransaction;

impl Rule for ValidateInSameTransaction {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        if !cx.transactional() {
            return Vec::new();
        }
        let Some((table, cmds)) = ast::alter_table(cx.node) else { return Vec::new() };
        cmds.into_iter()
            .filter(|(kind, _)| *kind == AlterTableType::AtValidateConstraint)
            .filter(|(_, cmd)| cx.state.not_valid.iter().any(|(t, name)| ast::same(t, &table) && *name == cmd.name))
            .map(|(_, cmd)| {
                Hit::new(format!(
                    "validates {} on {table} in the transaction that added it NOT VALID: the scan runs under the ADD's lock",
                    pgshift_catalog::quote::ident(&cmd.name)
                ))
            })
            .collect()
    }
}
