#!/usr/bin/env bash
# Runs the fuzz targets one after another, each for a number of seconds on one core, then
# prints executions and crashes per target. See docs/fuzzing.md.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Defaults: 300 seconds; targets load_and_generate, mutate_spec, decode_response.
# Exits non-zero if any target crashed; the input is in fuzz/artifacts/TARGET/.
set -euo pipefail

cd "$(dirname "$0")"
FUZZ_DIR="$(pwd)"
SECONDS_PER_TARGET="${1:-300}"
shift || true
if [ "$#" -gt 0 ]; then
    TARGETS=("$@")
else
    TARGETS=(load_and_generate mutate_spec decode_response)
fi

CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version 2>/dev/null | grep -qF "$CARGO_FUZZ_VERSION"; then
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

# cargo-fuzz passes nightly-only flags (-Z, sanitizers). FUZZ_TOOLCHAIN=nightly uses an
# installed nightly toolchain; by default the stable compiler is told to accept them.
TOOLCHAIN=()
if [ "${FUZZ_TOOLCHAIN:-stable}" = nightly ]; then
    TOOLCHAIN=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
fi
# Two cores are shared: one build job at a time is enough for the targets' own crates.
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"

# Seeds: the committed ones, plus the specs themselves for the raw-text target.
mkdir -p corpus artifacts
for target in "${TARGETS[@]}"; do
    mkdir -p "corpus/$target" "seeds/$target"
done
if [ -d corpus/load_and_generate ]; then
    cp ../spec/*.yaml corpus/load_and_generate/
fi

declare -A MAX_LEN=([load_and_generate]=65536 [mutate_spec]=512 [decode_response]=4096)
status=0
summary=()
for target in "${TARGETS[@]}"; do
    cargo "${TOOLCHAIN[@]}" fuzz build --codegen-units 4 "$target"
    log="artifacts/$target.log"
    mkdir -p "artifacts/$target"
    before=$(find "artifacts/$target" -type f | wc -l)
    set +e
    cargo "${TOOLCHAIN[@]}" fuzz run --codegen-units 4 "$target" \
        "$FUZZ_DIR/corpus/$target" "$FUZZ_DIR/seeds/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" \
        -max_len="${MAX_LEN[$target]:-4096}" \
        -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    after=$(find "artifacts/$target" -type f | wc -l)
    crashes=$((after - before))
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    elapsed=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE 'in [0-9]+' | grep -oE '[0-9]+' | tail -1)
    summary+=("$target: ${execs:-?} executions in ${elapsed:-$SECONDS_PER_TARGET} s, $crashes crash(es), exit $rc")
    if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
        status=1
    fi
done

echo
echo "== fuzzing summary (${SECONDS_PER_TARGET} s per target)"
for line in "${summary[@]}"; do
    echo "$line"
done
exit "$status"
