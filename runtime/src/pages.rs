//! Pagination: the pages of a paginated operation as a lazy stream, and their items.
//!
//! A generated builder of an operation the spec marks with `x-pagination` implements
//! [`Paged`]: where its position (an offset, or a page number) and its page size are, how to
//! move it, and how to send it. [`pages`] sends the builder as it is, then moves it past what
//! came back and sends it again, until the server says there is no more (a `hasMore` flag that
//! is false, a `total` reached, an empty page, or a page shorter than the page size asked for).
//! Each page is one call with the client's retry policy and deadline, and a page that came back
//! is never asked for again, so a billable operation costs one call per page. Dropping the
//! stream stops early; setting the position on the builder first resumes from there.

use std::future::Future;

use bytes::Bytes;
use futures::StreamExt;
pub use futures::stream::BoxStream;
use progenitor_client::ResponseValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::call::{CallError, Documented};
use crate::error::{InvalidBody, MAX_ERROR_BODY_BYTES};

/// How an operation pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageStyle {
    /// The position counts items to skip: the next page starts after the items received.
    Offset,
    /// The position numbers pages: the next page is the next number.
    Page {
        /// The number of the first page (usually 1).
        first: u64,
    },
}

/// Where an operation's pages say what they hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Offset or page number.
    pub style: PageStyle,
    /// JSON pointer to the array of items in a page (`""` when the page is the array).
    pub items: &'static str,
    /// JSON pointer to a boolean that is false on the last page, if the pages carry one.
    pub has_more: Option<&'static str>,
    /// JSON pointer to the total number of items, if the pages carry it.
    pub total: Option<&'static str>,
}

/// A request builder whose operation is paginated (generated for `x-pagination`).
pub trait Paged: Sized + Clone + Send {
    /// The success body: one page.
    type Page: Serialize + Send;
    /// The operation's documented errors.
    type Error: Documented + Send;
    /// Where the pages say what they hold.
    const PAGING: Paging;
    /// The position the builder is at (its offset or page number), if set.
    fn position(&self) -> Option<u64>;
    /// The page size the builder asks for, if set.
    fn page_size(&self) -> Option<u64>;
    /// The builder moved to `position`.
    fn at(self, position: u64) -> Self;
    /// Sends the builder: one page.
    fn fetch(
        self,
    ) -> impl Future<Output = Result<ResponseValue<Self::Page>, CallError<Self::Error>>> + Send;
}

/// What a page says about what follows it.
struct Seen {
    items: usize,
    has_more: Option<bool>,
    total: Option<u64>,
}

fn seen(paging: &Paging, page: &Value) -> Seen {
    Seen {
        items: page
            .pointer(paging.items)
            .and_then(Value::as_array)
            .map_or(0, Vec::len),
        has_more: paging
            .has_more
            .and_then(|p| page.pointer(p))
            .and_then(Value::as_bool),
        total: paging
            .total
            .and_then(|p| page.pointer(p))
            .and_then(Value::as_u64),
    }
}

/// The position after a page at `position` that held `seen`, or `None` after the last page.
fn next_position(
    paging: &Paging,
    position: u64,
    page_size: Option<u64>,
    seen: &Seen,
) -> Option<u64> {
    if seen.items == 0 || seen.has_more == Some(false) {
        return None;
    }
    // Without a flag, a page shorter than the size asked for is the last one.
    if seen.has_more.is_none() && page_size.is_some_and(|size| (seen.items as u64) < size) {
        return None;
    }
    match paging.style {
        PageStyle::Offset => {
            let next = position.saturating_add(seen.items as u64);
            match seen.total {
                Some(total) if next >= total => None,
                _ => Some(next),
            }
        }
        PageStyle::Page { .. } => Some(position.saturating_add(1)),
    }
}

/// One page of `P`, or the error that ended paging.
pub type PageResult<P> = Result<ResponseValue<<P as Paged>::Page>, CallError<<P as Paged>::Error>>;

/// Every page, lazily, starting where the builder is (the first page if its position is not
/// set). The stream ends after the last page or after an error, which it yields.
pub fn pages<'a, P: Paged + 'a>(first: P) -> BoxStream<'a, PageResult<P>> {
    futures::stream::unfold(Some(first), |state| async move {
        let builder = state?;
        let paging = P::PAGING;
        let position = builder.position().unwrap_or(match paging.style {
            PageStyle::Offset => 0,
            PageStyle::Page { first } => first,
        });
        let page_size = builder.page_size();
        let next = builder.clone();
        match builder.fetch().await {
            Ok(page) => {
                let value = serde_json::to_value(page.as_ref()).unwrap_or(Value::Null);
                let after = next_position(&paging, position, page_size, &seen(&paging, &value));
                let next = after.map(|position| next.at(position));
                Some((Ok(page), next))
            }
            Err(error) => Some((Err(error), None)),
        }
    })
    .boxed()
}

/// Every item of every page, lazily, in order. The stream ends after the last page or after
/// an error, which it yields.
pub fn items<'a, P: Paged + 'a, I: DeserializeOwned + Send + 'a>(
    first: P,
) -> BoxStream<'a, Result<I, CallError<P::Error>>> {
    items_of(pages(first), P::PAGING.items)
}

/// The items at `pointer` of each page of `pages`, decoded as `I`, in order; an error (a
/// page's, or its items' that do not decode) is yielded in its place. Offset, page-number and
/// cursor lists share it.
pub(crate) fn items_of<'a, T, E, I>(
    pages: BoxStream<'a, Result<ResponseValue<T>, CallError<E>>>,
    pointer: &'static str,
) -> BoxStream<'a, Result<I, CallError<E>>>
where
    T: Serialize + Send + 'a,
    E: Send + 'a,
    I: DeserializeOwned + Send + 'a,
{
    pages
        .flat_map(move |page| {
            let items: Vec<Result<I, CallError<E>>> = match page {
                Ok(page) => match decode_items(page.as_ref(), pointer) {
                    Ok(items) => items.into_iter().map(Ok).collect(),
                    Err(error) => vec![Err(error)],
                },
                Err(error) => vec![Err(error)],
            };
            futures::stream::iter(items)
        })
        .boxed()
}

/// The items at `pointer` in a page, decoded as `I` (none when the page has no array there).
pub(crate) fn decode_items<T: Serialize, I: DeserializeOwned, E>(
    page: &T,
    pointer: &str,
) -> Result<Vec<I>, CallError<E>> {
    let value = serde_json::to_value(page).unwrap_or(Value::Null);
    let items = value
        .pointer(pointer)
        .cloned()
        .unwrap_or(Value::Array(Vec::new()));
    serde_json::from_value(items.clone()).map_err(|source| {
        let mut body = serde_json::to_vec(&items).unwrap_or_default();
        body.truncate(MAX_ERROR_BODY_BYTES);
        CallError::InvalidBody(InvalidBody {
            status: None,
            headers: None,
            body: Bytes::from(body),
            source,
        })
    })
}

/// An integer type a query parameter's field may hold a position or page size in: whatever
/// the type engine made of the parameter's schema (`i64`, `u32`, `NonZeroU32` for a
/// `minimum: 1`...).
pub trait PageNumber: Sized {
    /// The value as a `u64`, if it is one (not negative).
    fn to_u64(&self) -> Option<u64>;
    /// `n` in this type, if it fits.
    fn from_u64(n: u64) -> Option<Self>;
}

macro_rules! page_numbers {
    ($($t:ty),*) => {$(
        impl PageNumber for $t {
            fn to_u64(&self) -> Option<u64> {
                u64::try_from(*self).ok()
            }
            fn from_u64(n: u64) -> Option<Self> {
                Self::try_from(n).ok()
            }
        }
    )*};
}
page_numbers!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

macro_rules! non_zero_page_numbers {
    ($($t:ty => $inner:ty),*) => {$(
        impl PageNumber for $t {
            fn to_u64(&self) -> Option<u64> {
                self.get().to_u64()
            }
            fn from_u64(n: u64) -> Option<Self> {
                <$inner>::from_u64(n).and_then(Self::new)
            }
        }
    )*};
}
non_zero_page_numbers!(
    std::num::NonZeroU8 => u8, std::num::NonZeroU16 => u16, std::num::NonZeroU32 => u32,
    std::num::NonZeroU64 => u64, std::num::NonZeroI8 => i8, std::num::NonZeroI16 => i16,
    std::num::NonZeroI32 => i32, std::num::NonZeroI64 => i64
);

/// A position or page size held in a query parameter's field, as a `u64` (`None` when unset or
/// negative).
pub fn number<T: PageNumber>(value: Option<T>) -> Option<u64> {
    value.and_then(|v| v.to_u64())
}

/// `position` as the query parameter `name`'s field holds it, for [`Paged::at`]; one its type
/// cannot hold (a 0 for a `NonZeroU32`) is recorded as the builder's invalid request, like a
/// setter's failure.
pub fn at<T: PageNumber>(position: u64, name: &str, invalid: &mut Option<String>) -> Option<T> {
    let value = T::from_u64(position);
    if value.is_none() && invalid.is_none() {
        *invalid = Some(format!(
            "`{name}`: {position} is out of the parameter's range"
        ));
    }
    value
}

/// The number at the top-level field `field` of a JSON body, for [`Paged::position`] and
/// [`Paged::page_size`] of an operation whose position is in its body.
pub fn body_number<T: Serialize>(body: &Option<T>, field: &str) -> Option<u64> {
    let body = serde_json::to_value(body.as_ref()?).ok()?;
    body.get(field)?.as_u64()
}

/// Sets the top-level field `field` of a JSON body to `number`, for [`Paged::at`]; a body that
/// does not take it is recorded as the builder's invalid request, like a setter's failure.
pub fn set_body_number<T: Serialize + DeserializeOwned>(
    body: &mut Option<T>,
    field: &str,
    number: u64,
    invalid: &mut Option<String>,
) {
    let Some(current) = body.as_ref() else {
        if invalid.is_none() {
            *invalid = Some(format!(
                "`body`: set the body before paging through `{field}`"
            ));
        }
        return;
    };
    let moved = serde_json::to_value(current).and_then(|mut value| {
        if let Some(map) = value.as_object_mut() {
            map.insert(field.to_owned(), Value::from(number));
        }
        serde_json::from_value(value)
    });
    match moved {
        Ok(moved) => *body = Some(moved),
        Err(e) => {
            if invalid.is_none() {
                *invalid = Some(format!("`body`: cannot set `{field}` to {number}: {e}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFSET: Paging = Paging {
        style: PageStyle::Offset,
        items: "/results",
        has_more: Some("/meta/has_more"),
        total: Some("/meta/total"),
    };

    fn seen_of(items: usize, has_more: Option<bool>, total: Option<u64>) -> Seen {
        Seen {
            items,
            has_more,
            total,
        }
    }

    #[test]
    fn positions_read_and_set_whatever_integer_type_holds_them() {
        use std::num::NonZeroU32;
        assert_eq!(number(Some(NonZeroU32::new(3).unwrap())), Some(3));
        assert_eq!(number(Some(-1i64)), None);
        assert_eq!(number::<u32>(None), None);
        let mut invalid = None;
        let page: Option<NonZeroU32> = at(2, "page", &mut invalid);
        assert_eq!(page.map(NonZeroU32::get), Some(2));
        assert_eq!(invalid, None);
        let zero: Option<NonZeroU32> = at(0, "page", &mut invalid);
        assert_eq!(zero, None);
        assert_eq!(
            invalid.as_deref(),
            Some("`page`: 0 is out of the parameter's range")
        );
        let mut invalid = None;
        let big: Option<i8> = at(300, "offset", &mut invalid);
        assert_eq!(big, None);
        assert!(invalid.is_some());
    }

    #[test]
    fn pages_end_on_the_flag_the_total_an_empty_or_a_short_page() {
        assert_eq!(
            next_position(&OFFSET, 0, Some(20), &seen_of(20, Some(true), None)),
            Some(20)
        );
        assert_eq!(
            next_position(&OFFSET, 40, None, &seen_of(20, Some(false), None)),
            None
        );
        assert_eq!(
            next_position(&OFFSET, 40, None, &seen_of(20, None, Some(60))),
            None
        );
        assert_eq!(
            next_position(&OFFSET, 0, None, &seen_of(0, None, None)),
            None
        );
        // No flag: a page shorter than the size asked for is the last one.
        assert_eq!(
            next_position(&OFFSET, 0, Some(50), &seen_of(7, None, None)),
            None
        );
        // The flag wins over the length.
        assert_eq!(
            next_position(&OFFSET, 0, Some(50), &seen_of(7, Some(true), None)),
            Some(7)
        );
        let pages = Paging {
            style: PageStyle::Page { first: 1 },
            items: "",
            has_more: None,
            total: None,
        };
        assert_eq!(
            next_position(&pages, 3, None, &seen_of(10, None, None)),
            Some(4)
        );
    }

    #[test]
    fn items_are_counted_at_their_pointer() {
        let page =
            serde_json::json!({"results": [1, 2, 3], "meta": {"has_more": true, "total": 9}});
        let counted = seen(&OFFSET, &page);
        assert_eq!(
            (counted.items, counted.has_more, counted.total),
            (3, Some(true), Some(9))
        );
        let root = Paging {
            items: "",
            ..OFFSET
        };
        assert_eq!(seen(&root, &serde_json::json!([1, 2])).items, 2);
    }

    #[test]
    fn body_fields_are_read_and_moved() {
        #[derive(Serialize, serde::Deserialize, Debug, PartialEq)]
        struct Body {
            query: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            offset: Option<u64>,
        }
        let mut body = Some(Body {
            query: "ai".into(),
            offset: None,
        });
        let mut invalid = None;
        assert_eq!(body_number(&body, "offset"), None);
        set_body_number(&mut body, "offset", 40, &mut invalid);
        assert_eq!(body_number(&body, "offset"), Some(40));
        assert_eq!(invalid, None);
        let mut none: Option<Body> = None;
        set_body_number(&mut none, "offset", 40, &mut invalid);
        assert_eq!(
            invalid.as_deref(),
            Some("`body`: set the body before paging through `offset`")
        );
    }
}
