//! Forward-compatible values: string enums that keep a value the client does not know, values
//! kept raw when they do not parse as documented, and strings that must not be printed.

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

/// A value in the documented format, or, when the server sent something else (another date
/// format, a number as a string), the value as sent: one field the client did not expect does
/// not make the whole response fail to decode.
///
/// Generated types use it for dates and times (`format: date-time`, `date`) inside a schema,
/// and for any value the spec marks `x-lenient: true` (a field whose format the vendor's docs
/// do not fix).
///
/// ```
/// # use clientgen_runtime::Lenient;
/// let parsed: Lenient<u32> = serde_json::from_str("42").unwrap();
/// assert_eq!(parsed.parsed(), Some(&42));
/// let raw: Lenient<u32> = serde_json::from_str(r#""42%""#).unwrap();
/// assert_eq!(raw.raw(), Some(&serde_json::json!("42%")));
/// assert_eq!(serde_json::to_string(&raw).unwrap(), r#""42%""#);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Lenient<T> {
    /// The value, in the documented format.
    Parsed(T),
    /// The value as sent, which does not parse as documented.
    Raw(serde_json::Value),
}

impl<T> Lenient<T> {
    /// The value, if it is in the documented format.
    pub fn parsed(&self) -> Option<&T> {
        match self {
            Lenient::Parsed(value) => Some(value),
            Lenient::Raw(_) => None,
        }
    }

    /// The value as sent, if it is not in the documented format.
    pub fn raw(&self) -> Option<&serde_json::Value> {
        match self {
            Lenient::Parsed(_) => None,
            Lenient::Raw(raw) => Some(raw),
        }
    }

    /// The value in the documented format, or the value as sent as the error.
    pub fn into_parsed(self) -> Result<T, serde_json::Value> {
        match self {
            Lenient::Parsed(value) => Ok(value),
            Lenient::Raw(raw) => Err(raw),
        }
    }
}

impl<T> From<T> for Lenient<T> {
    fn from(value: T) -> Self {
        Lenient::Parsed(value)
    }
}

impl<T: std::str::FromStr> std::str::FromStr for Lenient<T> {
    type Err = std::convert::Infallible;

    /// `T` if `text` parses as one, else the text kept as a JSON string.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text.parse::<T>() {
            Ok(value) => Lenient::Parsed(value),
            Err(_) => Lenient::Raw(serde_json::Value::String(text.to_owned())),
        })
    }
}

impl<T: Default> Default for Lenient<T> {
    fn default() -> Self {
        Lenient::Parsed(T::default())
    }
}

impl<T: fmt::Display> fmt::Display for Lenient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lenient::Parsed(value) => value.fmt(f),
            Lenient::Raw(serde_json::Value::String(raw)) => f.write_str(raw),
            Lenient::Raw(raw) => raw.fmt(f),
        }
    }
}

impl<T: Serialize> Serialize for Lenient<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Lenient::Parsed(value) => value.serialize(serializer),
            Lenient::Raw(raw) => raw.serialize(serializer),
        }
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Lenient<T> {
    /// Any JSON value: `T` if it parses as one, else kept as it is.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = serde_json::Value::deserialize(deserializer)?;
        Ok(match T::deserialize(&raw) {
            Ok(value) => Lenient::Parsed(value),
            Err(_) => Lenient::Raw(raw),
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
    fn values_that_do_not_parse_are_kept_as_sent() {
        use chrono_like::Stamp;
        let stamps: Vec<Lenient<Stamp>> = serde_json::from_str(
            r#"["2024-11-19T11:47:44Z", "2025-12-11T12:39:37.379848", 1732016864, null]"#,
        )
        .unwrap();
        assert_eq!(
            stamps[0],
            Lenient::Parsed(Stamp("2024-11-19T11:47:44Z".into()))
        );
        assert_eq!(
            stamps[1].raw(),
            Some(&serde_json::json!("2025-12-11T12:39:37.379848"))
        );
        assert_eq!(stamps[2].raw(), Some(&serde_json::json!(1732016864)));
        assert_eq!(stamps[3].raw(), Some(&serde_json::Value::Null));
        assert_eq!(
            serde_json::to_string(&stamps).unwrap(),
            r#"["2024-11-19T11:47:44Z","2025-12-11T12:39:37.379848",1732016864,null]"#
        );
        assert_eq!(stamps[1].to_string(), "2025-12-11T12:39:37.379848");
        assert_eq!(stamps[0].clone().into_parsed().map(|s| s.0.len()), Ok(20));
        let parsed: Lenient<u8> = "7".parse().unwrap();
        assert_eq!(parsed, Lenient::Parsed(7));
        let kept: Lenient<u8> = "seven".parse().unwrap();
        assert_eq!(kept.raw(), Some(&serde_json::json!("seven")));
        // An absent optional field is still `None`.
        let absent: Option<Lenient<u8>> = serde_json::from_str("null").unwrap();
        assert_eq!(absent, None);
    }

    /// A stand-in for a timestamp type: a string ending in `Z`.
    mod chrono_like {
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        pub struct Stamp(pub String);

        impl std::fmt::Display for Stamp {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for Stamp {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                if s.ends_with('Z') {
                    Ok(Stamp(s))
                } else {
                    Err(serde::de::Error::custom("no offset"))
                }
            }
        }
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
