//! Pagination recognised without `x-pagination`: the common shapes of a `GET` that returns one
//! page of a list, read from its query parameters and its JSON success body. Conservative: a
//! shape is taken only when both its request parameters and its response field are there, and
//! nothing is said when they are not (the operation is then a plain call, as before).
//!
//! - offset and limit: integer query parameters `offset` (or `skip`) and `limit` (or
//!   `page_size`, `per_page`), and an array of items in the body;
//! - page and limit: integer query parameters `page` and `limit` (or `per_page`, `page_size`),
//!   and an array of items; the first page is the parameter's `default` or `minimum` when that
//!   is 0 or 1, else 1;
//! - cursor: a string query parameter `cursor` (or `page_token`, `next_token`, `after`), a
//!   string field naming the next one (`next_cursor`, `next_page_token`, `next_token`,
//!   `nextCursor`...) at the top of the body or one object down (`meta`, `pagination`), and an
//!   array of items.
//!
//! The items are the body's only top-level array, or, among several, the one named `items`,
//! `results`, `data`, `records` or `entries`. A `has_more` flag and a `total` count are read
//! where the body has them, at the top or one object down.

use serde_json::{Map, Value};

use super::Lowering;
use crate::diagnostic::escape_pointer_token;
use crate::ir::{PageField, PageStyle, Pagination, Parameter, ScalarKind, Success, SuccessBody};

const OFFSETS: [&str; 2] = ["offset", "skip"];
const PAGES: [&str; 3] = ["page", "page_number", "pageNumber"];
const SIZES: [&str; 6] = [
    "limit",
    "page_size",
    "pageSize",
    "per_page",
    "perPage",
    "size",
];
const CURSORS: [&str; 7] = [
    "cursor",
    "page_token",
    "pageToken",
    "next_token",
    "nextToken",
    "after",
    "starting_after",
];
const NEXT_CURSORS: [&str; 8] = [
    "next_cursor",
    "nextCursor",
    "next_page_token",
    "nextPageToken",
    "next_token",
    "nextToken",
    "next",
    "cursor",
];
const ITEMS: [&str; 5] = ["items", "results", "data", "records", "entries"];
const HAS_MORE: [&str; 4] = ["has_more", "hasMore", "has_next", "hasNext"];
const TOTALS: [&str; 4] = ["total", "total_count", "totalCount", "total_results"];

impl Lowering<'_> {
    /// The pagination of `op` recognised from its shape, if it has one of the common ones.
    pub(super) fn recognised_pagination(
        &self,
        op: &openapiv3::Operation,
        method: &str,
        parameters: &[Parameter],
        success: &Success,
        at: &str,
    ) -> Option<Pagination> {
        if method != "GET" || !matches!(success.body, SuccessBody::Json(_)) {
            return None;
        }
        let query = |names: &[&str], kind: ScalarKind| {
            names.iter().find_map(|name| {
                // A plain scalar: a nullable one's type is an `Option` the paging cannot set,
                // and a cursor must be a `String`, which a `pattern`, a length or an `enum`
                // would make a type of its own.
                parameters.iter().find(|p| {
                    p.location == "query"
                        && p.kind == kind
                        && !p.nullable
                        && p.name == *name
                        && (kind != ScalarKind::String || self.plain_string(p))
                })
            })
        };
        let body = self.success_object(op, at)?;
        let properties = body.get("properties")?.as_object()?;
        let arrays: Vec<&String> = properties
            .iter()
            .filter(|(_, schema)| self.schema_type(schema) == Some("array"))
            .map(|(key, _)| key)
            .collect();
        let items_key = match arrays.as_slice() {
            [one] => *one,
            several => *several.iter().find(|k| ITEMS.contains(&k.as_str()))?,
        };
        let items = format!("/{}", escape_pointer_token(items_key));
        let field = |names: &[&str], ty: &str| self.field_pointer(properties, names, ty);
        let size = query(&SIZES, ScalarKind::Integer);
        let (style, position, page_size) =
            if let (Some(offset), Some(size)) = (query(&OFFSETS, ScalarKind::Integer), size) {
                (PageStyle::Offset, offset, Some(size))
            } else if let (Some(page), Some(size)) = (query(&PAGES, ScalarKind::Integer), size) {
                let first = self.first_page(page);
                (PageStyle::Page { first }, page, Some(size))
            } else if let (Some(cursor), Some(next)) = (
                query(&CURSORS, ScalarKind::String),
                field(&NEXT_CURSORS, "string"),
            ) {
                (PageStyle::Cursor { next }, cursor, size)
            } else {
                return None;
            };
        let item = self.success_items(op, &items).ok()?;
        Some(Pagination {
            style,
            position: PageField::Query(position.rust_name.clone()),
            page_size: page_size.map(|p| PageField::Query(p.rust_name.clone())),
            items,
            has_more: field(&HAS_MORE, "boolean"),
            total: field(&TOTALS, "integer"),
            item,
            recognised: true,
        })
    }

    /// Whether `p`'s schema is a string with nothing that makes a type of its own of it.
    fn plain_string(&self, p: &Parameter) -> bool {
        let Some((schema, _)) = self.raw_schema(&format!("{}/schema", p.pointer)) else {
            return false;
        };
        ["pattern", "minLength", "maxLength", "enum", "format"]
            .iter()
            .all(|key| schema.get(key).is_none())
    }

    /// The object schema of the first JSON 2xx body, resolved, as written in the document.
    fn success_object(&self, op: &openapiv3::Operation, at: &str) -> Option<&Value> {
        let status = op
            .responses
            .responses
            .keys()
            .map(|s| s.to_string())
            .find(|s| s.starts_with('2'))?;
        let (response, _) =
            self.raw_schema(&format!("{at}/responses/{}", escape_pointer_token(&status)))?;
        let content = response.get("content")?.as_object()?;
        let (_, media) = content
            .iter()
            .find(|(media, _)| super::is_json_media_type(media))?;
        let (schema, _) = self.raw_schema_of(media.get("schema")?)?;
        (self.schema_type(schema) == Some("object") || schema.get("properties").is_some())
            .then_some(schema)
    }

    /// The `type` of a schema given inline or by `$ref`.
    fn schema_type<'v>(&'v self, schema: &'v Value) -> Option<&'v str> {
        let (schema, _) = self.raw_schema_of(schema)?;
        schema.get("type").and_then(Value::as_str)
    }

    /// The pointer to the first property named in `names` with type `ty`, at the top of the
    /// body or inside one of its object properties.
    fn field_pointer(
        &self,
        properties: &Map<String, Value>,
        names: &[&str],
        ty: &str,
    ) -> Option<String> {
        let find = |props: &Map<String, Value>| {
            names.iter().find(|name| {
                props
                    .get(**name)
                    .is_some_and(|schema| self.schema_type(schema) == Some(ty))
            })
        };
        if let Some(name) = find(properties) {
            return Some(format!("/{}", escape_pointer_token(name)));
        }
        properties.iter().find_map(|(outer, schema)| {
            let (schema, _) = self.raw_schema_of(schema)?;
            let inner = schema.get("properties")?.as_object()?;
            let name = find(inner)?;
            Some(format!(
                "/{}/{}",
                escape_pointer_token(outer),
                escape_pointer_token(name)
            ))
        })
    }

    /// The number of a page parameter's first page: its `default` or `minimum` when 0 or 1.
    fn first_page(&self, page: &Parameter) -> u64 {
        self.raw_schema(&format!("{}/schema", page.pointer))
            .and_then(|(schema, _)| {
                ["default", "minimum"]
                    .iter()
                    .find_map(|k| schema.get(*k).and_then(Value::as_u64))
            })
            .filter(|first| *first <= 1)
            .unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::{Api, PageField, PageStyle, Pagination};

    /// Lowers one operation `GET /list` (or another method) with `parameters` and a success
    /// body of `properties`, and returns its pagination and the warnings.
    fn recognised(method: &str, parameters: &str, properties: &str) -> (Option<Pagination>, usize) {
        let text = format!(
            r#"
openapi: 3.0.3
info: {{title: Lists, version: '1'}}
paths:
  /list:
    {method}:
      operationId: list
      parameters: {parameters}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {{type: object, properties: {properties}}}
components:
  schemas:
    Thing: {{type: object, properties: {{id: {{type: string}}}}}}
"#
        );
        let doc = crate::load::parse_text("lists.yaml", &text).expect("parses");
        let spec = crate::load::to_openapi(&doc).expect("OpenAPI");
        let (api, warnings): (Api, _) = super::super::lower(&doc, &spec).expect("lowers");
        (api.operations[0].pagination.clone(), warnings.len())
    }

    const THINGS: &str = "{things: {type: array, items: {$ref: '#/components/schemas/Thing'}}";
    const INT: &str = "schema: {type: integer}";

    #[test]
    fn the_three_shapes_are_recognised_without_a_warning() {
        let (offset, warnings) = recognised(
            "get",
            &format!("[{{name: offset, in: query, {INT}}}, {{name: limit, in: query, {INT}}}]"),
            &format!(
                "{THINGS}, meta: {{type: object, properties: {{total: {{type: integer}}}}}}}}"
            ),
        );
        let offset = offset.expect("offset/limit");
        assert_eq!(warnings, 0);
        assert!(offset.recognised);
        assert_eq!(offset.style, PageStyle::Offset);
        assert_eq!(offset.position, PageField::Query("offset".into()));
        assert_eq!(offset.page_size, Some(PageField::Query("limit".into())));
        assert_eq!(offset.items, "/things");
        assert_eq!(offset.total.as_deref(), Some("/meta/total"));
        assert_eq!(offset.item, crate::ir::TypeRef::Named("Thing".into()));

        let (page, _) = recognised(
            "get",
            &format!(
                "[{{name: page, in: query, schema: {{type: integer, default: 0}}}}, \
                 {{name: per_page, in: query, {INT}}}]"
            ),
            &format!("{THINGS}, has_more: {{type: boolean}}}}"),
        );
        let page = page.expect("page/per_page");
        assert_eq!(page.style, PageStyle::Page { first: 0 });
        assert_eq!(page.has_more.as_deref(), Some("/has_more"));

        let (cursor, warnings) = recognised(
            "get",
            "[{name: cursor, in: query, schema: {type: string}}]",
            &format!(
                "{THINGS}, other: {{type: array, items: {{type: string}}}}, \
                 items: {{type: array, items: {{type: string}}}}, \
                 pagination: {{type: object, properties: {{next_cursor: {{type: string, nullable: true}}}}}}}}"
            ),
        );
        let cursor = cursor.expect("cursor");
        assert_eq!(warnings, 0);
        assert_eq!(
            cursor.style,
            PageStyle::Cursor {
                next: "/pagination/next_cursor".into()
            }
        );
        assert_eq!(
            cursor.items, "/items",
            "of several arrays, the one named items"
        );
        assert_eq!(cursor.page_size, None);
    }

    #[test]
    fn x_pagination_false_turns_recognition_off() {
        let parameters =
            format!("[{{name: offset, in: query, {INT}}}, {{name: limit, in: query, {INT}}}]");
        let (paging, _) = recognised("get", &parameters, &format!("{THINGS}}}"));
        assert!(paging.is_some());
        let off = format!("{parameters}\n      x-pagination: false");
        let (paging, warnings) = recognised("get", &off, &format!("{THINGS}}}"));
        assert_eq!((paging, warnings), (None, 0));
    }

    #[test]
    fn a_shape_missing_a_part_is_not_recognised() {
        let offset_and_limit =
            format!("[{{name: offset, in: query, {INT}}}, {{name: limit, in: query, {INT}}}]");
        for (method, parameters, properties) in [
            // No limit beside the offset.
            (
                "get",
                format!("[{{name: offset, in: query, {INT}}}]"),
                format!("{THINGS}}}"),
            ),
            // No array of items in the body.
            (
                "get",
                offset_and_limit.clone(),
                "{count: {type: integer}}".to_string(),
            ),
            // Not a GET.
            ("post", offset_and_limit.clone(), format!("{THINGS}}}")),
            // The offset is a string.
            (
                "get",
                format!(
                    "[{{name: offset, in: query, schema: {{type: string}}}}, \
                     {{name: limit, in: query, {INT}}}]"
                ),
                format!("{THINGS}}}"),
            ),
            // A cursor parameter but no next cursor in the body.
            (
                "get",
                "[{name: cursor, in: query, schema: {type: string}}]".to_string(),
                format!("{THINGS}, cursor_hint: {{type: string}}}}"),
            ),
            // A nullable cursor (apideck.com): its type is an `Option` the paging cannot set.
            (
                "get",
                "[{name: cursor, in: query, schema: {type: string, nullable: true}}]".to_string(),
                format!("{THINGS}, next_cursor: {{type: string}}}}"),
            ),
            // A nullable offset.
            (
                "get",
                format!(
                    "[{{name: offset, in: query, schema: {{type: integer, nullable: true}}}}, \
                     {{name: limit, in: query, {INT}}}]"
                ),
                format!("{THINGS}}}"),
            ),
            // Two arrays, neither named as items are.
            (
                "get",
                offset_and_limit,
                format!("{THINGS}, others: {{type: array, items: {{type: string}}}}}}"),
            ),
        ] {
            let (paging, warnings) = recognised(method, &parameters, &properties);
            assert_eq!(paging, None, "{method} {parameters} {properties}");
            assert_eq!(warnings, 0);
        }
    }
}
