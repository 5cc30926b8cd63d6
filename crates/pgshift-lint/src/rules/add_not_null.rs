//! `add-not-null`: a column of an existing table becomes `NOT NULL`: `ALTER COLUMN … SET NOT
//! NULL` (a scan under ACCESS EXCLUSIVE that fails on a NULL), or `ADD COLUMN … NOT NULL`
//! without a default (fails as soon as the table has a row: an error).

use pg_query::protobuf::{self, AlterTableType, ConstrType, NullTestType};
use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule, Severity};

meta!(
    "add-not-null", DataDependent, Warning,
    "makes a column of an existing table NOT NULL",
    why: "SET NOT NULL scans every row under an ACCESS EXCLUSIVE lock and fails on the first NULL; a new NOT NULL column without a default fails as soon as the table has a row",
    instead: "backfill first and check with `pgshift preflight`; on a large table add `CHECK (col IS NOT NULL) NOT VALID`, VALIDATE it in a later section, then SET NOT NULL (no scan then) and drop the CHECK",
);

/// See the module doc.
pub struct AddNotNull;

impl Rule for AddNotNull {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let Some((table, cmds)) = ast::alter_table(cx.node) else { return Vec::new() };
        if !cx.existing(&table) {
            return Vec::new();
        }
        let mut hits = Vec::new();
        for (kind, cmd) in &cmds {
            match kind {
                AlterTableType::AtSetNotNull if !proven_not_null(cx, &table, &cmd.name) => hits.push(Hit::new(format!(
                    "sets {} NOT NULL: scans every row under ACCESS EXCLUSIVE and fails on the first NULL",
                    ast::column(&table, &cmd.name)
                ))),
                AlterTableType::AtAddColumn => {
                    let Some(col) = ast::column_def(cmd) else { continue };
                    let kinds: Vec<ConstrType> = ast::column_constraints(col).map(ast::contype).collect();
                    let filled = kinds.iter().any(|k| matches!(k, ConstrType::ConstrDefault | ConstrType::ConstrIdentity | ConstrType::ConstrGenerated))
                        || col.type_name.as_ref().is_some_and(|t| ast::serial(&ast::type_name(t).0));
                    if kinds.contains(&ConstrType::ConstrNotnull) && !filled {
                        hits.push(
                            Hit::new(format!(
                                "adds column {} NOT NULL without a default: fails if {} has any row",
                                ast::column(&table, &col.colname),
                                table
                            ))
                            .at(col.location)
                            .severity(Severity::Error),
                        );
                    }
                }
                _ => {}
            }
        }
        hits
    }
}

/// Whether an earlier statement of the file left a valid `CHECK (column IS NOT NULL)` on
/// `table` (added valid, or added `NOT VALID` and validated since): PostgreSQL then skips
/// SET NOT NULL's scan.
fn proven_not_null(cx: &Cx<'_>, table: &pgshift_history::guard::Name, column: &str) -> bool {
    let mut pending: Vec<String> = Vec::new();
    for node in cx.before() {
        let Some((t, cmds)) = ast::alter_table(node) else { continue };
        if !ast::same(&t, table) {
            continue;
        }
        for (kind, cmd) in cmds {
            match kind {
                AlterTableType::AtAddConstraint => {
                    let Some(c) = ast::added_constraint(cmd) else { continue };
                    if ast::contype(c) == ConstrType::ConstrCheck && is_not_null_test(c.raw_expr.as_deref(), column) {
                        if !c.skip_validation {
                            return true;
                        }
                        pending.push(c.conname.clone());
                    }
                }
                AlterTableType::AtValidateConstraint if pending.contains(&cmd.name) => return true,
                _ => {}
            }
        }
    }
    false
}

/// Whether `expr` is `column IS NOT NULL`.
fn is_not_null_test(expr: Option<&protobuf::Node>, column: &str) -> bool {
    let Some(NodeEnum::NullTest(t)) = expr.and_then(|e| e.node.as_ref()) else { return false };
    let Some(NodeEnum::ColumnRef(r)) = t.arg.as_ref().and_then(|a| a.node.as_ref()) else { return false };
    t.nulltesttype == NullTestType::IsNotNull as i32 && ast::strings(&r.fields) == [column]
}
