//! No spec makes the generator panic: the three specs of `spec/`, text-level damage to them,
//! fixed-seed structure-aware mutations (the same mutator as the `mutate_spec` fuzz target),
//! and every saved fuzz regression input each give a generated crate or an error diagnostic.
//! The long-running version of this test is the fuzzing in `fuzz/` (docs/fuzzing.md).

#[path = "../../fuzz/src/pipeline.rs"]
mod pipeline;
#[path = "../../fuzz/src/spec_mutator.rs"]
mod spec_mutator;

use std::path::{Path, PathBuf};

use pipeline::{Outcome, base_specs, generate};
use spec_mutator::{Choices, mutate, shrink_paths};

/// Structure-aware cases per run; each generates a small client in a debug build.
const MUTATION_CASES: u64 = 48;

/// Text-level cases per spec.
const TEXT_CASES: u64 = 12;

/// A small deterministic generator (xorshift64*), so that every run checks the same inputs.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn spec_texts() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    ["huntapi.yaml", "audiopod.yaml", "audioscrape.yaml"]
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(dir.join(name)).expect("spec/ is readable");
            (name.to_string(), text)
        })
        .collect()
}

/// Runs the pipeline, naming the input in the failure message if it panics.
fn generate_named(label: &str, text: &str) -> Outcome {
    match std::panic::catch_unwind(|| generate(text)) {
        Ok(outcome) => outcome,
        Err(_) => {
            let preview: String = text.chars().take(2000).collect();
            panic!("the generator panicked on {label}; input starts with:\n{preview}");
        }
    }
}

#[test]
fn the_specs_generate() {
    for (name, text) in spec_texts() {
        assert_eq!(generate_named(&name, &text), Outcome::Generated, "{name}");
    }
    // Their JSON forms too (the loader's other path).
    for (i, spec) in base_specs().iter().enumerate() {
        assert_eq!(
            generate_named(&format!("spec {i} as JSON"), &spec.to_string()),
            Outcome::Generated
        );
    }
}

#[test]
fn damaged_spec_text_is_reported_not_panicked_on() {
    let mut rng = Rng::new(7);
    let mut rejected = 0;
    for (name, text) in spec_texts() {
        let lines: Vec<&str> = text.lines().collect();
        for case in 0..TEXT_CASES {
            let damaged = match case % 4 {
                // Cut at a character boundary.
                0 => {
                    let mut cut = rng.below(text.len());
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text[..cut].to_string()
                }
                // Drop a line.
                1 => {
                    let drop = rng.below(lines.len());
                    let mut kept = lines.clone();
                    kept.remove(drop);
                    kept.join("\n")
                }
                // Shift a line's indentation.
                2 => {
                    let at = rng.below(lines.len());
                    let mut shifted: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                    shifted[at] = format!(" {}", shifted[at]);
                    shifted.join("\n")
                }
                // Overwrite a few bytes with YAML punctuation.
                _ => {
                    let mut bytes = text.clone().into_bytes();
                    for _ in 0..4 {
                        let at = rng.below(bytes.len());
                        if bytes[at].is_ascii() {
                            bytes[at] = b":-[]{}&*!|>'\"%@`#,?"[rng.below(19)];
                        }
                    }
                    String::from_utf8_lossy(&bytes).into_owned()
                }
            };
            let label = format!("{name}, text case {case}");
            if matches!(generate_named(&label, &damaged), Outcome::Rejected { .. }) {
                rejected += 1;
            }
        }
    }
    // Most damage is caught; a test that rejected nothing would not be exercising errors.
    assert!(rejected > 0, "no damaged spec was rejected");
}

/// The same steps as the `mutate_spec` fuzz target, from `data`.
fn mutated_spec(data: &[u8]) -> String {
    let mut choices = Choices::new(data);
    let specs = base_specs();
    let mut spec = specs[choices.below(specs.len())].clone();
    if choices.chance(224) {
        let keep = 1 + choices.below(3);
        shrink_paths(&mut spec, &mut choices, keep);
    }
    mutate(&mut spec, &mut choices, 8);
    spec.to_string()
}

#[test]
fn mutated_specs_generate_or_are_rejected() {
    let mut generated = 0;
    let mut rejected = 0;
    for seed in 0..MUTATION_CASES {
        let data = Rng::new(seed).bytes(96);
        let text = mutated_spec(&data);
        match generate_named(&format!("mutation seed {seed}"), &text) {
            Outcome::Generated => generated += 1,
            Outcome::Rejected { errors, .. } => {
                assert!(errors > 0);
                rejected += 1;
            }
        }
    }
    // The mutator must produce both kinds, or it is not testing what it claims.
    assert!(
        generated > 0 && rejected > 0,
        "{generated} generated, {rejected} rejected"
    );
}

fn regression_inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut inputs: Vec<(PathBuf, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).expect("readable regression input");
            (p, bytes)
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no saved inputs in {}", dir.display());
    inputs
}

#[test]
fn saved_fuzz_inputs_do_not_panic() {
    for (path, bytes) in regression_inputs("load_and_generate") {
        let text = String::from_utf8_lossy(&bytes);
        generate_named(&path.display().to_string(), &text);
    }
    for (path, bytes) in regression_inputs("mutate_spec") {
        let text = mutated_spec(&bytes);
        generate_named(&path.display().to_string(), &text);
    }
}
