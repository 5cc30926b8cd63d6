#!/usr/bin/env bash
# Runs the whole real-schema conformance suite on ../shared/corpus (or $PGSHIFT_CORPUS) and prints
# its summary: every evolution case converged both ways with a generated row in every table, and
# every corpus schema through inspect, new and adopt. CI runs the same two tests.
#   scripts/conformance.sh                  all of it
#   PGSHIFT_CONFORMANCE=lago-api scripts/conformance.sh   the cases/schemas whose name contains it
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test -q -p pgshift-plan --test conformance -- --nocapture 2>&1 | sed -n '/^== conformance/,$p'
cargo test -q -p pgshift-cli --test corpus_schemas -- --nocapture 2>&1 | grep -E '^[a-z_-]+: (ok|[0-9.]+ s)$|failed|test result'
