//! Property test: for generated schemas, `render(inspect(db))` loaded into an empty database
//! inspects to the same catalog. Names are drawn from a hostile pool (case twins, keywords,
//! quotes, spaces, unicode) so quoting is exercised everywhere.

use pgshift_catalog::quote::{ident, literal};
use pgshift_catalog::{render, ObjectFilter};
use pgshift_inspect::inspect;
use pgshift_testkit::TestDb;
use proptest::prelude::*;

const NAME_POOL: &[&str] = &["id", "Name", "name", "user", "select", "a b", "quo\"te", "ünï", "order", "x"];
const TYPE_POOL: &[&str] =
    &["integer", "bigint", "text", "character varying(40)", "numeric(10,2)", "boolean", "timestamp with time zone", "jsonb", "text[]", "enum"];

#[derive(Debug, Clone)]
struct Col {
    name: String,
    ty: usize,
    not_null: bool,
    default: bool,
}

#[derive(Debug, Clone)]
struct Tab {
    name: String,
    cols: Vec<Col>,
    pk: bool,
    unique_col: Option<usize>,
    check_col: Option<usize>,
    index: Option<(usize, bool)>,
    fk_to: Option<usize>,
    comment: Option<String>,
    view: bool,
}

#[derive(Debug, Clone)]
struct Gen {
    labels: Vec<String>,
    tables: Vec<Tab>,
}

fn col() -> impl Strategy<Value = (usize, usize, bool, bool)> {
    (0..NAME_POOL.len(), 0..TYPE_POOL.len(), any::<bool>(), any::<bool>())
}

fn table() -> impl Strategy<Value = Tab> {
    (
        0..NAME_POOL.len(),
        prop::collection::vec(col(), 1..8),
        any::<bool>(),
        prop::option::of(0..8usize),
        prop::option::of(0..8usize),
        prop::option::of((0..8usize, any::<bool>())),
        prop::option::of(0..4usize),
        prop::option::of("[a-z' ]{0,12}"),
        any::<bool>(),
    )
        .prop_map(|(n, cols, pk, unique_col, check_col, index, fk_to, comment, view)| {
            let cols: Vec<Col> = cols
                .into_iter()
                .enumerate()
                .map(|(i, (name, ty, not_null, default))| Col {
                    name: format!("{}{i}", NAME_POOL[name]),
                    ty,
                    not_null,
                    default,
                })
                .collect();
            let len = cols.len();
            Tab {
                name: NAME_POOL[n].to_owned(),
                cols,
                pk,
                unique_col: unique_col.map(|c| c % len),
                check_col: check_col.map(|c| c % len),
                index: index.map(|(c, d)| (c % len, d)),
                fk_to,
                comment,
                view,
            }
        })
}

fn schema() -> impl Strategy<Value = Gen> {
    (prop::collection::vec("[a-zA-Z' ]{1,8}", 1..5), prop::collection::vec(table(), 1..5)).prop_map(
        |(mut labels, mut tables)| {
            labels.sort();
            labels.dedup();
            for (i, t) in tables.iter_mut().enumerate() {
                t.name = format!("{}_t{i}", t.name);
            }
            Gen { labels, tables }
        },
    )
}

fn type_sql(ty: usize) -> &'static str {
    match TYPE_POOL[ty] {
        "enum" => "\"Mood Type\"",
        other => other,
    }
}

fn default_sql(ty: usize, labels: &[String]) -> String {
    match TYPE_POOL[ty] {
        "integer" | "bigint" | "numeric(10,2)" => "42".into(),
        "boolean" => "true".into(),
        "timestamp with time zone" => "now()".into(),
        "jsonb" => "'{\"a\": 1}'::jsonb".into(),
        "text[]" => "'{}'::text[]".into(),
        "enum" => literal(&labels[0]),
        _ => literal("it's"),
    }
}

fn to_sql(g: &Gen) -> String {
    let labels: Vec<String> = g.labels.iter().map(|l| literal(l)).collect();
    let mut sql = format!("CREATE TYPE \"Mood Type\" AS ENUM ({});\n", labels.join(", "));
    for (ti, t) in g.tables.iter().enumerate() {
        let mut elems = Vec::new();
        if t.pk {
            elems.push("pk_id integer PRIMARY KEY".to_owned());
        }
        for c in &t.cols {
            let mut e = format!("{} {}", ident(&c.name), type_sql(c.ty));
            if c.default {
                e.push_str(&format!(" DEFAULT {}", default_sql(c.ty, &g.labels)));
            }
            if c.not_null {
                e.push_str(" NOT NULL");
            }
            elems.push(e);
        }
        if let Some(target) = t.fk_to.filter(|&j| j < ti && g.tables[j].pk) {
            elems.push(format!("fk_ref integer REFERENCES {} (pk_id) ON DELETE CASCADE", ident(&g.tables[target].name)));
        }
        if let Some(c) = t.unique_col {
            elems.push(format!("UNIQUE ({})", ident(&t.cols[c].name)));
        }
        if let Some(c) = t.check_col {
            elems.push(format!("CHECK (length({}::text) < 1000)", ident(&t.cols[c].name)));
        }
        sql.push_str(&format!("CREATE TABLE {} ({});\n", ident(&t.name), elems.join(", ")));
        if let Some((c, desc)) = t.index {
            let dir = if desc { " DESC NULLS LAST" } else { "" };
            sql.push_str(&format!("CREATE INDEX ON {} ({}{dir});\n", ident(&t.name), ident(&t.cols[c].name)));
        }
        if let Some(comment) = &t.comment {
            sql.push_str(&format!("COMMENT ON TABLE {} IS {};\n", ident(&t.name), literal(comment)));
        }
        if t.view {
            let cols: Vec<String> = t.cols.iter().map(|c| ident(&c.name)).collect();
            sql.push_str(&format!(
                "CREATE VIEW {} AS SELECT {} FROM {};\n",
                ident(&format!("{} view", t.name)),
                cols.join(", "),
                ident(&t.name)
            ));
        }
    }
    sql
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn generated_schemas_round_trip(g in schema()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let sql = to_sql(&g);
            let a = TestDb::with_sql(&sql).await;
            let cat_a = inspect(&a.client, &ObjectFilter::all()).await.unwrap();
            let rendered = render(&cat_a);
            let b = TestDb::with_sql(&rendered).await;
            let cat_b = inspect(&b.client, &ObjectFilter::all()).await.unwrap();
            assert_eq!(cat_a, cat_b, "generated:\n{sql}\nrendered:\n{rendered}");
            assert_eq!(cat_a.tables.len(), g.tables.len());
            a.finish().await;
            b.finish().await;
        });
    }
}
