//! Foreign objects: a database shared with another system. Whatever the filter excludes never
//! reaches the catalog, the rendered SQL or the JSON — not even the indexes, constraints,
//! triggers and policies that hang off an excluded table.

use pgshift_catalog::{render, FilterSpec, ObjectFilter, QualName};
use pgshift_inspect::inspect;
use pgshift_testkit::TestDb;

/// Our app's objects.
const OURS: &str = r#"
CREATE TYPE subscriptionstatus AS ENUM ('active', 'canceled');
CREATE TABLE plan (id bigint PRIMARY KEY, tier text NOT NULL UNIQUE);
CREATE TABLE customer (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id bigint REFERENCES plan (id),
    status subscriptionstatus NOT NULL DEFAULT 'active'
);
CREATE INDEX customer_plan_idx ON customer (plan_id);
INSERT INTO plan VALUES (1, 'basic');
INSERT INTO customer (plan_id) VALUES (1);
"#;

/// The auth service's objects, in the same database and schema.
const FOREIGN: &str = r#"
CREATE TYPE "SubscriptionStatus" AS ENUM ('ACTIVE', 'PAST_DUE');
CREATE TYPE "Role" AS ENUM ('ADMIN', 'USER');
CREATE TABLE "User" (id text PRIMARY KEY, email text NOT NULL, role "Role" NOT NULL DEFAULT 'USER');
CREATE UNIQUE INDEX "User_email_key" ON "User" (email);
CREATE TABLE "Project" (
    id text PRIMARY KEY,
    "ownerId" text NOT NULL REFERENCES "User" (id) ON DELETE CASCADE,
    status "SubscriptionStatus"
);
CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL);
CREATE TABLE "SchemaMigration" (version bigint PRIMARY KEY);
CREATE SEQUENCE auth_ticket_seq;
CREATE FUNCTION auth_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER "User_touch" BEFORE UPDATE ON "User" FOR EACH ROW EXECUTE FUNCTION auth_touch();
ALTER TABLE "Project" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Project_owner" ON "Project" USING ("ownerId" = current_user);
CREATE VIEW "ActiveUser" AS SELECT id FROM "User";
INSERT INTO "User" VALUES ('u1', 'a@example.com', 'ADMIN');
INSERT INTO "Project" VALUES ('p1', 'u1', 'ACTIVE');
INSERT INTO _prisma_migrations VALUES ('m1', 'abc');
INSERT INTO "SchemaMigration" VALUES (1);
"#;

/// Every foreign name, as it would appear in SQL or JSON.
const FOREIGN_NAMES: &[&str] = &[
    "\"SubscriptionStatus\"",
    "\"Role\"",
    "\"User\"",
    "User_email_key",
    "\"Project\"",
    "ownerId",
    "_prisma_migrations",
    "SchemaMigration",
    "auth_ticket_seq",
    "auth_touch",
    "User_touch",
    "Project_owner",
    "ActiveUser",
];

fn assert_no_foreign(text: &str, what: &str) {
    for name in FOREIGN_NAMES {
        assert!(!text.contains(name), "{what} mentions foreign object {name}:\n{text}");
    }
}

async fn check(filter: &ObjectFilter) {
    let t = TestDb::with_sql(&format!("{OURS}{FOREIGN}")).await;
    let cat = inspect(&t.client, filter).await.unwrap();
    let sql = render(&cat);
    assert_no_foreign(&sql, "rendered SQL");
    let json = serde_json::to_string(&cat).unwrap();
    // In JSON a name is a plain string: look for the bare names.
    for name in FOREIGN_NAMES {
        let bare = name.trim_matches('"');
        assert!(!json.contains(&format!("\"{bare}\"")), "JSON mentions foreign object {bare}");
    }
    // All of ours is there.
    for table in ["plan", "customer"] {
        assert!(cat.tables.contains_key(&QualName::new("public", table)), "{table} missing");
    }
    assert!(cat.types.contains_key(&QualName::new("public", "subscriptionstatus")));
    assert!(cat.indexes.contains_key(&QualName::new("public", "customer_plan_idx")));
    assert_eq!(cat.tables.len(), 2);
    assert_eq!(cat.types.len(), 1);
    assert!(cat.sequences.is_empty() && cat.functions.is_empty() && cat.views.is_empty());
    // And what we render of it loads on its own.
    TestDb::with_sql(&sql).await.finish().await;
    t.finish().await;
}

#[tokio::test]
async fn exclude_patterns_hide_every_foreign_object() {
    let filter = FilterSpec {
        exclude: vec![
            "\"SubscriptionStatus\"".into(),
            "Role".into(),
            "User".into(),
            "Project".into(),
            "_prisma_migrations".into(),
            "SchemaMigration".into(),
            "auth_*".into(),
            "ActiveUser".into(),
        ],
        ..Default::default()
    }
    .compile()
    .unwrap();
    check(&filter).await;
}

#[tokio::test]
async fn include_by_exact_name_sees_only_what_we_declare() {
    // This is how ownership will drive inspection: the exact names we own, nothing else.
    let filter = FilterSpec {
        include: vec!["public.subscriptionstatus".into(), "public.plan".into(), "public.customer".into()],
        ..Default::default()
    }
    .compile()
    .unwrap();
    check(&filter).await;
}

#[tokio::test]
async fn schema_filters_keep_other_schemas_out() {
    let t = TestDb::with_sql(
        "CREATE SCHEMA auth; CREATE TABLE auth.\"Session\" (id int PRIMARY KEY); \
         CREATE FUNCTION auth.uid() RETURNS int LANGUAGE sql AS 'SELECT 1'; \
         CREATE TABLE public.note (id int);",
    )
    .await;
    let f = FilterSpec { exclude_schemas: vec!["auth".into()], ..Default::default() }.compile().unwrap();
    let cat = inspect(&t.client, &f).await.unwrap();
    assert!(!cat.schemas.contains_key("auth"));
    assert!(cat.functions.is_empty());
    assert_eq!(cat.tables.keys().cloned().collect::<Vec<_>>(), vec![QualName::new("public", "note")]);
    let only_auth = FilterSpec { include_schemas: vec!["auth".into()], ..Default::default() }.compile().unwrap();
    let cat = inspect(&t.client, &only_auth).await.unwrap();
    assert_eq!(cat.tables.len(), 1);
    assert_eq!(cat.functions.len(), 1);
    assert!(!render(&cat).contains("note"));
    t.finish().await;
}

/// An extension's own relations (pg_buffercache's view) never reach the catalog, whatever
/// the filter: the extension stands for them. Our table beside them does.
#[tokio::test]
async fn relations_of_an_extension_are_left_out() {
    let db = TestDb::with_sql("CREATE EXTENSION pg_buffercache; CREATE TABLE ours (id int PRIMARY KEY);").await;
    let cat = inspect(&db.client, &ObjectFilter::all()).await.unwrap();
    assert!(cat.extensions.contains_key("pg_buffercache"));
    assert!(cat.views.is_empty(), "{:?}", cat.views.keys().collect::<Vec<_>>());
    assert_eq!(cat.tables.keys().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["ours"]);
    db.finish().await;
}
