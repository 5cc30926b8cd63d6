#!/usr/bin/env bash
# Installs what pgshift needs on a fresh Debian/Ubuntu machine that has Rust:
# the PostgreSQL server binaries (initdb, postgres, pg_ctl) for the embedded scratch server,
# and libclang, which the pg_query crate (pgshift-history's SQL parser) needs to build.
# Idempotent: does nothing when they are already there.
set -euo pipefail

have_pg() {
    [ -n "${PGSHIFT_PG_BINDIR:-}" ] && [ -x "$PGSHIFT_PG_BINDIR/initdb" ] && return 0
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && return 0
    command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! have_pg; then
    echo "setup: installing the PostgreSQL server binaries (apt-get install postgresql)" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends postgresql postgresql-contrib
fi

# pg_query compiles libpg_query with the C compiler (gcc, already on the machine) and generates
# its bindings with bindgen, which loads libclang at build time. It needs no protoc: it ships its
# generated protobuf code and regenerates it only when protoc happens to be installed.
have_libclang() {
    [ -n "${LIBCLANG_PATH:-}" ] && ls "$LIBCLANG_PATH"/libclang*.so* >/dev/null 2>&1 && return 0
    ls /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/*/libclang*.so* >/dev/null 2>&1
}

if ! have_libclang; then
    echo "setup: installing libclang for the pg_query build (apt-get install libclang-dev)" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends libclang-dev
fi
