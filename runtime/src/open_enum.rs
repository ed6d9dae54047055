//! Forward-compatible values: string enums that keep a value the client does not know, and
//! strings that must not be printed.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IntoDeserializer};
use serde::{Serialize, Serializer};

/// A value of a string enum the description documents, or one it does not: a server that
/// adds a value later does not make the whole response fail to decode.
///
/// Generated types use it for every string enum inside a schema (properties, array items, map
/// values), in the manner of smithy-rs's `Unknown` variants: `K` is the generated enum of the
/// documented values.
///
/// ```
/// # use clientgen_runtime::OpenEnum;
/// #[derive(Debug, PartialEq, serde::Deserialize, serde::Serialize)]
/// enum State { #[serde(rename = "done")] Done }
///
/// let known: OpenEnum<State> = serde_json::from_str(r#""done""#).unwrap();
/// assert_eq!(known, OpenEnum::Known(State::Done));
/// let new: OpenEnum<State> = serde_json::from_str(r#""archived""#).unwrap();
/// assert_eq!(new.unknown(), Some("archived"));
/// assert_eq!(serde_json::to_string(&new).unwrap(), r#""archived""#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpenEnum<K> {
    /// A documented value.
    Known(K),
    /// A value the description does not document, as the server sent it.
    Unknown(String),
}

impl<K> OpenEnum<K> {
    /// The documented value, if it is one.
    pub fn known(&self) -> Option<&K> {
        match self {
            OpenEnum::Known(known) => Some(known),
            OpenEnum::Unknown(_) => None,
        }
    }

    /// The value as sent, if it is not a documented one.
    pub fn unknown(&self) -> Option<&str> {
        match self {
            OpenEnum::Known(_) => None,
            OpenEnum::Unknown(value) => Some(value),
        }
    }

    /// The documented value, or the undocumented one as an error.
    pub fn into_known(self) -> Result<K, String> {
        match self {
            OpenEnum::Known(known) => Ok(known),
            OpenEnum::Unknown(value) => Err(value),
        }
    }

    /// Whether the value is a documented one.
    pub fn is_known(&self) -> bool {
        matches!(self, OpenEnum::Known(_))
    }
}

impl<K> From<K> for OpenEnum<K> {
    fn from(known: K) -> Self {
        OpenEnum::Known(known)
    }
}

impl<K: Default> Default for OpenEnum<K> {
    fn default() -> Self {
        OpenEnum::Known(K::default())
    }
}

impl<K: fmt::Display> fmt::Display for OpenEnum<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenEnum::Known(known) => known.fmt(f),
            OpenEnum::Unknown(value) => f.write_str(value),
        }
    }
}

impl<K: Serialize> Serialize for OpenEnum<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            OpenEnum::Known(known) => known.serialize(serializer),
            OpenEnum::Unknown(value) => serializer.serialize_str(value),
        }
    }
}

impl<'de, K: Deserialize<'de>> Deserialize<'de> for OpenEnum<K> {
    /// A string: the documented value it names, else kept as it is. Anything but a string is
    /// an error, as for the enum itself.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        let known: Result<K, serde::de::value::Error> =
            K::deserialize(value.as_str().into_deserializer());
        Ok(match known {
            Ok(known) => OpenEnum::Known(known),
            Err(_) => OpenEnum::Unknown(value),
        })
    }
}

/// A string field the description marks as secret (`format: password`, `x-secret: true`),
/// such as a newly created API key in a response: `Debug` and `Display` print
/// `SecretString(<redacted>)`, and [`SecretString::expose`] reads it.
///
/// It serializes to the value itself, so that a body holding one can be sent back; do not log
/// a serialized body that holds one.
///
/// ```
/// # use clientgen_runtime::SecretString;
/// let key: SecretString = serde_json::from_str(r#""ap_live_123""#).unwrap();
/// assert_eq!(format!("{key:?}"), "SecretString(<redacted>)");
/// assert_eq!(key.expose(), "ap_live_123");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value. Do not log or print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The value, taken out. Do not log or print it.
    pub fn into_exposed(self) -> String {
        self.0
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
    enum Mode {
        #[serde(rename = "two")]
        Two,
        #[serde(rename = "four")]
        Four,
    }

    #[test]
    fn known_values_decode_and_unknown_ones_are_kept() {
        let modes: Vec<OpenEnum<Mode>> =
            serde_json::from_str(r#"["two", "FOUR", "eight", ""]"#).unwrap();
        assert_eq!(
            modes,
            [
                OpenEnum::Known(Mode::Two),
                OpenEnum::Unknown("FOUR".into()),
                OpenEnum::Unknown("eight".into()),
                OpenEnum::Unknown(String::new()),
            ]
        );
        assert_eq!(modes[0].known(), Some(&Mode::Two));
        assert_eq!(modes[2].unknown(), Some("eight"));
        assert_eq!(modes[2].clone().into_known(), Err("eight".to_string()));
        // Written back exactly as read.
        assert_eq!(
            serde_json::to_string(&modes).unwrap(),
            r#"["two","FOUR","eight",""]"#
        );
        // Not a string: an error, as for the enum itself.
        assert!(serde_json::from_str::<OpenEnum<Mode>>("4").is_err());
        assert!(serde_json::from_str::<OpenEnum<Mode>>("null").is_err());
        let absent: Option<OpenEnum<Mode>> = serde_json::from_str("null").unwrap();
        assert_eq!(absent, None);
        assert_eq!(OpenEnum::from(Mode::Four), OpenEnum::Known(Mode::Four));
    }

    #[test]
    fn secrets_are_redacted_but_round_trip() {
        let body: std::collections::BTreeMap<String, SecretString> =
            serde_json::from_str(r#"{"api_key":"ap_live_123"}"#).unwrap();
        let key = &body["api_key"];
        assert_eq!(key.expose(), "ap_live_123");
        for printed in [format!("{key}"), format!("{key:?}"), format!("{body:?}")] {
            assert!(!printed.contains("ap_live"), "{printed}");
        }
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"api_key":"ap_live_123"}"#
        );
    }
}
