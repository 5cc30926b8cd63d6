#!/usr/bin/env bash
# Benchmark: `pgshift lint` against squawk on the same migration files, measured side by side
# in one run.
#
# Usage: bench/lint.sh                (from anywhere; results go to bench/out/)
# Env:   REVISIONS=40                 revisions to generate (bench/gen_history.py, as bench/apply.sh)
#        RUNS=30                      hyperfine runs per command (after 3 warmup runs)
#        SQUAWK=2.70.0                squawk-cli version (PyPI wheel with the prebuilt binary)
#
# Installs, when missing: hyperfine (apt) and a venv bench/out/venv-squawk with squawk-cli.
# Generates the 40-revision history of bench/apply.sh (bench/out/lint_pgshift/*.sql: per revision
# a CREATE TABLE, CREATE INDEX, ADD COLUMN, CHECK, FOREIGN KEY and an INSERT … SELECT), then
# times, each as a whole process that reads every file:
#   pgshift lint --migrations DIR     (every revision; exit 1 on error findings is expected)
#   squawk DIR/*.sql                  (every file, its default rules)
# Both report findings on these files (index without CONCURRENTLY, CHECK/FK without NOT VALID);
# the counts are printed once, untimed. No database is needed by either.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench/out"
mkdir -p "$out"

REVISIONS=${REVISIONS:-40}
RUNS=${RUNS:-30}
SQUAWK=${SQUAWK:-2.70.0}

source "$root/bench/lib.sh"
bench_install hyperfine
bench_bindir
bench_build

venv="$out/venv-squawk"
bench_venv "$venv" "squawk-cli==$SQUAWK"
squawk="$venv/bin/squawk"

migrations="$out/lint_pgshift"
rm -rf "$migrations" "$out/lint_alembic"
python3 "$root/bench/gen_history.py" --revisions "$REVISIONS" --rows 200 \
    --pgshift "$migrations" --alembic "$out/lint_alembic" --url "postgresql+psycopg://unused" --sql "$out/lint_all.sql"
work="$out/lint_work" # an empty working directory: no pgshift.toml
mkdir -p "$work"
cd "$work"

machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "machine: $machine; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "tools:   $("$pgshift" --version); squawk $("$squawk" --version 2>/dev/null | tr -d '\n')" >&2

# Findings, once (untimed): what each tool reports on the same files.
pg_findings=$("$pgshift" lint --migrations "$migrations" --json 2>/dev/null | python3 -c 'import json,sys,collections; f=json.load(sys.stdin); print(len(f), dict(collections.Counter(x["rule"] for x in f)))' || true)
sq_findings=$("$squawk" --reporter json "$migrations"/*.sql 2>/dev/null | python3 -c 'import json,sys,collections; f=json.load(sys.stdin); print(len(f), dict(collections.Counter(x.get("rule_name", "?") for x in f)))' || true)
echo "pgshift findings: $pg_findings" >&2
echo "squawk findings:  $sq_findings" >&2

# Both exit non-zero when they find something: -i keeps hyperfine going.
hyperfine -N -i --warmup 3 --runs "$RUNS" \
    --command-name "pgshift lint ($REVISIONS revisions)" "$pgshift lint --migrations $migrations" \
    --command-name "squawk ($REVISIONS files)" "$squawk $(ls "$migrations"/*.sql | tr '\n' ' ')" \
    --export-markdown "$out/lint.md" --export-json "$out/lint.json"

python3 - "$out/lint.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
(pg_name, pg), (sq_name, sq) = [(k, v) for k, v in r.items() if k.startswith("pgshift")][0], [(k, v) for k, v in r.items() if k.startswith("squawk")][0]
print(f"{pg_name}: {pg['mean']*1000:.1f} ms ± {pg['stddev']*1000:.1f}; {sq_name}: {sq['mean']*1000:.1f} ms ± {sq['stddev']*1000:.1f}; ratio {pg['mean']/sq['mean']:.2f}")
PY
