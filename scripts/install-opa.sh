#!/usr/bin/env bash
# Installs the pinned OPA CLI into tools/opa-<version>/ with `go install` (the Go module proxy is the only
# source we may fetch from; prebuilt release binaries are off limits). Idempotent: a matching binary is kept.
# Prints the path of the binary on stdout, progress on stderr. OPA=/path/to/opa skips all of this.
set -euo pipefail
OPA_VERSION="${OPA_VERSION:-1.22.2}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ -n "${OPA:-}" ]; then
  [ -x "$OPA" ] || { echo "install-opa: OPA=$OPA is not an executable file" >&2; exit 1; }
  echo "$OPA"; exit 0
fi

bindir="$root/tools/opa-$OPA_VERSION"
bin="$bindir/opa"
# Capture, then match: piping into `grep -q` under pipefail fails at random when opa dies of SIGPIPE.
has_version() { local out; out="$("$1" version 2>/dev/null)" || return 1; [[ "$out" == "Version: $OPA_VERSION"$'\n'* ]]; }

if [ -x "$bin" ] && has_version "$bin"; then
  echo "$bin"; exit 0
fi

command -v go >/dev/null || { echo "install-opa: go is not on PATH; install Go or set OPA=/path/to/opa" >&2; exit 1; }
echo "install-opa: building opa v$OPA_VERSION with go install (first run only, a few minutes)..." >&2
mkdir -p "$bindir"
start=$(date +%s)
GOBIN="$bindir" GOFLAGS="-trimpath" go install "github.com/open-policy-agent/opa@v$OPA_VERSION" >&2
has_version "$bin" || { echo "install-opa: built binary is not v$OPA_VERSION" >&2; exit 1; }
echo "install-opa: done in $(( $(date +%s) - start ))s -> $bin" >&2
echo "$bin"
