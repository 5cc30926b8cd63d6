# shellcheck shell=bash
# Shared by the bench scripts (sourced, not run): the tools they need, the scratch server's
# PostgreSQL bindir, the release build of pgshift, database URLs on the scratch server, and
# dropping every database a script created when it exits. Expects `root` to be set.

# Install the missing Debian packages among "$@" (hyperfine, time, ...).
bench_install() {
    local missing=() pkg bin
    for pkg in "$@"; do
        bin=$pkg
        [[ $pkg == time ]] && bin=/usr/bin/time
        command -v "$bin" >/dev/null 2>&1 || missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    echo "installing: ${missing[*]}" >&2
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get install -y "${missing[@]}" >&2 || {
        $sudo apt-get update >&2
        $sudo apt-get install -y "${missing[@]}" >&2
    }
}

# Set `bindir` and `psql` to the server's binaries: PGSHIFT_PG_BINDIR, else pg_config --bindir,
# else the newest installed; every program named in "$@" (besides psql) must be there too.
bench_bindir() {
    bindir=${PGSHIFT_PG_BINDIR:-}
    if [[ -z $bindir ]] && command -v pg_config >/dev/null; then bindir=$(pg_config --bindir); fi
    if [[ -z $bindir || ! -x $bindir/psql ]]; then
        bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
    fi
    psql="$bindir/psql"
    local prog
    for prog in psql "$@"; do
        [[ -x $bindir/$prog ]] || { echo "no $prog in '$bindir'" >&2; exit 2; }
    done
}

# Build pgshift in release mode; set `pgshift` and `admin_url` (the scratch server's admin db).
bench_build() {
    cargo build --release -p pgshift-cli >&2
    pgshift="${CARGO_TARGET_DIR:-$root/target}/release/pgshift"
    admin_url=$("$pgshift" scratch url)
}

# Replace the database part of a postgresql:// URL, keeping user, host and query parameters:
# postgresql://pgshift@/postgres?host=/run&port=5432 -> postgresql://pgshift@/DB?host=/run&port=5432
db_url() {
    local url=$1 db=$2
    if [[ $url =~ ^([A-Za-z][A-Za-z0-9+.-]*://[^/?]*)(/[^?]*)?(\?.*)?$ ]]; then
        printf '%s/%s%s\n' "${BASH_REMATCH[1]}" "$db" "${BASH_REMATCH[3]}"
    else
        echo "cannot parse scratch URL: $url" >&2
        return 1
    fi
}

# Databases listed in `created` are dropped when the script exits, however it exits.
created=()
bench_cleanup() {
    local db
    for db in "${created[@]}"; do
        "$psql" -q -X -d "$admin_url" -c "SET client_min_messages = warning" \
            -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >&2 || true
    done
}
trap bench_cleanup EXIT

# Create the virtualenv DIR if needed and install the pinned packages "$@" into it (a no-op when
# they are present). Python: $PYTHON, else python3.11, else python3.
bench_venv() {
    local dir=$1
    shift
    local python=${PYTHON:-$(command -v python3.11 || command -v python3 || true)}
    [[ -n $python ]] || { echo "python3 is required" >&2; exit 2; }
    [[ -x $dir/bin/python ]] || "$python" -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check "$@" >&2
}

# The Alembic venv of the apply and new benchmarks (Alembic with SQLAlchemy 2 and psycopg 3):
# create or update bench/out/venv-apply and set `venv` and `alembic`. Expects `out`.
bench_alembic_venv() {
    venv="$out/venv-apply"
    bench_venv "$venv" alembic==1.20.1 SQLAlchemy==2.0.58 "psycopg[binary]==3.3.9"
    alembic="$venv/bin/alembic"
}

# migra's pins, as bench/diff.sh explains them (its last release, on SQLAlchemy 1.4).
BENCH_MIGRA_PINS=(migra==3.0.1663481299 schemainspect==3.1.1663587362 sqlbag==0.1.1617247075
    SQLAlchemy==1.4.54 psycopg2-binary==2.9.13 six==1.17.0)

# bench_load DB SQLFILE: (re)create DB on the scratch server, load SQLFILE into it and analyze it
# (dropped at exit). Needs `psql` and `admin_url` (bench_bindir, bench_build).
bench_load() {
    local db=$1 sql=$2 url
    url=$(db_url "$admin_url" "$db")
    "$psql" -q -X -v ON_ERROR_STOP=1 -d "$admin_url" -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" -c "CREATE DATABASE \"$db\""
    created+=("$db")
    "$psql" -q -X -v ON_ERROR_STOP=1 -d "$url" -f "$sql" >/dev/null
    "$psql" -q -X -v ON_ERROR_STOP=1 -d "$url" -c "VACUUM ANALYZE"
}

# bench_templates_clean: print a shell command that drops every template database pgshift keeps
# on the scratch server, and their cached catalogs (the data directory's sibling `catalogs/`).
# Benchmarks run it before measuring: templates used in the last 15 minutes are never evicted,
# so earlier runs (and test suites) leave many behind, and the server is slower beside them
# (measured: a warm `new` 431 ms beside ~240 templates against 350 ms without; `diff` at 5,000
# tables 0.90 s ± 0.07 beside 150 against 0.86 s ± 0.01). A command, not a function, so that it
# can also be given to hyperfine's --prepare. Needs `psql`, `pgshift` and `admin_url`.
bench_templates_clean() {
    local catalogs
    catalogs=$(dirname "$("$pgshift" scratch status | sed -n 's/^data directory: *//p')")/catalogs
    printf '%q -q -X -d %q -At -c %q | %q -q -X -d %q; rm -f %q/pgshift_t_*.json' \
        "$psql" "$admin_url" \
        "SELECT format('DROP DATABASE %I WITH (FORCE);', datname) FROM pg_database WHERE starts_with(datname, 'pgshift_t_')" \
        "$psql" "$admin_url" "$catalogs"
}
