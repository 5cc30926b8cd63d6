//! What `pgshift preflight` checks, statement by statement: the read-only queries that tell
//! whether the rows of a live database let each pending statement succeed (data-dependent
//! steps), what a locking step holds and for how big a table, and what a destructive step
//! loses. Derived from PostgreSQL's parse tree of the statement, as the rules read it.
//!
//! Pure: the caller (`pgshift_project::preflight`) asks the database about the tables
//! [`tables`] names (one set-based catalog query, handed back as [`Live`]), then runs the SQL of
//! each [`Proof`] that [`proofs`] returns, read-only. Every name and literal in that SQL goes
//! through `pgshift_catalog::quote`; expressions are PostgreSQL's own deparse of the parse tree.
//!
//! Never a false failure: where the data a statement would meet is not the data of the live
//! database (an earlier statement of the same migration writes the table, a column added
//! earlier), a proof is either rewritten for it (the backfill `UPDATE t SET c = e WHERE c IS
//! NULL` before `SET NOT NULL`) or reported as not checked.

use std::collections::BTreeMap;

use pg_query::protobuf::{self, AlterTableType, ConstrType, ObjectType};
use pg_query::NodeEnum;
use pgshift_catalog::quote::{ident, literal};
use pgshift_history::guard::{Name, Target};
use pgshift_history::{Direction, MigrationFile};
use serde::Serialize;

use crate::{ast, cx, Category, Cx, Settings};

/// A table of the live database, as the catalog query reads it.
#[derive(Clone, Debug, Default)]
pub struct LiveTable {
    /// Its qualified name, quoted (`regclass::text` under the caller's search_path is not used:
    /// the caller gives `schema.name` quoted).
    pub name: String,
    /// `pg_total_relation_size`.
    pub bytes: i64,
    /// `reltuples` (negative: never analyzed).
    pub rows: f64,
    /// The primary key's columns (empty: none, samples are ctids).
    pub key: Vec<String>,
    /// Column name → (`format_type`, `typcategory`).
    pub columns: BTreeMap<String, (String, String)>,
}

/// What the live database holds of the tables [`tables`] names, keyed by the name as written
/// (`Name`'s display).
#[derive(Clone, Debug, Default)]
pub struct Live {
    /// The tables that exist.
    pub tables: BTreeMap<String, LiveTable>,
}

impl Live {
    fn get(&self, name: &Name) -> Option<&LiveTable> {
        self.tables.get(&name.to_string())
    }
}

/// The family of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Fails on rows that violate it.
    Fails,
    /// Holds a lock on a table while it runs.
    Locks,
    /// Loses rows or values.
    Loses,
}

/// What to run for a step.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// `count_sql` returns one bigint: the offending rows (or groups, or pairs); when not 0,
    /// `sample_sql` returns up to 5 texts naming some of them.
    Count {
        /// The count query.
        count_sql: String,
        /// The sample query (one text column).
        sample_sql: Option<String>,
        /// What the samples are, e.g. `id` or `duplicate (email)`.
        sample_label: String,
        /// The count's unit, singular and plural (`row of public.t`/`rows of public.t`).
        unit: (String, String),
        /// The verb, singular and plural (`violates`/`violate`).
        verb: (&'static str, &'static str),
        /// What follows the verb, e.g. `CHECK (…)`.
        object: String,
    },
    /// Run `sql`; a data exception (SQLSTATE class 22) is the failure.
    Cast {
        /// `SELECT count(<cast>) FROM t`.
        sql: String,
    },
    /// The lock a step takes, with the table's size (nothing to run).
    Lock {
        /// `rewrites` or `locks`.
        verb: &'static str,
        /// The table.
        table: String,
        /// Its size.
        bytes: i64,
        /// Its row estimate.
        rows: f64,
        /// The lock mode.
        mode: &'static str,
    },
    /// Not checked, and why.
    NotChecked(String),
}

/// One thing preflight checks about one statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Proof {
    /// The statement's file line.
    pub line: usize,
    /// The statement's first line.
    pub statement: String,
    /// Its family.
    pub family: Family,
    /// What is checked, e.g. `CHECK (length(title) <= 500) on public.document`.
    pub what: String,
    /// How.
    pub check: Check,
}

/// The tables whose size, key and columns [`proofs`] needs: every relation an up statement of
/// `files` names (and the tables foreign keys reference), as written.
pub fn tables(files: &[&MigrationFile]) -> Vec<String> {
    let mut out = std::collections::BTreeSet::new();
    for node in up_nodes(files).into_iter().flat_map(|(_, _, nodes)| nodes) {
        for t in pgshift_history::guard::targets_of(&node) {
            if let Target::Object(name) = t {
                out.insert(name.to_string());
            }
        }
        if let Some((_, cmds)) = ast::alter_table(&node) {
            for (c, _) in ast::added_constraints(&cmds) {
                if let Some(r) = &c.pktable {
                    out.insert(ast::range(r).to_string());
                }
            }
        }
    }
    out.into_iter().collect()
}

/// The up statements of `files`, parsed: (file index, statement, its nodes). Unparseable
/// statements are left out (`lint` reports them).
fn up_nodes<'a>(files: &[&'a MigrationFile]) -> Vec<(usize, &'a pgshift_history::Statement, Vec<NodeEnum>)> {
    let mut out = Vec::new();
    for (i, file) in files.iter().enumerate() {
        for section in file.sections.iter().filter(|s| s.direction == Direction::Up) {
            for st in &section.statements {
                if let Ok(nodes) = ast::parse(&st.sql) {
                    out.push((i, st, nodes));
                }
            }
        }
    }
    out
}

/// What the pending migrations did before the current statement.
#[derive(Default)]
struct Pending {
    /// Created by an earlier pending statement (any file).
    created: Vec<Name>,
    /// Columns added by an earlier pending statement: (table, column, filled by a default).
    added: Vec<(Name, String, bool)>,
    /// Enum types created earlier, with their labels.
    enums: Vec<(Name, Vec<String>)>,
    /// Tables written earlier in the current migration; with the backfill when the write is
    /// `UPDATE t SET c = e WHERE c IS NULL`: (column, e).
    written: Vec<(Name, Option<(String, String)>)>,
}

impl Pending {
    fn created(&self, table: &Name) -> bool {
        self.created.iter().any(|c| ast::same(c, table))
    }

    fn added(&self, table: &Name, column: &str) -> Option<bool> {
        self.added.iter().find(|(t, c, _)| ast::same(t, table) && c == column).map(|(_, _, filled)| *filled)
    }

    /// The earlier writes of `table` in this migration.
    fn writes(&self, table: &Name) -> Vec<&Option<(String, String)>> {
        self.written.iter().filter(|(t, _)| ast::same(t, table)).map(|(_, b)| b).collect()
    }

    fn written(&self, table: &Name) -> bool {
        !self.writes(table).is_empty()
    }
}

/// The proofs of every up statement of `files` (the pending migrations, in the order they
/// would run), against what `live` holds: per file, its statements' proofs in order. The first
/// `done[i]` statements of file `i` ran already (a failed run of its `no transaction`
/// sections stopped after them, and the next run resumes there): the database shows their
/// effects, so they are neither checked nor replayed in the simulation.
pub fn proofs(files: &[&MigrationFile], done: &[usize], live: &Live) -> Vec<Vec<Proof>> {
    let mut out: Vec<Vec<Proof>> = files.iter().map(|_| Vec::new()).collect();
    let mut pending = Pending::default();
    let settings = Settings::default();
    for (i, file) in files.iter().enumerate() {
        pending.written.clear();
        let sections: Vec<_> = file.sections.iter().filter(|s| s.direction == Direction::Up).collect();
        // Unparseable statements have no proofs (`lint` reports them).
        let parsed: Vec<Vec<Vec<NodeEnum>>> = ast::parse_sections(&sections)
            .into_iter()
            .map(|statements| statements.into_iter().map(Result::unwrap_or_default).collect())
            .collect();
        let nodes: Vec<NodeEnum> = parsed.iter().flatten().flatten().cloned().collect();
        let mut state = cx::State::default();
        let mut index = 0;
        let mut number = 0;
        let skip = done.get(i).copied().unwrap_or(0);
        for (section, statements) in sections.iter().copied().zip(&parsed) {
            state.enter(section);
            for (st, stmt_nodes) in section.statements.iter().zip(statements) {
                number += 1;
                if number <= skip {
                    for node in stmt_nodes {
                        state.after(node);
                        index += 1;
                    }
                    continue;
                }
                for node in stmt_nodes {
                    let cx = Cx { node, sql: &st.sql, section, file, settings: &settings, owned: None, state: &state, nodes: &nodes, index };
                    let first = st.sql.lines().next().unwrap_or_default().to_owned();
                    let mut add = |family: Family, what: String, check: Check| {
                        out[i].push(Proof { line: st.line, statement: first.clone(), family, what, check });
                    };
                    statement(node, &pending, live, &mut add);
                    locking(&cx, node, &pending, live, &mut add);
                    record(node, &mut pending);
                    state.after(node);
                    index += 1;
                }
            }
        }
    }
    out
}

/// Record what `node` leaves behind for later statements.
fn record(node: &NodeEnum, pending: &mut Pending) {
    pending.created.extend(pgshift_history::guard::created_of(node));
    if let NodeEnum::CreateEnumStmt(s) = node {
        if let Some(name) = ast::parts(&ast::strings(&s.type_name)) {
            pending.enums.push((name, ast::strings(&s.vals)));
        }
    }
    if let Some((table, cmds)) = ast::alter_table(node) {
        for (kind, cmd) in cmds {
            if kind == AlterTableType::AtAddColumn {
                if let Some(col) = ast::column_def(cmd) {
                    let filled = ast::column_constraints(col)
                        .any(|c| matches!(ast::contype(c), ConstrType::ConstrDefault | ConstrType::ConstrIdentity | ConstrType::ConstrGenerated))
                        || col.type_name.as_ref().is_some_and(|t| ast::serial(&ast::type_name(t).0));
                    pending.added.push((table.clone(), col.colname.clone(), filled));
                }
            }
        }
    }
    match node {
        NodeEnum::UpdateStmt(s) => {
            if let Some(table) = s.relation.as_ref().map(ast::range) {
                pending.written.push((table, backfill(s)));
            }
        }
        NodeEnum::InsertStmt(s) => pending.written.extend(s.relation.as_ref().map(|r| (ast::range(r), None))),
        NodeEnum::DeleteStmt(s) => pending.written.extend(s.relation.as_ref().map(|r| (ast::range(r), None))),
        NodeEnum::TruncateStmt(s) => pending.written.extend(relations(&s.relations).into_iter().map(|t| (t, None))),
        NodeEnum::DoStmt(s) => {
            if let Some((table, fill)) = batched_backfill(s) {
                pending.written.push((table, fill));
            }
        }
        _ => {}
    }
}

/// The backfill of an online plan's batched `DO $pgshift_backfill$` block (pgshift-plan's
/// `online` module writes it): its table and `(column, expression)`. The block's batch update,
/// `UPDATE t SET c = e WHERE c IS NULL AND (key) IN (SELECT key FROM pgshift_batch)`, is read
/// back with the parser.
fn batched_backfill(s: &protobuf::DoStmt) -> Option<(Name, Option<(String, String)>)> {
    let body = s.args.iter().find_map(|a| match a.node.as_ref() {
        Some(NodeEnum::DefElem(d)) if d.defname == "as" => match d.arg.as_ref().and_then(|v| v.node.as_ref()) {
            Some(NodeEnum::String(v)) => Some(v.sval.clone()),
            _ => None,
        },
        _ => None,
    })?;
    let start = body.find("pgshift_fill AS (")? + "pgshift_fill AS (".len();
    let end = start + body[start..].find(" FROM pgshift_batch))")? + " FROM pgshift_batch)".len();
    let parsed = pg_query::parse(&body[start..end], pg_query::ParserOptions::default()).ok()?;
    let Some(NodeEnum::UpdateStmt(update)) = parsed.protobuf.stmts.first().and_then(|s| s.stmt.as_ref()).and_then(|n| n.node.as_ref()) else {
        return None;
    };
    let table = ast::range(update.relation.as_ref()?);
    // Its WHERE is `c IS NULL AND (key) IN (…)`: the backfill is the same as without the batch.
    let mut single = (**update).clone();
    if let Some(NodeEnum::BoolExpr(b)) = single.where_clause.as_ref().and_then(|w| w.node.as_ref()) {
        single.where_clause = b.args.first().cloned().map(Box::new);
    }
    Some((table, backfill(&single)))
}

/// `UPDATE t SET c = e WHERE c IS NULL` (no FROM, no other clause): (c, e).
fn backfill(s: &protobuf::UpdateStmt) -> Option<(String, String)> {
    if !s.from_clause.is_empty() || s.with_clause.is_some() || s.target_list.len() != 1 {
        return None;
    }
    let Some(NodeEnum::ResTarget(t)) = s.target_list[0].node.as_ref() else { return None };
    if !t.indirection.is_empty() {
        return None;
    }
    let Some(NodeEnum::NullTest(n)) = s.where_clause.as_ref().and_then(|w| w.node.as_ref()) else { return None };
    let Some(NodeEnum::ColumnRef(r)) = n.arg.as_ref().and_then(|a| a.node.as_ref()) else { return None };
    if n.nulltesttype != protobuf::NullTestType::IsNull as i32 || ast::strings(&r.fields) != [t.name.clone()] {
        return None;
    }
    Some((t.name.clone(), expr(t.val.as_deref()?)?))
}

/// An expression as SQL: PostgreSQL's deparse of the parse tree.
pub fn expr(node: &protobuf::Node) -> Option<String> {
    let select = NodeEnum::SelectStmt(Box::new(protobuf::SelectStmt {
        target_list: vec![protobuf::Node {
            node: Some(NodeEnum::ResTarget(Box::new(protobuf::ResTarget { val: Some(Box::new(node.clone())), location: -1, ..Default::default() }))),
        }],
        // The parser's defaults (the protobuf's 0 is "undefined", which libpg_query rejects).
        limit_option: protobuf::LimitOption::Default as i32,
        op: protobuf::SetOperation::SetopNone as i32,
        ..Default::default()
    }));
    let sql = select.deparse(pg_query::DeparseOptions::default()).ok()?;
    sql.strip_prefix("SELECT ").map(str::to_owned)
}

fn relations(nodes: &[protobuf::Node]) -> Vec<Name> {
    nodes
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::RangeVar(r)) => Some(ast::range(r)),
            _ => None,
        })
        .collect()
}

type Add<'a> = dyn FnMut(Family, String, Check) + 'a;

/// Where a statement on `table` cannot be checked against the live data, why.
fn unchecked(table: &Name, pending: &Pending, live: &Live) -> Option<Option<String>> {
    if pending.created(table) {
        // A table created earlier in the pending migrations: no rows, nothing to check.
        return Some(None);
    }
    if live.get(table).is_none() {
        return Some(Some(format!("{table} does not exist in the database")));
    }
    if pending.written(table) {
        return Some(Some(format!("an earlier statement of this migration writes {table}")));
    }
    None
}

/// Rows of `t` where `condition` holds: a count and samples of their keys.
fn rows(t: &LiveTable, condition: &str, verb: (&'static str, &'static str), object: String) -> Check {
    let (key, order, label) = key(t, "");
    Check::Count {
        count_sql: format!("SELECT count(*) FROM {} WHERE {condition}", t.name),
        sample_sql: Some(format!("SELECT {key} AS pgshift_key FROM {} WHERE {condition} ORDER BY {order} LIMIT 5", t.name)),
        sample_label: label,
        unit: (format!("row of {}", t.name), format!("rows of {}", t.name)),
        verb,
        object,
    }
}

/// A row's key as text, what to order by, and its label: the primary key's columns, else ctid.
fn key(t: &LiveTable, prefix: &str) -> (String, String, String) {
    match t.key.as_slice() {
        [] => (format!("{prefix}ctid::text"), format!("{prefix}ctid"), "ctid".to_owned()),
        [one] => (format!("{prefix}{}::text", ident(one)), format!("{prefix}{}", ident(one)), ident(one)),
        many => {
            let cols: Vec<String> = many.iter().map(|c| format!("{prefix}{}", ident(c))).collect();
            (format!("ROW({})::text", cols.join(", ")), cols.join(", "), ast::column_list(many))
        }
    }
}

fn statement(node: &NodeEnum, pending: &Pending, live: &Live, add: &mut Add<'_>) {
    match node {
        NodeEnum::IndexStmt(s) if s.unique => {
            let Some(table) = s.relation.as_ref().map(ast::range) else { return };
            let columns = ast::index_columns(s);
            let what = format!("unique index on {table} {}", ast::column_list(&columns));
            match unchecked(&table, pending, live) {
                Some(None) => {}
                Some(Some(why)) => add(Family::Fails, what, Check::NotChecked(why)),
                None if columns.len() != s.index_params.len() => {
                    add(Family::Fails, what, Check::NotChecked("an index on expressions is not checked".to_owned()))
                }
                None => {
                    let t = &live.get(&table).expect("checked");
                    let filter = s.where_clause.as_deref().and_then(expr);
                    add(Family::Fails, what, duplicates(t, &columns, s.nulls_not_distinct, filter.as_deref()));
                }
            }
        }
        NodeEnum::DropStmt(s) if s.remove_type == ObjectType::ObjectTable as i32 => {
            for obj in &s.objects {
                let Some(NodeEnum::List(l)) = &obj.node else { continue };
                let Some(table) = ast::parts(&ast::strings(&l.items)) else { continue };
                if pending.created(&table) {
                    continue;
                }
                if let Some(t) = live.get(&table) {
                    add(Family::Loses, format!("drops table {table}"), loses(t, "true", of(t)));
                }
            }
        }
        NodeEnum::TruncateStmt(s) => {
            for table in relations(&s.relations) {
                if let (false, Some(t)) = (pending.created(&table), live.get(&table)) {
                    add(Family::Loses, format!("truncates {table}"), loses(t, "true", of(t)));
                }
            }
        }
        NodeEnum::DeleteStmt(s) if s.where_clause.is_none() && s.using_clause.is_empty() => {
            let Some(table) = s.relation.as_ref().map(ast::range) else { return };
            match unchecked(&table, pending, live) {
                Some(None) => {}
                Some(Some(why)) => add(Family::Loses, format!("deletes every row of {table}"), Check::NotChecked(why)),
                None => add(Family::Loses, format!("deletes every row of {table}"), loses(live.get(&table).expect("checked"), "true", of(live.get(&table).expect("checked")))),
            }
        }
        _ => alter(node, pending, live, add),
    }
}

fn loses(t: &LiveTable, condition: &str, unit: (String, String)) -> Check {
    Check::Count {
        count_sql: format!("SELECT count(*) FROM {} WHERE {condition}", t.name),
        sample_sql: None,
        sample_label: String::new(),
        unit,
        verb: ("is lost", "are lost"),
        object: String::new(),
    }
}

fn of(t: &LiveTable) -> (String, String) {
    (format!("row of {}", t.name), format!("rows of {}", t.name))
}

/// Groups of rows with the same values in `columns`.
fn duplicates(t: &LiveTable, columns: &[String], nulls_not_distinct: bool, filter: Option<&str>) -> Check {
    let cols: Vec<String> = columns.iter().map(|c| ident(c)).collect();
    let mut conditions: Vec<String> = filter.map(|f| format!("({f})")).into_iter().collect();
    if !nulls_not_distinct {
        conditions.extend(cols.iter().map(|c| format!("{c} IS NOT NULL")));
    }
    let filter = if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };
    let group = cols.join(", ");
    let value = if cols.len() == 1 { format!("coalesce(quote_literal({group}), 'NULL')") } else { format!("ROW({group})::text") };
    Check::Count {
        count_sql: format!("SELECT count(*) FROM (SELECT 1 FROM {}{filter} GROUP BY {group} HAVING count(*) > 1) d", t.name),
        sample_sql: Some(format!("SELECT {value} FROM {}{filter} GROUP BY {group} HAVING count(*) > 1 ORDER BY {group} LIMIT 5", t.name)),
        sample_label: String::new(),
        unit: ("value".to_owned(), "values".to_owned()),
        verb: ("is duplicated in", "are duplicated in"),
        object: format!("{} {}", t.name, ast::column_list(columns)),
    }
}

fn alter(node: &NodeEnum, pending: &Pending, live: &Live, add: &mut Add<'_>) {
    let Some((table, cmds)) = ast::alter_table(node) else { return };
    let skip = unchecked(&table, pending, live);
    if skip == Some(None) {
        return;
    }
    let t = live.get(&table);
    for (kind, cmd) in &cmds {
        match kind {
            AlterTableType::AtAddConstraint => {
                let Some(c) = ast::added_constraint(cmd) else { continue };
                constraint(&table, t, c, &skip, live, add);
            }
            AlterTableType::AtSetNotNull => {
                let what = format!("SET NOT NULL on {}", ast::column(&table, &cmd.name));
                let Some(t) = t else {
                    add(Family::Fails, what, Check::NotChecked(skip.clone().flatten().unwrap_or_default()));
                    continue;
                };
                let col = ident(&cmd.name);
                let writes = pending.writes(&table);
                let backfill = match writes.as_slice() {
                    [] => None,
                    [Some((c, e))] if *c == cmd.name => Some(e.clone()),
                    _ => {
                        add(Family::Fails, what, Check::NotChecked(format!("an earlier statement of this migration writes {table}")));
                        continue;
                    }
                };
                let condition = match (pending.added(&table, &cmd.name), backfill) {
                    (Some(true), _) => continue,
                    (Some(false), Some(e)) => format!("({e}) IS NULL"),
                    (Some(false), None) => "true".to_owned(),
                    (None, Some(e)) => format!("{col} IS NULL AND ({e}) IS NULL"),
                    (None, None) => format!("{col} IS NULL"),
                };
                add(Family::Fails, what, rows(t, &condition, ("holds", "hold"), format!("NULL in {col}")));
            }
            AlterTableType::AtAddColumn => {
                let Some(col) = ast::column_def(cmd) else { continue };
                let kinds: Vec<ConstrType> = ast::column_constraints(col).map(ast::contype).collect();
                let filled = kinds.iter().any(|k| matches!(k, ConstrType::ConstrDefault | ConstrType::ConstrIdentity | ConstrType::ConstrGenerated))
                    || col.type_name.as_ref().is_some_and(|ty| ast::serial(&ast::type_name(ty).0));
                if (kinds.contains(&ConstrType::ConstrNotnull) || kinds.contains(&ConstrType::ConstrPrimary)) && !filled {
                    let what = format!("ADD COLUMN {} NOT NULL without a default", ast::column(&table, &col.colname));
                    match (t, &skip) {
                        (Some(t), None) => add(Family::Fails, what, rows(t, "true", ("gets", "get"), "NULL in the new column".to_owned())),
                        (_, s) => add(Family::Fails, what, Check::NotChecked(s.clone().flatten().unwrap_or_default())),
                    }
                }
            }
            AlterTableType::AtAlterColumnType => {
                let Some(def) = ast::column_def(cmd) else { continue };
                retype(&table, t, &cmd.name, def, &skip, pending, add);
            }
            AlterTableType::AtDropColumn => {
                let what = format!("DROP COLUMN {}", ast::column(&table, &cmd.name));
                match (t, &skip) {
                    (Some(t), None) if t.columns.contains_key(&cmd.name) => {
                        add(Family::Loses, what, loses(t, &format!("{} IS NOT NULL", ident(&cmd.name)), (format!("value of {} in {}", ident(&cmd.name), t.name), format!("values of {} in {}", ident(&cmd.name), t.name))))
                    }
                    (Some(_), None) => {}
                    (_, s) => add(Family::Loses, what, Check::NotChecked(s.clone().flatten().unwrap_or_default())),
                }
            }
            _ => {}
        }
    }
}

fn constraint(table: &Name, t: Option<&LiveTable>, c: &protobuf::Constraint, skip: &Option<Option<String>>, live: &Live, add: &mut Add<'_>) {
    let kind = ast::contype(c);
    let what = match kind {
        ConstrType::ConstrCheck if !c.skip_validation => {
            format!("CHECK ({}) on {table}", c.raw_expr.as_deref().and_then(expr).unwrap_or_default())
        }
        ConstrType::ConstrPrimary => format!("PRIMARY KEY {} on {table}", ast::column_list(&ast::strings(&c.keys))),
        ConstrType::ConstrUnique if c.indexname.is_empty() => format!("UNIQUE {} on {table}", ast::column_list(&ast::strings(&c.keys))),
        ConstrType::ConstrForeign if !c.skip_validation => format!(
            "FOREIGN KEY {} on {table} to {}",
            ast::column_list(&ast::strings(&c.fk_attrs)),
            c.pktable.as_ref().map(|r| ast::range(r).to_string()).unwrap_or_default()
        ),
        ConstrType::ConstrExclusion if !c.skip_validation => format!("EXCLUDE on {table}"),
        _ => return,
    };
    let Some(t) = t.filter(|_| skip.is_none()) else {
        add(Family::Fails, what, Check::NotChecked(skip.clone().flatten().unwrap_or_default()));
        return;
    };
    match kind {
        ConstrType::ConstrCheck => {
            let e = c.raw_expr.as_deref().and_then(expr).unwrap_or_else(|| "true".to_owned());
            add(Family::Fails, what, rows(t, &format!("({e}) IS FALSE"), ("violates", "violate"), format!("CHECK ({e})")));
        }
        ConstrType::ConstrPrimary | ConstrType::ConstrUnique => {
            let columns = ast::strings(&c.keys);
            if kind == ConstrType::ConstrPrimary {
                let nulls: Vec<String> = columns.iter().map(|k| format!("{} IS NULL", ident(k))).collect();
                add(Family::Fails, what.clone(), rows(t, &nulls.join(" OR "), ("holds", "hold"), format!("NULL in {}", ast::column_list(&columns))));
                if !c.indexname.is_empty() {
                    return;
                }
            }
            add(Family::Fails, what, duplicates(t, &columns, c.nulls_not_distinct, None));
        }
        ConstrType::ConstrForeign => {
            let Some(referenced) = c.pktable.as_ref().map(ast::range) else { return };
            let Some(r) = live.get(&referenced) else {
                add(Family::Fails, what, Check::NotChecked(format!("{referenced} does not exist in the database yet")));
                return;
            };
            let fk = ast::strings(&c.fk_attrs);
            let pk = match ast::strings(&c.pk_attrs) {
                p if p.is_empty() => r.key.clone(),
                p => p,
            };
            if pk.len() != fk.len() {
                add(Family::Fails, what, Check::NotChecked(format!("the referenced columns of {referenced} are not known")));
                return;
            }
            let mut parts: Vec<String> = fk.iter().map(|f| format!("{}.{} IS NOT NULL", t.name, ident(f))).collect();
            let eq: Vec<String> = fk.iter().zip(&pk).map(|(f, p)| format!("pgshift_ref.{} = {}.{}", ident(p), t.name, ident(f))).collect();
            parts.push(format!("NOT EXISTS (SELECT 1 FROM {} AS pgshift_ref WHERE {})", r.name, eq.join(" AND ")));
            add(Family::Fails, what, rows(t, &parts.join(" AND "), ("references", "reference"), format!("no row of {}", r.name)));
        }
        ConstrType::ConstrExclusion => {
            let mut on = vec!["a.ctid < b.ctid".to_owned()];
            let mut shown = Vec::new();
            for e in &c.exclusions {
                let Some(NodeEnum::List(pair)) = &e.node else { continue };
                let (Some(NodeEnum::IndexElem(el)), Some(NodeEnum::List(op))) =
                    (pair.items.first().and_then(|n| n.node.as_ref()), pair.items.get(1).and_then(|n| n.node.as_ref()))
                else {
                    continue;
                };
                let op = ast::strings(&op.items);
                if el.name.is_empty() || op.is_empty() || !op.last().is_some_and(|o| o.chars().all(|ch| "+-*/<>=~!@#%^&|`?".contains(ch))) {
                    add(Family::Fails, what, Check::NotChecked("an exclusion on an expression is not checked".to_owned()));
                    return;
                }
                let op = match op.as_slice() {
                    [o] => o.clone(),
                    [.., s, o] => format!("OPERATOR({}.{o})", ident(s)),
                    [] => unreachable!(),
                };
                let col = ident(&el.name);
                on.push(format!("a.{col} {op} b.{col}"));
                shown.push(format!("{col} WITH {op}"));
            }
            if let Some(w) = c.where_clause.as_deref() {
                add(Family::Fails, what, Check::NotChecked(format!("a partial exclusion (WHERE {}) is not checked", expr(w).unwrap_or_default())));
                return;
            }
            let (ka, oa, label) = key(t, "a.");
            let (kb, _, _) = key(t, "b.");
            let join = format!("{} AS a JOIN {} AS b ON {}", t.name, t.name, on.join(" AND "));
            add(
                Family::Fails,
                what,
                Check::Count {
                    count_sql: format!("SELECT count(*) FROM {join}"),
                    sample_sql: Some(format!("SELECT {ka} || ' and ' || {kb} FROM {join} ORDER BY {oa} LIMIT 5")),
                    sample_label: format!("{label} pairs"),
                    unit: (format!("pair of rows of {}", t.name), format!("pairs of rows of {}", t.name)),
                    verb: ("conflicts under", "conflict under"),
                    object: format!("EXCLUDE ({})", shown.join(", ")),
                },
            );
        }
        _ => {}
    }
}

/// The column a `USING` expression merely casts, when it is `col::a::b…` (or the column).
fn casts_column(node: &protobuf::Node, column: &str) -> bool {
    match &node.node {
        Some(NodeEnum::TypeCast(c)) => c.arg.as_deref().is_some_and(|a| casts_column(a, column)),
        Some(NodeEnum::ColumnRef(r)) => ast::strings(&r.fields) == [column],
        _ => false,
    }
}

const INTEGERS: &[(&str, &str, &str)] = &[
    ("int2", "-32768", "32767"),
    ("int4", "-2147483648", "2147483647"),
    ("int8", "-9223372036854775808", "9223372036854775807"),
];

fn retype(table: &Name, t: Option<&LiveTable>, column: &str, def: &protobuf::ColumnDef, skip: &Option<Option<String>>, pending: &Pending, add: &mut Add<'_>) {
    let Some(type_name) = def.type_name.as_ref() else { return };
    let to = ast::shown_type(type_name);
    let what = format!("TYPE {to} of {}", ast::column(table, column));
    let Some(t) = t.filter(|_| skip.is_none()) else {
        add(Family::Fails, what, Check::NotChecked(skip.clone().flatten().unwrap_or_default()));
        return;
    };
    let Some((_, category)) = t.columns.get(column) else {
        add(Family::Fails, what, Check::NotChecked(format!("{} does not exist in the database yet", ast::column(table, column))));
        return;
    };
    let col = ident(column);
    let using = def.raw_default.as_deref();
    // The values as the new type would see them: the column itself when the USING clause
    // only casts it (the generated forms), else the USING expression through a cast probe.
    let plain = using.is_none_or(|u| casts_column(u, column));
    let (name, mods) = ast::type_name(type_name);
    let array = !type_name.array_bounds.is_empty();
    let string = category == "S";
    let numeric = category == "N";
    if plain && !array {
        let condition = match (name.as_str(), mods.as_slice()) {
            ("varchar" | "bpchar", [n]) => {
                Some((format!("length({col}::text) > {n}"), ("does not fit", "do not fit"), format!("{to} (longer than {n})")))
            }
            ("numeric", [p, rest @ ..]) if numeric || string && using.is_none() => {
                let s = rest.first().copied().unwrap_or(0);
                Some((
                    format!("abs(round({col}::numeric, {s})) >= 1e{}", p - s),
                    ("does not fit", "do not fit"),
                    format!("{to} (absolute value at least 10^{})", p - s),
                ))
            }
            (int, []) if INTEGERS.iter().any(|(n, _, _)| *n == int) && (numeric || string) => {
                let (_, lo, hi) = INTEGERS.iter().find(|(n, _, _)| *n == int).expect("found");
                if numeric {
                    Some((format!("round({col}::numeric) NOT BETWEEN {lo} AND {hi}"), ("does not fit", "do not fit"), format!("{to} (out of range)")))
                } else {
                    let v = format!("btrim({col}::text)");
                    Some((
                        format!(
                            "{col} IS NOT NULL AND CASE WHEN {v} ~ '^[+-]?[0-9]+$' THEN {v}::numeric NOT BETWEEN {lo} AND {hi} ELSE true END"
                        ),
                        ("holds", "hold"),
                        format!("text that is not {to}"),
                    ))
                }
            }
            _ => pending.enums.iter().find(|(e, _)| ast::parts(&ast::strings(&type_name.names)).is_some_and(|n| ast::same(&n, e))).map(|(e, labels)| {
                let list: Vec<String> = labels.iter().map(|l| literal(l)).collect();
                (
                    format!("{col} IS NOT NULL AND {col}::text NOT IN ({})", list.join(", ")),
                    ("holds", "hold"),
                    format!("a label that {e} lacks (it has {})", list.join(", ")),
                )
            }),
        };
        if let Some((condition, verb, object)) = condition {
            add(Family::Fails, what, rows(t, &condition, verb, object));
            return;
        }
    }
    // Otherwise the conversion itself, over every row: an error is the failure.
    let cast = match using {
        Some(u) => expr(u),
        None => expr(&protobuf::Node {
            node: Some(NodeEnum::TypeCast(Box::new(protobuf::TypeCast {
                arg: Some(Box::new(protobuf::Node {
                    node: Some(NodeEnum::ColumnRef(protobuf::ColumnRef {
                        fields: vec![protobuf::Node { node: Some(NodeEnum::String(protobuf::String { sval: column.to_owned() })) }],
                        location: -1,
                    })),
                })),
                type_name: Some(type_name.clone()),
                location: -1,
            }))),
        }),
    };
    match cast {
        Some(cast) => add(Family::Fails, what, Check::Cast { sql: format!("SELECT count(({cast})) FROM {}", t.name) }),
        None => add(Family::Fails, what, Check::NotChecked("the conversion cannot be read back as SQL".to_owned())),
    }
}

/// The lock of a statement that a locking rule (or a rewrite) reports, with the size of each
/// existing table it takes it on.
fn locking(cx: &Cx<'_>, node: &NodeEnum, pending: &Pending, live: &Live, add: &mut Add<'_>) {
    let mut rewrite = false;
    let mut locks = false;
    for rule in crate::rules::ALL {
        let meta = rule.meta();
        if meta.category != Category::Locking || matches!(meta.id, "missing-lock-timeout" | "many-tables-in-transaction") {
            continue;
        }
        if !rule.check(cx).is_empty() {
            locks = true;
            rewrite |= meta.id == "table-rewrite";
        }
    }
    if !locks {
        return;
    }
    let mode = lock_mode(node);
    let verb = if rewrite { "rewrites" } else { "locks" };
    let mut seen = Vec::new();
    for target in pgshift_history::guard::targets_of(node) {
        let Target::Object(name) = target else { continue };
        if pending.created(&name) || seen.contains(&name) {
            continue;
        }
        if let Some(t) = live.get(&name) {
            add(Family::Locks, format!("{verb} {} under {mode}", t.name), Check::Lock { verb, table: t.name.clone(), bytes: t.bytes, rows: t.rows, mode });
        }
        seen.push(name);
    }
}

fn lock_mode(node: &NodeEnum) -> &'static str {
    const MODES: [&str; 9] = [
        "ACCESS EXCLUSIVE",
        "ACCESS SHARE",
        "ROW SHARE",
        "ROW EXCLUSIVE",
        "SHARE UPDATE EXCLUSIVE",
        "SHARE",
        "SHARE ROW EXCLUSIVE",
        "EXCLUSIVE",
        "ACCESS EXCLUSIVE",
    ];
    match node {
        NodeEnum::IndexStmt(s) if s.concurrent => "SHARE UPDATE EXCLUSIVE",
        NodeEnum::IndexStmt(_) | NodeEnum::ReindexStmt(_) => "SHARE",
        NodeEnum::LockStmt(s) => MODES.get(usize::try_from(s.mode).unwrap_or(0)).copied().unwrap_or("ACCESS EXCLUSIVE"),
        _ => match ast::alter_table(node) {
            Some((_, cmds)) if cmds.iter().all(|(k, _)| *k == AlterTableType::AtValidateConstraint) => "SHARE UPDATE EXCLUSIVE",
            Some((_, cmds))
                if cmds.iter().all(|(k, c)| *k == AlterTableType::AtAddConstraint && ast::added_constraint(c).is_some_and(|c| ast::contype(c) == ConstrType::ConstrForeign)) =>
            {
                "SHARE ROW EXCLUSIVE"
            }
            _ => "ACCESS EXCLUSIVE",
        },
    }
}

/// A size as people read it: `8192 bytes`, `16 kB`, `1.2 GB`.
pub fn size(bytes: i64) -> String {
    let mut value = bytes as f64;
    if value < 10_240.0 {
        return format!("{bytes} bytes");
    }
    for unit in ["kB", "MB", "GB", "TB"] {
        value /= 1024.0;
        if value < 1024.0 || unit == "TB" {
            return if value < 10.0 { format!("{value:.1} {unit}") } else { format!("{value:.0} {unit}") };
        }
    }
    unreachable!()
}

/// A count with thousands separators: `3,400,000`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_counts() {
        assert_eq!(size(8192), "8192 bytes");
        assert_eq!(size(16 * 1024), "16 kB");
        assert_eq!(size(1_288_490_189), "1.2 GB");
        assert_eq!(thousands(3_400_000), "3,400,000");
        assert_eq!(thousands(12), "12");
    }

    #[test]
    fn expressions_deparse() {
        let p = pg_query::parse("ALTER TABLE t ADD CONSTRAINT c CHECK (length(title) <= 500)", pg_query::ParserOptions::default()).unwrap();
        let node = p.protobuf.stmts[0].stmt.as_ref().unwrap().node.as_ref().unwrap();
        let (_, cmds) = ast::alter_table(node).unwrap();
        let c = ast::added_constraint(cmds[0].1).unwrap();
        assert_eq!(expr(c.raw_expr.as_deref().unwrap()).unwrap(), "length(title) <= 500");
    }
}
