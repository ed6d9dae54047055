//! Success responses as [`ResponseValue`]s (status, headers and the decoded body), with the
//! headers moved out of the response instead of copied.

use progenitor_client::{ByteStream, Error as ClientError, ResponseValue};
use serde::de::DeserializeOwned;

/// Reads the whole body and decodes it as JSON, like `ResponseValue::from_response`: a body
/// that cannot be read is [`ClientError::ResponseBodyError`], one that does not decode is
/// [`ClientError::InvalidResponsePayload`] with the body.
pub async fn json<T: DeserializeOwned, E>(
    response: reqwest::Response,
) -> Result<ResponseValue<T>, ClientError<E>> {
    read_json(response, |inner| inner).await
}

/// Reads the whole body, decodes it as JSON and wraps the value with `wrap`.
async fn read_json<T: DeserializeOwned, U, E>(
    mut response: reqwest::Response,
    wrap: fn(T) -> U,
) -> Result<ResponseValue<U>, ClientError<E>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = response
        .bytes()
        .await
        .map_err(ClientError::ResponseBodyError)?;
    let inner =
        serde_json::from_slice(&body).map_err(|e| ClientError::InvalidResponsePayload(body, e))?;
    Ok(ResponseValue::new(wrap(inner), status, headers))
}

/// A success without a body, like `ResponseValue::empty` (the body is not read).
pub fn empty(mut response: reqwest::Response) -> ResponseValue<()> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    ResponseValue::new((), status, headers)
}

/// The body as a stream of chunks, like `ResponseValue::stream`.
pub fn stream(mut response: reqwest::Response) -> ResponseValue<ByteStream> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    ResponseValue::new(
        ByteStream::new(Box::pin(response.bytes_stream())),
        status,
        headers,
    )
}

/// A success that may also come without a body (`200` with one, `204` without): the JSON body,
/// as `Some`.
pub async fn json_some<T: DeserializeOwned, E>(
    response: reqwest::Response,
) -> Result<ResponseValue<Option<T>>, ClientError<E>> {
    read_json(response, Some).await
}

/// The body as a stream, as `Some` (see [`json_some`]).
pub fn stream_some(mut response: reqwest::Response) -> ResponseValue<Option<ByteStream>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let stream = ByteStream::new(Box::pin(response.bytes_stream()));
    ResponseValue::new(Some(stream), status, headers)
}

/// A documented success without a body where another success has one: `None`.
pub fn none<T>(mut response: reqwest::Response) -> ResponseValue<Option<T>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    ResponseValue::new(None, status, headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    fn response(status: u16, body: &'static str) -> reqwest::Response {
        let response = http_response(status, body);
        reqwest::Response::from(response)
    }

    fn http_response(status: u16, body: &'static str) -> http::Response<&'static str> {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .header("x-request-id", "r-1")
            .body(body)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn json_keeps_status_headers_and_value() {
        let value: ResponseValue<serde_json::Value> =
            json::<_, ()>(response(201, r#"{"a":1}"#)).await.unwrap();
        assert_eq!(value.status().as_u16(), 201);
        assert_eq!(value.headers()["x-request-id"], "r-1");
        assert_eq!(value.headers().len(), 2);
        assert_eq!(value.into_inner(), serde_json::json!({"a": 1}));
    }

    #[tokio::test]
    async fn json_that_does_not_decode_keeps_the_body() {
        let error = json::<Vec<u32>, ()>(response(200, r#"{"a":1}"#))
            .await
            .unwrap_err();
        match error {
            ClientError::InvalidResponsePayload(body, _) => assert_eq!(&body[..], br#"{"a":1}"#),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn empty_and_stream_keep_status_and_headers() {
        let value = empty(response(204, ""));
        assert_eq!(value.status().as_u16(), 204);
        assert_eq!(value.headers()["x-request-id"], "r-1");

        let value = stream(response(200, "chunk"));
        assert_eq!(value.headers()["content-type"], "application/json");
        let mut body = Vec::new();
        let mut chunks = value.into_inner();
        while let Some(chunk) = chunks.next().await {
            body.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(body, b"chunk");
    }
}
