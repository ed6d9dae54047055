//! Credentials: where an API key goes on a request, and reading it from the environment.

use std::borrow::Cow;
use std::fmt;

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

use crate::config::ConfigError;
use crate::secret::Secret;

/// Where a credential is placed on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// In a request header with this name (an OpenAPI `apiKey` scheme with `in: header`).
    Header(Cow<'static, str>),
    /// In a query parameter with this name (an OpenAPI `apiKey` scheme with `in: query`).
    Query(Cow<'static, str>),
    /// In the `Authorization` header as `Bearer <token>` (an OpenAPI `http` scheme with
    /// `scheme: bearer`).
    Bearer,
}

/// A credential for one security scheme of an API.
///
/// It is applied only to operations whose security requirements name its scheme, and only to
/// requests sent to the origin of the configured base URL (see
/// [`ClientConfig::prepare`](crate::ClientConfig::prepare)). `Debug` never shows the secret.
#[derive(Clone)]
pub struct Credential {
    scheme: Cow<'static, str>,
    placement: Placement,
    secret: Secret,
    /// Pre-validated header for `Header` and `Bearer` placements.
    header: Option<(HeaderName, HeaderValue)>,
}

impl Credential {
    /// An API key sent in the header `header_name`, for the security scheme named `scheme`.
    ///
    /// Fails with [`ConfigError::InvalidCredential`] if the header name is not a valid header
    /// name, or if the key is empty or cannot be sent as a header value (control characters,
    /// non-ASCII text).
    pub fn api_key_header(
        scheme: impl Into<Cow<'static, str>>,
        header_name: impl Into<Cow<'static, str>>,
        key: impl Into<Secret>,
    ) -> Result<Self, ConfigError> {
        let scheme = scheme.into();
        let header_name = header_name.into();
        let secret = key.into();
        let name = HeaderName::from_bytes(header_name.as_bytes()).map_err(|_| {
            ConfigError::InvalidCredential {
                scheme: scheme.to_string(),
                reason: format!("`{header_name}` is not a valid header name"),
            }
        })?;
        let value = header_value(&scheme, secret.expose_secret())?;
        Ok(Self {
            scheme,
            placement: Placement::Header(header_name),
            secret,
            header: Some((name, value)),
        })
    }

    /// An API key sent in the query parameter `param_name`, for the security scheme named
    /// `scheme`.
    ///
    /// Fails with [`ConfigError::InvalidCredential`] if the parameter name or the key is empty.
    pub fn api_key_query(
        scheme: impl Into<Cow<'static, str>>,
        param_name: impl Into<Cow<'static, str>>,
        key: impl Into<Secret>,
    ) -> Result<Self, ConfigError> {
        let scheme = scheme.into();
        let param_name = param_name.into();
        let secret = key.into();
        if param_name.is_empty() {
            return Err(ConfigError::InvalidCredential {
                scheme: scheme.to_string(),
                reason: "the query parameter name is empty".to_owned(),
            });
        }
        if secret.is_blank() {
            return Err(blank_key(&scheme));
        }
        Ok(Self {
            scheme,
            placement: Placement::Query(param_name),
            secret,
            header: None,
        })
    }

    /// A bearer token sent as `Authorization: Bearer <token>`, for the security scheme named
    /// `scheme`.
    ///
    /// Fails with [`ConfigError::InvalidCredential`] if the token is empty or cannot be sent as
    /// a header value.
    pub fn bearer(
        scheme: impl Into<Cow<'static, str>>,
        token: impl Into<Secret>,
    ) -> Result<Self, ConfigError> {
        let scheme = scheme.into();
        let secret = token.into();
        if secret.is_blank() {
            return Err(blank_key(&scheme));
        }
        let value = header_value(&scheme, &format!("Bearer {}", secret.expose_secret()))?;
        Ok(Self {
            scheme,
            placement: Placement::Bearer,
            secret,
            header: Some((AUTHORIZATION, value)),
        })
    }

    /// The name of the security scheme (as in the OpenAPI `components.securitySchemes`).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Where the credential is placed.
    pub fn placement(&self) -> &Placement {
        &self.placement
    }

    /// The credential value.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// Puts the credential on `request`: a header (marked sensitive, so that it is redacted in
    /// `Debug` output and not indexed by HTTP/2 header compression) or a query parameter
    /// appended to the existing query (replacing a parameter of the same name).
    ///
    /// This does not check the request's origin; [`ClientConfig::prepare`] does.
    ///
    /// [`ClientConfig::prepare`]: crate::ClientConfig::prepare
    pub fn apply(&self, request: &mut reqwest::Request) {
        match (&self.placement, &self.header) {
            (Placement::Query(param), _) => {
                let url = request.url_mut();
                let kept: Vec<(String, String)> = url
                    .query_pairs()
                    .filter(|(name, _)| name != param.as_ref())
                    .map(|(name, value)| (name.into_owned(), value.into_owned()))
                    .collect();
                let mut pairs = url.query_pairs_mut();
                pairs.clear();
                for (name, value) in &kept {
                    pairs.append_pair(name, value);
                }
                pairs.append_pair(param, self.secret.expose_secret());
            }
            (_, Some((name, value))) => {
                let mut value = value.clone();
                value.set_sensitive(true);
                request.headers_mut().insert(name.clone(), value);
            }
            // Header placements always carry a validated header (see the constructors).
            (_, None) => {}
        }
    }
}

fn header_value(scheme: &str, value: &str) -> Result<HeaderValue, ConfigError> {
    if value.trim().is_empty() {
        return Err(blank_key(scheme));
    }
    let invalid = || ConfigError::InvalidCredential {
        scheme: scheme.to_owned(),
        reason: "the key contains characters that cannot be sent in an HTTP header \
                 (control characters or non-ASCII text)"
            .to_owned(),
    };
    if !value.is_ascii() {
        return Err(invalid());
    }
    let mut value = HeaderValue::from_str(value).map_err(|_| invalid())?;
    value.set_sensitive(true);
    Ok(value)
}

fn blank_key(scheme: &str) -> ConfigError {
    ConfigError::InvalidCredential {
        scheme: scheme.to_owned(),
        reason: "the key is empty".to_owned(),
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("scheme", &self.scheme)
            .field("placement", &self.placement)
            .field("secret", &self.secret)
            .finish()
    }
}

/// Reads a credential from the environment variable `var`.
///
/// Surrounding whitespace is trimmed. An unset variable (or one that is not valid Unicode) is
/// [`ConfigError::MissingEnvVar`]; an empty or whitespace-only one is
/// [`ConfigError::EmptyEnvVar`]. Both errors name the variable and never contain its value.
pub fn env_secret(var: &'static str) -> Result<Secret, ConfigError> {
    match std::env::var(var) {
        Ok(value) => {
            let trimmed = value.trim();
            if trimmed.is_empty() {
                Err(ConfigError::EmptyEnvVar { var })
            } else {
                Ok(Secret::new(trimmed))
            }
        }
        Err(_) => Err(ConfigError::MissingEnvVar { var }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str) -> reqwest::Request {
        reqwest::Request::new(
            reqwest::Method::GET,
            reqwest::Url::parse(url).expect("test url"),
        )
    }

    #[test]
    fn header_credential_is_sensitive() {
        let cred = Credential::api_key_header("ApiKeyHeader", "x-api-key", "k-123").unwrap();
        let mut req = request("https://api.example.com/v1/things");
        cred.apply(&mut req);
        let value = req.headers().get("x-api-key").unwrap();
        assert!(value.is_sensitive());
        assert_eq!(value, "k-123");
        assert!(!format!("{req:?}").contains("k-123"));
    }

    #[test]
    fn bearer_credential() {
        let cred = Credential::bearer("BearerAuth", "tok").unwrap();
        let mut req = request("https://api.example.com/");
        cred.apply(&mut req);
        let value = req.headers().get(AUTHORIZATION).unwrap();
        assert!(value.is_sensitive());
        assert_eq!(value, "Bearer tok");
    }

    #[test]
    fn query_credential_keeps_existing_query() {
        let cred = Credential::api_key_query("ApiKeyQuery", "api_key", "a b&c").unwrap();
        let mut req = request("https://api.example.com/search?q=x&api_key=old&page=2");
        cred.apply(&mut req);
        let pairs: Vec<(String, String)> = req
            .url()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("q".into(), "x".into()),
                ("page".into(), "2".into()),
                ("api_key".into(), "a b&c".into()),
            ]
        );
    }

    #[test]
    fn invalid_keys_are_errors_not_panics() {
        let err = Credential::api_key_header("S", "x-api-key", "bad\nkey").unwrap_err();
        assert!(matches!(err, ConfigError::InvalidCredential { .. }));
        assert!(!err.to_string().contains("bad"));
        let err = Credential::api_key_header("S", "bad header", "key").unwrap_err();
        assert!(matches!(err, ConfigError::InvalidCredential { .. }));
        assert!(Credential::bearer("S", "   ").is_err());
        assert!(Credential::bearer("S", "tök").is_err());
        assert!(Credential::api_key_query("S", "", "key").is_err());
        assert!(Credential::api_key_query("S", "k", "").is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let cred = Credential::api_key_header("S", "x-api-key", "super-secret-key").unwrap();
        let debug = format!("{cred:?} {cred:#?}");
        assert!(!debug.contains("super-secret-key"));
        assert!(debug.contains("x-api-key"));
    }
}
