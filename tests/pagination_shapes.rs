//! Pagination recognised without `x-pagination` (`generator/src/lower/paging.rs`), against local
//! servers on 127.0.0.1: the `events` fixture's offset/limit list (ends at its `total`), its
//! page/per_page list (ends at `meta.has_more: false`) and its cursor list (follows
//! `next_cursor` until it is null, and stops when a server names the cursor it was asked for).
//! Each page is asked for once; a builder set to a position or cursor resumes there.

mod common;

use clientgen_runtime::StreamExt;
use clientgen_testkit::{Reply, TestServer};
use common::{local_config, query_pairs};
use serde_json::json;

fn client(server: &TestServer) -> events_client::Client {
    events_client::Client::from_config(local_config(&server.url())).expect("client")
}

fn query(request: &clientgen_testkit::Recorded, name: &str) -> Option<String> {
    query_pairs(request)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[tokio::test]
async fn offset_and_limit_pages_end_at_the_total() {
    let server = TestServer::with_handler(|request, _| {
        let offset: u64 = query(request, "offset")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let limit: u64 = query(request, "limit")
            .and_then(|v| v.parse().ok())
            .unwrap_or(10);
        let end = (offset + limit).min(5);
        let events: Vec<_> = (offset..end)
            .map(|i| json!({"id": format!("e{i}")}))
            .collect();
        Reply::json(200, &json!({"events": events, "total": 5}).to_string()).into()
    })
    .await;
    let ids: Vec<String> = client(&server)
        .list_events()
        .limit(2)
        .kind("order")
        .items()
        .map(|e| e.expect("an event").id)
        .collect()
        .await;
    assert_eq!(ids, ["e0", "e1", "e2", "e3", "e4"]);
    let asked: Vec<(Option<String>, Option<String>)> = server
        .requests()
        .iter()
        .map(|r| (query(r, "offset"), query(r, "kind")))
        .collect();
    assert_eq!(
        asked,
        [
            (None, Some("order".into())),
            (Some("2".into()), Some("order".into())),
            (Some("4".into()), Some("order".into())),
        ],
        "three pages, the other parameters kept, none asked for twice"
    );
}

#[tokio::test]
async fn page_and_per_page_pages_end_when_has_more_is_false() {
    let server = TestServer::with_handler(|request, _| {
        let page: u64 = query(request, "page").and_then(|v| v.parse().ok()).unwrap_or(1);
        let data: Vec<_> = (0..2)
            .map(|i| json!({"type": "order.created", "order_id": format!("o{page}-{i}"), "total": 1.0}))
            .collect();
        let body = json!({"data": data, "links": [], "meta": {"has_more": page < 3}});
        Reply::json(200, &body.to_string()).into()
    })
    .await;
    let orders: Vec<String> = client(&server)
        .list_orders()
        .per_page(2)
        .items()
        .map(|o| o.expect("an order").order_id)
        .collect()
        .await;
    assert_eq!(orders, ["o1-0", "o1-1", "o2-0", "o2-1", "o3-0", "o3-1"]);
    let pages: Vec<Option<String>> = server.requests().iter().map(|r| query(r, "page")).collect();
    assert_eq!(pages, [None, Some("2".into()), Some("3".into())]);

    // A builder set to a page resumes there.
    let resumed = client(&server).list_orders().page(3).pages().count().await;
    assert_eq!(resumed, 1);
}

#[tokio::test]
async fn cursor_pages_follow_the_next_cursor_until_it_is_null() {
    let server = TestServer::with_handler(|request, _| {
        let (entries, next) = match query(request, "cursor").as_deref() {
            None => (vec!["login", "upload"], json!("c2")),
            Some("c2") => (vec!["share"], json!("c3")),
            Some("c3") => (vec!["logout"], json!(null)),
            Some(_) => (vec![], json!(null)),
        };
        let entries: Vec<_> = entries
            .into_iter()
            .map(|action| json!({"actor": "ann", "action": action}))
            .collect();
        Reply::json(
            200,
            &json!({"entries": entries, "next_cursor": next}).to_string(),
        )
        .into()
    })
    .await;
    let actions: Vec<String> = client(&server)
        .list_audit_entries()
        .limit(2)
        .items()
        .map(|e| e.expect("an entry").action)
        .collect()
        .await;
    assert_eq!(actions, ["login", "upload", "share", "logout"]);
    let cursors: Vec<(Option<String>, Option<String>)> = server
        .requests()
        .iter()
        .map(|r| (query(r, "cursor"), query(r, "limit")))
        .collect();
    assert_eq!(
        cursors,
        [
            (None, Some("2".into())),
            (Some("c2".into()), Some("2".into())),
            (Some("c3".into()), Some("2".into())),
        ]
    );

    // Resuming from a stored cursor.
    let rest: Vec<String> = client(&server)
        .list_audit_entries()
        .cursor("c3")
        .items()
        .map(|e| e.expect("an entry").action)
        .collect()
        .await;
    assert_eq!(rest, ["logout"]);
}

#[tokio::test]
async fn a_cursor_that_names_itself_ends_the_stream_and_errors_end_it_after_being_yielded() {
    let looping = TestServer::with_handler(|_, _| {
        Reply::json(
            200,
            r#"{"entries": [{"actor": "a", "action": "x"}], "next_cursor": "same"}"#,
        )
        .into()
    })
    .await;
    let pages = client(&looping)
        .list_audit_entries()
        .cursor("same")
        .pages()
        .count()
        .await;
    assert_eq!(pages, 1, "the server named the cursor it was asked for");

    let failing = TestServer::with_handler(|request, _| match query(request, "cursor") {
        None => Reply::json(
            200,
            r#"{"entries": [{"actor": "a", "action": "x"}], "next_cursor": "c2"}"#,
        )
        .into(),
        Some(_) => Reply::json(200, r#"{"entries": "not a list"}"#).into(),
    })
    .await;
    let results: Vec<_> = client(&failing)
        .list_audit_entries()
        .pages()
        .collect()
        .await;
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    assert!(
        results[1].is_err(),
        "the undecodable page is yielded as an error"
    );
}
