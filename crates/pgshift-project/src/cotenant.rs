//! Co-tenant awareness: the other systems that share a database with us.
//!
//! Owns: recognizing other tools' migration ledgers (`_prisma_migrations`, `alembic_version`,
//! …) and finding name clashes between our desired objects and foreign ones: the same name in
//! the same schema (our `CREATE` would fail, or worse, we would believe we own it), or the same
//! name modulo case (`subscriptionstatus` beside `"SubscriptionStatus"`: legal, but one unquoted
//! reference away from a bug); tables, views, sequences, indexes, types and functions (by name,
//! whatever the arguments: a `CREATE OR REPLACE` of theirs would replace it). Two set-based
//! catalog queries; nothing is written.

use std::collections::BTreeMap;

use pgshift_catalog::{Catalog, OwnedNames, QualName};
use serde::Serialize;
use tokio_postgres::Client;

use crate::ProjectError;

/// Ledger tables of other migration tools, and the tool each belongs to.
pub const KNOWN_LEDGERS: &[(&str, &str)] = &[
    ("_prisma_migrations", "Prisma"),
    ("SchemaMigration", "a Go/Buffalo-style migrator (pop, soda)"),
    ("alembic_version", "Alembic"),
    ("flyway_schema_history", "Flyway"),
    ("schema_version", "Flyway (before 5)"),
    ("atlas_schema_revisions", "Atlas"),
    ("schema_migrations", "Rails, golang-migrate or dbmate"),
    ("_sqlx_migrations", "sqlx"),
    ("__diesel_schema_migrations", "Diesel"),
    ("refinery_schema_history", "refinery"),
    ("seaql_migrations", "SeaORM"),
    ("django_migrations", "Django"),
    ("knex_migrations", "Knex"),
    ("SequelizeMeta", "Sequelize"),
    ("pgmigrations", "node-pg-migrate"),
    ("goose_db_version", "goose"),
    ("databasechangelog", "Liquibase"),
    ("__EFMigrationsHistory", "Entity Framework"),
];

/// Another tool's ledger found in the database.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ForeignLedger {
    /// The table.
    pub table: String,
    /// The tool it belongs to.
    pub tool: String,
}

/// A desired object whose name clashes with a foreign one.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Clash {
    /// Our object, with its kind (`table public."Team"`).
    pub ours: String,
    /// The foreign object, with its kind.
    pub theirs: String,
    /// `same name` or `same name modulo case`.
    pub kind: String,
    /// Our object's name.
    #[serde(skip)]
    pub our_name: QualName,
    /// Whether the names are equal (not only modulo case).
    #[serde(skip)]
    pub exact: bool,
}

impl std::fmt::Display for Clash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "our {} and their {} ({})", self.ours, self.theirs, self.kind)
    }
}

/// The tools of `ledgers`, each with how many of its ledgers there are, in a stable order.
pub fn by_tool(ledgers: &[ForeignLedger]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for l in ledgers {
        match out.iter_mut().find(|(t, _)| *t == l.tool) {
            Some((_, n)) => *n += 1,
            None => out.push((l.tool.clone(), 1)),
        }
    }
    out
}

/// The foreign ledgers in the database.
pub async fn foreign_ledgers(client: &Client) -> Result<Vec<ForeignLedger>, ProjectError> {
    let names: Vec<&str> = KNOWN_LEDGERS.iter().map(|(n, _)| *n).collect();
    let rows = client
        .query(
            "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND c.relname = ANY($1) \
               AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
             ORDER BY 1, 2",
            &[&names],
        )
        .await
        .map_err(ProjectError::db("cannot list the tables of the database"))?;
    let tools: BTreeMap<&str, &str> = KNOWN_LEDGERS.iter().copied().collect();
    Ok(rows
        .iter()
        .map(|r| {
            let name = QualName::new(r.get::<_, String>(0), r.get::<_, String>(1));
            ForeignLedger { tool: tools.get(name.name.as_str()).copied().unwrap_or("?").to_owned(), table: name.to_string() }
        })
        .collect())
}

/// Every top-level object of `desired` whose name (exact, or equal modulo case, in the same
/// schema) is that of a live object that is neither in `owned` nor declared in `externals`,
/// and is not one of our ledger tables in `ledger_schema`. Whether an exact match is a clash
/// or an object to adopt is the caller's decision (see [`crate::owned::Ownership`]).
pub async fn clashes(
    client: &Client,
    desired: &Catalog,
    owned: &OwnedNames,
    externals: &Catalog,
    ledger_schema: &str,
) -> Result<Vec<Clash>, ProjectError> {
    let declared = crate::owned::names(&[externals], &[]);
    let rows = client
        .query(
            "SELECT n.nspname, c.relname, CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' \
                 WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'c' THEN 'type' \
                 WHEN 'f' THEN 'foreign table' ELSE 'table' END \
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
             UNION ALL \
             SELECT n.nspname, t.typname, 'type' FROM pg_catalog.pg_type t \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typtype IN ('e', 'd', 'r', 'm') \
               AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
             UNION ALL \
             SELECT n.nspname, p.proname, CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END \
             FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
               AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::regclass \
                               AND d.objid = p.oid AND d.deptype = 'e')",
            &[],
        )
        .await
        .map_err(ProjectError::db("cannot list the objects of the database"))?;
    let mut by_folded: BTreeMap<(String, String), Vec<(QualName, String)>> = BTreeMap::new();
    for r in &rows {
        let name = QualName::new(r.get::<_, String>(0), r.get::<_, String>(1));
        let ours_ledger = name.schema == ledger_schema && crate::owned::LEDGER_TABLES.contains(&name.name.as_str());
        if owned.owns(&name) || declared.owns(&name) || ours_ledger {
            continue;
        }
        let key = (name.schema.to_string(), name.name.to_lowercase());
        by_folded.entry(key).or_default().push((name, r.get::<_, String>(2)));
    }
    let functions: std::collections::BTreeSet<QualName> =
        desired.functions.keys().map(|k| QualName::new(k.schema.clone(), k.name.clone())).collect();
    let ours = desired
        .tables
        .keys()
        .map(|n| (n, "table"))
        .chain(desired.views.keys().map(|n| (n, "view")))
        .chain(desired.sequences.keys().map(|n| (n, "sequence")))
        .chain(desired.types.keys().map(|n| (n, "type")))
        .chain(desired.indexes.keys().map(|n| (n, "index")))
        .chain(functions.iter().map(|n| (n, "function")));
    let mut out = Vec::new();
    for (name, kind) in ours {
        let Some(foreign) = by_folded.get(&(name.schema.to_string(), name.name.to_lowercase())) else { continue };
        for (theirs, their_kind) in foreign {
            out.push(Clash {
                ours: format!("{kind} {name}"),
                theirs: format!("{their_kind} {theirs}"),
                kind: if theirs == name { "same name" } else { "same name modulo case" }.to_owned(),
                our_name: name.clone(),
                exact: theirs == name,
            });
        }
    }
    Ok(out)
}
