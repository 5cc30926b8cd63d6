//! `concurrently-in-transaction`: a statement PostgreSQL refuses inside a transaction block
//! (`CREATE/DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`, `REINDEX SCHEMA/SYSTEM/DATABASE`,
//! `DETACH PARTITION … CONCURRENTLY`, `VACUUM`, `CLUSTER` of every table, `ALTER SYSTEM`,
//! `CREATE/DROP DATABASE`, `CREATE/DROP TABLESPACE`) in a transactional section.

use pg_query::protobuf::{AlterTableType, ReindexObjectType};
use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "concurrently-in-transaction", NonTransactional, Error,
    "cannot run inside a transaction block",
    why: "PostgreSQL refuses it with `cannot run inside a transaction block`, so the migration fails when it reaches this statement",
    instead: "move it under a `-- up: no transaction` section (each statement there runs on its own, so make it safe to retry, e.g. `IF NOT EXISTS`)",
);

/// See the module doc.
pub struct ConcurrentlyInTransaction;

impl Rule for ConcurrentlyInTransaction {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        if !cx.transactional() {
            return Vec::new();
        }
        let what = match cx.node {
            NodeEnum::IndexStmt(s) if s.concurrent => "CREATE INDEX CONCURRENTLY",
            NodeEnum::DropStmt(s) if s.concurrent => "DROP INDEX CONCURRENTLY",
            NodeEnum::ReindexStmt(s) if ast::option_on(&s.params, "concurrently") => "REINDEX CONCURRENTLY",
            NodeEnum::ReindexStmt(s) => match ReindexObjectType::try_from(s.kind) {
                Ok(ReindexObjectType::ReindexObjectSchema) => "REINDEX SCHEMA",
                Ok(ReindexObjectType::ReindexObjectSystem) => "REINDEX SYSTEM",
                Ok(ReindexObjectType::ReindexObjectDatabase) => "REINDEX DATABASE",
                _ => return Vec::new(),
            },
            NodeEnum::VacuumStmt(s) if s.is_vacuumcmd => "VACUUM",
            NodeEnum::ClusterStmt(s) if s.relation.is_none() => "CLUSTER without a table",
            NodeEnum::AlterSystemStmt(_) => "ALTER SYSTEM",
            NodeEnum::CreatedbStmt(_) => "CREATE DATABASE",
            NodeEnum::DropdbStmt(_) => "DROP DATABASE",
            NodeEnum::CreateTableSpaceStmt(_) => "CREATE TABLESPACE",
            NodeEnum::DropTableSpaceStmt(_) => "DROP TABLESPACE",
            NodeEnum::AlterTableStmt(_) if detaches_concurrently(cx.node) => "DETACH PARTITION … CONCURRENTLY",
            _ => return Vec::new(),
        };
        vec![Hit::new(format!("{what} cannot run inside a transaction block, and this section runs in one"))]
    }
}

fn detaches_concurrently(node: &NodeEnum) -> bool {
    let Some((_, cmds)) = ast::alter_table(node) else { return false };
    cmds.iter().any(|(kind, cmd)| {
        *kind == AlterTableType::AtDetachPartition
            && matches!(cmd.def.as_ref().and_then(|d| d.node.as_ref()), Some(NodeEnum::PartitionCmd(p)) if p.concurrent)
    })
}
