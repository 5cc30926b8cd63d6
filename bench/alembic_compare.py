#!/usr/bin/env python3
"""Alembic autogenerate's comparison of database FROM against the schema of database TO.

Usage: alembic_compare.py URL_FROM URL_TO [--schemas public,app] [--summary]

The SQLAlchemy MetaData standing for the desired schema (what a project's models would be) is
built by reflecting URL_TO (all tables of the given schemas; the default schema `public` as
schema None, as Alembic expects). Then `alembic.autogenerate.compare_metadata` compares URL_FROM
against it, configured like a real autogenerate setup: compare_type=True,
compare_server_default=True, include_schemas=True, with an include_name hook that keeps only
the given schemas.

Prints to stderr one line with the seconds spent reflecting URL_TO and in compare_metadata
(the part a real `alembic revision --autogenerate` spends, since it has its models already), and
with --summary the number of differences by kind. Used by bench/diff.sh.
"""

import argparse
import collections
import sys
import time

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine


def engine_url(url):
    # postgresql://... -> postgresql+psycopg2://... (SQLAlchemy 2.1 would default to psycopg 3).
    if url.startswith("postgresql://"):
        return "postgresql+psycopg2://" + url[len("postgresql://"):]
    if url.startswith("postgres://"):
        return "postgresql+psycopg2://" + url[len("postgres://"):]
    return url


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url_from")
    ap.add_argument("url_to")
    ap.add_argument("--schemas", default="public,app")
    ap.add_argument("--summary", action="store_true", help="print the differences by kind")
    args = ap.parse_args()
    schemas = args.schemas.split(",")

    t0 = time.perf_counter()
    metadata = MetaData()
    eng_to = create_engine(engine_url(args.url_to))
    with eng_to.connect() as conn:
        default = conn.dialect.default_schema_name
        for s in schemas:
            metadata.reflect(bind=conn, schema=None if s == default else s)
    eng_to.dispose()
    t1 = time.perf_counter()

    names = {None if s == default else s for s in schemas} | set(schemas)

    def include_name(name, type_, parent_names):
        if type_ == "schema":
            return name in names
        return True

    eng_from = create_engine(engine_url(args.url_from))
    with eng_from.connect() as conn:
        t2 = time.perf_counter()
        ctx = MigrationContext.configure(
            connection=conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_schemas": True,
                "include_name": include_name,
                "target_metadata": metadata,
            },
        )
        diffs = compare_metadata(ctx, metadata)
        t3 = time.perf_counter()
    eng_from.dispose()

    print(f"alembic_compare: reflect target {t1 - t0:.3f} s, compare_metadata {t3 - t2:.3f} s, "
          f"{len(diffs)} diffs", file=sys.stderr)
    if args.summary:
        kinds = collections.Counter()
        for d in diffs:
            # A column's changes (type, default, nullability) come as a list of tuples.
            for item in (d if isinstance(d, list) else [d]):
                kinds[item[0]] += 1
        for k, v in sorted(kinds.items()):
            print(f"  {k}: {v}", file=sys.stderr)


if __name__ == "__main__":
    main()
