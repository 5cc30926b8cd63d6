//! Turns the rows of [`crate::queries`] into a [`Catalog`] as they arrive, applying the object
//! filter.
//!
//! Pure: no I/O happens here. The caller feeds each query's rows, in the order of [`Part::ALL`],
//! to [`Builder::row`] and ends each query with [`Builder::end`]; no result set is ever held
//! whole (at 5,000 tables the rows of both sides of a diff were most of its peak memory).
//! Sub-objects (columns, constraints, indexes, triggers, policies) follow their relation through
//! the filter; dependencies are kept only between objects that made it into the catalog.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use pgshift_catalog::quote;
use pgshift_catalog::*;
use tokio_postgres::Row;

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
    /// Every user relation's columns: by relation, then at `attnum - 1` (one lookup in a map
    /// of relations, not of every column, for each key of a constraint or an index).
    columns: HashMap<u32, Vec<Option<ColumnFacts>>>,
    /// Identity columns by (relation, column name): ALWAYS (true) or BY DEFAULT.
    identity: HashMap<(u32, Name), bool>,
    /// One shared copy of each repeated text (column types).
    names: Interner,
}

impl Oids {
    /// Column `attnum` of relation `rel`.
    fn column(&self, rel: u32, attnum: i16) -> Option<&ColumnFacts> {
        let at = usize::try_from(attnum).ok()?.checked_sub(1)?;
        self.columns.get(&rel)?.get(at)?.as_ref()
    }

    fn set_column(&mut self, rel: u32, attnum: i16, facts: ColumnFacts) {
        let Some(at) = usize::try_from(attnum).ok().and_then(|a| a.checked_sub(1)) else { return };
        let columns = self.columns.entry(rel).or_default();
        if columns.len() <= at {
            columns.resize_with(at + 1, || None);
        }
        columns[at] = Some(facts);
    }
}

/// The catalog queries, in the order their rows must be fed to a [`Builder`] (each kind needs
/// the OIDs of those before it: relations before their columns, columns before the constraints
/// and indexes naming them, operator classes before indexes, every object before the
/// dependencies and privileges between them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Part {
    Schemas,
    Extensions,
    Collations,
    ExtensionMembers,
    Relations,
    Types,
    TypeFacts,
    Columns,
    ColumnDetails,
    Sequences,
    Constraints,
    Opclasses,
    Indexes,
    Functions,
    Triggers,
    Policies,
    Depends,
    Privileges,
    Unsupported,
}

impl Part {
    /// Every part, in feeding order.
    pub const ALL: [Part; 19] = [
        Part::Schemas,
        Part::Extensions,
        Part::Collations,
        Part::ExtensionMembers,
        Part::Relations,
        Part::Types,
        Part::TypeFacts,
        Part::Columns,
        Part::ColumnDetails,
        Part::Sequences,
        Part::Constraints,
        Part::Opclasses,
        Part::Indexes,
        Part::Functions,
        Part::Triggers,
        Part::Policies,
        Part::Depends,
        Part::Privileges,
        Part::Unsupported,
    ];

    /// The query for this part on a server of `version` (table checks as trees with
    /// `defer_checks`, see [`Builder::defer_checks`]).
    pub fn sql(self, version: crate::queries::Version, defer_checks: bool) -> std::borrow::Cow<'static, str> {
        use crate::queries as q;
        match self {
            Part::Schemas => q::SCHEMAS.into(),
            Part::Extensions => q::EXTENSIONS.into(),
            Part::Collations => q::collations(version).into(),
            Part::ExtensionMembers => q::EXTENSION_MEMBERS.into(),
            Part::Relations => q::RELATIONS.into(),
            Part::Types => q::TYPES.into(),
            Part::TypeFacts => q::TYPE_FACTS.into(),
            Part::Columns => q::COLUMNS.into(),
            Part::ColumnDetails => q::COLUMN_DETAILS.into(),
            Part::Sequences => q::SEQUENCES.into(),
            Part::Constraints => q::constraints(version, defer_checks).into(),
            Part::Opclasses => q::OPCLASSES.into(),
            Part::Indexes => q::indexes(version).into(),
            Part::Functions => q::FUNCTIONS.into(),
            Part::Triggers => q::TRIGGERS.into(),
            Part::Policies => q::POLICIES.into(),
            Part::Depends => q::DEPENDS.into(),
            Part::Privileges => q::PRIVILEGES.into(),
            Part::Unsupported => q::UNSUPPORTED.into(),
        }
    }

    /// What the part reads, for error messages.
    pub fn what(self) -> &'static str {
        match self {
            Part::Schemas => "schemas",
            Part::Extensions => "extensions",
            Part::Collations => "collations",
            Part::ExtensionMembers => "extension members",
            Part::Relations => "relations",
            Part::Types => "types",
            Part::TypeFacts => "type properties",
            Part::Columns => "columns",
            Part::ColumnDetails => "column defaults and comments",
            Part::Sequences => "sequences",
            Part::Constraints => "constraints",
            Part::Opclasses => "operator classes",
            Part::Indexes => "indexes",
            Part::Functions => "functions",
            Part::Triggers => "triggers",
            Part::Policies => "policies",
            Part::Depends => "dependencies",
            Part::Privileges => "privileges",
            Part::Unsupported => "objects of kinds not modelled",
        }
    }
}

/// What a column contributes to index definitions (`crate::index_def`), kept per column so
/// that indexes can be rendered as their rows arrive.
struct ColumnFacts {
    name: Name,
    /// `attcollation`.
    collation: u32,
    /// `atttypid`, for its [`crate::index_def::TypeFacts`].
    type_oid: u32,
}

/// A table whose parents are resolved once every relation is known.
struct Pending {
    table: QualName,
    parents: Vec<u32>,
    bound: Option<String>,
}

/// Builds a [`Catalog`] from rows fed one at a time (see [`Part`]).
pub struct Builder<'f> {
    filter: &'f ObjectFilter,
    cat: Catalog,
    oids: Oids,
    /// Tables with parents (inheritance or a partition bound), resolved at the end of relations.
    pending: Vec<Pending>,
    /// Sequence comments (they come with the relations), by sequence OID.
    sequence_comments: HashMap<u32, String>,
    /// Columns (of tables) and attributes (of composite types) by relation OID, with their
    /// attnum: they arrive in no particular order (sorting them in the server cost it more
    /// than it costs here), get their defaults and comments (`Part::ColumnDetails`), and move
    /// into their table or type, in attnum order, at the end of those: one lookup per
    /// relation, not per column.
    table_columns: HashMap<u32, Run<Column>>,
    /// Relations that belong to an extension (`Part::ExtensionMembers`): left out.
    extension_relations: rustc_hash::FxHashSet<u32>,
    /// Generated columns, (relation, attnum): their expression comes as a default does.
    generated: rustc_hash::FxHashSet<(u32, i16)>,
    type_attributes: HashMap<u32, Run<CompositeAttribute>>,
    opclasses: crate::index_def::Opclasses,
    type_facts: crate::index_def::TypeFacts,
    /// Indexes whose definition must come from the server: OID → name.
    missing: Vec<(u32, QualName)>,
    /// Indexes on expressions whose keys must come from the server: OID → name.
    missing_keys: Vec<(u32, QualName)>,
    /// Table checks read as trees, their text deferred (`crate::deferred`), when asked for.
    deferred: Option<crate::deferred::DeferredChecks>,
    /// Where a deferred check's tree is normalized (one allocation for all of them).
    tree_buffer: String,
}

impl<'f> Builder<'f> {
    /// An empty catalog, keeping what `filter` allows.
    pub fn new(filter: &'f ObjectFilter) -> Self {
        Builder {
            filter,
            cat: Catalog::default(),
            oids: Oids::default(),
            pending: Vec::new(),
            sequence_comments: HashMap::default(),
            table_columns: HashMap::default(),
            generated: rustc_hash::FxHashSet::default(),
            extension_relations: rustc_hash::FxHashSet::default(),
            type_attributes: HashMap::default(),
            opclasses: crate::index_def::Opclasses::default(),
            type_facts: crate::index_def::TypeFacts::default(),
            missing: Vec::new(),
            missing_keys: Vec::new(),
            deferred: None,
            tree_buffer: String::new(),
        }
    }

    /// Read table checks as trees, their text deferred (`crate::deferred`; the constraints
    /// query must be `Part::sql(_, true)`'s), from `server`.
    pub fn defer_checks(&mut self, server: crate::deferred::Server) {
        self.deferred = Some(crate::deferred::DeferredChecks::new(server));
    }

    /// The checks whose text was deferred (none unless [`Builder::defer_checks`]).
    pub fn take_deferred_checks(&mut self) -> crate::deferred::DeferredChecks {
        let server = crate::deferred::Server { major: 0, encoding: String::new() };
        self.deferred.take().unwrap_or_else(|| crate::deferred::DeferredChecks::new(server))
    }

    /// Fold one row of `part`'s query into the catalog.
    pub fn row(&mut self, part: Part, r: &Row) {
        match part {
            Part::Schemas => self.schema(r),
            Part::Extensions => self.extension(r),
            Part::Collations => self.collation(r),
            Part::ExtensionMembers => self.extension_member(r),
            Part::Relations => self.relation(r),
            Part::Types => self.type_(r),
            Part::TypeFacts => self.type_facts.push(r),
            Part::Columns => self.column(r),
            Part::ColumnDetails => self.column_details(r),
            Part::Sequences => self.sequence(r),
            Part::Constraints => self.constraint(r),
            Part::Opclasses => self.opclasses.push(r),
            Part::Indexes => self.index(r),
            Part::Functions => self.function(r),
            Part::Triggers => self.trigger(r),
            Part::Policies => self.policy(r),
            Part::Depends => self.dependency(r),
            Part::Privileges => self.privilege(r),
            Part::Unsupported => self.unsupported(r),
        }
    }

    /// `part`'s query has delivered all its rows.
    pub fn end(&mut self, part: Part) {
        match part {
            Part::Relations => self.resolve_parents(),
            Part::ColumnDetails => self.flush_columns(),
            _ => {}
        }
    }

    /// The indexes whose definition Rust could not assemble for sure: their OIDs, for
    /// `queries::INDEX_DEFINITIONS`, and their names.
    pub fn missing_index_definitions(&self) -> &[(u32, QualName)] {
        &self.missing
    }

    /// The indexes on expressions whose keys Rust could not read off their definition: their
    /// OIDs, for `queries::INDEX_KEYS`, and their names.
    pub fn missing_index_keys(&self) -> &[(u32, QualName)] {
        &self.missing_keys
    }

    /// The finished catalog, with the server's definitions (OID, `pg_get_indexdef`) of the
    /// indexes [`Self::missing_index_definitions`] listed, and the server's keys of those
    /// [`Self::missing_index_keys`] listed.
    pub fn finish(
        mut self,
        index_definitions: impl IntoIterator<Item = (u32, String)>,
        index_keys: impl IntoIterator<Item = (u32, Vec<String>)>,
    ) -> Catalog {
        let names: HashMap<u32, QualName> = std::mem::take(&mut self.missing).into_iter().collect();
        for (oid, definition) in index_definitions {
            let Some(index) = names.get(&oid).and_then(|name| self.cat.indexes.get_mut(name)) else { continue };
            index.definition = whole_tree(definition, &index.table);
        }
        let names: HashMap<u32, QualName> = std::mem::take(&mut self.missing_keys).into_iter().collect();
        for (oid, keys) in index_keys {
            let Some(index) = names.get(&oid).and_then(|name| self.cat.indexes.get_mut(name)) else { continue };
            index.keys = keys;
        }
        self.cat
    }

    fn schema(&mut self, r: &Row) {
        let name: String = r.get(1);
        if self.filter.allows_schema_object(&name) {
            self.oids.schemas.insert(r.get(0), name.clone());
            self.cat.schemas.insert(name.clone(), Schema { name, comment: r.get(2), privileges: BTreeSet::new() });
        }
    }

    fn extension(&mut self, r: &Row) {
        let ext = Extension { name: r.get(0), schema: r.get(1), version: r.get(2), comment: r.get(3) };
        if self.filter.allows_extension(&ext.name, &ext.schema) {
            self.cat.extensions.insert(ext.name.clone(), ext);
        }
    }

    /// A diagnostic for each object of a kind the model does not represent (those in a schema
    /// only when the filter lets their name through; casts, event triggers and publications
    /// belong to no schema and are reported only when the filter does not narrow what is seen:
    /// a live database read through a project's ownership may hold another system's).
    fn unsupported(&mut self, r: &Row) {
        let filter = self.filter;
        let (kind, schema, name): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        let shown = if schema.is_empty() {
            filter.owned.is_none() && filter.include.is_empty() && filter.include_schemas.is_empty()
        } else {
            filter.allows(&QualName::new(schema.clone(), name.split('.').next().unwrap_or(&name)))
        };
        if shown {
            let what = if schema.is_empty() { name } else { format!("{}.{}", quote::ident(&schema), name) };
            self.cat.diagnostics.push(format!("{kind} {what} is not modelled yet: no migration creates, changes or drops it"));
        }
    }

    fn collation(&mut self, r: &Row) {
        let name = QualName::new(r.get::<_, &str>(1), r.get::<_, &str>(2));
        if !self.filter.allows(&name) {
            return;
        }
        let provider = match r.get::<_, &str>(3) {
            "i" => "icu",
            "c" => "libc",
            "b" => "builtin",
            _ => "default",
        };
        self.oids.collations.insert(r.get(0), ObjectRef::Collation { name: name.clone() });
        self.cat.collations.insert(
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

    /// A privilege, onto the object of the catalog it is granted on.
    fn privilege(&mut self, r: &Row) {
        let (cat, oids) = (&mut self.cat, &self.oids);
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

    /// Types and functions of the extensions in the catalog stand for their extension in
    /// dependencies (the members themselves are never part of the catalog).
    fn extension_member(&mut self, r: &Row) {
        let (class, oid, ext): (u32, u32, &str) = (r.get(0), r.get(1), r.get(2));
        if class == PG_CLASS {
            // Never part of the catalog, whatever the filter says of their extension.
            self.extension_relations.insert(oid);
            return;
        }
        if !self.cat.extensions.contains_key(ext) {
            return;
        }
        let object = ObjectRef::Extension { name: ext.into() };
        match class {
            PG_TYPE => self.oids.types.insert(oid, object),
            PG_PROC => self.oids.funcs.insert(oid, object),
            _ => None,
        };
    }

    fn relation(&mut self, r: &Row) {
        let oid: u32 = r.get(0);
        if self.extension_relations.contains(&oid) {
            return;
        }
        let name = QualName::new(r.get::<_, &str>(1), r.get::<_, &str>(2));
        // Every user relation, for the foreign keys and parents that point outside the filter.
        self.oids.rel_names.insert(oid, name.clone());
        if !self.filter.allows(&name) {
            return;
        }
        let kind: &str = r.get(3);
        let reltype: u32 = r.get::<_, Option<u32>>(13).unwrap_or(0);
        let comment: Option<String> = r.get(12);
        match kind {
            "r" | "p" => {
                let parents: Vec<u32> = r.get::<_, Option<_>>(10).unwrap_or_default();
                if !parents.is_empty() {
                    self.pending.push(Pending { table: name.clone(), parents, bound: r.get(9) });
                }
                let table = Table {
                    name: name.clone(),
                    kind: match r.get::<_, Option<String>>(8) {
                        Some(key) => TableKind::Partitioned { key },
                        None => TableKind::Plain,
                    },
                    // Both filled in by `resolve_parents`.
                    partition_of: None,
                    inherits: Vec::new(),
                    unlogged: r.get::<_, Option<&str>>(4) == Some("u"),
                    columns: Vec::new(),
                    constraints: BTreeMap::new(),
                    triggers: BTreeMap::new(),
                    policies: BTreeMap::new(),
                    rls_enabled: r.get::<_, Option<bool>>(5).unwrap_or(false),
                    rls_forced: r.get::<_, Option<bool>>(6).unwrap_or(false),
                    options: r.get::<_, Option<_>>(7).unwrap_or_default(),
                    comment,
                    depends_on: DepSet::new(),
                    replica_identity: match r.get::<_, Option<&str>>(15) {
                        Some("f") => ReplicaIdentity::Full,
                        Some("n") => ReplicaIdentity::Nothing,
                        // `i` whose index was dropped: PostgreSQL logs nothing then.
                        Some("i") => match r.get::<_, Option<String>>(16) {
                            Some(name) => ReplicaIdentity::Index { name },
                            None => ReplicaIdentity::Nothing,
                        },
                        _ => ReplicaIdentity::Default,
                    },
                    privileges: BTreeSet::new(),
                };
                let object = ObjectRef::Table { name: name.clone() };
                self.oids.rels.insert(oid, object.clone());
                self.oids.types.insert(reltype, object);
                self.cat.tables.insert(name, table);
            }
            "v" | "m" => {
                let view = View {
                    name: name.clone(),
                    materialized: kind == "m",
                    populated: r.get(14),
                    definition: r.get::<_, Option<String>>(11).unwrap_or_default(),
                    options: r.get::<_, Option<_>>(7).unwrap_or_default(),
                    column_comments: BTreeMap::new(),
                    comment,
                    depends_on: DepSet::new(),
                    triggers: BTreeMap::new(),
                    privileges: BTreeSet::new(),
                };
                let object = ObjectRef::View { name: name.clone() };
                self.oids.rels.insert(oid, object.clone());
                self.oids.types.insert(reltype, object);
                self.cat.views.insert(name, view);
            }
            "S" => {
                if let Some(comment) = comment {
                    self.sequence_comments.insert(oid, comment);
                }
                self.oids.rels.insert(oid, ObjectRef::Sequence { name });
            }
            "c" => {
                self.oids.rels.insert(oid, ObjectRef::Type { name });
            }
            _ => self.cat.diagnostics.push(format!("foreign table {name} skipped: not supported yet")),
        }
    }

    /// Parents and partition bounds, once every relation's name is known.
    fn resolve_parents(&mut self) {
        for Pending { table, parents, bound } in std::mem::take(&mut self.pending) {
            let parents: Vec<QualName> =
                parents.iter().filter_map(|p| self.oids.rel_names.get(p).cloned()).collect();
            let Some(t) = self.cat.tables.get_mut(&table) else { continue };
            match bound {
                Some(bound) if !parents.is_empty() => {
                    t.partition_of = Some(PartitionOf { parent: parents[0].clone(), bound });
                }
                _ => t.inherits = parents,
            }
        }
    }

    fn type_(&mut self, r: &Row) {
        let oid: u32 = r.get(0);
        let name = QualName::new(r.get::<_, &str>(1), r.get::<_, &str>(2));
        if !self.filter.allows(&name) {
            return;
        }
        let kind = match r.get::<_, &str>(3) {
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
        self.oids.types.insert(oid, ObjectRef::Type { name: name.clone() });
        self.cat.types.insert(
            name.clone(),
            TypeDef { name, kind, comment: r.get(10), depends_on: DepSet::new(), privileges: BTreeSet::new() },
        );
    }

    fn column(&mut self, r: &Row) {
        let oids = &mut self.oids;
        let rel: u32 = r.get(0);
        let attnum: i16 = r.get(1);
        // Column names repeat across tables (`id`, `created_at`): one shared copy of each.
        let name: Name = oids.names.name(r.get(2));
        let type_oid: u32 = r.get(11);
        // Only a collation that is not the type's comes with the row.
        let attcollation = r.get::<_, Option<u32>>(10).or_else(|| self.type_facts.collation(type_oid)).unwrap_or(0);
        oids.set_column(rel, attnum, ColumnFacts { name: name.clone(), collation: attcollation, type_oid });
        match oids.rels.get(&rel) {
            Some(ObjectRef::Table { name: table }) => {
                // `attidentity` and `attgenerated` come as "char" (a byte), NULL for none.
                if r.get::<_, Option<i8>>(6).map(i8::cast_unsigned) == Some(b's') {
                    self.generated.insert((rel, attnum));
                }
                let identity = r.get::<_, Option<i8>>(5).map_or(0, i8::cast_unsigned);
                let column = Column {
                    name,
                    data_type: oids.names.name(r.get(3)),
                    collation: collation(r, 8, 9),
                    not_null: r.get::<_, Option<bool>>(4).unwrap_or(false),
                    // Default, generation expression and comment: `column_details`.
                    default: None,
                    // Filled in from the identity sequence by `sequence`.
                    identity: None,
                    generated: None,
                    local: r.get::<_, Option<bool>>(7).unwrap_or(true),
                    comment: None,
                };
                if identity != 0 {
                    oids.identity.insert((rel, column.name.clone()), identity == b'a');
                }
                self.table_columns.entry(rel).or_insert_with(|| Run::new(table)).push(attnum, column);
            }
            Some(ObjectRef::Type { name: ty }) => {
                let attribute =
                    CompositeAttribute { name: name.to_string(), data_type: r.get(3), collation: collation(r, 8, 9) };
                self.type_attributes.entry(rel).or_insert_with(|| Run::new(ty)).push(attnum, attribute);
            }
            _ => {}
        }
    }

    /// A column's default or generation expression, or its comment (a table's or a view's).
    fn column_details(&mut self, r: &Row) {
        let (rel, attnum): (u32, i16) = (r.get(0), r.get(1));
        let (expression, comment): (Option<String>, Option<String>) = (r.get(2), r.get(3));
        if let Some(column) = self.table_columns.get_mut(&rel).and_then(|run| run.get_mut(attnum)) {
            if let Some(comment) = comment {
                column.comment = Some(comment);
            } else if self.generated.contains(&(rel, attnum)) {
                column.generated = expression;
            } else {
                column.default = expression;
            }
        } else if let (Some(ObjectRef::View { name: view }), Some(comment)) = (self.oids.rels.get(&rel), comment) {
            let column = self.oids.column(rel, attnum).map(|c| c.name.to_string());
            if let (Some(v), Some(column)) = (self.cat.views.get_mut(view), column) {
                v.column_comments.insert(column, comment);
            }
        }
    }

    /// Move the columns and attributes gathered into their tables and types, in attnum order.
    fn flush_columns(&mut self) {
        for (_, run) in self.table_columns.drain() {
            if let Some(t) = self.cat.tables.get_mut(&run.owner) {
                t.columns = run.in_attnum_order();
            }
        }
        for (_, run) in self.type_attributes.drain() {
            if let Some(TypeDef { kind: TypeKind::Composite { attributes }, .. }) = self.cat.types.get_mut(&run.owner) {
                *attributes = run.in_attnum_order();
            }
        }
        self.table_columns.shrink_to_fit();
        self.type_attributes.shrink_to_fit();
        self.generated = Default::default();
    }

    fn sequence(&mut self, r: &Row) {
        let (cat, oids) = (&mut self.cat, &self.oids);
        let oid: u32 = r.get(0);
        let name = QualName::new(r.get::<_, &str>(1), r.get::<_, &str>(2));
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
        let deptype: Option<&str> = r.get(13);
        let owned_by = match (owner, owner_col) {
            (Some(rel), Some(att)) => {
                let table = oids.rel_names.get(&rel).cloned();
                let column = i16::try_from(att).ok().and_then(|a| oids.column(rel, a)).map(|c| c.name.clone());
                table.zip(column)
            }
            _ => None,
        };
        if deptype == Some("i") {
            // An identity sequence: its options belong to the column.
            let Some((table, column)) = owned_by else { return };
            let Some(col) = cat
                .tables
                .get_mut(&table)
                .and_then(|t| t.columns.iter_mut().find(|c| c.name == column))
            else {
                return;
            };
            if let Some(&always) = owner.and_then(|rel| oids.identity.get(&(rel, column.clone()))) {
                col.identity = Some(Box::new(Identity { always, sequence: name, options }));
            }
            return;
        }
        if !self.filter.allows(&name) {
            return;
        }
        cat.sequences.insert(
            name.clone(),
            Sequence {
                name,
                options,
                owned_by: owned_by.map(|(t, c)| (t, c.to_string())),
                unlogged: r.get::<_, &str>(10) == "u",
                comment: self.sequence_comments.remove(&oid),
                privileges: BTreeSet::new(),
            },
        );
    }

    fn constraint(&mut self, r: &Row) {
        let (cat, oids) = (&mut self.cat, &mut self.oids);
        let oid: u32 = r.get(0);
        let rel: u32 = r.get(1);
        let typ: u32 = r.get::<_, Option<u32>>(2).unwrap_or(0);
        let name: String = r.get(3);
        let contype: &str = r.get(4);
        if typ != 0 {
            let definition = check_definition(r, r.get::<_, Option<&str>>(16).unwrap_or_default());
            if let Some(ObjectRef::Type { name: ty }) = oids.types.get(&typ).cloned() {
                if let Some(TypeDef { kind: TypeKind::Domain { checks, .. }, .. }) = cat.types.get_mut(&ty) {
                    checks.insert(name.clone(), DomainCheck { name, definition });
                    oids.constraints.insert(oid, ObjectRef::Type { name: ty });
                }
            }
            return;
        }
        let Some(ObjectRef::Table { name: table }) = oids.rels.get(&rel).cloned() else { return };
        let columns = column_names(oids, rel, r.get(10));
        // A deferred check's tree, normalized; its text is the marker until filled in.
        let mut tree = None;
        let kind = match contype {
            "p" => ConstraintKind::PrimaryKey { columns },
            "u" => ConstraintKind::Unique { columns, nulls_not_distinct: r.get(19) },
            "c" if self.deferred.is_some() => {
                let conbin = r.get::<_, Option<&str>>(16).unwrap_or_default();
                let buffer = &mut self.tree_buffer;
                tree = Some(crate::deferred::fingerprint(conbin, |attnum| oids.column(rel, attnum).map(|c| &*c.name), buffer));
                ConstraintKind::Check { expression: crate::deferred::MARKER.to_owned(), no_inherit: r.get(9) }
            }
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
                    on_delete: fk_action(r.get(13)),
                    on_update: fk_action(r.get(14)),
                    match_type: match r.get::<_, &str>(15) {
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
            deferrable: deferrable(r),
            initially_deferred: initially_deferred(r),
            validated: validated(r),
            comment: r.get(17),
            // Its own table: the dependencies query leaves these out (`queries::DEPENDS`).
            depends_on: DepSet::from([ObjectRef::Table { name: table.clone() }]),
        };
        // What a constraint uses (types, functions) is recorded on the constraint itself; the
        // render folds an inline CHECK's dependencies into its table's.
        let node = ObjectRef::Constraint { table: table.clone(), name: name.as_str().into() };
        if matches!(contype, "p" | "u" | "x") {
            let index: u32 = r.get(18);
            oids.rels.insert(index, node.clone());
        }
        oids.constraints.insert(oid, node);
        if let Some(t) = cat.tables.get_mut(&table) {
            if let (Some(deferred), Some(tree)) = (&mut self.deferred, tree) {
                deferred.push(oid, table, name.clone(), tree);
            }
            t.constraints.insert(name, constraint);
        }
    }

    fn index(&mut self, r: &Row) {
        let oid: u32 = r.get(0);
        let rel: u32 = r.get(2);
        let (table, relation) = match self.oids.rels.get(&rel) {
            Some(relation @ (ObjectRef::Table { name } | ObjectRef::View { name })) => (name.clone(), relation.clone()),
            _ => return,
        };
        let name = QualName::new(table.schema.clone(), r.get::<_, &str>(1));
        let (oids, type_facts) = (&self.oids, &self.type_facts);
        let column = |attnum: i16| {
            let c = oids.column(rel, attnum)?;
            Some(crate::index_def::Column { name: &c.name, collation: c.collation, base: type_facts.base(c.type_oid)? })
        };
        // An index on expressions comes with the server's definition, and its keys are read off
        // it; the others are assembled here. What Rust cannot tell for sure is left for `finish`.
        let server_definition: Option<String> = r.get(5);
        let indkey: Vec<i16> = r.get(6);
        let nkey = usize::try_from(r.get::<_, i16>(7)).unwrap_or(0).min(indkey.len());
        let named = |a: &i16| oids.column(rel, *a).map(|c| quote::ident(&c.name)).unwrap_or_default();
        let keys = match &server_definition {
            Some(definition) => crate::index_def::expression_keys(definition, &indkey[..nkey], named).unwrap_or_else(|| {
                self.missing_keys.push((oid, name.clone()));
                Vec::new()
            }),
            None => indkey[..nkey].iter().map(named).collect(),
        };
        let definition = match server_definition {
            Some(definition) => whole_tree(definition, &table),
            None => crate::index_def::render(r, &table, column, &self.opclasses).unwrap_or_else(|| {
                self.missing.push((oid, name.clone()));
                String::new()
            }),
        };
        let include = indkey[nkey..].iter().map(named).collect();
        self.oids.rels.insert(oid, ObjectRef::Index { name: name.clone() });
        self.cat.indexes.insert(
            name.clone(),
            Index {
                name,
                table,
                unique: r.get::<_, Option<bool>>(3).unwrap_or(false),
                method: r.get(4),
                definition,
                keys,
                include,
                predicate: r.get(8),
                comment: r.get(9),
                nulls_not_distinct: r.get::<_, Option<bool>>(10).unwrap_or(false),
                // Its table: the dependencies query leaves these out (`queries::DEPENDS`).
                depends_on: DepSet::from([relation]),
            },
        );
    }

    fn function(&mut self, r: &Row) {
        let oid: u32 = r.get(0);
        let key = FunctionKey {
            schema: r.get::<_, &str>(1).into(),
            name: r.get::<_, &str>(2).into(),
            args: r.get::<_, &str>(3).into(),
        };
        if !self.filter.allows(&QualName::new(key.schema.clone(), key.name.clone())) {
            return;
        }
        let kind = match r.get::<_, &str>(4) {
            "f" => RoutineKind::Function,
            "p" => RoutineKind::Procedure,
            "w" => RoutineKind::Window,
            _ => {
                self.cat.diagnostics.push(format!("aggregate {} skipped: not supported yet", key.sql()));
                return;
            }
        };
        self.oids.funcs.insert(oid, ObjectRef::Function { key: key.clone() });
        self.cat.functions.insert(
            key.clone(),
            Function {
                key,
                kind,
                returns: r.get(5),
                language: r.get(6),
                definition: r.get::<_, Option<String>>(7).unwrap_or_default(),
                comment: r.get(8),
                depends_on: DepSet::new(),
                privileges: BTreeSet::new(),
            },
        );
    }

    fn trigger(&mut self, r: &Row) {
        let oid: u32 = r.get(0);
        let rel: u32 = r.get(1);
        let name: String = r.get(2);
        let Some(ObjectRef::Table { name: relation } | ObjectRef::View { name: relation }) = self.oids.rels.get(&rel)
        else {
            return;
        };
        let relation = relation.clone();
        let enabled = r.get::<_, &str>(4).chars().next().unwrap_or('O');
        let trigger =
            Trigger { name: name.clone(), definition: r.get(3), enabled, comment: r.get(5), depends_on: DepSet::new() };
        self.oids.triggers.insert(oid, ObjectRef::Trigger { table: relation.clone(), name: name.as_str().into() });
        if let Some(t) = self.cat.tables.get_mut(&relation) {
            t.triggers.insert(name, trigger);
        } else if let Some(v) = self.cat.views.get_mut(&relation) {
            v.triggers.insert(name, trigger);
        }
    }

    fn policy(&mut self, r: &Row) {
        let oid: u32 = r.get(0);
        let rel: u32 = r.get(1);
        let Some(ObjectRef::Table { name: table }) = self.oids.rels.get(&rel).cloned() else { return };
        let name: String = r.get(2);
        let command = match r.get::<_, &str>(4) {
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
            depends_on: DepSet::new(),
        };
        self.oids.policies.insert(oid, ObjectRef::Policy { table: table.clone(), name: name.as_str().into() });
        if let Some(t) = self.cat.tables.get_mut(&table) {
            t.policies.insert(name, policy);
        }
    }

    fn dependency(&mut self, r: &Row) {
        let (class, oid, ref_class, ref_oid): (u32, Option<u32>, u32, Option<u32>) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        let (Some(oid), Some(ref_oid)) = (oid, ref_oid) else { return };
        let Some(dependent) = lookup(&self.oids, class, oid) else { return };
        // A sequence's only dependency is its OWNED BY column, rendered on its own.
        if matches!(dependent, ObjectRef::Sequence { .. }) {
            return;
        }
        let Some(referenced) = lookup(&self.oids, ref_class, ref_oid) else { return };
        if dependent == referenced {
            return;
        }
        if let Some(deps) = depends_on_mut(&mut self.cat, dependent) {
            deps.insert(referenced.clone());
        }
    }
}

/// On a partitioned table `pg_get_indexdef` prints `ON ONLY` (pg_dump's form, which then
/// attaches each partition's index). We keep the form that creates the whole tree (as
/// `index_def::render` does).
fn whole_tree(definition: String, table: &QualName) -> String {
    let only = format!(" ON ONLY {} USING ", table.sql());
    if definition.contains(&only) {
        definition.replacen(&only, &format!(" ON {} USING ", table.sql()), 1)
    } else {
        definition
    }
}

fn collation(r: &Row, schema: usize, name: usize) -> Option<QualName> {
    match (r.get::<_, Option<&str>>(schema), r.get::<_, Option<&str>>(name)) {
        (Some(s), Some(n)) => Some(QualName::new(s, n)),
        _ => None,
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
        .map(|a| oids.column(rel, *a).map(|c| c.name.to_string()).unwrap_or_else(|| format!("#{a}")))
        .collect()
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
        ConstraintKind::Check { expression, .. } => return check_definition(r, expression),
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

/// A table or domain CHECK on `expression`: `CHECK (expr)`, then `NO INHERIT` and the trailer.
fn check_definition(r: &Row, expression: &str) -> String {
    let no_inherit = if r.get::<_, bool>(9) { " NO INHERIT" } else { "" };
    format!("CHECK ({expression}){no_inherit}{}", constraint_trailer(r))
}

/// `condeferrable`, `condeferred` and `convalidated` of a constraints row (NULL in their usual
/// state: not deferrable, not deferred, validated).
fn deferrable(r: &Row) -> bool {
    r.get::<_, Option<bool>>(6).unwrap_or(false)
}

fn initially_deferred(r: &Row) -> bool {
    r.get::<_, Option<bool>>(7).unwrap_or(false)
}

fn validated(r: &Row) -> bool {
    r.get::<_, Option<bool>>(8).unwrap_or(true)
}

/// ` DEFERRABLE`, ` INITIALLY DEFERRED`, ` NOT VALID`, as they apply.
fn constraint_trailer(r: &Row) -> &'static str {
    match (deferrable(r), initially_deferred(r), validated(r)) {
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

/// The columns (or attributes) of one relation gathered so far, with their attnums.
struct Run<T> {
    owner: QualName,
    attnums: Vec<i16>,
    items: Vec<T>,
}

impl<T> Run<T> {
    fn new(owner: &QualName) -> Self {
        Run { owner: owner.clone(), attnums: Vec::new(), items: Vec::new() }
    }

    fn push(&mut self, attnum: i16, item: T) {
        self.attnums.push(attnum);
        self.items.push(item);
    }

    /// The item of `attnum`.
    fn get_mut(&mut self, attnum: i16) -> Option<&mut T> {
        let at = self.attnums.iter().position(|a| *a == attnum)?;
        self.items.get_mut(at)
    }

    /// The items in attnum order. They usually arrive in it, and are then kept as they are.
    fn in_attnum_order(self) -> Vec<T> {
        let Run { attnums, mut items, .. } = self;
        if attnums.is_sorted() {
            items.shrink_to_fit();
            return items;
        }
        let mut numbered: Vec<(i16, T)> = attnums.into_iter().zip(items).collect();
        numbered.sort_unstable_by_key(|(attnum, _)| *attnum);
        numbered.into_iter().map(|(_, item)| item).collect()
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

fn depends_on_mut<'a>(cat: &'a mut Catalog, object: &ObjectRef) -> Option<&'a mut DepSet> {
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
