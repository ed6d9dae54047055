//! Diagnostics: what went wrong (or was worked around) in an input spec, and where.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Generation went on with a documented fallback.
    Warning,
    /// Generation cannot produce a client from this input.
    Error,
}

/// A position in the source file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column number, starting at 1.
    pub column: usize,
}

/// One problem found in a spec: the file, the JSON pointer, the line where known, the message
/// and, where one exists, a hint.
///
/// `Display` is the one-line form (`error: FILE:LINE:COL: at POINTER: MESSAGE`); the
/// [`render`](crate::render) module draws the rustc-style form with the source line and a caret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What kind of problem, one of the [`kind`] constants: a stable name for tools (`--format
    /// json`) and for counting warnings of one kind.
    pub kind: &'static str,
    /// The spec file as the caller named it.
    pub file: String,
    /// JSON pointer (RFC 6901) to the offending node; empty for the whole document.
    pub pointer: String,
    /// Line and column of that node, where the loader knows it.
    pub location: Option<Location>,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
    /// How to fix it, where the generator can tell: the nearest existing name for a broken
    /// `$ref`, the field a typo probably meant.
    pub hint: Option<String>,
}

/// The kinds of [`Diagnostic`].
pub mod kind {
    /// The file cannot be read (missing, unreadable, not UTF-8).
    pub const IO: &str = "io";
    /// The file is empty.
    pub const EMPTY: &str = "empty";
    /// YAML or JSON syntax error.
    pub const SYNTAX: &str = "syntax";
    /// The document is YAML or JSON but no OpenAPI description (no `openapi` field).
    pub const NOT_OPENAPI: &str = "not-openapi";
    /// An OpenAPI (or Swagger) version this generator does not read.
    pub const VERSION: &str = "version";
    /// The document does not have the shape of an OpenAPI 3.0 description.
    pub const STRUCTURE: &str = "structure";
    /// A `$ref` that does not resolve, or points outside the document.
    pub const REFERENCE: &str = "reference";
    /// A key that is no field of its object but close to one (a typo, ignored otherwise).
    pub const UNKNOWN_FIELD: &str = "unknown-field";
    /// A 3.1 construct read as its 3.0 equivalent, or left out (a warning).
    pub const DIALECT: &str = "dialect";
    /// A loosely written description made usable, e.g. a missing operationId made (a warning).
    pub const REPAIR: &str = "repair";
    /// Generation went on with a documented fallback (a warning).
    pub const FALLBACK: &str = "fallback";
    /// Anything else the description gets wrong (the default).
    pub const SPEC: &str = "spec";
    /// A generated file differs from what generation writes (`check`).
    pub const DRIFT: &str = "drift";
    /// The output cannot be written.
    pub const OUTPUT: &str = "output";
}

impl Diagnostic {
    /// A diagnostic of kind [`kind::SPEC`], with no location and no hint.
    pub fn new(
        severity: Severity,
        file: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            kind: kind::SPEC,
            file: file.into(),
            pointer: pointer.into(),
            location: None,
            message: message.into(),
            hint: None,
        }
    }

    /// An error of kind [`kind::IO`] about a file as a whole.
    pub fn io(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, file, "", message).with_kind(kind::IO)
    }

    /// Sets the kind.
    pub fn with_kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    /// Sets the line and column.
    pub fn with_location(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    /// Sets the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The severity as a lowercase word (`error`, `warning`).
    pub fn severity_label(&self) -> &'static str {
        match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity_label(), self.file)?;
        if let Some(loc) = self.location {
            write!(f, ":{}:{}", loc.line, loc.column)?;
        }
        let pointer = if self.pointer.is_empty() {
            "(document root)"
        } else {
            &self.pointer
        };
        write!(f, ": at {pointer}: {}", self.message)
    }
}

/// Every diagnostic of one run, so a spec author sees all problems at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Moves every diagnostic of `other` into `self`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// True when at least one diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// All diagnostics in the order they were found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Only the errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Error)
    }

    /// Only the warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Gives the warnings still of kind [`kind::SPEC`] the kind `kind`: a stage names the kind
    /// of the warnings it makes.
    pub fn warnings_of_kind(mut self, kind: &'static str) -> Self {
        for d in &mut self.items {
            if d.severity == Severity::Warning && d.kind == kind::SPEC {
                d.kind = kind;
            }
        }
        self
    }

    /// Returns `Err(self)` when there is an error, so stages can stop at their boundary.
    pub fn propagate(self) -> Result<Diagnostics, Diagnostics> {
        if self.has_errors() {
            Err(self)
        } else {
            Ok(self)
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Self {
            items: vec![diagnostic],
        }
    }
}

/// The candidate nearest to `wanted` by edit distance, if it is near enough to be a likely typo
/// (at most a third of the longer name changed, and not `wanted` itself).
pub fn nearest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = wanted.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != wanted)
        .map(|c| (strsim::levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(distance, c)| *distance * 3 <= wanted.chars().count().max(c.chars().count()))
        .min_by_key(|(distance, c)| (*distance, *c))
        .map(|(_, c)| c)
}

/// Escapes one reference token for a JSON pointer (RFC 6901).
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Joins reference tokens into a JSON pointer.
pub fn pointer<I, S>(tokens: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::new();
    for token in tokens {
        out.push('/');
        out.push_str(&escape_pointer_token(token.as_ref()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_pointer() {
        let d = Diagnostic::new(
            Severity::Error,
            "spec/x.yaml",
            "/paths/~1v1~1jobs/get",
            "operationId `a` is used twice",
        )
        .with_location(Some(Location {
            line: 12,
            column: 5,
        }));
        assert_eq!(
            d.to_string(),
            "error: spec/x.yaml:12:5: at /paths/~1v1~1jobs/get: operationId `a` is used twice"
        );
    }

    #[test]
    fn nearest_suggests_a_close_name_only() {
        let names = ["Pet", "Owner", "PetList"];
        assert_eq!(nearest("Pett", names), Some("Pet"));
        assert_eq!(nearest("owner", names), Some("Owner"));
        assert_eq!(nearest("Invoice", names), None);
        assert_eq!(nearest("Pet", ["Pet"]), None);
    }

    #[test]
    fn a_stage_names_the_kind_of_its_warnings_only() {
        let mut ds = Diagnostics::new();
        ds.push(Diagnostic::new(Severity::Warning, "f", "", "w"));
        ds.push(Diagnostic::new(Severity::Warning, "f", "", "t").with_kind(kind::UNKNOWN_FIELD));
        ds.push(Diagnostic::new(Severity::Error, "f", "", "e"));
        let kinds: Vec<&str> = ds
            .warnings_of_kind(kind::REPAIR)
            .iter()
            .map(|d| d.kind)
            .collect();
        assert_eq!(kinds, [kind::REPAIR, kind::UNKNOWN_FIELD, kind::SPEC]);
    }

    #[test]
    fn pointer_escapes_slash_and_tilde() {
        assert_eq!(pointer(["paths", "/a/{b}", "x~y"]), "/paths/~1a~1{b}/x~0y");
    }

    #[test]
    fn propagate_stops_on_errors_only() {
        let mut ds = Diagnostics::new();
        ds.push(Diagnostic::new(Severity::Warning, "f", "", "w"));
        assert!(ds.clone().propagate().is_ok());
        ds.push(Diagnostic::new(Severity::Error, "f", "", "e"));
        assert!(ds.propagate().is_err());
    }
}
