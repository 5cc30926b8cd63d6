"""Print the PostgreSQL DDL that ``MetaData.create_all()`` would run, for pgshift.

pgshift reads the desired schema of a project from a *command source*: a command whose standard
output is PostgreSQL DDL, loaded into an empty scratch database in one simple-query batch.  This
package is such a command for SQLAlchemy and SQLModel projects::

    python -m pgshift_sqlalchemy app.models:SQLModel.metadata

The DDL is produced by SQLAlchemy itself: ``metadata.create_all()`` runs against a *mock engine*
of the PostgreSQL dialect, which hands every DDL element to this module instead of a database, and
each element is compiled by that dialect.  So the output is what ``create_all()`` sends to
PostgreSQL, statement for statement, with three additions a scratch database needs or a diff tool
wants:

- ``CREATE SCHEMA IF NOT EXISTS`` for every schema other than ``public`` that a table, sequence,
  index or type is created in (``create_all()`` expects the schemas to exist);
- the statements whose order ``create_all()`` takes from a Python set (the indexes of a table, the
  comments on its constraints, the foreign keys added by ``ALTER TABLE`` after all tables) are
  sorted, so the same models always give byte-identical output;
- the dialect is set up as a connection to a current server would set it up
  (``standard_conforming_strings`` on, the server's version), and nothing is escaped for a DB-API
  driver: a ``%`` in a CHECK constraint or a default is printed as one ``%``.

Public API: :func:`load` (a ``MODULE:ATTR`` spec to a :class:`~sqlalchemy.MetaData`),
:func:`statements` (the list of SQL statements) and :func:`ddl` (the whole text the command
prints).
"""

from __future__ import annotations

import importlib
import os
import sysconfig
import traceback
from collections.abc import Iterable
from typing import Any, List, Optional, Sequence, Tuple, Union

import sqlalchemy
from sqlalchemy import MetaData
from sqlalchemy.schema import (
    AddConstraint,
    CreateIndex,
    ForeignKeyConstraint,
    SetConstraintComment,
)

try:  # SQLAlchemy 2.0 and 2.1
    from sqlalchemy.sql.ddl import ExecutableDDLElement as _DDLElement
except ImportError:  # pragma: no cover - older names
    from sqlalchemy.sql.ddl import DDLElement as _DDLElement

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "LoadError",
    "ddl",
    "load",
    "statements",
]

PROG = "pgshift_sqlalchemy"

# SQLAlchemy's PostgreSQL dialect with a named driver, so that it resolves the same on SQLAlchemy
# 2.0 and 2.1. The mock engine never imports the driver (psycopg2 need not be installed).
_MOCK_URL = "postgresql+psycopg2://"

Target = Union[str, MetaData, Any]


class LoadError(Exception):
    """A spec that cannot be turned into a MetaData, or DDL that cannot be generated.

    ``message`` is one line for the user; ``hints`` are further lines (each printed as
    ``hint: ...``); ``details`` are lines printed as they are; ``exc`` is the exception that caused
    it, if any (its traceback is printed with ``PGSHIFT_SQLALCHEMY_TRACEBACK=1``).
    """

    def __init__(
        self,
        message: str,
        hints: Sequence[str] = (),
        details: Sequence[str] = (),
        exc: Optional[BaseException] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hints = list(hints)
        self.details = list(details)
        self.exc = exc


# --------------------------------------------------------------------------------------------
# Loading a MODULE:ATTR spec
# --------------------------------------------------------------------------------------------

USAGE_EXAMPLE = "python -m pgshift_sqlalchemy app.models:SQLModel.metadata"


def split_spec(spec: str) -> Tuple[str, str]:
    """Split ``MODULE:ATTR`` into its two halves, or raise :class:`LoadError`."""
    module, sep, attr = spec.partition(":")
    module, attr = module.strip(), attr.strip()
    if not sep or not module or not attr or ":" in attr:
        raise LoadError(
            f"{spec!r} is not MODULE:ATTR",
            hints=[
                "name the module and the attribute that holds the models' MetaData, "
                f"e.g. {USAGE_EXAMPLE}",
                "ATTR may be a MetaData, a declarative base or SQLModel class, or any object "
                "with a .metadata (Base.metadata, SQLModel.metadata, mapper_registry)",
            ],
        )
    return module, attr


def _exception_line(exc: BaseException) -> str:
    """The last line of a traceback: ``ModuleNotFoundError: No module named 'x'``."""
    lines = traceback.format_exception_only(type(exc), exc)
    # Python 3.11 appends __notes__ as further lines; keep the "Type: message" part, which may
    # itself span lines (SQLAlchemy messages end with a "Background on this error" line).
    notes = getattr(exc, "__notes__", None) or []
    if notes:
        lines = lines[: len(lines) - len(notes)] or lines
    text = "".join(lines).rstrip("\n")
    if isinstance(exc, SyntaxError):
        # "  File ..., line N\n    code\n    ^\nSyntaxError: msg": keep the last line only; the
        # location is reported separately.
        text = text.splitlines()[-1] if text else type(exc).__name__
    return text


def _library_dirs() -> List[str]:
    dirs = set()
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = paths.get(key)
        if p:
            dirs.add(os.path.realpath(p))
    for mod in (sqlalchemy,):
        dirs.add(os.path.realpath(os.path.dirname(mod.__file__ or "")))
    dirs.add(os.path.realpath(os.path.dirname(__file__)))
    return sorted(dirs)


def _display_path(filename: str) -> str:
    try:
        rel = os.path.relpath(filename)
    except ValueError:
        return filename
    return filename if rel.startswith(os.pardir + os.sep) or rel == os.pardir else rel


def _user_location(exc: BaseException, fallback: bool = True) -> Optional[str]:
    """``file:line`` of the deepest frame of the traceback that is the user's code.

    The user's code is any file outside the standard library, site-packages, SQLAlchemy and this
    package; when no frame is, the deepest frame (with ``fallback``) or None.
    """
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{_display_path(exc.filename)}:{exc.lineno}"
    frames = traceback.extract_tb(exc.__traceback__)
    libs = _library_dirs()

    def is_user(fs: traceback.FrameSummary) -> bool:
        name = fs.filename
        if not name or name.startswith("<"):
            return False
        real = os.path.realpath(name)
        return not any(real == d or real.startswith(d + os.sep) for d in libs)

    user = [fs for fs in frames if is_user(fs)]
    chosen = user[-1] if user else (frames[-1] if frames and fallback else None)
    if chosen is None:
        return None
    return f"{_display_path(chosen.filename)}:{chosen.lineno}"


def _missing_module_is_target(exc: BaseException, module: str) -> bool:
    """Whether an import failed because ``module`` itself (or a package above it) is not found."""
    if not isinstance(exc, ModuleNotFoundError):
        return False
    name = getattr(exc, "name", None)
    if not name:
        return False
    return module == name or module.startswith(name + ".")


def _import(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - any failure of user code (even sys.exit)
        if _missing_module_is_target(exc, module):
            raise LoadError(
                f"cannot import module {module!r}: {_exception_line(exc)}",
                hints=[
                    "run from the directory that holds the package, or set PYTHONPATH "
                    "(PYTHONPATH=src python -m pgshift_sqlalchemy ...)"
                ],
                exc=exc,
            ) from exc
        where = _user_location(exc)
        details = [f"  raised at {where}"] if where else []
        raise LoadError(
            f"error while importing module {module!r}: {_exception_line(exc)}",
            details=details,
            hints=["set PGSHIFT_SQLALCHEMY_TRACEBACK=1 to print the whole traceback"],
            exc=exc,
        ) from exc


def _metadata_of(value: Any) -> Optional[MetaData]:
    if isinstance(value, MetaData):
        return value
    try:
        md = getattr(value, "metadata", None)
    except Exception:  # noqa: BLE001 - a property that raises: not a metadata holder
        return None
    return md if isinstance(md, MetaData) else None


def _metadata_candidates(module_name: str, module: Any) -> List[str]:
    """Public attributes of a module that are a MetaData or have a ``.metadata``.

    Declarative bases, SQLModel, registries and MetaData objects; mapped classes and tables (which
    also have a ``.metadata``: the same one as their base) only when there is nothing else.
    """
    holders, mapped = [], []
    for name in sorted(vars(module)):
        if name.startswith("_"):
            continue
        value = vars(module)[name]
        if isinstance(value, MetaData):
            holders.append(f"{module_name}:{name}")
        elif _metadata_of(value) is not None:
            if isinstance(value, sqlalchemy.schema.SchemaItem) or (
                isinstance(value, type) and "__table__" in getattr(value, "__dict__", {})
            ):
                mapped.append(f"{module_name}:{name}.metadata")
            else:
                holders.append(f"{module_name}:{name}.metadata")
    return holders or mapped


def _type_name(value: Any) -> str:
    """``class app.models.User``, ``a function``, ``an int``, ``a sqlalchemy.engine.base.Engine``."""
    if value is None:
        return "None"
    t = value if isinstance(value, type) else type(value)
    qual = t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
    if isinstance(value, type):
        return f"class {qual}"
    article = "an" if qual[:1].lower() in "aeiou" else "a"
    return f"{article} {qual}"


def load(spec: str) -> MetaData:
    """Import ``MODULE`` and return the :class:`~sqlalchemy.MetaData` that ``ATTR`` names.

    ``ATTR`` may be dotted (``SQLModel.metadata``, ``Base.metadata``) and may name a MetaData, a
    declarative base (``declarative_base()``, a ``DeclarativeBase`` subclass), ``SQLModel`` or a
    model class, a ``registry``, or any object with a ``.metadata`` that is a MetaData.  Raises
    :class:`LoadError` with a message for the user when it cannot.

    ``load`` does not change ``sys.path``: the command line prepends the current directory.
    """
    module_name, attr = split_spec(spec)
    module = _import(module_name)
    value: Any = module
    path = module_name
    parts = attr.split(".")
    for i, part in enumerate(parts):
        if not part:
            raise LoadError(f"{spec!r}: empty attribute name in {attr!r}")
        try:
            value = getattr(value, part)
        except AttributeError as exc:
            if i == 0:
                candidates = _metadata_candidates(module_name, module)
                if candidates:
                    hint = "attributes of {!r} that hold a MetaData: {}".format(
                        module_name, ", ".join(candidates)
                    )
                else:
                    hint = (
                        f"no public attribute of {module_name!r} is a MetaData or has a "
                        ".metadata; is this the module that defines the models?"
                    )
                raise LoadError(
                    f"module {module_name!r} has no attribute {part!r}", hints=[hint], exc=exc
                ) from exc
            owner = f"{module_name}:{'.'.join(parts[:i])}"
            hints = []
            if _metadata_of(value) is not None and not isinstance(value, MetaData):
                hints.append(f"it has a .metadata: {owner}.metadata")
            raise LoadError(
                f"{owner!r} ({_type_name(value)}) has no attribute {part!r}",
                hints=hints,
                exc=exc,
            ) from exc
        except Exception as exc:  # noqa: BLE001 - a property raising while being read
            raise LoadError(
                f"reading {module_name}:{'.'.join(parts[: i + 1])} raised "
                f"{_exception_line(exc)}",
                exc=exc,
            ) from exc
        path = f"{module_name}:{'.'.join(parts[: i + 1])}"
    md = _metadata_of(value)
    if md is None:
        if hasattr(value, "metadata"):
            inner = getattr(value, "metadata", None)
            reason = f"its .metadata is {_type_name(inner)}, not a sqlalchemy MetaData"
        else:
            reason = "not a sqlalchemy MetaData and has no .metadata attribute"
        raise LoadError(
            f"{path!r} is {_type_name(value)}: {reason}",
            hints=[
                "name a MetaData (Base.metadata, SQLModel.metadata) or a class or object that "
                "has one"
            ],
        )
    return md


# --------------------------------------------------------------------------------------------
# Generating the DDL
# --------------------------------------------------------------------------------------------


def _configure_dialect(dialect: Any, pg_version: Optional[int]) -> None:
    """Set the dialect up as ``initialize()`` does on a connection to a current server.

    A mock engine's dialect never connects, so it keeps class defaults that differ from what a
    real connection gets: SQLAlchemy 2.0 assumes ``standard_conforming_strings`` off (and would
    double every backslash in a string literal), SQLAlchemy 2.1 assumes a server that has virtual
    generated columns (and would leave out ``STORED``).  ``pg_version`` is the server's major
    version; without it, 17 (version-dependent DDL then works on every supported server).
    """
    major = pg_version if pg_version is not None else 17
    # PostgreSQL >= 9.1 has standard_conforming_strings on by default: no backslash doubling.
    dialect._backslash_escapes = False
    dialect.server_version_info = (major, 0)
    if hasattr(dialect, "supports_smallserial"):
        dialect.supports_smallserial = True
    if hasattr(dialect, "supports_identity_columns"):
        dialect.supports_identity_columns = major >= 10
    if hasattr(dialect, "_supports_drop_index_concurrently"):
        dialect._supports_drop_index_concurrently = True
    if hasattr(dialect, "_supports_jsonb_subscripting"):
        dialect._supports_jsonb_subscripting = major >= 14
    if hasattr(dialect, "supports_virtual_generated_columns"):
        dialect.supports_virtual_generated_columns = major >= 18
    if getattr(dialect, "default_schema_name", None) is None:
        dialect.default_schema_name = "public"


def _mock_engine(executor: Any, pg_version: Optional[int]) -> Any:
    # paramstyle "named": SQLAlchemy doubles "%" in DDL text for the "format"/"pyformat"
    # paramstyles (the driver halves them again); with "named" it writes what the server gets.
    engine = sqlalchemy.create_mock_engine(_MOCK_URL, executor, paramstyle="named")
    _configure_dialect(engine.dialect, pg_version)
    return engine


def _with_parameters(elem: Any, parameters: Any) -> Any:
    """A statement run by an event hook with parameters, with them bound into it."""
    from sqlalchemy.sql.dml import ValuesBase
    from sqlalchemy.sql.elements import TextClause

    if isinstance(elem, ValuesBase):
        return elem.values(**parameters)
    if isinstance(elem, TextClause):
        return elem.bindparams(**parameters)
    return elem.params(**parameters)


def _compile_one(elem: Any, dialect: Any) -> str:
    if isinstance(elem, str):
        sql = elem
    elif isinstance(elem, _DDLElement):
        sql = str(elem.compile(dialect=dialect))
    else:
        # Statements run by DDL event hooks (connection.execute(text(...)), inserts of seed
        # rows): bound values are written as literals, as the batch has no parameters.
        sql = str(elem.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    sql = sql.strip()
    if not sql.endswith(";"):
        sql += ";"
    return sql


def _compile(elem: Any, dialect: Any, parameters: Any) -> List[str]:
    """The SQL of what the mock engine was asked to execute (one statement per parameter set)."""
    if not parameters or isinstance(elem, str):
        return [_compile_one(elem, dialect)]
    if isinstance(parameters, dict):
        parameters = [parameters]
    return [_compile_one(_with_parameters(elem, p), dialect) for p in parameters]


def _schemas_of(elem: Any) -> List[str]:
    """The schemas a DDL element creates something in (or refers to, for a CREATE TYPE)."""
    target = getattr(elem, "element", None)
    out = []
    if isinstance(elem, CreateIndex) and target is not None:
        table = getattr(target, "table", None)
        if table is not None and table.schema:
            out.append(table.schema)
    elif target is not None:
        schema = getattr(target, "schema", None)
        if isinstance(schema, str) and schema:
            out.append(schema)
    return out


def _sort_key(elem: Any, sql: str) -> Tuple[str, str, str]:
    """Table, then the name of the index or constraint, then the SQL text."""
    target = getattr(elem, "element", None)
    table = getattr(target, "table", None)
    if table is None:
        table = getattr(target, "parent", None)
    table_name = getattr(table, "fullname", None)
    name = getattr(target, "name", None)
    return (
        table_name if isinstance(table_name, str) else "",
        name if isinstance(name, str) else "",
        sql,
    )


def _group(elem: Any) -> Optional[Tuple[str, str]]:
    """Statements that ``create_all()`` emits in set order, with what makes a run of them.

    Consecutive statements of the same group are independent of each other and are sorted.
    """
    if isinstance(elem, CreateIndex):
        table = getattr(elem.element, "table", None)
        return ("index", getattr(table, "fullname", ""))
    if isinstance(elem, SetConstraintComment):
        table = getattr(elem.element, "table", None)
        return ("constraint comment", getattr(table, "fullname", ""))
    if isinstance(elem, AddConstraint) and isinstance(elem.element, ForeignKeyConstraint):
        return ("foreign key", "")
    return None


def _describe(elem: Any) -> str:
    """``CreateTable of table 'orders'``: what a DDL element is about, for error messages."""
    target = getattr(elem, "element", None)
    kind = type(elem).__name__
    if target is None:
        return kind
    for attr in ("fullname", "name"):
        name = getattr(target, attr, None)
        if isinstance(name, str):
            what = type(target).__name__.lower()
            return f"{kind} of {what} {name!r}"
    return kind


def _stabilize(emitted: List[Tuple[Any, str]]) -> List[Tuple[Any, str]]:
    out: List[Tuple[Any, str]] = []
    i = 0
    while i < len(emitted):
        group = _group(emitted[i][0])
        j = i + 1
        if group is not None:
            while j < len(emitted) and _group(emitted[j][0]) == group:
                j += 1
            out.extend(sorted(emitted[i:j], key=lambda e: _sort_key(e[0], e[1])))
        else:
            out.append(emitted[i])
        i = j
    return out


def _quote_schema(dialect: Any, schema: str) -> str:
    rendered = dialect.identifier_preparer.quote_schema(schema)
    if rendered.startswith('"'):
        return rendered
    # Rendered bare: PostgreSQL folds ASCII letters of an unquoted name to lower case.
    folded = "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in rendered)
    return '"' + folded.replace('"', '""') + '"'


def _as_metadata_list(target: Any) -> Tuple[List[MetaData], List[str]]:
    """MetaData objects and a description of each, from what :func:`ddl` accepts."""
    if (
        isinstance(target, (str, MetaData))
        or _metadata_of(target) is not None
        or not isinstance(target, Iterable)
    ):
        items = [target]
    else:
        items = list(target)
    mds, names = [], []
    for item in items:
        if isinstance(item, str):
            mds.append(load(item))
            names.append(item)
            continue
        md = _metadata_of(item)
        if md is None:
            raise LoadError(f"{item!r} is {_type_name(item)}: not a MetaData and has no .metadata")
        mds.append(md)
        if isinstance(item, MetaData):
            names.append("MetaData")
        elif isinstance(item, type):
            names.append(f"{item.__module__}:{item.__qualname__}")
        else:
            names.append(type(item).__qualname__)
    return mds, names


def _order_metadatas(mds: List[MetaData], names: Optional[Sequence[str]] = None) -> List[MetaData]:
    """Distinct MetaData objects, those whose tables others refer to first (else as given).

    The same MetaData named twice (``SQLModel.metadata`` through two modules) counts once; a table
    name in two different ones is an error.
    """
    names = list(names) if names is not None else [f"MetaData #{i + 1}" for i in range(len(mds))]
    unique: List[MetaData] = []
    unique_names: List[str] = []
    for md, name in zip(mds, names):
        if not any(md is u for u in unique):
            unique.append(md)
            unique_names.append(name)
    if len(unique) < 2:
        return unique
    seen = {}
    for idx, md in enumerate(unique):
        for key in md.tables:
            if key in seen:
                raise LoadError(
                    f"table {key!r} is defined in both {unique_names[seen[key]]} and "
                    f"{unique_names[idx]}",
                    hints=["give each table once: name one MetaData per set of models"],
                )
            seen[key] = idx
    deps = {i: set() for i in range(len(unique))}
    for i, md in enumerate(unique):
        for table in md.tables.values():
            for fk in table.foreign_keys:
                try:
                    other = fk.column.table.metadata
                except Exception:  # noqa: BLE001 - unresolved: create_all reports it
                    continue
                for k, u in enumerate(unique):
                    if u is other and k != i:
                        deps[i].add(k)
    ordered: List[int] = []
    remaining = list(range(len(unique)))
    while remaining:
        ready = [i for i in remaining if deps[i] <= set(ordered)]
        pick = ready[0] if ready else remaining[0]  # a cycle: keep the given order
        ordered.append(pick)
        remaining.remove(pick)
    return [unique[i] for i in ordered]


def statements(target: Target, *, pg_version: Optional[int] = None) -> List[str]:
    """The SQL statements, each ended by ``;``, that build ``target``'s schema on PostgreSQL.

    ``target`` is a ``MODULE:ATTR`` spec, a MetaData, an object with a ``.metadata``, or a list
    of those (their tables combined; a table name may appear in only one).
    """
    mds, names = _as_metadata_list(target)
    return _statements(_order_metadatas(mds, names), pg_version)


def _statements(mds: List[MetaData], pg_version: Optional[int]) -> List[str]:
    emitted: List[Tuple[Any, str]] = []

    def executor(sql: Any, *multiparams: Any, **params: Any) -> None:
        parameters = multiparams[0] if multiparams else params
        try:
            texts = _compile(sql, engine.dialect, parameters)
        except Exception as exc:  # noqa: BLE001 - e.g. a column type PostgreSQL has no name for
            where = _user_location(exc, fallback=False)
            raise LoadError(
                f"cannot compile {_describe(sql)} for PostgreSQL: {_exception_line(exc)}",
                details=[f"  raised at {where}"] if where else [],
                exc=exc,
            ) from exc
        emitted.extend((sql, text) for text in texts)

    engine = _mock_engine(executor, pg_version)
    for md in mds:
        try:
            md.create_all(engine, checkfirst=False)
        except LoadError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the user with the model at fault
            where = _user_location(exc, fallback=False)
            raise LoadError(
                f"cannot generate the DDL: {_exception_line(exc)}",
                details=[f"  raised at {where}"] if where else [],
                exc=exc,
            ) from exc

    # The same named type (an enum shared by two MetaData objects) is created once.
    out: List[Tuple[Any, str]] = []
    seen_sql = set()
    for elem, sql in emitted:
        if type(elem).__name__.startswith("Create") and type(elem).__name__.endswith("Type"):
            if sql in seen_sql:
                continue
            seen_sql.add(sql)
        out.append((elem, sql))
    out = _stabilize(out)

    schemas: List[str] = []
    for elem, _ in out:
        for schema in _schemas_of(elem):
            if schema != "public" and schema not in schemas:
                schemas.append(schema)
    prefix = [
        f"CREATE SCHEMA IF NOT EXISTS {_quote_schema(engine.dialect, s)};" for s in schemas
    ]
    return prefix + [sql for _, sql in out]


def header(sources: Sequence[str]) -> str:
    return f"-- generated by {PROG} {__version__} from {' '.join(sources)}"


def ddl(target: Target, *, pg_version: Optional[int] = None) -> str:
    """The text ``python -m pgshift_sqlalchemy`` prints for ``target``.

    A ``-- generated by pgshift_sqlalchemy <version> from <specs>`` line, then the statements of
    :func:`statements`, separated by blank lines; it ends with a newline.
    """
    mds, names = _as_metadata_list(target)
    stmts = _statements(_order_metadatas(mds, names), pg_version)
    return "\n\n".join([header(names)] + stmts) + "\n"
