//! The client-overhead comparison: a hyper server on 127.0.0.1 answering HuntAPI's
//! `GET /usage`, the generated `huntapi_client` call, and the same request written by hand
//! with reqwest (same URL, headers and decoding into the same type).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

/// The API key both clients send.
pub const BENCH_KEY: &str = "bench-key-0123456789abcdef";

/// The body the server answers `GET /usage` with.
pub const USAGE_BODY: &str = r#"{"plan":"pro","requests_limit":50000,"requests_used":1234,"requests_remaining":48766,"reset_at":"2026-12-01T00:00:00Z","features":{"audio":true,"video":true,"priority_queue":false}}"#;

/// A hyper HTTP/1.1 server on 127.0.0.1, on its own thread and single-threaded runtime, until
/// dropped.
pub struct BenchServer {
    addr: SocketAddr,
    served: Arc<AtomicU64>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl BenchServer {
    /// Binds a free port on 127.0.0.1 and starts serving.
    pub fn start() -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let served = Arc::new(AtomicU64::new(0));
        let (shutdown, stop) = oneshot::channel();
        let counter = served.clone();
        let thread = std::thread::Builder::new()
            .name("bench-server".into())
            .spawn(move || runtime.block_on(serve(listener, counter, stop)))?;
        Ok(Self {
            addr,
            served,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests were answered 200 so far.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    served: Arc<AtomicU64>,
    mut stop: oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let stream = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let _ = stream.set_nodelay(true);
        let served = served.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let served = served.clone();
                async move { Ok::<_, Infallible>(answer(&request, &served)) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// 200 with [`USAGE_BODY`] for an authenticated `GET /usage` carrying the headers the
/// generated client sends; 400, 401 or 404 otherwise, so that a client sending less fails.
fn answer(request: &Request<Incoming>, served: &AtomicU64) -> Response<Full<Bytes>> {
    let headers = request.headers();
    let status = if request.method() != hyper::Method::GET || request.uri().path() != "/usage" {
        StatusCode::NOT_FOUND
    } else if headers.get("x-api-key").map(|v| v.as_bytes()) != Some(BENCH_KEY.as_bytes()) {
        StatusCode::UNAUTHORIZED
    } else if headers.get("accept").map(|v| v.as_bytes()) != Some(b"application/json".as_slice()) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = if status == StatusCode::OK {
        served.fetch_add(1, Ordering::Relaxed);
        Bytes::from_static(USAGE_BODY.as_bytes())
    } else {
        Bytes::from_static(br#"{"error":"bad request"}"#)
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// The two compared ways of making the call.
pub enum Caller {
    /// `huntapi_client::Client::get_usage().send()` (boxed: the client is much larger than a
    /// `reqwest::Client`; one pointer hop per call does not show in the figures).
    Generated(Box<huntapi_client::Client>),
    /// The same request with reqwest by hand.
    Raw(RawClient),
}

impl Caller {
    /// The generated client for `base_url`, authenticated with [`BENCH_KEY`].
    pub fn generated(base_url: &str) -> Result<Self, String> {
        let credential = huntapi_client::Client::api_key_header_credential(BENCH_KEY)
            .map_err(|e| e.to_string())?;
        let config = huntapi_client::Client::config()
            .with_base_url(base_url)
            .map_err(|e| e.to_string())?
            .with_credential(credential);
        huntapi_client::Client::from_config(config)
            .map(|client| Caller::Generated(Box::new(client)))
            .map_err(|e| e.to_string())
    }

    /// The hand-written reqwest call for `base_url`.
    pub fn raw(base_url: &str) -> Result<Self, String> {
        RawClient::new(base_url).map(Caller::Raw)
    }

    /// The name used in tables.
    pub fn name(&self) -> &'static str {
        match self {
            Caller::Generated(_) => "generated",
            Caller::Raw(_) => "reqwest",
        }
    }

    /// One call; the number of fields of the decoded body.
    pub async fn call(&self) -> Result<usize, String> {
        match self {
            Caller::Generated(client) => client
                .get_usage()
                .send()
                .await
                .map(|response| response.into_inner().len())
                .map_err(|e| e.to_string()),
            Caller::Raw(raw) => raw.call().await,
        }
    }
}

/// A hand-written `GET /usage`: reqwest, the same headers, serde into the same type.
pub struct RawClient {
    http: reqwest::Client,
    url: String,
}

impl RawClient {
    /// A client for `base_url` with the generated client's `User-Agent`.
    pub fn new(base_url: &str) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .user_agent(clientgen_runtime::DEFAULT_USER_AGENT)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            url: format!("{}/usage", base_url.trim_end_matches('/')),
        })
    }

    /// One call.
    pub async fn call(&self) -> Result<usize, String> {
        let response = self
            .http
            .get(&self.url)
            .header(reqwest::header::ACCEPT, "application/json")
            .header("x-api-key", BENCH_KEY)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(format!("unexpected status {}", response.status()));
        }
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        let usage: huntapi_client::types::Usage =
            serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        Ok(usage.len())
    }
}

/// Per-request latencies, in seconds, of two callers measured alternately.
#[derive(Debug, Clone, Default)]
pub struct PairedLatencies {
    /// The first caller's latencies.
    pub a: Vec<f64>,
    /// The second caller's latencies.
    pub b: Vec<f64>,
}

/// `warmup` calls each, then `pairs` sequential calls each, alternating between `a` and `b`
/// (and which goes first), so that both see the same machine noise.
pub async fn paired_latencies(
    a: &Caller,
    b: &Caller,
    warmup: usize,
    pairs: usize,
) -> Result<PairedLatencies, String> {
    for _ in 0..warmup {
        a.call().await?;
        b.call().await?;
    }
    let mut out = PairedLatencies {
        a: Vec::with_capacity(pairs),
        b: Vec::with_capacity(pairs),
    };
    for i in 0..pairs {
        if i % 2 == 0 {
            out.a.push(timed(a).await?);
            out.b.push(timed(b).await?);
        } else {
            out.b.push(timed(b).await?);
            out.a.push(timed(a).await?);
        }
    }
    Ok(out)
}

async fn timed(caller: &Caller) -> Result<f64, String> {
    let start = Instant::now();
    std::hint::black_box(caller.call().await?);
    Ok(start.elapsed().as_secs_f64())
}

/// Runs `concurrency` tasks that each make `per_task` calls; the requests per second over
/// the whole batch.
pub async fn throughput(
    caller: Arc<Caller>,
    concurrency: usize,
    per_task: usize,
) -> Result<f64, String> {
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let caller = caller.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    caller.call().await?;
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    let elapsed = start.elapsed().max(Duration::from_nanos(1));
    Ok((concurrency * per_task) as f64 / elapsed.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn both_callers_get_the_same_answer() {
        let server = BenchServer::start().unwrap();
        let generated = Caller::generated(&server.base_url()).unwrap();
        let raw = Caller::raw(&server.base_url()).unwrap();
        let rt = runtime();
        let fields = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(USAGE_BODY)
            .unwrap()
            .len();
        assert_eq!(rt.block_on(generated.call()), Ok(fields));
        assert_eq!(rt.block_on(raw.call()), Ok(fields));
        assert_eq!(server.served(), 2);
    }

    #[test]
    fn the_server_rejects_requests_without_the_clients_headers() {
        let server = BenchServer::start().unwrap();
        let rt = runtime();
        let http = reqwest::Client::new();
        let url = format!("{}/usage", server.base_url());
        let status = |request: reqwest::RequestBuilder| {
            rt.block_on(async { request.send().await.unwrap().status().as_u16() })
        };
        assert_eq!(status(http.get(&url)), 401);
        assert_eq!(status(http.get(&url).header("x-api-key", BENCH_KEY)), 400);
        assert_eq!(status(http.post(&url)), 404);
        assert_eq!(server.served(), 0);
    }

    #[test]
    fn paired_latencies_and_throughput_count_every_call() {
        let server = BenchServer::start().unwrap();
        let generated = Arc::new(Caller::generated(&server.base_url()).unwrap());
        let raw = Arc::new(Caller::raw(&server.base_url()).unwrap());
        let rt = runtime();
        let latencies = rt
            .block_on(paired_latencies(&generated, &raw, 2, 5))
            .unwrap();
        assert_eq!((latencies.a.len(), latencies.b.len()), (5, 5));
        assert!(latencies.a.iter().chain(&latencies.b).all(|s| *s > 0.0));
        let rate = rt.block_on(throughput(generated, 4, 3)).unwrap();
        assert!(rate > 0.0);
        assert_eq!(server.served(), 2 * 2 + 2 * 5 + 4 * 3);
    }
}
