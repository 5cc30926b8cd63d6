//! Completeness per object kind: every kind of the model (`ObjectRef`'s variants) has its
//! inspect query (an object of it is read back from a database), existence check, drop and
//! comment statements, a render (created and dropped by a plan that converges both ways, rows
//! included), the guard's reading (the history that creates it owns it), a fixture directory
//! of its own under `tests/cases/`, and idempotent forms (`PlanOptions::idempotent`): its
//! existence query finds it exactly where it is, its idempotent drop does nothing where it is
//! not, its idempotent create does nothing where it is, and the idempotent plan creates and
//! drops every kind twice in a row.
//!
//! Adding a variant to `ObjectRef` fails to compile in [`kind`] below: give it a name there, add
//! it to [`KINDS`] and an object of it to [`EVERY_KIND`], and this test says what else is missing.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use pgshift_catalog::render::{drop_sql_with, nodes, RenderOptions};
use pgshift_catalog::{comment_target, drop_sql, ObjectRef};
use pgshift_diff::DiffOptions;
use pgshift_plan::PlanOptions;
use pgshift_testkit::pg_error;
use pgshift_history::guard::{Name, Owned};
use pgshift_history::{MigrationFile, RevisionGraph};

/// Every kind, by the name of its fixture directory under `tests/cases/`.
const KINDS: &[&str] = &[
    "schema", "extension", "collation", "type", "sequence", "table", "view", "function", "index", "constraint", "trigger",
    "policy",
];

/// One object (at least) of every kind.
const EVERY_KIND: &str = r#"
CREATE SCHEMA app;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA app;
CREATE COLLATION app.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TYPE app.mood AS ENUM ('ok', 'sad');
CREATE SEQUENCE app.counter;
CREATE TABLE app.item (
    id int PRIMARY KEY,
    name text COLLATE app.ci,
    mood app.mood,
    CONSTRAINT item_name_check CHECK (length(name) > 0)
);
CREATE TABLE app.tag (id int, item_id int CONSTRAINT tag_item_fkey REFERENCES app.item);
CREATE INDEX tag_item_idx ON app.tag (item_id);
CREATE VIEW app.item_view AS SELECT id, mood FROM app.item;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER item_touch BEFORE UPDATE ON app.item FOR EACH ROW EXECUTE FUNCTION app.touch();
ALTER TABLE app.item ENABLE ROW LEVEL SECURITY;
CREATE POLICY item_all ON app.item USING (true);
"#;

const ROWS: &str = "INSERT INTO app.item VALUES (1, 'a', 'ok'); INSERT INTO app.tag VALUES (1, 1);";

/// The kind's name; exhaustive, so a new variant must be named here.
fn kind(object: &ObjectRef) -> &'static str {
    match object {
        ObjectRef::Schema { .. } => "schema",
        ObjectRef::Extension { .. } => "extension",
        ObjectRef::Collation { .. } => "collation",
        ObjectRef::Type { .. } => "type",
        ObjectRef::Sequence { .. } => "sequence",
        ObjectRef::Table { .. } => "table",
        ObjectRef::View { .. } => "view",
        ObjectRef::Function { .. } => "function",
        ObjectRef::Index { .. } => "index",
        ObjectRef::Constraint { .. } => "constraint",
        ObjectRef::Trigger { .. } => "trigger",
        ObjectRef::Policy { .. } => "policy",
    }
}

/// The name the guard reads for a top-level object (`None` for what belongs to a relation).
fn guard_name(object: &ObjectRef) -> Option<Name> {
    let q = |n: &pgshift_catalog::QualName| Some(Name { schema: Some(n.schema.to_string()), name: n.name.to_string() });
    match object {
        ObjectRef::Schema { name } | ObjectRef::Extension { name } => Some(Name { schema: None, name: name.to_string() }),
        ObjectRef::Collation { name }
        | ObjectRef::Type { name }
        | ObjectRef::Sequence { name }
        | ObjectRef::Table { name }
        | ObjectRef::View { name }
        | ObjectRef::Index { name } => q(name),
        ObjectRef::Function { key } => Some(Name { schema: Some(key.schema.to_string()), name: key.name.to_string() }),
        ObjectRef::Constraint { .. } | ObjectRef::Trigger { .. } | ObjectRef::Policy { .. } => None,
    }
}

#[tokio::test]
async fn every_kind_is_read_rendered_planned_guarded_and_has_fixtures() {
    let db = common::db_with(EVERY_KIND, "every kind").await.unwrap();
    let catalog = common::inspect_all(&db.client).await.unwrap();
    db.finish().await;
    assert!(catalog.diagnostics.is_empty(), "{:?}", catalog.diagnostics);

    // The history that creates everything (the canonical render as one migration) owns it.
    let text = format!("-- pgshift revision: aaaaaaaaaaaa\n-- message: every kind\n\n-- up\n{}\n-- down\n", pgshift_catalog::render(&catalog));
    let file = MigrationFile::parse("aaaaaaaaaaaa_every_kind.sql", &text).unwrap();
    let owned = Owned::of(&RevisionGraph::build(vec![file]).unwrap(), &[]);

    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut seen = BTreeSet::new();
    let mut missing = Vec::new();
    for node in nodes(&catalog).into_iter().filter(|n| n.primary) {
        let object = &node.object;
        let k = kind(object);
        seen.insert(k);
        if !KINDS.contains(&k) {
            missing.push(format!("{k}: not in KINDS"));
        }
        if !pgshift_diff::exists(&catalog, object) {
            missing.push(format!("{object}: exists() does not find it"));
        }
        if drop_sql(&catalog, object).is_none() {
            missing.push(format!("{object}: no drop statement"));
        }
        if comment_target(&catalog, object).is_none() {
            missing.push(format!("{object}: no COMMENT ON target"));
        }
        if node.sql.is_empty() {
            missing.push(format!("{object}: renders no SQL"));
        }
        if let Some(name) = guard_name(object) {
            if !owned.owns(&name) {
                missing.push(format!("{object}: the guard does not read its CREATE as owning it"));
            }
        }
        let dir = cases.join(k);
        if !dir.is_dir() || std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0) == 0 {
            missing.push(format!("{k}: no fixture cases in {}", dir.display()));
        }
    }
    for k in KINDS {
        if !seen.contains(k) {
            missing.push(format!("{k}: EVERY_KIND holds no object of it"));
        }
    }
    assert!(missing.is_empty(), "kinds not complete:\n{}", missing.join("\n"));

    // Planned: created from nothing and dropped to nothing, rows included, converging both ways.
    let case = common::Case::new("every kind", EVERY_KIND, "", Some(ROWS.to_owned()));
    common::run_case(&case).await.unwrap();
}

#[tokio::test]
async fn every_kind_has_idempotent_forms() {
    let full = common::db_with(EVERY_KIND, "every kind").await.unwrap();
    let catalog = common::inspect_all(&full.client).await.unwrap();
    let empty = common::db_with("", "empty").await.unwrap();
    let nothing = common::inspect_all(&empty.client).await.unwrap();
    let idempotent = PlanOptions { idempotent: true, ..PlanOptions::default() };
    let up = pgshift_plan::plan(&nothing, &catalog, &pgshift_diff::diff(&nothing, &catalog, &DiffOptions::default()), &idempotent).unwrap();

    let mut missing = Vec::new();
    let mut seen = BTreeSet::new();
    // Every object but those an empty database has too (the `public` schema).
    for node in nodes(&catalog).into_iter().filter(|n| n.primary && !pgshift_diff::exists(&nothing, &n.object)) {
        let object = &node.object;
        seen.insert(kind(object));
        let query = pgshift_plan::exists_query(object);
        for (db, want, where_) in [(&full, 1, "where it is"), (&empty, 0, "where it is not")] {
            match db.client.query(query.as_str(), &[]).await {
                Ok(rows) if rows.len() == want => {}
                Ok(rows) => missing.push(format!("{object}: its existence query finds {} row(s) {where_}: {query}", rows.len())),
                Err(e) => missing.push(format!("{object}: its existence query fails: {}\n{query}", pg_error(&e))),
            }
        }
        let drop = drop_sql_with(&catalog, object, &RenderOptions { idempotent: true }).unwrap_or_default();
        if let Err(e) = empty.client.batch_execute(&drop).await {
            missing.push(format!("{object}: its idempotent drop fails where it is not: {}\n{drop}", pg_error(&e)));
        }
        let creates: Vec<&pgshift_plan::Step> = up.steps.iter().filter(|s| s.touches.contains(object)).collect();
        if creates.is_empty() {
            missing.push(format!("{object}: the idempotent plan does not create it"));
        }
        for step in creates {
            if let Err(e) = full.client.batch_execute(&step.sql).await {
                missing.push(format!("{object}: its idempotent create fails where it is: {}\n{}", pg_error(&e), step.sql));
            }
        }
    }
    for k in KINDS {
        if !seen.contains(k) {
            missing.push(format!("{k}: EVERY_KIND holds no object of it"));
        }
    }
    assert!(missing.is_empty(), "idempotent forms not complete:\n{}", missing.join("\n"));
    // The idempotent creates changed nothing where everything was.
    let after = common::inspect_all(&full.client).await.unwrap();
    assert!(after == catalog, "{}", common::first_difference(&after, &catalog));
    full.finish().await;
    empty.finish().await;

    // The whole idempotent plan, each way: twice on the source with rows, once on the target.
    common::run_idempotent("", None, EVERY_KIND, Some(ROWS), &PlanOptions::default()).await.map_err(|e| format!("up: {e}")).unwrap();
    common::run_idempotent(EVERY_KIND, Some(ROWS), "", None, &PlanOptions::default()).await.map_err(|e| format!("down: {e}")).unwrap();
}
