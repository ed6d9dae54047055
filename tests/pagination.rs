//! Pagination (`x-pagination`) against local servers: Audioscrape's search pages through its
//! body's `offset` and `limit` until `meta.has_more` is false, AudioPod's stem jobs through the
//! `skip` query parameter until a short page, and its wallet usage through page numbers until an
//! empty page. Each page is one call; a page that came back is never asked for again; a builder
//! set to a position resumes there; an error ends the stream after it is yielded.

mod common;

use clientgen_runtime::StreamExt;
use clientgen_testkit::{Reply, TestServer};
use common::{SECRET, json_body, local_config, query_pairs};
use serde_json::json;

fn audioscrape(server: &TestServer) -> audioscrape_client::Client {
    let key = audioscrape_client::Client::bearer_auth_credential(SECRET).expect("credential");
    audioscrape_client::Client::from_config(local_config(&server.url()).with_credential(key))
        .expect("client")
}

fn audiopod(server: &TestServer) -> audiopod_client::Client {
    let key = audiopod_client::Client::api_key_header_credential(SECRET).expect("credential");
    audiopod_client::Client::from_config(local_config(&server.url()).with_credential(key))
        .expect("client")
}

/// A search server over `total` numbered segments: answers the body's `offset` and `limit`.
async fn search_server(total: u64) -> TestServer {
    TestServer::with_handler(move |request, _| {
        let body = json_body(request);
        let offset = body["offset"].as_u64().unwrap_or(0);
        let limit = body["limit"].as_u64().unwrap_or(20);
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
    .await
}

#[tokio::test]
async fn search_items_cover_every_page_once() {
    let server = search_server(5).await;
    let client = audioscrape(&server);
    let items: Vec<String> = client
        .search()
        .body_map(|b| b.query("climate").limit(2))
        .items()
        .map(|item| item.expect("an item").segment_id.expect("an id"))
        .collect()
        .await;
    assert_eq!(items, ["s0", "s1", "s2", "s3", "s4"]);
    let sent: Vec<serde_json::Value> = server.requests().iter().map(json_body).collect();
    assert_eq!(
        sent,
        [
            json!({"query": "climate", "limit": 2}),
            json!({"query": "climate", "limit": 2, "offset": 2}),
            json!({"query": "climate", "limit": 2, "offset": 4}),
        ],
        "three billable searches, one per page, each page asked for once"
    );
}

#[tokio::test]
async fn a_builder_set_to_a_position_resumes_there_and_dropping_stops() {
    let server = search_server(10).await;
    let client = audioscrape(&server);
    let pages: Vec<_> = client
        .search()
        .body_map(|b| b.query("ai").limit(3).offset(6))
        .pages()
        .collect()
        .await;
    assert_eq!(pages.len(), 2, "offsets 6 and 9");
    assert_eq!(server.count(), 2);

    // Taking one item sends one search, however many pages follow.
    let first = client
        .search()
        .body_map(|b| b.query("ai").limit(3))
        .items()
        .next()
        .await
        .expect("an item")
        .expect("no error");
    assert_eq!(first.segment_id.as_deref(), Some("s0"));
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn an_error_ends_the_stream_after_it_is_yielded() {
    let server = TestServer::start(vec![
        Reply::json(
            200,
            r#"{"meta":{"has_more":true},"results":[{"segment_id":"a"},{"segment_id":"b"}]}"#,
        )
        .into(),
        Reply::json(
            403,
            r#"{"error":"Forbidden","message":"Insufficient permissions"}"#,
        )
        .into(),
    ])
    .await;
    let client = audioscrape(&server);
    let items: Vec<_> = client
        .search()
        .body_map(|b| b.query("ai"))
        .items()
        .collect()
        .await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(items[0].is_ok() && items[1].is_ok());
    let err = items[2].as_ref().expect_err("the 403");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn stem_jobs_page_through_skip_until_a_short_page() {
    let server = TestServer::with_handler(|request, _| {
        let pairs = query_pairs(request);
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<u64>().ok())
        };
        let skip = get("skip").unwrap_or(0);
        let limit = get("limit").unwrap_or(50);
        let end = (skip + limit).min(7);
        let jobs: Vec<serde_json::Value> = (skip..end)
            .map(|id| json!({"id": id, "status": "COMPLETED"}))
            .collect();
        Reply::json(200, &serde_json::Value::Array(jobs).to_string()).into()
    })
    .await;
    let client = audiopod(&server);
    let ids: Vec<i64> = client
        .list_stem_jobs()
        .limit(3)
        .items()
        .map(|job| job.expect("a job").id)
        .collect()
        .await;
    assert_eq!(ids, [0, 1, 2, 3, 4, 5, 6]);
    let skips: Vec<Vec<(String, String)>> = server.requests().iter().map(query_pairs).collect();
    assert_eq!(
        skips,
        [
            vec![("limit".to_string(), "3".to_string())],
            vec![
                ("limit".to_string(), "3".to_string()),
                ("skip".to_string(), "3".to_string())
            ],
            vec![
                ("limit".to_string(), "3".to_string()),
                ("skip".to_string(), "6".to_string())
            ],
        ],
        "the third page has one job of three: the last"
    );
}

#[tokio::test]
async fn wallet_usage_pages_by_number_until_an_empty_page() {
    let server = TestServer::with_handler(|request, _| {
        let page = query_pairs(request)
            .into_iter()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .unwrap_or(1);
        let logs: Vec<serde_json::Value> = if page <= 2 {
            vec![json!({"service_type": format!("page {page}"), "amount_usd": "$0.10"})]
        } else {
            Vec::new()
        };
        Reply::json(200, &json!({ "logs": logs }).to_string()).into()
    })
    .await;
    let client = audiopod(&server);
    let pages: Vec<_> = client.get_wallet_usage().pages().collect().await;
    assert_eq!(pages.len(), 3, "pages 1, 2 and the empty 3");
    let sent: Vec<Vec<(String, String)>> = server.requests().iter().map(query_pairs).collect();
    assert_eq!(
        sent[0],
        Vec::<(String, String)>::new(),
        "the first page as the builder was"
    );
    assert_eq!(sent[1], [("page".to_string(), "2".to_string())]);
    assert_eq!(sent[2], [("page".to_string(), "3".to_string())]);
}
