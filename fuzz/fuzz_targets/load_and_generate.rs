//! Fuzz target: arbitrary bytes as a spec's text (YAML or JSON; the loader decides by the
//! first character) through clientgen's whole pipeline. A panic that escapes is a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The CLI and build.rs read specs as UTF-8; lossy conversion keeps every input useful.
    let text = String::from_utf8_lossy(data);
    clientgen_fuzz::check_generation(&text);
});
