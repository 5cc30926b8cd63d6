#!/usr/bin/env bash
# Benchmark: `pgshift inspect` against `pg_dump --schema-only` of the same generated database,
# measured in the same run on pgshift's embedded scratch server.
#
# Usage: bench/inspect.sh            (from anywhere; results go to bench/out/)
# Env:   SIZES="1000 5000"           table counts to generate
#        RUNS=10                     hyperfine runs per command (after one warmup run)
#        SEED=1                      generator seed
#
# For each size N: (re)creates database pgshift_bench_N on the scratch server, loads
# `bench/gen_schema.py --tables N --seed $SEED` into it, times both commands with hyperfine,
# measures the peak RSS of each once with /usr/bin/time, and drops the database at the end.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench/out"
mkdir -p "$out"

SIZES=${SIZES:-"1000 5000"}
RUNS=${RUNS:-10}
SEED=${SEED:-1}

# --- tools -----------------------------------------------------------------------------------
missing=()
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
[[ -x /usr/bin/time ]] || missing+=(time)
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}" >&2
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get install -y "${missing[@]}" >&2 || {
        $sudo apt-get update >&2
        $sudo apt-get install -y "${missing[@]}" >&2
    }
fi
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 2; }

# The server's bindir: PGSHIFT_PG_BINDIR, else pg_config --bindir, else the newest installed.
bindir=${PGSHIFT_PG_BINDIR:-}
if [[ -z $bindir ]] && command -v pg_config >/dev/null; then bindir=$(pg_config --bindir); fi
if [[ -z $bindir || ! -x $bindir/pg_dump ]]; then
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
fi
pg_dump="$bindir/pg_dump"
psql="$bindir/psql"
[[ -x $pg_dump && -x $psql ]] || { echo "no pg_dump/psql in '$bindir'" >&2; exit 2; }

# --- build -----------------------------------------------------------------------------------
cargo build --release -p pgshift-cli >&2
pgshift="$root/target/release/pgshift"

admin_url=$("$pgshift" scratch url)

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

created=()
cleanup() {
    local db
    for db in "${created[@]}"; do
        "$psql" -q -X -d "$admin_url" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >&2 || true
    done
}
trap cleanup EXIT

server_version=$("$psql" -X -At -d "$admin_url" -c "SHOW server_version")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" >&2
echo "server:  PostgreSQL $server_version; pg_dump: $("$pg_dump" --version)" >&2

summary="$out/summary.md"
{
    echo "| tables | pgshift inspect | pg_dump --schema-only | ratio | peak RSS pgshift | peak RSS pg_dump |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
} >"$summary"

for n in $SIZES; do
    db="pgshift_bench_$n"
    url=$(db_url "$admin_url" "$db")
    echo "== $n tables: $db" >&2

    "$psql" -q -X -v ON_ERROR_STOP=1 -d "$admin_url" -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" -c "CREATE DATABASE \"$db\""
    created+=("$db")
    python3 "$root/bench/gen_schema.py" --tables "$n" --seed "$SEED" >"$out/schema_$n.sql"
    load_start=$(date +%s.%N)
    "$psql" -q -X -v ON_ERROR_STOP=1 -d "$url" -f "$out/schema_$n.sql" >/dev/null
    "$psql" -q -X -v ON_ERROR_STOP=1 -d "$url" -c "VACUUM ANALYZE"
    echo "loaded in $(python3 -c "print(round($(date +%s.%N) - $load_start, 1))") s" >&2

    # Sanity: both commands work and the database has what we generated.
    "$pgshift" inspect "$url" >"$out/inspect_$n.sql"
    "$pg_dump" --schema-only "$url" >"$out/pg_dump_$n.sql"
    echo "tables in db: $("$psql" -X -At -d "$url" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname IN ('public', 'app')")," \
        "inspect output $(wc -l <"$out/inspect_$n.sql") lines, pg_dump output $(wc -l <"$out/pg_dump_$n.sql") lines" >&2

    hyperfine --warmup 1 --runs "$RUNS" \
        --export-markdown "$out/inspect_$n.md" --export-json "$out/inspect_$n.json" \
        -n "pgshift inspect" "'$pgshift' inspect '$url' > /dev/null" \
        -n "pg_dump --schema-only" "'$pg_dump' --schema-only '$url' > /dev/null" >&2

    /usr/bin/time -f %M -o "$out/rss_pgshift_$n.txt" "$pgshift" inspect "$url" >/dev/null
    /usr/bin/time -f %M -o "$out/rss_pg_dump_$n.txt" "$pg_dump" --schema-only "$url" >/dev/null

    python3 - "$n" "$out/inspect_$n.json" "$out/rss_pgshift_$n.txt" "$out/rss_pg_dump_$n.txt" >>"$summary" <<'EOF'
import json, sys
n, js, rss_a, rss_b = sys.argv[1:]
res = json.load(open(js))["results"]
a, b = res[0], res[1]
def t(r):
    return f"{r['mean'] * 1000:.0f} ms ± {r['stddev'] * 1000:.0f}"
def mb(path):
    return f"{int(open(path).read().split()[-1]) / 1024:.1f} MiB"
print(f"| {n} | {t(a)} | {t(b)} | {a['mean'] / b['mean']:.2f} | {mb(rss_a)} | {mb(rss_b)} |")
EOF
done

echo
echo "PostgreSQL $server_version, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), runs=$RUNS, seed=$SEED"
cat "$summary"
