#!/usr/bin/env python3
"""Print a deterministic, generated PostgreSQL schema of N tables (for bench/inspect.sh).

Usage: bench/gen_schema.py --tables N [--seed S]

The same N and seed always print the same SQL. The schema has 10 enum types and N tables
spread over two schemas (public and app), each table with:

* 5-20 columns of varied types (int, bigint, text, varchar(n), numeric(p,s), timestamptz,
  jsonb, boolean, enums, arrays), some NOT NULL, some with defaults;
* a primary key (identity, serial or a two-column key);
* 1-3 secondary indexes (some unique, partial, multi-column or on an expression);
* on average about one foreign key to an earlier table and one CHECK constraint;
* now and then a comment on the table or a column.

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


def gen_enums(rng, out):
    enums = []
    for e in range(ENUM_COUNT):
        schema = SCHEMAS[e % 2]
        name = f"enum_{e:02d}"
        labels = [f"v{e}_{i}" for i in range(rng.randint(3, 8))]
        enums.append((schema, name, labels))
        out.append(
            f"CREATE TYPE {q(schema)}.{q(name)} AS ENUM ("
            + ", ".join(lit(label) for label in labels)
            + ");"
        )
    return enums


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


def gen_table(rng, t, tables, enums, out):
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

    # Foreign keys to earlier tables (on average about one per table).
    fks = []
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
            action = rng.choice(["", " ON DELETE CASCADE", " ON DELETE SET NULL",
                                 " ON UPDATE CASCADE", " DEFERRABLE INITIALLY DEFERRED"])
            fks.append((fkcols, ref, action))

    while len(cols) < ncols:
        cols.append(random_column(rng, fresh(rng.choice(WORDS)), enums))

    lines = [c.ddl() for c in cols]
    lines.append(f"CONSTRAINT {q(name + '_pkey')} PRIMARY KEY ({', '.join(q(c) for c in pk)})")

    # CHECK constraints (on average about one per table).
    ncheck = rng.choices([0, 1, 2], weights=[30, 40, 30])[0]
    candidates = [c for c in cols[len(pk):] if check_for(rng, c) is not None]
    for i, c in enumerate(rng.sample(candidates, min(ncheck, len(candidates)))):
        lines.append(f"CONSTRAINT {q(f'{name}_check_{i}')} CHECK ({check_for(rng, c)})")

    qname = f"{q(schema)}.{q(name)}"
    out.append(f"CREATE TABLE {qname} (\n    " + ",\n    ".join(lines) + "\n);")

    for i, (fkcols, ref, action) in enumerate(fks):
        rschema, rname, rpk, _ = ref
        out.append(
            f"ALTER TABLE {qname} ADD CONSTRAINT {q(f'{name}_fk_{i}')} FOREIGN KEY "
            f"({', '.join(q(c) for c in fkcols)}) REFERENCES {q(rschema)}.{q(rname)} "
            f"({', '.join(q(c) for c in rpk)}){action};"
        )

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
        unique = ""
        where = ""
        if style == "unique":
            unique = "UNIQUE "
        elif style == "partial":
            where = f" WHERE ({q(c1.name)} IS NOT NULL)"
        elif style == "multi" and len(indexable) > 1:
            c2 = rng.choice([c for c in indexable if c is not c1] or indexable)
            cols_sql = f"{q(c1.name)}, {q(c2.name)} DESC"
        elif style == "expr":
            if c1.kind in ("text", "varchar"):
                cols_sql = f"lower({q(c1.name)})"
            elif c1.kind == "ts":
                cols_sql = f"(({q(c1.name)} AT TIME ZONE 'UTC')::date)"
            elif c1.kind in ("int", "bigint", "numeric"):
                cols_sql = f"abs({q(c1.name)})"
        out.append(f"CREATE {unique}INDEX {iname} ON {qname}{using} ({cols_sql}){where};")

    # Comments, now and then.
    if rng.random() < 0.2:
        out.append(f"COMMENT ON TABLE {qname} IS {lit(f'Generated table {t}.')};")
    if rng.random() < 0.1:
        c = rng.choice(others)
        out.append(f"COMMENT ON COLUMN {qname}.{q(c.name)} IS {lit(f'The {c.name}.')};")

    pktypes = [
        "integer" if c.sqltype in ("serial", "integer") else "bigint"
        for c in cols[: len(pk)]
    ]
    tables.append((schema, name, pk, pktypes))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", type=int, required=True, help="number of tables")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    out = [
        f"-- Generated by bench/gen_schema.py --tables {args.tables} --seed {args.seed}",
        "CREATE SCHEMA IF NOT EXISTS app;",
        "COMMENT ON SCHEMA app IS 'Generated benchmark schema.';",
    ]
    enums = gen_enums(rng, out)
    tables = []
    for t in range(args.tables):
        gen_table(rng, t, tables, enums, out)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
