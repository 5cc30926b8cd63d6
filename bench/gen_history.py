#!/usr/bin/env python3
"""Generate the same linear migration history twice: as pgshift files and as an Alembic project.

Usage: gen_history.py --revisions 40 --pgshift DIR --alembic DIR --url SQLALCHEMY_URL [--seed 1]

Revision i (1-based) of either history runs the same SQL, in the same order:

  CREATE TABLE item_i (id bigserial PRIMARY KEY, parent_id bigint, name text NOT NULL,
                       qty integer NOT NULL DEFAULT 0, price numeric(10,2),
                       created_at timestamptz NOT NULL DEFAULT now());
  CREATE INDEX item_i_name_idx ON item_i (name);
  ALTER TABLE item_{i-1} ADD COLUMN note_{i} text;                       (i > 1)
  ALTER TABLE item_i ADD CONSTRAINT item_i_qty_ck CHECK (qty >= 0);
  ALTER TABLE item_i ADD CONSTRAINT item_i_parent_fk
      FOREIGN KEY (parent_id) REFERENCES item_{i-1} (id);               (i > 1)
  INSERT INTO item_i (parent_id, name, qty, price) SELECT … FROM generate_series(1, ROWS) g;

and a down section / downgrade() that undoes it. The revision ids are 12 lowercase hex digits
derived from the seed, identical in both histories.

pgshift: DIR/NNN_<id>.sql with the header (`-- pgshift revision:`, `-- parents:`,
`-- message:`) and `-- up` / `-- down` sections.
Alembic: DIR/alembic.ini (script_location = DIR, sqlalchemy.url = URL, the logging sections of
`alembic init`'s generic template), DIR/env.py (the generic template's online mode: an engine
with NullPool, one connection, `context.begin_transaction()` around `run_migrations()`),
DIR/script.py.mako and DIR/versions/NNN_<id>.py with one `op.execute(...)` per statement.
With --sql FILE, also every up statement in order (the SQL alone, for `psql -1 -f`).
"""

import argparse
import hashlib
import os


def statements(i, rows):
    up = [
        f"CREATE TABLE item_{i} (\n    id bigserial PRIMARY KEY,\n    parent_id bigint,\n    name text NOT NULL,\n"
        f"    qty integer NOT NULL DEFAULT 0,\n    price numeric(10,2),\n    created_at timestamptz NOT NULL DEFAULT now()\n)",
        f"CREATE INDEX item_{i}_name_idx ON item_{i} (name)",
    ]
    if i > 1:
        up.append(f"ALTER TABLE item_{i - 1} ADD COLUMN note_{i} text")
    up.append(f"ALTER TABLE item_{i} ADD CONSTRAINT item_{i}_qty_ck CHECK (qty >= 0)")
    if i > 1:
        up.append(f"ALTER TABLE item_{i} ADD CONSTRAINT item_{i}_parent_fk FOREIGN KEY (parent_id) REFERENCES item_{i - 1} (id)")
    parent = "NULL" if i == 1 else f"1 + g % {rows}"
    up.append(
        f"INSERT INTO item_{i} (parent_id, name, qty, price)\n"
        f"SELECT {parent}, 'item {i}.' || g, g, g * 1.25 FROM generate_series(1, {rows}) g"
    )
    down = [f"DROP TABLE item_{i}"]
    if i > 1:
        down.append(f"ALTER TABLE item_{i - 1} DROP COLUMN note_{i}")
    return up, down


def rev_id(seed, i):
    return hashlib.sha256(f"pgshift-bench-{seed}-{i}".encode()).hexdigest()[:12]


ALEMBIC_INI = """\
[alembic]
script_location = {script_location}
sqlalchemy.url = {url}

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %%(levelname)-5.5s [%%(name)s] %%(message)s
datefmt = %%H:%%M:%%S
"""

ENV_PY = '''\
"""Alembic's generic env.py template, online mode only (no models: target_metadata = None)."""
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = None


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
'''

SCRIPT_MAKO = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
'''


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--revisions", type=int, default=40)
    ap.add_argument("--rows", type=int, default=200, help="rows inserted per revision")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pgshift", required=True, help="directory for the pgshift migration files")
    ap.add_argument("--alembic", required=True, help="directory for the Alembic project")
    ap.add_argument("--url", required=True, help="SQLAlchemy URL for alembic.ini")
    ap.add_argument("--sql", help="also write every up statement, in order, to this file")
    args = ap.parse_args()
    all_up = []

    versions = os.path.join(args.alembic, "versions")
    os.makedirs(args.pgshift, exist_ok=True)
    os.makedirs(versions, exist_ok=True)
    with open(os.path.join(args.alembic, "alembic.ini"), "w") as f:
        f.write(ALEMBIC_INI.format(script_location=os.path.abspath(args.alembic), url=args.url.replace("%", "%%")))
    with open(os.path.join(args.alembic, "env.py"), "w") as f:
        f.write(ENV_PY)
    with open(os.path.join(args.alembic, "script.py.mako"), "w") as f:
        f.write(SCRIPT_MAKO)

    parent = None
    for i in range(1, args.revisions + 1):
        rid = rev_id(args.seed, i)
        up, down = statements(i, args.rows)
        all_up.extend(up)
        message = f"item {i}"
        with open(os.path.join(args.pgshift, f"{i:03}_{rid}.sql"), "w") as f:
            f.write(f"-- pgshift revision: {rid}\n-- parents: {parent or ''}\n-- message: {message}\n\n-- up\n")
            f.write("".join(s + ";\n" for s in up))
            f.write("\n-- down\n")
            f.write("".join(s + ";\n" for s in down))
        body = lambda stmts: "\n".join(f"    op.execute({s!r})" for s in stmts)
        with open(os.path.join(versions, f"{i:03}_{rid}.py"), "w") as f:
            f.write(
                f'"""{message}\n\nRevision ID: {rid}\nRevises: {parent or ""}\n"""\n'
                "from alembic import op\n\n"
                f"revision = {rid!r}\ndown_revision = {parent!r}\nbranch_labels = None\ndepends_on = None\n\n\n"
                f"def upgrade() -> None:\n{body(up)}\n\n\ndef downgrade() -> None:\n{body(down)}\n"
            )
        parent = rid
    if args.sql:
        with open(args.sql, "w") as f:
            f.write("".join(s + ";\n" for s in all_up))


if __name__ == "__main__":
    main()
