//! `missing-fk-index`: a foreign key (CREATE TABLE … REFERENCES, ADD CONSTRAINT … FOREIGN KEY,
//! ADD COLUMN … REFERENCES) whose columns no index of the same file starts with: a primary
//! key, a UNIQUE constraint or a CREATE INDEX, anywhere in the file's up sections, counts. An
//! index made by an earlier migration is not seen: acknowledge the finding then.

use pg_query::protobuf::{self, ConstrType};
use pg_query::NodeEnum;
use pgshift_history::guard::Name;

use super::meta;
use crate::{ast, Cx, Hit, Meta, Rule};

meta!(
    "missing-fk-index", Hygiene, Warning,
    "adds a foreign key without an index on its columns",
    why: "PostgreSQL does not index the referencing side: every DELETE or key UPDATE on the referenced table scans the referencing table (under a lock), and joins along the key scan it too",
    instead: "index the referencing columns in the same migration (`CREATE INDEX CONCURRENTLY … ON table (cols)` for an existing table), or acknowledge with `-- pgshift: allow missing-fk-index <reason>` when an earlier migration made one",
);

/// See the module doc.
pub struct MissingFkIndex;

impl Rule for MissingFkIndex {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn check(&self, cx: &Cx<'_>) -> Vec<Hit> {
        foreign_keys(cx.node)
            .into_iter()
            .filter(|(table, columns, _)| !columns.is_empty() && !cx.nodes.iter().any(|n| indexes(n, table).iter().any(|lead| covers(lead, columns))))
            .map(|(table, columns, c)| {
                let referenced = c.pktable.as_ref().map(|r| ast::range(r).to_string()).unwrap_or_default();
                Hit::new(format!(
                    "foreign key{} on {table} {} to {referenced} has no index starting with its columns in this file",
                    ast::named(c),
                    ast::column_list(&columns)
                ))
                .at(c.location)
            })
            .collect()
    }
}

/// The foreign keys `node` declares: (table, referencing columns, constraint).
fn foreign_keys(node: &NodeEnum) -> Vec<(Name, Vec<String>, &protobuf::Constraint)> {
    let mut out = Vec::new();
    if let NodeEnum::CreateStmt(s) = node {
        let Some(table) = s.relation.as_ref().map(ast::range) else { return out };
        let (columns, constraints) = ast::table_elements(&s.table_elts);
        for col in columns {
            for c in ast::column_constraints(col).filter(|c| ast::contype(c) == ConstrType::ConstrForeign) {
                out.push((table.clone(), ast::constraint_columns(c, Some(col)), c));
            }
        }
        for c in constraints.into_iter().filter(|c| ast::contype(c) == ConstrType::ConstrForeign) {
            out.push((table.clone(), ast::constraint_columns(c, None), c));
        }
    }
    if let Some((table, cmds)) = ast::alter_table(node) {
        for (c, col) in ast::added_constraints(&cmds) {
            if ast::contype(c) == ConstrType::ConstrForeign {
                out.push((table.clone(), ast::constraint_columns(c, col), c));
            }
        }
    }
    out
}

/// The leading columns of each index `node` gives `table`: its primary key and UNIQUE
/// constraints (declared on a column or the table, or added), and CREATE INDEX.
fn indexes(node: &NodeEnum, table: &Name) -> Vec<Vec<String>> {
    let keyed = |c: &protobuf::Constraint| matches!(ast::contype(c), ConstrType::ConstrPrimary | ConstrType::ConstrUnique);
    let mut out = Vec::new();
    match node {
        NodeEnum::CreateStmt(s) if s.relation.as_ref().is_some_and(|r| ast::same(&ast::range(r), table)) => {
            let (columns, constraints) = ast::table_elements(&s.table_elts);
            for col in columns {
                out.extend(ast::column_constraints(col).filter(|c| keyed(c)).map(|c| ast::constraint_columns(c, Some(col))));
            }
            out.extend(constraints.into_iter().filter(|c| keyed(c)).map(|c| ast::constraint_columns(c, None)));
        }
        NodeEnum::IndexStmt(s) if s.relation.as_ref().is_some_and(|r| ast::same(&ast::range(r), table)) => out.push(ast::index_columns(s)),
        _ => {
            if let Some((t, cmds)) = ast::alter_table(node) {
                if ast::same(&t, table) {
                    // `… USING INDEX` lists no columns: the CREATE INDEX it names counts instead.
                    out.extend(ast::added_constraints(&cmds).into_iter().filter(|(c, _)| keyed(c)).map(|(c, col)| ast::constraint_columns(c, col)));
                }
            }
        }
    }
    out
}

/// Whether an index on `lead` serves lookups by `columns`: its first columns are exactly them,
/// in any order.
fn covers(lead: &[String], columns: &[String]) -> bool {
    if lead.len() < columns.len() {
        return false;
    }
    let mut first: Vec<&String> = lead[..columns.len()].iter().collect();
    let mut wanted: Vec<&String> = columns.iter().collect();
    first.sort();
    wanted.sort();
    first == wanted
}
