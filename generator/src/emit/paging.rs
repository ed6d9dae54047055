//! Emits cursor pagination (`PageStyle::Cursor`): the builder's `rt::CursorPaged`
//! implementation (where a page's items and next cursor are, how to set the cursor) and its
//! `pages` and `items` streams, beside the offset and page-number paging of `operations.rs`;
//! and the `fetch` and streams both kinds of paging end with (`fetch_and_streams`). The streams
//! are `#[inline]`: boxing one instantiates the runtime's paging, compiled where it is used.

use super::Context;
use super::operations::{signature, success_type};
use super::text::{Source, string_literal};
use crate::ir::{Operation, PageField, Pagination};

/// The cursor-paged builder's trait implementation and streams.
pub(crate) fn cursor(
    cx: &Context<'_>,
    op: &Operation,
    paging: &Pagination,
    next: &str,
    out: &mut Source,
) {
    // Lowering gives a cursor only as a query parameter.
    let PageField::Query(cursor) = &paging.position else {
        return;
    };
    let names = &op.names;
    let page = success_type(cx, op);
    let item = cx.ty(&paging.item);
    let error = &names.error;
    out.open(&format!(
        "impl<'a> rt::CursorPaged for {}<'a> {{",
        names.builder
    ));
    out.line(&format!("type Page = {page};"));
    out.line(&format!("type Error = {error};"));
    out.open("const PAGING: rt::CursorPaging = rt::CursorPaging {");
    out.line(&format!("items: {},", string_literal(&paging.items)));
    out.line(&format!("next: {},", string_literal(next)));
    out.line(&format!(
        "has_more: {},",
        paging
            .has_more
            .as_ref()
            .map_or("None".to_string(), |p| format!(
                "Some({})",
                string_literal(p)
            ))
    ));
    out.close("};");
    out.open("fn cursor(&self) -> Option<String> {");
    out.line(&format!("self.{cursor}.clone()"));
    out.close("}");
    out.open("fn at_cursor(self, cursor: String) -> Self {");
    out.line(&format!("self.{cursor}(cursor)"));
    out.close("}");
    fetch_and_streams(
        out,
        &names.builder,
        &page,
        &item,
        error,
        "cursor",
        "Every page, lazily, from the cursor set on the builder (else the first page), each\n\
         page asking for the cursor the one before named: each page is one call, with the\n\
         client's retry policy and deadline. The stream ends after a page that names no next\n\
         cursor, or after an error, which it yields; drop it to stop early.",
    );
}

/// The end of a paged builder's trait implementation (`fetch`, one call) and its `pages` and
/// `items` streams, read by the runtime's `module` (`pages` for offsets and page numbers,
/// `cursor` for cursors); `pages_doc` says how the pages follow each other.
pub(crate) fn fetch_and_streams(
    out: &mut Source,
    builder: &str,
    page: &str,
    item: &str,
    error: &str,
    module: &str,
    pages_doc: &str,
) {
    signature(
        out,
        "fn fetch",
        &["self"],
        &format!(
            "impl Future<Output = Result<rt::ResponseValue<{page}>, rt::CallError<{error}>>> + Send"
        ),
    );
    out.line("self.send()");
    out.close("}");
    out.close("}");
    out.open(&format!("impl<'a> {builder}<'a> {{"));
    out.doc(pages_doc);
    out.line("#[inline]");
    out.open(&format!(
        "pub fn pages(self) -> rt::BoxStream<'a, Result<rt::ResponseValue<{page}>, rt::CallError<{error}>>> {{"
    ));
    out.line(&format!("rt::{module}::pages(self)"));
    out.close("}");
    out.doc(&format!(
        "Every item of every page ([`{builder}::pages`](Self::pages)), lazily, in order."
    ));
    out.line("#[inline]");
    out.open(&format!(
        "pub fn items(self) -> rt::BoxStream<'a, Result<{item}, rt::CallError<{error}>>> {{"
    ));
    out.line(&format!("rt::{module}::items(self)"));
    out.close("}");
    out.close("}");
}
