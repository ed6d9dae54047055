#!/usr/bin/env bash
# Lints the hand-written OpenAPI descriptions in spec/ with two pinned tools:
#   openapi-spec-validator (requirements.txt, installed into tools/spec-lint/.venv)
#   Redocly CLI            (package.json + package-lock.json, installed into tools/spec-lint/node_modules)
# Both are installed on first use and reinstalled when their pins change, so the
# script works from a fresh clone with only node, npm and python3 available.
#
# Usage: tools/spec-lint/run.sh [SPEC.yaml ...]     (default: every spec/*.yaml)
# Prints one line per spec; exits non-zero if any spec has an error.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
redocly="$here/node_modules/.bin/redocly"

# Keep Redocly CLI offline apart from the registry install: no telemetry, no update check.
export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true

log() { printf 'spec-lint: %s\n' "$*" >&2; }

digest() {
  if command -v sha256sum >/dev/null 2>&1; then
    cat "$@" | sha256sum | cut -d' ' -f1
  else
    cat "$@" | shasum -a 256 | cut -d' ' -f1
  fi
}

install_redocly() {
  local stamp="$here/node_modules/.spec-lint-lock.sha256"
  local want
  want="$(digest "$here/package.json" "$here/package-lock.json")"
  if [[ -x "$redocly" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return
  fi
  log "installing Redocly CLI from package-lock.json (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2
  printf '%s\n' "$want" >"$stamp"
}

install_validator() {
  local stamp="$venv/.spec-lint-requirements.sha256"
  local want
  want="$(digest "$here/requirements.txt")"
  if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "creating Python virtual environment in tools/spec-lint/.venv"
    rm -rf "$venv"
    if ! python3 -m venv "$venv" >&2; then
      # Debian-style Pythons without ensurepip: make the venv bare and let the
      # system pip install into it (pip >= 22.3 understands --python).
      rm -rf "$venv"
      python3 -m venv --without-pip "$venv" >&2
    fi
  fi
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return
  fi
  log "installing openapi-spec-validator from requirements.txt (pip)"
  if "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$here/requirements.txt" >&2
  else
    python3 -m pip --python "$venv/bin/python" install --disable-pip-version-check --quiet \
      -r "$here/requirements.txt" >&2
  fi
  printf '%s\n' "$want" >"$stamp"
}

# Reads `redocly lint --format=json` on stdin; prints "<errors> <warnings>" on the
# first line, then one line per problem.
summarize_redocly() {
  node -e '
    let text = "";
    process.stdin.on("data", (chunk) => (text += chunk));
    process.stdin.on("end", () => {
      let report;
      try {
        report = JSON.parse(text);
      } catch (e) {
        console.log("1 0");
        console.log("  redocly: could not read its report: " + text.trim().split("\n").slice(-3).join(" "));
        return;
      }
      console.log(report.totals.errors + " " + report.totals.warnings);
      for (const p of report.problems) {
        const loc = (p.location && p.location[0]) || {};
        const at = loc.start ? loc.start.line + ":" + loc.start.col : (loc.pointer || "");
        const severity = p.severity === "error" ? "error" : "warning";
        console.log("  redocly " + severity + " " + at + " [" + p.ruleId + "] " + p.message);
      }
    });'
}

install_redocly
install_validator

cd "$root"
if [[ $# -gt 0 ]]; then
  specs=("$@")
else
  shopt -s nullglob
  specs=(spec/*.yaml)
  shopt -u nullglob
fi
if [[ ${#specs[@]} -eq 0 ]]; then
  log "no specs found under spec/"
  exit 1
fi

failed=0
details=()
for spec in "${specs[@]}"; do
  # openapi-spec-validator: validation against the OpenAPI 3.0 schema (the
  # generator takes 3.0 only) and $ref resolution. Its report repeats the whole
  # document; keep the message and the "On instance[...]" location line.
  if osv_out="$("$venv/bin/openapi-spec-validator" --schema 3.0 "$spec" 2>&1)"; then
    osv="openapi-spec-validator OK"
  else
    osv="openapi-spec-validator FAILED"
    failed=1
    details+=("$spec:" "$(printf '%s\n' "$osv_out" \
      | awk 'NR == 1 || /^On instance/' | cut -c1-400 | sed 's/^/  openapi-spec-validator: /')")
  fi

  # Redocly CLI: the recommended ruleset, as configured in redocly.yaml.
  set +e
  rd_json="$("$redocly" lint --config "$here/redocly.yaml" --format=json "$spec" 2>/dev/null)"
  rd_status=$?
  set -e
  rd_report="$(printf '%s' "$rd_json" | summarize_redocly)"
  read -r rd_errors rd_warnings <<<"$(head -n1 <<<"$rd_report")"
  if [[ $rd_status -ne 0 && $rd_errors -eq 0 ]]; then
    rd_errors=1
  fi
  if [[ $rd_errors -gt 0 ]]; then
    rd="redocly FAILED ($rd_errors errors, $rd_warnings warnings)"
    failed=1
  else
    rd="redocly OK ($rd_warnings warnings)"
  fi
  if [[ $(wc -l <<<"$rd_report") -gt 1 ]]; then
    details+=("$spec:" "$(tail -n +2 <<<"$rd_report")")
  fi

  printf '%-28s %s; %s\n' "$spec" "$osv" "$rd"
done

if [[ ${#details[@]} -gt 0 ]]; then
  printf '\n'
  printf '%s\n' "${details[@]}"
fi
exit "$failed"
