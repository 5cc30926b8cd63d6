//! Reading PostgreSQL's parse tree (`pg_query`'s protobuf nodes) the way rules need it.

use pg_query::protobuf::{self, AlterTableType, ConstrType};
use pg_query::NodeEnum;
use pgshift_history::guard::Name;

/// The string values of a list of `String` nodes (a qualified name's parts).
pub fn strings(nodes: &[protobuf::Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

/// A relation's name as written.
pub fn range(r: &protobuf::RangeVar) -> Name {
    Name { schema: (!r.schemaname.is_empty()).then(|| r.schemaname.clone()), name: r.relname.clone() }
}

/// `[schema, name]` or `[name]` as a name (a longer list keeps its last two parts).
pub fn parts(parts: &[String]) -> Option<Name> {
    match parts {
        [] => None,
        [name] => Some(Name { schema: None, name: name.clone() }),
        [.., schema, name] => Some(Name { schema: Some(schema.clone()), name: name.clone() }),
    }
}

/// Whether two names as written may mean the same object (an unqualified name matches any
/// schema: the linter does not know the `search_path`).
pub fn same(a: &Name, b: &Name) -> bool {
    a.name == b.name && (a.schema.is_none() || b.schema.is_none() || a.schema == b.schema)
}

/// The commands of an `ALTER TABLE` (with their kind), when `node` is one on a table.
pub fn alter_table(node: &NodeEnum) -> Option<(Name, Vec<(AlterTableType, &protobuf::AlterTableCmd)>)> {
    let NodeEnum::AlterTableStmt(s) = node else { return None };
    if s.objtype != protobuf::ObjectType::ObjectTable as i32 {
        return None;
    }
    let table = range(s.relation.as_ref()?);
    let cmds = s
        .cmds
        .iter()
        .filter_map(|c| match &c.node {
            Some(NodeEnum::AlterTableCmd(cmd)) => Some((AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined), cmd.as_ref())),
            _ => None,
        })
        .collect();
    Some((table, cmds))
}

/// The constraint an `ALTER TABLE` command adds, if it adds one.
pub fn added_constraint(cmd: &protobuf::AlterTableCmd) -> Option<&protobuf::Constraint> {
    match cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::Constraint(c)) => Some(c),
        _ => None,
    }
}

/// A constraint's kind.
pub fn contype(c: &protobuf::Constraint) -> ConstrType {
    ConstrType::try_from(c.contype).unwrap_or(ConstrType::Undefined)
}

/// The column an `ADD COLUMN` adds.
pub fn added_column(cmd: &protobuf::AlterTableCmd) -> Option<&protobuf::ColumnDef> {
    match cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::ColumnDef(c)) => Some(c),
        _ => None,
    }
}

/// The constraints declared on a column.
pub fn column_constraints(col: &protobuf::ColumnDef) -> impl Iterator<Item = &protobuf::Constraint> {
    col.constraints.iter().filter_map(|c| match &c.node {
        Some(NodeEnum::Constraint(k)) => Some(k.as_ref()),
        _ => None,
    })
}

/// A type's name, lowercased, without `pg_catalog.` (e.g. `varchar`, `timestamp`, `int4`),
/// and its modifiers as written (e.g. `[255]`).
pub fn type_name(t: &protobuf::TypeName) -> (String, Vec<i64>) {
    let names = strings(&t.names);
    let name = names.last().cloned().unwrap_or_default().to_lowercase();
    let mods = t
        .typmods
        .iter()
        .filter_map(|m| match &m.node {
            Some(NodeEnum::AConst(c)) => match &c.val {
                Some(protobuf::a_const::Val::Ival(i)) => Some(i64::from(i.ival)),
                _ => None,
            },
            _ => None,
        })
        .collect();
    (name, mods)
}

/// The columns of a `CREATE TABLE` (`table_elts`) and its table-level constraints.
pub fn table_elements(elts: &[protobuf::Node]) -> (Vec<&protobuf::ColumnDef>, Vec<&protobuf::Constraint>) {
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    for e in elts {
        match &e.node {
            Some(NodeEnum::ColumnDef(c)) => columns.push(c.as_ref()),
            Some(NodeEnum::Constraint(c)) => constraints.push(c.as_ref()),
            _ => {}
        }
    }
    (columns, constraints)
}

/// Whether an expression is a call of a function PostgreSQL must evaluate per row (a volatile
/// default rewrites the table): `now()`-like stable functions and constants are not.
pub fn volatile_default(expr: &protobuf::Node) -> bool {
    let Some(NodeEnum::FuncCall(f)) = &expr.node else { return false };
    let name = strings(&f.funcname).last().cloned().unwrap_or_default().to_lowercase();
    matches!(name.as_str(), "random" | "gen_random_uuid" | "uuid_generate_v4" | "uuid_generate_v1" | "clock_timestamp" | "timeofday" | "nextval" | "uuidv4" | "uuidv7")
}
