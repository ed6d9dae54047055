//! Diagnostics for people and for tools: the rustc-style form (file and line, the source line
//! with a caret under the offending node, the JSON pointer, the hint) drawn by annotate-snippets,
//! and one JSON object per diagnostic for CI and editors.

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use crate::diagnostic::{Diagnostic, Severity};

/// Whether rendered diagnostics carry ANSI colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// Plain text.
    Never,
    /// ANSI colour, as rustc draws it.
    Always,
}

impl Color {
    /// Colour when `is_terminal` and the `NO_COLOR` convention (<https://no-color.org>) does not
    /// ask for none: `NO_COLOR` set to anything but the empty string turns colour off.
    pub fn auto(is_terminal: bool) -> Self {
        Self::choose(is_terminal, std::env::var_os("NO_COLOR").as_deref())
    }

    /// [`Color::auto`] with the value of `NO_COLOR` given.
    pub fn choose(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> Self {
        let no_color = no_color.is_some_and(|v| !v.is_empty());
        if is_terminal && !no_color {
            Color::Always
        } else {
            Color::Never
        }
    }
}

/// `diagnostic` in the style of rustc. `source` is the text of the diagnostic's file, when the
/// caller has it: then the offending line is shown with a caret under the node; without it (or
/// without a location) only the file and line are named. Ends without a newline.
pub fn human(diagnostic: &Diagnostic, source: Option<&str>, color: Color) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let title = level.primary_title(diagnostic.message.as_str());
    let excerpt = diagnostic
        .location
        .and_then(|loc| source.and_then(|s| line_excerpt(s, loc.line, loc.column)));
    let group = match (excerpt, diagnostic.location) {
        (Some((number, line, span)), Some(_)) => title.element(
            Snippet::source(line)
                .line_start(number)
                .path(diagnostic.file.as_str())
                .annotation(AnnotationKind::Primary.span(span)),
        ),
        (_, Some(loc)) => title.element(
            Origin::path(diagnostic.file.as_str())
                .line(loc.line)
                .char_column(loc.column),
        ),
        (_, None) => title.element(Origin::path(diagnostic.file.as_str())),
    };
    let mut group = group;
    if !diagnostic.pointer.is_empty() {
        group = group.element(Level::NOTE.message(format!("at {}", diagnostic.pointer)));
    }
    if let Some(hint) = &diagnostic.hint {
        group = group.element(Level::HELP.message(hint.as_str()));
    }
    let renderer = match color {
        Color::Never => Renderer::plain(),
        Color::Always => Renderer::styled(),
    };
    let report: &[Group<'_>] = &[group];
    renderer.render(report)
}

/// Line `line` (1-based) of `source`, and the byte range in it from `column` (1-based, in
/// characters) to the end of the node written there: the rest of the line, without a trailing
/// comma, closing brackets or spaces. At least one character is underlined (the line end). A
/// position just past the last line (the end of the file) is shown at the end of the last line.
fn line_excerpt(
    source: &str,
    line: usize,
    column: usize,
) -> Option<(usize, &str, std::ops::Range<usize>)> {
    let index = line.checked_sub(1)?;
    let Some(text) = source.lines().nth(index) else {
        let count = source.lines().count();
        let last = source.lines().last()?;
        let at_end = index == count && column <= 1;
        return at_end.then_some((count, last, last.len()..last.len()));
    };
    let start = text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    let rest = &text[start..];
    let node = rest
        .trim_end()
        .trim_end_matches([',', '}', ']', ' '])
        .trim_end();
    let end = if node.is_empty() {
        (start + rest.chars().next().map_or(0, char::len_utf8)).max(start)
    } else {
        start + node.len()
    };
    Some((line, text, start..end))
}

/// `diagnostic` as one line of JSON: `severity`, `kind`, `file`, `line`, `column` (null when
/// unknown), `pointer`, `message`, `hint` (null when none).
pub fn json(diagnostic: &Diagnostic) -> String {
    serde_json::json!({
        "severity": diagnostic.severity_label(),
        "kind": diagnostic.kind,
        "file": diagnostic.file,
        "line": diagnostic.location.map(|l| l.line),
        "column": diagnostic.location.map(|l| l.column),
        "pointer": diagnostic.pointer,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Location, kind};

    fn broken_ref() -> Diagnostic {
        Diagnostic::new(
            Severity::Error,
            "api.yaml",
            "/paths/~1pets/get/responses/200/$ref",
            "`$ref` `#/components/schemas/Pett` does not resolve",
        )
        .with_kind(kind::REFERENCE)
        .with_location(Some(Location { line: 2, column: 7 }))
        .with_hint("did you mean `#/components/schemas/Pet`?")
    }

    #[test]
    fn draws_the_line_with_a_caret_pointer_and_hint() {
        let source = "a: 1\n$ref: '#/components/schemas/Pett',\n";
        let text = human(&broken_ref(), Some(source), Color::Never);
        assert!(text.contains("--> api.yaml:2:7"), "{text}");
        assert!(
            text.contains("2 | $ref: '#/components/schemas/Pett',"),
            "{text}"
        );
        // From the node's first character to its last, without the trailing comma.
        let caret = format!("\n  | {}{}\n", " ".repeat(6), "^".repeat(27));
        assert!(text.contains(&caret), "{text}");
        assert!(
            text.contains("= note: at /paths/~1pets/get/responses/200/$ref"),
            "{text}"
        );
        assert!(
            text.contains("= help: did you mean `#/components/schemas/Pet`?"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "{text}");
    }

    #[test]
    fn without_source_names_file_and_line() {
        let text = human(&broken_ref(), None, Color::Never);
        assert!(text.contains("--> api.yaml:2:7"), "{text}");
        assert!(
            text.contains("note: at /paths/~1pets/get/responses/200/$ref"),
            "{text}"
        );
    }

    #[test]
    fn colour_is_ansi() {
        let text = human(&broken_ref(), None, Color::Always);
        assert!(text.contains("\u{1b}["), "{text}");
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        use std::ffi::OsStr;
        assert_eq!(Color::choose(true, None), Color::Always);
        assert_eq!(Color::choose(true, Some(OsStr::new(""))), Color::Always);
        assert_eq!(Color::choose(true, Some(OsStr::new("1"))), Color::Never);
        assert_eq!(Color::choose(false, None), Color::Never);
    }

    #[test]
    fn json_has_every_field() {
        let value: serde_json::Value = serde_json::from_str(&json(&broken_ref())).unwrap();
        assert_eq!(value["severity"], "error");
        assert_eq!(value["kind"], "reference");
        assert_eq!(value["line"], 2);
        assert_eq!(value["column"], 7);
        assert_eq!(value["hint"], "did you mean `#/components/schemas/Pet`?");
        let no_hint = Diagnostic::new(Severity::Warning, "f", "", "m");
        let value: serde_json::Value = serde_json::from_str(&json(&no_hint)).unwrap();
        assert!(value["hint"].is_null() && value["line"].is_null());
    }
}
