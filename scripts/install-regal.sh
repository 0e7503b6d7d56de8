#!/usr/bin/env bash
# Builds the pinned Regal (the Rego linter) into tools/regal-<version>/ from its Go module, the way
# scripts/install-opa.sh builds OPA. Not `go install ...@version`: that reads the module's @v/list for its
# deprecation check, which the proxy here refuses (403); downloading the module and building inside it
# needs only the pinned version. Idempotent: an existing binary is kept (Regal built without release
# ldflags reports "Version: unknown", so the folder name is the pin). Prints the binary's path on stdout,
# progress on stderr. REGAL=/path/to/regal skips all of this.
set -euo pipefail
REGAL_VERSION="${REGAL_VERSION:-0.42.0}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ -n "${REGAL:-}" ]; then
  [ -x "$REGAL" ] || { echo "install-regal: REGAL=$REGAL is not an executable file" >&2; exit 1; }
  echo "$REGAL"; exit 0
fi

bindir="$root/tools/regal-$REGAL_VERSION"
bin="$bindir/regal"
if [ -x "$bin" ] && "$bin" version >/dev/null 2>&1; then
  echo "$bin"; exit 0
fi

command -v go >/dev/null || { echo "install-regal: go is not on PATH; install Go or set REGAL=/path/to/regal" >&2; exit 1; }
echo "install-regal: building regal v$REGAL_VERSION from its Go module (first run only, about a minute)..." >&2
start=$(date +%s)
module="$(go mod download -json "github.com/open-policy-agent/regal@v$REGAL_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -n "$module" ] && [ -d "$module" ] || { echo "install-regal: go mod download gave no module folder" >&2; exit 1; }
mkdir -p "$bindir"
# Build to a temporary name and rename: an interrupted build never leaves a half-written binary at $bin.
(cd "$module" && GOFLAGS="-trimpath -buildvcs=false" go build -o "$bin.next" .) >&2
mv "$bin.next" "$bin"
"$bin" version >/dev/null 2>&1 || { echo "install-regal: the built binary does not run" >&2; exit 1; }
echo "install-regal: done in $(( $(date +%s) - start ))s -> $bin" >&2
echo "$bin"
