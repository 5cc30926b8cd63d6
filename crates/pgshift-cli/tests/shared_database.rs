//! End to end, in a database shared with a realistic foreign system (an auth service: PascalCase
//! tables with foreign keys among them, its `_prisma_migrations` and `SchemaMigration` ledgers,
//! eleven enum types including `"SubscriptionStatus"` beside our `subscriptionstatus`, a
//! lowercase sequence and trigger function, rows everywhere). After every command of a user's
//! session — init, new, upgrade, status, check, inspect, diff, downgrade, adopt — the foreign
//! objects and their rows are exactly as they were, and no output names a foreign object (except
//! `status --co-tenants`, whose job is to name the other ledgers and the name clashes, and the
//! refusal of a name clash, which names both objects). A desired name that is a foreign
//! object's (exact, or modulo case) is refused by new, check, diff and adopt with nothing
//! written or suggested; a generated migration that truncates or deletes from a foreign table
//! is refused before anything runs.

use std::path::Path;
use std::process::{Command, Output};

use pgshift_testkit::TestDb;
use tokio_postgres::Client;

const FOREIGN: &str = r#"
CREATE TYPE "SubscriptionStatus" AS ENUM ('ACTIVE', 'PAST_DUE', 'CANCELED');
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
CREATE TYPE "TeamRole" AS ENUM ('OWNER', 'MEMBER');
CREATE TYPE "Provider" AS ENUM ('GOOGLE', 'GITHUB', 'EMAIL');
CREATE TYPE "Locale" AS ENUM ('EN', 'DE');
CREATE TYPE "Theme" AS ENUM ('LIGHT', 'DARK');
CREATE TYPE "Currency" AS ENUM ('USD', 'EUR');
CREATE TYPE "InvoiceStatus" AS ENUM ('DRAFT', 'PAID');
CREATE TYPE "TokenType" AS ENUM ('ACCESS', 'REFRESH');
CREATE TYPE "AuditAction" AS ENUM ('LOGIN', 'LOGOUT');
CREATE TYPE "ProjectVisibility" AS ENUM ('PRIVATE', 'PUBLIC');
CREATE TABLE "User" (
    id text PRIMARY KEY, email text NOT NULL UNIQUE, role "Role" NOT NULL DEFAULT 'USER',
    status "SubscriptionStatus", locale "Locale", theme "Theme", "createdAt" timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE "Account" (id text PRIMARY KEY, "userId" text NOT NULL REFERENCES "User"(id) ON DELETE CASCADE, provider "Provider" NOT NULL);
CREATE INDEX "Account_userId_idx" ON "Account" ("userId");
CREATE TABLE "Team" (id text PRIMARY KEY, name text NOT NULL, "ownerId" text REFERENCES "User"(id));
CREATE TABLE "Membership" (
    "userId" text REFERENCES "User"(id), "teamId" text REFERENCES "Team"(id), role "TeamRole" NOT NULL,
    PRIMARY KEY ("userId", "teamId")
);
CREATE TABLE "Project" (id text PRIMARY KEY, "teamId" text REFERENCES "Team"(id), visibility "ProjectVisibility" NOT NULL DEFAULT 'PRIVATE', "updatedAt" timestamptz);
CREATE TABLE "Invoice" (id text PRIMARY KEY, number bigint NOT NULL, status "InvoiceStatus" NOT NULL, currency "Currency" NOT NULL);
CREATE TABLE "Token" (id text PRIMARY KEY, type "TokenType" NOT NULL, "userId" text REFERENCES "User"(id));
CREATE TABLE "AuditLog" (id bigserial PRIMARY KEY, action "AuditAction" NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, migration_name varchar(255) NOT NULL, finished_at timestamptz);
CREATE TABLE "SchemaMigration" (version varchar(14) PRIMARY KEY);
CREATE SEQUENCE invoice_number_seq START 1000;
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW."updatedAt" := now(); RETURN NEW; END $$;
CREATE TRIGGER "Project_touch" BEFORE UPDATE ON "Project" FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

INSERT INTO "User" (id, email, role, status, locale, theme) VALUES
    ('u1', 'a@example.com', 'ADMIN', 'ACTIVE', 'EN', 'DARK'), ('u2', 'b@example.com', 'USER', 'PAST_DUE', 'DE', NULL);
INSERT INTO "Account" VALUES ('a1', 'u1', 'GITHUB'), ('a2', 'u2', 'EMAIL');
INSERT INTO "Team" VALUES ('t1', 'Core', 'u1');
INSERT INTO "Membership" VALUES ('u1', 't1', 'OWNER'), ('u2', 't1', 'MEMBER');
INSERT INTO "Project" VALUES ('p1', 't1', 'PUBLIC', NULL);
INSERT INTO "Invoice" VALUES ('i1', nextval('invoice_number_seq'), 'PAID', 'EUR');
INSERT INTO "Token" VALUES ('k1', 'ACCESS', 'u1');
INSERT INTO "AuditLog" (action) VALUES ('LOGIN'), ('LOGOUT');
INSERT INTO _prisma_migrations VALUES ('m1', 'abc', '20240101_init', now());
INSERT INTO "SchemaMigration" VALUES ('20240101000000');
"#;

const TABLES: &[&str] = &[
    "User", "Account", "Team", "Membership", "Project", "Invoice", "Token", "AuditLog", "_prisma_migrations", "SchemaMigration",
];
const TYPES: &[&str] = &[
    "SubscriptionStatus", "Role", "TeamRole", "Provider", "Locale", "Theme", "Currency", "InvoiceStatus", "TokenType",
    "AuditAction", "ProjectVisibility",
];

/// How a foreign object may appear in output: quoted PascalCase names, and the lowercase ones.
fn forbidden() -> Vec<String> {
    let mut out: Vec<String> = TABLES.iter().chain(TYPES).filter(|n| n.chars().any(char::is_uppercase)).map(|n| format!("\"{n}\"")).collect();
    out.extend(["_prisma_migrations", "invoice_number_seq", "touch_updated_at", "Project_touch", "Account_userId_idx"].map(String::from));
    out
}

const SCHEMA_V1: &str = r#"
CREATE TYPE subscriptionstatus AS ENUM ('active', 'canceled');
CREATE TABLE plan (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tier text NOT NULL UNIQUE,
    status subscriptionstatus NOT NULL DEFAULT 'active'
);
CREATE TABLE usage_event (id bigserial PRIMARY KEY, plan_id bigint REFERENCES plan, amount integer NOT NULL);
CREATE TABLE old_cache (k text PRIMARY KEY);
"#;

const SCHEMA_V2: &str = r#"
CREATE TYPE subscriptionstatus AS ENUM ('trialing', 'active', 'canceled');
CREATE TABLE plan (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tier text NOT NULL UNIQUE,
    status subscriptionstatus NOT NULL DEFAULT 'active',
    note text
);
CREATE TABLE usage_event (id bigserial PRIMARY KEY, plan_id bigint REFERENCES plan, amount integer NOT NULL);
CREATE INDEX usage_event_plan_idx ON usage_event (plan_id, amount);
"#;

/// What we reference of the foreign system: its enum, beside which our `subscriptionstatus`
/// is a twin modulo case (refused unless theirs is declared here).
const EXTERNALS: &str = r#"CREATE TYPE "SubscriptionStatus" AS ENUM ('ACTIVE', 'PAST_DUE', 'CANCELED');"#;

/// Everything about the foreign objects that a command could change: columns, defaults,
/// constraints, indexes, triggers, enum labels, the function, the sequence, and every row.
async fn fingerprint(client: &Client) -> String {
    let tables: Vec<String> = TABLES.iter().map(|s| s.to_string()).collect();
    let types: Vec<String> = TYPES.iter().map(|s| s.to_string()).collect();
    let catalog: String = client
        .query_one(
            "WITH rel AS (SELECT c.oid, c.relname, c.relkind FROM pg_class c
                          WHERE c.relnamespace = 'public'::regnamespace AND (c.relname = ANY($1) OR c.relname = 'invoice_number_seq'))
             SELECT coalesce(string_agg(x, E'\\n' ORDER BY x), '') FROM (
               SELECT format('rel %s %s %s', r.relname, r.relkind,
                   (SELECT string_agg(format('%s %s %s %s', a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                                             pg_get_expr(d.adbin, d.adrelid)), ',' ORDER BY a.attnum)
                    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                    WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped)) AS x FROM rel r
               UNION ALL SELECT format('con %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
                 FROM pg_constraint WHERE conrelid IN (SELECT oid FROM rel)
               UNION ALL SELECT format('idx %s', pg_get_indexdef(indexrelid)) FROM pg_index WHERE indrelid IN (SELECT oid FROM rel)
               UNION ALL SELECT format('trg %s', pg_get_triggerdef(oid)) FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM rel) AND NOT tgisinternal
               UNION ALL SELECT format('type %s %s', t.typname, (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid))
                 FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace AND t.typname = ANY($2)
               UNION ALL SELECT format('fn %s %s', proname, prosrc) FROM pg_proc WHERE proname = 'touch_updated_at'
               UNION ALL SELECT format('seq %s %s', last_value, is_called) FROM invoice_number_seq
             ) s",
            &[&tables, &types],
        )
        .await
        .unwrap()
        .get(0);
    let mut out = catalog;
    for table in TABLES {
        let ident = format!("\"{}\"", table.replace('"', "\"\""));
        let rows: Option<String> = client
            .query_one(&format!("SELECT string_agg(t::text, ';' ORDER BY t::text) FROM public.{ident} t"), &[])
            .await
            .unwrap()
            .get(0);
        out.push_str(&format!("\nrows {table}: {}", rows.unwrap_or_default()));
    }
    out
}

struct Session {
    dir: tempfile::TempDir,
    db: TestDb,
    before: String,
}

impl Session {
    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Run `pgshift args` in the project against the test database: its output, stdout, stderr.
    fn exec(&self, args: &[&str]) -> (Output, String, String) {
        let out: Output = Command::new(env!("CARGO_BIN_EXE_pgshift"))
            .args(args)
            .env("DATABASE_URL", self.db.db.url())
            .current_dir(self.path())
            .output()
            .expect("run pgshift");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out, stdout, stderr)
    }

    /// Run a command in the project; check it succeeded (or exited `code`), that the foreign
    /// objects are untouched and that the output does not name them. Returns stdout.
    async fn run(&self, args: &[&str], code: i32) -> String {
        let (out, stdout, stderr) = self.exec(args);
        assert_eq!(out.status.code(), Some(code), "pgshift {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        assert_eq!(fingerprint(&self.db.client).await, self.before, "pgshift {args:?} changed a foreign object or row");
        let co_tenants = args.contains(&"--co-tenants");
        let co_tenant = |line: &&str| co_tenants && (line.starts_with("  ledger ") || line.starts_with("  name clash: "));
        // `status --json --co-tenants`: the co-tenant report is `other_ledgers` and `clashes`.
        let checked = if co_tenants && args.contains(&"--json") {
            let mut v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            v["other_ledgers"] = serde_json::Value::Null;
            v["clashes"] = serde_json::Value::Null;
            v.to_string()
        } else {
            stdout.clone()
        };
        for line in checked.lines().chain(stderr.lines()).filter(|l| !co_tenant(l)) {
            for name in forbidden() {
                assert!(!line.contains(&name), "pgshift {args:?} names the foreign object {name}:\n{line}");
            }
        }
        stdout
    }

    /// Run a command that must refuse (exit 2) a name clash: nothing written to the migrations
    /// directory, the database (foreign objects, rows and our ledger) untouched, no SQL
    /// suggested, and the message naming the clash and the way out. Returns stderr.
    async fn refused(&self, args: &[&str], clash: &str) -> String {
        let files = migration_files(self.path());
        let ledger_rows = ledger(&self.db.client).await;
        let (out, stdout, stderr) = self.exec(args);
        assert_eq!(out.status.code(), Some(2), "pgshift {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        assert!(stdout.is_empty(), "pgshift {args:?} printed something after refusing:\n{stdout}");
        assert!(stderr.contains(clash) && stderr.contains("externals/") && stderr.contains("nothing was written"), "{stderr}");
        for sql in ["DROP ", "ALTER ", "TRUNCATE ", "DELETE ", "CREATE TABLE", "fix:"] {
            assert!(!stderr.contains(sql), "pgshift {args:?} suggests SQL ({sql}):\n{stderr}");
        }
        assert_eq!(fingerprint(&self.db.client).await, self.before, "pgshift {args:?} changed a foreign object or row");
        assert_eq!(migration_files(self.path()), files, "pgshift {args:?} wrote a migration");
        assert_eq!(ledger(&self.db.client).await, ledger_rows, "pgshift {args:?} changed the ledger");
        stderr
    }
}

/// The migration files of the project at `dir`.
fn migration_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir.join("migrations")) {
        Ok(rd) => rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// Our ledger's rows (empty when there is none).
async fn ledger(client: &Client) -> String {
    let exists: bool = client.query_one("SELECT to_regclass('public.pgshift_revisions') IS NOT NULL", &[]).await.unwrap().get(0);
    if !exists {
        return String::new();
    }
    client
        .query_one(
            "SELECT coalesce((SELECT string_agg(r::text, ';' ORDER BY r::text) FROM pgshift_revisions r), '') || ' / ' || \
             (SELECT count(*) FROM pgshift_log)",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

async fn count(client: &Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn a_whole_session_in_a_shared_database_never_touches_or_names_the_foreign_system() {
    let db = TestDb::with_sql(FOREIGN).await;
    let before = fingerprint(&db.client).await;
    let s = Session { dir: tempfile::tempdir().unwrap(), db, before };
    let p = s.path().to_owned();

    s.run(&["init"], 0).await;
    let mut config = std::fs::read_to_string(p.join("pgshift.toml")).unwrap();
    config.push_str("\nignore = [\"_prisma_migrations\"]\n");
    std::fs::write(p.join("pgshift.toml"), config).unwrap();
    std::fs::write(p.join("schema/app.sql"), SCHEMA_V1).unwrap();
    // Our `subscriptionstatus` beside their `"SubscriptionStatus"`: a twin modulo case, refused
    // until theirs is declared in externals/ (or ours renamed).
    let refusal = s.refused(&["new", "initial"], "same name modulo case").await;
    assert!(refusal.contains("our type public.subscriptionstatus and their type public.\"SubscriptionStatus\""), "{refusal}");
    std::fs::write(p.join("externals/auth.sql"), EXTERNALS).unwrap();
    let file = s.run(&["new", "initial"], 0).await;
    let first = std::fs::read_to_string(p.join(file.trim())).unwrap();
    assert!(first.contains("CREATE TYPE public.subscriptionstatus"), "{first}");
    s.run(&["new", "again"], 0).await;
    s.run(&["upgrade"], 0).await;
    s.db.client
        .batch_execute(
            "INSERT INTO plan (tier) VALUES ('basic'), ('pro');
             INSERT INTO usage_event (plan_id, amount) SELECT id, 3 FROM plan;
             INSERT INTO old_cache VALUES ('k');",
        )
        .await
        .unwrap();

    // status: other tools by count; their names only with --co-tenants.
    let status = s.run(&["status"], 0).await;
    assert!(status.contains("other migration tools here: ") && status.contains("Prisma (1 ledger)"), "{status}");
    assert!(status.contains("a Go/Buffalo-style migrator (pop, soda) (1 ledger)") && !status.contains("name clash"), "{status}");
    let status = s.run(&["status", "--co-tenants"], 0).await;
    assert!(status.contains("  ledger public._prisma_migrations (Prisma)") && status.contains("  ledger public.\"SchemaMigration\""), "{status}");
    let json = s.run(&["status", "--json"], 0).await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v.get("other_ledgers").is_none() && v.get("clashes").is_none() && v["other_tools"][0]["ledgers"] == 1, "{json}");
    assert_eq!(v["adopted"], true, "{json}");
    let json = s.run(&["status", "--json", "--co-tenants"], 0).await;
    assert!(json.contains("_prisma_migrations"), "{json}");
    let check = s.run(&["check"], 0).await;
    assert!(check.contains("database matches its revision"), "{check}");
    let inspect = s.run(&["inspect"], 0).await;
    assert!(inspect.contains("CREATE TABLE public.plan") && inspect.contains("CREATE TYPE public.subscriptionstatus"), "{inspect}");
    assert!(!inspect.contains("pgshift_revisions"), "{inspect}");
    let json = s.run(&["inspect", "--json"], 0).await;
    assert!(json.contains("\"usage_event\""), "{json}");
    let url = s.db.db.url();
    s.run(&["diff", "--from", &url, "--to", "schema", "--exit-code"], 0).await;

    // A desired table named like theirs, exactly and modulo case: refused everywhere, nothing
    // written or suggested, their rows intact; inspect shows neither theirs nor ours.
    let touch = "CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;";
    for (sql, kind, clash) in [
        ("CREATE TABLE \"Team\" (id int PRIMARY KEY);", "same name)", "our table public.\"Team\" and their table public.\"Team\""),
        ("CREATE TABLE team (id int PRIMARY KEY);", "same name modulo case)", "our table public.team and their table public.\"Team\""),
        (touch, "same name)", "our function public.touch_updated_at and their function public.touch_updated_at"),
    ] {
        std::fs::write(p.join("schema/app.sql"), format!("{SCHEMA_V1}\n{sql}\n")).unwrap();
        let refusal = s.refused(&["new", "teams"], kind).await;
        assert!(refusal.contains(clash), "{refusal}");
        s.refused(&["check"], kind).await;
        s.refused(&["diff", "--from", &url, "--to", "schema"], kind).await;
        s.refused(&["diff", "--from", "schema", "--to", &url], kind).await;
        s.refused(&["adopt"], kind).await;
        let inspect = s.run(&["inspect"], 0).await;
        assert!(inspect.contains("CREATE TABLE public.plan") && !inspect.contains("Team") && !inspect.contains("team"), "{inspect}");
        assert!(!inspect.contains("touch_updated_at"), "{inspect}");
        let status = s.run(&["status"], 0).await;
        assert!(status.contains("name clashes: 1") && status.contains("--co-tenants"), "{status}");
        let status = s.run(&["status", "--co-tenants"], 0).await;
        assert!(status.contains(&format!("  name clash: {clash}")), "{status}");
    }

    // A generated migration that truncates their ledger (ignored in pgshift.toml too), deletes
    // their rows or upserts into their table is refused before anything runs.
    std::fs::write(p.join("schema/app.sql"), format!("{SCHEMA_V1}\nCREATE TABLE note (id int);\n")).unwrap();
    let file = s.run(&["new", "note"], 0).await;
    let path = p.join(file.trim());
    let generated = std::fs::read_to_string(&path).unwrap();
    assert!(generated.contains("-- generated by: pgshift\n"), "{generated}");
    for evil in ["TRUNCATE \"_prisma_migrations\";\n", "DELETE FROM \"User\";\n", "INSERT INTO \"Team\" VALUES ('t2', 'x', NULL) ON CONFLICT DO NOTHING;\n"] {
        std::fs::write(&path, generated.replace("-- up\n", &format!("-- up\n{evil}"))).unwrap();
        let ledger_rows = ledger(&s.db.client).await;
        let out = Command::new(env!("CARGO_BIN_EXE_pgshift")).arg("upgrade").env("DATABASE_URL", &url).current_dir(&p).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{evil}: {stderr}");
        assert!(stderr.contains("which no migration of this project creates") && stderr.contains("nothing was run"), "{stderr}");
        assert_eq!(fingerprint(&s.db.client).await, s.before, "{evil}");
        assert_eq!(ledger(&s.db.client).await, ledger_rows, "{evil}");
        assert_eq!(count(&s.db.client, "SELECT count(*) FROM pg_class WHERE relname = 'note'").await, 0, "{evil}");
    }
    std::fs::remove_file(&path).unwrap();
    std::fs::write(p.join("schema/app.sql"), SCHEMA_V1).unwrap();
    s.run(&["check"], 0).await;

    // v2: an enum label (before the first), a column, an index, a dropped table.
    std::fs::write(p.join("schema/app.sql"), SCHEMA_V2).unwrap();
    s.run(&["check", "--no-database"], 1).await;
    let diff = s.run(&["diff", "--from", &url, "--to", "schema"], 0).await;
    assert!(diff.contains("DROP TABLE public.old_cache"), "{diff}");
    let file = s.run(&["new", "v2", "--allow-destructive"], 0).await;
    let second = std::fs::read_to_string(p.join(file.trim())).unwrap();
    assert!(second.contains("ADD VALUE IF NOT EXISTS 'trialing' BEFORE 'active'") && second.contains("DROP TABLE public.old_cache"), "{second}");
    s.run(&["upgrade"], 0).await;
    assert_eq!(count(&s.db.client, "SELECT count(*) FROM usage_event").await, 2);
    assert_eq!(count(&s.db.client, "SELECT count(*) FROM plan WHERE note IS NULL").await, 2);
    s.run(&["check"], 0).await;
    s.run(&["history"], 0).await;
    s.run(&["current"], 0).await;

    s.run(&["downgrade", "-1"], 0).await;
    assert_eq!(count(&s.db.client, "SELECT count(*) FROM pg_class WHERE relname = 'old_cache'").await, 1);
    assert_eq!(count(&s.db.client, "SELECT count(*) FROM plan").await, 2);
    s.run(&["upgrade"], 0).await;
    let adopt = s.run(&["adopt"], 0).await;
    assert!(adopt.is_empty());
    s.run(&["status", "--json", "--co-tenants"], 0).await;

    // Drift in our objects is reported; the foreign ones stay invisible.
    s.db.client.batch_execute("ALTER TABLE plan ADD COLUMN stray int").await.unwrap();
    let drift = s.run(&["check"], 1).await;
    assert!(drift.contains("ALTER TABLE public.plan DROP COLUMN stray"), "{drift}");
    s.db.client.batch_execute("ALTER TABLE plan DROP COLUMN stray").await.unwrap();
    s.run(&["check"], 0).await;

    // Everything of ours can go back to base; the foreign system stays.
    s.run(&["downgrade", "base"], 0).await;
    assert_eq!(count(&s.db.client, "SELECT count(*) FROM pg_class WHERE relname IN ('plan', 'usage_event', 'old_cache')").await, 0);
    assert_eq!(count(&s.db.client, "SELECT count(*) FROM pg_type WHERE typname = 'subscriptionstatus'").await, 0);
    s.db.finish().await;
}

#[tokio::test]
async fn adopting_a_shared_database_takes_only_our_objects() {
    // Our tables made by `create_all`, next to the foreign system, and no ledger yet.
    let db = TestDb::with_sql(&format!("{FOREIGN}{SCHEMA_V1}INSERT INTO plan (tier) VALUES ('basic');")).await;
    let before = fingerprint(&db.client).await;
    let s = Session { dir: tempfile::tempdir().unwrap(), db, before };
    let p = s.path().to_owned();
    s.run(&["init"], 0).await;
    std::fs::write(p.join("externals/auth.sql"), EXTERNALS).unwrap();
    // A twin modulo case of their "Team" is refused before adoption too (adopt takes exact
    // names only); nothing is written, nothing stamped.
    std::fs::write(p.join("schema/app.sql"), format!("{SCHEMA_V2}\nCREATE TABLE team (id int);\n")).unwrap();
    s.refused(&["adopt"], "same name modulo case)").await;
    assert_eq!(ledger(&s.db.client).await, "", "nothing stamped");
    std::fs::write(p.join("schema/app.sql"), SCHEMA_V2).unwrap();
    // Before adoption our tables are not called foreign: status says what to run, once.
    let status = s.run(&["status"], 0).await;
    assert!(status.contains("not adopted yet") && status.contains("`pgshift adopt`"), "{status}");
    assert!(!status.contains("name clash"), "{status}");
    let file = s.run(&["adopt"], 0).await;
    let baseline = std::fs::read_to_string(p.join(file.trim())).unwrap();
    // Ours by name (declared in schema/): plan, usage_event and the enum; old_cache is not declared.
    assert!(baseline.contains("CREATE TABLE public.plan") && baseline.contains("CREATE TABLE public.usage_event"), "{baseline}");
    assert!(!baseline.contains("old_cache"), "{baseline}");
    s.run(&["check", "--no-database"], 1).await;
    s.run(&["new", "to v2", "--allow-destructive"], 0).await;
    s.run(&["upgrade"], 0).await;
    s.run(&["check"], 0).await;
    assert_eq!(count(&s.db.client, "SELECT count(*) FROM plan").await, 1);
    assert_eq!(count(&s.db.client, "SELECT count(*) FROM pg_class WHERE relname = 'old_cache'").await, 1, "never ours, never dropped");
    s.run(&["adopt"], 0).await;
    s.db.finish().await;
}

/// Twelve tables of ours linked by foreign keys, named so that reverse name order drops a
/// referenced table before the tables that reference it (`voice` before `blockvariant`,
/// `usercredits` before `credittransaction`, `zz_plan` before everything), with a cycle
/// (`person` ↔ `image`), made by Alembic (its ledger holds one revision).
const LINKED: &str = r#"
CREATE TABLE zz_plan (id serial PRIMARY KEY, tier text NOT NULL UNIQUE);
CREATE TABLE voice (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id serial PRIMARY KEY, plan_id int REFERENCES zz_plan, avatar_id int);
CREATE TABLE image (id serial PRIMARY KEY, owner_id int REFERENCES person ON DELETE CASCADE);
ALTER TABLE person ADD CONSTRAINT person_avatar_id_fkey FOREIGN KEY (avatar_id) REFERENCES image DEFERRABLE INITIALLY DEFERRED;
CREATE TABLE usercredits (id serial PRIMARY KEY, person_id int NOT NULL REFERENCES person, balance int NOT NULL DEFAULT 0);
CREATE TABLE credittransaction (id serial PRIMARY KEY, credits_id int NOT NULL REFERENCES usercredits, amount int NOT NULL);
CREATE TABLE block (id serial PRIMARY KEY, person_id int REFERENCES person);
CREATE TABLE blockvariant (id serial PRIMARY KEY, block_id int NOT NULL REFERENCES block, voice_id bigint NOT NULL REFERENCES voice);
CREATE TABLE audio (id serial PRIMARY KEY, variant_id int NOT NULL REFERENCES blockvariant);
CREATE TABLE a_export (id serial PRIMARY KEY, audio_id int REFERENCES audio, plan_id int REFERENCES zz_plan);
CREATE TABLE comment (id serial PRIMARY KEY, parent_id int REFERENCES comment, block_id int REFERENCES block);
CREATE VIEW variant_voices AS SELECT b.id, v.name FROM blockvariant b JOIN voice v ON v.id = b.voice_id;
"#;

const LINKED_ROWS: &str = r#"
INSERT INTO zz_plan (tier) VALUES ('free'), ('pro');
INSERT INTO voice (name) VALUES ('alto'), ('bass');
BEGIN;
INSERT INTO person (plan_id, avatar_id) VALUES (1, 1), (2, NULL);
INSERT INTO image (owner_id) VALUES (1);
COMMIT;
INSERT INTO usercredits (person_id, balance) VALUES (1, 10), (2, 0);
INSERT INTO credittransaction (credits_id, amount) VALUES (1, 5), (1, 5);
INSERT INTO block (person_id) VALUES (1), (2);
INSERT INTO blockvariant (block_id, voice_id) VALUES (1, 1), (2, 2);
INSERT INTO audio (variant_id) VALUES (1), (2);
INSERT INTO a_export (audio_id, plan_id) VALUES (1, 2);
INSERT INTO comment (parent_id, block_id) VALUES (NULL, 1), (1, 1);
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
INSERT INTO alembic_version VALUES ('1a2b3c4d5e6f');
"#;

/// Every row of our linked tables, as text, table by table.
async fn our_rows(client: &Client, tables: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for t in tables {
        let rows: Option<String> =
            client.query_one(&format!("SELECT string_agg(t::text, ';' ORDER BY t::text) FROM public.{t} t"), &[]).await.unwrap().get(0);
        out.push(format!("{t}: {}", rows.unwrap_or_default()));
    }
    out
}

#[tokio::test]
async fn adopting_an_alembic_database_of_linked_tables_then_removing_linked_models() {
    let db = TestDb::with_sql(&format!("{FOREIGN}{LINKED}{LINKED_ROWS}")).await;
    let before = fingerprint(&db.client).await;
    let s = Session { dir: tempfile::tempdir().unwrap(), db, before };
    let p = s.path().to_owned();
    let all = [
        "zz_plan", "voice", "person", "image", "usercredits", "credittransaction", "block", "blockvariant", "audio", "a_export", "comment",
    ];
    let rows_before = our_rows(&s.db.client, &all).await;

    s.run(&["init"], 0).await;
    std::fs::write(p.join("schema/app.sql"), LINKED).unwrap();
    let file = s.run(&["adopt", "--alembic-revision", "1a2b3c4d5e6f"], 0).await;
    let baseline = std::fs::read_to_string(p.join(file.trim())).unwrap();
    // The baseline's down section drops referencing tables before the ones they reference.
    let down = &baseline[baseline.find("-- down").expect("a down section")..];
    let at = |t: &str| down.find(&format!("DROP TABLE public.{t};")).unwrap_or_else(|| panic!("no drop of {t}:\n{down}"));
    assert!(at("blockvariant") < at("voice") && at("credittransaction") < at("usercredits"), "{down}");
    assert!(at("a_export") < at("zz_plan") && at("audio") < at("blockvariant") && at("block") < at("person"), "{down}");
    assert_eq!(count(&s.db.client, "SELECT count(*) FROM alembic_version").await, 1, "alembic_version is left alone");
    s.run(&["check"], 0).await;
    let again = s.run(&["new", "nothing"], 0).await;
    assert!(again.trim().is_empty(), "new after adopt writes nothing: {again}");
    assert_eq!(our_rows(&s.db.client, &all).await, rows_before, "adopt ran no DDL and changed no row");

    // The legacy models go: five linked tables and the view over two of them.
    let kept = ["zz_plan", "person", "image", "block", "comment", "usercredits"];
    let schema: String = LINKED
        .lines()
        .filter(|l| !["voice", "credittransaction", "blockvariant", "audio", "a_export", "variant_voices"].iter().any(|t| {
            l.starts_with(&format!("CREATE TABLE {t} ")) || l.starts_with(&format!("CREATE VIEW {t} "))
        }))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(p.join("schema/app.sql"), schema).unwrap();
    let file = s.run(&["new", "remove legacy models", "--allow-destructive"], 0).await;
    let migration = std::fs::read_to_string(p.join(file.trim())).unwrap();
    assert!(migration.contains("DROP TABLE public.credittransaction") && migration.contains("DROP TABLE public.voice"), "{migration}");
    let kept_rows = our_rows(&s.db.client, &kept).await;
    s.run(&["upgrade"], 0).await;
    s.run(&["check"], 0).await;
    assert_eq!(our_rows(&s.db.client, &kept).await, kept_rows, "every row of a kept table survives");
    s.run(&["downgrade", "-1"], 0).await;
    // The drops are pending again: check lints them, and they carry the consent `new` recorded.
    let pending = s.run(&["check"], 0).await;
    assert!(pending.contains("database matches its revision") && !pending.contains("[drop-table]"), "{pending}");
    assert!(migration.contains("-- pgshift: approved destructive: drops table public.voice with all its rows\n"), "{migration}");
    assert_eq!(our_rows(&s.db.client, &kept).await, kept_rows);
    assert_eq!(count(&s.db.client, "SELECT count(*) FROM pg_class WHERE relname IN ('voice', 'audio', 'a_export')").await, 3);
    s.run(&["upgrade"], 0).await;
    // And the whole history goes back to base (the baseline's down section), the foreign system stays.
    s.run(&["downgrade", "base"], 0).await;
    assert_eq!(count(&s.db.client, "SELECT count(*) FROM pg_class WHERE relname = ANY(ARRAY['zz_plan', 'person', 'image', 'comment'])").await, 0);
    s.db.finish().await;
}
