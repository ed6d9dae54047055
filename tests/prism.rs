//! An independent check of the three clients: Prism (a mock server written by others, pinned in
//! `tools/prism`), started from each spec on 127.0.0.1 with `--errors`, so that it validates
//! every request against the spec and answers an invalid one with an error. Every operation of
//! each client is called once and must succeed; then each documented error status of each
//! operation is asked for (`Prefer: code=N`) and must decode to the operation's documented
//! variant for that status.

mod common;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clientgen_runtime::{
    CallError, ClientConfig, Documented, OperationMeta, ResponseValue, RetryPolicy, StatusPattern,
};
use common::SECRET;
use reqwest::header::{HeaderMap, HeaderValue};

/// How one call ended.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// A documented success, decoded.
    Ok,
    /// A documented error status, decoded into its variant.
    Documented(u16),
    /// Anything else, described.
    Other(String),
}

fn outcome<T, E: Documented>(result: Result<ResponseValue<T>, CallError<E>>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(CallError::Documented(e)) => {
            Outcome::Documented(CallError::Documented(e).status().map_or(0, |s| s.as_u16()))
        }
        Err(other) => Outcome::Other(other.to_string()),
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Installs the pinned Prism once per test binary (the script does nothing when it is there).
fn install() {
    static DONE: Mutex<bool> = Mutex::new(false);
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if *done {
        return;
    }
    let status = Command::new("bash")
        .arg(root().join("tools/prism/install.sh"))
        .status()
        .expect("bash runs tools/prism/install.sh");
    assert!(
        status.success(),
        "tools/prism/install.sh failed: Prism needs node, npm and the npm registry"
    );
    *done = true;
}

/// A `prism mock` process serving one spec on 127.0.0.1, stopped on drop.
struct Prism {
    child: Child,
    url: String,
}

impl Prism {
    fn start(spec: &str) -> Self {
        install();
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
            listener.local_addr().expect("its address").port()
        };
        let log = std::fs::File::create(std::env::temp_dir().join(format!("prism-{port}.log")))
            .expect("a log file");
        let child = Command::new(root().join("tools/prism/node_modules/.bin/prism"))
            .args([
                "mock",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--errors",
            ])
            .arg(root().join(spec))
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("prism starts");
        let mut prism = Prism {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let start = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = prism.child.try_wait() {
                panic!("prism exited ({status}) before serving {spec}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "prism did not listen on {addr} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        prism
    }

    /// A configuration for this server: no retries, so that each answer is seen as sent.
    fn config(&self) -> ClientConfig {
        ClientConfig::new(&self.url)
            .expect("a valid base URL")
            .with_retry_policy(RetryPolicy::none())
    }

    /// An HTTP client that asks Prism for the response documented for `status`.
    fn preferring(status: Option<u16>) -> reqwest::Client {
        let mut headers = HeaderMap::new();
        if let Some(status) = status {
            let value = HeaderValue::from_str(&format!("code={status}")).expect("header");
            headers.insert("prefer", value);
        }
        reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("reqwest client")
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The documented single statuses of an operation's errors.
fn documented_codes(meta: &OperationMeta) -> Vec<u16> {
    meta.errors
        .iter()
        .filter_map(|e| match e.status {
            StatusPattern::Code(code) => Some(code),
            _ => None,
        })
        .collect()
}

/// Calls every operation once (all must succeed), then asks for each documented error of each
/// operation (each must decode to its variant). Returns the problems found and the number of
/// documented errors asked for.
async fn check_all<C, F, Fut>(
    make: impl Fn(reqwest::Client) -> C,
    operations: &[&'static OperationMeta],
    call: F,
) -> (Vec<String>, usize)
where
    F: Fn(C, &'static str) -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let mut problems = Vec::new();
    let mut errors = 0;
    for meta in operations {
        let got = call(make(Prism::preferring(None)), meta.operation_id).await;
        if got != Outcome::Ok {
            problems.push(format!("{}: a valid call got {got:?}", meta.operation_id));
        }
        for code in documented_codes(meta) {
            errors += 1;
            let got = call(make(Prism::preferring(Some(code))), meta.operation_id).await;
            if got != Outcome::Documented(code) {
                problems.push(format!(
                    "{}: the documented {code} decoded as {got:?}",
                    meta.operation_id
                ));
            }
        }
    }
    (problems, errors)
}

fn assert_no_problems(spec: &str, (problems, errors): &(Vec<String>, usize), at_least: usize) {
    assert!(
        *errors >= at_least,
        "{spec}: {errors} documented errors asked for, expected at least {at_least}"
    );
    assert!(
        problems.is_empty(),
        "{spec} against Prism:\n{}",
        problems.join("\n")
    );
}

#[tokio::test]
async fn huntapi_calls_are_accepted_and_errors_decode() {
    use huntapi_client::{Client, operations as ops};
    let prism = Prism::start("spec/huntapi.yaml");
    let key = Client::api_key_header_credential(SECRET).expect("credential");
    let config = prism.config().with_credential(key);
    let make = |http| Client::from_config_and_http_client(config.clone(), http);
    let problems = check_all(
        make,
        &[
            &ops::GET_USAGE,
            &ops::AUDIO_DOWNLOAD,
            &ops::VIDEO_DOWNLOAD,
            &ops::GET_JOB,
        ],
        |c: Client, op| async move {
            match op {
                "getUsage" => outcome(c.get_usage().send().await),
                "audioDownload" => outcome(
                    c.audio_download()
                        .query("https://www.youtube.com/watch?v=example")
                        .audio_format("m4a")
                        .send()
                        .await,
                ),
                "videoDownload" => outcome(
                    c.video_download()
                        .query("https://www.youtube.com/watch?v=example")
                        .send()
                        .await,
                ),
                "getJob" => outcome(
                    c.get_job()
                        .id("9f8c1e9e-0a39-4a8e-9d61-3d2b4c7f1a20")
                        .send()
                        .await,
                ),
                other => Outcome::Other(format!("no call written for {other}")),
            }
        },
    )
    .await;
    assert_no_problems("spec/huntapi.yaml", &problems, 26);

    // Prism checks what it is sent: without the key, the same call is refused with the
    // documented 401.
    let keyless = Client::from_config_and_http_client(prism.config(), Prism::preferring(None));
    assert_eq!(
        outcome(keyless.get_usage().send().await),
        Outcome::Documented(401)
    );
}

#[tokio::test]
async fn audiopod_calls_are_accepted_and_errors_decode() {
    use audiopod_client::{Client, operations as ops, types};
    let prism = Prism::start("spec/audiopod.yaml");
    let key = Client::api_key_header_credential(SECRET).expect("credential");
    let config = prism.config().with_credential(key);
    let make = |http| Client::from_config_and_http_client(config.clone(), http);
    let problems = check_all(
        make,
        &[
            &ops::LIST_API_KEYS,
            &ops::CREATE_API_KEY,
            &ops::REVOKE_API_KEY,
            &ops::EXTRACT_STEMS,
            &ops::EXTRACT_STEMS_ADVANCED,
            &ops::GET_STEM_JOB_STATUS,
            &ops::LIST_STEM_JOBS,
            &ops::DELETE_STEM_JOB,
            &ops::LIST_STEM_MODES,
            &ops::GET_STEM_CATALOG,
            &ops::LIST_AVAILABLE_STEM_PACKAGES,
            &ops::GET_WALLET_BALANCE,
            &ops::CREATE_TOPUP_CHECKOUT,
            &ops::ESTIMATE_COST,
            &ops::GET_WALLET_USAGE,
            &ops::GET_PRICING,
        ],
        |c: Client, op| async move {
            match op {
                "listApiKeys" => outcome(c.list_api_keys().send().await),
                "createApiKey" => outcome(
                    c.create_api_key()
                        .body_map(|b| b.name("staging-key".to_string()))
                        .send()
                        .await,
                ),
                "revokeApiKey" => outcome(c.revoke_api_key().key_id("k1").send().await),
                "extractStems" => outcome(
                    c.extract_stems()
                        .url("https://youtube.com/watch?v=VIDEO_ID")
                        .mode(types::StemMode::Four)
                        .send()
                        .await,
                ),
                "extractStemsAdvanced" => outcome(
                    c.extract_stems_advanced()
                        .url("https://youtube.com/watch?v=VIDEO_ID")
                        .single_stem("saxophone")
                        .send()
                        .await,
                ),
                "getStemJobStatus" => outcome(c.get_stem_job_status().job_id(1).send().await),
                "listStemJobs" => outcome(c.list_stem_jobs().send().await),
                "deleteStemJob" => outcome(c.delete_stem_job().job_id(1).send().await),
                "listStemModes" => outcome(c.list_stem_modes().send().await),
                "getStemCatalog" => outcome(c.get_stem_catalog().send().await),
                "listAvailableStemPackages" => {
                    outcome(c.list_available_stem_packages().send().await)
                }
                "getWalletBalance" => outcome(c.get_wallet_balance().send().await),
                "createTopupCheckout" => outcome(
                    c.create_topup_checkout()
                        .body(types::TopupCheckoutRequest { amount_cents: 500 })
                        .send()
                        .await,
                ),
                "estimateCost" => outcome(
                    c.estimate_cost()
                        .body(types::CostEstimateRequest {
                            service_type: "stem_extraction".into(),
                            duration_seconds: 60,
                        })
                        .send()
                        .await,
                ),
                "getWalletUsage" => outcome(c.get_wallet_usage().send().await),
                "getPricing" => outcome(c.get_pricing().send().await),
                other => Outcome::Other(format!("no call written for {other}")),
            }
        },
    )
    .await;
    assert_no_problems("spec/audiopod.yaml", &problems, 48);
}

#[tokio::test]
async fn audioscrape_calls_are_accepted_and_errors_decode() {
    use audioscrape_client::{Client, operations as ops, types};
    let prism = Prism::start("spec/audioscrape.yaml");
    let key = Client::bearer_auth_credential(SECRET).expect("credential");
    let config = prism.config().with_credential(key);
    let make = |http| Client::from_config_and_http_client(config.clone(), http);
    let problems = check_all(
        make,
        &[
            &ops::SEARCH,
            &ops::GET_ME,
            &ops::LIST_NOTIFICATIONS,
            &ops::CREATE_NOTIFICATION,
            &ops::DELETE_NOTIFICATION,
            &ops::LIST_LIBRARIES,
            &ops::GET_PODCAST_CHARTS,
            &ops::GET_EPISODE_CHARTS,
            &ops::GET_PODCAST_CHART_HISTORY,
            &ops::SEARCH_PODCASTS,
            &ops::CREATE_PAYMENT_LINK,
        ],
        |c: Client, op| async move {
            match op {
                "search" => outcome(
                    c.search()
                        .body_map(|b| {
                            b.query("machine learning AND neural networks")
                                .search_type(Some(types::SearchRequestSearchType::Semantic.into()))
                                .pagination(types::SearchPagination {
                                    limit: 10,
                                    offset: 0,
                                })
                        })
                        .send()
                        .await,
                ),
                "getMe" => outcome(c.get_me().send().await),
                "listNotifications" => outcome(c.list_notifications().send().await),
                "createNotification" => outcome(
                    c.create_notification()
                        .body_map(|b| {
                            b.search_term("artificial intelligence")
                                .webhook_url(Some("https://example.com/hook".to_string()))
                        })
                        .send()
                        .await,
                ),
                "deleteNotification" => outcome(c.delete_notification().id(123).send().await),
                "listLibraries" => outcome(c.list_libraries().send().await),
                "getPodcastCharts" => outcome(
                    c.get_podcast_charts()
                        .country("us")
                        .platform("apple")
                        .limit(50)
                        .send()
                        .await,
                ),
                "getEpisodeCharts" => outcome(c.get_episode_charts().country("us").send().await),
                "getPodcastChartHistory" => {
                    outcome(c.get_podcast_chart_history().podcast_id("42").send().await)
                }
                "searchPodcasts" => outcome(
                    c.search_podcasts()
                        .q("technology")
                        .language("en")
                        .send()
                        .await,
                ),
                "createPaymentLink" => outcome(
                    c.create_payment_link()
                        .body_map(|b| b.plan("basic").email("user@example.com"))
                        .send()
                        .await,
                ),
                other => Outcome::Other(format!("no call written for {other}")),
            }
        },
    )
    .await;
    assert_no_problems("spec/audioscrape.yaml", &problems, 32);
}
