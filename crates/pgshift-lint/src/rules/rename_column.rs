//! `rename-column`: a column of an existing table is renamed.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "rename-column", Hygiene, Warning,
    "renames a column of an existing table",
    why: "during a rolling deploy the running code still reads and writes the old name and fails from the moment this commits until every instance is replaced",
    instead: "expand/contract: add the new column, write both and backfill, move the code to the new name, then drop the old column; or acknowledge with `-- pgshift: allow rename-column <reason>` when no old code runs against it",
);

/// See the module doc.
pub struct RenameColumn;

impl Rule for RenameColumn {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        let NodeEnum::RenameStmt(s) = cx.node else { return Vec::new() };
        if s.rename_type != ObjectType::ObjectColumn as i32 || s.relation_type != ObjectType::ObjectTable as i32 {
            return Vec::new();
        }
        let Some(table) = s.relation.as_ref().map(ast::range) else { return Vec::new() };
        if !cx.existing(&table) {
            return Vec::new();
        }
        vec![Hit::new(format!(
            "renames column {} to {}: code still using the old name fails until it is redeployed",
            ast::column(&table, &s.subname),
            pgshift_catalog::quote::ident(&s.newname)
        ))]
    }
}
