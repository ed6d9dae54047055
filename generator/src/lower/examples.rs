//! The runnable examples a crate gets, decided from what the description has: the first
//! operation (in path order) that submits a job whose status names its results gets a download
//! example, the first paginated one an every-page example, and the first other one that uploads
//! a file in a multipart form (with a JSON answer) an upload example; each example is named
//! after its operation's method (`examples/audio_download.rs`), so that the examples of the
//! crates of one workspace do not collide in its target directory. An operation qualifies when every input it
//! requires can be given as text on the command line (a string or string-enum parameter or
//! form field, a plain string field of its JSON body, a file path); its required inputs become
//! the example's arguments, in order.

use serde_json::Value;

use super::Lowering;
use crate::ir::{
    BodyEncoding, Example, ExampleInput, ExampleKind, ExampleTarget, FieldKind, Operation,
    RequestBody, ScalarKind, SuccessBody, TypeRef,
};
use crate::names;

impl Lowering<'_> {
    /// At most one example of each kind, in the order download, every page, upload.
    pub(super) fn examples(&self, operations: &[Operation]) -> Vec<Example> {
        let kinds = [
            ExampleKind::Download,
            ExampleKind::EveryPage,
            ExampleKind::Upload,
        ];
        kinds
            .into_iter()
            .filter_map(|kind| {
                operations.iter().find_map(|op| {
                    if !is_kind(op, kind) {
                        return None;
                    }
                    Some(Example {
                        name: op.names.method.clone(),
                        kind,
                        operation: op.id.clone(),
                        inputs: self.example_inputs(op)?,
                    })
                })
            })
            .collect()
    }

    /// The arguments of an example calling `op`, or `None` when a required input cannot be
    /// given as text.
    fn example_inputs(&self, op: &Operation) -> Option<Vec<ExampleInput>> {
        let mut inputs = Vec::new();
        let argument = |name: &str| names::snake_words(name).to_ascii_uppercase();
        for p in op.parameters.iter().filter(|p| p.required) {
            let raw = self.raw_schema(&format!("{}/schema", p.pointer));
            let textual = raw.is_some_and(|(s, _)| s.get("enum").is_some() || textual(s));
            if p.kind != ScalarKind::String || !(p.ty == TypeRef::String || textual) {
                return None;
            }
            inputs.push(ExampleInput {
                argument: argument(&p.name),
                target: ExampleTarget::Setter(p.rust_name.clone()),
            });
        }
        match &op.body {
            RequestBody::None => {}
            RequestBody::Typed(body) if !body.required => {}
            RequestBody::Typed(body) if body.encoding == BodyEncoding::Json => {
                let at = format!(
                    "{}/requestBody/content/{}/schema",
                    op.pointer,
                    crate::diagnostic::escape_pointer_token(&body.media_type)
                );
                let (schema, _) = self.raw_schema(&at)?;
                let properties = schema.get("properties")?.as_object()?;
                let required = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for name in required.iter().filter_map(Value::as_str) {
                    let (field, _) = self.raw_schema_of(properties.get(name)?)?;
                    if field.get("enum").is_some() || !textual(field) {
                        return None;
                    }
                    inputs.push(ExampleInput {
                        argument: argument(name),
                        target: ExampleTarget::BodyField(names::field_name(name)),
                    });
                }
            }
            RequestBody::Typed(_) => return None,
            RequestBody::Multipart(form) => {
                if form.open {
                    return None;
                }
                let file = form.fields.iter().find(|f| f.kind == FieldKind::File);
                if let Some(f) = file {
                    inputs.push(ExampleInput {
                        argument: argument(&f.name),
                        target: ExampleTarget::File(f.rust_name.clone()),
                    });
                }
                for f in form.fields.iter().filter(|f| f.required) {
                    match &f.kind {
                        // The first file is the argument above; a second required one is not.
                        FieldKind::File if file.is_some_and(|first| first.name == f.name) => {}
                        FieldKind::Scalar(ScalarKind::String) | FieldKind::Named(_) => {
                            inputs.push(ExampleInput {
                                argument: argument(&f.name),
                                target: ExampleTarget::Setter(f.rust_name.clone()),
                            });
                        }
                        _ => return None,
                    }
                }
            }
        }
        Some(inputs)
    }

    /// A schema given inline or as a `$ref` to a component, resolved.
    pub(super) fn raw_schema_of<'v>(&'v self, schema: &'v Value) -> Option<(&'v Value, String)> {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => self.raw_schema(reference.strip_prefix('#')?),
            None => Some((schema, String::new())),
        }
    }
}

/// A string schema whose Rust type is a `String` (no format, or one that stays text).
fn textual(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("string")
        && schema.get("x-secret").is_none()
        && schema.get("format").is_none_or(|f| {
            matches!(
                f.as_str(),
                Some("uri" | "uri-reference" | "url" | "email" | "hostname")
            )
        })
}

fn is_kind(op: &Operation, kind: ExampleKind) -> bool {
    let downloads = op
        .job
        .as_ref()
        .is_some_and(|job| job.results_pointer.is_some());
    match kind {
        ExampleKind::Download => downloads,
        ExampleKind::EveryPage => op.pagination.is_some() && op.job.is_none(),
        ExampleKind::Upload => {
            !downloads
                && matches!(op.success.body, SuccessBody::Json(_))
                && matches!(&op.body, RequestBody::Multipart(form)
                    if form.fields.iter().any(|f| f.kind == FieldKind::File))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::{ExampleKind, ExampleTarget};

    fn examples(parameters: &str) -> Vec<(String, ExampleKind, Vec<String>)> {
        let text = format!(
            r#"
openapi: 3.0.3
info: {{title: Lists, version: '1'}}
paths:
  /b/things:
    get:
      operationId: listThings
      parameters: {parameters}
      x-pagination: {{style: offset, position: offset, items: /things}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {{type: object, properties: {{things: {{type: array, items: {{type: string}}}}}}}}
  /c/upload:
    post:
      operationId: upload
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              required: [kind]
              properties:
                file: {{type: string, format: binary}}
                kind: {{type: string, enum: [a, b]}}
      responses:
        '200':
          description: ok
          content: {{application/json: {{schema: {{type: object}}}}}}
"#
        );
        let doc = crate::load::parse_text("examples.yaml", &text).expect("parses");
        let spec = crate::load::to_openapi(&doc).expect("OpenAPI");
        let (api, _) = super::super::lower(&doc, &spec).expect("lowers");
        api.examples
            .into_iter()
            .map(|e| {
                let inputs = e
                    .inputs
                    .iter()
                    .map(|i| match &i.target {
                        ExampleTarget::Setter(s) => format!("{} -> {s}", i.argument),
                        ExampleTarget::File(s) => format!("{} -> file {s}", i.argument),
                        ExampleTarget::BodyField(s) => format!("{} -> body {s}", i.argument),
                    })
                    .collect();
                (e.name, e.kind, inputs)
            })
            .collect()
    }

    #[test]
    fn required_text_inputs_become_arguments() {
        let found = examples(
            "[{name: offset, in: query, schema: {type: integer}}, \
             {name: q, in: query, required: true, schema: {type: string}}]",
        );
        assert_eq!(
            found,
            [
                (
                    "list_things".to_string(),
                    ExampleKind::EveryPage,
                    vec!["Q -> q".to_string()]
                ),
                (
                    "upload".to_string(),
                    ExampleKind::Upload,
                    vec!["FILE -> file file".to_string(), "KIND -> kind".to_string()]
                ),
            ]
        );
    }

    #[test]
    fn an_operation_with_a_required_input_that_is_not_text_gets_none() {
        let found = examples(
            "[{name: offset, in: query, schema: {type: integer}}, \
             {name: year, in: query, required: true, schema: {type: integer}}]",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, ExampleKind::Upload);
    }
}
