//! The schema model: plain, ordered, comparable data for every object kind pgshift manages.
//!
//! Identity of every object is its exact, case-sensitive qualified name (functions add their
//! argument types). Maps are `BTreeMap`s keyed by identity, so iteration, rendering and
//! snapshots are deterministic. Nothing here holds an OID or anything else that differs
//! between two databases holding the same schema. Expressions (defaults, checks, index and
//! view definitions) are kept as PostgreSQL rendered them, with `search_path` empty, so every
//! name in them is schema-qualified.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::deps::DepSet;
use serde::{Deserialize, Serialize};

pub use crate::name::Name;

/// A schema-qualified name: the identity of a relation, type or sequence.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QualName {
    /// Schema (namespace) name, exactly as stored.
    pub schema: Name,
    /// Object name, exactly as stored.
    pub name: Name,
}

impl QualName {
    /// Build a qualified name.
    pub fn new(schema: impl Into<Name>, name: impl Into<Name>) -> Self {
        QualName { schema: schema.into(), name: name.into() }
    }
    /// The name as SQL: `schema.name`, each part quoted when needed.
    pub fn sql(&self) -> String {
        crate::quote::qualified(&self.schema, &self.name)
    }
}

impl fmt::Display for QualName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql())
    }
}

/// Identity of a function or procedure: its qualified name plus its identity argument types
/// (as `pg_get_function_identity_arguments` prints them).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FunctionKey {
    /// Schema name.
    pub schema: Name,
    /// Function name.
    pub name: Name,
    /// Identity arguments, e.g. `a integer, b text`.
    pub args: Name,
}

impl FunctionKey {
    /// `schema.name(args)` as SQL.
    pub fn sql(&self) -> String {
        format!("{}({})", crate::quote::qualified(&self.schema, &self.name), self.args)
    }
}

/// A reference to one object of the catalog, used for dependencies and diagnostics.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ObjectRef {
    /// A schema.
    Schema {
        /// Its name.
        name: Name,
    },
    /// An extension.
    Extension {
        /// Its name.
        name: Name,
    },
    /// An enum, domain or composite type.
    Type {
        /// Its name.
        name: QualName,
    },
    /// A sequence.
    Sequence {
        /// Its name.
        name: QualName,
    },
    /// A table (plain, partitioned or partition).
    Table {
        /// Its name.
        name: QualName,
    },
    /// A view or materialized view.
    View {
        /// Its name.
        name: QualName,
    },
    /// A function or procedure.
    Function {
        /// Its identity.
        key: FunctionKey,
    },
    /// An index that does not back a constraint.
    Index {
        /// Its name.
        name: QualName,
    },
    /// A constraint rendered apart from its table (primary key, unique, exclusion, foreign key).
    Constraint {
        /// The table it belongs to.
        table: QualName,
        /// Its name.
        name: Name,
    },
    /// A trigger.
    Trigger {
        /// The table or view it is on.
        table: QualName,
        /// Its name.
        name: Name,
    },
    /// A row-level security policy.
    Policy {
        /// The table it is on.
        table: QualName,
        /// Its name.
        name: Name,
    },
    /// A collation (`CREATE COLLATION`).
    Collation {
        /// Its name.
        name: QualName,
    },
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectRef::Schema { name } => write!(f, "schema {}", crate::quote::ident(name)),
            ObjectRef::Extension { name } => write!(f, "extension {}", crate::quote::ident(name)),
            ObjectRef::Type { name } => write!(f, "type {name}"),
            ObjectRef::Sequence { name } => write!(f, "sequence {name}"),
            ObjectRef::Table { name } => write!(f, "table {name}"),
            ObjectRef::View { name } => write!(f, "view {name}"),
            ObjectRef::Function { key } => write!(f, "function {}", key.sql()),
            ObjectRef::Index { name } => write!(f, "index {name}"),
            ObjectRef::Constraint { table, name } => {
                write!(f, "constraint {} on {table}", crate::quote::ident(name))
            }
            ObjectRef::Trigger { table, name } => {
                write!(f, "trigger {} on {table}", crate::quote::ident(name))
            }
            ObjectRef::Policy { table, name } => {
                write!(f, "policy {} on {table}", crate::quote::ident(name))
            }
            ObjectRef::Collation { name } => write!(f, "collation {name}"),
        }
    }
}

/// The whole schema model of one database (after filtering).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// Schemas, by name.
    pub schemas: BTreeMap<String, Schema>,
    /// Extensions, by name.
    pub extensions: BTreeMap<String, Extension>,
    /// Enum, domain and composite types.
    #[serde(with = "as_list")]
    pub types: BTreeMap<QualName, TypeDef>,
    /// Free-standing sequences (identity sequences live on their column).
    #[serde(with = "as_list")]
    pub sequences: BTreeMap<QualName, Sequence>,
    /// Tables, including partitioned tables and partitions.
    #[serde(with = "as_list")]
    pub tables: BTreeMap<QualName, Table>,
    /// Views and materialized views.
    #[serde(with = "as_list")]
    pub views: BTreeMap<QualName, View>,
    /// Functions and procedures.
    #[serde(with = "as_list")]
    pub functions: BTreeMap<FunctionKey, Function>,
    /// Indexes that do not back a constraint, on tables and materialized views.
    #[serde(with = "as_list")]
    pub indexes: BTreeMap<QualName, Index>,
    /// Collations (`CREATE COLLATION`).
    #[serde(default, with = "as_list")]
    pub collations: BTreeMap<QualName, Collation>,
    /// Things inspection met and left out, in words ("aggregate x.y skipped: unsupported").
    pub diagnostics: Vec<String>,
}

/// Something that knows its own identity, so that a map of them can travel as a list.
pub trait Keyed {
    /// The identity type.
    type Key: Ord;
    /// This object's identity.
    fn key(&self) -> Self::Key;
}

macro_rules! keyed {
    ($($ty:ty => $key:ty, $field:ident;)*) => {$(
        impl Keyed for $ty {
            type Key = $key;
            fn key(&self) -> $key {
                self.$field.clone()
            }
        }
    )*};
}

keyed! {
    TypeDef => QualName, name;
    Sequence => QualName, name;
    Table => QualName, name;
    View => QualName, name;
    Function => FunctionKey, key;
    Index => QualName, name;
    Collation => QualName, name;
}

/// Serde for maps keyed by a struct: JSON object keys must be strings, so such a map is
/// written as the list of its values (each holds its own name) and rebuilt from it.
mod as_list {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Keyed;

    pub fn serialize<S: Serializer, V: Keyed + Serialize>(
        map: &BTreeMap<V::Key, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>, V: Keyed + Deserialize<'de>>(
        d: D,
    ) -> Result<BTreeMap<V::Key, V>, D::Error> {
        Ok(Vec::<V>::deserialize(d)?.into_iter().map(|v| (v.key(), v)).collect())
    }
}

/// A schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// Its name.
    pub name: String,
    /// `COMMENT ON SCHEMA`.
    pub comment: Option<String>,
    /// Privileges granted on it (see [`Privilege`]).
    #[serde(default)]
    pub privileges: BTreeSet<Privilege>,
}

/// One privilege granted on an object, as `aclexplode` reads it from the object's ACL (the
/// built-in default ACL when the object has none). The owner's own privileges are left out:
/// ownership is not part of the model, and an owner holds every privilege anyway. Compared by
/// the diff only when privileges are asked for (`--with-privileges`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Privilege {
    /// The role it is granted to, `public` for PUBLIC.
    pub grantee: String,
    /// `SELECT`, `INSERT`, `USAGE`, `EXECUTE`, … as `aclexplode` prints it.
    pub privilege: String,
    /// `WITH GRANT OPTION`.
    pub grantable: bool,
}

/// A collation created by `CREATE COLLATION`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collation {
    /// Its name.
    pub name: QualName,
    /// `icu` or `libc`.
    pub provider: String,
    /// The ICU locale (`locale = …` of an ICU collation).
    pub locale: Option<String>,
    /// `LC_COLLATE` of a libc collation.
    pub lc_collate: Option<String>,
    /// `LC_CTYPE` of a libc collation.
    pub lc_ctype: Option<String>,
    /// `deterministic` (false: strings that compare equal may differ in bytes).
    pub deterministic: bool,
    /// `COMMENT ON COLLATION`.
    pub comment: Option<String>,
}

/// An installed extension (its member objects are never part of the catalog).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// Its name.
    pub name: String,
    /// The schema it was installed into.
    pub schema: String,
    /// Installed version (informational: not rendered, so a script stays portable).
    pub version: String,
    /// `COMMENT ON EXTENSION`.
    pub comment: Option<String>,
}

/// An enum, domain or composite type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeDef {
    /// Its name.
    pub name: QualName,
    /// What kind of type it is.
    pub kind: TypeKind,
    /// `COMMENT ON TYPE` / `COMMENT ON DOMAIN`.
    pub comment: Option<String>,
    /// Objects it needs to exist first.
    pub depends_on: DepSet,
    /// Privileges granted on it (see [`Privilege`]).
    #[serde(default)]
    pub privileges: BTreeSet<Privilege>,
}

/// The body of a [`TypeDef`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TypeKind {
    /// `CREATE TYPE … AS ENUM`: labels in their sort order.
    Enum {
        /// Labels, in order.
        labels: Vec<String>,
    },
    /// `CREATE DOMAIN`.
    Domain {
        /// Base type as `format_type` prints it.
        base_type: String,
        /// Collation when it differs from the base type's default.
        collation: Option<QualName>,
        /// Default expression.
        default: Option<String>,
        /// `NOT NULL`.
        not_null: bool,
        /// Named check constraints, by name.
        checks: BTreeMap<String, DomainCheck>,
    },
    /// `CREATE TYPE … AS (…)`.
    Composite {
        /// Attributes, in order.
        attributes: Vec<CompositeAttribute>,
    },
}

/// A domain's named CHECK constraint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainCheck {
    /// Its name.
    pub name: String,
    /// As `pg_get_constraintdef` prints it: `CHECK (…)`, possibly `NOT VALID`.
    pub definition: String,
}

/// One attribute of a composite type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeAttribute {
    /// Its name.
    pub name: String,
    /// Its type as `format_type` prints it.
    pub data_type: String,
    /// Collation when it differs from the type's default.
    pub collation: Option<QualName>,
}

/// Options shared by sequences and identity columns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceOptions {
    /// `AS smallint|integer|bigint`.
    pub data_type: String,
    /// `START WITH`.
    pub start: i64,
    /// `INCREMENT BY`.
    pub increment: i64,
    /// `MINVALUE`.
    pub min_value: i64,
    /// `MAXVALUE`.
    pub max_value: i64,
    /// `CACHE`.
    pub cache: i64,
    /// `CYCLE`.
    pub cycle: bool,
}

/// A free-standing sequence (including the ones behind `serial` columns).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    /// Its name.
    pub name: QualName,
    /// Its options.
    pub options: SequenceOptions,
    /// `OWNED BY table.column`.
    pub owned_by: Option<(QualName, String)>,
    /// `UNLOGGED`.
    pub unlogged: bool,
    /// `COMMENT ON SEQUENCE`.
    pub comment: Option<String>,
    /// Privileges granted on it (see [`Privilege`]).
    #[serde(default)]
    pub privileges: BTreeSet<Privilege>,
}

/// What kind of table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TableKind {
    /// A plain heap table.
    Plain,
    /// `PARTITION BY …` with its key as `pg_get_partkeydef` prints it.
    Partitioned {
        /// e.g. `RANGE (created_at)`.
        key: String,
    },
}

/// `PARTITION OF parent FOR VALUES …`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionOf {
    /// The partitioned parent table.
    pub parent: QualName,
    /// e.g. `FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')` or `DEFAULT`.
    pub bound: String,
}

/// A table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Its name.
    pub name: QualName,
    /// Plain or partitioned.
    pub kind: TableKind,
    /// Set when this table is a partition.
    pub partition_of: Option<PartitionOf>,
    /// Parents of plain (non-partition) inheritance, in order.
    pub inherits: Vec<QualName>,
    /// `UNLOGGED`.
    pub unlogged: bool,
    /// Columns in their order; inherited ones are marked `local = false`.
    pub columns: Vec<Column>,
    /// Constraints, by name (NOT NULL is a column property, not listed here).
    pub constraints: BTreeMap<String, Constraint>,
    /// Triggers, by name (internal and partition-cloned triggers are left out).
    pub triggers: BTreeMap<String, Trigger>,
    /// Row-level security policies, by name.
    pub policies: BTreeMap<String, Policy>,
    /// `ENABLE ROW LEVEL SECURITY`.
    pub rls_enabled: bool,
    /// `FORCE ROW LEVEL SECURITY`.
    pub rls_forced: bool,
    /// Storage parameters (`WITH (fillfactor=70)`), as `name=value`.
    pub options: Vec<String>,
    /// `COMMENT ON TABLE`.
    pub comment: Option<String>,
    /// Objects it needs to exist first (column types, functions in defaults and checks, …).
    pub depends_on: DepSet,
    /// `REPLICA IDENTITY`.
    #[serde(default)]
    pub replica_identity: ReplicaIdentity,
    /// Privileges granted on it (see [`Privilege`]).
    #[serde(default)]
    pub privileges: BTreeSet<Privilege>,
}

/// `ALTER TABLE … REPLICA IDENTITY …`: what logical decoding logs of an updated or deleted row.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReplicaIdentity {
    /// The primary key, if any.
    #[default]
    Default,
    /// Every column.
    Full,
    /// Nothing.
    Nothing,
    /// `USING INDEX`: a unique index (or the index of a primary key or unique constraint) of
    /// the table, by name (in the table's schema).
    Index {
        /// The index's name.
        name: String,
    },
}

impl Table {
    /// The column with this exact name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// `GENERATED ALWAYS|BY DEFAULT AS IDENTITY (…)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// `ALWAYS` (true) or `BY DEFAULT` (false).
    pub always: bool,
    /// The identity sequence's name.
    pub sequence: QualName,
    /// The identity sequence's options.
    pub options: SequenceOptions,
}

/// A table column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Its name.
    pub name: Name,
    /// Type with typmod, as `format_type` prints it (e.g. `character varying(20)`); shared by
    /// every column of the same type.
    pub data_type: Name,
    /// Collation when it differs from the type's default.
    pub collation: Option<QualName>,
    /// `NOT NULL`.
    pub not_null: bool,
    /// Default expression (not for generated columns).
    pub default: Option<String>,
    /// Identity column.
    pub identity: Option<Box<Identity>>,
    /// `GENERATED ALWAYS AS (expr) STORED`.
    pub generated: Option<String>,
    /// False when the column only comes from a parent (partition or inheritance).
    pub local: bool,
    /// `COMMENT ON COLUMN`.
    pub comment: Option<String>,
}

/// `ON DELETE` / `ON UPDATE` action of a foreign key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    /// `NO ACTION`
    NoAction,
    /// `RESTRICT`
    Restrict,
    /// `CASCADE`
    Cascade,
    /// `SET NULL`
    SetNull,
    /// `SET DEFAULT`
    SetDefault,
}

/// `MATCH` type of a foreign key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkMatch {
    /// `MATCH SIMPLE`
    Simple,
    /// `MATCH FULL`
    Full,
    /// `MATCH PARTIAL`
    Partial,
}

/// What a constraint is, with the structure the diff needs to reason about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConstraintKind {
    /// `PRIMARY KEY (…)`.
    PrimaryKey {
        /// Key columns.
        columns: Vec<String>,
    },
    /// `UNIQUE [NULLS NOT DISTINCT] (…)`.
    Unique {
        /// Key columns.
        columns: Vec<String>,
        /// `NULLS NOT DISTINCT` (PostgreSQL 15+).
        nulls_not_distinct: bool,
    },
    /// `CHECK (…) [NO INHERIT]`.
    Check {
        /// The expression.
        expression: String,
        /// `NO INHERIT`.
        no_inherit: bool,
    },
    /// `FOREIGN KEY (…) REFERENCES …`.
    ForeignKey {
        /// Referencing columns.
        columns: Vec<String>,
        /// Referenced table.
        ref_table: QualName,
        /// Referenced columns.
        ref_columns: Vec<String>,
        /// `ON DELETE`.
        on_delete: FkAction,
        /// `ON UPDATE`.
        on_update: FkAction,
        /// `MATCH`.
        match_type: FkMatch,
    },
    /// `EXCLUDE USING …`.
    Exclude,
}

/// A table constraint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraint {
    /// Its name.
    pub name: String,
    /// Its kind and structure.
    pub kind: ConstraintKind,
    /// The full definition as `pg_get_constraintdef` prints it (rendered as is).
    pub definition: String,
    /// `DEFERRABLE`.
    pub deferrable: bool,
    /// `INITIALLY DEFERRED`.
    pub initially_deferred: bool,
    /// False for a `NOT VALID` constraint not yet validated.
    pub validated: bool,
    /// `COMMENT ON CONSTRAINT`.
    pub comment: Option<String>,
    /// Objects it needs besides its table (the referenced key of a foreign key, functions).
    pub depends_on: DepSet,
}

impl Constraint {
    /// True for the constraints rendered inside `CREATE TABLE` (CHECK); the others are added
    /// by `ALTER TABLE … ADD CONSTRAINT` after the tables exist.
    pub fn is_inline(&self) -> bool {
        matches!(self.kind, ConstraintKind::Check { .. })
    }
}

/// An index that does not back a constraint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// Its name (indexes live in their table's schema).
    pub name: QualName,
    /// The table or materialized view it indexes.
    pub table: QualName,
    /// `UNIQUE`.
    pub unique: bool,
    /// Access method (`btree`, `gin`, …).
    pub method: String,
    /// Key columns (quoted names) or expressions, as SQL; opclass, collation and ordering are
    /// in `definition`.
    pub keys: Vec<String>,
    /// `INCLUDE (…)` columns (quoted names).
    pub include: Vec<String>,
    /// Partial index predicate.
    pub predicate: Option<String>,
    /// `NULLS NOT DISTINCT` (PostgreSQL 15+).
    pub nulls_not_distinct: bool,
    /// The full `CREATE INDEX` as `pg_get_indexdef` prints it (rendered as is).
    pub definition: String,
    /// `COMMENT ON INDEX`.
    pub comment: Option<String>,
    /// Objects it needs besides its table (functions in expressions).
    pub depends_on: DepSet,
}

fn populated_default() -> bool {
    true
}

/// A view or materialized view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// Its name.
    pub name: QualName,
    /// `MATERIALIZED`.
    pub materialized: bool,
    /// A materialized view holds data (`pg_class.relispopulated`): false when it was created
    /// `WITH NO DATA` (as pg_dump writes them) and never refreshed. Always true for a view.
    #[serde(default = "populated_default")]
    pub populated: bool,
    /// The query as `pg_get_viewdef` prints it.
    pub definition: String,
    /// Options (`security_barrier=true`, `check_option=cascaded`, …) as `name=value`.
    pub options: Vec<String>,
    /// Column comments, by column name.
    pub column_comments: BTreeMap<String, String>,
    /// `COMMENT ON VIEW`.
    pub comment: Option<String>,
    /// Tables, views and functions it reads.
    pub depends_on: DepSet,
    /// Triggers (`INSTEAD OF` and statement triggers), by name: recreated with the view.
    #[serde(default)]
    pub triggers: BTreeMap<String, Trigger>,
    /// Privileges granted on it (see [`Privilege`]).
    #[serde(default)]
    pub privileges: BTreeSet<Privilege>,
}

/// Function or procedure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutineKind {
    /// `CREATE FUNCTION`.
    Function,
    /// `CREATE PROCEDURE`.
    Procedure,
    /// A window function.
    Window,
}

/// A function or procedure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// Its identity.
    pub key: FunctionKey,
    /// Function, procedure or window function.
    pub kind: RoutineKind,
    /// Result type (`pg_get_function_result`), None for procedures.
    pub returns: Option<String>,
    /// Language name.
    pub language: String,
    /// The full `CREATE OR REPLACE …` as `pg_get_functiondef` prints it (rendered as is).
    pub definition: String,
    /// `COMMENT ON FUNCTION`.
    pub comment: Option<String>,
    /// Types and relations it needs (argument and result types, SQL-standard bodies).
    pub depends_on: DepSet,
    /// Privileges granted on it (see [`Privilege`]).
    #[serde(default)]
    pub privileges: BTreeSet<Privilege>,
}

/// A trigger on a table or view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// Its name.
    pub name: String,
    /// The full `CREATE TRIGGER` as `pg_get_triggerdef` prints it.
    pub definition: String,
    /// `O` (enabled), `D` (disabled), `R` (replica), `A` (always).
    pub enabled: char,
    /// `COMMENT ON TRIGGER`.
    pub comment: Option<String>,
    /// The trigger function and anything else it needs.
    pub depends_on: DepSet,
}

/// Which commands a policy applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyCommand {
    /// `FOR ALL`
    All,
    /// `FOR SELECT`
    Select,
    /// `FOR INSERT`
    Insert,
    /// `FOR UPDATE`
    Update,
    /// `FOR DELETE`
    Delete,
}

/// A row-level security policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Its name.
    pub name: String,
    /// `AS PERMISSIVE` (true) or `AS RESTRICTIVE`.
    pub permissive: bool,
    /// `FOR …`.
    pub command: PolicyCommand,
    /// `TO …`: role names, `public` for PUBLIC.
    pub roles: Vec<String>,
    /// `USING (…)`.
    pub using: Option<String>,
    /// `WITH CHECK (…)`.
    pub with_check: Option<String>,
    /// `COMMENT ON POLICY`.
    pub comment: Option<String>,
    /// Functions and relations its expressions use.
    pub depends_on: DepSet,
}

impl Catalog {
    /// Number of objects of each kind, for summaries.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut m = BTreeMap::new();
        m.insert("schemas", self.schemas.len());
        m.insert("extensions", self.extensions.len());
        m.insert("types", self.types.len());
        m.insert("sequences", self.sequences.len());
        m.insert("tables", self.tables.len());
        m.insert("views", self.views.len());
        m.insert("functions", self.functions.len());
        m.insert("indexes", self.indexes.len());
        m.insert("collations", self.collations.len());
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_survives_json() {
        let mut cat = Catalog::default();
        let name = QualName::new("public", "Order");
        cat.sequences.insert(
            name.clone(),
            Sequence {
                name,
                options: SequenceOptions {
                    data_type: "bigint".into(),
                    start: 1,
                    increment: 1,
                    min_value: 1,
                    max_value: i64::MAX,
                    cache: 1,
                    cycle: false,
                },
                owned_by: None,
                unlogged: false,
                comment: Some("c".into()),
                privileges: BTreeSet::new(),
            },
        );
        let json = serde_json::to_string(&cat).unwrap();
        let back: Catalog = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cat);
    }
}
