//! Result downloads: a file an API hands out by URL (a finished job's result), streamed to any
//! `AsyncWrite` chunk by chunk, with progress, and resumed with an HTTP `Range` request after a
//! dropped connection, under the client's retry policy and deadline. The credential goes only
//! to the API's own origin: a result on another host (a storage bucket, a CDN) gets none.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, RANGE};
use tokio::io::AsyncWriteExt;

use reqwest::Url;
/// What a download writes into (tokio's `AsyncWrite`: a file, a buffer, a socket...).
pub use tokio::io::AsyncWrite;

use crate::config::ClientConfig;

/// How far a download is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes written so far.
    pub received: u64,
    /// The size of the whole file, when the server says it.
    pub total: Option<u64>,
}

/// Why a download failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum DownloadError {
    /// The URL is neither absolute nor relative to the base URL.
    InvalidUrl(String),
    /// No HTTP client could be built from the configuration.
    HttpClient(String),
    /// The server answered with this status (after any retries).
    Status(StatusCode),
    /// The connection failed and no attempt was left (or the deadline passed).
    Transport(reqwest::Error),
    /// Writing the bytes failed.
    Write(std::io::Error),
    /// No byte came for the per-attempt timeout (retried for the rest).
    Stalled {
        /// Bytes written.
        received: u64,
    },
    /// The body ended before the length the server announced (retried for the rest).
    Incomplete {
        /// Bytes written.
        received: u64,
        /// The announced size.
        total: u64,
    },
    /// The call deadline passed; `received` bytes had been written.
    DeadlineExceeded {
        /// Bytes written before the deadline.
        received: u64,
    },
}

impl std::fmt::Display for DownloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DownloadError::InvalidUrl(url) => write!(f, "download: `{url}` is not a valid URL"),
            DownloadError::HttpClient(e) => write!(f, "download: no HTTP client: {e}"),
            DownloadError::Status(status) => write!(f, "download: HTTP {status}"),
            DownloadError::Transport(e) => write!(f, "download: connection failed: {e}"),
            DownloadError::Write(e) => write!(f, "download: writing failed: {e}"),
            DownloadError::Stalled { received } => {
                write!(
                    f,
                    "download: no data for the attempt timeout after {received} bytes"
                )
            }
            DownloadError::Incomplete { received, total } => {
                write!(
                    f,
                    "download: the body ended after {received} of {total} bytes"
                )
            }
            DownloadError::DeadlineExceeded { received } => {
                write!(f, "download: deadline passed after {received} bytes")
            }
        }
    }
}

impl std::error::Error for DownloadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DownloadError::Transport(e) => Some(e),
            DownloadError::Write(e) => Some(e),
            _ => None,
        }
    }
}

/// Downloads `url` (absolute, or relative to the base URL) into `out`, calling `progress` after
/// each chunk; returns the number of bytes written. A connection lost mid-file or a transient
/// status (429, 502 to 504) is retried as the retry policy allows, within the call deadline, and the next attempt
/// asks only for the bytes still missing (`Range`); a server that ignores the range sends the
/// whole file again, and what was already written is skipped. The whole file is never held in
/// memory: one chunk at a time. The per-attempt timeout bounds each wait for data, not the whole
/// file; the call deadline (`ClientConfig::with_call_timeout`) bounds the whole download and is
/// checked between attempts.
pub async fn download<W: AsyncWrite + Unpin + ?Sized>(
    config: &ClientConfig,
    http: &reqwest::Client,
    url: &str,
    out: &mut W,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<u64, DownloadError> {
    let base = Url::parse(config.base_url()).map_err(|_| DownloadError::InvalidUrl(url.into()))?;
    let target = base
        .join(url)
        .map_err(|_| DownloadError::InvalidUrl(url.to_string()))?;
    let clock = config.clock().clone();
    let policy = config.retry_policy().clone();
    let start = clock.now();
    let deadline = config.call_timeout().and_then(|t| start.checked_add(t));
    let mut received: u64 = 0;
    let mut total: Option<u64> = None;
    let mut failures: u32 = 0;
    loop {
        let before = received;
        let result = attempt(
            config,
            http,
            &target,
            out,
            progress,
            &mut received,
            &mut total,
        )
        .await;
        // An attempt that moved the file on does not count against the next ones: a long
        // download over a connection that drops now and then still completes.
        if received > before {
            failures = 0;
        }
        let retryable = match &result {
            Ok(()) => return Ok(received),
            Err(DownloadError::Status(status)) => crate::retry::is_retryable_status(*status),
            Err(
                DownloadError::Transport(_)
                | DownloadError::Stalled { .. }
                | DownloadError::Incomplete { .. },
            ) => true,
            Err(_) => false,
        };
        failures += 1;
        let delay = policy.backoff(failures);
        let late = deadline.is_some_and(|d| clock.now().checked_add(delay).is_none_or(|at| at > d));
        if !retryable || failures >= policy.max_attempts() || late {
            if late && retryable {
                return Err(DownloadError::DeadlineExceeded { received });
            }
            return result.map(|()| received);
        }
        tracing::info!(
            url = %redacted(&target),
            received,
            delay_ms = delay.as_millis() as u64,
            "download interrupted: resuming"
        );
        clock.sleep(delay).await;
    }
}

/// One request: from `received` on, written to `out`.
async fn attempt<W: AsyncWrite + Unpin + ?Sized>(
    config: &ClientConfig,
    http: &reqwest::Client,
    target: &Url,
    out: &mut W,
    progress: &mut (dyn FnMut(Progress) + Send),
    received: &mut u64,
    total: &mut Option<u64>,
) -> Result<(), DownloadError> {
    let mut request = http.get(target.clone());
    if *received > 0 {
        request = request.header(RANGE, format!("bytes={received}-"));
    }
    let mut request = request.build().map_err(DownloadError::Transport)?;
    if let Some(credential) = config.credential()
        && config.is_same_origin(request.url())
    {
        credential.apply(&mut request);
    }
    // The per-attempt timeout bounds the wait for the response's head and for each chunk, not
    // the whole file: a large file takes as long as it takes while bytes keep coming.
    let idle = config.attempt_timeout().max(Duration::from_secs(1));
    let mut response = tokio::time::timeout(idle, http.execute(request))
        .await
        .map_err(|_| DownloadError::Stalled {
            received: *received,
        })?
        .map_err(DownloadError::Transport)?;
    let status = response.status();
    // What of the body to skip: a server that ignored the range starts again from byte 0.
    let mut skip = match status {
        StatusCode::PARTIAL_CONTENT => 0,
        s if s.is_success() => std::mem::take(received),
        s => return Err(DownloadError::Status(s)),
    };
    if status == StatusCode::PARTIAL_CONTENT {
        if let Some(whole) = response
            .headers()
            .get(CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit('/').next())
            .and_then(|n| n.parse().ok())
        {
            *total = Some(whole);
        }
    } else {
        *total = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
    }
    while let Some(chunk) = tokio::time::timeout(idle, response.chunk())
        .await
        .map_err(|_| DownloadError::Stalled {
            received: *received,
        })?
        .map_err(DownloadError::Transport)?
    {
        let mut bytes = &chunk[..];
        if skip > 0 {
            let n = (skip as usize).min(bytes.len());
            bytes = &bytes[n..];
            skip -= n as u64;
            *received += n as u64;
        }
        if bytes.is_empty() {
            continue;
        }
        out.write_all(bytes).await.map_err(DownloadError::Write)?;
        *received += bytes.len() as u64;
        progress(Progress {
            received: *received,
            total: *total,
        });
    }
    out.flush().await.map_err(DownloadError::Write)?;
    if let Some(total) = *total
        && *received < total
    {
        // The connection ended early without an error: resume for the rest.
        return Err(DownloadError::Incomplete {
            received: *received,
            total,
        });
    }
    Ok(())
}

/// The URL without its query (a presigned URL's signature, a query-string key).
fn redacted(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.to_string()
}
