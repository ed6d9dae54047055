//! Operation subsets: a pass over the IR that keeps the operations a user asks for (by tag or
//! `operationId`) and prunes every type that none of them uses, through references, so that a
//! crate for ten operations of a large description compiles ten operations' worth of code.
//!
//! Type names are minted before the subset is taken, so a type keeps the name it has in the
//! crate of the whole description.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics, Severity, nearest};
use crate::ir::{Api, Operation, RequestBody, SuccessBody, TypeRef, TypeUse, WebhookSource};

/// Which operations to generate. Empty lists keep everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Subset {
    /// Keep the operations with one of these tags (and those named in `include_operations`).
    pub include_tags: Vec<String>,
    /// Keep these operations, by `operationId` (and those tagged with `include_tags`).
    pub include_operations: Vec<String>,
    /// Then leave out the operations with one of these tags.
    pub exclude_tags: Vec<String>,
    /// Then leave out these operations, by `operationId`.
    pub exclude_operations: Vec<String>,
}

impl Subset {
    /// Whether the subset is the whole description.
    pub fn is_everything(&self) -> bool {
        self.include_tags.is_empty()
            && self.include_operations.is_empty()
            && self.exclude_tags.is_empty()
            && self.exclude_operations.is_empty()
    }

    /// Keeps the operations with one of `tags`.
    pub fn include_tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        self.include_tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// Keeps the operations named (by `operationId`).
    pub fn include_operations<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        ids: I,
    ) -> Self {
        self.include_operations
            .extend(ids.into_iter().map(Into::into));
        self
    }

    /// Leaves out the operations with one of `tags`.
    pub fn exclude_tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        self.exclude_tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// Leaves out the operations named (by `operationId`).
    pub fn exclude_operations<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        ids: I,
    ) -> Self {
        self.exclude_operations
            .extend(ids.into_iter().map(Into::into));
        self
    }
}

/// Narrows `api` to `subset`. Errors: a tag or operation the description does not have (the
/// message lists the ones it has), or a subset with no operation left. Warnings: a job's status
/// operation kept because a kept operation submits the job.
pub fn apply(api: &mut Api, subset: &Subset, file: &str) -> Result<Diagnostics, Diagnostics> {
    let mut warnings = Diagnostics::new();
    if subset.is_everything() {
        return Ok(warnings);
    }
    let mut errors = Diagnostics::new();
    let tags: BTreeSet<&str> = api
        .operations
        .iter()
        .flat_map(|op| op.tags.iter().map(String::as_str))
        .collect();
    let ids: BTreeSet<&str> = api.operations.iter().map(|op| op.id.as_str()).collect();
    for (given, known, what, flag) in [
        (&subset.include_tags, &tags, "tag", "include-tags"),
        (&subset.exclude_tags, &tags, "tag", "exclude-tags"),
        (
            &subset.include_operations,
            &ids,
            "operation",
            "include-operations",
        ),
        (
            &subset.exclude_operations,
            &ids,
            "operation",
            "exclude-operations",
        ),
    ] {
        for name in given {
            if !known.contains(name.as_str()) {
                let mut error = diagnostic(
                    Severity::Error,
                    file,
                    format!(
                        "{flag}: the description has no {what} `{name}`; it has {}",
                        list(known)
                    ),
                );
                if let Some(near) = nearest(name, known.iter().copied()) {
                    error = error.with_hint(format!("did you mean `{near}`?"));
                }
                errors.push(error);
            }
        }
    }
    if errors.has_errors() {
        return Err(errors);
    }

    let has_tag = |op: &Operation, wanted: &[String]| op.tags.iter().any(|t| wanted.contains(t));
    let included = |op: &Operation| {
        (subset.include_tags.is_empty() && subset.include_operations.is_empty())
            || has_tag(op, &subset.include_tags)
            || subset.include_operations.contains(&op.id)
    };
    let excluded = |op: &Operation| {
        has_tag(op, &subset.exclude_tags) || subset.exclude_operations.contains(&op.id)
    };
    let mut keep: Vec<bool> = api
        .operations
        .iter()
        .map(|op| included(op) && !excluded(op))
        .collect();
    // A kept job needs the operation its status is polled with.
    for i in 0..api.operations.len() {
        let Some(job) = keep[i].then_some(()).and(api.operations[i].job.as_ref()) else {
            continue;
        };
        if let Some(j) = api
            .operations
            .iter()
            .position(|op| op.id == job.status_operation)
            && !keep[j]
        {
            keep[j] = true;
            warnings.push(diagnostic(
                Severity::Warning,
                file,
                format!(
                    "operation `{}` is kept although the subset leaves it out: `{}` submits jobs \
                     whose status it polls",
                    job.status_operation, api.operations[i].id
                ),
            ));
        }
    }
    if !keep.contains(&true) {
        errors.push(diagnostic(
            Severity::Error,
            file,
            format!(
                "the subset keeps none of the description's {} operations",
                api.operations.len()
            ),
        ));
        return Err(errors);
    }
    let mut flags = keep.into_iter();
    api.operations.retain(|_| flags.next().unwrap_or(false));
    // A callback goes with the operations that declare it; 3.1 webhooks stay.
    let kept: BTreeSet<String> = api.operations.iter().map(|op| op.id.clone()).collect();
    api.webhooks.retain_mut(|w| match &mut w.source {
        WebhookSource::Callback { operations, .. } => {
            operations.retain(|id| kept.contains(id));
            !operations.is_empty()
        }
        WebhookSource::Webhook => true,
    });
    api.examples.retain(|e| kept.contains(&e.operation));
    prune_types(api);
    Ok(warnings)
}

/// Drops the named and inline schemas no kept operation reaches, and renumbers the inline ones.
fn prune_types(api: &mut Api) {
    let mut named: BTreeSet<String> = BTreeSet::new();
    let mut inline: BTreeSet<usize> = BTreeSet::new();
    let webhooks: Vec<&TypeRef> = api.webhooks.iter().map(|w| &w.body).collect();
    for ty in webhooks {
        ty.uses(&mut |used| match used {
            TypeUse::Named(name) => {
                named.insert(name.to_string());
            }
            TypeUse::Inline(i) => {
                inline.insert(i);
            }
        });
    }
    for op in &api.operations {
        op.for_each_type(&mut |ty| match ty {
            TypeUse::Named(name) => {
                named.insert(name.to_string());
            }
            TypeUse::Inline(i) => {
                inline.insert(i);
            }
        });
    }
    // Everything a used schema refers to, transitively.
    let by_name: HashMap<&str, &Value> = api
        .schemas
        .iter()
        .map(|s| (s.name.as_str(), &s.schema))
        .collect();
    let mut pending: Vec<String> = named.iter().cloned().collect();
    for i in &inline {
        if let Some(schema) = api.inline_schemas.get(*i) {
            refs(&schema.schema, &mut pending);
        }
    }
    while let Some(name) = pending.pop() {
        named.insert(name.clone());
        if let Some(schema) = by_name.get(name.as_str()) {
            let mut found = Vec::new();
            refs(schema, &mut found);
            pending.extend(found.into_iter().filter(|n| !named.contains(n)));
        }
    }
    api.schemas.retain(|s| named.contains(&s.name));
    api.type_names.retain(|_, rust| named.contains(rust));
    let renumber: HashMap<usize, usize> = inline
        .iter()
        .enumerate()
        .map(|(new, old)| (*old, new))
        .collect();
    let mut index = 0;
    api.inline_schemas.retain(|_| {
        let used = inline.contains(&index);
        index += 1;
        used
    });
    for op in &mut api.operations {
        for_each_type_mut(op, &mut |ty| {
            if let TypeRef::Inline(i) = ty
                && let Some(new) = renumber.get(i)
            {
                *i = *new;
            }
        });
    }
}

/// Calls `f` with every [`TypeRef`] of `op`, to rewrite.
fn for_each_type_mut(op: &mut Operation, f: &mut dyn FnMut(&mut TypeRef)) {
    for p in &mut op.parameters {
        f(&mut p.ty);
    }
    if let RequestBody::Typed(body) = &mut op.body {
        f(&mut body.ty);
    }
    if let SuccessBody::Json(ty) = &mut op.success.body {
        f(ty);
    }
    if let Some(paging) = &mut op.pagination {
        f(&mut paging.item);
    }
}

/// The type names of the `$ref`s inside `schema` (`#/components/schemas/<Rust name>`).
fn refs(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "$ref"
                    && let Some(name) = value
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    // Rust type names need no unescaping (no `~` or `/`).
                    out.push(name.to_string());
                } else {
                    refs(value, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// `a`, `b` and `c`, or the first 40 and a count.
fn list(known: &BTreeSet<&str>) -> String {
    const SHOWN: usize = 40;
    if known.is_empty() {
        return "none".to_string();
    }
    let mut names: Vec<String> = known.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if known.len() > SHOWN {
        names.push(format!("{} more", known.len() - SHOWN));
    }
    names.join(", ")
}

fn diagnostic(severity: Severity, file: &str, message: String) -> Diagnostic {
    Diagnostic::new(severity, file, "", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
openapi: 3.0.3
info: {title: Shop, version: '1'}
paths:
  /pets:
    get:
      operationId: listPets
      tags: [pets]
      parameters:
        - {name: kind, in: query, schema: {type: string, enum: [cat, dog]}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}}}}
        '404': {description: none, content: {application/json: {schema: {$ref: '#/components/schemas/Problem'}}}}
  /orders:
    post:
      operationId: createOrder
      tags: [store]
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
      x-job: {statusOperation: getOrder, idPointer: /id, idParameter: id, statePointer: /state, pending: [open], succeeded: [done], failed: [lost]}
  /orders/{id}:
    get:
      operationId: getOrder
      tags: [orders]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
components:
  schemas:
    Pet: {type: object, properties: {name: {type: string}, owner: {$ref: '#/components/schemas/Owner'}}}
    Owner: {type: object, properties: {name: {type: string}}}
    Problem: {type: object, properties: {detail: {type: string}}}
    Order: {type: object, properties: {state: {type: string}, items: {type: array, items: {$ref: '#/components/schemas/Item'}}}}
    Item: {type: object, properties: {sku: {type: string}}}
    Unused: {type: object, properties: {x: {type: string}}}
"#;

    fn lowered() -> Api {
        let doc = crate::load::parse_text("shop.yaml", SPEC).expect("parses");
        let spec = crate::load::to_openapi(&doc).expect("OpenAPI");
        crate::lower::lower(&doc, &spec).expect("lowers").0
    }

    fn names(api: &Api) -> (Vec<&str>, Vec<&str>) {
        (
            api.operations.iter().map(|op| op.id.as_str()).collect(),
            api.schemas.iter().map(|s| s.name.as_str()).collect(),
        )
    }

    #[test]
    fn everything_is_the_default() {
        let mut api = lowered();
        let before = names(&api).1.len();
        apply(&mut api, &Subset::default(), "shop.yaml").expect("applies");
        assert_eq!(api.operations.len(), 3);
        assert_eq!(api.schemas.len(), before);
    }

    #[test]
    fn a_tag_keeps_its_operations_and_the_types_they_reach() {
        let mut api = lowered();
        let subset = Subset::default().include_tags(["pets"]);
        let warnings = apply(&mut api, &subset, "shop.yaml").expect("applies");
        assert!(warnings.is_empty());
        let (ops, types) = names(&api);
        assert_eq!(ops, ["listPets"]);
        // Pet, the Owner it refers to, and the error body; not Order, Item or Unused.
        assert_eq!(types, ["Pet", "Owner", "Problem"]);
        // Its inline schemas (the query enum, the array it answers) stay, renumbered from 0;
        // `createOrder`'s inline answer is gone.
        let inline: Vec<&str> = api.inline_schemas.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(inline, ["ListPetsKind", "ListPetsResponse"]);
        assert!(
            api.operations[0]
                .parameters
                .iter()
                .all(|p| !matches!(p.ty, TypeRef::Inline(i) if i >= api.inline_schemas.len()))
        );
    }

    #[test]
    fn a_kept_job_keeps_its_status_operation() {
        let mut api = lowered();
        let subset = Subset::default().include_operations(["createOrder"]);
        let warnings = apply(&mut api, &subset, "shop.yaml").expect("applies");
        let (ops, types) = names(&api);
        assert_eq!(ops, ["createOrder", "getOrder"]);
        assert_eq!(types, ["Order", "Item"]);
        let message = &warnings.iter().next().expect("a warning").message;
        assert!(message.contains("`getOrder` is kept"), "{message}");
        // Success bodies inline in both kept operations stay numbered within the list.
        for op in &api.operations {
            if let SuccessBody::Json(TypeRef::Inline(i)) = &op.success.body {
                assert!(*i < api.inline_schemas.len());
            }
        }
    }

    #[test]
    fn exclusions_apply_after_inclusions() {
        let mut api = lowered();
        let subset = Subset::default()
            .exclude_tags(["store"])
            .exclude_operations(["getOrder"]);
        apply(&mut api, &subset, "shop.yaml").expect("applies");
        assert_eq!(names(&api).0, ["listPets"]);
    }

    #[test]
    fn unknown_names_are_errors_that_list_the_known_ones() {
        let mut api = lowered();
        let subset = Subset::default()
            .include_tags(["pet"])
            .exclude_operations(["listPet"]);
        let errors = apply(&mut api, &subset, "shop.yaml").expect_err("rejected");
        let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "include-tags: the description has no tag `pet`; it has `orders`, `pets`, `store`",
                "exclude-operations: the description has no operation `listPet`; it has \
                 `createOrder`, `getOrder`, `listPets`",
            ]
        );
        let everything = Subset::default().exclude_tags(["pets", "store", "orders"]);
        let errors = apply(&mut lowered(), &everything, "shop.yaml").expect_err("empty");
        assert!(
            errors
                .to_string()
                .contains("keeps none of the description's 3 operations"),
            "{errors}"
        );
    }
}
