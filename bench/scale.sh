#!/usr/bin/env bash
# Benchmark: how time and peak memory grow with the schema, for inspect and diff, beside
# `pg_dump --schema-only` and migra, measured in alternating runs in one script run.
#
# Usage: bench/scale.sh              (from anywhere; results go to bench/out/scale_*)
# Env:   SIZES="100 1000 5000 10000" table counts (bench/gen_schema.py)
#        RUNS=5                      runs of each command per size (alternating: pgshift, peer,
#                                    pgshift, peer, ...), after one untimed warm-up of each
#        MUTATE=5                    percent of tables changed in B (gen_schema.py --mutate)
#        SEED=1
#
# For each size N: databases pgshift_bench_scale_N_a (gen_schema.py --tables N) and _b (the
# same with --mutate) on the scratch server. Each run is one process under /usr/bin/time
# (wall seconds and peak RSS, `%e %M`):
#   inspect:  pgshift inspect A  vs  pg_dump --schema-only A     (both to /dev/null)
#   diff:     pgshift diff --from A --to B  vs  migra --unsafe A B
# The table gives the median of the RUNS runs of each, and the ratios. The peers' binaries:
# pg_dump of the scratch server's major (bench_bindir), migra from bench/out/venv (as
# bench/diff.sh installs it).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench/out"
mkdir -p "$out"

SIZES=${SIZES:-"100 1000 5000 10000"}
RUNS=${RUNS:-5}
MUTATE=${MUTATE:-5}
SEED=${SEED:-1}


source "$root/bench/lib.sh"
bench_install time
bench_venv "$out/venv" "${BENCH_MIGRA_PINS[@]}"
migra="$out/venv/bin/migra"
bench_bindir pg_dump
bench_build


# measure NAME CMD...: one run; appends "NAME seconds KiB" to $samples. migra exits 2 when it
# finds differences, which counts as success.
measure() {
    local name=$1
    shift
    local status=0 stats
    /usr/bin/time -o "$out/scale_time.txt" -f "%e %M" "$@" >/dev/null 2>/dev/null || status=$?
    if [[ $status -ne 0 && ! ($name == migra && $status -eq 2) ]]; then
        echo "$name failed (exit status $status): $*" >&2
        exit 1
    fi
    # With a non-zero exit, /usr/bin/time writes a "Command exited …" line first.
    stats=$(tail -n1 "$out/scale_time.txt")
    echo "$name $stats" >>"$samples"
}

# median NAME FIELD(2 = seconds, 3 = KiB)
median() {
    awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$samples" | sort -g | awk '{ a[NR] = $1 } END { m = int((NR + 1) / 2); print a[m] }'
}

# No template databases left by earlier runs beside the measured ones (bench_templates_clean).
eval "$(bench_templates_clean)"

server_version=$("$psql" -X -At -d "$admin_url" -c "SHOW server_version")
echo "machine: $(nproc) cores; PostgreSQL $server_version; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

summary="$out/scale_summary.md"
{
    echo "| tables | pgshift inspect | pg_dump --schema-only | time ratio | pgshift RSS | pg_dump RSS | RSS ratio | pgshift diff | migra | time ratio | pgshift RSS | migra RSS | RSS ratio |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} >"$summary"

for n in $SIZES; do
    db_a="pgshift_bench_scale_${n}_a"
    db_b="pgshift_bench_scale_${n}_b"
    url_a=$(db_url "$admin_url" "$db_a")
    url_b=$(db_url "$admin_url" "$db_b")
    echo "== $n tables" >&2
    python3 "$root/bench/gen_schema.py" --tables "$n" --seed "$SEED" >"$out/scale_a_$n.sql"
    python3 "$root/bench/gen_schema.py" --tables "$n" --seed "$SEED" --mutate "$MUTATE" >"$out/scale_b_$n.sql" 2>/dev/null
    bench_load "$db_a" "$out/scale_a_$n.sql"
    bench_load "$db_b" "$out/scale_b_$n.sql"

    samples="$out/scale_samples_$n.txt"
    : >"$samples"
    # Warm-up (not counted): caches of the server and of the file system.
    "$pgshift" inspect "$url_a" >/dev/null
    "$bindir/pg_dump" --schema-only -d "$url_a" >/dev/null
    "$pgshift" diff --from "$url_a" --to "$url_b" >/dev/null
    "$migra" --unsafe "$url_a" "$url_b" >/dev/null || [[ $? -eq 2 ]]
    for ((i = 1; i <= RUNS; i++)); do
        measure pgshift_inspect "$pgshift" inspect "$url_a"
        measure pg_dump "$bindir/pg_dump" --schema-only -d "$url_a"
        measure pgshift_diff "$pgshift" diff --from "$url_a" --to "$url_b"
        measure migra "$migra" --unsafe "$url_a" "$url_b"
        echo "  run $i/$RUNS done" >&2
    done
    row() { # NAME_A NAME_B
        local ta tb ma mb
        ta=$(median "$1" 2) tb=$(median "$2" 2) ma=$(median "$1" 3) mb=$(median "$2" 3)
        awk -v ta="$ta" -v tb="$tb" -v ma="$ma" -v mb="$mb" 'BEGIN {
            printf " %.2f s | %.2f s | %.2f | %.0f MiB | %.0f MiB | %.2f |", ta, tb, ta / tb, ma / 1024, mb / 1024, ma / mb }'
    }
    printf '| %s |%s%s\n' "$(printf "%'d" "$n")" "$(row pgshift_inspect pg_dump)" "$(row pgshift_diff migra)" >>"$summary"
done

echo >&2
echo "medians of $RUNS alternating runs (wall time, peak RSS); raw samples in $out/scale_samples_*.txt" >&2
cat "$summary"
