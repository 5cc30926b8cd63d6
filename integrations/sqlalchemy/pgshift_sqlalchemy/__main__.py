"""Command line: ``python -m pgshift_sqlalchemy MODULE:ATTR [MODULE:ATTR ...]``.

Prints the PostgreSQL DDL of the named MetaData objects on standard output (UTF-8) and exits 0;
on an error prints a message on standard error, nothing on standard output, and exits 2.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from typing import List, Optional, Sequence

from . import PROG, USAGE_EXAMPLE, LoadError, __version__, _as_metadata_list, _order_metadatas
from . import _statements, header, split_spec

EXIT_OK = 0
EXIT_ERROR = 2

USAGE = f"""usage: {PROG} [--pg-version MAJOR] MODULE:ATTR [MODULE:ATTR ...]

Print the PostgreSQL DDL that metadata.create_all() would run for the models' MetaData.

  MODULE:ATTR   the module that defines the models and the attribute holding their MetaData:
                a MetaData, a declarative base or SQLModel class, or an object with a .metadata
                (dotted: Base.metadata, SQLModel.metadata). Several are combined.

options:
  --pg-version MAJOR  the PostgreSQL major version the DDL is for (default: $PGSHIFT_PG_VERSION,
                      else 17); only version-dependent DDL changes with it
  --version           print the version and exit
  -h, --help          print this help and exit

example:
  {USAGE_EXAMPLE}

The current directory is put first on sys.path, so run it where the models' package is (or set
PYTHONPATH). Set PGSHIFT_SQLALCHEMY_TRACEBACK=1 to see the traceback of an import error.
"""


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def _report(error: LoadError) -> None:
    if error.exc is not None and os.environ.get("PGSHIFT_SQLALCHEMY_TRACEBACK") == "1":
        sys.stderr.write(
            "".join(
                traceback.format_exception(type(error.exc), error.exc, error.exc.__traceback__)
            )
        )
    _err(f"{PROG}: {error.message}")
    for line in error.details:
        _err(line)
    for hint in error.hints:
        if hint.startswith("set PGSHIFT_SQLALCHEMY_TRACEBACK") and (
            os.environ.get("PGSHIFT_SQLALCHEMY_TRACEBACK") == "1"
        ):
            continue
        _err(f"hint: {hint}")
    sys.stderr.flush()


def _usage_error(message: str) -> int:
    _err(f"{PROG}: {message}")
    _err(f"usage: {PROG} [--pg-version MAJOR] MODULE:ATTR [MODULE:ATTR ...]")
    _err(f"example: {USAGE_EXAMPLE}")
    return EXIT_ERROR


def _parse_version(text: str) -> Optional[int]:
    text = text.strip()
    major = text.split(".", 1)[0]
    if not major.isdigit() or not 9 <= int(major) <= 99:
        return None
    return int(major)


def _prepend_cwd() -> None:
    """Put the current directory first on sys.path, as ``python -m`` does.

    Through a console script sys.path[0] is the script's directory, not the current one.
    """
    cwd = os.getcwd()
    if sys.path and sys.path[0] in ("", cwd):
        return
    sys.path.insert(0, cwd)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args: List[str] = list(sys.argv[1:] if argv is None else argv)
    specs: List[str] = []
    pg_version_text: Optional[str] = os.environ.get("PGSHIFT_PG_VERSION") or None
    i = 0
    only_specs = False
    while i < len(args):
        arg = args[i]
        i += 1
        if only_specs or not arg.startswith("-") or arg == "-":
            specs.append(arg)
        elif arg == "--":
            only_specs = True
        elif arg in ("-h", "--help"):
            sys.stdout.write(USAGE)
            return EXIT_OK
        elif arg == "--version":
            sys.stdout.write(f"{PROG} {__version__}\n")
            return EXIT_OK
        elif arg == "--pg-version" or arg.startswith("--pg-version="):
            if "=" in arg:
                pg_version_text = arg.split("=", 1)[1]
            elif i < len(args):
                pg_version_text = args[i]
                i += 1
            else:
                return _usage_error("--pg-version needs a value, e.g. --pg-version 17")
        else:
            return _usage_error(f"unknown option {arg!r}")

    pg_version = None
    if pg_version_text is not None:
        pg_version = _parse_version(pg_version_text)
        if pg_version is None:
            return _usage_error(
                f"--pg-version (or PGSHIFT_PG_VERSION) must be a PostgreSQL major version "
                f"such as 17, not {pg_version_text!r}"
            )

    if not specs:
        return _usage_error("name at least one MODULE:ATTR")
    for spec in specs:
        try:
            split_spec(spec)
        except LoadError as error:
            _err(f"{PROG}: {error.message}")
            _err(f"usage: {PROG} MODULE:ATTR [MODULE:ATTR ...]")
            _err(f"example: {USAGE_EXAMPLE}")
            return EXIT_ERROR

    _prepend_cwd()
    try:
        # Whatever the models print while they are imported goes to stderr: stdout is the DDL.
        with contextlib.redirect_stdout(sys.stderr):
            mds, names = _as_metadata_list(specs)
            stmts = _statements(_order_metadatas(mds, names), pg_version)
    except LoadError as error:
        _report(error)
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - a bug here: still no DDL on stdout, and exit 2
        _report(
            LoadError(
                f"internal error: {type(exc).__name__}: {exc}",
                hints=["please report this with the traceback (PGSHIFT_SQLALCHEMY_TRACEBACK=1)"],
                exc=exc,
            )
        )
        return EXIT_ERROR

    text = "\n\n".join([header(specs)] + stmts) + "\n"
    out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
    if out is not None:
        sys.stdout.flush()
        out.write(text.encode("utf-8"))
        out.flush()
    else:  # a text-only stream (tests replacing sys.stdout)
        sys.stdout.write(text)
        sys.stdout.flush()
    return EXIT_OK


def run() -> None:
    """Entry point of the ``pgshift-sqlalchemy`` console script and of ``python -m``.

    Once the output is written and flushed, the process ends without the interpreter's
    teardown: freeing a large model's objects one by one took about 0.5 s of a 2.6 s run at
    1,000 tables (BENCHMARKS.md), and nothing is left to do.
    """
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    run()
