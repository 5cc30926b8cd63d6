//! Turns the rows of [`crate::queries`] into a [`Catalog`], applying the object filter.
//!
//! Pure: no I/O happens here. Sub-objects (columns, constraints, indexes, triggers, policies)
//! follow their relation through the filter; dependencies are kept only between objects that
//! made it into the catalog.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pgshift_catalog::quote;
use pgshift_catalog::*;
use tokio_postgres::Row;

/// The raw result of every catalog query.
#[allow(missing_docs)]
pub struct Rows {
    pub schemas: Vec<Row>,
    pub extensions: Vec<Row>,
    pub types: Vec<Row>,
    pub relations: Vec<Row>,
    pub columns: Vec<Row>,
    pub sequences: Vec<Row>,
    pub constraints: Vec<Row>,
    pub indexes: Vec<Row>,
    pub functions: Vec<Row>,
    pub triggers: Vec<Row>,
    pub policies: Vec<Row>,
    pub depends: Vec<Row>,
    pub extension_members: Vec<Row>,
    pub opclasses: Vec<Row>,
    /// Objects of kinds the model does not represent: (kind, schema or '', name).
    pub unsupported: Vec<Row>,
    pub collations: Vec<Row>,
    /// Privileges: (catalog, OID, grantee, privilege, grantable).
    pub privileges: Vec<Row>,
    /// Index definitions by index OID: assembled by [`render_index_definitions`], completed
    /// from the server for the rest.
    pub index_definitions: HashMap<u32, String>,
}

/// Assemble the definitions of the indexes in `rows` into `rows.index_definitions` and return
/// the OIDs of those that must come from the server (`queries::INDEX_DEFINITIONS`) instead.
/// Indexes with expressions are not listed: their definition came with their row.
pub fn render_index_definitions(rows: &mut Rows) -> Vec<u32> {
    let tables: HashMap<u32, QualName> = rows
        .relations
        .iter()
        .map(|r| (r.get::<_, u32>(0), QualName::new(r.get::<_, String>(1), r.get::<_, String>(2))))
        .collect();
    let columns: HashMap<(u32, i16), &Row> =
        rows.columns.iter().map(|r| ((r.get(0), r.get(1)), r)).collect();
    let opclasses = crate::index_def::Opclasses::new(&rows.opclasses);
    let mut missing = Vec::new();
    let mut definitions = HashMap::with_capacity(rows.indexes.len());
    for r in &rows.indexes {
        let (oid, rel): (u32, u32) = (r.get(0), r.get(2));
        let Some(table) = tables.get(&rel) else { continue };
        let column = |attnum: i16| columns.get(&(rel, attnum)).map(|c| crate::index_def::Column::from_row(c));
        match crate::index_def::render(r, table, column, &opclasses) {
            Some(definition) => {
                definitions.insert(oid, definition);
            }
            None if r.get::<_, Option<String>>(5).is_none() => missing.push(oid),
            None => {}
        }
    }
    rows.index_definitions = definitions;
    missing
}

const PG_CLASS: u32 = 1259;
const PG_TYPE: u32 = 1247;
const PG_PROC: u32 = 1255;
const PG_CONSTRAINT: u32 = 2606;
const PG_TRIGGER: u32 = 2620;
const PG_POLICY: u32 = 3256;
const PG_COLLATION: u32 = 3456;
const PG_NAMESPACE: u32 = 2615;

/// OID → object maps built along the way, to resolve references and dependencies.
#[derive(Default)]
struct Oids {
    /// Every user relation, filtered or not: FKs and inheritance may point outside the filter.
    rel_names: HashMap<u32, QualName>,
    /// Relations in the catalog (tables, views, sequences, composite types, indexes).
    rels: HashMap<u32, ObjectRef>,
    /// Types in the catalog, including the row types of tables and views.
    types: HashMap<u32, ObjectRef>,
    funcs: HashMap<u32, ObjectRef>,
    /// Constraint OID → the node that renders it (the table for inline checks).
    constraints: HashMap<u32, ObjectRef>,
    triggers: HashMap<u32, ObjectRef>,
    policies: HashMap<u32, ObjectRef>,
    collations: HashMap<u32, ObjectRef>,
    /// Schemas in the catalog, by OID.
    schemas: HashMap<u32, String>,
    /// Column names by (relation, attnum).
    columns: HashMap<(u32, i16), Name>,
    /// Identity columns by (relation, column name): ALWAYS (true) or BY DEFAULT.
    identity: HashMap<(u32, Name), bool>,
    /// One shared copy of each repeated text (column types).
    names: Interner,
}

/// Build the catalog from the rows, keeping what `filter` allows. Each result set is freed as
/// soon as it is turned into the model, to keep peak memory low on large schemas.
pub fn build(mut rows: Rows, filter: &ObjectFilter) -> Catalog {
    let mut cat = Catalog::default();
    let mut oids = Oids::default();

    for r in &rows.schemas {
        let name: String = r.get(1);
        if filter.allows_schema_object(&name) {
            oids.schemas.insert(r.get(0), name.clone());
            cat.schemas.insert(name.clone(), Schema { name, comment: r.get(2), privileges: BTreeSet::new() });
        }
    }
    for r in &rows.extensions {
        let ext = Extension { name: r.get(0), schema: r.get(1), version: r.get(2), comment: r.get(3) };
        if filter.allows_extension(&ext.name, &ext.schema) {
            cat.extensions.insert(ext.name.clone(), ext);
        }
    }
    collations(&rows, filter, &mut cat, &mut oids);
    extension_members(&rows, &cat, &mut oids);
    relations(&rows, filter, &mut cat, &mut oids);
    types(&rows, filter, &mut cat, &mut oids);
    columns(&rows, &mut cat, &mut oids);
    rows.columns = Vec::new();
    sequences(&rows, filter, &mut cat, &oids);
    rows.relations = Vec::new();
    constraints(&rows, &mut cat, &mut oids);
    rows.constraints = Vec::new();
    indexes(&mut rows, &mut cat, &mut oids);
    rows.indexes = Vec::new();
    functions(&rows, filter, &mut cat, &mut oids);
    triggers(&rows, &mut cat, &mut oids);
    policies(&rows, &mut cat, &mut oids);
    dependencies(&rows, &mut cat, &oids);
    privileges(&rows, &mut cat, &oids);
    unsupported(&rows, filter, &mut cat);
    cat
}

/// A diagnostic for each object of a kind the model does not represent (those in a schema
/// only when the filter lets their name through; casts, event triggers and publications belong
/// to no schema and are reported only when the filter does not narrow what is seen: a live
/// database read through a project's ownership may hold another system's).
fn unsupported(rows: &Rows, filter: &ObjectFilter, cat: &mut Catalog) {
    for r in &rows.unsupported {
        let (kind, schema, name): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        let shown = if schema.is_empty() {
            filter.owned.is_none() && filter.include.is_empty() && filter.include_schemas.is_empty()
        } else {
            filter.allows(&QualName::new(schema.clone(), name.split('.').next().unwrap_or(&name)))
        };
        if shown {
            let what = if schema.is_empty() { name } else { format!("{}.{}", pgshift_catalog::quote::ident(&schema), name) };
            cat.diagnostics.push(format!("{kind} {what} is not modelled yet: no migration creates, changes or drops it"));
        }
    }
}

fn collations(rows: &Rows, filter: &ObjectFilter, cat: &mut Catalog, oids: &mut Oids) {
    for r in &rows.collations {
        let name = QualName::new(r.get::<_, String>(1), r.get::<_, String>(2));
        if !filter.allows(&name) {
            continue;
        }
        let provider = match r.get::<_, String>(3).as_str() {
            "i" => "icu",
            "c" => "libc",
            "b" => "builtin",
            _ => "default",
        };
        oids.collations.insert(r.get(0), ObjectRef::Collation { name: name.clone() });
        cat.collations.insert(
            name.clone(),
            Collation {
                name,
                provider: provider.to_owned(),
                locale: r.get(4),
                lc_collate: r.get(5),
                lc_ctype: r.get(6),
                deterministic: r.get(7),
                comment: r.get(8),
            },
        );
    }
}

/// Privileges onto the objects of the catalog they are granted on.
fn privileges(rows: &Rows, cat: &mut Catalog, oids: &Oids) {
    for r in &rows.privileges {
        let (class, oid): (u32, u32) = (r.get(0), r.get(1));
        let privilege = Privilege { grantee: r.get(2), privilege: r.get(3), grantable: r.get(4) };
        let set = match class {
            PG_NAMESPACE => oids.schemas.get(&oid).and_then(|s| cat.schemas.get_mut(s)).map(|s| &mut s.privileges),
            PG_CLASS => match oids.rels.get(&oid) {
                Some(ObjectRef::Table { name }) => cat.tables.get_mut(name).map(|t| &mut t.privileges),
                Some(ObjectRef::View { name }) => cat.views.get_mut(name).map(|v| &mut v.privileges),
                Some(ObjectRef::Sequence { name }) => cat.sequences.get_mut(name).map(|s| &mut s.privileges),
                _ => None,
            },
            PG_PROC => match oids.funcs.get(&oid) {
                Some(ObjectRef::Function { key }) => cat.functions.get_mut(key).map(|f| &mut f.privileges),
                _ => None,
            },
            PG_TYPE => match oids.types.get(&oid) {
                Some(ObjectRef::Type { name }) => cat.types.get_mut(name).map(|t| &mut t.privileges),
                _ => None,
            },
            _ => None,
        };
        if let Some(set) = set {
            set.insert(privilege);
        }
    }
}

/// Types and functions of the extensions in the catalog stand for their extension in
/// dependencies (the members themselves are never part of the catalog).
fn extension_members(rows: &Rows, cat: &Catalog, oids: &mut Oids) {
    for r in &rows.extension_members {
        let (class, oid, ext): (u32, u32, String) = (r.get(0), r.get(1), r.get(2));
        if !cat.extensions.contains_key(&ext) {
            continue;
        }
        let object = ObjectRef::Extension { name: ext.into() };
        match class {
            PG_TYPE => oids.types.insert(oid, object),
            PG_PROC => oids.funcs.insert(oid, object),
            _ => None,
        };
    }
}

fn relations(rows: &Rows, filter: &ObjectFilter, cat: &mut Catalog, oids: &mut Oids) {
    for r in &rows.relations {
        let oid: u32 = r.get(0);
        let name = QualName::new(r.get::<_, String>(1), r.get::<_, String>(2));
        oids.rel_names.insert(oid, name.clone());
    }
    for r in &rows.relations {
        let oid: u32 = r.get(0);
        let name = oids.rel_names[&oid].clone();
        if !filter.allows(&name) {
            continue;
        }
        let kind: String = r.get(3);
        let reltype: u32 = r.get(13);
        let options: Vec<String> = r.get(7);
        let comment: Option<String> = r.get(12);
        match kind.as_str() {
            "r" | "p" => {
                let parents: Vec<u32> = r.get(10);
                let parents: Vec<QualName> =
                    parents.iter().filter_map(|p| oids.rel_names.get(p).cloned()).collect();
                let bound: Option<String> = r.get(9);
                let (partition_of, inherits) = match bound {
                    Some(bound) if !parents.is_empty() => {
                        (Some(PartitionOf { parent: parents[0].clone(), bound }), Vec::new())
                    }
                    _ => (None, parents),
                };
                let table = Table {
                    name: name.clone(),
                    kind: match r.get::<_, Option<String>>(8) {
                        Some(key) => TableKind::Partitioned { key },
                        None => TableKind::Plain,
                    },
                    partition_of,
                    inherits,
                    unlogged: r.get::<_, String>(4) == "u",
                    columns: Vec::new(),
                    constraints: BTreeMap::new(),
                    triggers: BTreeMap::new(),
                    policies: BTreeMap::new(),
                    rls_enabled: r.get(5),
                    rls_forced: r.get(6),
                    options,
                    comment,
                    depends_on: BTreeSet::new(),
                    replica_identity: match r.get::<_, String>(15).as_str() {
                        "f" => ReplicaIdentity::Full,
                        "n" => ReplicaIdentity::Nothing,
                        // `i` whose index was dropped: PostgreSQL logs nothing then.
                        "i" => match r.get::<_, Option<String>>(16) {
                            Some(name) => ReplicaIdentity::Index { name },
                            None => ReplicaIdentity::Nothing,
                        },
                        _ => ReplicaIdentity::Default,
                    },
                    privileges: BTreeSet::new(),
                };
                let object = ObjectRef::Table { name: name.clone() };
                oids.rels.insert(oid, object.clone());
                oids.types.insert(reltype, object);
                cat.tables.insert(name, table);
            }
            "v" | "m" => {
                let view = View {
                    name: name.clone(),
                    materialized: kind == "m",
                    populated: r.get(14),
                    definition: r.get::<_, Option<String>>(11).unwrap_or_default(),
                    options,
                    column_comments: BTreeMap::new(),
                    comment,
                    depends_on: BTreeSet::new(),
                    triggers: BTreeMap::new(),
                    privileges: BTreeSet::new(),
                };
                let object = ObjectRef::View { name: name.clone() };
                oids.rels.insert(oid, object.clone());
                oids.types.insert(reltype, object);
                cat.views.insert(name, view);
            }
            "S" => {
                oids.rels.insert(oid, ObjectRef::Sequence { name });
            }
            "c" => {
                oids.rels.insert(oid, ObjectRef::Type { name });
            }
            _ => cat.diagnostics.push(format!("foreign table {name} skipped: not supported yet")),
        }
    }
}

fn types(rows: &Rows, filter: &ObjectFilter, cat: &mut Catalog, oids: &mut Oids) {
    for r in &rows.types {
        let oid: u32 = r.get(0);
        let name = QualName::new(r.get::<_, String>(1), r.get::<_, String>(2));
        if !filter.allows(&name) {
            continue;
        }
        let kind = match r.get::<_, String>(3).as_str() {
            "e" => TypeKind::Enum { labels: r.get::<_, Option<Vec<String>>>(4).unwrap_or_default() },
            "d" => TypeKind::Domain {
                base_type: r.get::<_, Option<String>>(5).unwrap_or_default(),
                collation: collation(r, 8, 9),
                default: r.get(7),
                not_null: r.get(6),
                checks: BTreeMap::new(),
            },
            _ => TypeKind::Composite { attributes: Vec::new() },
        };
        oids.types.insert(oid, ObjectRef::Type { name: name.clone() });
        cat.types.insert(
            name.clone(),
            TypeDef { name, kind, comment: r.get(10), depends_on: BTreeSet::new(), privileges: BTreeSet::new() },
        );
    }
}

fn collation(r: &Row, schema: usize, name: usize) -> Option<QualName> {
    match (r.get::<_, Option<String>>(schema), r.get::<_, Option<String>>(name)) {
        (Some(s), Some(n)) => Some(QualName::new(s, n)),
        _ => None,
    }
}

fn columns(rows: &Rows, cat: &mut Catalog, oids: &mut Oids) {
    for r in &rows.columns {
        let rel: u32 = r.get(0);
        let attnum: i16 = r.get(1);
        let name: Name = r.get::<_, &str>(2).into();
        oids.columns.insert((rel, attnum), name.clone());
        let comment: Option<String> = r.get(11);
        match oids.rels.get(&rel) {
            Some(ObjectRef::Table { name: table }) => {
                let generated: String = r.get(7);
                let default: Option<String> = r.get(5);
                let (default, generated) = if generated == "s" { (None, default) } else { (default, None) };
                let identity: String = r.get(6);
                let column = Column {
                    name,
                    data_type: oids.names.name(r.get(3)),
                    collation: collation(r, 9, 10),
                    not_null: r.get(4),
                    default,
                    // Filled in from the identity sequence by `sequences`.
                    identity: None,
                    generated,
                    local: r.get(8),
                    comment,
                };
                if !identity.is_empty() {
                    oids.identity.insert((rel, column.name.clone()), identity == "a");
                }
                if let Some(t) = cat.tables.get_mut(table) {
                    t.columns.push(column);
                }
            }
            Some(ObjectRef::View { name: view }) => {
                if let (Some(v), Some(c)) = (cat.views.get_mut(view), comment) {
                    v.column_comments.insert(name.to_string(), c);
                }
            }
            Some(ObjectRef::Type { name: ty }) => {
                if let Some(TypeDef { kind: TypeKind::Composite { attributes }, .. }) = cat.types.get_mut(ty) {
                    attributes.push(CompositeAttribute {
                        name: name.to_string(),
                        data_type: r.get(3),
                        collation: collation(r, 9, 10),
                    });
                }
            }
            _ => {}
        }
    }
}

fn sequences(rows: &Rows, filter: &ObjectFilter, cat: &mut Catalog, oids: &Oids) {
    for r in &rows.sequences {
        let name = QualName::new(r.get::<_, String>(1), r.get::<_, String>(2));
        let options = SequenceOptions {
            data_type: r.get(3),
            start: r.get(4),
            increment: r.get(5),
            min_value: r.get(6),
            max_value: r.get(7),
            cache: r.get(8),
            cycle: r.get(9),
        };
        let owner: Option<u32> = r.get(11);
        let owner_col: Option<i32> = r.get(12);
        let deptype: Option<String> = r.get(13);
        let owned_by = match (owner, owner_col) {
            (Some(rel), Some(att)) => {
                let table = oids.rel_names.get(&rel).cloned();
                let column = i16::try_from(att).ok().and_then(|a| oids.columns.get(&(rel, a)).cloned());
                table.zip(column)
            }
            _ => None,
        };
        if deptype.as_deref() == Some("i") {
            // An identity sequence: its options belong to the column.
            let Some((table, column)) = owned_by.clone() else { continue };
            let Some(col) = cat
                .tables
                .get_mut(&table)
                .and_then(|t| t.columns.iter_mut().find(|c| c.name == column))
            else {
                continue;
            };
            if let Some(&always) = owner.and_then(|rel| oids.identity.get(&(rel, column.clone()))) {
                col.identity = Some(Box::new(Identity { always, sequence: name, options }));
            }
            continue;
        }
        if !filter.allows(&name) {
            continue;
        }
        cat.sequences.insert(
            name.clone(),
            Sequence {
                name,
                options,
                owned_by: owned_by.map(|(t, c)| (t, c.to_string())),
                unlogged: r.get::<_, String>(10) == "u",
                comment: None,
                privileges: BTreeSet::new(),
            },
        );
    }
    // Sequence comments come with the relations.
    for r in &rows.relations {
        let oid: u32 = r.get(0);
        if let Some(ObjectRef::Sequence { name }) = oids.rels.get(&oid) {
            if let Some(s) = cat.sequences.get_mut(name) {
                s.comment = r.get(12);
            }
        }
    }
}

fn fk_action(c: &str) -> FkAction {
    match c {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// Names of the columns `attnums` of relation `rel` (every user relation's columns are known,
/// including those of foreign tables a foreign key points to).
fn column_names(oids: &Oids, rel: u32, attnums: Option<Vec<i16>>) -> Vec<String> {
    attnums
        .unwrap_or_default()
        .iter()
        .map(|a| oids.columns.get(&(rel, *a)).map(|n| n.to_string()).unwrap_or_else(|| format!("#{a}")))
        .collect()
}

fn constraints(rows: &Rows, cat: &mut Catalog, oids: &mut Oids) {
    for r in &rows.constraints {
        let oid: u32 = r.get(0);
        let rel: u32 = r.get(1);
        let typ: u32 = r.get(2);
        let name: String = r.get(3);
        let contype: String = r.get(4);
        if typ != 0 {
            let definition = check_definition(r);
            if let Some(ObjectRef::Type { name: ty }) = oids.types.get(&typ).cloned() {
                if let Some(TypeDef { kind: TypeKind::Domain { checks, .. }, .. }) = cat.types.get_mut(&ty) {
                    checks.insert(name.clone(), DomainCheck { name, definition });
                    oids.constraints.insert(oid, ObjectRef::Type { name: ty });
                }
            }
            continue;
        }
        let Some(ObjectRef::Table { name: table }) = oids.rels.get(&rel).cloned() else { continue };
        let columns = column_names(oids, rel, r.get(10));
        let kind = match contype.as_str() {
            "p" => ConstraintKind::PrimaryKey { columns },
            "u" => ConstraintKind::Unique { columns, nulls_not_distinct: r.get(19) },
            "c" => ConstraintKind::Check {
                expression: r.get::<_, Option<String>>(16).unwrap_or_default(),
                no_inherit: r.get(9),
            },
            "f" => {
                let frel: u32 = r.get(11);
                ConstraintKind::ForeignKey {
                    columns,
                    ref_table: oids.rel_names.get(&frel).cloned().unwrap_or_else(|| QualName::new("", "")),
                    ref_columns: column_names(oids, frel, r.get(12)),
                    on_delete: fk_action(&r.get::<_, String>(13)),
                    on_update: fk_action(&r.get::<_, String>(14)),
                    match_type: match r.get::<_, String>(15).as_str() {
                        "f" => FkMatch::Full,
                        "p" => FkMatch::Partial,
                        _ => FkMatch::Simple,
                    },
                }
            }
            _ => ConstraintKind::Exclude,
        };
        let definition = constraint_definition(r, oids, rel, &kind);
        let constraint = Constraint {
            name: name.clone(),
            kind,
            definition,
            deferrable: r.get(6),
            initially_deferred: r.get(7),
            validated: r.get(8),
            comment: r.get(17),
            depends_on: BTreeSet::new(),
        };
        // What a constraint uses (types, functions) is recorded on the constraint itself; the
        // render folds an inline CHECK's dependencies into its table's.
        let node = ObjectRef::Constraint { table: table.clone(), name: name.as_str().into() };
        if matches!(contype.as_str(), "p" | "u" | "x") {
            let index: u32 = r.get(18);
            oids.rels.insert(index, node.clone());
        }
        oids.constraints.insert(oid, node);
        if let Some(t) = cat.tables.get_mut(&table) {
            t.constraints.insert(name, constraint);
        }
    }
}

/// Quoted column names, comma-separated, as `decompile_column_index_array` prints them.
fn column_list(names: &[String]) -> String {
    names.iter().map(|n| quote::ident(n)).collect::<Vec<_>>().join(", ")
}

/// `pg_get_constraintdef` of a constraint row, assembled as `pg_get_constraintdef_worker`
/// (ruleutils.c) does; only an exclusion constraint's comes from the server (column 5).
fn constraint_definition(r: &Row, oids: &Oids, rel: u32, kind: &ConstraintKind) -> String {
    let mut sql = match kind {
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } => {
            let mut sql = match kind {
                ConstraintKind::PrimaryKey { .. } => "PRIMARY KEY (".to_owned(),
                _ if r.get::<_, bool>(19) => "UNIQUE NULLS NOT DISTINCT (".to_owned(),
                _ => "UNIQUE (".to_owned(),
            };
            sql.push_str(&column_list(columns));
            sql.push(')');
            let indkey: Vec<i16> = r.get::<_, Option<Vec<i16>>>(20).unwrap_or_default();
            let nkey = usize::try_from(r.get::<_, Option<i16>>(21).unwrap_or(0)).unwrap_or(0);
            if nkey < indkey.len() {
                let include = column_names(oids, rel, Some(indkey[nkey..].to_vec()));
                sql.push_str(&format!(" INCLUDE ({})", column_list(&include)));
            }
            sql
        }
        ConstraintKind::Check { .. } => return check_definition(r),
        ConstraintKind::ForeignKey { columns, ref_table, ref_columns, on_delete, on_update, match_type } => {
            let mut sql = format!(
                "FOREIGN KEY ({}) REFERENCES {}({})",
                column_list(columns),
                ref_table.sql(),
                column_list(ref_columns)
            );
            sql.push_str(match match_type {
                FkMatch::Full => " MATCH FULL",
                FkMatch::Partial => " MATCH PARTIAL",
                FkMatch::Simple => "",
            });
            let action = |a: &FkAction| match a {
                FkAction::NoAction => None,
                FkAction::Restrict => Some("RESTRICT"),
                FkAction::Cascade => Some("CASCADE"),
                FkAction::SetNull => Some("SET NULL"),
                FkAction::SetDefault => Some("SET DEFAULT"),
            };
            if let Some(a) = action(on_update) {
                sql.push_str(&format!(" ON UPDATE {a}"));
            }
            if let Some(a) = action(on_delete) {
                sql.push_str(&format!(" ON DELETE {a}"));
            }
            if let Some(set) = r.get::<_, Option<Vec<i16>>>(22) {
                sql.push_str(&format!(" ({})", column_list(&column_names(oids, rel, Some(set)))));
            }
            sql
        }
        ConstraintKind::Exclude => return r.get::<_, Option<String>>(5).unwrap_or_default(),
    };
    sql.push_str(constraint_trailer(r));
    sql
}

/// A table or domain CHECK: `CHECK (expr)`, then `NO INHERIT` and the trailer.
fn check_definition(r: &Row) -> String {
    let expression: Option<&str> = r.get(16);
    let no_inherit = if r.get::<_, bool>(9) { " NO INHERIT" } else { "" };
    format!("CHECK ({}){no_inherit}{}", expression.unwrap_or_default(), constraint_trailer(r))
}

/// ` DEFERRABLE`, ` INITIALLY DEFERRED`, ` NOT VALID`, as they apply.
fn constraint_trailer(r: &Row) -> &'static str {
    match (r.get::<_, bool>(6), r.get::<_, bool>(7), r.get::<_, bool>(8)) {
        (false, false, true) => "",
        (true, false, true) => " DEFERRABLE",
        (true, true, true) => " DEFERRABLE INITIALLY DEFERRED",
        (false, true, true) => " INITIALLY DEFERRED",
        (false, false, false) => " NOT VALID",
        (true, false, false) => " DEFERRABLE NOT VALID",
        (true, true, false) => " DEFERRABLE INITIALLY DEFERRED NOT VALID",
        (false, true, false) => " INITIALLY DEFERRED NOT VALID",
    }
}

fn indexes(rows: &mut Rows, cat: &mut Catalog, oids: &mut Oids) {
    let index_rows = std::mem::take(&mut rows.indexes);
    for r in &index_rows {
        let oid: u32 = r.get(0);
        let rel: u32 = r.get(2);
        let table = match oids.rels.get(&rel) {
            Some(ObjectRef::Table { name } | ObjectRef::View { name }) => name.clone(),
            _ => continue,
        };
        let name = QualName::new(table.schema.clone(), r.get::<_, String>(1));
        oids.rels.insert(oid, ObjectRef::Index { name: name.clone() });
        // On a partitioned table `pg_get_indexdef` prints `ON ONLY` (pg_dump's form, which then
        // attaches each partition's index). We keep the form that creates the whole tree (as
        // `render_index_definitions` does).
        let definition = rows
            .index_definitions
            .remove(&oid)
            .or_else(|| r.get::<_, Option<String>>(5))
            .unwrap_or_default();
        let only = format!(" ON ONLY {} USING ", table.sql());
        let definition = definition.replacen(&only, &format!(" ON {} USING ", table.sql()), 1);
        let indkey: Vec<i16> = r.get(6);
        let nkey = usize::try_from(r.get::<_, i16>(7)).unwrap_or(0).min(indkey.len());
        let named = |a: &i16| oids.columns.get(&(rel, *a)).map(|n| quote::ident(n)).unwrap_or_default();
        let keys = match r.get::<_, Option<Vec<String>>>(8) {
            Some(exprs) => exprs,
            None => indkey[..nkey].iter().map(named).collect(),
        };
        let include = indkey[nkey..].iter().map(named).collect();
        cat.indexes.insert(
            name.clone(),
            Index {
                name,
                table,
                unique: r.get(3),
                method: r.get(4),
                definition,
                keys,
                include,
                predicate: r.get(9),
                comment: r.get(10),
                nulls_not_distinct: r.get(11),
                depends_on: BTreeSet::new(),
            },
        );
    }
}

fn functions(rows: &Rows, filter: &ObjectFilter, cat: &mut Catalog, oids: &mut Oids) {
    for r in &rows.functions {
        let oid: u32 = r.get(0);
        let key = FunctionKey {
            schema: r.get::<_, &str>(1).into(),
            name: r.get::<_, &str>(2).into(),
            args: r.get::<_, &str>(3).into(),
        };
        if !filter.allows(&QualName::new(key.schema.clone(), key.name.clone())) {
            continue;
        }
        let kind = match r.get::<_, String>(4).as_str() {
            "f" => RoutineKind::Function,
            "p" => RoutineKind::Procedure,
            "w" => RoutineKind::Window,
            _ => {
                cat.diagnostics.push(format!("aggregate {} skipped: not supported yet", key.sql()));
                continue;
            }
        };
        oids.funcs.insert(oid, ObjectRef::Function { key: key.clone() });
        cat.functions.insert(
            key.clone(),
            Function {
                key,
                kind,
                returns: r.get(5),
                language: r.get(6),
                definition: r.get::<_, Option<String>>(7).unwrap_or_default(),
                comment: r.get(8),
                depends_on: BTreeSet::new(),
                privileges: BTreeSet::new(),
            },
        );
    }
}

fn triggers(rows: &Rows, cat: &mut Catalog, oids: &mut Oids) {
    for r in &rows.triggers {
        let oid: u32 = r.get(0);
        let rel: u32 = r.get(1);
        let name: String = r.get(2);
        let Some(ObjectRef::Table { name: relation } | ObjectRef::View { name: relation }) = oids.rels.get(&rel) else {
            continue;
        };
        let relation = relation.clone();
        let enabled = r.get::<_, String>(4).chars().next().unwrap_or('O');
        let trigger = Trigger {
            name: name.clone(),
            definition: r.get(3),
            enabled,
            comment: r.get(5),
            depends_on: BTreeSet::new(),
        };
        oids.triggers.insert(oid, ObjectRef::Trigger { table: relation.clone(), name: name.as_str().into() });
        if let Some(t) = cat.tables.get_mut(&relation) {
            t.triggers.insert(name, trigger);
        } else if let Some(v) = cat.views.get_mut(&relation) {
            v.triggers.insert(name, trigger);
        }
    }
}

fn policies(rows: &Rows, cat: &mut Catalog, oids: &mut Oids) {
    for r in &rows.policies {
        let oid: u32 = r.get(0);
        let rel: u32 = r.get(1);
        let Some(ObjectRef::Table { name: table }) = oids.rels.get(&rel).cloned() else { continue };
        let name: String = r.get(2);
        let command = match r.get::<_, String>(4).as_str() {
            "r" => PolicyCommand::Select,
            "a" => PolicyCommand::Insert,
            "w" => PolicyCommand::Update,
            "d" => PolicyCommand::Delete,
            _ => PolicyCommand::All,
        };
        let policy = Policy {
            name: name.clone(),
            permissive: r.get(3),
            command,
            roles: r.get(5),
            using: r.get(6),
            with_check: r.get(7),
            comment: r.get(8),
            depends_on: BTreeSet::new(),
        };
        oids.policies.insert(oid, ObjectRef::Policy { table: table.clone(), name: name.as_str().into() });
        if let Some(t) = cat.tables.get_mut(&table) {
            t.policies.insert(name, policy);
        }
    }
}

fn lookup(oids: &Oids, class: u32, oid: u32) -> Option<&ObjectRef> {
    match class {
        PG_CLASS => oids.rels.get(&oid),
        PG_TYPE => oids.types.get(&oid),
        PG_PROC => oids.funcs.get(&oid),
        PG_CONSTRAINT => oids.constraints.get(&oid),
        PG_TRIGGER => oids.triggers.get(&oid),
        PG_POLICY => oids.policies.get(&oid),
        PG_COLLATION => oids.collations.get(&oid),
        _ => None,
    }
}

fn dependencies(rows: &Rows, cat: &mut Catalog, oids: &Oids) {
    for r in &rows.depends {
        let (class, oid, ref_class, ref_oid): (u32, Option<u32>, u32, Option<u32>) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        let (Some(oid), Some(ref_oid)) = (oid, ref_oid) else { continue };
        let Some(dependent) = lookup(oids, class, oid) else { continue };
        // A sequence's only dependency is its OWNED BY column, rendered on its own.
        if matches!(dependent, ObjectRef::Sequence { .. }) {
            continue;
        }
        let Some(referenced) = lookup(oids, ref_class, ref_oid) else { continue };
        if dependent == referenced {
            continue;
        }
        if let Some(deps) = depends_on_mut(cat, dependent) {
            deps.insert(referenced.clone());
        }
    }
}

fn depends_on_mut<'a>(cat: &'a mut Catalog, object: &ObjectRef) -> Option<&'a mut BTreeSet<ObjectRef>> {
    match object {
        ObjectRef::Type { name } => cat.types.get_mut(name).map(|t| &mut t.depends_on),
        ObjectRef::Table { name } => cat.tables.get_mut(name).map(|t| &mut t.depends_on),
        ObjectRef::View { name } => cat.views.get_mut(name).map(|v| &mut v.depends_on),
        ObjectRef::Function { key } => cat.functions.get_mut(key).map(|f| &mut f.depends_on),
        ObjectRef::Index { name } => cat.indexes.get_mut(name).map(|i| &mut i.depends_on),
        ObjectRef::Constraint { table, name } => cat
            .tables
            .get_mut(table)
            .and_then(|t| t.constraints.get_mut(name.as_str()))
            .map(|c| &mut c.depends_on),
        ObjectRef::Trigger { table, name } => match cat.tables.get_mut(table) {
            Some(t) => t.triggers.get_mut(name.as_str()).map(|t| &mut t.depends_on),
            None => cat.views.get_mut(table).and_then(|v| v.triggers.get_mut(name.as_str())).map(|t| &mut t.depends_on),
        },
        ObjectRef::Policy { table, name } => cat
            .tables
            .get_mut(table)
            .and_then(|t| t.policies.get_mut(name.as_str()))
            .map(|p| &mut p.depends_on),
        ObjectRef::Schema { .. }
        | ObjectRef::Extension { .. }
        | ObjectRef::Sequence { .. }
        | ObjectRef::Collation { .. } => None,
    }
}
