//! A small scripted HTTP/1.1 server on 127.0.0.1 for the workspace's integration tests:
//! answers from a script or a handler, records every request, and can drop or stall a
//! connection to inject faults. Also [`manifest_features`], the features a Cargo.toml declares.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the server does with the next request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Send this response, then close the connection.
    Respond(Reply),
    /// Read the request, then close the connection without answering (a lost response).
    Close,
    /// Read the request, wait this long without answering, then close.
    Hang(Duration),
}

/// A scripted response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn json(status: u16, body: &str) -> Self {
        Self::status(status)
            .header("content-type", "application/json")
            .body(body.as_bytes().to_vec())
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }
}

impl From<Reply> for Action {
    fn from(reply: Reply) -> Self {
        Action::Respond(reply)
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first value of a header (`name` in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Decides the answer to each request (with the number of requests seen before it).
pub type Handler = Box<dyn Fn(&Recorded, usize) -> Action + Send + Sync>;

struct Shared {
    script: Mutex<VecDeque<Action>>,
    handler: Option<Handler>,
    requests: Mutex<Vec<Recorded>>,
}

/// A server answering requests from a script; once the script is used up it answers 500.
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

/// The most connections one server accepts, so that a test can never loop forever.
const MAX_CONNECTIONS: usize = 1024;

impl TestServer {
    /// A server that answers requests with the script's actions in order.
    pub async fn start(script: Vec<Action>) -> Self {
        Self::launch(script, None).await
    }

    /// A server that asks `handler` how to answer each request.
    pub async fn with_handler(
        handler: impl Fn(&Recorded, usize) -> Action + Send + Sync + 'static,
    ) -> Self {
        Self::launch(Vec::new(), Some(Box::new(handler))).await
    }

    async fn launch(script: Vec<Action>, handler: Option<Handler>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            script: Mutex::new(script.into()),
            handler,
            requests: Mutex::new(Vec::new()),
        });
        let task_shared = shared.clone();
        let task = tokio::spawn(async move {
            for _ in 0..MAX_CONNECTIONS {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let shared = task_shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, shared).await;
                });
            }
        });
        Self { addr, shared, task }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Appends an action to the script (for responses that need the server's own URL).
    pub fn push(&self, action: Action) {
        self.shared.script.lock().unwrap().push_back(action);
    }

    pub fn count(&self) -> usize {
        self.shared.requests.lock().unwrap().len()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A port on 127.0.0.1 where nothing listens: bind, note the port, drop the listener.
pub async fn dead_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    drop(listener);
    port
}

async fn serve(mut stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let Some(request) = read_request(&mut stream).await? else {
        return Ok(());
    };
    let seen = {
        let mut requests = shared.requests.lock().unwrap();
        requests.push(request.clone());
        requests.len() - 1
    };
    let action = match &shared.handler {
        Some(handler) => handler(&request, seen),
        None => shared
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| Reply::json(500, r#"{"error":"script exhausted"}"#).into()),
    };
    match action {
        Action::Respond(reply) => {
            let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
            head.push_str(&format!("content-length: {}\r\n", reply.body.len()));
            head.push_str("connection: close\r\n");
            for (name, value) in &reply.headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&reply.body).await?;
            stream.flush().await?;
            let _ = stream.shutdown().await;
        }
        Action::Close => {}
        Action::Hang(d) => tokio::time::sleep(d).await,
    }
    Ok(())
}

async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Recorded>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > 64 * 1024 {
            return Ok(None);
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut rest = buf[head_end + 4..].to_vec();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let body = if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while rest.len() < len {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            rest.extend_from_slice(&chunk[..n]);
        }
        rest.truncate(len);
        rest
    } else if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        read_chunked(stream, rest).await?
    } else {
        Vec::new()
    };
    Ok(Some(Recorded {
        method,
        target,
        headers,
        body,
    }))
}

async fn read_chunked(stream: &mut TcpStream, mut buf: Vec<u8>) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        while find(&buf, b"\r\n").is_none() {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(body);
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let line_end = find(&buf, b"\r\n").unwrap_or(0);
        let size_text = String::from_utf8_lossy(&buf[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        buf.drain(..line_end + 2);
        while buf.len() < size + 2 {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(body);
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        202 => "Accepted",
        302 => "Found",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// The features a Cargo.toml's text declares: the keys of its `[features]` table, in order
/// (`default` included); none without the table.
pub fn manifest_features(manifest: &str) -> Vec<String> {
    let Some(table) = manifest.split("\n[features]\n").nth(1) else {
        return Vec::new();
    };
    let table = &table[..table.find("\n[").unwrap_or(table.len())];
    table
        .lines()
        .filter(|line| !line.starts_with(['#', ' ']))
        .filter_map(|line| {
            line.split_once(" = ")
                .map(|(key, _)| key.trim().to_string())
        })
        .collect()
}
