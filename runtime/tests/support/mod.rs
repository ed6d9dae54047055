//! The runtime tests' stand-in for a generated operation's `send_raw`, on top of the
//! shared scripted test server.

#![allow(dead_code)]

pub use clientgen_testkit::*;

use clientgen_runtime::{ClientConfig, OperationMeta, ResponseValue};
use progenitor_client::Error as ClientError;

/// What a generated `send_raw` does for a JSON operation: build the request, run the `pre`
/// hook (`ClientConfig::prepare`), execute, and hand any non-success status back as
/// `UnexpectedResponse`.
pub async fn attempt_json(
    client: &reqwest::Client,
    config: &ClientConfig,
    op: &OperationMeta,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<ResponseValue<serde_json::Value>, ClientError<()>> {
    let method = reqwest::Method::from_bytes(op.method.as_bytes())
        .map_err(|e| ClientError::InvalidRequest(e.to_string()))?;
    let mut builder = client.request(method, format!("{}{}", config.base_url(), path));
    if let Some(body) = body {
        builder = builder.json(body);
    }
    let mut request = builder.build()?;
    config
        .prepare(&mut request, op)
        .map_err(|e| e.into_client_error())?;
    let response = client.execute(request).await?;
    if response.status().is_success() {
        ResponseValue::from_response(response).await
    } else {
        Err(ClientError::UnexpectedResponse(response))
    }
}

pub static GET_OP: OperationMeta = OperationMeta {
    operation_id: "listThings",
    method: "GET",
    path: "/things",
    billable: false,
    idempotent: true,
    streams_body: false,
    security: &["ApiKeyHeader"],
    errors: &[],
};

pub static BILLABLE_POST: OperationMeta = OperationMeta {
    operation_id: "createJob",
    method: "POST",
    path: "/jobs",
    billable: true,
    idempotent: false,
    streams_body: false,
    security: &["ApiKeyHeader"],
    errors: &[],
};
