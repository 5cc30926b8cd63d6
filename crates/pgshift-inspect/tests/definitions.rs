//! Index and constraint definitions assembled in Rust are byte for byte what
//! `pg_get_indexdef` and `pg_get_constraintdef` print, for every index and constraint of a
//! fixture of many shapes (`fixtures/index_shapes.sql`) and of the rich fixture; and only the
//! shapes Rust cannot decide for sure are left to the server.

use std::collections::BTreeSet;

use pgshift_catalog::{Catalog, ObjectFilter, QualName};
use pgshift_inspect::{inspect, inspect_reporting};
use pgshift_testkit::TestDb;

const SHAPES: &str = include_str!("fixtures/index_shapes.sql");
const RICH: &str = include_str!("fixtures/rich.sql");

/// Every index and constraint definition of `cat` against the server's own.
async fn assert_same_as_server(client: &tokio_postgres::Client, cat: &Catalog) -> usize {
    client.batch_execute("SET search_path = ''").await.unwrap();
    let mut checked = 0;
    for index in cat.indexes.values() {
        let row = client
            .query_one(
                "SELECT pg_catalog.pg_get_indexdef(c.oid) FROM pg_catalog.pg_class c \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = $1 AND c.relname = $2",
                &[&index.name.schema.as_str(), &index.name.name.as_str()],
            )
            .await
            .unwrap();
        let server: String = row.get(0);
        let server = server.replacen(" ON ONLY ", " ON ", 1);
        assert_eq!(index.definition, server, "index {}", index.name);
        checked += 1;
    }
    for table in cat.tables.values() {
        for c in table.constraints.values() {
            let server = constraint_def(client, "conrelid", "regclass", &table.name, &c.name).await;
            assert_eq!(c.definition, server, "constraint {} on {}", c.name, table.name);
            checked += 1;
        }
    }
    for ty in cat.types.values() {
        if let pgshift_catalog::TypeKind::Domain { checks, .. } = &ty.kind {
            for c in checks.values() {
                let server = constraint_def(client, "contypid", "regtype", &ty.name, &c.name).await;
                assert_eq!(c.definition, server, "domain check {} on {}", c.name, ty.name);
                checked += 1;
            }
        }
    }
    checked
}

/// `pg_get_constraintdef` of constraint `name` on the table or domain `owner` (`column` is
/// `conrelid` or `contypid`, `reg` the matching reg* type).
async fn constraint_def(client: &tokio_postgres::Client, column: &str, reg: &str, owner: &QualName, name: &str) -> String {
    let sql = format!(
        "SELECT pg_catalog.pg_get_constraintdef(co.oid) FROM pg_catalog.pg_constraint co \
         WHERE co.{column} = $1::text::{reg} AND co.conname = $2"
    );
    client.query_one(&sql, &[&owner.sql(), &name]).await.unwrap().get(0)
}

#[tokio::test]
async fn index_and_constraint_definitions_match_the_server() {
    let db = TestDb::with_sql(SHAPES).await;
    let cat = inspect(&db.client, &ObjectFilter::all()).await.unwrap();
    // Before 15 the fixture's lines marked `-- pg14+`/`-- pg15+` are left out (3 shapes).
    let (indexes, definitions) = if db.major >= 15 { (40, 55) } else { (37, 52) };
    assert!(cat.indexes.len() >= indexes, "{} indexes", cat.indexes.len());
    let checked = assert_same_as_server(&db.client, &cat).await;
    assert!(checked >= definitions, "{checked} definitions checked");

    // Which indexes the server renders: expressions come with their row, the rest only when
    // Rust cannot tell (another collation, opclass parameters, non-btree/hash opclasses, a
    // domain over a domain).
    let (_, report) = inspect_reporting(&db.client, &ObjectFilter::all()).await.unwrap();
    let names: BTreeSet<String> =
        report.server_index_definitions.iter().map(|name| name.name.to_string()).collect();
    let expected: BTreeSet<String> = [
        "brin_at", "brin_bloom", "collated", "domain_idx", "gin_doc", "gin_doc_default", "gin_tags",
        "gist_btree", "gist_inet", "gist_period", "spgist_addr",
    ]
    .into_iter()
    // BRIN bloom opclasses are PostgreSQL 14+ (the fixture leaves that index out before).
    .filter(|n| db.major >= 14 || *n != "brin_bloom")
    .map(String::from)
    .collect();
    assert_eq!(names, expected);
    db.finish().await;
}

#[tokio::test]
async fn rich_fixture_definitions_match_the_server() {
    let db = TestDb::with_sql(RICH).await;
    let cat = inspect(&db.client, &ObjectFilter::all()).await.unwrap();
    assert!(assert_same_as_server(&db.client, &cat).await > 0);
    db.finish().await;
}
