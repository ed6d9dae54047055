#!/usr/bin/env bash
# clientgen's verdicts against cargo-semver-checks: for every pair of spec versions in
# generator/tests/fixtures/diff, generate the crate of each version (both 1.0.0, so that major
# and minor are told apart), run `cargo semver-checks --release-type patch` with the old crate as
# the baseline, read the bump it requires, and compare it with `clientgen diff`'s. clientgen may
# be stricter (a new required parameter fails at `send`, which no signature shows), never
# milder. Exit 1 on a pair where it is milder.
#
#   bash tools/semver-checks.sh                 # every pair
#   bash tools/semver-checks.sh 13 18           # the pairs whose directory starts with 13 or 18
#
# cargo-semver-checks is pinned and installed once into target/tools (about 20 minutes of
# building on two cores); SEMVER_CHECKS=/path/to/cargo-semver-checks uses another install.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
version="0.51.0"
target="${CARGO_TARGET_DIR:-$root/target}"
tools="$target/tools"
checker="${SEMVER_CHECKS:-$tools/bin/cargo-semver-checks}"
if [[ ! -x "$checker" ]]; then
    echo "installing cargo-semver-checks $version into $tools" >&2
    cargo install -q cargo-semver-checks --locked --version "=$version" --root "$tools"
fi
cargo build -q -p clientgen
clientgen="$target/debug/clientgen"
work="$target/semver-checks-pairs"
# One target directory for every crate built, so the dependencies are built once.
export CARGO_TARGET_DIR="$target/semver-checks-build"
mkdir -p "$work"

rank() { case "$1" in breaking|major) echo 2 ;; additive|minor) echo 1 ;; *) echo 0 ;; esac; }

pairs=0 agree=0 stricter=0 milder=0
for dir in generator/tests/fixtures/diff/*/; do
    name="$(basename "$dir")"
    if [[ $# -gt 0 ]]; then
        wanted=0
        for prefix in "$@"; do [[ "$name" == "$prefix"* ]] && wanted=1; done
        [[ $wanted == 1 ]] || continue
    fi
    rm -rf "$work/$name"
    mkdir -p "$work/$name"
    for side in old new; do
        "$clientgen" -q generate --spec "$dir/$side.yaml" --out "$work/$name/$side" \
            --crate-name pets-client --crate-version 1.0.0
    done
    ours="$("$clientgen" diff --format json "$dir/old.yaml" "$dir/new.yaml" || true)"
    ours="$(printf '%s' "$ours" | sed -n 's/^{"class":\(null\|"\([a-z]*\)"\).*/\2/p')"
    ours="${ours:-none}"
    log="$work/$name/semver-checks.log"
    set +e
    "$checker" semver-checks check-release --release-type patch \
        --baseline-root "$work/$name/old" --manifest-path "$work/$name/new/Cargo.toml" \
        >"$log" 2>&1
    status=$?
    set -e
    if grep -q "requires new major version" "$log"; then
        theirs=major
    elif grep -q "requires new minor version" "$log"; then
        theirs=minor
    elif [[ $status == 0 ]]; then
        theirs=none
    else
        echo "$name: cargo-semver-checks failed (exit $status), see $log" >&2
        tail -20 "$log" >&2
        exit 2
    fi
    pairs=$((pairs + 1))
    if (( $(rank "$ours") < $(rank "$theirs") )); then
        milder=$((milder + 1))
        verdict="MILDER"
    elif (( $(rank "$ours") > $(rank "$theirs") )); then
        stricter=$((stricter + 1))
        verdict="stricter"
    else
        agree=$((agree + 1))
        verdict="same"
    fi
    lints="$(grep -o '^--- failure [a-z_]*' "$log" | sed 's/--- failure //' | sort -u | tr '\n' ' ' || true)"
    printf '%-34s clientgen %-8s cargo-semver-checks %-5s %-8s %s\n' \
        "$name" "$ours" "$theirs" "$verdict" "$lints"
done
echo "$pairs pair(s): $agree the same bump, $stricter stricter in clientgen, $milder milder"
[[ $milder == 0 ]]
