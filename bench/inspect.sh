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
source "$root/bench/lib.sh"
bench_install hyperfine time
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 2; }

bench_bindir pg_dump
pg_dump="$bindir/pg_dump"

bench_build

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
    return f"{r['mean'] * 1000:.0f} ms ± {(r['stddev'] or 0) * 1000:.0f}"
def mb(path):
    return f"{int(open(path).read().split()[-1]) / 1024:.1f} MiB"
print(f"| {n} | {t(a)} | {t(b)} | {a['mean'] / b['mean']:.2f} | {mb(rss_a)} | {mb(rss_b)} |")
EOF
done

echo
echo "PostgreSQL $server_version, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), runs=$RUNS, seed=$SEED"
cat "$summary"
