//! The generated clients' runnable examples, built with cargo and run as a user runs them,
//! against local servers on 127.0.0.1 (the base URL from `<NAME>_BASE_URL`, the key from the
//! vendor's variable): HuntAPI's `audio_download` (submit, wait with progress, download the
//! result), AudioPod's `extract_stems` (a local file's stems into a directory) and
//! `get_wallet_usage` (every page), Audioscrape's `search` (every result across pages), and the
//! mixed-errors fixture's `attach_to_item` (an upload) and the events fixture's
//! `list_audit_entries` (every page of a list paged by cursor, recognised without an extension).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use clientgen_testkit::{Recorded, Reply, TestServer};
use common::{SECRET, json_body, path, query_pairs};
use serde_json::json;

/// Every example of the three clients, built once: (crate, example) -> executable.
fn examples() -> &'static BTreeMap<(String, String), PathBuf> {
    static BUILT: OnceLock<BTreeMap<(String, String), PathBuf>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("target directory")
            .to_path_buf();
        let output = Command::new(cargo)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--offline", "--examples", "--message-format=json"])
            .args(["-p", "huntapi-client", "-p", "audiopod-client"])
            .args(["-p", "audioscrape-client", "-p", "mixed-errors-client"])
            .args(["-p", "events-client"])
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "the examples do not build:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut built = BTreeMap::new();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let is_example = message["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "example"));
            if let (true, Some(exe), Some(name), Some(package)) = (
                is_example,
                message["executable"].as_str(),
                message["target"]["name"].as_str(),
                message["package_id"].as_str(),
            ) {
                let krate = [
                    "huntapi-client",
                    "audiopod-client",
                    "audioscrape-client",
                    "mixed-errors-client",
                    "events-client",
                ]
                .into_iter()
                .find(|c| package.contains(c))
                .unwrap_or("?");
                built.insert((krate.to_string(), name.to_string()), PathBuf::from(exe));
            }
        }
        built
    })
}

/// Runs an example with `env` and `args`, off the async runtime (the server runs on it).
async fn run(krate: &str, example: &str, env: &[(&str, String)], args: &[String]) -> Output {
    let exe = examples()
        .get(&(krate.to_string(), example.to_string()))
        .unwrap_or_else(|| {
            panic!(
                "{krate} has no example `{example}`: {:?}",
                examples().keys()
            )
        })
        .clone();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let args = args.to_vec();
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(&exe);
        command.args(&args).env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        command.envs(env).output().expect("the example runs")
    })
    .await
    .expect("the example's task")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn host(request: &Recorded) -> String {
    format!("http://{}", request.header("host").unwrap_or("127.0.0.1"))
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("examples-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn huntapi_download_submits_waits_and_downloads_the_result() {
    let server = TestServer::with_handler(|request, _| match path(request) {
        "/v1/audio/download" => {
            Reply::json(201, r#"{"job_id": "0193443f-fb80-9d19-29ba-82bc77c7cd84"}"#).into()
        }
        "/v1/jobs/0193443f-fb80-9d19-29ba-82bc77c7cd84" => {
            let job = json!({
                "id": "0193443f-fb80-9d19-29ba-82bc77c7cd84",
                "status": "CompletedJob",
                "success": true,
                "progress": 100,
                "result": {"metadata": {}, "response": format!("{}/files/audio.mp3", host(request))},
            });
            Reply::json(200, &job.to_string()).into()
        }
        "/files/audio.mp3" => Reply::status(200).body(b"ID3 audio bytes".to_vec()).into(),
        _ => Reply::status(404).into(),
    })
    .await;
    let out = scratch_dir("huntapi");
    let env = [
        ("HUNTAPI_API_KEY", SECRET.to_string()),
        ("HUNTAPI_BASE_URL", server.url()),
    ];
    let args = [
        "https://www.youtube.com/watch?v=example".to_string(),
        out.display().to_string(),
    ];
    let output = run("huntapi-client", "audio_download", &env, &args).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let file = out.join("result.mp3");
    assert_eq!(text(&output.stdout).trim(), file.display().to_string());
    assert_eq!(
        std::fs::read(&file).expect("downloaded"),
        b"ID3 audio bytes"
    );
    let stderr = text(&output.stderr);
    assert!(stderr.contains("CompletedJob: 100%"), "{stderr}");

    let requests = server.requests();
    assert_eq!(requests[0].method, "POST");
    assert_eq!(
        query_pairs(&requests[0]),
        [(
            "query".to_string(),
            "https://www.youtube.com/watch?v=example".to_string()
        )]
    );
    assert!(
        requests
            .iter()
            .all(|r| r.header("x-api-key") == Some(SECRET))
    );

    // Without its arguments, the example says how to run it.
    let output = run("huntapi-client", "audio_download", &env, &[]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("usage: audio_download QUERY OUT_DIR"));
}

#[tokio::test(flavor = "multi_thread")]
async fn audiopod_download_extracts_a_local_files_stems_into_a_directory() {
    let server = TestServer::with_handler(|request, _| match path(request) {
        "/api/v1/stem-extraction/api/extract" => {
            Reply::json(200, r#"{"id": 5512, "status": "PENDING"}"#).into()
        }
        "/api/v1/stem-extraction/status/5512" => {
            let base = host(request);
            let job = json!({
                "id": 5512,
                "status": "COMPLETED",
                "download_urls": {
                    "vocals": format!("{base}/media/vocals.wav"),
                    "drums": format!("{base}/media/drums.wav"),
                },
            });
            Reply::json(200, &job.to_string()).into()
        }
        "/media/vocals.wav" => Reply::status(200).body(b"RIFF vocals".to_vec()).into(),
        "/media/drums.wav" => Reply::status(200).body(b"RIFF drums".to_vec()).into(),
        _ => Reply::status(404).into(),
    })
    .await;
    let dir = scratch_dir("audiopod");
    let song = dir.join("song.mp3");
    std::fs::write(&song, b"local song bytes").expect("input file");
    let out = dir.join("stems");
    let env = [
        ("AUDIOPOD_API_KEY", SECRET.to_string()),
        ("AUDIOPOD_BASE_URL", server.url()),
    ];
    let args = [
        song.display().to_string(),
        "four".to_string(),
        out.display().to_string(),
    ];
    let output = run("audiopod-client", "extract_stems", &env, &args).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        std::fs::read(out.join("vocals.wav")).expect("vocals"),
        b"RIFF vocals"
    );
    assert_eq!(
        std::fs::read(out.join("drums.wav")).expect("drums"),
        b"RIFF drums"
    );
    let printed: Vec<String> = text(&output.stdout).lines().map(str::to_string).collect();
    assert_eq!(printed.len(), 2, "{printed:?}");

    let upload = &server.requests()[0];
    let body = text(&upload.body);
    assert!(
        body.contains("filename=\"song.mp3\"") && body.contains("local song bytes"),
        "{body}"
    );
    assert!(body.contains("name=\"mode\"\r\n\r\nfour"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn audiopod_every_page_prints_every_usage_log() {
    let server = TestServer::with_handler(|request, _| {
        let page: u64 = query_pairs(request)
            .iter()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        let logs: Vec<serde_json::Value> = if page <= 2 {
            (0..2)
                .map(|i| json!({"service_type": format!("p{page}-{i}"), "amount_usd": "$0.10"}))
                .collect()
        } else {
            Vec::new()
        };
        Reply::json(200, &json!({ "logs": logs }).to_string()).into()
    })
    .await;
    let env = [
        ("AUDIOPOD_API_KEY", SECRET.to_string()),
        ("AUDIOPOD_BASE_URL", server.url()),
    ];
    let output = run("audiopod-client", "get_wallet_usage", &env, &[]).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let services: Vec<String> = text(&output.stdout)
        .lines()
        .map(|line| {
            let item: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            item["service_type"].as_str().unwrap_or("?").to_string()
        })
        .collect();
    assert_eq!(services, ["p1-0", "p1-1", "p2-0", "p2-1"]);
    assert_eq!(server.count(), 3, "pages 1, 2 and the empty page 3");
}

#[tokio::test(flavor = "multi_thread")]
async fn audioscrape_every_page_prints_every_result_across_pages() {
    let server = TestServer::with_handler(|request, _| {
        let body = json_body(request);
        let offset = body["offset"].as_u64().unwrap_or(0);
        let limit = body["limit"].as_u64().unwrap_or(2).min(2);
        let total = 5;
        let end = (offset + limit).min(total);
        let results: Vec<serde_json::Value> = (offset..end)
            .map(|i| json!({"segment_id": format!("s{i}"), "text": format!("segment {i}")}))
            .collect();
        let page = json!({
            "meta": {"total": total, "offset": offset, "limit": limit, "has_more": end < total},
            "results": results,
        });
        Reply::json(200, &page.to_string()).into()
    })
    .await;
    let env = [
        ("AUDIOSCRAPE_API_KEY", SECRET.to_string()),
        ("AUDIOSCRAPE_BASE_URL", server.url()),
    ];
    let output = run(
        "audioscrape-client",
        "search",
        &env,
        &["climate".to_string()],
    )
    .await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let ids: Vec<String> = text(&output.stdout)
        .lines()
        .map(|line| {
            let item: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            item["segment_id"].as_str().unwrap_or("?").to_string()
        })
        .collect();
    assert_eq!(ids, ["s0", "s1", "s2", "s3", "s4"]);
    assert!(text(&output.stderr).contains("5 item(s)"));
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(json_body(&requests[0])["query"], "climate");
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer {SECRET}")[..]))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_example_sends_the_local_file_and_prints_the_answer() {
    let server = TestServer::with_handler(|request, _| match path(request) {
        "/v1/items/it-7/attachment" => {
            Reply::json(200, r#"{"id": "it-7", "name": "with a file"}"#).into()
        }
        _ => Reply::status(404).into(),
    })
    .await;
    let dir = scratch_dir("upload");
    let file = dir.join("notes.txt");
    std::fs::write(&file, b"attached bytes").expect("input file");
    let env = [
        ("MIXED_ERRORS_API_KEY", SECRET.to_string()),
        ("MIXED_ERRORS_BASE_URL", format!("{}/v1", server.url())),
    ];
    let args = ["it-7".to_string(), file.display().to_string()];
    let output = run("mixed-errors-client", "attach_to_item", &env, &args).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let printed: serde_json::Value =
        serde_json::from_str(text(&output.stdout).trim()).expect("the answer as JSON");
    assert_eq!(printed, json!({"id": "it-7", "name": "with a file"}));
    let body = text(&server.requests()[0].body);
    assert!(
        body.contains("filename=\"notes.txt\"") && body.contains("attached bytes"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_every_page_example_follows_a_recognised_cursor() {
    let server = TestServer::with_handler(|request, _| {
        let cursor = query_pairs(request)
            .into_iter()
            .find(|(k, _)| k == "cursor")
            .map(|(_, v)| v);
        let (action, next) = match cursor.as_deref() {
            None => ("login", json!("c2")),
            _ => ("logout", json!(null)),
        };
        let page = json!({"entries": [{"actor": "ann", "action": action}], "next_cursor": next});
        Reply::json(200, &page.to_string()).into()
    })
    .await;
    let env = [("EVENTS_BASE_URL", server.url())];
    let output = run("events-client", "list_audit_entries", &env, &[]).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let lines: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(
        lines,
        [
            json!({"actor": "ann", "action": "login"}),
            json!({"actor": "ann", "action": "logout"})
        ]
    );
    assert_eq!(server.count(), 2);
}
