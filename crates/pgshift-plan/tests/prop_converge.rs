//! Property test: a generated schema A (hostile names, enum, keys, checks, indexes, foreign
//! keys, views) with rows, randomly mutated into B; the plan must bring A (with its rows) to B
//! and a fresh database holding B back to A, with the harness of `converge.rs`.

mod common;

use pgshift_catalog::quote::{ident, literal};
use pgshift_catalog::QualName;
use proptest::prelude::*;

use common::{run_case, Case};

const NAME_POOL: &[&str] = &["id", "Name", "name", "user", "select", "a b", "quo\"te", "ünï", "order", "x"];
const TYPE_POOL: &[&str] = &[
    "integer",
    "bigint",
    "text",
    "character varying(40)",
    "numeric(10,2)",
    "numeric(12,2)",
    "boolean",
    "jsonb",
    "text[]",
    "enum",
];
const LABEL_POOL: &[&str] = &["low", "it's", "Mid dle", "ünï", "HIGH", "high", "back\\slash", "z"];
const ENUM: &str = "Mood Type";

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
    unique_col: Option<String>,
    check_col: Option<String>,
    index: Option<(String, bool)>,
    fk_to: Option<usize>,
    view: bool,
}

#[derive(Debug, Clone)]
struct Gen {
    labels: Vec<String>,
    tables: Vec<Tab>,
}

fn table() -> impl Strategy<Value = Tab> {
    (
        0..NAME_POOL.len(),
        prop::collection::vec((0..NAME_POOL.len(), 0..TYPE_POOL.len(), any::<bool>(), any::<bool>()), 1..6),
        any::<bool>(),
        prop::option::of(0..6usize),
        prop::option::of(0..6usize),
        prop::option::of((0..6usize, any::<bool>())),
        prop::option::of(0..3usize),
        any::<bool>(),
    )
        .prop_map(|(n, cols, pk, unique_col, check_col, index, fk_to, view)| {
            let cols: Vec<Col> = cols
                .into_iter()
                .enumerate()
                .map(|(i, (name, ty, not_null, default))| Col { name: format!("{}{i}", NAME_POOL[name]), ty, not_null, default })
                .collect();
            let pick = |i: usize| cols[i % cols.len()].name.clone();
            Tab {
                name: NAME_POOL[n].to_owned(),
                unique_col: unique_col.map(pick),
                check_col: check_col.map(pick),
                index: index.map(|(c, d)| (pick(c), d)),
                cols,
                pk,
                fk_to,
                view,
            }
        })
}

/// One mutation: a kind and three numbers that pick what it applies to.
type Mutation = (u8, usize, usize, usize);

fn case() -> impl Strategy<Value = (Gen, Vec<Mutation>)> {
    let labels = prop::collection::btree_set(0..LABEL_POOL.len(), 1..5);
    let tables = prop::collection::vec(table(), 1..4);
    let mutations = prop::collection::vec((0u8..14, 0..64usize, 0..64usize, 0..64usize), 1..7);
    (labels, tables, mutations).prop_map(|(labels, mut tables, mutations)| {
        for (i, t) in tables.iter_mut().enumerate() {
            t.name = format!("{}_t{i}", t.name);
        }
        let labels = labels.into_iter().map(|l| LABEL_POOL[l].to_owned()).collect();
        (Gen { labels, tables }, mutations)
    })
}

/// The type a column may change to with every generated value still valid.
fn compatible(ty: usize) -> Option<usize> {
    let to = match TYPE_POOL[ty] {
        "integer" => "bigint",
        "bigint" => "integer",
        "text" => "character varying(40)",
        "character varying(40)" => "text",
        "numeric(10,2)" => "numeric(12,2)",
        "numeric(12,2)" => "numeric(10,2)",
        _ => return None,
    };
    TYPE_POOL.iter().position(|t| *t == to)
}

/// B from A. Never removes the first label (rows and defaults use it) or a table's last column.
fn mutate(a: &Gen, mutations: &[Mutation]) -> Gen {
    let mut g = a.clone();
    let mut added = 0;
    for &(kind, x, y, z) in mutations {
        let ti = x % g.tables.len();
        let t = &mut g.tables[ti];
        let ci = y % t.cols.len();
        match kind {
            0 => {
                added += 1;
                t.cols.push(Col {
                    name: format!("{} new{added}", NAME_POOL[y % NAME_POOL.len()]),
                    ty: z % TYPE_POOL.len(),
                    not_null: z % 3 == 0,
                    default: z % 2 == 0,
                });
            }
            1 if t.cols.len() > 1 => {
                let gone = t.cols.remove(ci).name;
                let clear = |c: &mut Option<String>| {
                    if c.as_ref() == Some(&gone) {
                        *c = None;
                    }
                };
                clear(&mut t.unique_col);
                clear(&mut t.check_col);
                if t.index.as_ref().is_some_and(|(c, _)| c == &gone) {
                    t.index = None;
                }
            }
            2 => {
                if let Some(to) = compatible(t.cols[ci].ty) {
                    t.cols[ci].ty = to;
                }
            }
            3 => t.cols[ci].default = !t.cols[ci].default,
            4 => t.cols[ci].not_null = !t.cols[ci].not_null,
            // Rows give a new column one value (its default or backfill): never unique.
            5 if a.tables.get(ti).is_some_and(|old| old.cols.iter().any(|c| c.name == t.cols[ci].name)) => {
                t.unique_col = if t.unique_col.is_some() { None } else { Some(t.cols[ci].name.clone()) }
            }
            6 => t.check_col = if t.check_col.is_some() { None } else { Some(t.cols[ci].name.clone()) },
            7 => t.index = if t.index.is_some() { None } else { Some((t.cols[ci].name.clone(), z % 2 == 0)) },
            8 => t.fk_to = if t.fk_to.is_some() { None } else { Some(z % 3) },
            9 => t.view = !t.view,
            10 => {
                let label = LABEL_POOL[z % LABEL_POOL.len()].to_owned();
                if !g.labels.contains(&label) {
                    let at = y % (g.labels.len() + 1);
                    g.labels.insert(at, label);
                }
            }
            11 if g.labels.len() > 1 => {
                let first = a.labels[0].clone();
                let i = y % g.labels.len();
                if g.labels[i] != first {
                    g.labels.remove(i);
                }
            }
            12 if g.labels.len() > 1 => {
                let (i, j) = (y % g.labels.len(), z % g.labels.len());
                g.labels.swap(i, j);
            }
            13 if t.cols.len() > 1 => {
                // Two changes to one column at once: type and default.
                if let Some(to) = compatible(t.cols[ci].ty) {
                    t.cols[ci].ty = to;
                    t.cols[ci].default = !t.cols[ci].default;
                }
            }
            _ => {}
        }
    }
    g
}

fn type_sql(ty: usize) -> String {
    match TYPE_POOL[ty] {
        "enum" => ident(ENUM),
        other => other.to_owned(),
    }
}

/// A constant of the type, valid in A and in B (the first label of A is never removed).
fn value_sql(ty: usize, first_label: &str, row: usize) -> String {
    match TYPE_POOL[ty] {
        "integer" | "bigint" | "numeric(10,2)" | "numeric(12,2)" => format!("{}", row + 1),
        "boolean" => if row == 0 { "true" } else { "false" }.to_owned(),
        "jsonb" => format!("'{{\"a\": {row}}}'::jsonb"),
        "text[]" => format!("ARRAY[{}]::text[]", literal(&format!("v{row}"))),
        "enum" if row == 0 => format!("{}::{}", literal(first_label), ident(ENUM)),
        // A second row repeats the label: a unique enum column gets a NULL there instead.
        "enum" => "NULL".to_owned(),
        _ => literal(&format!("it's {row}")),
    }
}

fn has_fk(g: &Gen, ti: usize) -> Option<usize> {
    g.tables[ti].fk_to.filter(|&j| j < ti && g.tables[j].pk)
}

fn to_sql(g: &Gen, first_label: &str) -> String {
    let labels: Vec<String> = g.labels.iter().map(|l| literal(l)).collect();
    let mut sql = format!("CREATE TYPE {} AS ENUM ({});\n", ident(ENUM), labels.join(", "));
    for (ti, t) in g.tables.iter().enumerate() {
        let mut elems = Vec::new();
        if t.pk {
            elems.push("pk_id integer PRIMARY KEY".to_owned());
        }
        elems.push("fk_ref integer".to_owned());
        for c in &t.cols {
            let mut e = format!("{} {}", ident(&c.name), type_sql(c.ty));
            // An enum column that may hold NULL keeps no NOT NULL.
            if c.default {
                e.push_str(&format!(" DEFAULT {}", value_sql(c.ty, first_label, 0)));
            }
            if c.not_null && TYPE_POOL[c.ty] != "enum" {
                e.push_str(" NOT NULL");
            }
            elems.push(e);
        }
        if let Some(target) = has_fk(g, ti) {
            elems.push(format!("FOREIGN KEY (fk_ref) REFERENCES {} (pk_id) ON DELETE CASCADE", ident(&g.tables[target].name)));
        }
        if let Some(c) = &t.unique_col {
            elems.push(format!("UNIQUE ({})", ident(c)));
        }
        if let Some(c) = &t.check_col {
            elems.push(format!("CHECK (length({}::text) < 1000)", ident(c)));
        }
        sql.push_str(&format!("CREATE TABLE {} ({});\n", ident(&t.name), elems.join(", ")));
        if let Some((c, desc)) = &t.index {
            let dir = if *desc { " DESC NULLS LAST" } else { "" };
            sql.push_str(&format!("CREATE INDEX ON {} ({}{dir});\n", ident(&t.name), ident(c)));
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

/// Two rows per table, valid in A and in B.
fn rows_sql(a: &Gen) -> String {
    let first = &a.labels[0];
    let mut sql = String::new();
    for (ti, t) in a.tables.iter().enumerate() {
        for row in 0..2 {
            let mut cols = vec!["fk_ref".to_owned()];
            let mut vals = vec![if a.tables[..ti].iter().any(|p| p.pk) { "1".to_owned() } else { "NULL".to_owned() }];
            if t.pk {
                cols.push("pk_id".to_owned());
                vals.push(format!("{}", row + 1));
            }
            for c in &t.cols {
                cols.push(ident(&c.name));
                vals.push(value_sql(c.ty, first, row));
            }
            sql.push_str(&format!("INSERT INTO {} ({}) VALUES ({});\n", ident(&t.name), cols.join(", "), vals.join(", ")));
        }
    }
    sql
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20, max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn mutated_schemas_converge_both_ways((a, mutations) in case()) {
        let b = mutate(&a, &mutations);
        let first = a.labels[0].clone();
        let mut case = Case::new("prop", to_sql(&a, &first), to_sql(&b, &first), Some(rows_sql(&a)));
        // New NOT NULL columns without a default are backfilled with a valid constant.
        for t in &b.tables {
            let Some(old) = a.tables.iter().find(|x| x.name == t.name) else { continue };
            for c in t.cols.iter().filter(|c| c.not_null && !c.default && TYPE_POOL[c.ty] != "enum") {
                if !old.cols.iter().any(|o| o.name == c.name) {
                    case.plan.backfills.insert((QualName::new("public", &t.name), c.name.clone()), value_sql(c.ty, &first, 0));
                }
            }
        }
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let result = rt.block_on(run_case(&case));
        prop_assert!(result.is_ok(), "A:\n{}\nB:\n{}\nrows:\n{}\n{}", case.a, case.b, case.rows.as_deref().unwrap_or(""), result.err().unwrap_or_default());
    }
}
