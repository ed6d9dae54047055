//! A string that must never be printed: API keys and bearer tokens.

use std::fmt;

/// A credential value (API key, bearer token) that is redacted wherever it could be printed.
///
/// `Debug` and `Display` both print `Secret(<redacted>)`. The only way to read the value is
/// [`Secret::expose_secret`], which exists so that the runtime can put the value on the wire;
/// code that calls it takes responsibility for not logging the result.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Returns the credential value.
    ///
    /// This is the only way to get the value back out. Call it only to send the value to the
    /// service it belongs to; never log, print or store what it returns.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty or only whitespace.
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let secret = Secret::new("sk-live-123456");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(format!("{secret}"), "Secret(<redacted>)");
        assert_eq!(format!("{secret:#?}"), "Secret(<redacted>)");
        assert_eq!(secret.expose_secret(), "sk-live-123456");
    }

    #[test]
    fn blank_detection() {
        assert!(Secret::new("  \t").is_blank());
        assert!(Secret::new("").is_blank());
        assert!(!Secret::new("k").is_blank());
    }
}
