//! Fuzz target, structure-aware: the input bytes choose one of the three specs, keep a few of
//! its operations, and mutate its JSON tree (delete, retype, rename, copy, `$ref` cycles,
//! broken `x-` extensions, odd status keys); the result goes through the whole pipeline as
//! JSON. A panic that escapes is a crash.

#![no_main]

use clientgen_fuzz::pipeline::base_specs;
use clientgen_fuzz::spec_mutator::{Choices, mutate, shrink_paths};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut choices = Choices::new(data);
    let specs = base_specs();
    let mut spec = specs[choices.below(specs.len())].clone();
    // Most runs keep one to three operations, so that generating stays fast.
    if choices.chance(224) {
        let keep = 1 + choices.below(3);
        shrink_paths(&mut spec, &mut choices, keep);
    }
    mutate(&mut spec, &mut choices, 8);
    clientgen_fuzz::check_generation(&spec.to_string());
});
