//! No response makes a generated client panic: fixed-seed random replies (any status, odd
//! headers, raw or schema-shaped JSON bodies) decoded for every operation of the three clients
//! give `Ok` or a typed error that keeps its promises, job status bodies give an update or a
//! job error, and saved fuzz inputs stay fixed. The decoding harness is the one the
//! `decode_response` fuzz target runs (docs/fuzzing.md); a last test checks it against the
//! real clients over HTTP, so that it cannot drift from the generated code.

#[allow(dead_code)]
#[path = "../fuzz/src/decode.rs"]
mod decode;
#[allow(dead_code)]
#[path = "../fuzz/src/spec_mutator.rs"]
mod spec_mutator;

use std::collections::BTreeSet;
use std::path::Path;

use clientgen_runtime::{ClientConfig, JobPhase, RetryPolicy};
use clientgen_testkit::{Action, TestServer};
use decode::{CASES, JOB_CASES, Outcome, Reply, outcome_of, reply_from_bytes};

/// Random replies per operation.
const REPLIES_PER_OPERATION: u64 = 150;

/// Replies per operation sent over HTTP in the consistency check.
const HTTP_REPLIES_PER_OPERATION: u64 = 25;

/// xorshift64*: the same inputs on every run.
fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    Reply {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
            .collect(),
        body: body.as_bytes().to_vec(),
    }
}

fn case(operation_id: &str) -> &'static decode::Case {
    CASES
        .iter()
        .find(|c| c.meta.operation_id == operation_id)
        .unwrap_or_else(|| panic!("no case for {operation_id}"))
}

#[test]
fn every_operation_gives_ok_or_a_typed_error_for_random_replies() {
    for (index, case) in CASES.iter().enumerate() {
        let mut variants = BTreeSet::new();
        for n in 0..REPLIES_PER_OPERATION {
            let seed = (index as u64) << 32 | n;
            let (_, reply) = reply_from_bytes(&random_bytes(seed, 64 + (n as usize % 256)));
            let outcome = case.decode(&reply);
            variants.insert(outcome.variant);
        }
        // Random replies reach more than one arm of each error enum.
        assert!(
            variants.len() >= 3,
            "{}::{}: only {variants:?}",
            case.client,
            case.meta.operation_id
        );
    }
}

#[test]
fn documented_replies_decode_to_their_variants() {
    let get_me = case("getMe");
    let limited = get_me.decode(&reply(
        429,
        &[],
        r#"{"error":"Too Many Requests","message":"slow down","retry_after":7}"#,
    ));
    assert_eq!(limited.variant, "RateLimited");
    assert_eq!(limited.status, Some(429));
    assert!(limited.retryable);
    let garbage = get_me.decode(&reply(401, &[("retry-after", "5")], "<html>"));
    assert_eq!(garbage.variant, "InvalidBody");
    assert_eq!(garbage.status, Some(401));
    let teapot = get_me.decode(&reply(418, &[], "\u{0}\u{1}"));
    assert_eq!(teapot.variant, "UnexpectedStatus");
    assert!(get_me.decode(&reply(200, &[], "{}")).ok);
    let truncated = get_me.decode(&reply(200, &[], r#"{"user": {"id": 1"#));
    assert_eq!(truncated.variant, "InvalidBody");

    let delete = case("deleteNotification");
    assert!(delete.decode(&reply(204, &[], "")).ok);
    assert_eq!(
        delete.decode(&reply(200, &[], "{}")).variant,
        "UnexpectedStatus"
    );

    // A 429 with a body that is not the documented one is still throttling.
    let huge_wait = case("getUsage").decode(&reply(
        429,
        &[("retry-after", "99999999999999999999999")],
        "[1,2",
    ));
    assert_eq!(huge_wait.status, Some(429));
    assert!(huge_wait.retryable, "{huge_wait:?}");
}

#[test]
fn job_status_bodies_give_an_update_or_a_job_error() {
    let [hunt, stems] = JOB_CASES else {
        panic!("expected the HuntAPI and AudioPod job kinds");
    };
    let uuid = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    let done = format!(r#"{{"id":"{uuid}","status":"CompletedJob","progress":250}}"#);
    assert_eq!(
        hunt.decode_job_status(&reply(200, &[], &done)),
        Some(JobPhase::Succeeded)
    );
    // A status body without the required id is a job error, not a panic.
    assert_eq!(
        hunt.decode_job_status(&reply(200, &[], r#"{"status":"CompletedJob"}"#)),
        None
    );
    assert_eq!(
        stems.decode_job_status(&reply(200, &[], r#"{"id":5,"status":"FAILED"}"#)),
        Some(JobPhase::Failed)
    );
    for (index, job) in JOB_CASES.iter().enumerate() {
        for n in 0..REPLIES_PER_OPERATION * 4 {
            let seed = 1 << 40 | (index as u64) << 32 | n;
            let (_, reply) = reply_from_bytes(&random_bytes(seed, 96));
            job.decode_job_status(&reply);
        }
    }
}

#[test]
fn saved_fuzz_inputs_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/decode_response");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.sort();
    assert!(!paths.is_empty(), "no saved inputs in {}", dir.display());
    for path in paths {
        let data = std::fs::read(&path).expect("readable regression input");
        let (index, reply) = reply_from_bytes(&data);
        CASES[index].decode(&reply);
        for job in JOB_CASES {
            job.decode_job_status(&reply);
        }
    }
}

/// A random reply that HTTP/1.1 can carry unchanged: a final status whose response has a
/// body, and header values a parser keeps byte for byte; the server sets the length.
fn http_safe(mut reply: Reply) -> Reply {
    if !(200..=599).contains(&reply.status) || matches!(reply.status, 204 | 205 | 304) {
        reply.status = 200 + reply.status % 400;
        if matches!(reply.status, 204 | 205 | 304) {
            reply.status = 400;
        }
    }
    reply.headers.retain(|(name, value)| {
        let kept = [
            "retry-after",
            "content-type",
            "x-ratelimit-remaining",
            "x-request-id",
        ];
        kept.contains(&name.as_str())
            && !value.is_empty()
            && value
                .iter()
                .all(|b| (0x21..=0x7e).contains(b) || *b == b' ')
            && value.first() != Some(&b' ')
            && value.last() != Some(&b' ')
    });
    reply
}

fn to_action(reply: &Reply) -> Action {
    let mut scripted = clientgen_testkit::Reply::status(reply.status).body(reply.body.clone());
    for (name, value) in &reply.headers {
        scripted = scripted.header(name, &String::from_utf8_lossy(value));
    }
    Action::Respond(scripted)
}

fn config(server: &TestServer) -> ClientConfig {
    ClientConfig::new(server.url())
        .expect("loopback URL")
        .with_retry_policy(RetryPolicy::none())
}

/// Sends each reply to the real client's call for `operation_id` and compares the outcome
/// with the harness's.
macro_rules! compare {
    ($runtime:expr, $client:ident, $operation_id:literal, |$c:ident| $call:expr) => {{
        let case = case($operation_id);
        for n in 0..HTTP_REPLIES_PER_OPERATION {
            let seed = 2 << 40 | u64::from($operation_id.len() as u32) << 32 | n;
            let (_, reply) = reply_from_bytes(&random_bytes(seed, 128));
            let reply = http_safe(reply);
            let expected = case.decode(&reply);
            let actual: Outcome = $runtime.block_on(async {
                let server = TestServer::start(vec![to_action(&reply)]).await;
                let $c = $client::Client::from_config(config(&server)).expect("client");
                let result = $call.await;
                assert_eq!(server.count(), 1, "{}: one request", $operation_id);
                outcome_of(case, &reply, result)
            });
            assert_eq!(actual, expected, "{} with {reply:?}", $operation_id);
        }
    }};
}

#[test]
fn the_harness_decodes_like_the_real_clients() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    compare!(runtime, huntapi_client, "getUsage", |c| c
        .get_usage()
        .send());
    compare!(runtime, huntapi_client, "getJob", |c| c
        .get_job()
        .id(uuid::Uuid::nil())
        .send());
    compare!(runtime, audiopod_client, "getWalletBalance", |c| c
        .get_wallet_balance()
        .send());
    compare!(runtime, audiopod_client, "listApiKeys", |c| c
        .list_api_keys()
        .send());
    compare!(runtime, audiopod_client, "getStemCatalog", |c| c
        .get_stem_catalog()
        .send());
    compare!(runtime, audioscrape_client, "getMe", |c| c.get_me().send());
    compare!(runtime, audioscrape_client, "listNotifications", |c| c
        .list_notifications()
        .send());
    compare!(runtime, audioscrape_client, "deleteNotification", |c| c
        .delete_notification()
        .id(7)
        .send());
}
