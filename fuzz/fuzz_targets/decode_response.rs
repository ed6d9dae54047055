//! Fuzz target: an arbitrary response (status, headers, body) decoded as the reply to one
//! operation of the generated HuntAPI, AudioPod or Audioscrape client, and as a job status
//! body for each job kind. A panic, or a typed result that breaks its promises (see
//! `clientgen_fuzz::decode`), is a crash.

#![no_main]

use clientgen_fuzz::decode::{CASES, JOB_CASES, reply_from_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (case, reply) = reply_from_bytes(data);
    let ((), caught) = clientgen_fuzz::run_guarded(|| {
        CASES[case].decode(&reply);
        for job in JOB_CASES {
            job.decode_job_status(&reply);
        }
    });
    if let Some(panic) = caught {
        // Nothing on the decoding path catches panics; one caught here is still a bug.
        eprintln!("caught panic while decoding: {panic}");
        std::process::abort();
    }
});
