#!/usr/bin/env bash
# Installs what pgshift needs on a fresh Debian/Ubuntu machine that has Rust:
#   - the PostgreSQL server binaries (initdb and postgres) for the embedded scratch server;
#   - libclang, which the pg_query crate (pgshift-history's SQL parser) loads through bindgen at
#     build time.
# Idempotent: installs only what is missing, then checks again and fails loudly if something is
# still missing, so it never reports success on a machine the build cannot use.
#
#   scripts/setup.sh             detect, install what is missing, verify
#   scripts/setup.sh --tests     the same, then what the tests add: the Python virtualenv of the
#                                SQLAlchemy integration (scripts/python-env.sh) and the Drizzle
#                                test project's npm packages (scripts/node-env.sh)
#   scripts/setup.sh --detect    only print what is present and what would be installed (exit 0)
#
# PGSHIFT_SETUP_ROOT (tests only) makes detection look under a fake root instead of /.
set -euo pipefail

root=${PGSHIFT_SETUP_ROOT:-}

# The PostgreSQL server: both initdb and postgres, from PGSHIFT_PG_BINDIR, Debian's versioned
# directories, or PATH (the same places pgshift-scratch looks, in that order).
pg_bindir() {
    if [ -n "${PGSHIFT_PG_BINDIR:-}" ] && [ -x "$PGSHIFT_PG_BINDIR/initdb" ] && [ -x "$PGSHIFT_PG_BINDIR/postgres" ]; then
        echo "$PGSHIFT_PG_BINDIR"; return 0
    fi
    local d
    for d in $(ls -d "$root"/usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
    done
    if [ -z "$root" ]; then
        local i p
        i=$(command -v initdb 2>/dev/null) || return 1
        p=$(command -v postgres 2>/dev/null) || return 1
        dirname "$i"; return 0
    fi
    return 1
}

# libclang as clang-sys (bindgen's loader) accepts it: libclang.so, libclang.so.N, libclang-N.so
# or libclang-N.so.M. Not libclang-cpp.so.N: that is LLVM's C++ runtime, which many images ship
# without libclang itself, and which clang-sys rightly skips.
is_libclang_name() {
    case "$1" in
        libclang-cpp*) return 1 ;;
        libclang.so | libclang.so.[0-9]*) return 0 ;;
        libclang-[0-9]*.so | libclang-[0-9]*.so.[0-9]*) return 0 ;;
        *) return 1 ;;
    esac
}

libclang_file() {
    local dirs=() d f
    [ -n "${LIBCLANG_PATH:-}" ] && dirs+=("$LIBCLANG_PATH")
    for d in "$root"/usr/lib/llvm-*/lib "$root"/usr/lib "$root"/usr/lib/*-linux-gnu "$root"/usr/lib64 "$root"/usr/local/lib; do
        [ -d "$d" ] && dirs+=("$d")
    done
    for d in "${dirs[@]}"; do
        for f in "$d"/libclang*.so*; do
            [ -e "$f" ] || continue  # the glob did not match, or a dangling symlink
            if is_libclang_name "$(basename "$f")"; then echo "$f"; return 0; fi
        done
    done
    return 1
}

report() {
    local pg clang
    if pg=$(pg_bindir); then echo "postgresql: present ($pg)"; else echo "postgresql: missing (would install postgresql postgresql-contrib)"; fi
    if clang=$(libclang_file); then echo "libclang: present ($clang)"; else echo "libclang: missing (would install libclang-dev)"; fi
}

if [ "${1:-}" = "--detect" ]; then
    report
    exit 0
fi

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
pg_bindir >/dev/null || missing+=(postgresql postgresql-contrib)
libclang_file >/dev/null || missing+=(libclang-dev)

if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]} (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Verify: a set-up that cannot find what it just installed must not pass.
fail=0
if ! pg_bindir >/dev/null; then
    echo "setup: the PostgreSQL server binaries (initdb, postgres) are still not found." >&2
    echo "       Install them (apt-get install postgresql) or set PGSHIFT_PG_BINDIR to their directory." >&2
    fail=1
fi
if ! libclang_file >/dev/null; then
    echo "setup: libclang (libclang.so or libclang-N.so) is still not found; libclang-cpp is not libclang." >&2
    echo "       Install it (apt-get install libclang-dev) or set LIBCLANG_PATH to the directory that holds it." >&2
    fail=1
fi
if [ "$fail" = 0 ] && [ "${1:-}" = "--tests" ]; then
    here=$(cd "$(dirname "$0")" && pwd)
    "$here/python-env.sh" || fail=1
    "$here/node-env.sh" || fail=1
fi
exit $fail
