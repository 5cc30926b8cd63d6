//! Which objects the project owns (DESIGN.md, ownership rules 1 and 2).
//!
//! Owns: subtracting the externals from a scratch catalog (externals are loaded into every
//! scratch database so that our objects can reference them, but they are never ours), and the
//! filter through which a live database is read: the names owned at its revision, plus the
//! desired ones, plus `own_schemas`, minus the configuration's `ignore` patterns.

use pgshift_catalog::{Catalog, NamePattern, ObjectFilter, OwnedNames, QualName};

/// `catalog` without the objects `externals` declares (same identity).
pub fn subtract(mut catalog: Catalog, externals: &Catalog) -> Catalog {
    catalog.schemas.retain(|k, _| !externals.schemas.contains_key(k));
    catalog.extensions.retain(|k, _| !externals.extensions.contains_key(k));
    catalog.types.retain(|k, _| !externals.types.contains_key(k));
    catalog.sequences.retain(|k, _| !externals.sequences.contains_key(k));
    catalog.tables.retain(|k, _| !externals.tables.contains_key(k));
    catalog.views.retain(|k, _| !externals.views.contains_key(k));
    catalog.functions.retain(|k, _| !externals.functions.contains_key(k));
    catalog.indexes.retain(|k, _| !externals.indexes.contains_key(k));
    catalog.diagnostics.clear();
    catalog
}

/// The names owned by a project whose history holds `history` and whose desired schema is
/// `desired` (either may be absent), with `own_schemas` owned whole.
pub fn names(catalogs: &[&Catalog], own_schemas: &[String]) -> OwnedNames {
    let mut owned = OwnedNames::default();
    for catalog in catalogs {
        owned.add_catalog(catalog);
    }
    owned.whole_schemas.extend(own_schemas.iter().cloned());
    owned
}

/// The filter for reading a live database: `base` (the `ignore` guard) seeing only `owned`,
/// and never the ledger tables.
pub fn live_filter(base: &ObjectFilter, owned: OwnedNames, ledger_schema: &str) -> ObjectFilter {
    let mut filter = base.clone().with_owned(owned);
    for table in LEDGER_TABLES {
        filter.exclude.push(NamePattern::exact(&QualName::new(ledger_schema, *table)));
    }
    filter
}

/// The ledger's tables (see `pgshift_history::Ledger`).
pub const LEDGER_TABLES: &[&str] = &["pgshift_revisions", "pgshift_log", "pgshift_progress"];

/// `catalog` without the top-level objects `filter` hides (the `ignore` guard applied to a
/// scratch catalog, so that both sides of a comparison with a live database agree).
pub fn filtered(mut catalog: Catalog, filter: &ObjectFilter) -> Catalog {
    catalog.schemas.retain(|k, _| filter.allows_schema_object(k));
    catalog.extensions.retain(|_, e| filter.allows_extension(&e.name, &e.schema));
    catalog.types.retain(|k, _| filter.allows(k));
    catalog.sequences.retain(|k, _| filter.allows(k));
    catalog.tables.retain(|k, _| filter.allows(k));
    catalog.views.retain(|k, _| filter.allows(k));
    catalog.functions.retain(|k, _| filter.allows(&QualName::new(k.schema.clone(), k.name.clone())));
    let tables = &catalog.tables;
    let views = &catalog.views;
    catalog.indexes.retain(|_, i| tables.contains_key(&i.table) || views.contains_key(&i.table));
    catalog
}
