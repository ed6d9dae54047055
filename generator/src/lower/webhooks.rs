//! Lowering of the requests an API sends to its caller: OpenAPI 3.0 `callbacks` on operations
//! and the 3.1 top-level `webhooks` (kept by the dialect stage), each with its JSON payload type,
//! the header its secret comes back in and the events its payload may name
//! (`x-webhook`, docs/spec-extensions.md).

use serde_json::Value;

use super::{Lowering, is_json_media_type};
use crate::diagnostic::{escape_pointer_token, pointer};
use crate::ir::{Operation, TypeRef, Webhook, WebhookAuthorization, WebhookEvent, WebhookSource};
use crate::names;

/// The methods a callback's or webhook's path item may use, in the order they are read.
const METHODS: [&str; 4] = ["post", "put", "patch", "get"];

impl Lowering<'_> {
    /// Every callback of `operations` (in their order) and every 3.1 webhook, merged by name
    /// when several operations declare the same callback with the same payload.
    pub(super) fn webhooks(&mut self, operations: &[Operation]) -> Vec<Webhook> {
        let mut found: Vec<Webhook> = Vec::new();
        for op in operations {
            let at = format!("{}/callbacks", op.pointer);
            let Some(callbacks) = self.doc.value.pointer(&at).and_then(Value::as_object) else {
                continue;
            };
            for (name, callback) in callbacks {
                let callback_at = format!("{at}/{}", escape_pointer_token(name));
                let Some(callback) = callback.as_object() else {
                    continue;
                };
                for (expression, _) in callback {
                    let item_at = format!("{callback_at}/{}", escape_pointer_token(expression));
                    let source = WebhookSource::Callback {
                        operations: vec![op.id.clone()],
                        expression: expression.clone(),
                    };
                    if let Some(webhook) = self.webhook(name, source, &item_at) {
                        merge(&mut found, webhook);
                    }
                }
            }
        }
        let names: Vec<String> = self
            .doc
            .value
            .get("webhooks")
            .and_then(Value::as_object)
            .map(|w| w.keys().cloned().collect())
            .unwrap_or_default();
        for name in names {
            let item_at = pointer(["webhooks", name.as_str()]);
            if let Some(webhook) = self.webhook(&name, WebhookSource::Webhook, &item_at) {
                merge(&mut found, webhook);
            }
        }
        let wanted: Vec<&str> = found.iter().map(|w| w.name.as_str()).collect();
        let functions = names::webhook_functions(&wanted);
        for (webhook, function) in found.iter_mut().zip(functions) {
            webhook.function = function;
        }
        found
    }

    /// The webhook of the path item at `item_at` (its first method that has one).
    fn webhook(&mut self, name: &str, source: WebhookSource, item_at: &str) -> Option<Webhook> {
        let (item, item_at) = self.raw_schema(item_at)?;
        let item = item.clone();
        let (method, op) = METHODS
            .iter()
            .find_map(|m| item.get(*m).map(|op| (*m, op)))?;
        let at = format!("{item_at}/{method}");
        let text = |key: &str| op.get(key).and_then(Value::as_str).map(str::to_string);
        let (summary, description) = (text("summary"), text("description"));
        let (body, example) = self.webhook_body(name, &at)?;
        let (authorization, event) = self.webhook_extension(&at, op.get("x-webhook"));
        let event = event.or_else(|| self.discriminated_events(&body));
        Some(Webhook {
            name: name.to_string(),
            function: String::new(),
            source,
            pointer: at,
            method: method.to_ascii_uppercase(),
            summary,
            description,
            body,
            authorization,
            event,
            example,
        })
    }

    /// The type of the JSON request body of the webhook operation at `at`: the component's
    /// type for a `$ref` to one, else the inline schema hoisted under `<name> payload`.
    fn webhook_body(&mut self, name: &str, at: &str) -> Option<(TypeRef, Option<Value>)> {
        let Some((body, body_at)) = self.raw_schema(&format!("{at}/requestBody")) else {
            self.fallback(
                "webhook",
                at,
                format!(
                    "callback or webhook `{name}` has no request body: no receiver is generated"
                ),
            );
            return None;
        };
        let json = body
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.iter().find(|(media, _)| is_json_media_type(media)))
            .map(|(media, m)| {
                let example = m.get("example").cloned().or_else(|| {
                    let examples = m.get("examples")?.as_object()?;
                    examples.values().find_map(|e| e.get("value").cloned())
                });
                (media.clone(), m.get("schema").cloned(), example)
            });
        let Some((media, Some(schema), example)) = json else {
            self.fallback(
                "webhook",
                &format!("{body_at}/content"),
                format!(
                    "callback or webhook `{name}` has no JSON body with a schema: no receiver is \
                     generated"
                ),
            );
            return None;
        };
        let schema_at = format!("{body_at}/content/{}/schema", escape_pointer_token(&media));
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let named = reference
                .strip_prefix("#/components/schemas/")
                .and_then(|key| self.type_names.get(key));
            return match named {
                Some(name) => Some((TypeRef::Named(name.clone()), example)),
                None => {
                    self.fallback(
                        "webhook",
                        &schema_at,
                        format!(
                            "`{reference}` is not a component schema: no receiver is generated"
                        ),
                    );
                    None
                }
            };
        }
        let ty = TypeRef::Named(self.lift(&format!("{name} payload"), schema, &schema_at));
        Some((ty, example))
    }

    /// `x-webhook: {authorization: HEADER | {header, parameter}, event: POINTER, events: [..]}`.
    fn webhook_extension(
        &mut self,
        at: &str,
        value: Option<&Value>,
    ) -> (Option<WebhookAuthorization>, Option<WebhookEvent>) {
        let Some(value) = value else {
            return (None, None);
        };
        let at = format!("{at}/x-webhook");
        let Some(obj) = value.as_object() else {
            self.error(
                &at,
                "`x-webhook` must be a mapping (see docs/spec-extensions.md)",
            );
            return (None, None);
        };
        let valid_header = |h: &str| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        };
        let authorization = match obj.get("authorization") {
            None => None,
            Some(Value::String(header)) if valid_header(header) => Some(WebhookAuthorization {
                header: header.to_ascii_lowercase(),
                parameter: None,
            }),
            Some(Value::Object(a))
                if a.get("header")
                    .and_then(Value::as_str)
                    .is_some_and(valid_header)
                    && a.get("parameter").is_none_or(Value::is_string) =>
            {
                Some(WebhookAuthorization {
                    header: a["header"]
                        .as_str()
                        .unwrap_or_default()
                        .to_ascii_lowercase(),
                    parameter: a
                        .get("parameter")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                })
            }
            Some(_) => {
                self.error(
                    &format!("{at}/authorization"),
                    "`x-webhook.authorization` must be a header name, or a mapping with `header` \
                     and, optionally, `parameter`",
                );
                None
            }
        };
        let event = match (obj.get("event"), obj.get("events")) {
            (None, None) => None,
            (Some(Value::String(p)), Some(Value::Array(values)))
                if (p.is_empty() || p.starts_with('/'))
                    && !values.is_empty()
                    && values.iter().all(Value::is_string) =>
            {
                Some(WebhookEvent {
                    pointer: p.clone(),
                    values: values
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                })
            }
            _ => {
                self.error(
                    &at,
                    "`x-webhook.event` (a JSON pointer such as /type) and `x-webhook.events` (a \
                     list of the event names) go together",
                );
                None
            }
        };
        (authorization, event)
    }

    /// The events of a payload whose component schema has a `discriminator`: its property, and
    /// the `mapping` keys (else the names of the `oneOf` components).
    fn discriminated_events(&self, body: &TypeRef) -> Option<WebhookEvent> {
        let TypeRef::Named(rust) = body else {
            return None;
        };
        let schema = &self.schemas.iter().find(|s| &s.name == rust)?.schema;
        let discriminator = schema.get("discriminator")?;
        let property = discriminator.get("propertyName")?.as_str()?;
        let mut values: Vec<String> = match discriminator.get("mapping").and_then(Value::as_object)
        {
            Some(mapping) => mapping.keys().cloned().collect(),
            None => schema
                .get("oneOf")
                .and_then(Value::as_array)?
                .iter()
                .filter_map(|b| b.get("$ref")?.as_str()?.rsplit('/').next())
                .filter_map(|rust| {
                    // `$ref`s in the IR's schemas name Rust types; the event is the key.
                    self.type_names
                        .iter()
                        .find(|(_, name)| name.as_str() == rust)
                        .map(|(key, _)| key.clone())
                })
                .collect(),
        };
        values.dedup();
        (!values.is_empty()).then(|| WebhookEvent {
            pointer: format!("/{}", escape_pointer_token(property)),
            values,
        })
    }
}

/// Adds `webhook`, or the operations of its callback to an equal one already found.
fn merge(found: &mut Vec<Webhook>, webhook: Webhook) {
    let same = found.iter_mut().find(|w| {
        w.name == webhook.name
            && w.body == webhook.body
            && w.authorization == webhook.authorization
            && w.event == webhook.event
            && w.method == webhook.method
    });
    match (same, webhook.source.clone()) {
        (
            Some(Webhook {
                source: WebhookSource::Callback { operations, .. },
                ..
            }),
            WebhookSource::Callback {
                operations: more, ..
            },
        ) => operations.extend(more),
        _ => found.push(webhook),
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Diagnostics;
    use crate::ir::{Api, TypeRef, WebhookSource};

    fn lowered(x_webhook: &str, extra: &str) -> Result<(Api, Diagnostics), Diagnostics> {
        let text = format!(
            r#"
openapi: 3.0.3
info: {{title: Hooks, version: '1'}}
paths:
  /a:
    post:
      operationId: a
      responses: {{'201': {{description: ok}}}}
      callbacks:
        done:
          '{{$request.query.url}}':
            post:
              x-webhook: {x_webhook}
              requestBody:
                content:
                  application/json:
                    schema: {{$ref: '#/components/schemas/Event'}}
              responses: {{'200': {{description: ok}}}}
  /b:
    post:
      operationId: b
      responses: {{'201': {{description: ok}}}}
      callbacks:
        done:
          '{{$request.query.url}}':
            post:
              x-webhook: {x_webhook}
              requestBody:
                content:
                  application/json:
                    schema: {{$ref: '#/components/schemas/Event'}}
              responses: {{'200': {{description: ok}}}}
{extra}
components:
  schemas:
    Event:
      oneOf: [{{$ref: '#/components/schemas/Started'}}, {{$ref: '#/components/schemas/Ended'}}]
      discriminator: {{propertyName: kind}}
    Started: {{type: object, properties: {{kind: {{type: string}}}}}}
    Ended: {{type: object, properties: {{kind: {{type: string}}}}}}
"#
        );
        let doc = crate::load::parse_text("hooks.yaml", &text).expect("parses");
        let spec = crate::load::to_openapi(&doc).expect("OpenAPI");
        super::super::lower(&doc, &spec)
    }

    #[test]
    fn callbacks_are_merged_by_name_with_their_header_and_discriminated_events() {
        let (api, warnings) = lowered("{authorization: X-Secret}", "").expect("lowers");
        assert!(warnings.is_empty(), "{warnings}");
        let [hook] = api.webhooks.as_slice() else {
            panic!("one webhook for the two operations: {:?}", api.webhooks);
        };
        assert_eq!(hook.function, "done");
        assert_eq!(hook.method, "POST");
        assert_eq!(hook.body, TypeRef::Named("Event".into()));
        assert_eq!(
            hook.source,
            WebhookSource::Callback {
                operations: vec!["a".into(), "b".into()],
                expression: "{$request.query.url}".into()
            }
        );
        let auth = hook.authorization.as_ref().expect("authorization");
        assert_eq!(
            (auth.header.as_str(), auth.parameter.as_deref()),
            ("x-secret", None)
        );
        let event = hook.event.as_ref().expect("events from the discriminator");
        assert_eq!(event.pointer, "/kind");
        assert_eq!(event.values, ["Started", "Ended"]);
    }

    #[test]
    fn a_webhook_with_an_inline_payload_gets_a_type_and_a_3_1_webhook_is_read() {
        let extra = r#"webhooks:
  tick:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {at: {type: string}}}
      responses: {'200': {description: ok}}"#;
        let (api, _) = lowered("{event: /kind, events: [Started]}", extra).expect("lowers");
        let tick = api
            .webhooks
            .iter()
            .find(|w| w.name == "tick")
            .expect("the top-level webhook");
        assert_eq!(tick.source, WebhookSource::Webhook);
        assert_eq!(tick.body, TypeRef::Named("TickPayload".into()));
        assert!(api.schemas.iter().any(|s| s.name == "TickPayload"));
        let done = &api.webhooks[0];
        assert_eq!(
            done.event.as_ref().map(|e| e.values.clone()),
            Some(vec!["Started".to_string()])
        );
    }

    #[test]
    fn a_malformed_extension_is_an_error_at_its_pointer() {
        for bad in [
            "[Authorization]",
            "{authorization: 'not a header'}",
            "{authorization: {parameter: secret}}",
            "{event: /kind}",
            "{event: kind, events: [a]}",
            "{event: /kind, events: []}",
        ] {
            let errors = lowered(bad, "").expect_err(bad).to_string();
            assert!(
                errors
                    .contains("/paths/~1a/post/callbacks/done/{$request.query.url}/post/x-webhook"),
                "{bad}: {errors}"
            );
        }
    }
}
