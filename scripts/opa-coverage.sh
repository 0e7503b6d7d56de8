#!/usr/bin/env bash
# Runs `opa test` on policies/ and fails below the coverage floor, printing the figure.
set -euo pipefail
OPA="${1:?usage: opa-coverage.sh /path/to/opa}"
FLOOR="${COVERAGE_FLOOR:-90}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
"$OPA" test policies/ --ignore build
cov="$("$OPA" test policies/ --ignore build --coverage | node -e '
let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  const report = JSON.parse(s);
  const files = report.files || {};
  const lines = Object.entries(files).filter(([f]) => !f.endsWith("_test.rego"));
  let covered = 0, total = 0;
  for (const [, f] of lines) { covered += f.covered_lines || 0; total += (f.covered_lines || 0) + (f.not_covered_lines || 0); }
  process.stdout.write((total ? (100 * covered) / total : 0).toFixed(1));
});')"
echo "opa test coverage (policy files, tests excluded): ${cov}%  (floor ${FLOOR}%)"
node -e "process.exit(Number('$cov') >= Number('$FLOOR') ? 0 : 1)" || { echo "coverage ${cov}% is below ${FLOOR}%" >&2; exit 1; }
