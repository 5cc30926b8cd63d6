#!/usr/bin/env bash
# Benchmark: `pgshift upgrade` against `alembic upgrade head` on the same 40-revision history,
# measured in the same run on pgshift's embedded scratch server.
#
# Usage: bench/apply.sh               (from anywhere; results go to bench/out/)
# Env:   REVISIONS=40                 revisions to generate (bench/gen_history.py)
#        ROWS=200                     rows inserted per revision
#        HEAD_RUNS=40                 hyperfine runs per command at head (after 3 warmup runs)
#        REPLAY_RUNS=10               hyperfine runs per command of the replay (after 1 warmup)
#        PYTHON=python3.11            interpreter for the venv (else python3)
#
# Installs, when missing: hyperfine (apt) and a venv bench/out/venv-apply with Alembic,
# SQLAlchemy 2.0 and psycopg 3 (binary).
#
# Generates the history twice with `gen_history.py` (bench/out/apply_pgshift/*.sql and the
# Alembic project bench/out/apply_alembic/, SQLAlchemy URL postgresql+psycopg://…?host=SOCKETDIR),
# then:
#   (a) at head: databases pgshift_bench_apply_pg and _al are upgraded once, then
#       `hyperfine -N` times `pgshift upgrade --migrations … --database-url …` and
#       `alembic -c …/alembic.ini upgrade head`, both with nothing to do, as whole processes;
#   (b) replay: `hyperfine --prepare` drops and recreates the database (not timed) before each
#       run of either tool, which then applies all revisions to the empty database; as a floor,
#       the same SQL alone is timed too (`psql -1 -f bench/out/apply_all.sql`, database _sql).
# Checks once (not timed) that both tools leave the same schema (`pgshift inspect`, ledger
# tables excluded). Drops the databases at the end.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench/out"
mkdir -p "$out"

REVISIONS=${REVISIONS:-40}
ROWS=${ROWS:-200}
HEAD_RUNS=${HEAD_RUNS:-40}
REPLAY_RUNS=${REPLAY_RUNS:-10}

# --- tools -----------------------------------------------------------------------------------
source "$root/bench/lib.sh"
bench_install hyperfine
bench_alembic_venv

bench_bindir

bench_build

db_pg=pgshift_bench_apply_pg
db_al=pgshift_bench_apply_al
db_sql=pgshift_bench_apply_sql
url_pg=$(db_url "$admin_url" "$db_pg")
url_al=$(db_url "$admin_url" "$db_al")
# SQLAlchemy with psycopg 3 over the unix socket: postgresql+psycopg://user@/db?host=DIR&port=N
sa_url="postgresql+psycopg://${url_al#postgresql://}"

created+=("$db_pg" "$db_al" "$db_sql")

# The statement hyperfine's --prepare runs: an empty database.
# The CHECKPOINT makes each timed run start with no dirty buffers of the previous one (DROP
# DATABASE forces a checkpoint whose writes otherwise spill into the next timed run).
recreate() { # recreate DB: the psql command line that drops and creates DB
    printf '%q -q -X -v ON_ERROR_STOP=1 -d %q -c %q -c %q -c %q -c %q' "$psql" "$admin_url" \
        "SET client_min_messages = warning" "DROP DATABASE IF EXISTS $1 WITH (FORCE)" "CREATE DATABASE $1" "CHECKPOINT"
}

# --- history -----------------------------------------------------------------------------------
migrations="$out/apply_pgshift"
project="$out/apply_alembic"
rm -rf "$migrations" "$project"
python3 "$root/bench/gen_history.py" --revisions "$REVISIONS" --rows "$ROWS" \
    --pgshift "$migrations" --alembic "$project" --url "$sa_url" --sql "$out/apply_all.sql"
work="$out/apply_work" # an empty working directory: no pgshift.toml
mkdir -p "$work"
cd "$work"

# Plain (for `hyperfine -N`, which splits on spaces; no path here has one) and shell-quoted
# (for hyperfine's default shell: the URL holds `?` and `&`).
pg_cmd="$pgshift upgrade --migrations $migrations --database-url $url_pg"
al_cmd="$alembic -c $project/alembic.ini upgrade head"
pg_sh=$(printf '%q ' "$pgshift" upgrade --migrations "$migrations" --database-url "$url_pg")
al_sh=$(printf '%q ' "$alembic" -c "$project/alembic.ini" upgrade head)
# The floor: the same SQL alone, one psql session, one transaction, no ledger.
sql_sh=$(printf '%q ' "$psql" -X -q -1 -v ON_ERROR_STOP=1 -d "$(db_url "$admin_url" "$db_sql")" -f "$out/apply_all.sql")

server_version=$("$psql" -X -At -d "$admin_url" -c "SHOW server_version")
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
versions=$("$venv/bin/python" -c 'import importlib.metadata as m, sys; print("alembic", m.version("alembic") + ", SQLAlchemy", m.version("sqlalchemy") + ", psycopg", m.version("psycopg") + ", Python", sys.version.split()[0])')
echo "machine: $machine; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "server:  PostgreSQL $server_version; $versions; $("$pgshift" --version 2>/dev/null || echo 'pgshift ?')" >&2

# --- same result, once -------------------------------------------------------------------------
eval "$(recreate "$db_pg")"
eval "$(recreate "$db_al")"
$pg_cmd 2>/dev/null
$al_cmd 2>/dev/null
excl=(--exclude pgshift_revisions --exclude pgshift_log --exclude pgshift_progress --exclude 'pgshift_*_seq' --exclude alembic_version)
"$pgshift" inspect "$url_pg" "${excl[@]}" >"$out/apply_schema_pgshift.sql"
"$pgshift" inspect "$url_al" "${excl[@]}" >"$out/apply_schema_alembic.sql"
if cmp -s "$out/apply_schema_pgshift.sql" "$out/apply_schema_alembic.sql"; then
    echo "same schema after both replays ($(grep -c '^CREATE TABLE' "$out/apply_schema_pgshift.sql") tables)" >&2
else
    echo "the two tools left different schemas:" >&2
    diff "$out/apply_schema_pgshift.sql" "$out/apply_schema_alembic.sql" | head -20 >&2
    exit 1
fi

# --- (a) at head -------------------------------------------------------------------------------
hyperfine -N --warmup 3 --runs "$HEAD_RUNS" \
    --command-name "pgshift upgrade (at head)" "$pg_cmd" \
    --command-name "alembic upgrade head (at head)" "$al_cmd" \
    --export-markdown "$out/apply_head.md" --export-json "$out/apply_head.json"

# --- (b) replay on an empty database -------------------------------------------------------------
hyperfine --warmup 1 --runs "$REPLAY_RUNS" \
    --prepare "$(recreate "$db_pg")" --command-name "pgshift upgrade ($REVISIONS revisions)" "$pg_sh" \
    --prepare "$(recreate "$db_al")" --command-name "alembic upgrade head ($REVISIONS revisions)" "$al_sh" \
    --prepare "$(recreate "$db_sql")" --command-name "psql -1 -f (the same SQL alone)" "$sql_sh" \
    --export-markdown "$out/apply_replay.md" --export-json "$out/apply_replay.json"

# The last replay of each tool did apply everything.
applied_pg=$("$psql" -X -At -d "$url_pg" -c "SELECT count(*) FROM pgshift_revisions")
head_al=$("$psql" -X -At -d "$url_al" -c "SELECT version_num FROM alembic_version")
last=$(ls "$migrations" | tail -n1 | sed -E 's/^[0-9]+_([0-9a-f]+)\.sql$/\1/')
if [[ $applied_pg != "$REVISIONS" || $head_al != "$last" ]]; then
    echo "a replay did not reach head: pgshift applied $applied_pg, alembic at $head_al (head $last)" >&2
    exit 1
fi

python3 - "$out/apply_head.json" "$out/apply_replay.json" >"$out/apply_summary.md" <<'EOF'
import json, sys
def ms(r):
    return f"{r['mean'] * 1000:,.1f} ms ± {(r['stddev'] or 0) * 1000:,.1f}"
print("| case | pgshift (mean ± σ) | Alembic (mean ± σ) | pgshift / Alembic | target | met |")
print("| --- | ---: | ---: | ---: | ---: | --- |")
for path, case, target in ((sys.argv[1], "at head", 50), (sys.argv[2], "replay", 5)):
    pg, al = json.load(open(path))["results"][:2]
    ratio = al["mean"] / pg["mean"]
    print(f"| {case} | {ms(pg)} | {ms(al)} | 1/{ratio:.1f} | ≤ 1/{target} | {'yes' if ratio >= target else 'no'} |")
EOF
python3 - "$out/apply_replay.json" >>"$out/apply_summary.md" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
if len(r) > 2:
    print(f"\nThe same SQL alone (psql -1 -f, one transaction): {r[2]['mean'] * 1000:,.1f} ms ± {(r[2]['stddev'] or 0) * 1000:,.1f};"
          f" pgshift spends {(r[0]['mean'] - r[2]['mean']) * 1000:,.1f} ms more, Alembic {(r[1]['mean'] - r[2]['mean']) * 1000:,.1f} ms more.")
EOF
cat "$out/apply_summary.md"
