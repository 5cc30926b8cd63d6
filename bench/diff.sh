#!/usr/bin/env bash
# Benchmark: `pgshift diff` against migra and Alembic autogenerate (compare_metadata), diffing a
# generated schema A against a changed variant B of it, measured in the same run on pgshift's
# embedded scratch server.
#
# Usage: bench/diff.sh               (from anywhere; results go to bench/out/)
# Env:   SIZES="1000 5000"           table counts to generate
#        MUTATE=5                    percent of tables changed in B (bench/gen_schema.py --mutate)
#        RUNS=5                      hyperfine runs per command (after one warmup run)
#        SEED=1                      generator seed
#        PYTHON=python3.11           interpreter for the two venvs (else python3)
#
# Installs, when missing: hyperfine and time (apt), and two venvs (their versions conflict:
# migra needs SQLAlchemy 1.4, see the pins below): bench/out/venv with migra,
# bench/out/venv-alembic with Alembic and SQLAlchemy 2.0, both with psycopg2-binary.
#
# For each size N: (re)creates databases pgshift_bench_diff_N_a and _b on the scratch server,
# loads `gen_schema.py --tables N --seed $SEED` into A and the same with `--mutate $MUTATE` into
# B, prints once (not timed) how many changes each tool finds, by kind, with each tool's peak
# RSS, then times with hyperfine, side by side:
#   pgshift diff --from A --to B           (whole process: two inspections, diff and plan)
#   migra --unsafe A B                     (exit status 2, "differences found", counts as success)
#   python bench/alembic_compare.py A B    (reflects B into a MetaData, then compare_metadata
#                                           against A; it logs its compare_metadata-only time)
# and, for where pgshift's time goes, `pgshift inspect A`, `pgshift inspect B` and the diff again
# in a second hyperfine run. Drops the databases at the end.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench/out"
mkdir -p "$out"

SIZES=${SIZES:-"1000 5000"}
MUTATE=${MUTATE:-5}
RUNS=${RUNS:-5}
SEED=${SEED:-1}

# BENCH_MIGRA_PINS (bench/lib.sh) work together on Python 3.11 (migra 3.0.1663481299 is the last release, 2022;
# its sqlbag/schemainspect need SQLAlchemy 1.4: with 2.x sqlbag's session handling breaks, and
# SQLAlchemy 2.1 also makes postgresql:// mean psycopg 3).
ALEMBIC_PINS=(alembic==1.20.1 SQLAlchemy==2.0.58 psycopg2-binary==2.9.13)

# --- tools -----------------------------------------------------------------------------------
source "$root/bench/lib.sh"
bench_install hyperfine time
bench_venv "$out/venv" "${BENCH_MIGRA_PINS[@]}"
bench_venv "$out/venv-alembic" "${ALEMBIC_PINS[@]}"
migra="$out/venv/bin/migra"
alembic_py="$out/venv-alembic/bin/python"

bench_bindir

bench_build


server_version=$("$psql" -X -At -d "$admin_url" -c "SHOW server_version")
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
versions="migra $("$out/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("migra"), "(schemainspect", m.version("schemainspect") + ", sqlbag", m.version("sqlbag") + ", SQLAlchemy", m.version("sqlalchemy") + ")")');"
versions+=" alembic $("$alembic_py" -c 'import importlib.metadata as m; print(m.version("alembic"), "(SQLAlchemy", m.version("sqlalchemy") + ", psycopg2-binary", m.version("psycopg2-binary") + ")")')"
echo "machine: $machine; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "server:  PostgreSQL $server_version; $versions" >&2

summary="$out/diff_summary.md"
{
    echo "| tables | pgshift diff | migra | Alembic (whole process) | Alembic compare_metadata only | pgshift / Alembic compare | pgshift / Alembic whole | pgshift / migra |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} >"$summary"
breakdown="$out/diff_breakdown.md"
{
    echo "| tables | pgshift inspect A | pgshift inspect B | pgshift diff | diff − (inspect A + inspect B) |"
    echo "| ---: | ---: | ---: | ---: | ---: |"
} >"$breakdown"

# Count statements of a migration script by kind (comments dropped; `;` ends a statement).
count_sql() {
    python3 - "$@" <<'EOF'
import collections, re, sys
KINDS = [
    ("create table", r"create table"),
    ("drop table", r"drop table"),
    ("add column", r"alter table \S+ add column"),
    ("drop column", r"alter table \S+ drop column"),
    ("column type", r"alter table \S+ alter column \S+ (set data )?type"),
    ("column default", r"alter table \S+ alter column \S+ (set|drop) default"),
    ("add constraint", r"alter table \S+ add constraint"),
    ("validate constraint", r"alter table \S+ validate constraint"),
    ("drop constraint", r"alter table \S+ drop constraint"),
    ("create index", r"create (unique )?index"),
    ("drop index", r"drop index"),
    ("enum type", r"(alter|create|drop) type"),
    ("sequence", r"(create|alter|drop) sequence"),
    ("comment", r"comment on"),
]
names = sys.argv[1::2]
counts = []
for path in sys.argv[2::2]:
    text = "\n".join(l for l in open(path) if not l.lstrip().startswith("--"))
    c = collections.Counter()
    for stmt in text.split(";"):
        s = " ".join(stmt.split()).lower()
        if not s:
            continue
        for kind, rx in KINDS:
            if re.match(rx, s):
                c[kind] += 1
                break
        else:
            c["other: " + " ".join(s.split()[:3])] += 1
        c["total"] += 1
    counts.append(c)
keys = [k for k, _ in KINDS] + sorted({k for c in counts for k in c if k.startswith("other")}) + ["total"]
print("| statements | " + " | ".join(names) + " |")
print("| --- |" + " ---: |" * len(names))
for k in keys:
    if any(c[k] for c in counts):
        print(f"| {k} | " + " | ".join(str(c[k]) for c in counts) + " |")
EOF
}

for n in $SIZES; do
    db_a="pgshift_bench_diff_${n}_a"
    db_b="pgshift_bench_diff_${n}_b"
    url_a=$(db_url "$admin_url" "$db_a")
    url_b=$(db_url "$admin_url" "$db_b")
    echo "== $n tables, $MUTATE % changed: $db_a -> $db_b" >&2

    python3 "$root/bench/gen_schema.py" --tables "$n" --seed "$SEED" >"$out/diff_a_$n.sql"
    python3 "$root/bench/gen_schema.py" --tables "$n" --seed "$SEED" --mutate "$MUTATE" \
        >"$out/diff_b_$n.sql" 2>"$out/diff_mutations_$n.txt"
    cat "$out/diff_mutations_$n.txt" >&2
    load_start=$(date +%s.%N)
    bench_load "$db_a" "$out/diff_a_$n.sql"
    bench_load "$db_b" "$out/diff_b_$n.sql"
    echo "loaded A and B in $(python3 -c "print(round($(date +%s.%N) - $load_start, 1))") s" >&2

    # Once, not timed: what each tool finds, and its peak RSS.
    /usr/bin/time -f %M -o "$out/diff_rss_pgshift_$n.txt" \
        "$pgshift" diff --from "$url_a" --to "$url_b" >"$out/diff_pgshift_$n.sql"
    rc=0
    /usr/bin/time -q -f %M -o "$out/diff_rss_migra_$n.txt" \
        "$migra" --unsafe "$url_a" "$url_b" >"$out/diff_migra_$n.sql" || rc=$?
    [[ $rc -eq 2 ]] || { echo "migra exited with $rc (expected 2, differences found)" >&2; exit 1; }
    /usr/bin/time -f %M -o "$out/diff_rss_alembic_$n.txt" \
        "$alembic_py" "$root/bench/alembic_compare.py" "$url_a" "$url_b" --summary \
        2>"$out/diff_alembic_summary_$n.txt"
    {
        echo "changes made by gen_schema.py --mutate $MUTATE: $(cut -d: -f2- "$out/diff_mutations_$n.txt")"
        echo
        count_sql pgshift "$out/diff_pgshift_$n.sql" migra "$out/diff_migra_$n.sql"
        echo
        echo "Alembic compare_metadata differences by kind:"
        echo
        sed 1d "$out/diff_alembic_summary_$n.txt"
        echo
        echo "peak RSS: pgshift $(($(tail -n1 "$out/diff_rss_pgshift_$n.txt") / 1024)) MiB," \
            "migra $(($(tail -n1 "$out/diff_rss_migra_$n.txt") / 1024)) MiB," \
            "Alembic script $(($(tail -n1 "$out/diff_rss_alembic_$n.txt") / 1024)) MiB"
    } >"$out/diff_changes_$n.md"
    cat "$out/diff_changes_$n.md" >&2

    # Timed, side by side. The Alembic script appends its own compare_metadata time per run.
    : >"$out/diff_alembic_times_$n.txt"
    hyperfine --warmup 1 --runs "$RUNS" \
        --export-markdown "$out/diff_$n.md" --export-json "$out/diff_$n.json" \
        -n "pgshift diff" "'$pgshift' diff --from '$url_a' --to '$url_b' > /dev/null" \
        -n "migra --unsafe" "'$migra' --unsafe '$url_a' '$url_b' > /dev/null || [ \$? -eq 2 ]" \
        -n "alembic compare_metadata" "'$alembic_py' '$root/bench/alembic_compare.py' '$url_a' '$url_b' 2>> '$out/diff_alembic_times_$n.txt'" >&2

    # Where pgshift's time goes: each inspection alone, and the whole diff, in one run.
    hyperfine --warmup 1 --runs "$RUNS" \
        --export-markdown "$out/diff_breakdown_$n.md" --export-json "$out/diff_breakdown_$n.json" \
        -n "pgshift inspect A" "'$pgshift' inspect '$url_a' > /dev/null" \
        -n "pgshift inspect B" "'$pgshift' inspect '$url_b' > /dev/null" \
        -n "pgshift diff" "'$pgshift' diff --from '$url_a' --to '$url_b' > /dev/null" >&2

    python3 - "$n" "$out/diff_$n.json" "$out/diff_alembic_times_$n.txt" "$out/diff_breakdown_$n.json" \
        "$summary" "$breakdown" <<'EOF'
import json, re, statistics, sys
n, js, times, bjs, summary, breakdown = sys.argv[1:]
res = {r["command"]: r for r in json.load(open(js))["results"]}
p, m, a = res["pgshift diff"], res["migra --unsafe"], res["alembic compare_metadata"]
# One line per Alembic run; the first is hyperfine's warmup run.
cmp = [float(x) for x in re.findall(r"compare_metadata ([0-9.]+) s", open(times).read())][1:]
cm, cs = statistics.mean(cmp), statistics.stdev(cmp) if len(cmp) > 1 else 0.0
def t(mean, sd):
    return f"{mean * 1000:,.0f} ms ± {sd * 1000:,.0f}"
with open(summary, "a") as f:
    print(f"| {int(n):,} | {t(p['mean'], (p['stddev'] or 0))} | {t(m['mean'], (m['stddev'] or 0))} | "
          f"{t(a['mean'], (a['stddev'] or 0))} | {t(cm, cs)} | 1/{cm / p['mean']:.1f} | "
          f"1/{a['mean'] / p['mean']:.1f} | 1/{m['mean'] / p['mean']:.1f} |", file=f)
b = {r["command"]: r for r in json.load(open(bjs))["results"]}
ia, ib, d = b["pgshift inspect A"], b["pgshift inspect B"], b["pgshift diff"]
with open(breakdown, "a") as f:
    print(f"| {int(n):,} | {t(ia['mean'], (ia['stddev'] or 0))} | {t(ib['mean'], (ib['stddev'] or 0))} | "
          f"{t(d['mean'], (d['stddev'] or 0))} | {(d['mean'] - ia['mean'] - ib['mean']) * 1000:,.0f} ms |",
          file=f)
EOF
done

echo
echo "PostgreSQL $server_version, $machine, runs=$RUNS, seed=$SEED, mutate=$MUTATE %"
echo "$versions"
cat "$summary"
echo
cat "$breakdown"
