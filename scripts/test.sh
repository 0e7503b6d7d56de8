#!/usr/bin/env bash
# The one test command (`npm test`): Rego lint and unit tests with coverage, policy fixtures through the
# shipped wasm, then the TypeScript suites. Installs the pinned OPA and Regal on first use.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OPA="$(bash scripts/install-opa.sh)"
export OPA

echo "== rego: taskguard lint (opa fmt, opa check --strict, Regal; builds the pinned Regal on first use)"
node --import tsx src/cli/entry.ts lint --fail-level warning

echo "== rego: opa test with coverage"
bash scripts/opa-coverage.sh "$OPA"

echo "== typescript: typecheck"
node node_modules/typescript/bin/tsc -p tsconfig.json --noEmit

echo "== package: build dist/, publint, are-the-types-wrong (ESM only)"
npm run --silent build:ts
node_modules/.bin/publint --strict
node_modules/.bin/attw --pack . --profile esm-only --format table-flipped --no-color

echo "== fixtures through the committed wasm bundle"
node --import tsx src/cli/entry.ts test fixtures

echo "== postgresql for the store, audit and many-host suites"
if [ "${TASKGUARD_SKIP_POSTGRES:-}" = "1" ]; then
  echo "skipped: TASKGUARD_SKIP_POSTGRES=1 (the PostgreSQL suites report themselves as skipped)"
elif [ -z "${TASKGUARD_TEST_POSTGRES_URL:-}" ]; then
  # A throwaway cluster on 127.0.0.1 for this run only (installed from Debian packages when missing).
  PG_DIR="/tmp/taskguard-pg-$$"
  trap 'bash scripts/postgres-test.sh stop "$PG_DIR" >/dev/null 2>&1 || true; rm -rf "$PG_DIR"' EXIT
  eval "$(bash scripts/postgres-test.sh start "$PG_DIR")"
fi

echo "== node test runner"
mapfile -t files < <(find test -name "*.test.ts" ! -path "test/attacks/*" | sort)
node --import tsx --test --test-reporter=spec "${files[@]}"

echo "== attack catalog"
npm run --silent test:attacks
