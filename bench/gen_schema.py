#!/usr/bin/env python3
"""Print a deterministic, generated PostgreSQL schema of N tables (for bench/inspect.sh).

Usage: bench/gen_schema.py --tables N [--seed S] [--mutate PERCENT]

The same N and seed always print the same SQL. The schema has 10 enum types and N tables
spread over two schemas (public and app), each table with:

* 5-20 columns of varied types (int, bigint, text, varchar(n), numeric(p,s), timestamptz,
  jsonb, boolean, enums, arrays), some NOT NULL, some with defaults;
* a primary key (identity, serial or a two-column key);
* 1-3 secondary indexes (some unique, partial, multi-column or on an expression);
* on average about one foreign key to an earlier table and one CHECK constraint;
* now and then a comment on the table or a column.

--mutate PERCENT prints a changed variant of that schema instead (for bench/diff.sh; it loads on
its own into an empty database): the same generation, then, driven by a second random stream
seeded from the seed and PERCENT, PERCENT % of the tables get one change each, in about equal
shares: a column added (nullable, with a default, or NOT NULL with a default), a column dropped
(one no index, check, key or comment uses), a column type widened (integer -> bigint,
varchar(n) -> varchar(2n), numeric(p,s) -> numeric(p+2,s)), a secondary index added or dropped,
a CHECK added, a column default changed or added. In addition N/1000 tables (at least one) that
no foreign key references are dropped, as many new tables are added, and one enum type gets a
label appended. A summary of the changes goes to stderr. Without --mutate (or with 0) the
output is the base schema, unchanged from earlier versions of this script.

Python 3 standard library only.
"""

import argparse
import random
import sys

SCHEMAS = ["public", "app"]
ENUM_COUNT = 10


def q(name):
    """Quote an identifier (the generator only makes lower-case ASCII names)."""
    return '"' + name.replace('"', '""') + '"'


def lit(text):
    return "'" + text.replace("'", "''") + "'"


class Column:
    def __init__(self, name, sqltype, kind, notnull=False, default=None):
        self.name = name
        self.sqltype = sqltype
        self.kind = kind  # int, bigint, text, varchar, numeric, ts, jsonb, bool, enum, array
        self.notnull = notnull
        self.default = default

    def ddl(self):
        parts = [q(self.name), self.sqltype]
        if self.default is not None:
            parts.append("DEFAULT " + self.default)
        if self.notnull:
            parts.append("NOT NULL")
        return " ".join(parts)


WORDS = [
    "name", "title", "status", "amount", "price", "total", "created", "updated", "note",
    "label", "code", "kind", "flag", "score", "weight", "count", "ref", "slug", "email",
    "phone", "city", "region", "payload", "meta", "tags", "level", "rank", "due", "paid",
    "active", "archived", "owner", "source", "target", "quantity", "ratio", "version",
]


def gen_enums(rng):
    enums = []
    for e in range(ENUM_COUNT):
        schema = SCHEMAS[e % 2]
        name = f"enum_{e:02d}"
        labels = [f"v{e}_{i}" for i in range(rng.randint(3, 8))]
        enums.append((schema, name, labels))
    return enums


def enum_ddl(enum):
    schema, name, labels = enum
    return (
        f"CREATE TYPE {q(schema)}.{q(name)} AS ENUM ("
        + ", ".join(lit(label) for label in labels)
        + ");"
    )


def random_column(rng, name, enums):
    kind = rng.choices(
        ["int", "bigint", "text", "varchar", "numeric", "ts", "jsonb", "bool", "enum", "array"],
        weights=[12, 10, 14, 12, 8, 12, 6, 8, 8, 5],
    )[0]
    notnull = rng.random() < 0.4
    default = None
    with_default = rng.random() < 0.3
    if kind == "int":
        sqltype = "integer"
        if with_default:
            default = str(rng.randint(0, 100))
    elif kind == "bigint":
        sqltype = "bigint"
        if with_default:
            default = "0"
    elif kind == "text":
        sqltype = "text"
        if with_default:
            default = lit("")
    elif kind == "varchar":
        sqltype = f"varchar({rng.choice([16, 32, 64, 100, 255])})"
        if with_default:
            default = lit("n/a")
    elif kind == "numeric":
        p = rng.randint(6, 18)
        sqltype = f"numeric({p},{rng.randint(0, min(6, p))})"
        if with_default:
            default = "0"
    elif kind == "ts":
        sqltype = "timestamptz"
        if with_default:
            default = "now()"
    elif kind == "jsonb":
        sqltype = "jsonb"
        if with_default:
            default = "'{}'::jsonb"
    elif kind == "bool":
        sqltype = "boolean"
        if with_default:
            default = rng.choice(["true", "false"])
    elif kind == "enum":
        schema, ename, labels = rng.choice(enums)
        sqltype = f"{q(schema)}.{q(ename)}"
        if with_default:
            default = lit(labels[0])
    else:  # array
        sqltype = rng.choice(["text[]", "integer[]", "bigint[]"])
        if with_default:
            default = "'{}'"
    return Column(name, sqltype, kind, notnull, default)


def check_for(rng, col):
    """A CHECK expression for a column, or None when its type has no obvious one."""
    n = q(col.name)
    if col.kind in ("int", "bigint", "numeric"):
        return rng.choice([f"{n} >= 0", f"{n} BETWEEN 0 AND {rng.randint(1000, 1000000)}"])
    if col.kind in ("text", "varchar"):
        return rng.choice([f"length({n}) > 0", f"{n} <> ''", f"{n} ~ '^[a-z0-9_ -]*$'"])
    if col.kind == "ts":
        return f"{n} > '2000-01-01 00:00:00+00'::timestamptz"
    if col.kind == "jsonb":
        return f"jsonb_typeof({n}) = 'object'"
    if col.kind == "array":
        return f"cardinality({n}) < 100"
    return None


class Table:
    """One generated table: kept as parts so that --mutate can change it before it is printed."""

    def __init__(self, schema, name, cols, pk):
        self.schema = schema
        self.name = name
        self.qname = f"{q(schema)}.{q(name)}"
        self.cols = cols
        self.pk = pk
        self.checks = []  # (constraint name, expression)
        self.fks = []  # (fk columns, referenced table tuple, action)
        self.indexes = []  # (index name, CREATE INDEX statement)
        self.comments = []  # COMMENT statements
        self.used = set(pk)  # columns a key, check, index or comment uses
        self.ref = None  # (schema, name, pk, pktypes), what foreign keys point at

    def ddl(self):
        lines = [c.ddl() for c in self.cols]
        lines.append(
            f"CONSTRAINT {q(self.name + '_pkey')} PRIMARY KEY ({', '.join(q(c) for c in self.pk)})"
        )
        for cname, expr in self.checks:
            lines.append(f"CONSTRAINT {q(cname)} CHECK ({expr})")
        out = [f"CREATE TABLE {self.qname} (\n    " + ",\n    ".join(lines) + "\n);"]
        for i, (fkcols, ref, action) in enumerate(self.fks):
            rschema, rname, rpk, _ = ref
            out.append(
                f"ALTER TABLE {self.qname} ADD CONSTRAINT {q(f'{self.name}_fk_{i}')} FOREIGN KEY "
                f"({', '.join(q(c) for c in fkcols)}) REFERENCES {q(rschema)}.{q(rname)} "
                f"({', '.join(q(c) for c in rpk)}){action};"
            )
        out.extend(stmt for _, stmt in self.indexes)
        out.extend(self.comments)
        return out


def gen_table(rng, t, tables, enums):
    """Generate table number t; `tables` holds the reference tuples of the earlier tables."""
    schema = SCHEMAS[0] if rng.random() < 0.6 else SCHEMAS[1]
    name = f"t{t:05d}_{rng.choice(WORDS)}"
    ncols = rng.randint(5, 20)
    cols = []
    used = set()

    def fresh(base):
        n, i = base, 2
        while n in used:
            n, i = f"{base}_{i}", i + 1
        used.add(n)
        return n

    # Primary key.
    pk_style = rng.choices(["identity", "serial", "composite"], weights=[70, 20, 10])[0]
    if pk_style == "identity":
        cols.append(Column(fresh("id"), "bigint GENERATED BY DEFAULT AS IDENTITY", "bigint"))
        pk = [cols[0].name]
    elif pk_style == "serial":
        cols.append(Column(fresh("id"), "serial", "int"))
        pk = [cols[0].name]
    else:
        cols.append(Column(fresh("tenant_id"), "integer", "int", notnull=True))
        cols.append(Column(fresh("id"), "bigint", "bigint", notnull=True))
        pk = [cols[0].name, cols[1].name]
    table = Table(schema, name, cols, pk)

    # Foreign keys to earlier tables (on average about one per table).
    if tables:
        nfk = rng.choices([0, 1, 2], weights=[30, 40, 30])[0]
        for _ in range(nfk):
            ref = rng.choice(tables)
            rschema, rname, rpk, rpktypes = ref
            fkcols = []
            for rc, rt in zip(rpk, rpktypes):
                c = Column(fresh(f"{rname.split('_')[0]}_{rc}"), rt, "bigint",
                           notnull=rng.random() < 0.5)
                cols.append(c)
                fkcols.append(c.name)
                table.used.add(c.name)
            action = rng.choice(["", " ON DELETE CASCADE", " ON DELETE SET NULL",
                                 " ON UPDATE CASCADE", " DEFERRABLE INITIALLY DEFERRED"])
            table.fks.append((fkcols, ref, action))

    while len(cols) < ncols:
        cols.append(random_column(rng, fresh(rng.choice(WORDS)), enums))

    # CHECK constraints (on average about one per table).
    ncheck = rng.choices([0, 1, 2], weights=[30, 40, 30])[0]
    candidates = [c for c in cols[len(pk):] if check_for(rng, c) is not None]
    for i, c in enumerate(rng.sample(candidates, min(ncheck, len(candidates)))):
        table.checks.append((f"{name}_check_{i}", check_for(rng, c)))
        table.used.add(c.name)

    qname = table.qname

    # Secondary indexes.
    others = cols[len(pk):]
    for i in range(rng.randint(1, 3)):
        style = rng.choices(["plain", "unique", "partial", "multi", "expr"],
                            weights=[35, 15, 15, 20, 15])[0]
        iname = q(f"{name}_idx_{i}")
        c1 = rng.choice(others)
        indexable = [c for c in others if c.kind not in ("jsonb", "array")] or others
        if c1.kind in ("jsonb", "array"):
            c1 = rng.choice(indexable)
        if c1.kind in ("jsonb", "array"):
            using, cols_sql = " USING gin", q(c1.name)
            style = "plain"
        else:
            using, cols_sql = "", q(c1.name)
        table.used.add(c1.name)
        unique = ""
        where = ""
        if style == "unique":
            unique = "UNIQUE "
        elif style == "partial":
            where = f" WHERE ({q(c1.name)} IS NOT NULL)"
        elif style == "multi" and len(indexable) > 1:
            c2 = rng.choice([c for c in indexable if c is not c1] or indexable)
            cols_sql = f"{q(c1.name)}, {q(c2.name)} DESC"
            table.used.add(c2.name)
        elif style == "expr":
            if c1.kind in ("text", "varchar"):
                cols_sql = f"lower({q(c1.name)})"
            elif c1.kind == "ts":
                cols_sql = f"(({q(c1.name)} AT TIME ZONE 'UTC')::date)"
            elif c1.kind in ("int", "bigint", "numeric"):
                cols_sql = f"abs({q(c1.name)})"
        table.indexes.append(
            (iname, f"CREATE {unique}INDEX {iname} ON {qname}{using} ({cols_sql}){where};")
        )

    # Comments, now and then.
    if rng.random() < 0.2:
        table.comments.append(f"COMMENT ON TABLE {qname} IS {lit(f'Generated table {t}.')};")
    if rng.random() < 0.1:
        c = rng.choice(others)
        table.comments.append(f"COMMENT ON COLUMN {qname}.{q(c.name)} IS {lit(f'The {c.name}.')};")
        table.used.add(c.name)

    pktypes = [
        "integer" if c.sqltype in ("serial", "integer") else "bigint"
        for c in cols[: len(pk)]
    ]
    table.ref = (schema, name, pk, pktypes)
    tables.append(table.ref)
    return table


# --- --mutate ------------------------------------------------------------------------------

MUTATIONS = ["add_column", "drop_column", "widen_type", "add_index", "drop_index",
             "add_check", "change_default"]


def free_columns(table):
    """Columns that are not part of a key, check, index or comment (safe to change or drop)."""
    return [c for c in table.cols if c.name not in table.used]


def mutate_table(mrng, table, kind):
    """Apply one change of `kind` to table; False when the table has nothing to apply it to."""
    if kind == "add_column":
        sqltype, default, notnull = mrng.choice([
            ("text", None, False),
            ("integer", "0", False),
            ("timestamptz", "now()", False),
            ("boolean", "false", True),
            ("varchar(64)", None, False),
        ])
        table.cols.append(Column("added_col", sqltype, "added", notnull, default))
        return True
    if kind == "drop_column":
        cands = free_columns(table)
        if not cands:
            return False
        table.cols.remove(mrng.choice(cands))
        return True
    if kind == "widen_type":
        cands = [c for c in free_columns(table)
                 if c.sqltype == "integer" or c.kind in ("varchar", "numeric")]
        if not cands:
            return False
        c = mrng.choice(cands)
        if c.sqltype == "integer":
            c.sqltype = "bigint"
        elif c.kind == "varchar":
            n = int(c.sqltype[len("varchar("):-1])
            c.sqltype = f"varchar({2 * n})"
        else:
            p, s = c.sqltype[len("numeric("):-1].split(",")
            c.sqltype = f"numeric({int(p) + 2},{s})"
        return True
    if kind == "add_index":
        cands = [c for c in table.cols[len(table.pk):] if c.kind not in ("jsonb", "array")]
        if not cands:
            return False
        c = mrng.choice(cands)
        iname = q(f"{table.name}_idx_added")
        table.indexes.append((iname, f"CREATE INDEX {iname} ON {table.qname} ({q(c.name)});"))
        table.used.add(c.name)
        return True
    if kind == "drop_index":
        if not table.indexes:
            return False
        table.indexes.remove(mrng.choice(table.indexes))
        return True
    if kind == "add_check":
        cands = [c for c in table.cols[len(table.pk):] if check_for(mrng, c) is not None]
        if not cands:
            return False
        c = mrng.choice(cands)
        table.checks.append((f"{table.name}_check_added", check_for(mrng, c)))
        table.used.add(c.name)
        return True
    if kind == "change_default":
        cands = [c for c in free_columns(table)
                 if c.kind in ("int", "bigint", "numeric", "text", "varchar", "bool")
                 and "serial" not in c.sqltype and "IDENTITY" not in c.sqltype]
        if not cands:
            return False
        c = mrng.choice(cands)
        d = c.default
        if c.kind == "int":
            c.default = "7" if d is None else str(int(d) + 1)
        elif c.kind in ("bigint", "numeric"):
            c.default = "1" if d == "0" else "0"
        elif c.kind == "text":
            c.default = lit("x") if d == lit("") else lit("")
        elif c.kind == "varchar":
            c.default = lit("none") if d == lit("n/a") else lit("n/a")
        else:
            c.default = "true" if d == "false" else "false"
        return True
    raise ValueError(kind)


def mutate(mrng, percent, tables, enums):
    """Change the generated schema in place; returns the summary counts."""
    n = len(tables)
    stats = {}
    referenced = {(ref[0], ref[1]) for t in tables for _, ref, _ in t.fks}
    nsides = max(1, round(n / 1000))

    # Dropped tables: ones no foreign key points at.
    droppable = [t for t in tables if (t.schema, t.name) not in referenced]
    dropped = mrng.sample(droppable, min(nsides, len(droppable)))
    dropped_ids = {id(t) for t in dropped}
    kept = [t for t in tables if id(t) not in dropped_ids]
    stats["drop_table"] = len(dropped)

    # Changed tables (a random sample): one change each, the kinds taken in turn, falling back to
    # the next kind when a table has nothing to apply one to.
    changed = mrng.sample(kept, min(len(kept), round(n * percent / 100)))
    for i, t in enumerate(changed):
        start = i % len(MUTATIONS)
        for k in range(len(MUTATIONS)):
            kind = MUTATIONS[(start + k) % len(MUTATIONS)]
            if mutate_table(mrng, t, kind):
                stats[kind] = stats.get(kind, 0) + 1
                break

    # New tables, with foreign keys only to tables that are kept.
    refs = [t.ref for t in kept]
    for i in range(nsides):
        kept.append(gen_table(mrng, n + i, refs, enums))
    stats["add_table"] = nsides

    # One enum label appended.
    schema, name, labels = mrng.choice(enums)
    labels.append(f"{labels[0].split('_')[0]}_added")
    stats["add_enum_label"] = 1
    stats["changed_tables"] = len(changed)
    return kept, stats


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", type=int, required=True, help="number of tables")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--mutate", type=float, default=0, metavar="PERCENT",
                    help="print a variant with PERCENT %% of the tables changed (see above)")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    header = f"-- Generated by bench/gen_schema.py --tables {args.tables} --seed {args.seed}"
    if args.mutate:
        header += f" --mutate {args.mutate:g}"
    out = [
        header,
        "CREATE SCHEMA IF NOT EXISTS app;",
        "COMMENT ON SCHEMA app IS 'Generated benchmark schema.';",
    ]
    enums = gen_enums(rng)
    refs = []
    tables = [gen_table(rng, t, refs, enums) for t in range(args.tables)]
    if args.mutate:
        mrng = random.Random(f"mutate {args.seed} {args.mutate:g}")
        tables, stats = mutate(mrng, args.mutate, tables, enums)
        print("gen_schema.py --mutate: "
              + ", ".join(f"{k} {v}" for k, v in sorted(stats.items())), file=sys.stderr)
    out.extend(enum_ddl(e) for e in enums)
    for t in tables:
        out.extend(t.ddl())
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
