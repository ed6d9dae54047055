//! Emits the crate's runnable examples (`examples/<name>.rs`) from the IR's
//! [`Example`](crate::ir::Example)s, and the README's section that lists them. Each reads the
//! key from the description's `x-env-var` and the base URL from `<NAME>_BASE_URL` when set, so
//! that it runs against a local server as well as the API; its inputs are command-line
//! arguments. The programs are text: their functions carry `#[rustfmt::skip]`, since the
//! generator, not rustfmt, decides their layout.

use std::fmt::Write as _;

use crate::Settings;
use crate::ir::{Api, Example, ExampleKind, ExampleTarget, Operation, Placement};
use crate::names;

/// The variable that replaces the base URL: the crate's name without `-client`, upper case,
/// then `_BASE_URL` (`HUNTAPI_BASE_URL`).
pub(crate) fn base_url_variable(settings: &Settings) -> String {
    let stem = settings
        .crate_name
        .strip_suffix("-client")
        .unwrap_or(&settings.crate_name);
    format!("{}_BASE_URL", names::snake_words(stem).to_ascii_uppercase())
}

/// The variable the key is read from (the one `credential_from_env` reads), if any.
fn key_variable(api: &Api) -> Option<&str> {
    api.security_schemes
        .iter()
        .filter(|s| !matches!(s.placement, Placement::Unsupported(_)))
        .find_map(|s| s.env_var.as_deref())
}

/// Whether `example` can be written under `settings`: one that sets fields of a JSON body
/// goes through the body's builder, which exists only with struct builders on.
fn writable(example: &Example, settings: &Settings) -> bool {
    settings.types.struct_builders
        || !example
            .inputs
            .iter()
            .any(|i| matches!(i.target, ExampleTarget::BodyField(_)))
}

/// `examples/<name>.rs` for each example, with the file header.
pub(crate) fn files(api: &Api, settings: &Settings, header: &str) -> Vec<(String, String)> {
    api.examples
        .iter()
        .filter(|example| writable(example, settings))
        .filter_map(|example| {
            let op = api
                .operations
                .iter()
                .find(|op| op.id == example.operation)?;
            Some((
                format!("examples/{}.rs", example.name),
                program(api, settings, header, example, op),
            ))
        })
        .collect()
}

fn usage(example: &Example) -> String {
    let mut args: Vec<&str> = example.inputs.iter().map(|i| i.argument.as_str()).collect();
    if example.kind == ExampleKind::Download {
        args.push("OUT_DIR");
    }
    args.join(" ")
}

fn command(settings: &Settings, example: &Example) -> String {
    let args = usage(example);
    let tail = if args.is_empty() {
        String::new()
    } else {
        format!(" -- {args}")
    };
    format!(
        "cargo run -p {} --example {}{tail}",
        settings.crate_name, example.name
    )
}

fn purpose(example: &Example, op: &Operation) -> String {
    match example.kind {
        ExampleKind::Download => format!(
            "Submits `{}` with the arguments given, waits for the job with its progress on standard \
             error, and downloads its results into OUT_DIR, printing each file's path.",
            op.id
        ),
        ExampleKind::EveryPage => format!(
            "Calls `{}` with the arguments given and prints every item of every page as one line \
             of JSON, then the number of items on standard error.",
            op.id
        ),
        ExampleKind::Upload => format!(
            "Sends the local file to `{}` with the other arguments given and prints the response \
             as JSON.",
            op.id
        ),
    }
}

fn program(
    api: &Api,
    settings: &Settings,
    header: &str,
    example: &Example,
    op: &Operation,
) -> String {
    let krate = settings.crate_name.replace('-', "_");
    let base_var = base_url_variable(settings);
    let mut out = String::from(header);
    out.push('\n');
    let mut key = match key_variable(api) {
        Some(var) => format!("The key is read from `{var}`; "),
        None => "No key is sent; ".to_string(),
    };
    match &api.default_base_url {
        Some(url) => {
            let _ = write!(
                key,
                "`{base_var}`, when set, replaces the base URL (`{url}`)."
            );
        }
        None => {
            let _ = write!(key, "`{base_var}` gives the base URL.");
        }
    }
    let doc_lines = |out: &mut String, text: &str| {
        for line in super::webhooks::wrapped(text, 0).lines() {
            if line.is_empty() {
                out.push_str("//!\n");
            } else {
                let _ = writeln!(out, "//! {line}");
            }
        }
    };
    doc_lines(&mut out, &purpose(example, op));
    let _ = writeln!(
        out,
        "//!\n//! ```text\n//! {}\n//! ```\n//!",
        command(settings, example)
    );
    doc_lines(&mut out, &key);
    out.push('\n');

    // The argument variables, in order.
    let mut taken = names::Namespace::with_reserved(["args", "client", "out_dir"]);
    let vars: Vec<String> = example
        .inputs
        .iter()
        .map(|i| taken.claim(&names::snake_ident(&i.argument.to_ascii_lowercase()), "_"))
        .collect();
    let mut pattern = vars.clone();
    if example.kind == ExampleKind::Download {
        pattern.push("out_dir".to_string());
    }
    // The request: setters in the order of the arguments, the JSON body's fields in one map.
    let mut calls = String::new();
    let mut body_fields = Vec::new();
    for (input, var) in example.inputs.iter().zip(&vars) {
        match &input.target {
            ExampleTarget::Setter(setter) => {
                let _ = write!(calls, "\n        .{setter}({var}.as_str())");
            }
            ExampleTarget::File(setter) => {
                let _ = write!(
                    calls,
                    "\n        .{setter}({krate}::FilePart::from_path({var}))"
                );
            }
            ExampleTarget::BodyField(setter) => {
                body_fields.push(format!(".{setter}({var}.as_str())"));
            }
        }
    }
    if !body_fields.is_empty() {
        let _ = write!(calls, "\n        .body_map(|b| b{})", body_fields.concat());
    }

    out.push_str("#[rustfmt::skip]\n#[tokio::main]\n");
    out.push_str("async fn main() -> Result<(), Box<dyn std::error::Error>> {\n");
    if example.kind != ExampleKind::Upload {
        let _ = writeln!(out, "    use {krate}::StreamExt as _;");
    }
    out.push_str("    let args: Vec<String> = std::env::args().skip(1).collect();\n");
    let _ = write!(
        out,
        "    let [{}] = args.as_slice() else {{\n\
         \x20       eprintln!(\"usage: {} {}\");\n\
         \x20       std::process::exit(2);\n\
         \x20   }};\n",
        pattern.join(", "),
        example.name,
        usage(example)
    );
    out.push_str("    let client = client()?;\n");
    let method = &op.names.method;
    match example.kind {
        ExampleKind::Download => {
            let _ = write!(
                out,
                "    let handle = client\n\
                 \x20       .{method}(){calls}\n\
                 \x20       .submit()\n\
                 \x20       .await?;\n\
                 \x20   eprintln!(\"job {{}}\", handle.id());\n\
                 \x20   let mut finished = None;\n\
                 \x20   let mut updates = std::pin::pin!(handle.updates({krate}::WaitOptions::default()));\n\
                 \x20   while let Some(update) = updates.next().await {{\n\
                 \x20       let update = update?;\n\
                 \x20       match update.progress {{\n\
                 \x20           Some(progress) => eprintln!(\"{{}}: {{progress:.0}}%\", update.state),\n\
                 \x20           None => eprintln!(\"{{}}\", update.state),\n\
                 \x20       }}\n\
                 \x20       match update.phase {{\n\
                 \x20           {krate}::JobPhase::Pending => {{}}\n\
                 \x20           {krate}::JobPhase::Succeeded => finished = Some(update.status),\n\
                 \x20           _ => return Err(format!(\"the job ended in state {{}}\", update.state).into()),\n\
                 \x20       }}\n\
                 \x20   }}\n\
                 \x20   let Some(status) = finished else {{\n\
                 \x20       return Err(\"the job did not finish\".into());\n\
                 \x20   }};\n\
                 \x20   let mut shown = 0u64;\n\
                 \x20   let files = handle\n\
                 \x20       .download_results(&status, out_dir, |name, p| {{\n\
                 \x20           if p.received < shown || p.received - shown >= 1 << 20 || Some(p.received) == p.total {{\n\
                 \x20               shown = p.received;\n\
                 \x20               eprintln!(\"{{name}}: {{}} bytes\", p.received);\n\
                 \x20           }}\n\
                 \x20       }})\n\
                 \x20       .await?;\n\
                 \x20   for file in files {{\n\
                 \x20       println!(\"{{}}\", file.display());\n\
                 \x20   }}\n"
            );
        }
        ExampleKind::EveryPage => {
            let _ = write!(
                out,
                "    let mut items = client\n\
                 \x20       .{method}(){calls}\n\
                 \x20       .items();\n\
                 \x20   let mut count = 0usize;\n\
                 \x20   while let Some(item) = items.next().await {{\n\
                 \x20       println!(\"{{}}\", serde_json::to_string(&item?)?);\n\
                 \x20       count += 1;\n\
                 \x20   }}\n\
                 \x20   eprintln!(\"{{count}} item(s)\");\n"
            );
        }
        ExampleKind::Upload => {
            let _ = write!(
                out,
                "    let response = client\n\
                 \x20       .{method}(){calls}\n\
                 \x20       .send()\n\
                 \x20       .await?;\n\
                 \x20   println!(\"{{}}\", serde_json::to_string(&response.into_inner())?);\n"
            );
        }
    }
    out.push_str("    Ok(())\n}\n\n");

    // The client: the base URL from the environment, else the description's.
    let _ = writeln!(
        out,
        "/// A client for `{base_var}` (else the description's base URL), with the key from the environment."
    );
    out.push_str("#[rustfmt::skip]\n");
    let _ = writeln!(
        out,
        "fn client() -> Result<{krate}::Client, Box<dyn std::error::Error>> {{"
    );
    match &api.default_base_url {
        Some(_) => {
            let _ = writeln!(
                out,
                "    let base_url = std::env::var(\"{base_var}\")\n\
                 \x20       .unwrap_or_else(|_| {krate}::Client::DEFAULT_BASE_URL.to_string());"
            );
        }
        None => {
            let _ = writeln!(
                out,
                "    let base_url = std::env::var(\"{base_var}\")\n\
                 \x20       .map_err(|_| \"set {base_var} to the API's base URL\")?;"
            );
        }
    }
    let _ = writeln!(
        out,
        "    let config = {krate}::ClientConfig::new(&base_url)?;"
    );
    if key_variable(api).is_some() {
        let _ = writeln!(
            out,
            "    let config = config.with_credential({krate}::Client::credential_from_env()?);"
        );
    }
    let _ = writeln!(out, "    Ok({krate}::Client::from_config(config)?)\n}}");
    out
}

/// The README's section listing the examples and how to run them.
pub(crate) fn readme_section(api: &Api, settings: &Settings) -> String {
    if !api.examples.iter().any(|e| writable(e, settings)) {
        return String::new();
    }
    let mut text = String::from("## Examples\n\n");
    let key = key_variable(api)
        .map(|var| format!("with your key in `{var}`"))
        .unwrap_or_else(|| "(no key needed)".to_string());
    let _ = write!(
        text,
        "Runnable programs in `examples/`, {key}; `{}` replaces the base URL (a local or staging \
         server):\n\n",
        base_url_variable(settings)
    );
    for example in api.examples.iter().filter(|e| writable(e, settings)) {
        let Some(op) = api.operations.iter().find(|op| op.id == example.operation) else {
            continue;
        };
        let _ = write!(
            text,
            "- `{}`: {}\n\n  ```text\n  {}\n  ```\n\n",
            example.name,
            purpose(example, op),
            command(settings, example)
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use crate::{Settings, emit::TypeSettings, generate};

    const SPEC: &str = r#"
openapi: 3.0.3
info: {title: Search, version: '1'}
servers: [{url: 'https://search.example.test'}]
paths:
  /search:
    post:
      operationId: search
      x-pagination: {style: offset, position: offset, items: /hits}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [q]
              properties: {q: {type: string}, offset: {type: integer}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {hits: {type: array, items: {type: string}}}}
"#;

    #[test]
    fn an_example_is_written_with_its_usage_and_left_out_without_the_builder_it_needs() {
        let settings = Settings::new("search-client", "search.yaml");
        let files = generate(SPEC, &settings).expect("generates").files;
        let example = &files[std::path::Path::new("examples/search.rs")];
        assert!(example.contains("cargo run -p search-client --example search -- Q"));
        assert!(example.contains(".body_map(|b| b.q(q.as_str()))"));
        assert!(example.contains("std::env::var(\"SEARCH_BASE_URL\")"));
        assert!(files[std::path::Path::new("README.md")].contains("## Examples"));

        let mut types = TypeSettings::new();
        types.struct_builders = false;
        let files = generate(SPEC, &settings.with_type_settings(types))
            .expect("generates")
            .files;
        assert!(!files.keys().any(|p| p.starts_with("examples")));
        assert!(!files[std::path::Path::new("README.md")].contains("## Examples"));
    }
}
