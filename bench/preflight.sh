#!/usr/bin/env bash
# Benchmark: `pgshift preflight` on a database of 1,000 tables with rows, a pending migration
# whose data-dependent steps touch TOUCHED of them (a CHECK, a NOT NULL and a UNIQUE each).
#
# Usage: bench/preflight.sh           (from anywhere; results go to bench/out/)
# Env:   TABLES=1000 TOUCHED=100 ROWS=1000 RUNS=10
#
# Builds pgshift in release mode, creates the database pgshift_bench_preflight on the scratch
# server from bench/gen_schema.py --tables TABLES plus, in each table, a column `n bigint` with
# ROWS rows (n = 1..ROWS, the other columns NULL or their default) — the proofs read real rows.
# The pending migration (bench/out/preflight_migrations/) adds to each of the first TOUCHED
# tables `CHECK (n > 0)`, `SET NOT NULL` on n and `UNIQUE (n)`: 3 × TOUCHED proofs, all passing.
# Times `pgshift preflight` (one READ ONLY transaction, one catalog query, one proof per step)
# with hyperfine; no peer tool has a preflight.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench/out"
mkdir -p "$out"

TABLES=${TABLES:-1000}
TOUCHED=${TOUCHED:-100}
ROWS=${ROWS:-1000}
RUNS=${RUNS:-10}

source "$root/bench/lib.sh"
bench_install hyperfine
bench_bindir
bench_build

db=pgshift_bench_preflight
url=$(db_url "$admin_url" "$db")
created+=("$db")
"$psql" -q -X -v ON_ERROR_STOP=1 -d "$admin_url" -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
python3 "$root/bench/gen_schema.py" --tables "$TABLES" >"$out/preflight_schema.sql"
"$psql" -q -X -v ON_ERROR_STOP=1 -d "$url" -f "$out/preflight_schema.sql" >/dev/null
# A bigint column with ROWS rows in every table: the generated NOT NULL columns without a default,
# keys, CHECKs, foreign keys and unique indexes are dropped first so that rows of only `n` fit.
"$psql" -q -X -v ON_ERROR_STOP=1 -d "$url" <<SQL >/dev/null
DO \$\$
DECLARE tr record; col record;
BEGIN
  FOR col IN SELECT f.conrelid::regclass AS rel, f.conname FROM pg_constraint f JOIN pg_namespace s ON s.oid = f.connamespace
             WHERE f.contype = 'f' AND s.nspname IN ('public', 'app') LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', col.rel, col.conname);
  END LOOP;
  FOR tr IN SELECT k.oid::regclass AS rel FROM pg_class k JOIN pg_namespace s ON s.oid = k.relnamespace
            WHERE k.relkind = 'r' AND s.nspname IN ('public', 'app') LOOP
    FOR col IN SELECT conname FROM pg_constraint WHERE conrelid = tr.rel AND contype IN ('c', 'f', 'u', 'x', 'p') LOOP
      EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', tr.rel, col.conname);
    END LOOP;
    FOR col IN SELECT i.indexrelid::regclass AS idx FROM pg_index i WHERE i.indrelid = tr.rel AND i.indisunique AND NOT i.indisprimary LOOP
      EXECUTE format('DROP INDEX %s', col.idx);
    END LOOP;
    FOR col IN SELECT a.attname FROM pg_attribute a
               WHERE a.attrelid = tr.rel AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull
                 AND a.atthasdef = false AND a.attidentity = '' LOOP
      EXECUTE format('ALTER TABLE %s ALTER COLUMN %I DROP NOT NULL', tr.rel, col.attname);
    END LOOP;
    EXECUTE format('ALTER TABLE %s ADD COLUMN n bigint', tr.rel);
    EXECUTE format('INSERT INTO %s (n) SELECT g FROM generate_series(1, $ROWS) g', tr.rel);
  END LOOP;
END \$\$;
ANALYZE;
SQL

# The pending migration: a CHECK, a NOT NULL and a UNIQUE on the first TOUCHED tables.
migrations="$out/preflight_migrations"
rm -rf "$migrations"
mkdir -p "$migrations"
{
    printf -- '-- pgshift revision: 0000000000ff\n-- message: constraints\n\n-- up\n'
    "$psql" -X -At -d "$url" -c "SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname IN ('public', 'app') ORDER BY c.relname LIMIT $TOUCHED" |
        while read -r rel; do
            base=${rel##*.}
            base=${base//\"/}
            printf 'ALTER TABLE %s ADD CONSTRAINT %s_n_pos CHECK (n > 0);\n' "$rel" "$base"
            printf 'ALTER TABLE %s ALTER COLUMN n SET NOT NULL;\n' "$rel"
            printf 'ALTER TABLE %s ADD CONSTRAINT %s_n_key UNIQUE (n);\n' "$rel" "$base"
        done
} >"$migrations/0000000000ff_constraints.sql"

work="$out/preflight_work" # an empty working directory: no pgshift.toml
mkdir -p "$work"
cd "$work"
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "machine: $machine; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$pgshift" preflight --migrations "$migrations" --database-url "$url" --json >"$out/preflight_report.json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("report:", json.dumps(r)[:300])' "$out/preflight_report.json" >&2

hyperfine -N --warmup 1 --runs "$RUNS" \
    --command-name "pgshift preflight ($((TOUCHED * 3)) steps on $TOUCHED of $TABLES tables, $ROWS rows each)" \
    "$pgshift preflight --migrations $migrations --database-url $url" \
    --export-markdown "$out/preflight.md" --export-json "$out/preflight.json"
