//! Support for the fuzz targets in `fuzz_targets/`: the spec mutator, the pipeline check, the
//! response decoders, and a panic guard that tells panics clientgen caught itself from ones
//! that escape.

pub mod decode;
pub mod pipeline;
pub mod spec_mutator;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::sync::{Mutex, Once};

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`. A panic that escapes `f` is a crash: its message is printed and the process
/// aborts, which libFuzzer records with the input. A panic that code inside `f` caught (as
/// clientgen catches progenitor's) is returned, so the target can decide.
pub fn run_guarded<R>(f: impl FnOnce() -> R) -> (R, Option<String>) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        // Replaces libFuzzer's hook, which aborts on every panic, caught or not.
        std::panic::set_hook(Box::new(|info| {
            let message = info.to_string();
            LAST_PANIC.with(|last| *last.borrow_mut() = Some(message));
        }));
    });
    LAST_PANIC.with(|last| last.borrow_mut().take());
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => (result, LAST_PANIC.with(|last| last.borrow_mut().take())),
        Err(_) => {
            let message = LAST_PANIC.with(|last| last.borrow_mut().take());
            eprintln!(
                "panic escaped: {}",
                message.as_deref().unwrap_or("(no message)")
            );
            std::process::abort();
        }
    }
}

/// Prints `what` the first time it is seen, so that a run's log lists each distinct caught
/// panic or internal error once. With `CLIENTGEN_FUZZ_STRICT=1` in the environment it aborts
/// instead, so that libFuzzer saves the input.
pub fn note_once(kind: &str, what: &str) {
    static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let key: String = what.lines().next().unwrap_or("").chars().take(160).collect();
    let new = SEEN
        .lock()
        .map(|mut seen| seen.insert(format!("{kind}: {key}")))
        .unwrap_or(false);
    if new {
        eprintln!("NOTE {kind}: {what}");
    }
    if std::env::var_os("CLIENTGEN_FUZZ_STRICT").is_some_and(|v| v == "1") {
        eprintln!("CLIENTGEN_FUZZ_STRICT=1: treating this {kind} as a crash");
        std::process::abort();
    }
}

/// Runs the pipeline on `text` under [`run_guarded`], noting caught panics and internal errors.
pub fn check_generation(text: &str) {
    let (outcome, caught) = run_guarded(|| pipeline::generate(text));
    if let Some(panic) = caught {
        note_once("caught panic", &panic);
    }
    if let pipeline::Outcome::Rejected { internal, .. } = outcome {
        for message in internal {
            note_once("internal error", &message);
        }
    }
}
