//! Canonical DDL for every object of a [`Catalog`], and the order that creates them.
//!
//! [`render_statements`] turns a catalog into the statements that build it in an empty
//! database: each object becomes one node with its SQL, and nodes are emitted in a
//! deterministic topological order of their dependencies (ties broken by a fixed rank per kind,
//! then by identity, so the output is byte-stable). Expressions come from PostgreSQL's own
//! deparsers (kept in the model as printed); names and literals go through [`crate::quote`].
//!
//! With [`RenderOptions::idempotent`], each `CREATE` and `DROP` takes the form that does nothing
//! when the object is already there or already gone, for the kinds PostgreSQL has one for
//! (`IF NOT EXISTS`, `OR REPLACE`, `IF EXISTS`); each [`Node`] says whether it got one, so that
//! the plan guards the others. There is no second renderer for that form.

use rustc_hash::FxHashMap as HashMap;

use crate::deps::DepSet;

use crate::model::*;
use crate::quote::{ident, literal, reloption};

/// One rendered statement and the object it creates or completes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The object the statement belongs to.
    pub object: ObjectRef,
    /// The SQL, without a trailing semicolon.
    pub sql: String,
}

/// The schema as one SQL script that builds it in an empty database.
///
/// Like `pg_dump`, the script turns `check_function_bodies` off: a function body may read a
/// table that is created after it, and PostgreSQL records no dependency for such bodies.
pub fn render(catalog: &Catalog) -> String {
    let mut out = String::from("SET check_function_bodies = false;\n");
    for stmt in render_statements(catalog) {
        out.push_str(&stmt.sql);
        out.push_str(";\n");
    }
    out
}

/// The statements that build `catalog` in an empty database, in dependency order.
pub fn render_statements(catalog: &Catalog) -> Vec<Statement> {
    let nodes = nodes(catalog);
    order(&nodes).into_iter().flat_map(|i| nodes[i].statements()).collect()
}

/// Rank of each node kind: the tie-break between nodes that do not depend on each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum Rank {
    Schema,
    Extension,
    Collation,
    Type,
    Function,
    Sequence,
    Table,
    View,
    SequenceOwnedBy,
    Key,
    Index,
    ForeignKey,
    Trigger,
    Policy,
    ReplicaIdentity,
}

/// How statements are rendered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Each `CREATE` and `DROP` in the form that does nothing when the object is already there
    /// (or already gone), for the kinds PostgreSQL has one for: `IF NOT EXISTS`, `OR REPLACE`,
    /// `IF EXISTS`. A node of a kind without such a form says so ([`Node::idempotent`] false);
    /// guarding it is its caller's (the plan's).
    pub idempotent: bool,
}

/// One unit of the build script: an object (or a secondary part of one, such as a sequence's
/// `OWNED BY`), its statements and what must exist before it.
#[derive(Clone, Debug)]
pub struct Node {
    /// Tie-break rank of its kind.
    pub rank: Rank,
    /// The object it creates.
    pub object: ObjectRef,
    /// Whether a dependency on `object` means this node (false for secondary nodes such as
    /// `OWNED BY`).
    pub primary: bool,
    /// Its statements, without semicolons.
    pub sql: Vec<String>,
    /// Objects that must exist first.
    pub deps: DepSet,
    /// Whether its statements do nothing when the object exists already: its `CREATE` has an
    /// `IF NOT EXISTS` / `OR REPLACE` form, rendered (always for schemas, extensions and
    /// routines; with [`RenderOptions::idempotent`] for the others that have one), and what
    /// follows it (comments, settings) can run twice.
    pub idempotent: bool,
}

impl Node {
    fn new(rank: Rank, object: ObjectRef, deps: DepSet) -> Self {
        Node { rank, object, primary: true, sql: Vec::new(), deps, idempotent: false }
    }
    /// Its statements, tagged with its object.
    pub fn statements(&self) -> impl Iterator<Item = Statement> + '_ {
        self.sql.iter().map(|sql| Statement { object: self.object.clone(), sql: sql.clone() })
    }
}

/// Every node of the build script of `catalog`, unordered.
pub fn nodes(catalog: &Catalog) -> Vec<Node> {
    nodes_with(catalog, &|_| true)
}

/// Every node of `catalog`, with SQL only for the objects `want` accepts (the others carry
/// their dependencies only): building the dependency graph of a large schema, or rendering the
/// few objects a migration creates, must not render the whole schema.
pub fn nodes_with(catalog: &Catalog, want: &dyn Fn(&ObjectRef) -> bool) -> Vec<Node> {
    nodes_with_options(catalog, want, &RenderOptions::default())
}

/// [`nodes_with`], rendered with `options`.
pub fn nodes_with_options(catalog: &Catalog, want: &dyn Fn(&ObjectRef) -> bool, options: &RenderOptions) -> Vec<Node> {
    let idempotent = options.idempotent;
    let mut nodes = Vec::new();
    for schema in catalog.schemas.values() {
        let mut node = Node::new(
            Rank::Schema,
            ObjectRef::Schema { name: schema.name.as_str().into() },
            DepSet::new(),
        );
        node.idempotent = true;
        if want(&node.object) {
            node.sql.push(format!("CREATE SCHEMA IF NOT EXISTS {}", ident(&schema.name)));
            push_comment(&mut node.sql, "SCHEMA", &ident(&schema.name), &schema.comment);
        }
        nodes.push(node);
    }
    for ext in catalog.extensions.values() {
        let deps = DepSet::from([ObjectRef::Schema { name: ext.schema.as_str().into() }]);
        let mut node = Node::new(Rank::Extension, ObjectRef::Extension { name: ext.name.as_str().into() }, deps);
        node.idempotent = true;
        if want(&node.object) {
            node.sql.push(extension_sql(ext));
            push_comment(&mut node.sql, "EXTENSION", &ident(&ext.name), &ext.comment);
        }
        nodes.push(node);
    }
    for coll in catalog.collations.values() {
        let object = ObjectRef::Collation { name: coll.name.clone() };
        let mut node = Node::new(Rank::Collation, object, with_schema(&DepSet::new(), &coll.name));
        node.idempotent = idempotent;
        if want(&node.object) {
            node.sql.push(collation_sql(coll, options));
            push_comment(&mut node.sql, "COLLATION", &coll.name.sql(), &coll.comment);
        }
        nodes.push(node);
    }
    for ty in catalog.types.values() {
        let mut node = Node::new(Rank::Type, ObjectRef::Type { name: ty.name.clone() }, with_schema(&ty.depends_on, &ty.name));
        if want(&node.object) {
            node.sql.extend(type_sql(ty));
        }
        nodes.push(node);
    }
    for f in catalog.functions.values() {
        let deps = with_schema(&f.depends_on, &QualName::new(&f.key.schema, ""));
        let mut node = Node::new(Rank::Function, ObjectRef::Function { key: f.key.clone() }, deps);
        // `pg_get_functiondef` prints `CREATE OR REPLACE`.
        node.idempotent = true;
        if want(&node.object) {
            node.sql.push(function_sql(f));
            let what = if f.kind == RoutineKind::Procedure { "PROCEDURE" } else { "FUNCTION" };
            push_comment(&mut node.sql, what, &f.key.sql(), &f.comment);
        }
        nodes.push(node);
    }
    for seq in catalog.sequences.values() {
        let object = ObjectRef::Sequence { name: seq.name.clone() };
        let mut node = Node::new(Rank::Sequence, object.clone(), with_schema(&DepSet::new(), &seq.name));
        node.idempotent = idempotent;
        if want(&node.object) {
            node.sql.push(sequence_sql(seq, options));
            push_comment(&mut node.sql, "SEQUENCE", &seq.name.sql(), &seq.comment);
        }
        nodes.push(node);
        if let Some((table, column)) = &seq.owned_by {
            let deps = DepSet::from([object.clone(), ObjectRef::Table { name: table.clone() }]);
            let mut owned = Node::new(Rank::SequenceOwnedBy, object, deps);
            owned.primary = false;
            if want(&owned.object) {
                owned.sql.push(format!(
                    "ALTER SEQUENCE {} OWNED BY {}.{}",
                    seq.name.sql(),
                    table.sql(),
                    ident(column)
                ));
            }
            nodes.push(owned);
        }
    }
    for table in catalog.tables.values() {
        table_nodes(catalog, table, want, options, &mut nodes);
    }
    for view in catalog.views.values() {
        let object = ObjectRef::View { name: view.name.clone() };
        let mut node = Node::new(Rank::View, object.clone(), with_schema(&view.depends_on, &view.name));
        node.idempotent = idempotent;
        if want(&node.object) {
            node.sql.extend(view_sql(view, options));
        }
        nodes.push(node);
        for t in view.triggers.values() {
            nodes.push(trigger_node(&view.name, &object, t, want));
        }
    }
    for index in catalog.indexes.values() {
        let mut deps = index.depends_on.clone();
        deps.insert(relation_ref(catalog, &index.table));
        let mut node = Node::new(Rank::Index, ObjectRef::Index { name: index.name.clone() }, deps);
        if want(&node.object) {
            let (sql, if_not_exists) = index_sql(index, options);
            node.idempotent = if_not_exists;
            node.sql.push(sql);
            push_comment(&mut node.sql, "INDEX", &index.name.sql(), &index.comment);
        }
        nodes.push(node);
    }
    nodes
}

/// A table or materialized view, by name.
fn relation_ref(catalog: &Catalog, name: &QualName) -> ObjectRef {
    if catalog.views.contains_key(name) {
        ObjectRef::View { name: name.clone() }
    } else {
        ObjectRef::Table { name: name.clone() }
    }
}

fn with_schema(deps: &DepSet, name: &QualName) -> DepSet {
    let mut deps = deps.clone();
    deps.insert(ObjectRef::Schema { name: name.schema.clone() });
    deps
}

fn push_comment(sql: &mut Vec<String>, what: &str, target: &str, comment: &Option<String>) {
    if let Some(comment) = comment {
        sql.push(format!("COMMENT ON {what} {target} IS {}", literal(comment)));
    }
}

/// `CREATE [UNIQUE] INDEX …` as the model holds it (`pg_get_indexdef`'s form), with
/// `IF NOT EXISTS` when `options` ask for it; and whether it has that form.
fn index_sql(index: &Index, options: &RenderOptions) -> (String, bool) {
    if !options.idempotent {
        return (index.definition.clone(), false);
    }
    let head = if index.unique { "CREATE UNIQUE INDEX " } else { "CREATE INDEX " };
    match index.definition.strip_prefix(head) {
        Some(rest) => (format!("{head}IF NOT EXISTS {rest}"), true),
        // Not the form `pg_get_indexdef` prints: left as it is, for the caller to guard.
        None => (index.definition.clone(), false),
    }
}

/// `CREATE COLLATION …` with the options PostgreSQL would need to recreate it.
pub fn collation_sql(c: &Collation, render: &RenderOptions) -> String {
    let mut options = vec![format!("provider = {}", ident(&c.provider))];
    if let Some(locale) = &c.locale {
        options.push(format!("locale = {}", literal(locale)));
    }
    if let Some(v) = &c.lc_collate {
        options.push(format!("lc_collate = {}", literal(v)));
    }
    if let Some(v) = &c.lc_ctype {
        options.push(format!("lc_ctype = {}", literal(v)));
    }
    if !c.deterministic {
        options.push("deterministic = false".to_owned());
    }
    format!("CREATE COLLATION {}{} ({})", if_not_exists(render), c.name.sql(), options.join(", "))
}

/// `ALTER TABLE … REPLICA IDENTITY …` for `table`, `None` for the default.
pub fn replica_identity_sql(table: &QualName, identity: &ReplicaIdentity) -> String {
    let what = match identity {
        ReplicaIdentity::Default => "DEFAULT".to_owned(),
        ReplicaIdentity::Full => "FULL".to_owned(),
        ReplicaIdentity::Nothing => "NOTHING".to_owned(),
        ReplicaIdentity::Index { name } => format!("USING INDEX {}", ident(name)),
    };
    format!("ALTER TABLE {} REPLICA IDENTITY {what}", table.sql())
}

fn extension_sql(ext: &Extension) -> String {
    format!("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}", ident(&ext.name), ident(&ext.schema))
}

fn type_sql(ty: &TypeDef) -> Vec<String> {
    let name = ty.name.sql();
    let mut sql = Vec::new();
    let what = match &ty.kind {
        TypeKind::Enum { labels } => {
            let labels: Vec<String> = labels.iter().map(|l| literal(l)).collect();
            sql.push(format!("CREATE TYPE {name} AS ENUM ({})", labels.join(", ")));
            "TYPE"
        }
        TypeKind::Composite { attributes } => {
            let attrs: Vec<String> = attributes
                .iter()
                .map(|a| format!("{} {}{}", ident(&a.name), a.data_type, collate(&a.collation)))
                .collect();
            sql.push(format!("CREATE TYPE {name} AS ({})", attrs.join(", ")));
            "TYPE"
        }
        TypeKind::Domain { base_type, collation, default, not_null, checks } => {
            let mut s = format!("CREATE DOMAIN {name} AS {base_type}{}", collate(collation));
            if let Some(d) = default {
                s.push_str(&format!(" DEFAULT {d}"));
            }
            if *not_null {
                s.push_str(" NOT NULL");
            }
            sql.push(s);
            for check in checks.values() {
                sql.push(format!(
                    "ALTER DOMAIN {name} ADD CONSTRAINT {} {}",
                    ident(&check.name),
                    check.definition
                ));
            }
            "DOMAIN"
        }
    };
    push_comment(&mut sql, what, &name, &ty.comment);
    sql
}

/// `IF NOT EXISTS ` when rendering idempotently.
fn if_not_exists(options: &RenderOptions) -> &'static str {
    if options.idempotent { "IF NOT EXISTS " } else { "" }
}

fn collate(collation: &Option<QualName>) -> String {
    match collation {
        Some(c) => format!(" COLLATE {}", c.sql()),
        None => String::new(),
    }
}

/// `START WITH … [NO] CYCLE`; the `AS type` clause is the caller's (an identity column's
/// sequence takes the column's type and must not repeat it).
pub fn sequence_options(o: &SequenceOptions) -> String {
    format!(
        "START WITH {} INCREMENT BY {} MINVALUE {} MAXVALUE {} CACHE {}{}",
        o.start,
        o.increment,
        o.min_value,
        o.max_value,
        o.cache,
        if o.cycle { " CYCLE" } else { " NO CYCLE" }
    )
}

/// `CREATE SEQUENCE …` with its type and options (`IF NOT EXISTS` when `options` ask for it).
pub fn sequence_sql(seq: &Sequence, options: &RenderOptions) -> String {
    let unlogged = if seq.unlogged { "UNLOGGED " } else { "" };
    format!(
        "CREATE {unlogged}SEQUENCE {}{} AS {} {}",
        if_not_exists(options),
        seq.name.sql(),
        seq.options.data_type,
        sequence_options(&seq.options)
    )
}

fn function_sql(f: &Function) -> String {
    f.definition.trim_end().trim_end_matches(';').to_owned()
}

/// The column as it appears inside `CREATE TABLE`.
pub fn column_sql(col: &Column) -> String {
    let mut s = format!("{} {}{}", ident(&col.name), col.data_type, collate(&col.collation));
    if let Some(expr) = &col.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({expr}) STORED"));
    }
    if let Some(d) = &col.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if col.not_null {
        s.push_str(" NOT NULL");
    }
    if let Some(id) = &col.identity {
        s.push_str(&format!(
            " GENERATED {} AS IDENTITY (SEQUENCE NAME {} {})",
            if id.always { "ALWAYS" } else { "BY DEFAULT" },
            id.sequence.sql(),
            sequence_options(&id.options)
        ));
    }
    s
}

fn table_nodes(catalog: &Catalog, table: &Table, want: &dyn Fn(&ObjectRef) -> bool, options: &RenderOptions, nodes: &mut Vec<Node>) {
    let name = table.name.sql();
    let object = ObjectRef::Table { name: table.name.clone() };
    let mut deps = with_schema(&table.depends_on, &table.name);
    if let Some(p) = &table.partition_of {
        deps.insert(ObjectRef::Table { name: p.parent.clone() });
    }
    for parent in &table.inherits {
        deps.insert(ObjectRef::Table { name: parent.clone() });
    }
    // CHECKs rendered inside the table bring their own dependencies (functions, types).
    for c in table.constraints.values().filter(|c| c.is_inline() && c.validated) {
        deps.extend(c.depends_on.iter().filter(|d| **d != object).cloned());
    }
    let mut node = Node::new(Rank::Table, object.clone(), deps);
    node.idempotent = options.idempotent;

    if want(&object) {
        let mut elements: Vec<String> = Vec::new();
        if table.partition_of.is_none() {
            elements.extend(table.columns.iter().filter(|c| c.local).map(column_sql));
        }
        let inline_checks = table.constraints.values().filter(|c| c.is_inline() && c.validated);
        elements.extend(
            inline_checks.map(|c| format!("CONSTRAINT {} {}", ident(&c.name), c.definition)),
        );
        let unlogged = if table.unlogged { "UNLOGGED " } else { "" };
        let mut sql = format!("CREATE {unlogged}TABLE {}{name}", if_not_exists(options));
        match &table.partition_of {
            Some(p) => {
                sql.push_str(&format!(" PARTITION OF {}", p.parent.sql()));
                if !elements.is_empty() {
                    sql.push_str(&format!(" (\n    {}\n)", elements.join(",\n    ")));
                }
                sql.push_str(&format!(" {}", p.bound));
            }
            None => {
                if elements.is_empty() {
                    sql.push_str(" (\n)");
                } else {
                    sql.push_str(&format!(" (\n    {}\n)", elements.join(",\n    ")));
                }
                if !table.inherits.is_empty() {
                    let parents: Vec<String> = table.inherits.iter().map(QualName::sql).collect();
                    sql.push_str(&format!(" INHERITS ({})", parents.join(", ")));
                }
            }
        }
        if let TableKind::Partitioned { key } = &table.kind {
            sql.push_str(&format!(" PARTITION BY {key}"));
        }
        if !table.options.is_empty() {
            let opts: Vec<String> = table.options.iter().map(|o| reloption(o)).collect();
            sql.push_str(&format!(" WITH ({})", opts.join(", ")));
        }
        node.sql.push(sql);
        node.sql.extend(partition_defaults(catalog, table));
        if table.rls_enabled {
            node.sql.push(format!("ALTER TABLE {name} ENABLE ROW LEVEL SECURITY"));
        }
        if table.rls_forced {
            node.sql.push(format!("ALTER TABLE {name} FORCE ROW LEVEL SECURITY"));
        }
        push_comment(&mut node.sql, "TABLE", &name, &table.comment);
        for col in &table.columns {
            let target = format!("{name}.{}", ident(&col.name));
            push_comment(&mut node.sql, "COLUMN", &target, &col.comment);
        }
        for c in table.constraints.values().filter(|c| c.is_inline() && c.validated) {
            let target = format!("{} ON {name}", ident(&c.name));
            push_comment(&mut node.sql, "CONSTRAINT", &target, &c.comment);
        }
    }
    nodes.push(node);

    for c in table.constraints.values().filter(|c| !(c.is_inline() && c.validated)) {
        let rank = match c.kind {
            ConstraintKind::ForeignKey { .. } => Rank::ForeignKey,
            _ => Rank::Key,
        };
        let mut deps = c.depends_on.clone();
        deps.insert(object.clone());
        let cref = ObjectRef::Constraint { table: table.name.clone(), name: c.name.as_str().into() };
        let mut node = Node::new(rank, cref, deps);
        if want(&node.object) {
            node.sql.push(format!("ALTER TABLE {name} ADD CONSTRAINT {} {}", ident(&c.name), c.definition));
            push_comment(&mut node.sql, "CONSTRAINT", &format!("{} ON {name}", ident(&c.name)), &c.comment);
        }
        nodes.push(node);
    }
    for t in table.triggers.values() {
        nodes.push(trigger_node(&table.name, &object, t, want));
    }
    for p in table.policies.values() {
        let mut deps = p.depends_on.clone();
        deps.insert(object.clone());
        let pref = ObjectRef::Policy { table: table.name.clone(), name: p.name.as_str().into() };
        let mut node = Node::new(Rank::Policy, pref, deps);
        node.sql.push(policy_sql(&table.name, p));
        push_comment(&mut node.sql, "POLICY", &format!("{} ON {name}", ident(&p.name)), &p.comment);
        nodes.push(node);
    }
    // REPLICA IDENTITY: a secondary node of the table, after the index it names.
    if table.replica_identity != ReplicaIdentity::Default {
        let mut deps = DepSet::from([object.clone()]);
        if let ReplicaIdentity::Index { name: index } = &table.replica_identity {
            deps.insert(if table.constraints.contains_key(index) {
                ObjectRef::Constraint { table: table.name.clone(), name: index.as_str().into() }
            } else {
                ObjectRef::Index { name: QualName::new(table.name.schema.clone(), index.clone()) }
            });
        }
        let mut node = Node::new(Rank::ReplicaIdentity, object.clone(), deps);
        node.primary = false;
        if want(&object) {
            node.sql.push(replica_identity_sql(&table.name, &table.replica_identity));
        }
        nodes.push(node);
    }
}

/// The node of trigger `t` on the table or view `relation` (`object`).
fn trigger_node(relation: &QualName, object: &ObjectRef, t: &Trigger, want: &dyn Fn(&ObjectRef) -> bool) -> Node {
    let name = relation.sql();
    let mut deps = t.depends_on.clone();
    deps.insert(object.clone());
    let tref = ObjectRef::Trigger { table: relation.clone(), name: t.name.as_str().into() };
    let mut node = Node::new(Rank::Trigger, tref, deps);
    if want(&node.object) {
        node.sql.push(t.definition.clone());
        let state = match t.enabled {
            'D' => Some("DISABLE TRIGGER"),
            'R' => Some("ENABLE REPLICA TRIGGER"),
            'A' => Some("ENABLE ALWAYS TRIGGER"),
            _ => None,
        };
        if let Some(state) = state {
            node.sql.push(format!("ALTER TABLE {name} {state} {}", ident(&t.name)));
        }
        push_comment(&mut node.sql, "TRIGGER", &format!("{} ON {name}", ident(&t.name)), &t.comment);
    }
    node
}

/// A partition takes its parent's column defaults when it is created; the defaults it has of
/// its own (`ALTER TABLE partition ALTER COLUMN … SET DEFAULT`) are set after.
fn partition_defaults(catalog: &Catalog, table: &Table) -> Vec<String> {
    let Some(parent) = table.partition_of.as_ref().and_then(|p| catalog.tables.get(&p.parent)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for col in table.columns.iter().filter(|c| c.generated.is_none() && c.identity.is_none()) {
        let inherited = parent.column(&col.name).and_then(|p| p.default.as_ref());
        if inherited == col.default.as_ref() {
            continue;
        }
        let change = match &col.default {
            Some(d) => format!("SET DEFAULT {d}"),
            None => "DROP DEFAULT".to_owned(),
        };
        out.push(format!("ALTER TABLE {} ALTER COLUMN {} {change}", table.name.sql(), ident(&col.name)));
    }
    out
}

/// `CREATE POLICY …` for a policy on `table`.
pub fn policy_sql(table: &QualName, p: &Policy) -> String {
    let command = match p.command {
        PolicyCommand::All => "ALL",
        PolicyCommand::Select => "SELECT",
        PolicyCommand::Insert => "INSERT",
        PolicyCommand::Update => "UPDATE",
        PolicyCommand::Delete => "DELETE",
    };
    let roles: Vec<String> = p
        .roles
        .iter()
        .map(|r| if r == "public" { "PUBLIC".to_owned() } else { ident(r) })
        .collect();
    let mut sql = format!(
        "CREATE POLICY {} ON {} AS {} FOR {command} TO {}",
        ident(&p.name),
        table.sql(),
        if p.permissive { "PERMISSIVE" } else { "RESTRICTIVE" },
        roles.join(", ")
    );
    if let Some(using) = &p.using {
        sql.push_str(&format!(" USING ({using})"));
    }
    if let Some(check) = &p.with_check {
        sql.push_str(&format!(" WITH CHECK ({check})"));
    }
    sql
}

fn view_sql(view: &View, options: &RenderOptions) -> Vec<String> {
    let name = view.name.sql();
    let kind = if view.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
    let mut head = match (options.idempotent, view.materialized) {
        (false, _) => format!("CREATE {kind} {name}"),
        (true, true) => format!("CREATE {kind} IF NOT EXISTS {name}"),
        (true, false) => format!("CREATE OR REPLACE {kind} {name}"),
    };
    if !view.options.is_empty() {
        let opts: Vec<String> = view.options.iter().map(|o| reloption(o)).collect();
        head.push_str(&format!(" WITH ({})", opts.join(", ")));
    }
    let body = view.definition.trim().trim_end_matches(';');
    // pg_dump's form for a materialized view that holds no data: creating it runs no query,
    // so it needs nothing it reads to be populated either.
    let no_data = if view.materialized && !view.populated { "\nWITH NO DATA" } else { "" };
    let mut sql = vec![format!("{head} AS\n{body}{no_data}")];
    push_comment(&mut sql, kind, &name, &view.comment);
    for (column, comment) in &view.column_comments {
        let target = format!("{name}.{}", ident(column));
        push_comment(&mut sql, "COLUMN", &target, &Some(comment.clone()));
    }
    sql
}

/// Deterministic topological order of the nodes (ready nodes taken by rank then identity).
pub fn order(nodes: &[Node]) -> Vec<usize> {
    let mut primary: HashMap<&ObjectRef, usize> = HashMap::with_capacity_and_hasher(nodes.len(), Default::default());
    for (i, n) in nodes.iter().enumerate() {
        if n.primary {
            primary.insert(&n.object, i);
        }
    }
    let mut before: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        for dep in &n.deps {
            if let Some(&j) = primary.get(dep) {
                if j != i {
                    before[i].push(j);
                }
            }
        }
    }
    // The tie-break (rank, object, index) as one number per node: sorted once here, instead of
    // comparing names inside every step of the sort.
    let mut sorted: Vec<usize> = (0..nodes.len()).collect();
    sorted.sort_unstable_by(|&a, &b| (nodes[a].rank, &nodes[a].object, a).cmp(&(nodes[b].rank, &nodes[b].object, b)));
    let mut key = vec![0; nodes.len()];
    for (k, &i) in sorted.iter().enumerate() {
        key[i] = k;
    }
    topological(&before, |i| key[i])
}

/// Kahn's algorithm over `0..before.len()`, where `before[i]` lists what must come before `i`;
/// among the items ready at a time, the smallest `key` goes first, so the order is
/// deterministic. A dependency cycle cannot happen in a catalog read from a database; if one is
/// ever fed in, the smallest remaining item is taken to break it rather than looping.
/// The reverse edges are one flat array (not a vector per item) and the ready items a binary
/// heap: a large catalog's graph has tens of thousands of items.
pub fn topological<K: Ord>(before: &[impl AsRef<[usize]>], key: impl Fn(usize) -> K) -> Vec<usize> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let n = before.len();
    let mut waiting: Vec<usize> = before.iter().map(|b| b.as_ref().len()).collect();
    // after[start[j]..start[j + 1]]: the items that wait for j.
    let mut start = vec![0usize; n + 1];
    for b in before {
        for &j in b.as_ref() {
            start[j + 1] += 1;
        }
    }
    for j in 0..n {
        start[j + 1] += start[j];
    }
    let mut fill = start.clone();
    let mut after = vec![0usize; start[n]];
    for (i, b) in before.iter().enumerate() {
        for &j in b.as_ref() {
            after[fill[j]] = i;
            fill[j] += 1;
        }
    }
    let mut ready: BinaryHeap<Reverse<(K, usize)>> =
        (0..n).filter(|&i| waiting[i] == 0).map(|i| Reverse((key(i), i))).collect();
    let mut done = vec![false; n];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let next = match ready.pop() {
            Some(Reverse((_, i))) => i,
            None => match (0..n).filter(|&i| !done[i]).map(|i| (key(i), i)).min() {
                Some((_, i)) => i,
                None => break,
            },
        };
        if done[next] {
            continue;
        }
        done[next] = true;
        out.push(next);
        for &d in &after[start[next]..start[next + 1]] {
            let was = waiting[d];
            waiting[d] = was.saturating_sub(1);
            if was == 1 && !done[d] {
                ready.push(Reverse((key(d), d)));
            }
        }
    }
    out
}

/// The `COMMENT ON` keyword and target for `object` in `catalog` (e.g. `("INDEX", "s.i")`).
pub fn comment_target(catalog: &Catalog, object: &ObjectRef) -> Option<(&'static str, String)> {
    Some(match object {
        ObjectRef::Schema { name } => ("SCHEMA", ident(name)),
        ObjectRef::Extension { name } => ("EXTENSION", ident(name)),
        ObjectRef::Type { name } => match catalog.types.get(name)?.kind {
            TypeKind::Domain { .. } => ("DOMAIN", name.sql()),
            _ => ("TYPE", name.sql()),
        },
        ObjectRef::Sequence { name } => ("SEQUENCE", name.sql()),
        ObjectRef::Table { name } => ("TABLE", name.sql()),
        ObjectRef::View { name } => {
            (if catalog.views.get(name)?.materialized { "MATERIALIZED VIEW" } else { "VIEW" }, name.sql())
        }
        ObjectRef::Function { key } => match catalog.functions.get(key)?.kind {
            RoutineKind::Procedure => ("PROCEDURE", key.sql()),
            _ => ("FUNCTION", key.sql()),
        },
        ObjectRef::Index { name } => ("INDEX", name.sql()),
        ObjectRef::Constraint { table, name } => ("CONSTRAINT", format!("{} ON {}", ident(name), table.sql())),
        ObjectRef::Trigger { table, name } => ("TRIGGER", format!("{} ON {}", ident(name), table.sql())),
        ObjectRef::Policy { table, name } => ("POLICY", format!("{} ON {}", ident(name), table.sql())),
        ObjectRef::Collation { name } => ("COLLATION", name.sql()),
    })
}

/// The statement that drops `object` as it exists in `catalog`; `None` when the catalog has no
/// such object. Never `CASCADE`: what depends on an object is dropped explicitly, first.
pub fn drop_sql(catalog: &Catalog, object: &ObjectRef) -> Option<String> {
    drop_sql_with(catalog, object, &RenderOptions::default())
}

/// [`drop_sql`], with `IF EXISTS` (every kind has it) when `options` ask for the idempotent
/// form; a constraint's table too may be gone (`ALTER TABLE IF EXISTS`).
pub fn drop_sql_with(catalog: &Catalog, object: &ObjectRef, options: &RenderOptions) -> Option<String> {
    let if_exists = if options.idempotent { "IF EXISTS " } else { "" };
    Some(match object {
        ObjectRef::Schema { name } => format!("DROP SCHEMA {if_exists}{}", ident(catalog.schemas.get(name.as_str())?.name.as_str())),
        ObjectRef::Extension { name } => format!("DROP EXTENSION {if_exists}{}", ident(&catalog.extensions.get(name.as_str())?.name)),
        ObjectRef::Type { name } => {
            let what = match catalog.types.get(name)?.kind {
                TypeKind::Domain { .. } => "DOMAIN",
                _ => "TYPE",
            };
            format!("DROP {what} {if_exists}{}", name.sql())
        }
        ObjectRef::Sequence { name } => {
            catalog.sequences.get(name)?;
            format!("DROP SEQUENCE {if_exists}{}", name.sql())
        }
        ObjectRef::Table { name } => {
            catalog.tables.get(name)?;
            format!("DROP TABLE {if_exists}{}", name.sql())
        }
        ObjectRef::View { name } => {
            let kind = if catalog.views.get(name)?.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
            format!("DROP {kind} {if_exists}{}", name.sql())
        }
        ObjectRef::Function { key } => {
            let what = match catalog.functions.get(key)?.kind {
                RoutineKind::Procedure => "PROCEDURE",
                _ => "FUNCTION",
            };
            format!("DROP {what} {if_exists}{}", key.sql())
        }
        ObjectRef::Index { name } => {
            catalog.indexes.get(name)?;
            format!("DROP INDEX {if_exists}{}", name.sql())
        }
        ObjectRef::Constraint { table, name } => {
            catalog.tables.get(table)?.constraints.get(name.as_str())?;
            format!("ALTER TABLE {if_exists}{} DROP CONSTRAINT {if_exists}{}", table.sql(), ident(name))
        }
        ObjectRef::Trigger { table, name } => {
            match catalog.tables.get(table) {
                Some(t) => t.triggers.get(name.as_str())?,
                None => catalog.views.get(table)?.triggers.get(name.as_str())?,
            };
            format!("DROP TRIGGER {if_exists}{} ON {}", ident(name), table.sql())
        }
        ObjectRef::Policy { table, name } => {
            catalog.tables.get(table)?.policies.get(name.as_str())?;
            format!("DROP POLICY {if_exists}{} ON {}", ident(name), table.sql())
        }
        ObjectRef::Collation { name } => {
            catalog.collations.get(name)?;
            format!("DROP COLLATION {if_exists}{}", name.sql())
        }
    })
}
