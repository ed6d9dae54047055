//! Cursor pagination: the pages of an operation whose every page names the next one with an
//! opaque cursor (`next_cursor`, `next_page_token`), as a lazy stream, and their items.
//!
//! A generated builder of such an operation implements [`CursorPaged`]: where a page holds its
//! items and the next cursor, how to set the cursor on the builder, and how to send it.
//! [`pages`] sends the builder as it is, then sets the cursor the page names and sends it again,
//! until a page names no cursor (absent, `null` or empty), says it is the last (a `hasMore` flag
//! that is false), holds no items, or names the cursor it was asked for (a server that would
//! otherwise be asked for the same page forever). Each page is one call with the client's retry
//! policy and deadline; dropping the stream stops early.

use std::future::Future;

use futures::StreamExt;
use futures::stream::BoxStream;
use progenitor_client::ResponseValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::call::{CallError, Documented};
use crate::pages::items_of;

/// Where a cursor-paged operation's pages say what they hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CursorPaging {
    /// JSON pointer to the array of items in a page (`""` when the page is the array).
    pub items: &'static str,
    /// JSON pointer to the next page's cursor.
    pub next: &'static str,
    /// JSON pointer to a boolean that is false on the last page, if the pages carry one.
    pub has_more: Option<&'static str>,
}

/// A request builder whose operation pages with a cursor.
pub trait CursorPaged: Sized + Clone + Send {
    /// The success body: one page.
    type Page: Serialize + Send;
    /// The operation's documented errors.
    type Error: Documented + Send;
    /// Where the pages say what they hold.
    const PAGING: CursorPaging;
    /// The cursor the builder is at, if set.
    fn cursor(&self) -> Option<String>;
    /// The builder moved to `cursor`.
    fn at_cursor(self, cursor: String) -> Self;
    /// Sends the builder: one page.
    fn fetch(
        self,
    ) -> impl Future<Output = Result<ResponseValue<Self::Page>, CallError<Self::Error>>> + Send;
}

/// One page of `P`, or the error that ended paging.
pub type CursorPageResult<P> =
    Result<ResponseValue<<P as CursorPaged>::Page>, CallError<<P as CursorPaged>::Error>>;

/// The cursor of the page after `page`, asked for with `asked`, or `None` after the last page.
fn next_cursor(paging: &CursorPaging, asked: Option<&str>, page: &Value) -> Option<String> {
    let items = page
        .pointer(paging.items)
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let has_more = paging
        .has_more
        .and_then(|p| page.pointer(p))
        .and_then(Value::as_bool);
    if items == 0 || has_more == Some(false) {
        return None;
    }
    let next = match page.pointer(paging.next)? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!next.is_empty() && Some(next.as_str()) != asked).then_some(next)
}

/// Every page, lazily, starting where the builder is (the first page if its cursor is not set).
/// The stream ends after the last page or after an error, which it yields.
pub fn pages<'a, P: CursorPaged + 'a>(first: P) -> BoxStream<'a, CursorPageResult<P>> {
    futures::stream::unfold(Some(first), |state| async move {
        let builder = state?;
        let asked = builder.cursor();
        let next = builder.clone();
        match builder.fetch().await {
            Ok(page) => {
                let value = serde_json::to_value(page.as_ref()).unwrap_or(Value::Null);
                let after = next_cursor(&P::PAGING, asked.as_deref(), &value);
                Some((Ok(page), after.map(|cursor| next.at_cursor(cursor))))
            }
            Err(error) => Some((Err(error), None)),
        }
    })
    .boxed()
}

/// Every item of every page, lazily, in order. The stream ends after the last page or after
/// an error, which it yields.
pub fn items<'a, P: CursorPaged + 'a, I: DeserializeOwned + Send + 'a>(
    first: P,
) -> BoxStream<'a, Result<I, CallError<P::Error>>> {
    items_of(pages(first), P::PAGING.items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PAGING: CursorPaging = CursorPaging {
        items: "/data",
        next: "/meta/next_cursor",
        has_more: None,
    };

    #[test]
    fn the_next_cursor_is_read_until_a_page_names_none() {
        let page = json!({"data": [1, 2], "meta": {"next_cursor": "c2"}});
        assert_eq!(next_cursor(&PAGING, None, &page).as_deref(), Some("c2"));
        for last in [
            json!({"data": [1], "meta": {"next_cursor": null}}),
            json!({"data": [1], "meta": {"next_cursor": ""}}),
            json!({"data": [1], "meta": {}}),
            json!({"data": [], "meta": {"next_cursor": "c3"}}),
        ] {
            assert_eq!(next_cursor(&PAGING, Some("c2"), &last), None, "{last}");
        }
        // A server that names the cursor it was asked for would loop: the stream ends.
        let same = json!({"data": [1], "meta": {"next_cursor": "c2"}});
        assert_eq!(next_cursor(&PAGING, Some("c2"), &same), None);
        let flagged = CursorPaging {
            has_more: Some("/more"),
            ..PAGING
        };
        let done = json!({"data": [1], "more": false, "meta": {"next_cursor": "c9"}});
        assert_eq!(next_cursor(&flagged, None, &done), None);
    }
}
