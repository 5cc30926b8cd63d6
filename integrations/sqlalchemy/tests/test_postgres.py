"""The printed DDL builds what ``metadata.create_all()`` builds, on a real PostgreSQL server.

Needs a server and psycopg (3): set ``PGSHIFT_SQLALCHEMY_TEST_URL`` (or ``PGSHIFT_SCRATCH_URL``)
to a libpq URL of a database whose user may create databases, e.g.
``postgresql://postgres@/postgres?host=/tmp/pydb&port=5432``.  Skipped otherwise.

For each set of models: one fresh database gets ``create_all()`` through SQLAlchemy and psycopg,
another gets the output of ``python -m pgshift_sqlalchemy`` as one simple-query batch (as pgshift
loads it), and their catalogs are compared: schemas, enum types, sequences, columns (types,
nullability, defaults, identity, generated), constraints, indexes and comments.
"""

import os
import subprocess
import sys
import textwrap
import uuid

import pytest

psycopg = pytest.importorskip("psycopg")

from conftest import MODELS, REPO  # noqa: E402

URL = os.environ.get("PGSHIFT_SQLALCHEMY_TEST_URL") or os.environ.get("PGSHIFT_SCRATCH_URL")

pytestmark = pytest.mark.skipif(
    not URL, reason="set PGSHIFT_SQLALCHEMY_TEST_URL to a PostgreSQL server to compare with"
)

SYSTEM = "('pg_catalog', 'information_schema')"

SNAPSHOT_QUERIES = {
    "schemas": f"""
        SELECT nspname FROM pg_namespace
        WHERE nspname NOT IN {SYSTEM} AND nspname NOT LIKE 'pg\\_%' ORDER BY 1""",
    "enums": f"""
        SELECT n.nspname, t.typname,
               array(SELECT e.enumlabel::text FROM pg_enum e
                     WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE t.typtype = 'e' AND n.nspname NOT IN {SYSTEM} ORDER BY 1, 2""",
    "sequences": """
        SELECT schemaname, sequencename, data_type::text, start_value, increment_by,
               min_value, max_value, cycle
        FROM pg_sequences ORDER BY 1, 2""",
    "columns": f"""
        SELECT table_schema, table_name, ordinal_position, column_name, data_type, udt_schema,
               udt_name, character_maximum_length, numeric_precision, numeric_scale,
               is_nullable, column_default, is_identity, identity_generation, identity_start,
               identity_increment, identity_cycle, is_generated, generation_expression,
               col_description(format('%I.%I', table_schema, table_name)::regclass,
                               ordinal_position::int),
               (SELECT a.attgenerated::text FROM pg_attribute a  -- 's' stored, 'v' virtual
                WHERE a.attrelid = format('%I.%I', table_schema, table_name)::regclass
                  AND a.attname = column_name)
        FROM information_schema.columns
        WHERE table_schema NOT IN {SYSTEM} ORDER BY 1, 2, 3""",
    "tables": f"""
        SELECT n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN {SYSTEM} AND n.nspname NOT LIKE 'pg\\_%'
        ORDER BY 1, 2""",
    "constraints": f"""
        SELECT n.nspname, c.conrelid::regclass::text, c.conname, c.contype,
               pg_get_constraintdef(c.oid), obj_description(c.oid, 'pg_constraint')
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname NOT IN {SYSTEM} ORDER BY 1, 2, 3""",
    "indexes": f"""
        SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname NOT IN {SYSTEM} ORDER BY 1, 2, 3""",
}


def _conninfo(dbname):
    params = psycopg.conninfo.conninfo_to_dict(URL)
    params["dbname"] = dbname
    return psycopg.conninfo.make_conninfo(**params)


@pytest.fixture
def databases():
    """Two fresh databases, dropped afterwards."""
    names = [f"pgshift_sqla_{uuid.uuid4().hex[:12]}_{i}" for i in range(2)]
    with psycopg.connect(URL, autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [_conninfo(name) for name in names]
    finally:
        with psycopg.connect(URL, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def snapshot(conninfo):
    with psycopg.connect(conninfo) as conn:
        return {
            key: [tuple(row) for row in conn.execute(sql).fetchall()]
            for key, sql in SNAPSHOT_QUERIES.items()
        }


CREATE_ALL = textwrap.dedent(
    """
    import os, sys
    import psycopg
    from sqlalchemy import create_engine, text
    sys.path.insert(0, os.getcwd())
    from pgshift_sqlalchemy import load
    metadata = load(sys.argv[1])
    engine = create_engine(
        "postgresql+psycopg://", creator=lambda: psycopg.connect(os.environ["TEST_CONNINFO"])
    )
    with engine.begin() as conn:
        # create_all() does not create schemas: whoever runs it makes them first.
        for schema in sys.argv[2:]:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    metadata.create_all(engine)
    """
)


def create_all(cwd, spec, conninfo, schemas=()):
    env = dict(os.environ, TEST_CONNINFO=conninfo)
    subprocess.run(
        [sys.executable, "-c", CREATE_ALL, spec, *schemas], cwd=cwd, env=env, check=True
    )


def load_printed_ddl(cwd, spec, conninfo):
    with psycopg.connect(conninfo, autocommit=True) as conn:
        # The DDL is for the server it is loaded into, as create_all() adapts to the server.
        major = conn.info.server_version // 10000
        ddl = subprocess.run(
            [sys.executable, "-m", "pgshift_sqlalchemy", "--pg-version", str(major), spec],
            cwd=cwd,
            check=True,
            capture_output=True,
        ).stdout.decode("utf-8")
        # No parameters: psycopg sends the whole text as one simple query, as pgshift does.
        conn.execute(ddl)
    return ddl


def assert_same(a, b):
    for key in SNAPSHOT_QUERIES:
        assert a[key] == b[key], f"{key} differ"


@pytest.mark.parametrize(
    "cwd, spec, schemas",
    [
        (MODELS, "kitchen:Base", ["reporting"]),
        (MODELS, "sqlmodel_app:SQLModel.metadata", []),
        (REPO / "tests" / "projects" / "sqlmodel", "app.models:SQLModel.metadata", []),
    ],
    ids=["kitchen", "sqlmodel_app", "sqlmodel_project"],
)
def test_printed_ddl_builds_what_create_all_builds(databases, cwd, spec, schemas):
    by_create_all, by_ddl = databases
    create_all(cwd, spec, by_create_all, schemas)
    load_printed_ddl(cwd, spec, by_ddl)
    a, b = snapshot(by_create_all), snapshot(by_ddl)
    assert a["columns"], "nothing was created"
    assert_same(a, b)


@pytest.mark.parametrize("variant", ["add_column", "add_enum_value", "drop_model"])
def test_project_variants_load(databases, variant, tmp_path):
    project = REPO / "tests" / "projects" / "sqlmodel"
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text((project / "app" / "__init__.py").read_text())
    variants = subprocess.run(
        [sys.executable, str(project / "variants.py"), variant], check=True, capture_output=True, text=True
    )
    (app / "models.py").write_text(variants.stdout)
    by_create_all, by_ddl = databases
    create_all(tmp_path, "app.models:SQLModel.metadata", by_create_all)
    load_printed_ddl(tmp_path, "app.models:SQLModel.metadata", by_ddl)
    assert_same(snapshot(by_create_all), snapshot(by_ddl))


def test_percent_and_backslash_reach_the_server_unchanged(databases):
    _, by_ddl = databases
    load_printed_ddl(MODELS, "kitchen:Base", by_ddl)
    with psycopg.connect(by_ddl) as conn:
        check = conn.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conname = 'ck_customers_name_pattern'"
        ).fetchone()[0]
        defaults = dict(
            conn.execute(
                "SELECT column_name, column_default FROM information_schema.columns "
                "WHERE table_name = 'customers'"
            ).fetchall()
        )
    assert "'a%'" in check and "'%\\_x'" in check
    assert defaults["name"] == "'50% off'::character varying"
    assert defaults["note"] == "'a\\b'::text"
