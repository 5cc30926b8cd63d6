//! Round trip: `render(inspect(db))` loaded into an empty database inspects to the same
//! catalog, for a fixture that uses every object kind and hostile names.

use pgshift_catalog::{render, Catalog, ConstraintKind, ObjectFilter, ObjectRef, QualName, TypeKind};
use pgshift_inspect::inspect;
use pgshift_testkit::TestDb;

const RICH: &str = include_str!("fixtures/rich.sql");

fn q(schema: &str, name: &str) -> QualName {
    QualName::new(schema, name)
}

/// Equal catalogs, or a failure that shows the first lines that differ.
pub fn assert_same(a: &Catalog, b: &Catalog) {
    if a == b {
        return;
    }
    let a = serde_json::to_string_pretty(a).unwrap();
    let b = serde_json::to_string_pretty(b).unwrap();
    let diff: Vec<String> = a
        .lines()
        .zip(b.lines())
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .take(20)
        .map(|(i, (x, y))| format!("line {i}:\n  - {x}\n  + {y}"))
        .collect();
    panic!("catalogs differ:\n{}", diff.join("\n"));
}

#[tokio::test]
async fn rich_fixture_round_trips() {
    let a = TestDb::with_sql(RICH).await;
    let cat_a = inspect(&a.client, &ObjectFilter::all()).await.unwrap();
    let script = render(&cat_a);
    if let Ok(path) = std::env::var("PGSHIFT_DUMP_RENDER") {
        std::fs::write(path, &script).unwrap();
    }
    let b = TestDb::with_sql(&script).await;
    let cat_b = inspect(&b.client, &ObjectFilter::all()).await.unwrap();
    assert_same(&cat_a, &cat_b);
    // Objects PostgreSQL derives (partition indexes, cloned keys, internal FK triggers) are not
    // in the model; they must still come out the same.
    assert_eq!(derived_counts(&a.client).await, derived_counts(&b.client).await);
    // Rendering is byte-stable.
    assert_eq!(script, render(&cat_b));
    insta::assert_snapshot!("rich_fixture_render", script);
    a.finish().await;
    b.finish().await;
}

async fn derived_counts(client: &tokio_postgres::Client) -> Vec<i64> {
    let user = "NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema', 'pg_toast'))";
    let sql = format!(
        "SELECT (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                 WHERE c.relnamespace {user} AND i.indisvalid), \
                (SELECT count(*) FROM pg_constraint WHERE connamespace {user}), \
                (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
                 WHERE c.relnamespace {user})"
    );
    let row = client.query_one(&sql, &[]).await.unwrap();
    vec![row.get(0), row.get(1), row.get(2)]
}

#[tokio::test]
async fn rich_fixture_is_read_faithfully() {
    let t = TestDb::with_sql(RICH).await;
    let cat = inspect(&t.client, &ObjectFilter::all()).await.unwrap();

    // Case twins are two objects.
    assert!(cat.types.contains_key(&q("public", "subscriptionstatus")));
    assert!(cat.types.contains_key(&q("public", "SubscriptionStatus")));
    assert!(cat.tables.contains_key(&q("public", "Project")));
    assert!(cat.tables.contains_key(&q("public", "project")));
    let mood = &cat.types[&q("app", "mood")];
    assert_eq!(
        mood.kind,
        TypeKind::Enum { labels: vec!["sad".into(), "ok".into(), "happy".into(), "it's complicated".into()] }
    );

    // Identity with its sequence options; serial's sequence is owned by its column.
    let account = &cat.tables[&q("app", "account")];
    let id = account.column("id").unwrap().identity.as_ref().unwrap();
    assert!(id.always);
    assert_eq!((id.options.start, id.options.increment), (100, 2));
    assert_eq!(
        cat.sequences[&q("app", "document_id_seq")].owned_by,
        Some((q("app", "document"), "id".to_owned()))
    );
    assert!(!cat.sequences.contains_key(&q("app", "account_id_seq")), "identity sequences live on the column");
    assert_eq!(account.column("name").unwrap().collation, Some(q("pg_catalog", "C")));
    assert!(account.column("email").unwrap().collation.is_none(), "the domain's collation is not the column's");

    // Collations, replica identity and a view's trigger (issue 14); the table depends on both
    // collations, so it is created after them.
    let tagged = &cat.tables[&q("app", "tagged")];
    assert_eq!(tagged.replica_identity, pgshift_catalog::ReplicaIdentity::Index { name: "tagged_id".into() });
    assert_eq!(cat.tables[&q("app", "logged_full")].replica_identity, pgshift_catalog::ReplicaIdentity::Full);
    let ci = &cat.collations[&q("app", "Case Insensitive")];
    assert_eq!((ci.provider.as_str(), ci.deterministic, ci.comment.as_deref()), ("icu", false, Some("ci")));
    assert!(tagged.depends_on.contains(&pgshift_catalog::ObjectRef::Collation { name: q("app", "c_posix") }));
    assert!(cat.views[&q("app", "tagged_v")].triggers.contains_key("Tagged Ins"));
    assert!(!cat.diagnostics.iter().any(|d| d.contains("collation") || d.contains("trigger")), "{:?}", cat.diagnostics);

    // Constraints keep their structure.
    let doc = &cat.tables[&q("app", "document")];
    match &doc.constraints["document_owner_fk"].kind {
        ConstraintKind::ForeignKey { ref_table, on_delete, .. } => {
            assert_eq!(ref_table, &q("app", "account"));
            assert_eq!(*on_delete, pgshift_catalog::FkAction::Cascade);
        }
        other => panic!("not a foreign key: {other:?}"),
    }
    assert!(doc.constraints["document_owner_fk"].initially_deferred);
    assert!(!doc.constraints["title_not_blank"].validated);
    if t.major >= 15 {
        assert!(matches!(
            account.constraints["account_email_key"].kind,
            ConstraintKind::Unique { nulls_not_distinct: true, .. }
        ));
    }
    assert!(matches!(account.constraints["account_code_check"].kind, ConstraintKind::Check { no_inherit: true, .. }));
    assert!(doc.rls_enabled && doc.rls_forced);
    assert_eq!(doc.policies.len(), 3);
    assert_eq!(doc.column("title_len").unwrap().generated.as_deref(), Some("length(title)"));

    // Partitions: the partition's cloned index and key are not separate objects.
    let part = &cat.tables[&q("app", "event_2024")];
    assert_eq!(part.partition_of.as_ref().unwrap().parent, q("app", "event"));
    assert!(part.constraints.is_empty());
    assert!(cat.indexes.keys().all(|i| !i.name.starts_with("event_2024")));
    assert_eq!(cat.tables[&q("app", "audit_log")].inherits, vec![q("app", "base_log")]);

    // Extension members are never part of the catalog.
    assert!(cat.extensions.contains_key("pgcrypto"));
    assert!(cat.functions.keys().all(|f| f.name != "digest" && f.name != "gbt_int4_consistent"));

    // Dependencies the render order relies on.
    // A SQL-standard body (BEGIN ATOMIC, PostgreSQL 14+) records what it uses.
    if t.major >= 14 {
        let doc_count = cat.functions.keys().find(|k| k.name == "doc_count").unwrap();
        assert!(cat.functions[doc_count].depends_on.contains(&ObjectRef::Table { name: q("app", "document") }));
    }
    assert!(cat.views[&q("app", "active_account_email")]
        .depends_on
        .contains(&ObjectRef::View { name: q("app", "active_account") }));
    let code_default = account.depends_on.iter().any(|d| matches!(d, ObjectRef::Function { key } if key.name == "default_code"));
    assert!(code_default, "a default's function is a dependency of its table: {:?}", account.depends_on);
    let slug_check = &doc.constraints["document_slug_check"].depends_on;
    assert!(
        slug_check.iter().any(|d| matches!(d, ObjectRef::Function { key } if key.name == "is_slug")),
        "a check's function is a dependency of the check: {slug_check:?}"
    );
    assert!(cat.indexes.contains_key(&q("app", "doc_stats_owner_idx")));
    assert!(cat.diagnostics.is_empty(), "{:?}", cat.diagnostics);
    t.finish().await;
}
