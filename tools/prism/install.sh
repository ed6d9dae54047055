#!/usr/bin/env bash
# Installs the pinned Prism (package.json + package-lock.json) into tools/prism/node_modules, once:
# it is reinstalled only when the pins change. tests/prism.rs runs it before starting
# `prism mock` on 127.0.0.1; .ci/run runs it first so that the install shows in CI's log.
# Needs node and npm, and the npm registry.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prism="$here/node_modules/.bin/prism"
stamp="$here/node_modules/.prism-lock.sha256"

digest() {
  if command -v sha256sum >/dev/null 2>&1; then
    cat "$@" | sha256sum | cut -d' ' -f1
  else
    cat "$@" | shasum -a 256 | cut -d' ' -f1
  fi
}

want="$(digest "$here/package.json" "$here/package-lock.json")"
if [[ -x "$prism" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
printf 'prism: installing @stoplight/prism-cli from package-lock.json (npm ci)\n' >&2
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2
printf '%s\n' "$want" >"$stamp"
