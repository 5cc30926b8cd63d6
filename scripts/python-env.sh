#!/usr/bin/env bash
# Creates the Python virtual environment that the SQLAlchemy/SQLModel integration
# (integrations/sqlalchemy) and its tests use: python3 -m venv, then the pinned dev requirements
# and pgshift_sqlalchemy itself (editable, so changes to it are picked up without reinstalling).
# Idempotent: pip runs only when the venv is new or requirements-dev.txt / pyproject.toml changed
# (their sha256 is kept in a stamp file inside the venv). Fails loudly when it cannot.
#
#   scripts/python-env.sh          create or update the venv; prints where it is
#
# PGSHIFT_VENV   where the venv goes (default: <repository root>/.venv)
# PYTHON         the interpreter that creates it (default: python3)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${PGSHIFT_VENV:-$repo/.venv}
python=${PYTHON:-python3}
pkg=$repo/integrations/sqlalchemy
reqs=$pkg/requirements-dev.txt
stamp=$venv/.pgshift-python-env.sha256

die() {
    echo "python-env: $*" >&2
    exit 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

command -v "$python" >/dev/null 2>&1 || die "$python not found; install Python 3.9 or newer (apt-get install python3) or set PYTHON"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
    || die "$("$python" -V 2>&1) is too old: pgshift_sqlalchemy needs Python 3.9 or newer"
[ -f "$reqs" ] || die "$reqs is missing"
[ -f "$pkg/pyproject.toml" ] || die "$pkg/pyproject.toml is missing"

# Debian and Ubuntu ship venv (and ensurepip, which venv needs) in a separate package.
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        ver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
        echo "python-env: installing python3-venv (apt-get)" >&2
        export DEBIAN_FRONTEND=noninteractive
        as_root apt-get update -q
        as_root apt-get install -y -q --no-install-recommends python3-venv \
            || as_root apt-get install -y -q --no-install-recommends "python$ver-venv"
    fi
    "$python" -c 'import venv, ensurepip' >/dev/null 2>&1 \
        || die "the venv module of $python is still missing; install python3-venv (Debian/Ubuntu) or use a Python that has it (PYTHON=...)"
fi

# A venv whose interpreter is gone (moved repository, removed Python) is made anew.
if [ -d "$venv" ] && ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "python-env: $venv is broken; recreating it" >&2
    rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv" || die "python3 -m venv $venv failed"
fi

want=$(cat "$reqs" "$pkg/pyproject.toml" | sha256sum | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
    rm -f "$stamp"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$reqs" \
        || die "pip install -r $reqs failed (is PyPI reachable?)"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -e "$pkg" \
        || die "pip install -e $pkg failed"
    "$venv/bin/python" -c 'import pgshift_sqlalchemy, sqlalchemy, sqlmodel, psycopg, pytest' \
        || die "the venv at $venv cannot import what was just installed"
    echo "$want" >"$stamp"
fi

echo "python-env: venv ready at $venv"
