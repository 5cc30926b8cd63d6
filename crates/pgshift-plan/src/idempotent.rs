//! The guards of the idempotent plan ([`crate::PlanOptions::idempotent`]): for a statement
//! PostgreSQL has no `IF [NOT] EXISTS` form for, a `DO` block that runs it only when a catalog
//! query says its effect is not there yet.
//!
//! Owns: the one existence query per object kind ([`exists_query`]) and the few conditions on
//! parts of a table (a column, an identity, a partition, an enum label) that guarded
//! alterations need. Every name reaches them through `quote::literal`, and the guarded
//! statement is an `EXECUTE` of a literal inside a dollar quote whose tag occurs nowhere in the
//! body, so nothing a name or a literal holds can end either.

use pgshift_catalog::quote::{dollar, literal};
use pgshift_catalog::{ObjectRef, QualName};

/// A query returning a row when `object` exists in the database it runs on, matched by its
/// exact names (never through `search_path`); one per kind of the model.
pub fn exists_query(object: &ObjectRef) -> String {
    match object {
        ObjectRef::Schema { name } => format!("SELECT FROM pg_catalog.pg_namespace WHERE nspname = {}", literal(name)),
        ObjectRef::Extension { name } => format!("SELECT FROM pg_catalog.pg_extension WHERE extname = {}", literal(name)),
        ObjectRef::Collation { name } => in_schema("pg_collation", "collnamespace", "collname", name),
        ObjectRef::Type { name } => in_schema("pg_type", "typnamespace", "typname", name),
        ObjectRef::Sequence { name } | ObjectRef::Table { name } | ObjectRef::View { name } | ObjectRef::Index { name } => {
            in_schema("pg_class", "relnamespace", "relname", name)
        }
        ObjectRef::Function { key } => format!(
            "SELECT FROM pg_catalog.pg_proc o JOIN pg_catalog.pg_namespace n ON n.oid = o.pronamespace \
             WHERE n.nspname = {} AND o.proname = {} AND pg_catalog.pg_get_function_identity_arguments(o.oid) = {}",
            literal(&key.schema),
            literal(&key.name),
            literal(&key.args)
        ),
        ObjectRef::Constraint { table, name } => format!(
            "SELECT FROM pg_catalog.pg_constraint WHERE conrelid = {} AND conname = {}",
            relation(table),
            literal(name)
        ),
        ObjectRef::Trigger { table, name } => format!(
            "SELECT FROM pg_catalog.pg_trigger WHERE tgrelid = {} AND tgname = {}",
            relation(table),
            literal(name)
        ),
        ObjectRef::Policy { table, name } => format!(
            "SELECT FROM pg_catalog.pg_policy WHERE polrelid = {} AND polname = {}",
            relation(table),
            literal(name)
        ),
    }
}

/// A row of `catalog` named `name` in its schema.
fn in_schema(catalog: &str, namespace: &str, column: &str, name: &QualName) -> String {
    format!(
        "SELECT FROM pg_catalog.{catalog} o JOIN pg_catalog.pg_namespace n ON n.oid = o.{namespace} \
         WHERE n.nspname = {} AND o.{column} = {}",
        literal(&name.schema),
        literal(&name.name)
    )
}

/// The oid of relation `name` (NULL when there is none), as a scalar subquery.
fn relation(name: &QualName) -> String {
    format!(
        "(SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = {} AND c.relname = {})",
        literal(&name.schema),
        literal(&name.name)
    )
}

/// A query returning a row when `table` has the column `column` (an identity column only, with
/// `identity`).
pub(crate) fn column_query(table: &QualName, column: &str, identity: bool) -> String {
    format!(
        "SELECT FROM pg_catalog.pg_attribute WHERE attrelid = {} AND attname = {} AND NOT attisdropped{}",
        relation(table),
        literal(column),
        if identity { " AND attidentity <> ''" } else { "" }
    )
}

/// A query returning a row when `table` is a partition of `parent`.
pub(crate) fn partition_query(table: &QualName, parent: &QualName) -> String {
    format!(
        "SELECT FROM pg_catalog.pg_inherits WHERE inhrelid = {} AND inhparent = {}",
        relation(table),
        relation(parent)
    )
}

/// A query returning a row when the enum `ty` has the label `label`.
pub(crate) fn label_query(ty: &QualName, label: &str) -> String {
    format!(
        "SELECT FROM pg_catalog.pg_enum e JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = {} AND t.typname = {} AND e.enumlabel = {}",
        literal(&ty.schema),
        literal(&ty.name),
        literal(label)
    )
}

/// `statements`, run only when `query` returns a row (`when_found`) or returns none.
pub(crate) fn guarded(query: &str, when_found: bool, statements: &[String]) -> String {
    let test = if when_found { "EXISTS" } else { "NOT EXISTS" };
    let run: String = statements.iter().map(|s| format!("EXECUTE {}; ", literal(s))).collect();
    let body = format!(" BEGIN IF {test} ({query}) THEN {run}END IF; END ");
    format!("DO {}", dollar("pgshift_bridge", &body))
}

/// `statements`, which create `object`, run only when it does not exist.
pub(crate) fn unless_exists(object: &ObjectRef, statements: &[String]) -> String {
    guarded(&exists_query(object), false, statements)
}
