//! `table-rewrite`: a statement rewrites an existing table under ACCESS EXCLUSIVE: `ALTER
//! COLUMN … TYPE`, `ADD COLUMN` with a volatile default, a stored generated column or an
//! identity/serial column, `SET LOGGED`/`UNLOGGED`, `SET TABLESPACE`, `SET ACCESS METHOD`,
//! `CLUSTER`, `VACUUM FULL`.

use pg_query::protobuf::{AlterTableType, ConstrType};
use pg_query::NodeEnum;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "table-rewrite", Locking, Warning,
    "rewrites an existing table under an ACCESS EXCLUSIVE lock",
    why: "PostgreSQL copies every row (and rebuilds every index) while no one can read or write the table: minutes to hours on a large one, and twice its size on disk meanwhile",
    instead: "the online form: add a new column and backfill it in batches, or pg_repack for CLUSTER/VACUUM FULL/SET TABLESPACE; check the table's size with `pgshift preflight`, else run it in a maintenance window",
);

/// See the module doc.
pub struct TableRewrite;

impl Rule for TableRewrite {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        match cx.node {
            NodeEnum::ClusterStmt(s) => match s.relation.as_ref().map(ast::range) {
                Some(table) if cx.existing(&table) => vec![Hit::new(format!("rewrites {table} in index order under ACCESS EXCLUSIVE (CLUSTER)"))],
                Some(_) => Vec::new(),
                None => vec![Hit::new("rewrites every clustered table of the database under ACCESS EXCLUSIVE (CLUSTER)")],
            },
            NodeEnum::VacuumStmt(s) if s.is_vacuumcmd && ast::option_on(&s.options, "full") => {
                if s.rels.is_empty() {
                    return vec![Hit::new("rewrites every table of the database under ACCESS EXCLUSIVE (VACUUM FULL)")];
                }
                s.rels
                    .iter()
                    .filter_map(|r| match &r.node {
                        Some(NodeEnum::VacuumRelation(v)) => v.relation.as_ref().map(ast::range),
                        _ => None,
                    })
                    .filter(|t| cx.existing(t))
                    .map(|t| Hit::new(format!("rewrites {t} under ACCESS EXCLUSIVE (VACUUM FULL)")))
                    .collect()
            }
            _ => alter_table(cx),
        }
    }
}

fn alter_table(cx: &Cx<'_>) -> Vec<Hit> {
    let Some((table, cmds)) = ast::alter_table(cx.node) else { return Vec::new() };
    if !cx.existing(&table) {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for (kind, cmd) in cmds {
        let clause = match kind {
            AlterTableType::AtSetLogged => "SET LOGGED",
            AlterTableType::AtSetUnLogged => "SET UNLOGGED",
            AlterTableType::AtSetTableSpace => "SET TABLESPACE",
            AlterTableType::AtSetAccessMethod => "SET ACCESS METHOD",
            AlterTableType::AtAlterColumnType => {
                if let Some(def) = ast::column_def(cmd) {
                    let to = def.type_name.as_ref().map(ast::shown_type).unwrap_or_default();
                    hits.push(
                        Hit::new(format!(
                            "re-types {} to {to}: rewrites {table} and rebuilds its indexes under ACCESS EXCLUSIVE, unless the old type converts binary-compatibly (e.g. varchar(n) to text)",
                            ast::column(&table, &cmd.name)
                        ))
                        .at(def.location),
                    );
                }
                continue;
            }
            AlterTableType::AtAddColumn => {
                if let Some(col) = ast::column_def(cmd) {
                    hits.extend(added_column(&table, col));
                }
                continue;
            }
            _ => continue,
        };
        hits.push(Hit::new(format!("rewrites {table} under ACCESS EXCLUSIVE ({clause})")));
    }
    hits
}

/// A new column that makes PostgreSQL write a value into every existing row.
fn added_column(table: &pgshift_history::guard::Name, col: &pg_query::protobuf::ColumnDef) -> Option<Hit> {
    let column = ast::column(table, &col.colname);
    let serial = col.type_name.as_ref().is_some_and(|t| ast::serial(&ast::type_name(t).0));
    for c in ast::column_constraints(col) {
        let why = match ast::contype(c) {
            ConstrType::ConstrDefault => match c.raw_expr.as_deref() {
                Some(expr) if ast::volatile_default(expr) => format!("with the volatile default {}()", function(expr)),
                _ => continue,
            },
            ConstrType::ConstrGenerated if c.generated_kind == "s" => "as a stored generated column".to_owned(),
            ConstrType::ConstrIdentity => "as an identity column".to_owned(),
            _ => continue,
        };
        return Some(Hit::new(format!("adds {column} {why}: writes a value into every row, rewriting {table} under ACCESS EXCLUSIVE")).at(col.location));
    }
    serial.then(|| Hit::new(format!("adds {column} as a serial column: writes a value into every row, rewriting {table} under ACCESS EXCLUSIVE")).at(col.location))
}

fn function(expr: &pg_query::protobuf::Node) -> String {
    match &expr.node {
        Some(NodeEnum::FuncCall(f)) => ast::strings(&f.funcname).last().cloned().unwrap_or_default(),
        _ => String::new(),
    }
}
