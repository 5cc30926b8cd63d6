//! Reading PostgreSQL's parse tree (`pg_query`'s protobuf nodes) the way rules need it.

use pg_query::protobuf::{self, AlterTableType, ConstrType};
use pg_query::NodeEnum;
use pgshift_history::guard::Name;

/// A statement's parse trees (PostgreSQL's parser), or the parser's error.
pub fn parse(sql: &str) -> Result<Vec<NodeEnum>, pg_query::Error> {
    pg_query::parse(sql, pg_query::ParserOptions::default())
        .map(|p| p.protobuf.stmts.into_iter().filter_map(|s| s.stmt.and_then(|n| n.node)).collect())
}

/// Every statement of `sections`, parsed once: per section, per statement, its trees or error.
pub fn parse_sections(sections: &[&pgshift_history::Section]) -> Vec<Vec<Result<Vec<NodeEnum>, pg_query::Error>>> {
    sections.iter().map(|section| section.statements.iter().map(|st| parse(&st.sql)).collect()).collect()
}

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

/// The column definition an `ALTER TABLE` command carries: the column `ADD COLUMN` adds, or the
/// new type (and `USING`, as `raw_default`) of `ALTER COLUMN … TYPE`.
pub fn column_def(cmd: &protobuf::AlterTableCmd) -> Option<&protobuf::ColumnDef> {
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

/// The constraints an `ALTER TABLE` adds: those of `ADD CONSTRAINT` (without a column) and
/// those declared on each `ADD COLUMN` (with the column).
pub fn added_constraints<'a>(cmds: &[(AlterTableType, &'a protobuf::AlterTableCmd)]) -> Vec<(&'a protobuf::Constraint, Option<&'a protobuf::ColumnDef>)> {
    let mut out = Vec::new();
    for (kind, cmd) in cmds {
        match kind {
            AlterTableType::AtAddConstraint => out.extend(added_constraint(cmd).map(|c| (c, None))),
            AlterTableType::AtAddColumn => {
                if let Some(col) = column_def(cmd) {
                    out.extend(column_constraints(col).map(|c| (c, Some(col))));
                }
            }
            _ => {}
        }
    }
    out
}

/// The columns a constraint is on: its key columns (`PRIMARY KEY`, `UNIQUE`), its referencing
/// columns (`FOREIGN KEY`), or, declared on a column, that column.
pub fn constraint_columns(c: &protobuf::Constraint, column: Option<&protobuf::ColumnDef>) -> Vec<String> {
    let listed = strings(if contype(c) == ConstrType::ConstrForeign { &c.fk_attrs } else { &c.keys });
    match column {
        Some(col) if listed.is_empty() => vec![col.colname.clone()],
        _ => listed,
    }
}

/// `name` or `(a, b)` of a column list, quoted, for findings.
pub fn column_list(columns: &[String]) -> String {
    format!("({})", columns.iter().map(|c| pgshift_catalog::quote::ident(c)).collect::<Vec<_>>().join(", "))
}

/// ` name` of a constraint for findings (empty when it has none: PostgreSQL names it).
pub fn named(c: &protobuf::Constraint) -> String {
    if c.conname.is_empty() {
        String::new()
    } else {
        format!(" {}", pgshift_catalog::quote::ident(&c.conname))
    }
}

/// The plain columns an index starts with, up to its first expression.
pub fn index_columns(s: &protobuf::IndexStmt) -> Vec<String> {
    s.index_params
        .iter()
        .map_while(|p| match &p.node {
            Some(NodeEnum::IndexElem(e)) if !e.name.is_empty() => Some(e.name.clone()),
            _ => None,
        })
        .collect()
}

/// Whether a `DefElem` option list (`VACUUM (FULL)`, `REINDEX (CONCURRENTLY)`) turns `name`
/// on: named without a value, or with one other than false/off/no/0.
pub fn option_on(options: &[protobuf::Node], name: &str) -> bool {
    options.iter().any(|o| match &o.node {
        Some(NodeEnum::DefElem(d)) if d.defname.eq_ignore_ascii_case(name) => match d.arg.as_ref().and_then(|a| a.node.as_ref()) {
            None => true,
            Some(NodeEnum::String(s)) => !matches!(s.sval.to_lowercase().as_str(), "false" | "off" | "no" | "0"),
            Some(NodeEnum::Integer(i)) => i.ival != 0,
            Some(NodeEnum::Boolean(b)) => b.boolval,
            Some(_) => true,
        },
        _ => false,
    })
}

/// Whether a type name (as [`type_name`] gives it) is `serial`, `bigserial` or `smallserial`.
pub fn serial(name: &str) -> bool {
    matches!(name, "serial" | "bigserial" | "smallserial" | "serial2" | "serial4" | "serial8")
}

/// A type as SQL spells it, for findings: `varchar(255)`, `timestamp`, `bigint` (the parser's
/// `int8`), `numeric(12, 2)`.
pub fn shown_type(t: &protobuf::TypeName) -> String {
    let (name, mods) = type_name(t);
    let name = match name.as_str() {
        "int2" => "smallint".to_owned(),
        "int4" => "integer".to_owned(),
        "int8" => "bigint".to_owned(),
        "float4" => "real".to_owned(),
        "float8" => "double precision".to_owned(),
        "bool" => "boolean".to_owned(),
        "bpchar" => "char".to_owned(),
        _ => name,
    };
    if mods.is_empty() {
        name
    } else {
        format!("{name}({})", mods.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
    }
}

/// How a statement gives a column its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Typed {
    /// A column of `CREATE TABLE`.
    Create,
    /// `ALTER TABLE … ADD COLUMN`.
    Add,
    /// `ALTER TABLE … ALTER COLUMN … TYPE`.
    Retype,
}

/// The columns a statement declares or re-types: (table, column name, its definition, how).
pub fn typed_columns(node: &NodeEnum) -> Vec<(Name, String, &protobuf::ColumnDef, Typed)> {
    let mut out = Vec::new();
    if let NodeEnum::CreateStmt(s) = node {
        if let Some(table) = s.relation.as_ref().map(range) {
            for col in table_elements(&s.table_elts).0 {
                out.push((table.clone(), col.colname.clone(), col, Typed::Create));
            }
        }
    }
    if let Some((table, cmds)) = alter_table(node) {
        for (kind, cmd) in cmds {
            match (kind, cmd.def.as_ref().and_then(|d| d.node.as_ref())) {
                (AlterTableType::AtAddColumn, Some(NodeEnum::ColumnDef(col))) => out.push((table.clone(), col.colname.clone(), col.as_ref(), Typed::Add)),
                (AlterTableType::AtAlterColumnType, Some(NodeEnum::ColumnDef(col))) => out.push((table.clone(), cmd.name.clone(), col.as_ref(), Typed::Retype)),
                _ => {}
            }
        }
    }
    out
}

/// `table.column` for findings.
pub fn column(table: &Name, column: &str) -> String {
    format!("{table}.{}", pgshift_catalog::quote::ident(column))
}
