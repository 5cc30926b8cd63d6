//! The diff as a library, on real catalogs: each side is SQL executed into its own scratch
//! database (with rows) and read back with `pgshift_inspect::inspect`, then
//! `pgshift_diff::diff` is called directly and its `Diff.changes` asserted as data (object,
//! kind, order), never as SQL text. Proves: create/drop/alter of a table, a column, an index
//! and a constraint; an enum label added (`AddEnumLabel` with its position) and one removed
//! (`SwapEnum`, with the columns it re-types); rename candidates for a drop and an add of the
//! same shape, and a rename confirmed through `DiffOptions.renames` (`RenameRequest::parse`)
//! giving a `Rename` change instead of a drop and a create; tables linked by foreign keys
//! dropped children first, and a foreign-key cycle broken by dropping a constraint first;
//! privileges compared only with `DiffOptions::with_privileges`; identical catalogs give an
//! empty diff; the same input twice gives the same output.

use pgshift_catalog::{Catalog, ObjectFilter, ObjectRef, QualName};
use pgshift_diff::{diff, exists, Change, ChangeKind, Diff, DiffOptions, Hazard, RenameRequest, TableAction};
use pgshift_testkit::TestDb;

/// The catalog of a fresh scratch database after `sql` (the database is dropped afterwards).
async fn catalog(sql: &str) -> Catalog {
    let db = TestDb::with_sql(sql).await;
    let catalog = pgshift_inspect::inspect(&db.client, &ObjectFilter::all()).await.unwrap_or_else(|e| panic!("inspect: {e}"));
    db.finish().await;
    catalog
}

/// Both sides, read from two databases at once.
async fn sides(a: &str, b: &str) -> (Catalog, Catalog) {
    tokio::join!(catalog(a), catalog(b))
}

fn public(name: &str) -> QualName {
    QualName::new("public", name)
}

fn table(name: &str) -> ObjectRef {
    ObjectRef::Table { name: public(name) }
}

fn constraint(table: &str, name: &str) -> ObjectRef {
    ObjectRef::Constraint { table: public(table), name: name.to_owned().into() }
}

/// The index in `d.changes` of the one change on `object` that `kind` accepts; panics with the
/// whole list when there is none or several.
fn find(d: &Diff, object: &ObjectRef, kind: impl Fn(&ChangeKind) -> bool) -> usize {
    let hits: Vec<usize> = d.changes.iter().enumerate().filter(|(_, c)| &c.object == object && kind(&c.kind)).map(|(i, _)| i).collect();
    assert_eq!(hits.len(), 1, "expected exactly one such change on {object}, got {hits:?} in:\n{}", list(d));
    hits[0]
}

/// The table actions of every `AlterTable` change on `name`, in order.
fn actions<'a>(d: &'a Diff, name: &str) -> Vec<&'a TableAction> {
    d.changes
        .iter()
        .filter(|c| c.object == table(name))
        .filter_map(|c| match &c.kind {
            ChangeKind::AlterTable { actions } => Some(actions),
            _ => None,
        })
        .flatten()
        .collect()
}

fn list(d: &Diff) -> String {
    d.changes.iter().map(|c| format!("  {} {:?}\n", c.object, c.kind)).collect()
}

fn is_create(k: &ChangeKind) -> bool {
    *k == ChangeKind::Create
}

fn is_drop(k: &ChangeKind) -> bool {
    *k == ChangeKind::Drop
}

#[tokio::test]
async fn tables_columns_indexes_and_constraints_created_dropped_and_altered() {
    let (a, b) = sides(
        "CREATE TABLE account (id int PRIMARY KEY, name text, legacy int);
         CREATE INDEX account_name ON account (name);
         CREATE TABLE note (id int PRIMARY KEY, account_id int, body varchar(10));
         CREATE TABLE gone (id int, payload bytea);
         INSERT INTO account VALUES (1, 'ada', 7);
         INSERT INTO note VALUES (1, 1, 'hello');
         INSERT INTO gone VALUES (1, '\\x00');",
        "CREATE TABLE account (id int PRIMARY KEY, name text NOT NULL, email text);
         CREATE INDEX account_email ON account (email);
         CREATE TABLE note (id int PRIMARY KEY, account_id int REFERENCES account (id), body text);
         CREATE TABLE fresh (id bigint PRIMARY KEY, at date);",
    )
    .await;
    let d = diff(&a, &b, &DiffOptions::default());

    // Tables.
    let create_fresh = find(&d, &table("fresh"), is_create);
    let drop_gone = find(&d, &table("gone"), is_drop);
    assert!(
        d.changes[drop_gone].hazards.iter().any(|h| matches!(h, Hazard::Destructive(_))),
        "dropping a table is destructive: {:?}",
        d.changes[drop_gone]
    );
    assert!(exists(&b, &d.changes[create_fresh].object) && !exists(&a, &d.changes[create_fresh].object));
    assert!(exists(&a, &d.changes[drop_gone].object) && !exists(&b, &d.changes[drop_gone].object));
    // The new table's primary key is its own constraint, created after the table.
    let fresh_pkey = find(&d, &constraint("fresh", "fresh_pkey"), is_create);
    assert!(create_fresh < fresh_pkey, "{}", list(&d));

    // Columns, altered in place.
    let account = actions(&d, "account");
    assert!(account.iter().any(|a| matches!(a, TableAction::DropColumn { name } if name == "legacy")), "{account:?}");
    assert!(
        account.iter().any(|a| matches!(a, TableAction::AddColumn { column } if column.name == "email" && column.data_type == "text")),
        "{account:?}"
    );
    assert!(
        account.iter().any(|a| matches!(a, TableAction::SetNotNull { column, not_null: true } if column == "name")),
        "{account:?}"
    );
    let note = actions(&d, "note");
    assert!(
        note.iter().any(|a| matches!(a, TableAction::AlterColumnType { column, from_type } if column.name == "body" && column.data_type == "text" && from_type == "character varying(10)")),
        "{note:?}"
    );
    let drop_legacy = d
        .changes
        .iter()
        .find(|c| matches!(&c.kind, ChangeKind::AlterTable { actions } if matches!(actions.as_slice(), [TableAction::DropColumn { name }] if name == "legacy")))
        .unwrap();
    assert!(drop_legacy.hazards.iter().any(|h| matches!(h, Hazard::Destructive(_))), "{drop_legacy:?}");
    assert!(
        d.changes.iter().all(|c| c.object != table("account") || !matches!(c.kind, ChangeKind::Drop | ChangeKind::Create)),
        "account is altered, never recreated: {}",
        list(&d)
    );

    // Indexes.
    let drop_index = find(&d, &ObjectRef::Index { name: public("account_name") }, is_drop);
    let create_index = find(&d, &ObjectRef::Index { name: public("account_email") }, is_create);
    let add_email = d
        .changes
        .iter()
        .position(|c| matches!(&c.kind, ChangeKind::AlterTable { actions } if actions.iter().any(|a| matches!(a, TableAction::AddColumn { column } if column.name == "email"))))
        .unwrap();
    assert!(add_email < create_index, "the index on email comes after the column: {}", list(&d));
    assert_ne!(drop_index, create_index);

    // Constraints: the new foreign key, after the column it references exists (account.id is
    // untouched) and with the data-dependent hazard of validating existing rows.
    let fk = find(&d, &constraint("note", "note_account_id_fkey"), is_create);
    assert!(
        d.changes[fk].hazards.iter().any(|h| matches!(h, Hazard::DataDependent(_))),
        "a foreign key added to a table with rows depends on the data: {:?}",
        d.changes[fk]
    );

    // Nothing else: no rename candidate (the shapes differ), nothing outside these objects.
    assert!(d.rename_candidates.is_empty(), "{:?}", d.rename_candidates);
    let touched = [table("account"), table("note"), table("gone"), table("fresh")];
    for c in &d.changes {
        let ok = touched.contains(&c.object)
            || matches!(&c.object, ObjectRef::Index { .. })
            || matches!(&c.object, ObjectRef::Constraint { table, .. } if touched.contains(&ObjectRef::Table { name: table.clone() }));
        assert!(ok, "unexpected change {} {:?}", c.object, c.kind);
    }

    // Backwards: the same objects, the other way round.
    let back = diff(&b, &a, &DiffOptions::default());
    find(&back, &table("fresh"), is_drop);
    find(&back, &table("gone"), is_create);
    find(&back, &ObjectRef::Index { name: public("account_name") }, is_create);
    find(&back, &ObjectRef::Index { name: public("account_email") }, is_drop);
    find(&back, &constraint("note", "note_account_id_fkey"), is_drop);
    assert!(actions(&back, "account").iter().any(|a| matches!(a, TableAction::DropColumn { name } if name == "email")));
    assert!(actions(&back, "account").iter().any(|a| matches!(a, TableAction::SetNotNull { column, not_null: false } if column == "name")));
}

#[tokio::test]
async fn enum_labels_added_in_place_and_removed_by_a_swap() {
    let a_sql = "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
                 CREATE TABLE diary (id int PRIMARY KEY, mood mood DEFAULT 'ok', past mood[]);
                 INSERT INTO diary VALUES (1, 'sad', '{happy}');";
    let (a, added, removed) = tokio::join!(
        catalog(a_sql),
        catalog(
            "CREATE TYPE mood AS ENUM ('meh', 'sad', 'ok', 'fine', 'happy', 'ecstatic');
             CREATE TABLE diary (id int PRIMARY KEY, mood mood DEFAULT 'ok', past mood[]);"
        ),
        catalog(
            "CREATE TYPE mood AS ENUM ('sad', 'happy');
             CREATE TABLE diary (id int PRIMARY KEY, mood mood DEFAULT 'sad', past mood[]);"
        ),
    );
    let mood = ObjectRef::Type { name: public("mood") };

    // Added labels: one AddEnumLabel each, in target order, each placed next to a label that
    // exists when it runs; nothing is swapped or recreated.
    let d = diff(&a, &added, &DiffOptions::default());
    let labels: Vec<(&str, Option<&str>, Option<&str>)> = d
        .changes
        .iter()
        .map(|c| {
            assert_eq!(c.object, mood, "only the type changes: {}", list(&d));
            match &c.kind {
                ChangeKind::AddEnumLabel { label, before, after } => (label.as_str(), before.as_deref(), after.as_deref()),
                other => panic!("expected AddEnumLabel, got {other:?}"),
            }
        })
        .collect();
    assert_eq!(
        labels,
        vec![("meh", Some("sad"), None), ("fine", None, Some("ok")), ("ecstatic", None, Some("happy"))],
        "{}",
        list(&d)
    );
    assert!(d.changes.iter().all(|c| c.hazards.iter().any(|h| matches!(h, Hazard::NonTransactional(_)))));

    // A removed label: the type is swapped, with the labels it keeps, the one it loses and
    // the columns of that type re-typed in the swap (the array column too).
    let d = diff(&a, &removed, &DiffOptions::default());
    let swap = find(&d, &mood, |k| matches!(k, ChangeKind::SwapEnum { .. }));
    let ChangeKind::SwapEnum { labels, removed: gone, columns } = &d.changes[swap].kind else { unreachable!() };
    assert_eq!(labels, &["sad", "happy"]);
    assert_eq!(gone, &["ok"]);
    let mut cols: Vec<(&str, bool, bool)> = columns.iter().map(|c| (c.column.as_str(), c.array, c.had_default)).collect();
    cols.sort();
    assert_eq!(cols, vec![("mood", false, true), ("past", true, false)], "{columns:?}");
    assert!(columns.iter().all(|c| c.table == public("diary")));
    let default = columns.iter().find(|c| c.column == "mood").unwrap();
    assert_eq!(default.default.as_deref(), Some("'sad'::public.mood"), "the target's default is set after the swap");
    assert!(
        d.changes[swap].hazards.iter().any(|h| matches!(h, Hazard::Destructive(_) | Hazard::DataDependent(_))),
        "removing a label depends on the rows: {:?}",
        d.changes[swap].hazards
    );
    assert!(d.changes.iter().all(|c| !matches!(c.kind, ChangeKind::AddEnumLabel { .. })), "{}", list(&d));
}

#[tokio::test]
async fn rename_candidates_and_confirmed_renames() {
    let (a, b) = sides(
        "CREATE TABLE invoice (id int PRIMARY KEY, total numeric(10,2));
         CREATE TABLE person (id int PRIMARY KEY, name text);
         CREATE TYPE state AS ENUM ('draft', 'sent', 'paid');
         INSERT INTO invoice VALUES (1, 9.99);
         INSERT INTO person VALUES (1, 'ada');",
        "CREATE TABLE bill (id int PRIMARY KEY, total numeric(10,2));
         CREATE TABLE person (id int PRIMARY KEY, full_name text);
         CREATE TYPE state AS ENUM ('draft', 'issued', 'paid');",
    )
    .await;

    // Unconfirmed: drops and adds, each drop marked as a rename candidate with its flag.
    let d = diff(&a, &b, &DiffOptions::default());
    let mut flags: Vec<&str> = d.rename_candidates.iter().map(|c| c.flag.as_str()).collect();
    flags.sort();
    assert_eq!(
        flags,
        vec!["--rename public.invoice=public.bill", "--rename public.person.name=public.person.full_name", "--rename public.state:sent=issued"],
        "{:?}",
        d.rename_candidates
    );
    let drop_invoice = find(&d, &table("invoice"), is_drop);
    find(&d, &table("bill"), is_create);
    assert!(d.changes[drop_invoice].hazards.iter().any(|h| matches!(h, Hazard::RenameCandidate(m) if m.contains("--rename public.invoice=public.bill"))));
    let person = actions(&d, "person");
    assert!(person.iter().any(|a| matches!(a, TableAction::DropColumn { name } if name == "name")), "{person:?}");
    assert!(person.iter().any(|a| matches!(a, TableAction::AddColumn { column } if column.name == "full_name")), "{person:?}");
    find(&d, &ObjectRef::Type { name: public("state") }, |k| matches!(k, ChangeKind::SwapEnum { .. }));

    // Confirmed through DiffOptions.renames: a Rename change and no drop or create.
    let renames = ["public.invoice=public.bill", "public.person.name=public.person.full_name", "public.state:sent=issued"]
        .iter()
        .map(|s| RenameRequest::parse(s).unwrap())
        .collect();
    let d = diff(&a, &b, &DiffOptions { renames, ..DiffOptions::default() });
    let rename = find(&d, &table("bill"), |k| matches!(k, ChangeKind::Rename { from } if *from == public("invoice")));
    assert!(
        d.changes.iter().all(|c| !matches!(c.object, ObjectRef::Table { .. } | ObjectRef::Type { .. }) || !matches!(c.kind, ChangeKind::Drop | ChangeKind::Create)),
        "no table or type is dropped or created: {}",
        list(&d)
    );
    // The primary key keeps its old name through RENAME TABLE: it is rebuilt under the
    // target's name, after the rename.
    let old_pkey = find(&d, &constraint("bill", "invoice_pkey"), is_drop);
    let new_pkey = find(&d, &constraint("bill", "bill_pkey"), is_create);
    assert!(rename < old_pkey && old_pkey < new_pkey, "{}", list(&d));
    assert_eq!(
        actions(&d, "person"),
        vec![&TableAction::RenameColumn { from: "name".into(), to: "full_name".into() }],
        "{}",
        list(&d)
    );
    find(&d, &ObjectRef::Type { name: public("state") }, |k| {
        matches!(k, ChangeKind::RenameEnumLabel { from, to } if from == "sent" && to == "issued")
    });
    assert_eq!(d.changes.len(), 5, "{}", list(&d));
    assert!(d.rename_candidates.is_empty(), "{:?}", d.rename_candidates);
    assert!(d.changes[rename].hazards.is_empty());
    // The renamed source is what the changes apply to, and it now has the new name.
    assert!(d.source(&a).tables.contains_key(&public("bill")) && !d.source(&a).tables.contains_key(&public("invoice")));

    // A request that does not apply is refused by check and ignored by the diff.
    let bad = RenameRequest::parse("public.nope=public.bill").unwrap();
    assert!(bad.check(&a, &b).is_err());
    let d = diff(&a, &b, &DiffOptions { renames: vec![bad], ..DiffOptions::default() });
    find(&d, &table("invoice"), is_drop);
    assert!(RenameRequest::parse("public.a=other.b").is_err(), "a rename stays in its schema");
}

#[tokio::test]
async fn tables_linked_by_foreign_keys_drop_children_first_and_a_cycle_is_broken() {
    let (a, b) = sides(
        "CREATE TABLE parent (id int PRIMARY KEY);
         CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id));
         CREATE TABLE grandchild (id int PRIMARY KEY, child_id int REFERENCES child (id));
         CREATE TABLE ping (id int PRIMARY KEY, pong_id int);
         CREATE TABLE pong (id int PRIMARY KEY, ping_id int REFERENCES ping (id));
         ALTER TABLE ping ADD CONSTRAINT ping_pong_fk FOREIGN KEY (pong_id) REFERENCES pong (id);
         CREATE TABLE keep (id int);
         INSERT INTO parent VALUES (1);
         INSERT INTO child VALUES (1, 1);
         INSERT INTO grandchild VALUES (1, 1);
         INSERT INTO ping VALUES (1, NULL);
         INSERT INTO pong VALUES (1, 1);
         UPDATE ping SET pong_id = 1;",
        "CREATE TABLE keep (id int);",
    )
    .await;
    let d = diff(&a, &b, &DiffOptions::default());
    let parent = find(&d, &table("parent"), is_drop);
    let child = find(&d, &table("child"), is_drop);
    let grandchild = find(&d, &table("grandchild"), is_drop);
    assert!(grandchild < child && child < parent, "children before parents:\n{}", list(&d));
    // The foreign keys of the chain go with their tables: no separate drop.
    assert!(
        !d.changes.iter().any(|c| matches!(&c.object, ObjectRef::Constraint { table, .. } if ["parent", "child", "grandchild"].contains(&table.name.as_str()))),
        "{}",
        list(&d)
    );

    // The cycle: whichever table goes first, a foreign key of the cycle is dropped before it.
    let ping = find(&d, &table("ping"), is_drop);
    let pong = find(&d, &table("pong"), is_drop);
    let cut: Vec<usize> = d
        .changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == ChangeKind::Drop && matches!(&c.object, ObjectRef::Constraint { .. }))
        .map(|(i, _)| i)
        .collect();
    assert!(!cut.is_empty(), "a foreign key of the cycle is dropped on its own:\n{}", list(&d));
    assert!(cut.iter().all(|&i| i < ping.min(pong)), "the cut comes before both tables:\n{}", list(&d));
    for &i in &cut {
        assert!(
            [constraint("ping", "ping_pong_fk"), constraint("pong", "pong_ping_id_fkey")].contains(&d.changes[i].object),
            "{}",
            d.changes[i].object
        );
    }
    assert!(d.changes.iter().all(|c| c.object != table("keep")));
    assert_eq!(d.changes.iter().filter(|c| matches!(c.object, ObjectRef::Table { .. })).count(), 5, "{}", list(&d));

    // Created the other way: parents before children, and each foreign key after both ends.
    let back = diff(&b, &a, &DiffOptions::default());
    let parent = find(&back, &table("parent"), is_create);
    let child = find(&back, &table("child"), is_create);
    let grandchild = find(&back, &table("grandchild"), is_create);
    let fk = find(&back, &constraint("grandchild", "grandchild_child_id_fkey"), is_create);
    assert!(parent < find(&back, &constraint("child", "child_parent_id_fkey"), is_create), "{}", list(&back));
    assert!(child < fk && grandchild < fk, "{}", list(&back));
    let cycle_fk = find(&back, &constraint("ping", "ping_pong_fk"), is_create);
    assert!(find(&back, &table("pong"), is_create) < cycle_fk && find(&back, &table("ping"), is_create) < cycle_fk);
}

#[tokio::test]
async fn privileges_are_compared_only_when_asked() {
    let (a, b) = sides(
        "CREATE TABLE report (id int PRIMARY KEY, body text);
         INSERT INTO report VALUES (1, 'q1');",
        "CREATE TABLE report (id int PRIMARY KEY, body text);
         GRANT SELECT ON report TO PUBLIC;",
    )
    .await;
    assert!(diff(&a, &b, &DiffOptions::default()).is_empty(), "{}", list(&diff(&a, &b, &DiffOptions::default())));

    let with = DiffOptions { with_privileges: true, ..DiffOptions::default() };
    let d = diff(&a, &b, &with);
    assert_eq!(
        d.changes,
        vec![Change {
            object: table("report"),
            kind: ChangeKind::Grant { grantee: "public".into(), privileges: vec!["SELECT".into()], with_grant_option: false },
            hazards: Vec::new(),
        }],
        "{}",
        list(&d)
    );
    let back = diff(&b, &a, &with);
    assert_eq!(back.changes.len(), 1, "{}", list(&back));
    assert!(
        matches!(&back.changes[0].kind, ChangeKind::Revoke { grantee, privileges, grant_option_only: false } if grantee == "public" && privileges == &["SELECT"]),
        "{}",
        list(&back)
    );
    assert_eq!(back.changes[0].object, table("report"));
}

#[tokio::test]
async fn identical_catalogs_give_an_empty_diff_and_a_diff_is_deterministic() {
    let schema = "CREATE TYPE kind AS ENUM ('a', 'b');
                  CREATE TABLE thing (id int PRIMARY KEY, kind kind NOT NULL DEFAULT 'a', label text UNIQUE);
                  CREATE TABLE part (id int PRIMARY KEY, thing_id int NOT NULL REFERENCES thing (id) ON DELETE CASCADE, n int CHECK (n > 0));
                  CREATE INDEX part_thing ON part (thing_id) WHERE n > 1;
                  CREATE VIEW thing_parts AS SELECT t.id, count(p.id) AS parts FROM thing t LEFT JOIN part p ON p.thing_id = t.id GROUP BY t.id;";
    let (a, same) = sides(
        &format!("{schema}\nINSERT INTO thing VALUES (1, 'b', 'x'); INSERT INTO part VALUES (1, 1, 2);"),
        schema,
    )
    .await;
    // Two databases built apart, one with rows: the same catalog.
    assert_eq!(a, same);
    for options in [DiffOptions::default(), DiffOptions { with_privileges: true, ..DiffOptions::default() }] {
        let d = diff(&a, &same, &options);
        assert!(d.is_empty() && d.rename_candidates.is_empty() && d.renamed_source.is_none(), "{}", list(&d));
    }

    // A diff with many kinds of change, made twice (and from a second read of each side):
    // identical output, order included.
    let target = "CREATE TYPE kind AS ENUM ('a', 'b', 'c');
                  CREATE TABLE thing (id int PRIMARY KEY, kind kind NOT NULL DEFAULT 'b', label varchar(20), extra int);
                  CREATE TABLE part2 (id int PRIMARY KEY, thing_id int REFERENCES thing (id));
                  CREATE INDEX thing_label ON thing (label);
                  CREATE VIEW thing_parts AS SELECT t.id, count(p.id) AS parts, max(t.label) AS label FROM thing t LEFT JOIN part2 p ON p.thing_id = t.id GROUP BY t.id;";
    let (b, b_again) = sides(target, target).await;
    let first = diff(&a, &b, &DiffOptions::default());
    let second = diff(&a, &b, &DiffOptions::default());
    let third = diff(&same, &b_again, &DiffOptions::default());
    assert!(first.changes.len() > 8, "a diff worth comparing:\n{}", list(&first));
    assert_eq!(first.changes, second.changes);
    assert_eq!(first.changes, third.changes, "two reads of the same schemas diff the same");
    assert_eq!(first.rename_candidates, second.rename_candidates);
    assert_eq!(first.rename_candidates, third.rename_candidates);
    // And the view over the changed tables is dropped before what it stands on changes, and
    // created after.
    let view = ObjectRef::View { name: public("thing_parts") };
    let drop_view = find(&first, &view, is_drop);
    let create_view = find(&first, &view, is_create);
    let drop_part = find(&first, &table("part"), is_drop);
    let create_part2 = find(&first, &table("part2"), is_create);
    assert!(drop_view < drop_part && create_part2 < create_view, "{}", list(&first));
}
