#!/usr/bin/env bash
# Benchmark: `pgshift seed sync` of ROWS declared rows, mostly unchanged, against a database on
# the scratch server (target: < 2 s wall at 50,000 rows).
#
# Usage: bench/seed.sh            (from anywhere; results go to bench/out/seed/)
# Env:   ROWS=50000               declared rows of table `item` (plus 50 of `category`)
#        CHANGED=100              rows hand-edited in the database before every timed run
#        RUNS=10                  hyperfine runs per command (after one warmup run)
#
# The project (bench/out/seed/project): schema/app.sql with `category` (slug, name) and `item`
# (sku, name, price numeric(10,2), category_id -> category, attrs jsonb, active boolean; unique
# sku); data/categories.toml (50 rows) and data/items.toml, whose rows come from the bulk list
# data/items.json (ROWS objects, each with a reference `{"ref": "category", "slug": "c17"}` and
# a jsonb value) through `rows_from`. The database is created,
# given the schema and synced once; then before each timed run CHANGED rows get another price
# (hyperfine --prepare), so each `seed sync` restores CHANGED rows and leaves the rest.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench/out/seed"
mkdir -p "$out"

ROWS=${ROWS:-50000}
CHANGED=${CHANGED:-100}
RUNS=${RUNS:-10}

source "$root/bench/lib.sh"
bench_install hyperfine time
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 2; }
bench_bindir
bench_build

project="$out/project"
rm -rf "$project"
mkdir -p "$project/schema" "$project/data"
cat >"$project/schema/app.sql" <<'SQL'
CREATE TABLE category (id serial PRIMARY KEY, slug text NOT NULL UNIQUE, name text NOT NULL);
CREATE TABLE item (
    id bigserial PRIMARY KEY,
    sku text NOT NULL UNIQUE,
    name text NOT NULL,
    price numeric(10, 2) NOT NULL,
    category_id integer NOT NULL REFERENCES category (id),
    attrs jsonb NOT NULL DEFAULT '{}',
    active boolean NOT NULL DEFAULT true
);
SQL
python3 - "$project/data" "$ROWS" <<'PY'
import json, sys
data, rows = sys.argv[1], int(sys.argv[2])
with open(f"{data}/categories.toml", "w") as f:
    f.write('table = "category"\nkey = "slug"\n')
    for c in range(50):
        f.write(f'\n[[rows]]\nslug = "c{c}"\nname = "Category {c}"\n')
# The bulk list: a JSON file read by items.toml's rows_from.
items = [{"sku": f"sku-{i:06d}", "name": f"Item {i}", "price": f"{i % 1000}.{i % 100:02d}",
          "category": {"ref": "category", "slug": f"c{i % 50}"},
          "attrs": {"weight": i % 17, "colour": f"c{i % 7}"}, "active": i % 3 != 0} for i in range(rows)]
with open(f"{data}/items.json", "w") as f:
    json.dump(items, f)
with open(f"{data}/items.toml", "w") as f:
    f.write('table = "item"\nkey = "sku"\n\n[[rows_from]]\nfile = "items.json"\n'
            'columns = { sku = "sku", name = "name", price = "price", category_id = "category", attrs = "attrs", active = "active" }\n')
PY

db="pgshift_bench_seed"
url=$(db_url "$admin_url" "$db")
"$psql" -q -X -v ON_ERROR_STOP=1 -d "$admin_url" -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" -c "CREATE DATABASE \"$db\""
created+=("$db")
"$psql" -q -X -v ON_ERROR_STOP=1 -d "$url" -f "$project/schema/app.sql"

cd "$project"
export DATABASE_URL="$url"
first_start=$(date +%s.%N)
"$pgshift" seed sync >/dev/null
echo "first sync (inserts $ROWS + 50 rows): $(python3 -c "print(round($(date +%s.%N) - $first_start, 2))") s" >&2
"$psql" -q -X -d "$url" -c "VACUUM ANALYZE"
edit="'$psql' -q -X -d '$url' -c 'UPDATE item SET price = price + 1 WHERE id % ($ROWS / $CHANGED) = 0'"
echo "rows per edit: $("$psql" -X -At -d "$url" -c "SELECT count(*) FROM item WHERE id % ($ROWS / $CHANGED) = 0")" >&2

hyperfine --warmup 1 --runs "$RUNS" --prepare "$edit" \
    --export-markdown "$out/seed.md" --export-json "$out/seed.json" \
    -n "seed sync ($CHANGED of $ROWS changed)" "'$pgshift' seed sync > /dev/null 2>&1" \
    -n "seed diff ($CHANGED of $ROWS changed)" "'$pgshift' seed diff > /dev/null 2>&1" >&2
hyperfine --warmup 1 --runs "$RUNS" \
    --export-markdown "$out/seed_noop.md" \
    -n "seed sync (nothing changed)" "'$pgshift' seed sync > /dev/null 2>&1" >&2
/usr/bin/time -f "%e s wall, %U s user, %M KiB peak RSS" "$pgshift" seed sync >/dev/null 2>"$out/time.txt" || true
"$pgshift" seed check >/dev/null 2>&1 && echo "check after sync: no differences" >&2

echo
echo "PostgreSQL $("$psql" -X -At -d "$admin_url" -c "SHOW server_version"), $(nproc) cores, ROWS=$ROWS CHANGED=$CHANGED RUNS=$RUNS"
cat "$out/seed.md" "$out/seed_noop.md"
tail -n1 "$out/time.txt"
