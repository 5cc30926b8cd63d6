#!/usr/bin/env bash
# Installs the Node.js packages of the tests' Drizzle project (tests/projects/drizzle: drizzle-kit
# prints its DDL for pgshift's command-source tests), from its package-lock.json with `npm ci`.
# Idempotent: skips the install while node_modules matches the lock file. Installs Node.js and
# npm with apt-get when they are missing. Fails loudly when it cannot.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
project="$root/tests/projects/drizzle"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v npm >/dev/null 2>&1; then
    echo "node-env: installing nodejs npm (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends nodejs npm
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "node-env: npm is still not found; install Node.js (https://nodejs.org) and run this again." >&2
    exit 1
fi

stamp="$project/node_modules/.pgshift-lock.sha256"
want=$(sha256sum "$project/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ] || [ ! -x "$project/node_modules/.bin/drizzle-kit" ]; then
    echo "node-env: npm ci in ${project#"$root"/}" >&2
    (cd "$project" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
fi
if ! (cd "$project" && npx --no-install drizzle-kit --version >/dev/null 2>&1); then
    echo "node-env: drizzle-kit does not run in ${project#"$root"/} after npm ci." >&2
    exit 1
fi
echo "node-env: drizzle-kit ready in ${project#"$root"/}" >&2
