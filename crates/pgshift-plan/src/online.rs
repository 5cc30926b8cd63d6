//! The online forms ([`crate::PlanOptions::online`]): what a change to a table that already holds
//! rows and serves traffic runs as, so that no statement holds a lock that blocks reads or
//! writes for longer than a catalog update.
//!
//! Owns, for tables that existed before the migration (and are not partitioned, where
//! PostgreSQL has no such forms):
//! - indexes built and dropped `CONCURRENTLY`, each a `no transaction` step (`IF NOT EXISTS` /
//!   `IF EXISTS`, so a rerun after a crash finds its work done; an INVALID index an earlier
//!   failed build left is dropped by the apply engine before the build runs again);
//! - UNIQUE and PRIMARY KEY constraints as a concurrent unique index, then `ADD CONSTRAINT …
//!   USING INDEX`;
//! - FOREIGN KEY and CHECK constraints added `NOT VALID` (a short lock), then `VALIDATE
//!   CONSTRAINT` as a step of its own (its scan takes only SHARE UPDATE EXCLUSIVE, outside the
//!   transaction that took the strong lock);
//! - `SET NOT NULL` as `CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE`, `SET NOT NULL` (which
//!   trusts the validated check instead of scanning), and the check dropped;
//! - backfills in batches of [`BATCH`] rows by primary key, committed one by one (a `DO`
//!   block run outside a transaction may `COMMIT`), and resumable: a rerun skips the rows
//!   already filled.
//!
//! Must not: change what the migration does: every form ends in the same catalog state as the
//! offline one (the plan is verified by replay like any other).

use pgshift_catalog::quote::{dollar, ident};
use pgshift_catalog::{Catalog, Column, Constraint, ConstraintKind, QualName, TableKind};

/// Rows per committed batch of an online backfill.
pub const BATCH: u32 = 5_000;

/// One statement of an online form: its SQL, its proof query, whether it runs in a transaction.
pub struct Part {
    /// The statement.
    pub sql: String,
    /// The proof query of a data-dependent statement.
    pub proof: Option<String>,
    /// Whether it may run inside a transaction.
    pub transactional: bool,
}

impl Part {
    fn tx(sql: String) -> Part {
        Part { sql, proof: None, transactional: true }
    }

    fn alone(sql: String, proof: Option<String>) -> Part {
        Part { sql, proof, transactional: false }
    }
}

/// Whether `table` takes the online forms: it held rows before the migration (it is in
/// `source`) and is not partitioned.
pub fn applies(source: &Catalog, table: &QualName) -> bool {
    source.tables.get(table).is_some_and(|t| matches!(t.kind, TableKind::Plain))
}

/// `CREATE [UNIQUE] INDEX name ON …` (as `pg_get_indexdef` prints it) built concurrently, if
/// it does not exist yet.
pub fn create_index(definition: &str) -> Option<String> {
    for prefix in ["CREATE UNIQUE INDEX ", "CREATE INDEX "] {
        if let Some(rest) = definition.strip_prefix(prefix) {
            return Some(format!("{prefix}CONCURRENTLY IF NOT EXISTS {rest}"));
        }
    }
    None
}

/// `DROP INDEX CONCURRENTLY IF EXISTS name`.
pub fn drop_index(name: &QualName) -> String {
    format!("DROP INDEX CONCURRENTLY IF EXISTS {}", name.sql())
}

/// A constraint added to an existing table, online, with its proof query; `None` for the kinds
/// with no online form (EXCLUDE, a UNIQUE with NULLS NOT DISTINCT, a deferrable key) and
/// for `NOT VALID` constraints (already cheap).
pub fn add_constraint(table: &QualName, c: &Constraint, proof: Option<String>) -> Option<Vec<Part>> {
    if !c.validated {
        return None;
    }
    let t = table.sql();
    let name = ident(&c.name);
    match &c.kind {
        ConstraintKind::ForeignKey { .. } | ConstraintKind::Check { .. } => Some(vec![
            Part::tx(format!("ALTER TABLE {t} ADD CONSTRAINT {name} {} NOT VALID", c.definition)),
            Part::alone(format!("ALTER TABLE {t} VALIDATE CONSTRAINT {name}"), proof),
        ]),
        ConstraintKind::Unique { columns, nulls_not_distinct: false } | ConstraintKind::PrimaryKey { columns }
            if !c.deferrable && plain_key(&c.definition) =>
        {
            let what = if matches!(c.kind, ConstraintKind::PrimaryKey { .. }) { "PRIMARY KEY" } else { "UNIQUE" };
            let cols: Vec<String> = columns.iter().map(|c| ident(c)).collect();
            let index = QualName::new(table.schema.clone(), c.name.clone());
            Some(vec![
                Part::alone(
                    format!("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {t} USING btree ({})", cols.join(", ")),
                    proof,
                ),
                Part::tx(format!("ALTER TABLE {t} ADD CONSTRAINT {name} {what} USING INDEX {}", ident(&index.name))),
            ])
        }
        _ => None,
    }
}

/// Whether a key's definition is just its columns (no `INCLUDE`, `WITH`, `USING INDEX
/// TABLESPACE`, which `USING INDEX` cannot restate).
fn plain_key(definition: &str) -> bool {
    let body = definition.trim_start_matches("PRIMARY KEY").trim_start_matches("UNIQUE").trim();
    body.starts_with('(') && body.ends_with(')') && !body.contains(" INCLUDE ") && !body.contains(" WITH ") && !body.contains(" USING ")
}

/// `SET NOT NULL` on a column of a table with rows, online (see the module doc), with the
/// backfill before it when there is one.
pub fn set_not_null(source: &Catalog, table: &QualName, column: &str, backfill: Option<&str>, proof: String) -> Vec<Part> {
    let t = table.sql();
    let col = ident(column);
    let check = ident(&check_name(table, column));
    let mut out = Vec::new();
    if let Some(expr) = backfill {
        out.push(fill(source, table, column, expr));
    }
    out.push(Part::tx(format!("ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID")));
    out.push(Part::alone(format!("ALTER TABLE {t} VALIDATE CONSTRAINT {check}"), Some(proof)));
    out.push(Part::tx(format!("ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL")));
    out.push(Part::tx(format!("ALTER TABLE {t} DROP CONSTRAINT {check}")));
    out
}

/// A new NOT NULL column filled for existing rows, online: added nullable, backfilled in
/// batches, then [`set_not_null`]'s steps.
pub fn add_not_null_column(source: &Catalog, table: &QualName, add_nullable: String, column: &Column, expr: &str, proof: String) -> Vec<Part> {
    let mut out = vec![Part::tx(add_nullable)];
    out.extend(set_not_null(source, table, &column.name, Some(expr), proof));
    out
}

/// The temporary check's name: `<table>_<column>_not_null_pgshift`, cut to PostgreSQL's 63
/// bytes on a character boundary (the table's own NOT NULL constraint, in PostgreSQL 18, is
/// `<table>_<column>_not_null`).
fn check_name(table: &QualName, column: &str) -> String {
    let suffix = "_not_null_pgshift";
    let mut base = format!("{}_{column}", table.name);
    while base.len() + suffix.len() > 63 {
        base.pop();
    }
    format!("{base}{suffix}")
}

/// `UPDATE table SET column = expr WHERE column IS NULL` in committed batches by primary key;
/// one statement when the table has no primary key.
fn fill(source: &Catalog, table: &QualName, column: &str, expr: &str) -> Part {
    let t = table.sql();
    let col = ident(column);
    let key = source.tables.get(table).and_then(|t| {
        t.constraints.values().find_map(|c| match &c.kind {
            ConstraintKind::PrimaryKey { columns } => Some(columns.clone()),
            _ => None,
        })
    });
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Part::tx(format!("UPDATE {t} SET {col} = {expr} WHERE {col} IS NULL"));
    };
    let keys: Vec<String> = key.iter().map(|k| ident(k)).collect();
    let keys = keys.join(", ");
    let vars: Vec<String> = (0..key.len()).map(|i| format!("pgshift_k{i}")).collect();
    let declare: String = key.iter().zip(&vars).map(|(k, v)| format!("{v} {t}.{}%TYPE; ", ident(k))).collect();
    // The walk goes forward by key from the last batch's end, so each batch reads only its own
    // rows; the `IS NULL` filter makes a rerun after a failure skip what was filled.
    let after = format!("({}) > ({})", keys, vars.join(", "));
    let first = format!("{} IS NULL", vars[0]);
    let body = format!(
        " DECLARE {declare}pgshift_n bigint; BEGIN LOOP \
         WITH pgshift_batch AS (SELECT {keys} FROM {t} WHERE {first} OR {after} ORDER BY {keys} LIMIT {BATCH}), \
         pgshift_fill AS (UPDATE {t} SET {col} = {expr} WHERE {col} IS NULL AND ({keys}) IN (SELECT {keys} FROM pgshift_batch)) \
         SELECT {keys} INTO {} FROM pgshift_batch ORDER BY {} LIMIT 1; \
         GET DIAGNOSTICS pgshift_n = ROW_COUNT; EXIT WHEN pgshift_n = 0; COMMIT; END LOOP; END ",
        vars.join(", "),
        key.iter().map(|k| format!("{} DESC", ident(k))).collect::<Vec<_>>().join(", "),
    );
    Part::alone(format!("DO {}", dollar("pgshift_backfill", &body)), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_definitions_become_concurrent() {
        assert_eq!(
            create_index("CREATE UNIQUE INDEX a_b ON public.a USING btree (b)").as_deref(),
            Some("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS a_b ON public.a USING btree (b)")
        );
        assert_eq!(
            create_index("CREATE INDEX a_c ON public.a USING gin (c)").as_deref(),
            Some("CREATE INDEX CONCURRENTLY IF NOT EXISTS a_c ON public.a USING gin (c)")
        );
        assert_eq!(create_index("ALTER TABLE x"), None);
    }

    #[test]
    fn the_temporary_check_fits_in_63_bytes() {
        let long = "é".repeat(40);
        let name = check_name(&QualName::new("public", long.as_str()), "col");
        assert!(name.len() <= 63 && name.ends_with("_not_null_pgshift"), "{name}");
        assert_eq!(check_name(&QualName::new("public", "doc"), "title"), "doc_title_not_null_pgshift");
    }

    #[test]
    fn keys_with_options_have_no_online_form() {
        assert!(plain_key("UNIQUE (a, b)"));
        assert!(plain_key("PRIMARY KEY (id)"));
        assert!(!plain_key("UNIQUE (a) INCLUDE (b)"));
        assert!(!plain_key("UNIQUE (a) WITH (fillfactor='70')"));
    }
}
