//! The README's build.rs section, tested as written: a crate outside this workspace is made from
//! exactly its `Cargo.toml` dependencies, its `build.rs` and its `src/main.rs`, plus a second
//! binary that trusts a test CA. It generates its client at build time from
//! `tests/fixtures/readme-api.yaml` (whose schema needs every dependency listed: a uuid, a
//! date-time, a pattern), must build without a warning, and the second binary calls an operation
//! over https against a local TLS server with a certificate made here. A dependency missing from
//! the list fails the build, and so does a missing TLS feature (the second binary trusts the CA
//! through reqwest's TLS API); a TLS backend that cannot reach the server fails the call.
//!
//! The crate gets a copy of the workspace's `Cargo.lock` and builds `--offline` into this
//! workspace's target directory, so it uses the versions already resolved and reuses what is
//! built. `clientgen` and `clientgen-runtime` come from this repository through
//! `[patch.crates-io]`, so the listed dependencies stay as a user writes them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

const SECTION: &str = "## Generating a client at build time (build.rs)";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The fenced blocks of the README's build.rs section, as (info string, body).
fn readme_blocks() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let start = readme.find(SECTION).expect("the README's build.rs section");
    let section = &readme[start + SECTION.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut blocks = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            blocks.push((info.to_string(), body.join("\n") + "\n"));
        }
    }
    blocks
}

/// The workspace's target directory (`CARGO_TARGET_TMPDIR` is `<target>/tmp`).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target directory")
        .to_path_buf()
}

/// A CA, and a certificate for `localhost` it signed: (CA certificate DER, leaf DER, leaf key).
fn certificates() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "clientgen test CA");
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .expect("leaf params")
        .signed_by(&leaf_key, &issuer)
        .expect("leaf certificate");
    (
        ca.der().to_vec(),
        leaf.der().to_vec(),
        leaf_key.serialize_der(),
    )
}

/// Serves `GET /notes` over TLS on 127.0.0.1 until the runtime ends; returns the port.
async fn https_server(leaf: Vec<u8>, key: Vec<u8>) -> u16 {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf)],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
        )
        .expect("server certificate");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let (status, body) = if request.starts_with(b"GET /notes ") {
                    (
                        "200 OK",
                        r#"[{"id":"67e55044-10b1-426f-9247-bb680e5fe0c8","text":"over https","created":"2026-01-02T03:04:05Z","tag":"tls"}]"#,
                    )
                } else {
                    ("404 Not Found", "{}")
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

/// The crate's `src/bin/readme-https-call.rs`, after the README's `include!` line: a `main`
/// that trusts the test CA and prints what `list_notes` returned. (The README's own `main`,
/// which cannot know the test CA, is the crate's `src/main.rs`: built, not run.)
const MAIN: &str = r#"
#[tokio::main]
async fn main() {
    let url = std::env::var("NOTES_URL").expect("NOTES_URL");
    let ca = std::fs::read(std::env::var("NOTES_CA").expect("NOTES_CA")).expect("CA file");
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_der(&ca).expect("CA certificate"))
        .build()
        .expect("HTTP client");
    let config = clientgen_runtime::ClientConfig::new(&url).expect("config");
    let client = api::Client::from_config_and_http_client(config, http);
    match client.list_notes().send().await {
        Ok(notes) => {
            for note in notes.into_inner() {
                println!("{} {}", note.text, note.id);
            }
        }
        Err(e) => {
            eprintln!("list_notes failed: {e} ({e:?})");
            std::process::exit(1);
        }
    }
}
"#;

#[test]
fn the_readme_build_rs_section_builds_a_binary_that_calls_over_https() {
    let blocks = readme_blocks();
    let find = |pred: &dyn Fn(&(String, String)) -> bool, what: &str| {
        blocks
            .iter()
            .find(|b| pred(b))
            .map(|(_, body)| body.clone())
            .unwrap_or_else(|| panic!("no {what} block in the README's build.rs section"))
    };
    let manifest = find(&|(info, _)| info == "toml", "toml");
    let build_rs = find(&|(_, body)| body.starts_with("// build.rs\n"), "build.rs");
    let main_rs = find(
        &|(_, body)| body.starts_with("// src/main.rs"),
        "src/main.rs",
    );
    let include = "include!(concat!(env!(\"OUT_DIR\"), \"/api.rs\"));";
    assert!(main_rs.contains(include), "{main_rs}");
    assert!(build_rs.contains("\"spec/api.yaml\""), "{build_rs}");

    let dir = std::env::temp_dir().join(format!("clientgen-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src/bin")).expect("crate folder");
    std::fs::create_dir_all(dir.join("spec")).expect("spec folder");
    let patch = format!(
        "\n# Outside any workspace.\n[workspace]\n\n[patch.crates-io]\n\
         clientgen = {{ path = {:?} }}\nclientgen-runtime = {{ path = {:?} }}\n",
        repo().join("generator"),
        repo().join("runtime")
    );
    let package = "[package]\nname = \"readme-build-rs\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
                   publish = false\n\n";
    let write = |rel: &str, text: &str| {
        std::fs::write(dir.join(rel), text).unwrap_or_else(|e| panic!("{rel}: {e}"))
    };
    write("Cargo.toml", &format!("{package}{manifest}{patch}"));
    write("build.rs", &build_rs);
    write("src/main.rs", &main_rs);
    write(
        "src/bin/readme-https-call.rs",
        &format!("{include}\n{MAIN}"),
    );
    std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).expect("Cargo.lock");
    std::fs::copy(
        repo().join("tests/fixtures/readme-api.yaml"),
        dir.join("spec/api.yaml"),
    )
    .expect("spec");

    let target = target_dir();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let build = Command::new(cargo)
        .current_dir(&dir)
        .args(["build", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(
        build.status.success(),
        "the README's build.rs section does not build:\n{stderr}"
    );
    assert!(
        !stderr.contains("warning"),
        "the README's build.rs section builds with warnings:\n{stderr}"
    );

    let (ca, leaf, key) = certificates();
    let ca_file = dir.join("ca.der");
    std::fs::write(&ca_file, ca).expect("CA file");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let port = runtime.block_on(https_server(leaf, key));
    let binary = target.join("debug/readme-https-call");
    let run = Command::new(&binary)
        .env("NOTES_URL", format!("https://localhost:{port}"))
        .env("NOTES_CA", &ca_file)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "the call over https failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(stdout, "over https 67e55044-10b1-426f-9247-bb680e5fe0c8\n");
    drop(runtime);
    let _ = std::fs::remove_dir_all(&dir);
}
