//! Emits the `Client` struct and its constructors: one per supported security scheme,
//! `from_env`, and `from_config` for everything else (base URL, retries, timeouts).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Context, doc_attrs};
use crate::ir::Placement;

/// The `Client` struct, documented with the description's title, description and version.
pub(crate) fn client_struct(cx: &Context<'_>) -> TokenStream {
    // The client module names the runtime `rt`.
    let rt = quote!(rt);
    let version = format!("Version: {}", cx.api.version);
    let title = format!("Client for {}", cx.api.title.trim());
    let doc = doc_attrs(&[Some(&title), cx.api.description.as_deref(), Some(&version)]);
    // The group features enabled may leave no operation that sends through `execute`.
    let unused = if cx.gates.is_on() {
        quote!(#[allow(dead_code)])
    } else {
        quote!()
    };
    quote! {
        #doc
        #[derive(Clone, Debug)]
        pub struct Client {
            config: #rt::ClientConfig,
            http: ::reqwest::Client,
        }

        /// Sends one attempt of `op`: the configuration prepares the request (path check,
        /// credential, timeout), the HTTP client sends it.
        #unused
        async fn execute(
            client: &Client,
            op: &#rt::OperationMeta,
            request: ::reqwest::RequestBuilder,
        ) -> Result<::reqwest::Response, #rt::AttemptError> {
            #rt::request::execute(&client.http, &client.config, op, request).await
        }
    }
}

/// The constructors that instantiate the runtime's generic code are `#[inline]`, compiled
/// where they are called (see `emit/errors.rs`).
pub(crate) fn constructors(cx: &Context<'_>) -> TokenStream {
    // The client module names the runtime `rt`.
    let rt = quote!(rt);
    let mut items = Vec::new();
    let has_default = cx.api.default_base_url.is_some();
    if let Some(url) = &cx.api.default_base_url {
        items.push(quote! {
            /// The base URL the description lists first in `servers`.
            pub const DEFAULT_BASE_URL: &'static str = #url;

            /// A configuration for the default base URL, with no credential and the default
            /// retry policy and timeouts; adjust it and pass it to [`Client::from_config`].
            #[inline]
            pub fn config() -> #rt::ClientConfig {
                match #rt::ClientConfig::new(Self::DEFAULT_BASE_URL) {
                    Ok(config) => config,
                    // The constant comes from the description and was checked when generating.
                    Err(_) => unreachable!("the default base URL is valid"),
                }
            }
        });
    }
    items.push(quote! {
        /// Builds a client from a configuration: base URL, credential, retry policy, timeouts.
        ///
        /// The HTTP client follows redirects only within the configured origin, so the
        /// credential is never sent anywhere else.
        #[inline]
        pub fn from_config(config: #rt::ClientConfig) -> Result<Self, #rt::ConfigError> {
            let http = config.build_http_client()?;
            Ok(Self::from_config_and_http_client(config, http))
        }

        /// Builds a client around your own `reqwest::Client` (its redirect policy and timeouts
        /// then apply; the per-attempt timeout and the credential still come from `config`).
        pub fn from_config_and_http_client(config: #rt::ClientConfig, http: ::reqwest::Client) -> Self {
            Self { config, http }
        }

        /// The configuration this client was built with.
        pub fn client_config(&self) -> &#rt::ClientConfig {
            &self.config
        }

        /// Downloads a file the API hands out by URL (a finished job's result; absolute, or
        /// relative to the base URL) into `out`, one chunk at a time, calling `progress` after
        /// each; returns the bytes written. A dropped connection, a 429, 502, 503 or 504 is retried
        /// with the client's retry policy and deadline, asking only for the missing bytes
        /// (`Range`). The credential is sent only to the API's own origin.
        pub async fn download_url<W>(
            &self,
            url: &str,
            out: &mut W,
            mut progress: impl FnMut(#rt::Progress) + Send,
        ) -> Result<u64, #rt::DownloadError>
        where
            W: #rt::download::AsyncWrite + Unpin + ?Sized,
        {
            #rt::download::download(&self.config, &self.http, url, out, &mut progress).await
        }
    });

    let mut env_scheme = None;
    for scheme in &cx.api.security_schemes {
        let name = &scheme.name;
        let (ctor, what) = match &scheme.placement {
            Placement::Header(header) => (
                quote!(#rt::Credential::api_key_header(#name, #header, #rt::Secret::new(key))),
                format!("an API key sent in the `{header}` header"),
            ),
            Placement::Query(param) => (
                quote!(#rt::Credential::api_key_query(#name, #param, #rt::Secret::new(key))),
                format!("an API key sent as the `{param}` query parameter"),
            ),
            Placement::Bearer => (
                quote!(#rt::Credential::bearer(#name, #rt::Secret::new(key))),
                "a bearer token in the `Authorization` header".to_string(),
            ),
            Placement::AccessToken(kind) => (
                quote!(#rt::Credential::bearer(#name, #rt::Secret::new(key))),
                format!(
                    "an {kind} access token the caller obtains, sent as a bearer token in the \
                     `Authorization` header"
                ),
            ),
            Placement::Unsupported(_) => continue,
        };
        let Some((with_fn, credential_fn)) = crate::names::scheme_methods(scheme) else {
            continue;
        };
        let credential_fn = format_ident!("{credential_fn}");
        let with_fn = format_ident!("{with_fn}");
        let doc = doc_attrs(&[
            Some(&format!(
                "Authenticates with {what} (security scheme `{name}`)."
            )),
            scheme.description.as_deref(),
        ]);
        let cred_doc = format!(" The credential for security scheme `{name}`: {what}.");
        items.push(quote! {
            #[doc = #cred_doc]
            pub fn #credential_fn(key: impl Into<String>) -> Result<#rt::Credential, #rt::ConfigError> {
                #ctor
            }
        });
        if has_default {
            items.push(quote! {
                #doc
                pub fn #with_fn(key: impl Into<String>) -> Result<Self, #rt::ConfigError> {
                    Self::from_config(Self::config().with_credential(Self::#credential_fn(key)?))
                }
            });
        }
        if env_scheme.is_none()
            && let Some(var) = &scheme.env_var
        {
            env_scheme = Some((var.clone(), credential_fn.clone(), name.clone()));
        }
    }
    if let Some((var, credential_fn, name)) = env_scheme {
        let doc = format!(
            " The credential read from `{var}` (the variable the vendor's SDKs read), for scheme\n `{name}`. An unset or empty variable is an error that names it."
        );
        items.push(quote! {
            #[doc = #doc]
            #[inline]
            pub fn credential_from_env() -> Result<#rt::Credential, #rt::ConfigError> {
                let key = #rt::env_secret(#var)?;
                Self::#credential_fn(key.expose_secret())
            }
        });
        if has_default {
            let doc = format!(
                " A client for the default base URL, authenticated with the key in `{var}`."
            );
            items.push(quote! {
                #[doc = #doc]
                #[inline]
                pub fn from_env() -> Result<Self, #rt::ConfigError> {
                    Self::from_config(Self::config().with_credential(Self::credential_from_env()?))
                }
            });
        }
    }
    quote! {
        impl Client {
            #(#items)*
        }
    }
}
