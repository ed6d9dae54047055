//! Result downloads (`Client::download_url`) against local servers: the file arrives whole
//! and in order after the connection drops mid-body (the next request asks for the rest with
//! `Range`), also from a server that ignores ranges; progress counts up to the announced size;
//! the key goes to the API's own origin only; an error status is returned, not retried.

mod common;

use std::sync::{Arc, Mutex};

use clientgen_runtime::{DownloadError, Progress};
use clientgen_testkit::{Reply, TestServer};
use common::{SECRET, local_config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn huntapi(base_url: &str) -> huntapi_client::Client {
    let key = huntapi_client::Client::api_key_header_credential(SECRET).expect("credential");
    let config = local_config(base_url)
        .with_credential(key)
        .with_retry_policy(clientgen_runtime::RetryPolicy::default().with_jitter(false))
        .with_clock(Arc::new(clientgen_runtime::ManualClock::new()));
    huntapi_client::Client::from_config(config).expect("client")
}

/// 300,000 bytes that are not all alike, so that a byte out of place shows.
fn file() -> Vec<u8> {
    (0..300_000u32).map(|i| (i % 251) as u8).collect()
}

/// A raw HTTP/1.1 server for `file()`: the first connection announces the whole length and
/// closes after `cut` bytes; later ones answer a `Range: bytes=N-` with 206 and the rest, or,
/// when `honour_ranges` is false, with 200 and the whole file. Returns its URL and the
/// request heads it read.
async fn flaky_server(cut: usize, honour_ranges: bool) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        let body = file();
        let mut connection = 0;
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if socket.read(&mut byte).await.unwrap_or(0) == 0 {
                    break;
                }
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).to_string();
            let from = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("range: bytes=")
                        .map(str::to_string)
                })
                .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok());
            seen.lock().unwrap().push(head);
            connection += 1;
            let response = match from {
                Some(from) if honour_ranges => {
                    let mut r = format!(
                        "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {from}-{}/{}\r\nConnection: close\r\n\r\n",
                        body.len() - from,
                        body.len() - 1,
                        body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(&body[from..]);
                    r
                }
                _ => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    let end = if connection == 1 { cut } else { body.len() };
                    r.extend_from_slice(&body[..end]);
                    r
                }
            };
            let _ = socket.write_all(&response).await;
            let _ = socket.shutdown().await;
        }
    });
    (url, heads)
}

#[tokio::test]
async fn a_dropped_download_resumes_where_it_stopped() {
    let (url, heads) = flaky_server(100_000, true).await;
    let client = huntapi(&url);
    let mut out = Vec::new();
    let mut seen: Vec<Progress> = Vec::new();
    let written = client
        .download_url("/results/song.mp3", &mut out, |p| seen.push(p))
        .await
        .expect("downloaded");
    assert_eq!(written, 300_000);
    assert!(out == file(), "the bytes arrive whole and in order");
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 2, "{heads:?}");
    assert!(!heads[0].to_ascii_lowercase().contains("range:"));
    assert!(
        heads[1]
            .to_ascii_lowercase()
            .contains("range: bytes=100000-"),
        "{}",
        heads[1]
    );
    assert!(seen.windows(2).all(|w| w[0].received < w[1].received));
    assert_eq!(
        seen.last(),
        Some(&Progress {
            received: 300_000,
            total: Some(300_000)
        })
    );
}

#[tokio::test]
async fn a_server_that_ignores_ranges_sends_it_all_and_the_start_is_skipped() {
    let (url, heads) = flaky_server(123_457, false).await;
    let client = huntapi(&url);
    let mut out = Vec::new();
    client
        .download_url(&format!("{url}/results/song.mp3"), &mut out, |_| {})
        .await
        .expect("downloaded");
    assert!(out == file(), "nothing written twice");
    assert_eq!(heads.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn the_key_goes_to_the_api_origin_only() {
    let api = TestServer::start(vec![Reply::status(200).body(b"own".to_vec()).into()]).await;
    let bucket =
        TestServer::start(vec![Reply::status(200).body(b"elsewhere".to_vec()).into()]).await;
    let client = huntapi(&api.url());

    let mut out = Vec::new();
    client
        .download_url("/files/a", &mut out, |_| {})
        .await
        .expect("own origin");
    assert_eq!(out, b"own");
    assert_eq!(api.requests()[0].header("x-api-key"), Some(SECRET));

    let mut out = Vec::new();
    client
        .download_url(&format!("{}/bucket/a", bucket.url()), &mut out, |_| {})
        .await
        .expect("other origin");
    assert_eq!(out, b"elsewhere");
    assert_eq!(bucket.requests()[0].header("x-api-key"), None);
}

#[tokio::test]
async fn an_error_status_is_returned_not_retried() {
    let server = TestServer::with_handler(|_, _| Reply::status(404).into()).await;
    let client = huntapi(&server.url());
    let mut out = Vec::new();
    let err = client
        .download_url("/expired", &mut out, |_| {})
        .await
        .expect_err("gone");
    assert!(
        matches!(err, DownloadError::Status(s) if s.as_u16() == 404),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "download: HTTP 404 Not Found");
    assert_eq!(server.count(), 1);
    assert!(out.is_empty());
}

/// A finished job's results, found where `x-job.resultsPointer` says: HuntAPI's one download
/// URL, and AudioPod's URL per stem, each into a file named after it in a directory made for
/// them; the storage host gets no key.
#[tokio::test]
async fn a_finished_jobs_results_download_into_a_directory() {
    let storage = TestServer::with_handler(|request, _| {
        let body = format!("bytes of {}", request.target);
        Reply::status(200).body(body.into_bytes()).into()
    })
    .await;
    let dir = std::env::temp_dir().join(format!("clientgen-results-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let api = TestServer::start(Vec::new()).await;
    let hunt = huntapi(&api.url());
    let done: huntapi_client::types::Job = serde_json::from_value(serde_json::json!({
        "id": "9f8c1e9e-0a39-4a8e-9d61-3d2b4c7f1a20",
        "status": "CompletedJob",
        "success": true,
        "result": {"response": format!("{}/files/abc/song.m4a?sig=x", storage.url())}
    }))
    .expect("a completed job");
    let handle = hunt.audio_download_job("9f8c1e9e-0a39-4a8e-9d61-3d2b4c7f1a20");
    let mut steps = Vec::new();
    let files = handle
        .download_results(&done, dir.join("hunt"), |name, p| {
            steps.push((name.to_string(), p.received))
        })
        .await
        .expect("downloaded");
    assert_eq!(files, [dir.join("hunt/result.m4a")]);
    assert_eq!(
        std::fs::read_to_string(&files[0]).unwrap(),
        "bytes of /files/abc/song.m4a?sig=x"
    );
    assert_eq!(steps.last().map(|(name, _)| name.as_str()), Some("result"));

    let key = audiopod_client::Client::api_key_header_credential(SECRET).expect("credential");
    let pod = audiopod_client::Client::from_config(local_config(&api.url()).with_credential(key))
        .expect("client");
    let job: audiopod_client::types::StemJob = serde_json::from_value(serde_json::json!({
        "id": 5512,
        "status": "COMPLETED",
        "download_urls": {
            "vocals": format!("{}/stems/5512/vocals.wav", storage.url()),
            "drums": format!("{}/stems/5512/drums.wav", storage.url())
        }
    }))
    .expect("a completed stem job");
    let files = pod
        .extract_stems_job("5512")
        .download_results(&job, dir.join("pod"), |_, _| {})
        .await
        .expect("downloaded");
    let mut names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["drums.wav", "vocals.wav"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("pod/vocals.wav")).unwrap(),
        "bytes of /stems/5512/vocals.wav"
    );
    for request in storage.requests() {
        assert_eq!(request.header("x-api-key"), None, "{}", request.target);
    }
    assert_eq!(api.count(), 0, "nothing went to the API itself");
    let _ = std::fs::remove_dir_all(&dir);
}
