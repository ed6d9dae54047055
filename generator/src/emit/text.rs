//! The writer of the client module: source text written in order, at an indentation depth.
//!
//! The per-operation items (builders, error enums, metadata) are most of a large crate (tens of
//! megabytes for the largest descriptions), and their shape is fixed: going through tokens, a
//! syntax tree and prettyplease would cost more than half of the generation time for the same
//! text. The emitters write them directly in rustfmt's style (four-space indent, `///` docs,
//! breaks past column 100); text that is already formatted (the types, the few token-built
//! items) goes in with [`Source::raw`]. The tests parse what they write.

use std::fmt::Write as _;

/// The margin (rustfmt's default width): a line that would pass it is broken.
const MARGIN: usize = 100;

/// Rust source being written, at an indentation depth.
pub(crate) struct Source {
    text: String,
    depth: usize,
}

impl Source {
    /// Empty source whose lines start at `depth` levels of indentation.
    pub fn new(depth: usize) -> Self {
        Self {
            text: String::new(),
            depth,
        }
    }

    /// One line at the current depth.
    pub fn line(&mut self, line: &str) {
        for _ in 0..self.depth {
            self.text.push_str("    ");
        }
        self.text.push_str(line);
        self.text.push('\n');
    }

    /// Text that is already formatted at the current depth (whole lines).
    pub fn raw(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// The current indentation depth.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// A line that opens a block (`... {`): the lines after it are one level deeper.
    pub fn open(&mut self, line: &str) {
        self.line(line);
        self.depth += 1;
    }

    /// A line that closes a block (`}`, `};`, `),`).
    pub fn close(&mut self, line: &str) {
        self.depth -= 1;
        self.line(line);
    }

    /// `///` lines for `text`, as prettyplease prints a `#[doc]` per line.
    pub fn doc(&mut self, text: &str) {
        for line in text.lines() {
            let line = line.replace('\r', "");
            let line = line.trim_end();
            if line.is_empty() {
                self.line("///");
            } else {
                self.line(&format!("/// {line}"));
            }
        }
    }

    /// Whether `line` fits the margin at the current depth (or `extra` levels deeper).
    pub fn fits(&self, line: &str, extra: usize) -> bool {
        (self.depth + extra) * 4 + line.chars().count() <= MARGIN
    }

    /// A call statement or tail expression: on one line if it fits, else one argument per line.
    pub fn call(&mut self, function: &str, args: &[&str], end: &str) {
        let one_line = format!("{function}({}){end}", args.join(", "));
        if self.fits(&one_line, 0) {
            self.line(&one_line);
            return;
        }
        self.open(&format!("{function}("));
        for arg in args {
            self.line(&format!("{arg},"));
        }
        self.close(&format!("){end}"));
    }

    /// A match arm: `patterns` (an or-pattern) and its `body` expression. Long arms are
    /// broken as prettyplease breaks them: the patterns one per line, the body in a block.
    pub fn arm(&mut self, patterns: &[String], body: &str) {
        let joined = patterns.join(" | ");
        let one_line = format!("{joined} => {body},");
        if self.fits(&one_line, 0) {
            self.line(&one_line);
            return;
        }
        let head = if self.fits(&format!("{joined} => {{"), 0) {
            joined
        } else {
            let (last, first) = patterns.split_last().expect("an arm has a pattern");
            for (i, pattern) in first.iter().enumerate() {
                self.line(&if i == 0 {
                    pattern.clone()
                } else {
                    format!("| {pattern}")
                });
            }
            if first.is_empty() {
                last.clone()
            } else {
                format!("| {last}")
            }
        };
        let tail = format!("{head} => {body},");
        if self.fits(&tail, 0) {
            self.line(&tail);
            return;
        }
        self.open(&format!("{head} => {{"));
        self.chain(body);
        self.close("}");
    }

    /// An expression that may be a method chain (`a.b().c()`): on one line if it fits, else
    /// one `.method(...)` per line.
    pub fn chain(&mut self, expr: &str) {
        if self.fits(expr, 0) {
            self.line(expr);
            return;
        }
        let links = split_chain(expr);
        let Some((first, rest)) = links.split_first() else {
            return;
        };
        self.line(first);
        self.depth += 1;
        for link in rest {
            self.line(link);
        }
        self.depth -= 1;
    }

    /// The lines after this are one level deeper, until [`Source::depth_out`]: the rest of a
    /// broken expression that is not a block.
    pub fn depth_in(&mut self) {
        self.depth += 1;
    }

    /// Back to the depth before [`Source::depth_in`].
    pub fn depth_out(&mut self) {
        self.depth -= 1;
    }

    /// `lines` one level deeper than the current depth (the rest of a broken expression), the
    /// last one followed by `end`.
    pub fn continuation(&mut self, lines: &[String], end: &str) {
        self.depth += 1;
        for (i, line) in lines.iter().enumerate() {
            if i + 1 == lines.len() {
                self.line(&format!("{line}{end}"));
            } else {
                self.line(line);
            }
        }
        self.depth -= 1;
    }

    /// The source written so far.
    pub fn finish(self) -> String {
        self.text
    }
}

/// `a.b(x.y()).c()` into `["a", ".b(x.y())", ".c()"]`: splits at the dots outside parentheses
/// and string literals. The first link keeps the receiver and its first call (`r.view()`), as
/// prettyplease does for short receivers.
fn split_chain(expr: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for c in expr.chars() {
        if in_string {
            current.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '<' => depth += 1,
            ')' | ']' | '>' => depth = depth.saturating_sub(1),
            '.' if depth == 0 && !current.is_empty() && !current.ends_with(':') => {
                links.push(std::mem::take(&mut current));
            }
            _ => {}
        }
        current.push(c);
    }
    links.push(current);
    // Keep a short receiver with its first call: `r.view()`.
    if links.len() > 2 && links[0].len() <= 4 {
        let second = links.remove(1);
        links[0].push_str(&second);
    }
    links
}

/// A type given as tokens, as text: `quote`'s spacing taken out of paths and generics.
pub(crate) fn type_text(ty: &proc_macro2::TokenStream) -> String {
    ty.to_string()
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" ::", "::")
        .replace(" < ", "<")
        .replace("< ", "<")
        .replace(" <", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
}

/// A Rust string literal with the value `text`.
pub(crate) fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_round_trip_through_syn() {
        for text in [
            "plain",
            "quote \" and \\ backslash",
            "new\nline\ttab\r",
            "nul \0 bell \u{7} del \u{7f} next-line \u{85}",
            "unicode: été, 日本, emoji 🎧, line separator \u{2028}",
            "{braces} stay {}",
        ] {
            let literal: syn::LitStr = syn::parse_str(&string_literal(text)).unwrap();
            assert_eq!(literal.value(), text);
        }
    }

    #[test]
    fn types_lose_quote_spacing() {
        let ty = quote::quote!(::clientgen_runtime::JobError<errors::GetJobError, types::Job>);
        assert_eq!(
            type_text(&ty),
            "::clientgen_runtime::JobError<errors::GetJobError, types::Job>"
        );
        let ty = quote::quote!(Vec<::std::option::Option<&'static str>>);
        let text = type_text(&ty);
        assert_eq!(text, "Vec<::std::option::Option<&'static str>>");
        syn::parse_str::<syn::Type>(&text).unwrap();
    }

    #[test]
    fn docs_become_one_line_comment_per_line() {
        let mut s = Source::new(1);
        s.doc("First line.\n\n  indented\r\ntrailing   ");
        assert_eq!(
            s.finish(),
            "    /// First line.\n    ///\n    ///   indented\n    /// trailing\n"
        );
    }

    #[test]
    fn long_arms_break_like_prettyplease() {
        let mut s = Source::new(4);
        s.arm(&["Self::A(r)".into(), "Self::B(r)".into()], "r.view()");
        let patterns: Vec<String> = [
            "Unauthorized",
            "PaymentRequired",
            "Forbidden",
            "RateLimited",
        ]
        .iter()
        .map(|v| format!("Self::{v}(r)"))
        .collect();
        s.arm(&patterns, "r.view().with_message(&r.body.error)");
        s.arm(
            &["Self::RateLimited(r)".into()],
            "r.view().with_message(&r.body.message).or_retry_after(rt::retry_after_from_body(&r.body, \"/retry_after\"))",
        );
        assert_eq!(
            s.finish(),
            "                Self::A(r) | Self::B(r) => r.view(),
                Self::Unauthorized(r)
                | Self::PaymentRequired(r)
                | Self::Forbidden(r)
                | Self::RateLimited(r) => r.view().with_message(&r.body.error),
                Self::RateLimited(r) => {
                    r.view()
                        .with_message(&r.body.message)
                        .or_retry_after(rt::retry_after_from_body(&r.body, \"/retry_after\"))
                }
"
        );
    }

    #[test]
    fn long_calls_put_one_argument_per_line() {
        let mut s = Source::new(5);
        s.call(
            "rt::json_error",
            &["response", "Self::NotFound", "Self::InvalidBody"],
            "",
        );
        s.call(
            "rt::json_error",
            &[
                "response",
                "Self::InternalServerError",
                "Self::InvalidBodyOfAVeryLongName",
            ],
            "",
        );
        assert_eq!(
            s.finish(),
            "                    rt::json_error(response, Self::NotFound, Self::InvalidBody)
                    rt::json_error(
                        response,
                        Self::InternalServerError,
                        Self::InvalidBodyOfAVeryLongName,
                    )
"
        );
    }
}
