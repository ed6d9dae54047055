//! A 1 GiB result downloads in bounded memory: a local server streams it in 64 KiB writes, the
//! client writes it into a sink, and the process's peak resident memory grows by a few
//! megabytes at most, not by the file. Alone in its test binary, so that nothing else moves
//! the peak (`VmHWM` in /proc/self/status; Linux only).

#![cfg(target_os = "linux")]

mod common;

use common::{SECRET, local_config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SIZE: u64 = 1 << 30;

/// The peak resident set of this process, in KiB.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[tokio::test]
async fn a_gigabyte_downloads_in_bounded_memory() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("a connection");
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if socket.read(&mut byte).await.unwrap_or(0) == 0 {
                return;
            }
            head.push(byte[0]);
        }
        let header =
            format!("HTTP/1.1 200 OK\r\nContent-Length: {SIZE}\r\nConnection: close\r\n\r\n");
        socket.write_all(header.as_bytes()).await.expect("head");
        let chunk = vec![7u8; 64 * 1024];
        let mut sent = 0;
        while sent < SIZE {
            socket.write_all(&chunk).await.expect("body");
            sent += chunk.len() as u64;
        }
    });
    let key = huntapi_client::Client::api_key_header_credential(SECRET).expect("credential");
    let client = huntapi_client::Client::from_config(local_config(&url).with_credential(key))
        .expect("client");

    let before = peak_kib();
    let mut sink = tokio::io::sink();
    let mut last = None;
    let written = client
        .download_url("/result.bin", &mut sink, |p| last = Some(p))
        .await
        .expect("downloaded");
    let grown = peak_kib().saturating_sub(before);
    assert_eq!(written, SIZE);
    assert_eq!(
        last.map(|p| (p.received, p.total)),
        Some((SIZE, Some(SIZE)))
    );
    println!("1 GiB downloaded; peak resident memory grew by {grown} KiB");
    assert!(
        grown < 32 * 1024,
        "the peak grew by {grown} KiB while downloading 1 GiB"
    );
}
