//! End-to-end tests of the generated Audioscrape client (`generated/audioscrape-client`, from
//! `spec/audioscrape.yaml`) against a local scripted server: the requests every operation sends
//! with each security scheme, the decoding of documented successes and errors (with the 429
//! `retry_after` field and `Retry-After` header), malformed responses, and keeping the API key
//! out of output and away from other origins.

mod common;

use std::error::Error as StdError;
use std::time::Duration;

use audioscrape_client::{CallError, Client, ConfigError, Error, errors, types};
use clientgen_runtime::{MAX_ERROR_BODY_BYTES, NoHeaders, TransportErrorKind};
use clientgen_testkit::{Action, Recorded, Reply, TestServer, dead_port};
use common::{
    EnvVarGuard, SECRET, TEN_MB, assert_error_secret_free, assert_no_secret, env_lock, json_body,
    local_config, path, query_pairs, scripted,
};
use reqwest::StatusCode;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Scheme {
    /// `BearerAuth`: `Authorization: Bearer <key>`.
    Bearer,
    /// `ApiKeyQuery`: `api_key` query parameter.
    Query,
}

const SCHEMES: [Scheme; 2] = [Scheme::Bearer, Scheme::Query];

fn client(base_url: &str, scheme: Scheme) -> Client {
    let credential = match scheme {
        Scheme::Bearer => Client::bearer_auth_credential(SECRET),
        Scheme::Query => Client::api_key_query_credential(SECRET),
    }
    .expect("the test key is a valid credential");
    Client::from_config(local_config(base_url).with_credential(credential)).expect("client builds")
}

/// The request carries the key exactly as `scheme` says, and nowhere else; no other query
/// parameter is sent (for the operations without query parameters).
fn assert_auth(request: &Recorded, scheme: Scheme) {
    let query = query_pairs(request);
    match scheme {
        Scheme::Bearer => {
            let expected = format!("Bearer {SECRET}");
            assert_eq!(request.header("authorization"), Some(expected.as_str()));
            assert!(query.is_empty(), "{}", request.target);
        }
        Scheme::Query => {
            assert_eq!(request.header("authorization"), None);
            assert_eq!(query, [("api_key".to_owned(), SECRET.to_owned())]);
        }
    }
}

fn only_request(server: &TestServer) -> Recorded {
    let mut requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.remove(0)
}

/// The spec's example search response.
fn search_page() -> serde_json::Value {
    json!({
        "meta": {
            "query": "machine learning AND neural networks",
            "total": 1234, "limit": 2, "offset": 0, "has_more": true, "took_ms": 45
        },
        "results": [{
            "segment_id": "101_8669.079",
            "score": 23.22,
            "text": "The advancements in machine learning and neural networks over the past decade have been remarkable.",
            "highlighted_text": "The advancements in <mark>machine learning</mark> and <mark>neural networks</mark> over the past decade have been remarkable.",
            "timestamp": { "start": 125.4, "end": 142.8 },
            "speaker": "Dr. Jane Smith",
            "episode": {
                "id": "789", "title": "The Future of AI", "slug": "the-future-of-ai",
                "publish_date": "2024-06-15T10:00:00Z"
            },
            "podcast": {
                "id": "42", "title": "Tech Talk Weekly", "slug": "tech-talk-weekly",
                "image_url": "https://example.com/image.png"
            },
            "urls": {
                "segment": "/podcast/tech-talk-weekly/episode/the-future-of-ai?t=125.4",
                "episode": "/podcast/tech-talk-weekly/episode/the-future-of-ai"
            }
        }]
    })
}

/// The spec's example `getMe` response.
fn me() -> serde_json::Value {
    json!({
        "user": {
            "id": 42, "email": "ada@example.com", "name": "Ada Lovelace",
            "member_since": "2024-09-12 14:03:11 UTC"
        },
        "plan": {
            "name": "pro",
            "limits": {
                "searches_per_month": 50000, "semantic_searches_per_month": 10000,
                "data_calls_per_month": 100000, "keyword_alerts": 25, "webhooks_enabled": true,
                "max_api_keys": 10, "transcription_minutes_per_month": 600, "storage_mb": 20480
            }
        },
        "api_key": { "id": 17, "key_name": "agent-orchestrator-prod", "pinned_version": "2026-02-01" },
        "api_version": "2026-02-01"
    })
}

/// The spec's example notification.
fn notification() -> serde_json::Value {
    json!({
        "id": 123,
        "search_term": "\"artificial intelligence\" AND (ethics OR regulation) NOT military",
        "webhook_url": "https://your-webhook.com/endpoint",
        "email_recipient": "user@example.com",
        "created_at": "2024-01-15T10:00:00Z",
        "delivery_stats": {
            "total_deliveries": 0, "successful_deliveries": 0, "failed_deliveries": 0,
            "last_delivery": null
        }
    })
}

fn ok_json(status: u16, body: &serde_json::Value) -> Action {
    Reply::json(status, &body.to_string()).into()
}

// ---------------------------------------------------------------------------------------------
// Success paths

#[tokio::test]
async fn search_sends_the_whole_body_and_decodes_the_documented_page() {
    for scheme in SCHEMES {
        let server = TestServer::start(vec![ok_json(200, &search_page())]).await;
        let request = types::SearchRequest {
            query: "machine learning AND neural networks".into(),
            limit: Some(2),
            offset: Some(40),
            filters: Some(types::SearchFilters {
                podcast_ids: vec!["42".into()],
                speakers: vec!["Dr. Jane Smith".into()],
                ..Default::default()
            }),
            sort: Some(types::SearchSort {
                field: Some(types::SearchSortField::Date.into()),
                order: Some(types::SearchSortOrder::Desc.into()),
            }),
            search_type: None,
            pagination: None,
            options: None,
        };
        let page = client(&server.url(), scheme)
            .search()
            .body(request)
            .send()
            .await
            .expect("search page");
        assert_eq!(page.status(), StatusCode::OK);

        let sent = only_request(&server);
        assert_eq!(sent.method, "POST");
        assert_eq!(path(&sent), "/api/v1/search");
        assert_eq!(sent.header("content-type"), Some("application/json"));
        assert_eq!(sent.header("accept"), Some("application/json"));
        assert_eq!(
            json_body(&sent),
            json!({
                "query": "machine learning AND neural networks",
                "limit": 2,
                "offset": 40,
                "filters": { "podcast_ids": ["42"], "speakers": ["Dr. Jane Smith"] },
                "sort": { "field": "date", "order": "desc" }
            })
        );
        assert_auth(&sent, scheme);

        let page = page.into_inner();
        assert_eq!(
            page.meta.query.as_deref(),
            Some("machine learning AND neural networks")
        );
        assert_eq!(page.meta.total, Some(1234));
        assert_eq!(page.meta.limit, Some(2));
        assert_eq!(page.meta.offset, Some(0));
        assert_eq!(page.meta.has_more, Some(true));
        assert_eq!(page.meta.took_ms, Some(45));
        assert_eq!(page.results.len(), 1);
        let hit = &page.results[0];
        assert_eq!(hit.segment_id.as_deref(), Some("101_8669.079"));
        assert_eq!(hit.score, Some(23.22));
        assert!(hit.text.as_deref().unwrap().starts_with("The advancements"));
        assert!(
            hit.highlighted_text
                .as_deref()
                .unwrap()
                .contains("<mark>machine learning</mark>")
        );
        let timestamp = hit.timestamp.as_ref().unwrap();
        assert_eq!((timestamp.start, timestamp.end), (Some(125.4), Some(142.8)));
        assert_eq!(hit.speaker.as_deref(), Some("Dr. Jane Smith"));
        let episode = hit.episode.as_ref().unwrap();
        assert_eq!(
            episode
                .id
                .as_ref()
                .and_then(|id| id.parsed())
                .map(String::as_str),
            Some("789")
        );
        assert_eq!(episode.title.as_deref(), Some("The Future of AI"));
        assert_eq!(episode.slug.as_deref(), Some("the-future-of-ai"));
        assert_eq!(
            episode.publish_date,
            Some("2024-06-15T10:00:00Z".parse().unwrap())
        );
        let podcast = hit.podcast.as_ref().unwrap();
        assert_eq!(
            podcast
                .id
                .as_ref()
                .and_then(|id| id.parsed())
                .map(String::as_str),
            Some("42")
        );
        assert_eq!(podcast.title.as_deref(), Some("Tech Talk Weekly"));
        assert_eq!(podcast.slug.as_deref(), Some("tech-talk-weekly"));
        assert_eq!(
            podcast.image_url.as_deref(),
            Some("https://example.com/image.png")
        );
        let urls = hit.urls.as_ref().unwrap();
        assert_eq!(
            urls.segment.as_deref(),
            Some("/podcast/tech-talk-weekly/episode/the-future-of-ai?t=125.4")
        );
        assert_eq!(
            urls.episode.as_deref(),
            Some("/podcast/tech-talk-weekly/episode/the-future-of-ai")
        );
    }
}

#[tokio::test]
async fn a_search_over_the_documented_limit_is_refused_before_it_is_billed() {
    let server = TestServer::start(vec![]).await;
    let client = client(&server.url(), Scheme::Bearer);
    let err = client
        .search()
        .body_map(|b| b.query("climate").limit(150))
        .send()
        .await
        .expect_err("limit is at most 100");
    let CallError::InvalidRequest(message) = &err else {
        panic!("expected InvalidRequest, got {err:?}");
    };
    assert_eq!(message, "body field `limit` must be at most 100 (is 150)");
    assert_eq!(server.count(), 0, "nothing is sent, nothing is billed");
}

#[tokio::test]
async fn search_leaves_out_unset_optional_fields() {
    let server =
        TestServer::with_handler(|_, _| Reply::json(200, r#"{"meta":{},"results":[]}"#).into())
            .await;
    let client = client(&server.url(), Scheme::Bearer);

    let page = client
        .search()
        .body_map(|b| b.query("\"exact phrase\" -term"))
        .send()
        .await
        .expect("empty page")
        .into_inner();
    assert!(page.results.is_empty());
    assert_eq!(page.meta.total, None);
    // `limit`, `offset`, `filters`, `sort` and the nested body's fields are left out.
    assert_eq!(
        json_body(server.requests().last().unwrap()),
        json!({ "query": "\"exact phrase\" -term" })
    );

    // Empty filter lists and an empty sort are left out inside their objects too.
    client
        .search()
        .body_map(|b| {
            b.query("ai")
                .filters(types::SearchFilters::default())
                .sort(types::SearchSort::default())
        })
        .send()
        .await
        .expect("empty page");
    assert_eq!(
        json_body(server.requests().last().unwrap()),
        json!({ "query": "ai", "filters": {}, "sort": {} })
    );
}

#[tokio::test]
async fn search_sort_enums_are_sent_as_the_spec_spells_them() {
    use types::{SearchSortField as Field, SearchSortOrder as Order};
    let server =
        TestServer::with_handler(|_, _| Reply::json(200, r#"{"meta":{},"results":[]}"#).into())
            .await;
    let client = client(&server.url(), Scheme::Query);
    for (field, order, expected) in [
        (
            Field::Relevance,
            Order::Desc,
            json!({"field": "relevance", "order": "desc"}),
        ),
        (
            Field::Date,
            Order::Asc,
            json!({"field": "date", "order": "asc"}),
        ),
    ] {
        client
            .search()
            .body_map(|b| {
                b.query("ai").sort(types::SearchSort {
                    field: Some(field.into()),
                    order: Some(order.into()),
                })
            })
            .send()
            .await
            .expect("page");
        let sent = json_body(server.requests().last().unwrap());
        assert_eq!(sent["sort"], expected);
    }
}

#[tokio::test]
async fn search_without_a_query_is_an_invalid_request_and_nothing_is_sent() {
    let server = TestServer::start(Vec::new()).await;
    let err = client(&server.url(), Scheme::Query)
        .search()
        .body_map(|b| b.limit(5))
        .send()
        .await
        .unwrap_err();
    let CallError::InvalidRequest(message) = &err else {
        panic!("expected InvalidRequest, got {err:?}");
    };
    assert!(message.contains("query"), "{message}");
    assert!(!err.is_retryable());
    assert_eq!(err.status(), None);
    assert_error_secret_free(&err);
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn get_me_decodes_user_plan_and_key() {
    for scheme in SCHEMES {
        let server = TestServer::start(vec![ok_json(200, &me())]).await;
        let me = client(&server.url(), scheme)
            .get_me()
            .send()
            .await
            .expect("me")
            .into_inner();
        let sent = only_request(&server);
        assert_eq!(sent.method, "GET");
        assert_eq!(path(&sent), "/api/me");
        assert!(sent.body.is_empty());
        assert_eq!(sent.header("content-type"), None);
        assert_auth(&sent, scheme);

        let user = me.user.as_ref().unwrap();
        assert_eq!(user.id, Some(42));
        assert_eq!(user.email.as_deref(), Some("ada@example.com"));
        assert_eq!(user.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(
            user.member_since.as_deref(),
            Some("2024-09-12 14:03:11 UTC")
        );
        let plan = me.plan.as_ref().unwrap();
        assert_eq!(plan.name.as_deref(), Some("pro"));
        let limits = plan.limits.as_ref().unwrap();
        assert_eq!(limits.searches_per_month, Some(50000));
        assert_eq!(limits.semantic_searches_per_month, Some(10000));
        assert_eq!(limits.data_calls_per_month, Some(100000));
        assert_eq!(limits.keyword_alerts, Some(25));
        assert_eq!(limits.webhooks_enabled, Some(true));
        assert_eq!(limits.max_api_keys, Some(10));
        assert_eq!(limits.transcription_minutes_per_month, Some(600));
        assert_eq!(limits.storage_mb, Some(20480));
        // Compared through serde, so that the check holds however the generator models the
        // nullable `MeApiKey` object (a wrapper around an `Option` or a plain struct).
        assert_eq!(
            serde_json::to_value(&me.api_key).unwrap(),
            json!({ "id": 17, "key_name": "agent-orchestrator-prod", "pinned_version": "2026-02-01" })
        );
        assert_eq!(me.api_version.as_deref(), Some("2026-02-01"));
    }
}

#[tokio::test]
async fn get_me_accepts_the_documented_nulls() {
    let body = json!({
        "user": { "id": 7, "email": "new@example.com", "name": null, "member_since": null },
        "plan": { "name": "free" },
        "api_key": null,
        "api_version": "2026-02-01"
    });
    let server = TestServer::start(vec![ok_json(200, &body)]).await;
    let me = client(&server.url(), Scheme::Bearer)
        .get_me()
        .send()
        .await
        .expect("nullable fields decode")
        .into_inner();
    let user = me.user.unwrap();
    assert_eq!(user.name, None);
    assert_eq!(user.member_since, None);
    assert_eq!(
        serde_json::to_value(&me.api_key).unwrap(),
        serde_json::Value::Null
    );
    assert!(me.plan.unwrap().limits.is_none());
}

#[tokio::test]
async fn list_notifications_decodes_the_documented_list() {
    let list = json!([{
        "id": 123,
        "search_term": "artificial intelligence",
        "webhook_url": "https://your-webhook.com/endpoint",
        "email_recipient": "user@example.com",
        "created_at": "2024-01-15T10:00:00Z",
        "delivery_stats": {
            "total_deliveries": 5, "successful_deliveries": 4, "failed_deliveries": 1,
            "last_delivery": "2024-01-16T15:30:00Z"
        }
    }, {
        "id": 124,
        "search_term": "podcast ads",
        "webhook_url": null,
        "email_recipient": "ads@example.com",
        "created_at": "2024-02-01T08:00:00Z"
    }]);
    for scheme in SCHEMES {
        let server = TestServer::start(vec![ok_json(200, &list), ok_json(200, &json!([]))]).await;
        let client = client(&server.url(), scheme);
        let notifications = client
            .list_notifications()
            .send()
            .await
            .expect("list")
            .into_inner();
        assert_eq!(notifications.len(), 2);
        let first = &notifications[0];
        assert_eq!(first.id, Some(123));
        assert_eq!(
            first.search_term.as_deref(),
            Some("artificial intelligence")
        );
        assert_eq!(
            first.webhook_url.as_deref(),
            Some("https://your-webhook.com/endpoint")
        );
        assert_eq!(first.email_recipient.as_deref(), Some("user@example.com"));
        assert_eq!(
            first.created_at,
            Some("2024-01-15T10:00:00Z".parse().unwrap())
        );
        let stats = first.delivery_stats.as_ref().unwrap();
        assert_eq!(stats.total_deliveries, Some(5));
        assert_eq!(stats.successful_deliveries, Some(4));
        assert_eq!(stats.failed_deliveries, Some(1));
        assert_eq!(
            stats.last_delivery,
            Some("2024-01-16T15:30:00Z".parse().unwrap())
        );
        assert_eq!(notifications[1].webhook_url, None);
        assert!(notifications[1].delivery_stats.is_none());

        let empty = client
            .list_notifications()
            .send()
            .await
            .expect("empty list");
        assert!(empty.is_empty());

        for sent in server.requests() {
            assert_eq!(sent.method, "GET");
            assert_eq!(path(&sent), "/api/notifications");
            assert!(sent.body.is_empty());
            assert_auth(&sent, scheme);
        }
    }
}

#[tokio::test]
async fn create_notification_sends_the_body_and_accepts_200_and_201() {
    let term = "\"artificial intelligence\" AND (ethics OR regulation) NOT military";
    for (scheme, status) in [(Scheme::Bearer, 200), (Scheme::Query, 201)] {
        let server = TestServer::start(vec![ok_json(status, &notification())]).await;
        let created = client(&server.url(), scheme)
            .create_notification()
            .body(types::CreateNotificationRequest {
                search_term: term.into(),
                webhook_url: Some("https://your-webhook.com/endpoint".into()),
                email_recipient: Some("user@example.com".into()),
            })
            .send()
            .await
            .unwrap_or_else(|e| panic!("HTTP {status} is a documented success: {e:?}"));
        assert_eq!(created.status().as_u16(), status);
        let sent = only_request(&server);
        assert_eq!(sent.method, "POST");
        assert_eq!(path(&sent), "/api/notifications");
        assert_eq!(sent.header("content-type"), Some("application/json"));
        assert_eq!(
            json_body(&sent),
            json!({
                "search_term": term,
                "webhook_url": "https://your-webhook.com/endpoint",
                "email_recipient": "user@example.com"
            })
        );
        assert_auth(&sent, scheme);

        let created = created.into_inner();
        assert_eq!(created.id, Some(123));
        assert_eq!(created.search_term.as_deref(), Some(term));
        let stats = created.delivery_stats.unwrap();
        assert_eq!(stats.total_deliveries, Some(0));
        assert_eq!(stats.last_delivery, None);
    }
}

#[tokio::test]
async fn create_notification_leaves_out_unset_optional_fields() {
    let server = TestServer::start(vec![ok_json(200, &notification())]).await;
    client(&server.url(), Scheme::Bearer)
        .create_notification()
        .body_map(|b| {
            b.search_term("podcasting")
                .email_recipient(Some("me@example.com".to_owned()))
        })
        .send()
        .await
        .expect("created");
    assert_eq!(
        json_body(&only_request(&server)),
        json!({ "search_term": "podcasting", "email_recipient": "me@example.com" })
    );
}

#[tokio::test]
async fn delete_notification_sends_the_id_in_the_path_and_accepts_204() {
    for scheme in SCHEMES {
        let server =
            TestServer::start(vec![Reply::status(204).into(), Reply::status(204).into()]).await;
        let client = client(&server.url(), scheme);
        let deleted = client
            .delete_notification()
            .id(123)
            .send()
            .await
            .expect("deleted");
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        client
            .delete_notification()
            .id(i64::MAX)
            .send()
            .await
            .expect("deleted");
        let requests = server.requests();
        assert_eq!(path(&requests[0]), "/api/notifications/123");
        assert_eq!(path(&requests[1]), "/api/notifications/9223372036854775807");
        for sent in &requests {
            assert_eq!(sent.method, "DELETE");
            assert!(sent.body.is_empty());
            assert_eq!(sent.header("content-type"), None);
            assert_auth(sent, scheme);
        }
    }
    // An id that does not fit the documented integer is refused before sending.
    let server = TestServer::start(Vec::new()).await;
    let err = client(&server.url(), Scheme::Bearer)
        .delete_notification()
        .id(u64::MAX)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CallError::InvalidRequest(m) if m.contains("id")),
        "{err:?}"
    );
    assert_error_secret_free(&err);
    assert_eq!(server.count(), 0);
}

// ---------------------------------------------------------------------------------------------
// Documented errors, for every operation

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Search,
    GetMe,
    ListNotifications,
    CreateNotification,
    DeleteNotification,
}

const OPS: [Op; 5] = [
    Op::Search,
    Op::GetMe,
    Op::ListNotifications,
    Op::CreateNotification,
    Op::DeleteNotification,
];

impl Op {
    fn id(self) -> &'static str {
        match self {
            Op::Search => "search",
            Op::GetMe => "getMe",
            Op::ListNotifications => "listNotifications",
            Op::CreateNotification => "createNotification",
            Op::DeleteNotification => "deleteNotification",
        }
    }
}

/// Calls `op` with valid arguments; the `?` converts its error into the crate-level `Error`.
async fn call(client: &Client, op: Op) -> Result<(), Error> {
    match op {
        Op::Search => {
            client.search().body_map(|b| b.query("ai")).send().await?;
        }
        Op::GetMe => {
            client.get_me().send().await?;
        }
        Op::ListNotifications => {
            client.list_notifications().send().await?;
        }
        Op::CreateNotification => {
            let body = |b: types::builder::CreateNotificationRequest| {
                b.search_term("ai")
                    .webhook_url(Some("https://hooks.example.com/a".to_owned()))
            };
            client.create_notification().body_map(body).send().await?;
        }
        Op::DeleteNotification => {
            client.delete_notification().id(123).send().await?;
        }
    }
    Ok(())
}

/// The documented variant an error landed in, with its typed body.
#[derive(Debug, Clone, PartialEq)]
struct Documented {
    variant: &'static str,
    status: StatusCode,
    error: String,
    message: String,
    retry_after_field: Option<i64>,
}

/// What an operation's own error enum says about itself, read with its inherent methods.
#[derive(Debug)]
struct Inspected {
    documented: Option<Documented>,
    /// `(status, body length, truncated)` of an `UnexpectedStatus`.
    unexpected: Option<(StatusCode, usize, bool)>,
    /// `(status, body length)` of an `InvalidBody`.
    invalid: Option<(Option<StatusCode>, usize)>,
    transport: Option<TransportErrorKind>,
    status: Option<StatusCode>,
    retry_after: Option<Duration>,
    retryable: bool,
    display: String,
    has_source: bool,
}

macro_rules! inspect_as {
    ($err:expr, $enum:ident) => {{
        let err: &CallError<errors::$enum> = $err;
        let documented = match err {
            CallError::Documented(errors::$enum::Unauthorized(r)) => {
                assert_eq!(r.typed_headers, NoHeaders);
                Some(Documented {
                    variant: "Unauthorized",
                    status: r.status,
                    error: r.body.error.clone(),
                    message: r.body.message.clone(),
                    retry_after_field: None,
                })
            }
            CallError::Documented(errors::$enum::Forbidden(r)) => {
                assert_eq!(r.typed_headers, NoHeaders);
                Some(Documented {
                    variant: "Forbidden",
                    status: r.status,
                    error: r.body.error.clone(),
                    message: r.body.message.clone(),
                    retry_after_field: None,
                })
            }
            CallError::Documented(errors::$enum::RateLimited(r)) => {
                assert_eq!(r.typed_headers, NoHeaders);
                Some(Documented {
                    variant: "RateLimited",
                    status: r.status,
                    error: r.body.error.clone(),
                    message: r.body.message.clone(),
                    retry_after_field: r.body.retry_after,
                })
            }
            _ => None,
        };
        Inspected {
            documented,
            unexpected: match err {
                CallError::UnexpectedStatus(raw) => {
                    Some((raw.status, raw.body.len(), raw.truncated))
                }
                _ => None,
            },
            invalid: match err {
                CallError::InvalidBody(e) => Some((e.status, e.body.len())),
                _ => None,
            },
            transport: match err {
                CallError::Transport(t) => Some(t.kind()),
                _ => None,
            },
            status: err.status(),
            retry_after: err.retry_after(),
            retryable: err.is_retryable(),
            display: err.to_string(),
            has_source: err.source().is_some(),
        }
    }};
}

/// Inspects the operation error inside a crate-level error, and checks that the crate-level
/// error reports the same status, wait, retryability, text and source, and no key.
fn inspect(err: &Error) -> Inspected {
    let inspected = match err {
        Error::Search(e) => inspect_as!(e, SearchError),
        Error::GetMe(e) => inspect_as!(e, GetMeError),
        Error::ListNotifications(e) => inspect_as!(e, ListNotificationsError),
        Error::CreateNotification(e) => inspect_as!(e, CreateNotificationError),
        Error::DeleteNotification(e) => inspect_as!(e, DeleteNotificationError),
        other => panic!("not an operation error: {other:?}"),
    };
    assert_eq!(err.status(), inspected.status);
    assert_eq!(err.retry_after(), inspected.retry_after);
    assert_eq!(err.is_retryable(), inspected.retryable);
    assert_eq!(err.to_string(), inspected.display);
    assert_error_secret_free(err);
    inspected
}

fn wrapped_op(err: &Error) -> Op {
    match err {
        Error::Search(_) => Op::Search,
        Error::GetMe(_) => Op::GetMe,
        Error::ListNotifications(_) => Op::ListNotifications,
        Error::CreateNotification(_) => Op::CreateNotification,
        Error::DeleteNotification(_) => Op::DeleteNotification,
        other => panic!("not an operation error: {other:?}"),
    }
}

/// Calls each operation of `plan` in turn against one server that answers with the paired
/// reply, and returns the errors; each call makes exactly one attempt.
async fn errors_for(scheme: Scheme, plan: Vec<(Op, Reply)>) -> Vec<(Op, Error)> {
    let server = scripted(plan.iter().map(|(_, reply)| reply.clone())).await;
    let client = client(&server.url(), scheme);
    let mut out = Vec::new();
    for (op, _) in plan {
        let err = call(&client, op)
            .await
            .expect_err("the server answered with an error");
        assert_eq!(wrapped_op(&err), op);
        out.push((op, err));
    }
    assert_eq!(server.count(), out.len(), "one attempt per call");
    out
}

#[tokio::test]
async fn unauthorized_and_forbidden_for_every_operation() {
    // (status, variant, body `error`, body `message`, the spec's description)
    let cases = [
        (
            401,
            "Unauthorized",
            "Unauthorized",
            "Invalid or missing API key",
            "Missing or invalid API key",
        ),
        (
            403,
            "Forbidden",
            "Forbidden",
            "Insufficient permissions",
            "The API key is valid but lacks the required permission",
        ),
    ];
    for scheme in SCHEMES {
        let plan = OPS
            .into_iter()
            .flat_map(|op| cases.map(|case| (op, case)))
            .map(|(op, (status, _, error, message, _))| {
                let body = json!({ "error": error, "message": message }).to_string();
                (op, Reply::json(status, &body))
            })
            .collect();
        let results = errors_for(scheme, plan).await;
        let expected = OPS.into_iter().flat_map(|op| cases.map(|case| (op, case)));
        for ((op, err), (_, (status, variant, error, message, description))) in
            results.iter().zip(expected)
        {
            let inspected = inspect(err);
            let code = StatusCode::from_u16(status).unwrap();
            assert_eq!(
                inspected.documented,
                Some(Documented {
                    variant,
                    status: code,
                    error: error.into(),
                    message: message.into(),
                    retry_after_field: None,
                }),
                "{op:?}"
            );
            assert_eq!(inspected.status, Some(code));
            assert_eq!(inspected.retry_after, None);
            assert!(!inspected.retryable);
            assert_eq!(
                inspected.display,
                format!("{}: HTTP {code}: {description}: {message}", op.id())
            );
            assert!(!inspected.has_source);
            assert!(err.source().is_none());
        }
    }
}

#[tokio::test]
async fn rate_limited_reads_retry_after_from_body_and_header_for_every_operation() {
    // (body `retry_after`, `Retry-After` header, expected wait): the header wins.
    let cases = [
        (Some(60), None, Some(Duration::from_secs(60))),
        (Some(60), Some("5"), Some(Duration::from_secs(5))),
        (None, Some("12"), Some(Duration::from_secs(12))),
        (Some(0), None, Some(Duration::ZERO)),
        (Some(-5), None, None),
        (None, None, None),
    ];
    let reply = |field: Option<i64>, header: Option<&str>| {
        let mut body = json!({ "error": "Rate Limited", "message": "Too many requests" });
        if let Some(seconds) = field {
            body["retry_after"] = json!(seconds);
        }
        let reply = Reply::json(429, &body.to_string());
        match header {
            Some(header) => reply.header("retry-after", header),
            None => reply,
        }
    };
    for scheme in SCHEMES {
        let plan = OPS
            .into_iter()
            .flat_map(|op| cases.map(|(field, header, _)| (op, reply(field, header))))
            .collect();
        let results = errors_for(scheme, plan).await;
        let expected = OPS.into_iter().flat_map(|_| cases);
        for ((op, err), (field, header, wait)) in results.iter().zip(expected) {
            let inspected = inspect(err);
            assert_eq!(
                inspected.documented,
                Some(Documented {
                    variant: "RateLimited",
                    status: StatusCode::TOO_MANY_REQUESTS,
                    error: "Rate Limited".into(),
                    message: "Too many requests".into(),
                    retry_after_field: field,
                }),
                "{op:?}"
            );
            assert_eq!(inspected.retry_after, wait, "{op:?} {field:?} {header:?}");
            assert!(inspected.retryable);
            assert_eq!(
                inspected.display,
                format!(
                    "{}: HTTP 429 Too Many Requests: Rate limit exceeded; retry after \
                     `retry_after` seconds: Too many requests",
                    op.id()
                )
            );
            assert!(!inspected.has_source);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed responses

const HTML_PAGE: &str = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1>\
                         <p>cloudflare</p></body></html>";

fn html(status: u16) -> Reply {
    Reply::status(status)
        .header("content-type", "text/html")
        .body(HTML_PAGE.as_bytes().to_vec())
}

fn huge(status: u16) -> Reply {
    Reply::status(status)
        .header("content-type", "application/json")
        .body(vec![b' '; TEN_MB])
}

#[tokio::test]
async fn malformed_responses_are_typed_errors() {
    let unexpected = |status: u16, len: Option<usize>| {
        move |i: &Inspected| {
            let (got, body_len, truncated) = i.unexpected.expect("UnexpectedStatus");
            assert_eq!(got.as_u16(), status);
            if let Some(len) = len {
                assert_eq!(body_len, len);
            }
            assert_eq!(truncated, body_len == MAX_ERROR_BODY_BYTES);
            assert_eq!(i.status, Some(got));
            assert!(!i.has_source);
        }
    };
    let invalid = |status: Option<u16>, decoder_says: &'static str| {
        move |i: &Inspected| {
            let (got, body_len) = i.invalid.expect("InvalidBody");
            assert_eq!(got.map(|s| s.as_u16()), status);
            assert!(body_len <= MAX_ERROR_BODY_BYTES, "{body_len}");
            assert!(i.display.contains(decoder_says), "{}", i.display);
            assert!(i.display.len() < 1_000);
            assert!(i.has_source);
        }
    };
    type Check = Box<dyn Fn(&Inspected)>;
    let cases: Vec<(Op, &str, Reply, Check)> = vec![
        (
            Op::Search,
            "undocumented 404",
            Reply::json(404, r#"{"error":"Not Found"}"#).header("x-request-id", "r-1"),
            Box::new(move |i: &Inspected| {
                unexpected(404, Some(21))(i);
                assert!(!i.retryable);
                assert_eq!(
                    i.display,
                    "search: undocumented HTTP status 404 Not Found: Not Found"
                );
            }),
        ),
        (
            Op::GetMe,
            "undocumented 500 HTML page",
            html(500),
            Box::new(move |i: &Inspected| {
                unexpected(500, Some(HTML_PAGE.len()))(i);
                assert!(!i.retryable);
            }),
        ),
        (
            Op::Search,
            "undocumented 503 with Retry-After",
            html(503).header("retry-after", "30"),
            Box::new(move |i: &Inspected| {
                unexpected(503, None)(i);
                assert!(i.retryable);
                assert_eq!(i.retry_after, Some(Duration::from_secs(30)));
            }),
        ),
        (
            Op::DeleteNotification,
            "undocumented 200 instead of 204",
            Reply::json(200, "{}"),
            Box::new(move |i: &Inspected| unexpected(200, Some(2))(i)),
        ),
        (
            Op::GetMe,
            "empty body on 200",
            Reply::status(200),
            Box::new(move |i: &Inspected| invalid(None, "the body is empty")(i)),
        ),
        (
            Op::Search,
            "empty body on documented 401",
            Reply::status(401),
            Box::new(move |i: &Inspected| {
                invalid(Some(401), "EOF while parsing")(i);
                assert!(!i.retryable);
            }),
        ),
        (
            Op::Search,
            "truncated JSON on 200",
            Reply::json(200, r#"{"meta":{"total":12},"results":[{"segment_id":"#),
            Box::new(move |i: &Inspected| invalid(None, "EOF while parsing")(i)),
        ),
        (
            Op::Search,
            "wrong field types on 200",
            Reply::json(200, r#"{"meta":{"total":"many"},"results":[]}"#),
            Box::new(move |i: &Inspected| invalid(None, "invalid type: string \"many\"")(i)),
        ),
        (
            Op::ListNotifications,
            "an object where a list is documented",
            Reply::json(200, r#"{"notifications":[]}"#),
            Box::new(move |i: &Inspected| invalid(None, "invalid type: map")(i)),
        ),
        (
            Op::GetMe,
            "wrong field types on documented 429",
            Reply::json(
                429,
                r#"{"error":"Rate Limited","message":"slow down","retry_after":"soon"}"#,
            ),
            Box::new(move |i: &Inspected| {
                invalid(Some(429), "invalid type: string \"soon\"")(i);
                assert!(i.retryable);
                assert_eq!(i.retry_after, None);
            }),
        ),
        (
            Op::Search,
            "HTML page on 200",
            html(200),
            Box::new(move |i: &Inspected| invalid(None, "expected value at line 1 column 1")(i)),
        ),
        (
            Op::CreateNotification,
            "HTML page on documented 429 with Retry-After",
            html(429).header("retry-after", "9"),
            Box::new(move |i: &Inspected| {
                invalid(Some(429), "<!DOCTYPE html>")(i);
                assert!(i.retryable);
                assert_eq!(i.retry_after, Some(Duration::from_secs(9)));
            }),
        ),
        (
            Op::Search,
            "10 MB body on undocumented 502",
            huge(502),
            Box::new(move |i: &Inspected| {
                unexpected(502, Some(MAX_ERROR_BODY_BYTES))(i);
                assert!(i.retryable);
            }),
        ),
        (
            Op::GetMe,
            "10 MB body on documented 403",
            huge(403),
            Box::new(move |i: &Inspected| invalid(Some(403), "EOF while parsing")(i)),
        ),
        (
            Op::Search,
            "10 MB body on 200",
            huge(200),
            Box::new(move |i: &Inspected| invalid(None, "EOF while parsing")(i)),
        ),
    ];
    let plan = cases
        .iter()
        .map(|(op, _, reply, _)| (*op, reply.clone()))
        .collect();
    let results = errors_for(Scheme::Query, plan).await;
    for ((_, err), (_, name, _, check)) in results.iter().zip(&cases) {
        let inspected = inspect(err);
        assert!(inspected.documented.is_none(), "{name}");
        check(&inspected);
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets

#[tokio::test]
async fn debug_output_never_shows_the_key() {
    for scheme in SCHEMES {
        let client = client("http://127.0.0.1:9", scheme);
        assert_no_secret("client Debug", &format!("{client:?} {client:#?}"));
        let config = client.client_config();
        assert_no_secret("config Debug", &format!("{config:?} {config:#?}"));
        let credential = config.credential().expect("credential set");
        assert_no_secret(
            "credential Debug",
            &format!("{credential:?} {credential:#?}"),
        );
    }
    for client in [
        Client::with_bearer_auth(SECRET).unwrap(),
        Client::with_api_key_query(SECRET).unwrap(),
    ] {
        assert_no_secret("client Debug", &format!("{client:?} {client:#?}"));
    }
    let err = Client::bearer_auth_credential(format!("{SECRET}\r\nx-injected: 1")).unwrap_err();
    assert!(
        matches!(err, ConfigError::InvalidCredential { .. }),
        "{err:?}"
    );
    assert_error_secret_free(&err);
}

#[tokio::test]
async fn transport_errors_never_show_the_key() {
    let port = dead_port().await;
    let base = format!("http://127.0.0.1:{port}");
    for scheme in SCHEMES {
        let client = client(&base, scheme);
        for op in OPS {
            let err = call(&client, op).await.unwrap_err();
            let inspected = inspect(&err);
            assert_eq!(
                inspected.transport,
                Some(TransportErrorKind::Connect),
                "{op:?}"
            );
            assert_eq!(inspected.status, None);
            assert!(inspected.retryable);
            assert!(inspected.has_source);
            assert!(
                inspected
                    .display
                    .starts_with(&format!("{}: connection failed, request not sent", op.id())),
                "{}",
                inspected.display
            );
            assert!(
                !inspected.display.contains("api_key"),
                "{}",
                inspected.display
            );
        }
    }
}

#[tokio::test]
async fn dropped_connection_errors_never_show_the_key() {
    for scheme in SCHEMES {
        let server = TestServer::start(vec![Action::Close]).await;
        let err = call(&client(&server.url(), scheme), Op::Search)
            .await
            .unwrap_err();
        let inspected = inspect(&err);
        assert!(
            matches!(inspected.transport, Some(kind) if kind != TransportErrorKind::Connect),
            "{inspected:?}"
        );
        assert_eq!(server.count(), 1, "a billable search is not re-sent");
    }
}

#[tokio::test]
async fn the_key_is_not_sent_across_origins_on_a_redirect() {
    for (scheme, op) in [
        (Scheme::Bearer, Op::GetMe),
        (Scheme::Query, Op::GetMe),
        (Scheme::Bearer, Op::Search),
        (Scheme::Query, Op::DeleteNotification),
    ] {
        let elsewhere = TestServer::with_handler(|_, _| Reply::json(200, "{}").into()).await;
        let location = format!("{}/api/me", elsewhere.url());
        let origin = TestServer::start(vec![
            Reply::status(302).header("location", &location).into(),
        ])
        .await;
        let err = call(&client(&origin.url(), scheme), op).await.unwrap_err();
        let inspected = inspect(&err);
        assert_eq!(
            inspected.unexpected.map(|(status, _, _)| status.as_u16()),
            Some(302),
            "a redirect to another origin is returned, not followed"
        );
        assert_eq!(elsewhere.count(), 0, "the other origin got a request");
        assert_auth(&only_request(&origin), scheme);
    }
}

// The crate-level `Error` holds whole responses; its size is the generated crate's choice.
#[allow(clippy::result_large_err)]
fn client_from_env() -> Result<Client, Error> {
    Ok(Client::from_env()?)
}

#[tokio::test]
async fn from_env_reads_audioscrape_api_key() {
    const VAR: &str = "AUDIOSCRAPE_API_KEY";
    let credential = {
        let _lock = env_lock();
        {
            let _unset = EnvVarGuard::set(VAR, None);
            let err = Client::from_env().unwrap_err();
            assert!(
                matches!(err, ConfigError::MissingEnvVar { var: VAR }),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                "environment variable AUDIOSCRAPE_API_KEY is not set"
            );
            let lifted = client_from_env().unwrap_err();
            assert!(matches!(lifted, Error::Config(_)), "{lifted:?}");
            assert!(lifted.to_string().contains(VAR));
        }
        for empty in ["", " \t "] {
            let _empty = EnvVarGuard::set(VAR, Some(empty));
            let err = Client::from_env().unwrap_err();
            assert!(
                matches!(err, ConfigError::EmptyEnvVar { var: VAR }),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                "environment variable AUDIOSCRAPE_API_KEY is empty"
            );
        }
        let _set = EnvVarGuard::set(VAR, Some(SECRET));
        let client = Client::from_env().expect("key set");
        assert_eq!(client.client_config().base_url(), Client::DEFAULT_BASE_URL);
        assert_no_secret("client Debug", &format!("{client:?}"));
        Client::credential_from_env().expect("key set")
    };
    // The key authenticates with the first scheme of the spec's `security` list: bearer.
    assert_eq!(credential.scheme(), "BearerAuth");
    let server = TestServer::start(vec![ok_json(200, &me())]).await;
    let local = Client::from_config(local_config(&server.url()).with_credential(credential))
        .expect("client builds");
    local.get_me().send().await.expect("me");
    assert_auth(&only_request(&server), Scheme::Bearer);
}

// ---------------------------------------------------------------------------------------------
// The newer nested search body, and the catalog and billing endpoints

/// The newer search page's nested body is sent as that page writes it, with no flat field
/// beside it; its response (a `segment` object, integer ids) still decodes.
#[tokio::test]
async fn search_sends_the_nested_body_and_reads_its_answer() {
    let answer = json!({
        "meta": {"total": 1},
        "results": [{
            "segment": {"text": "ethics of AI", "start": 12.5},
            "episode": {"id": 789, "title": "The Future of AI"},
            "podcast": {"id": "42"}
        }]
    });
    let server = TestServer::start(vec![ok_json(200, &answer)]).await;
    let page = client(&server.url(), Scheme::Bearer)
        .search()
        .body_map(|b| {
            b.query("artificial intelligence ethics")
                .search_type(Some(types::SearchRequestSearchType::Hybrid.into()))
                .filters(types::SearchFilters {
                    date_range: Some(types::SearchDateRange {
                        start: Some("2024-01-01".into()),
                        end: None,
                    }),
                    ..Default::default()
                })
                .pagination(types::SearchPagination {
                    limit: 10,
                    offset: 0,
                })
                .options(types::SearchOptions {
                    include_highlights: true,
                    ..Default::default()
                })
        })
        .send()
        .await
        .expect("nested search")
        .into_inner();
    assert_eq!(
        json_body(&only_request(&server)),
        json!({
            "query": "artificial intelligence ethics",
            "search_type": "hybrid",
            "filters": {"date_range": {"start": "2024-01-01"}},
            "pagination": {"limit": 10, "offset": 0},
            "options": {"include_highlights": true}
        })
    );
    let hit = &page.results[0];
    let segment = hit.segment.as_ref().expect("segment object");
    assert_eq!(segment.text.as_deref(), Some("ethics of AI"));
    // An integer id (the legacy shape) is kept as sent, and reads the same as a string.
    let episode_id = hit.episode.as_ref().unwrap().id.as_ref().unwrap();
    assert_eq!(episode_id.raw(), Some(&json!(789)));
    assert_eq!(episode_id.to_string(), "789");
    let podcast_id = hit.podcast.as_ref().unwrap().id.as_ref().unwrap();
    assert_eq!(podcast_id.to_string(), "42");
}

#[tokio::test]
async fn libraries_decode_as_documented() {
    let body = json!({
        "libraries": [{
            "slug": "lukas-library", "name": "Lukas' Library",
            "description": null, "curator": "Lukas Schmyrczyk",
            "subscriber_count": 142, "dataset_count": 7, "episode_count": 1834,
            "is_subscribed": true
        }],
        "total": 1
    });
    for scheme in SCHEMES {
        let server = TestServer::start(vec![ok_json(200, &body)]).await;
        let list = client(&server.url(), scheme)
            .list_libraries()
            .send()
            .await
            .expect("libraries")
            .into_inner();
        assert_eq!(list.total, Some(1));
        let library = &list.libraries[0];
        assert_eq!(library.slug.as_deref(), Some("lukas-library"));
        assert_eq!(library.description, None);
        assert_eq!(library.episode_count, Some(1834));
        assert_eq!(library.is_subscribed, Some(true));
        let request = only_request(&server);
        assert_eq!(
            (request.method.as_str(), path(&request)),
            ("GET", "/api/libraries")
        );
        assert_auth(&request, scheme);
    }
}

/// The charts and podcast search send the query parameters the API index documents; their
/// bodies are not documented, so whatever JSON comes back (an array here) is the result.
#[tokio::test]
async fn charts_and_podcast_search_send_the_documented_parameters() {
    let server = TestServer::with_handler(|_, _| Reply::json(200, r#"[{"rank":1}]"#).into()).await;
    let client = client(&server.url(), Scheme::Bearer);
    let chart = client
        .get_podcast_charts()
        .country("us")
        .platform("spotify")
        .limit(50)
        .send()
        .await
        .expect("chart")
        .into_inner();
    assert_eq!(chart, json!([{"rank": 1}]));
    client
        .get_episode_charts()
        .country("gb")
        .send()
        .await
        .expect("chart");
    client
        .get_podcast_chart_history()
        .podcast_id("42")
        .send()
        .await
        .expect("history");
    client
        .search_podcasts()
        .q("tech talk")
        .language("en")
        .offset(20)
        .send()
        .await
        .expect("podcasts");
    let requests = server.requests();
    let sent: Vec<(&str, Vec<(String, String)>)> =
        requests.iter().map(|r| (path(r), query_pairs(r))).collect();
    let pairs = |items: &[(&str, &str)]| -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(
        sent,
        [
            (
                "/api/charts/podcasts",
                pairs(&[("country", "us"), ("limit", "50"), ("platform", "spotify")])
            ),
            ("/api/charts/episodes", pairs(&[("country", "gb")])),
            ("/api/charts/podcast/42", pairs(&[])),
            (
                "/api/podcasts",
                pairs(&[("language", "en"), ("offset", "20"), ("q", "tech talk")])
            ),
        ]
    );
    let bearer = format!("Bearer {SECRET}");
    for request in &requests {
        assert_eq!(request.header("authorization"), Some(bearer.as_str()));
    }
}

/// The agent checkout needs no API key: a client that has one does not send it there.
#[tokio::test]
async fn the_payment_link_is_asked_for_without_the_key() {
    for scheme in SCHEMES {
        let server = TestServer::start(vec![ok_json(
            200,
            &json!({"url": "https://checkout.stripe.com/c/pay/cs_test"}),
        )])
        .await;
        let link = client(&server.url(), scheme)
            .create_payment_link()
            .body_map(|b| b.plan("basic").email("user@example.com"))
            .send()
            .await
            .expect("payment link")
            .into_inner();
        assert_eq!(link["url"], "https://checkout.stripe.com/c/pay/cs_test");
        let request = only_request(&server);
        assert_eq!(
            (request.method.as_str(), path(&request)),
            ("POST", "/api/agent/payment-link")
        );
        assert_eq!(
            json_body(&request),
            json!({"plan": "basic", "email": "user@example.com"})
        );
        assert_eq!(request.header("authorization"), None);
        assert!(query_pairs(&request).is_empty(), "{}", request.target);
        assert_no_secret("the request target", &request.target);
    }
}
