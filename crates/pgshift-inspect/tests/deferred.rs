//! Deferred checks (`pgshift_inspect::deferred`): two live databases read with the text of
//! their table checks left out pair exactly the checks that print the same, and once every
//! text is filled in, each catalog is the one a plain inspection reads.

use std::collections::BTreeSet;

use pgshift_catalog::{Catalog, ConstraintKind, ObjectFilter, QualName};
use pgshift_inspect::{deferred, inspect, inspect_deferring_checks, InspectError};
use pgshift_testkit::TestDb;

const A: &str = r#"
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TABLE item (
    id int PRIMARY KEY,
    price numeric(12, 2) CHECK (price >= 0),
    qty int CONSTRAINT qty_positive CHECK (qty > 0),
    title text CONSTRAINT title_short CHECK (length(title) < 100),
    at timestamptz CONSTRAINT recent CHECK (at > '2000-01-01 00:00:00+00'),
    m mood CONSTRAINT not_sad CHECK (m <> 'sad'),
    code varchar(8) CONSTRAINT code_known CHECK (code IN ('a', 'b')),
    CONSTRAINT kept_invalid CHECK (qty < 1000) NOT VALID
);
CREATE TABLE other (id int PRIMARY KEY, a int CONSTRAINT positive CHECK (a > 0));
CREATE TABLE only_here (id int CONSTRAINT only_check CHECK (id > 0));
INSERT INTO item VALUES (1, 9.5, 3, 'pen', now(), 'ok', 'a');
INSERT INTO other VALUES (1, 1);
"#;

/// A's schema with: a column dropped before `title` (its attnum differs), `qty_positive`
/// changed, `other.a` renamed to `b` at the same attnum, `only_here` gone, `only_there` new.
const B: &str = r#"
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TABLE item (
    id int PRIMARY KEY,
    price numeric(12, 2) CHECK (price >= 0),
    qty int CONSTRAINT qty_positive CHECK (qty > 1),
    gone int,
    title text CONSTRAINT title_short CHECK (length(title) < 100),
    at timestamptz CONSTRAINT recent CHECK (at > '2000-01-01 00:00:00+00'),
    m mood CONSTRAINT not_sad CHECK (m <> 'sad'),
    code varchar(8) CONSTRAINT code_known CHECK (code IN ('a', 'b')),
    CONSTRAINT kept_invalid CHECK (qty < 1000) NOT VALID
);
ALTER TABLE item DROP COLUMN gone;
CREATE TABLE other (id int PRIMARY KEY, b int CONSTRAINT positive CHECK (b > 0));
CREATE TABLE only_there (id int CONSTRAINT only_check CHECK (id > 0));
INSERT INTO item VALUES (1, 9.5, 3, 'pen', now(), 'ok', 'a');
INSERT INTO other VALUES (1, 1);
"#;

/// The names of the checks of `catalog` whose text is still the marker.
fn deferred_names(catalog: &Catalog) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for t in catalog.tables.values() {
        for c in t.constraints.values() {
            if let ConstraintKind::Check { expression, .. } = &c.kind {
                assert_eq!(expression == deferred::MARKER, c.definition.contains(deferred::MARKER), "{c:?}");
                if expression == deferred::MARKER {
                    names.insert(format!("{}.{}", t.name.name, c.name));
                }
            }
        }
    }
    names
}

#[tokio::test]
async fn only_checks_that_print_the_same_stay_deferred() {
    let (a, b) = (TestDb::with_sql(A).await, TestDb::with_sql(B).await);
    let filter = ObjectFilter::default();
    let (mut cat_a, mut def_a) = inspect_deferring_checks(&a.client, &filter).await.unwrap();
    let (mut cat_b, mut def_b) = inspect_deferring_checks(&b.client, &filter).await.unwrap();
    assert_eq!((def_a.len(), def_b.len()), (9, 9));
    deferred::pair(&mut def_a, &mut def_b);

    for (db, cat, def) in [(&a, &mut cat_a, &mut def_a), (&b, &mut cat_b, &mut def_b)] {
        let asked = def.unpaired();
        let texts = deferred::fetch(&db.client, &asked).await.unwrap();
        def.apply(cat, &asked, texts).unwrap();
    }
    // Still deferred: the same expression over the same columns (numbered alike or not), with
    // built-in types and operators only. Read: what changed (qty_positive), what names another
    // column (other.positive), what is on one side only, and what holds a user type's OID
    // (not_sad: `mood` is another OID in each database, and could be another type).
    let paired: BTreeSet<String> =
        ["item.item_price_check", "item.title_short", "item.recent", "item.code_known", "item.kept_invalid"]
            .into_iter()
            .map(String::from)
            .collect();
    assert_eq!(deferred_names(&cat_a), paired);
    assert_eq!(deferred_names(&cat_b), paired);
    assert_eq!((def_a.len(), def_b.len()), (5, 5));

    // The rest filled in, each side is what a plain inspection reads.
    for (db, cat, def) in [(&a, &mut cat_a, &mut def_a), (&b, &mut cat_b, &mut def_b)] {
        let asked = def.remaining();
        let texts = deferred::fetch(&db.client, &asked).await.unwrap();
        def.apply(cat, &asked, texts).unwrap();
        assert!(def.is_empty());
        assert_eq!(*cat, inspect(&db.client, &filter).await.unwrap());
    }
    let rows: i64 = a.client.query_one("SELECT count(*) FROM item", &[]).await.unwrap().get(0);
    assert_eq!(rows, 1);
    a.finish().await;
    b.finish().await;
}

#[tokio::test]
async fn a_check_dropped_before_its_text_is_read_is_an_error() {
    let db = TestDb::with_sql(A).await;
    let (mut cat, mut def) = inspect_deferring_checks(&db.client, &ObjectFilter::default()).await.unwrap();
    db.client.batch_execute("ALTER TABLE other DROP CONSTRAINT positive").await.unwrap();
    let asked = def.remaining();
    let texts = deferred::fetch(&db.client, &asked).await.unwrap();
    let err = def.apply(&mut cat, &asked, texts).unwrap_err();
    assert!(matches!(&err, InspectError::Vanished { table, name } if *table == QualName::new("public", "other") && name == "positive"));
    assert!(err.to_string().contains("positive") && err.hint().contains("run the command again"), "{err}");
    db.finish().await;
}
