//! What a generated request builder calls: setters that convert their argument once, the
//! parts of a request (path segments, query pairs, headers, bodies), and one attempt (build,
//! prepare, send).

use std::fmt::Display;

use progenitor_client::{Error as ClientError, QueryParam, encode_path};
use reqwest::RequestBuilder;
use reqwest::header::{HeaderName, HeaderValue};
use serde::Serialize;

use crate::config::ClientConfig;
use crate::multipart::FilePart;
use crate::operation::OperationMeta;

/// The failure of one attempt, before [`send`](crate::send()) classifies it.
pub type AttemptError = ClientError<()>;

/// A value a setter of type `T` accepts: anything that converts into `T` with `TryInto`
/// (`&str` into `String`, an `i32` into `i64`, a string into an enum or a `Uuid`...).
///
/// A conversion that fails does not panic and is not lost: the builder keeps the first such
/// failure and the call returns it as an invalid request, naming the parameter, without
/// sending anything.
pub trait IntoParam<T> {
    /// Converts the value for the parameter `name`; on failure records why in `invalid` (the
    /// first failure wins) and returns `None`.
    fn into_param(self, name: &str, invalid: &mut Option<String>) -> Option<T>;
}

impl<T, V> IntoParam<T> for V
where
    V: TryInto<T>,
    V::Error: Display,
{
    fn into_param(self, name: &str, invalid: &mut Option<String>) -> Option<T> {
        match self.try_into() {
            Ok(value) => Some(value),
            Err(e) => {
                if invalid.is_none() {
                    *invalid = Some(format!("`{name}`: {e}"));
                }
                None
            }
        }
    }
}

/// `body_map`: applies `f` to the body's builder (the current body, or an empty builder) and
/// converts the result back; a failed conversion is recorded like a setter's.
pub fn map_body<T, B, F>(current: Option<T>, f: F, invalid: &mut Option<String>) -> Option<T>
where
    B: Default + From<T>,
    F: FnOnce(B) -> B,
    B: TryInto<T>,
    <B as TryInto<T>>::Error: Display,
{
    let start = current.map(B::from).unwrap_or_default();
    f(start).into_param("body", invalid)
}

/// The failure for a builder whose setter recorded an invalid value.
pub fn invalid(message: &str) -> ClientError<()> {
    ClientError::InvalidRequest(message.to_owned())
}

/// Checks that no setter recorded an invalid value (see [`IntoParam`]): the first one
/// recorded is the call's [`invalid`] request.
pub fn valid(invalid: &Option<String>) -> Result<(), ClientError<()>> {
    match invalid {
        Some(message) => Err(self::invalid(message)),
        None => Ok(()),
    }
}

/// The limits a description declares on a parameter (`minimum`, `maximum`, their exclusive
/// forms, `minLength`, `maxLength`), checked by [`check`] before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Limits {
    /// The least value.
    pub minimum: Option<f64>,
    /// Whether `minimum` itself is excluded.
    pub exclusive_minimum: bool,
    /// The greatest value.
    pub maximum: Option<f64>,
    /// Whether `maximum` itself is excluded.
    pub exclusive_maximum: bool,
    /// The fewest characters.
    pub min_length: Option<usize>,
    /// The most characters.
    pub max_length: Option<usize>,
}

impl Limits {
    /// No limit at all (for `..Limits::NONE` in generated code).
    pub const NONE: Limits = Limits {
        minimum: None,
        exclusive_minimum: false,
        maximum: None,
        exclusive_maximum: false,
        min_length: None,
        max_length: None,
    };

    /// What is wrong with the number `value`, if anything.
    fn number_problem(&self, value: f64) -> Option<String> {
        let show = |v: f64| {
            if v.fract() == 0.0 && v.abs() < 1e15 {
                format!("{}", v as i64)
            } else {
                format!("{v}")
            }
        };
        if let Some(min) = self.minimum {
            if self.exclusive_minimum && value <= min {
                return Some(format!(
                    "must be greater than {} (is {})",
                    show(min),
                    show(value)
                ));
            }
            if value < min {
                return Some(format!(
                    "must be at least {} (is {})",
                    show(min),
                    show(value)
                ));
            }
        }
        if let Some(max) = self.maximum {
            if self.exclusive_maximum && value >= max {
                return Some(format!(
                    "must be less than {} (is {})",
                    show(max),
                    show(value)
                ));
            }
            if value > max {
                return Some(format!(
                    "must be at most {} (is {})",
                    show(max),
                    show(value)
                ));
            }
        }
        None
    }

    /// What is wrong with a string of `chars` characters, if anything.
    fn length_problem(&self, chars: usize) -> Option<String> {
        match (self.min_length, self.max_length) {
            (Some(min), _) if chars < min => Some(format!(
                "must be at least {min} characters long (is {chars})"
            )),
            (_, Some(max)) if chars > max => Some(format!(
                "must be at most {max} characters long (is {chars})"
            )),
            _ => None,
        }
    }
}

/// Checks `value` (a parameter's value, or `None` when it is not set) against the limits the
/// description declares: a value outside them is an invalid request that names the parameter,
/// and nothing is sent (which matters most for billable calls).
pub fn check<T: Serialize + ?Sized>(
    name: &str,
    value: &T,
    limits: &Limits,
) -> Result<(), ClientError<()>> {
    match serde_json::to_value(value)
        .ok()
        .and_then(|v| problem(&v, limits))
    {
        Some(problem) => Err(invalid(&format!("`{name}` {problem}"))),
        None => Ok(()),
    }
}

/// Checks the top-level fields of a body (`None` when it is not set) against the limits the
/// description declares on them, by property name: a value outside them is an invalid request
/// that names the field, and nothing is sent.
pub fn check_fields<T: Serialize + ?Sized>(
    body: &T,
    fields: &[(&str, Limits)],
) -> Result<(), ClientError<()>> {
    let Ok(serde_json::Value::Object(body)) = serde_json::to_value(body) else {
        return Ok(());
    };
    for (name, limits) in fields {
        if let Some(problem) = body.get(*name).and_then(|v| problem(v, limits)) {
            return Err(invalid(&format!("body field `{name}` {problem}")));
        }
    }
    Ok(())
}

/// What is wrong with a JSON value under `limits`: numbers and strings are checked, anything
/// else passes.
fn problem(value: &serde_json::Value, limits: &Limits) -> Option<String> {
    match value {
        serde_json::Value::Number(n) => n.as_f64().and_then(|v| limits.number_problem(v)),
        serde_json::Value::String(s) => limits.length_problem(s.chars().count()),
        _ => None,
    }
}

/// The failure for a required parameter or body that was not set.
pub fn missing(name: &str) -> ClientError<()> {
    ClientError::InvalidRequest(format!("`{name}` is required but was not set"))
}

/// A required parameter or body's value: [`missing`] when it was not set.
pub fn required<'v, T>(value: &'v Option<T>, name: &str) -> Result<&'v T, ClientError<()>> {
    value.as_ref().ok_or_else(|| missing(name))
}

/// A required form field's value: [`missing_field`] when it was not set.
pub fn required_field<'v, T>(value: &'v Option<T>, name: &str) -> Result<&'v T, ClientError<()>> {
    value.as_ref().ok_or_else(|| missing_field(name))
}

/// The failure for a required form field that was not set.
pub fn missing_field(name: &str) -> ClientError<()> {
    ClientError::InvalidRequest(format!("form field `{name}` is required"))
}

/// A scalar value as the text a path segment or a header carries: a string as it is, a
/// number or a boolean as JSON writes it, anything else as its JSON text. Read through
/// `Serialize`, so that every generated type (string newtypes with a pattern, enums, dates as
/// RFC 3339, UUIDs) gives the text it has on the wire.
pub fn scalar_text<T: Serialize + ?Sized>(value: &T) -> Result<String, ClientError<()>> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Ok(other.to_string()),
        Err(e) => Err(ClientError::InvalidRequest(e.to_string())),
    }
}

/// A path parameter's value as one percent-encoded path segment.
pub fn path<T: Serialize + ?Sized>(value: &T) -> Result<String, ClientError<()>> {
    scalar_text(value).map(|text| encode_path(&text))
}

/// Adds a query parameter (form style, exploded: a list repeats the name; `None` adds
/// nothing).
pub fn query<T: Serialize>(request: RequestBuilder, name: &str, value: &T) -> RequestBuilder {
    request.query(&QueryParam::new(name, value))
}

/// Adds a header parameter; `None` adds nothing. A name or value that is not valid in a
/// header is an invalid request, naming the header.
pub fn header<T: Serialize>(
    request: RequestBuilder,
    name: &str,
    value: Option<&T>,
) -> Result<RequestBuilder, ClientError<()>> {
    let Some(value) = value else {
        return Ok(request);
    };
    let value = scalar_text(value)?;
    let invalid = || {
        ClientError::InvalidRequest(format!(
            "`{name}`: not a valid header name and value (control characters or non-ASCII text)"
        ))
    };
    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
    let value = HeaderValue::try_from(value).map_err(|_| invalid())?;
    Ok(request.header(name, value))
}

/// A JSON body, sent as `content_type` (`application/json`, or a `+json` type).
pub fn json<T: Serialize>(
    request: RequestBuilder,
    content_type: &'static str,
    body: &T,
) -> Result<RequestBuilder, ClientError<()>> {
    let encoded = serde_json::to_vec(body)
        .map_err(|e| ClientError::InvalidRequest(format!("the JSON body: {e}")))?;
    Ok(raw(request, content_type, encoded))
}

/// An `application/x-www-form-urlencoded` body.
pub fn form<T: Serialize>(
    request: RequestBuilder,
    body: &T,
) -> Result<RequestBuilder, ClientError<()>> {
    let encoded = serde_urlencoded::to_string(body)
        .map_err(|e| ClientError::InvalidRequest(format!("the form body: {e}")))?;
    Ok(request
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(encoded))
}

/// A body sent as it is (text or bytes), with its media type.
pub fn raw(
    request: RequestBuilder,
    content_type: &'static str,
    body: impl Into<reqwest::Body>,
) -> RequestBuilder {
    request
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
}

/// A part of a form that the description gives no fields for.
#[derive(Debug, Clone)]
pub enum FormPart {
    /// A text part.
    Text(String),
    /// A file part.
    File(FilePart),
}

/// Adds a text part for a form field; `None` adds nothing. A string is sent as it is, any
/// other value as its JSON text.
pub fn text_part<T: Serialize>(
    form: reqwest::multipart::Form,
    name: &'static str,
    value: Option<&T>,
) -> Result<reqwest::multipart::Form, ClientError<()>> {
    let Some(value) = value else {
        return Ok(form);
    };
    let text = match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(e) => return Err(ClientError::InvalidRequest(format!("`{name}`: {e}"))),
    };
    Ok(form.text(name, text))
}

/// Adds a file part for a form field (read anew for every attempt); `None` adds nothing. A
/// file that cannot be read is an invalid request, naming the field.
pub async fn file_part(
    form: reqwest::multipart::Form,
    name: &'static str,
    value: Option<&FilePart>,
) -> Result<reqwest::multipart::Form, ClientError<()>> {
    let Some(value) = value else {
        return Ok(form);
    };
    let part = value
        .to_part()
        .await
        .map_err(|e| ClientError::InvalidRequest(format!("cannot read the `{name}` file: {e}")))?;
    Ok(form.part(name, part))
}

/// Adds the parts of a form the description gives no fields for, in the order they were set.
pub async fn form_parts(
    mut form: reqwest::multipart::Form,
    parts: &[(String, FormPart)],
) -> Result<reqwest::multipart::Form, ClientError<()>> {
    for (name, part) in parts {
        form = match part {
            FormPart::Text(text) => form.text(name.clone(), text.clone()),
            FormPart::File(file) => {
                let part = file.to_part().await.map_err(|e| {
                    ClientError::InvalidRequest(format!("cannot read the `{name}` file: {e}"))
                })?;
                form.part(name.clone(), part)
            }
        };
    }
    Ok(form)
}

/// Checks a form's choice of fields before anything is sent: `groups` pairs each group's label
/// (`` `url` ``, or `` `a` with `b` ``) with whether all its fields are set. With `exactly_one`
/// (the schema's `oneOf`) one group must be set, else (its `anyOf`) at least one.
pub fn choice(exactly_one: bool, groups: &[(&str, bool)]) -> Result<(), ClientError<()>> {
    let set: Vec<&str> = groups
        .iter()
        .filter(|(_, set)| *set)
        .map(|(label, _)| *label)
        .collect();
    let fine = if exactly_one {
        set.len() == 1
    } else {
        !set.is_empty()
    };
    if fine {
        return Ok(());
    }
    let labels: Vec<&str> = groups.iter().map(|(label, _)| *label).collect();
    let wanted = if exactly_one {
        "exactly one"
    } else {
        "at least one"
    };
    let got = if set.is_empty() {
        "none is".to_string()
    } else {
        format!("{} are", set.join(" and "))
    };
    Err(ClientError::InvalidRequest(format!(
        "{wanted} of {} must be set ({got})",
        labels.join(", ")
    )))
}

/// A form's choice of exactly one of some fields, as the enum a generated builder takes
/// (`ExtractStemsSource::Url(..)` or `ExtractStemsSource::File(..)`).
pub trait Choice {
    /// The form fields to choose from, in the description's order.
    const FIELDS: &'static [&'static str];

    /// The form field this value is sent as.
    fn field(&self) -> &'static str;
}

/// The message of a choice with none, or more than one, of its fields set.
fn choice_message<T: Choice>(set: &[&str]) -> String {
    let labels: Vec<String> = T::FIELDS.iter().map(|f| format!("`{f}`")).collect();
    let got = if set.is_empty() {
        "none is".to_string()
    } else {
        let set: Vec<String> = T::FIELDS
            .iter()
            .filter(|f| set.contains(f))
            .map(|f| format!("`{f}`"))
            .collect();
        format!("{} are", set.join(" and "))
    };
    format!("exactly one of {} must be set ({got})", labels.join(", "))
}

/// A setter of one of a choice's fields: `new` replaces the value set before, but when that
/// was another of its fields, the call is refused before sending (the first failure recorded
/// in `invalid` wins), since sending either would drop what the caller asked for.
pub fn choose<T: Choice>(
    current: Option<T>,
    new: Option<T>,
    invalid: &mut Option<String>,
) -> Option<T> {
    match (current, new) {
        (Some(current), Some(new)) => {
            if current.field() != new.field() && invalid.is_none() {
                *invalid = Some(choice_message::<T>(&[current.field(), new.field()]));
            }
            Some(new)
        }
        (current, None) => current,
        (None, new) => new,
    }
}

/// The value of a choice the form needs: an invalid request when none of its fields is set.
pub fn chosen<T: Choice>(value: &Option<T>) -> Result<&T, ClientError<()>> {
    value
        .as_ref()
        .ok_or_else(|| ClientError::InvalidRequest(choice_message::<T>(&[])))
}

/// Checks a field the spec requires only when another has some values (`x-required-when`):
/// `field` (set or not) is required when `when`'s value, as written on the wire, is one of
/// `values`.
pub fn required_when(
    field: &str,
    set: bool,
    when: &str,
    value: Option<&str>,
    values: &[&str],
) -> Result<(), ClientError<()>> {
    match value {
        Some(value) if !set && values.contains(&value) => Err(ClientError::InvalidRequest(
            format!("`{field}` is required when `{when}` is `{value}`"),
        )),
        _ => Ok(()),
    }
}

/// [`required_when`] for each `(field, when, values)` rule, on a JSON or form body's top-level
/// fields as they serialize (an unset body, or an unset `when`, requires nothing).
pub fn check_required_when<T: Serialize>(
    body: &T,
    rules: &[(&str, &str, &[&str])],
) -> Result<(), ClientError<()>> {
    let Ok(body) = serde_json::to_value(body) else {
        return Ok(());
    };
    for (field, when, values) in rules {
        let value = match body.get(when) {
            None | Some(serde_json::Value::Null) => continue,
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        let set = body.get(field).is_some_and(|v| !v.is_null());
        required_when(field, set, when, Some(&value), values)?;
    }
    Ok(())
}

/// Asks for a JSON response (`Accept: application/json`).
pub fn accept_json(request: RequestBuilder) -> RequestBuilder {
    request.header(reqwest::header::ACCEPT, "application/json")
}

/// One attempt: builds the request, lets `config` prepare it for `op` (path check, credential,
/// timeout) and sends it with `http`.
pub async fn execute(
    http: &reqwest::Client,
    config: &ClientConfig,
    op: &OperationMeta,
    request: RequestBuilder,
) -> Result<reqwest::Response, ClientError<()>> {
    let mut request = request.build()?;
    config
        .prepare(&mut request, op)
        .map_err(|e| e.into_client_error())?;
    http.execute(request)
        .await
        .map_err(ClientError::CommunicationError)
}

/// One attempt of an operation the vendor's docs give several paths for (`x-fallback-paths`):
/// `urls` pairs each path template, the documented one first, with its URL. The request `build`
/// makes for a URL is sent; when the server answers 404 or 405 (no such route) and another path
/// is left, the next one is tried. The last response is returned whatever its status.
pub async fn execute_first(
    http: &reqwest::Client,
    config: &ClientConfig,
    op: &OperationMeta,
    urls: Vec<(&'static str, String)>,
    build: impl Fn(String) -> Result<RequestBuilder, ClientError<()>>,
) -> Result<reqwest::Response, ClientError<()>> {
    let count = urls.len();
    for (i, (template, url)) in urls.into_iter().enumerate() {
        // The path check compares the URL with the template it was written from.
        let meta = OperationMeta {
            path: template,
            ..*op
        };
        let response = execute(http, config, &meta, build(url)?).await?;
        let no_route = matches!(response.status().as_u16(), 404 | 405);
        if !no_route || i + 1 == count {
            return Ok(response);
        }
    }
    Err(ClientError::InvalidRequest(format!(
        "operation `{}` has no path to send to",
        op.operation_id
    )))
}

/// The response of an attempt whose status is not one of the documented successes, for
/// [`send`](crate::send()) to read and classify.
pub fn unexpected<T>(response: reqwest::Response) -> Result<T, ClientError<()>> {
    Err(ClientError::UnexpectedResponse(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_required_by_another_value_is_checked_before_sending() {
        let single = &["single"][..];
        assert!(required_when("stem", false, "mode", Some("two"), single).is_ok());
        assert!(required_when("stem", true, "mode", Some("single"), single).is_ok());
        assert!(required_when("stem", false, "mode", None, single).is_ok());
        match required_when("stem", false, "mode", Some("single"), single) {
            Err(ClientError::InvalidRequest(m)) => {
                assert_eq!(m, "`stem` is required when `mode` is `single`")
            }
            other => panic!("{other:?}"),
        }
        let rules: &[(&str, &str, &[&str])] = &[("stem", "mode", &["single"])];
        assert!(check_required_when(&serde_json::json!({"mode": "two"}), rules).is_ok());
        assert!(check_required_when(&None::<serde_json::Value>, rules).is_ok());
        assert!(
            check_required_when(
                &serde_json::json!({"mode": "single", "stem": "vocals"}),
                rules
            )
            .is_ok()
        );
        assert!(check_required_when(&serde_json::json!({"mode": "single"}), rules).is_err());
    }

    #[test]
    fn a_choice_of_fields_is_checked_before_sending() {
        let message = |r: Result<(), ClientError<()>>| match r {
            Err(ClientError::InvalidRequest(m)) => m,
            other => panic!("expected an invalid request, got {other:?}"),
        };
        assert!(choice(true, &[("`url`", true), ("`file`", false)]).is_ok());
        assert_eq!(
            message(choice(true, &[("`url`", true), ("`file`", true)])),
            "exactly one of `url`, `file` must be set (`url` and `file` are)"
        );
        assert_eq!(
            message(choice(true, &[("`url`", false), ("`file`", false)])),
            "exactly one of `url`, `file` must be set (none is)"
        );
        assert!(choice(false, &[("`a` with `b`", true), ("`c`", true)]).is_ok());
        assert_eq!(
            message(choice(false, &[("`a` with `b`", false), ("`c`", false)])),
            "at least one of `a` with `b`, `c` must be set (none is)"
        );
    }

    #[test]
    fn declared_limits_are_checked_before_sending() {
        let message = |r: Result<(), ClientError<()>>| match r {
            Err(ClientError::InvalidRequest(m)) => m,
            other => panic!("expected an invalid request, got {other:?}"),
        };
        let page = Limits {
            minimum: Some(1.0),
            maximum: Some(100.0),
            ..Limits::NONE
        };
        assert!(check("limit", &50u32, &page).is_ok());
        assert!(check("limit", &100i64, &page).is_ok());
        assert!(check("limit", &None::<i64>, &page).is_ok(), "not set");
        assert_eq!(
            message(check("limit", &Some(150i64), &page)),
            "`limit` must be at most 100 (is 150)"
        );
        assert_eq!(
            message(check("limit", &0i64, &page)),
            "`limit` must be at least 1 (is 0)"
        );
        let positive = Limits {
            minimum: Some(0.0),
            exclusive_minimum: true,
            ..Limits::NONE
        };
        assert_eq!(
            message(check("rate", &0.0f64, &positive)),
            "`rate` must be greater than 0 (is 0)"
        );
        assert!(check("rate", &0.5f64, &positive).is_ok());
        let name = Limits {
            min_length: Some(2),
            max_length: Some(4),
            ..Limits::NONE
        };
        assert!(check("q", "été", &name).is_ok(), "characters, not bytes");
        assert_eq!(
            message(check("q", "a", &name)),
            "`q` must be at least 2 characters long (is 1)"
        );
        assert_eq!(
            message(check("q", &String::from("abcde"), &name)),
            "`q` must be at most 4 characters long (is 5)"
        );
        // Values of other shapes are not checked.
        assert!(check("flag", &true, &page).is_ok());

        let body = serde_json::json!({"amount_cents": 50, "note": "x"});
        let fields = [(
            "amount_cents",
            Limits {
                minimum: Some(100.0),
                ..Limits::NONE
            },
        )];
        assert_eq!(
            message(check_fields(&body, &fields)),
            "body field `amount_cents` must be at least 100 (is 50)"
        );
        assert!(check_fields(&serde_json::json!({"amount_cents": 100}), &fields).is_ok());
        assert!(
            check_fields(&serde_json::json!({}), &fields).is_ok(),
            "absent"
        );
        assert!(
            check_fields(&None::<serde_json::Value>, &fields).is_ok(),
            "no body"
        );
    }

    #[test]
    fn conversions_keep_the_first_failure() {
        let mut invalid = None;
        let n: Option<u8> = 300i32.into_param("limit", &mut invalid);
        assert_eq!(n, None);
        let m: Option<u8> = (-1i32).into_param("offset", &mut invalid);
        assert_eq!(m, None);
        assert!(
            invalid
                .as_deref()
                .is_some_and(|e| e.starts_with("`limit`: "))
        );
        let s: Option<String> = "ok".into_param("q", &mut invalid);
        assert_eq!(s.as_deref(), Some("ok"));
    }

    #[test]
    fn path_segments_are_percent_encoded_wire_text() {
        assert_eq!(path("a b/c").unwrap(), "a%20b%2Fc");
        assert_eq!(path(&42).unwrap(), "42");
        assert_eq!(path(&true).unwrap(), "true");
        // A newtype (as typify makes for a string with a pattern) gives its string.
        #[derive(Serialize)]
        struct Code(String);
        assert_eq!(path(&Code("x-1".into())).unwrap(), "x-1");
    }

    #[test]
    fn headers_reject_invalid_values_by_name() {
        let http = reqwest::Client::new();
        let ok = header(http.get("http://127.0.0.1/"), "x-trace", Some(&"abc")).unwrap();
        let built = ok.build().unwrap();
        assert_eq!(built.headers()["x-trace"], "abc");
        let none: Option<&String> = None;
        assert!(header(http.get("http://127.0.0.1/"), "x-trace", none).is_ok());
        let err = header(http.get("http://127.0.0.1/"), "x-trace", Some(&"a\nb")).unwrap_err();
        assert!(err.to_string().contains("`x-trace`"), "{err}");
    }

    #[test]
    fn query_and_form_bodies() {
        let http = reqwest::Client::new();
        let request = query(http.get("http://127.0.0.1/"), "tag", &vec!["a", "b"]);
        let request = query(request, "skip", &None::<u32>);
        assert_eq!(request.build().unwrap().url().query(), Some("tag=a&tag=b"));
        #[derive(Serialize)]
        struct Login<'a> {
            user: &'a str,
            code: u32,
        }
        let request = form(
            http.post("http://127.0.0.1/"),
            &Login {
                user: "a b",
                code: 7,
            },
        )
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(
            request.headers()["content-type"],
            "application/x-www-form-urlencoded"
        );
        let body = request.body().and_then(|b| b.as_bytes()).unwrap();
        assert_eq!(body, b"user=a+b&code=7");
    }
}
