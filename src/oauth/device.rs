//! The requests to the identity provider, through the `oauth2` crate: the device code,
//! polling for the tokens (authorization_pending and slow_down as RFC 8628 says), and
//! refreshing them. Endpoints: `{authority}/{tenant}/oauth2/v2.0/{devicecode,token}`.

use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    ClientId, DeviceAuthorizationUrl, DeviceCodeErrorResponseType, RefreshToken, RequestTokenError,
    Scope, StandardDeviceAuthorizationResponse, TokenResponse, TokenUrl,
};

use super::{Granted, SignInFailure, client_id};
use crate::config::OAuthConfig;
use crate::error::{Error, Result};

/// What the user is asked to do, and what polling needs.
#[derive(Debug, Clone)]
pub struct DeviceLogin {
    pub verification_uri: String,
    pub user_code: String,
    /// Where the code is typed in already, if the provider offers it.
    pub verification_uri_complete: Option<String>,
    pub expires_in: Duration,
    details: StandardDeviceAuthorizationResponse,
}

fn endpoint(config: &OAuthConfig, last: &str) -> String {
    format!(
        "{}/{}/oauth2/v2.0/{last}",
        config.authority.trim_end_matches('/'),
        config.tenant.trim_matches('/')
    )
}

fn http() -> Result<reqwest::Client> {
    // No redirects: an OAuth2 endpoint that redirects is misconfigured (RFC 6749 §3).
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| Error::Internal(format!("cannot set up the HTTP client: {e}")))
}

fn url_error(key: &str, e: impl std::fmt::Display) -> Error {
    Error::invalid_argument(
        format!("oauth.{key}"),
        format!("makes a bad endpoint URL: {e}"),
    )
}

pub(super) async fn start(config: &OAuthConfig) -> Result<DeviceLogin> {
    let client = BasicClient::new(ClientId::new(client_id(config)?)).set_device_authorization_url(
        DeviceAuthorizationUrl::new(endpoint(config, "devicecode"))
            .map_err(|e| url_error("authority", e))?,
    );
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scopes(config.scopes.iter().map(|s| Scope::new(s.clone())))
        .request_async(&http()?)
        .await
        .map_err(|e| failure(e, |t| basic_failure(t.clone())))?;
    Ok(DeviceLogin {
        verification_uri: details.verification_uri().to_string(),
        user_code: details.user_code().secret().clone(),
        verification_uri_complete: details
            .verification_uri_complete()
            .map(|u| u.secret().clone()),
        expires_in: details.expires_in(),
        details,
    })
}

pub(super) async fn poll(config: &OAuthConfig, login: &DeviceLogin) -> Result<Granted> {
    let client = BasicClient::new(ClientId::new(client_id(config)?)).set_token_uri(
        TokenUrl::new(endpoint(config, "token")).map_err(|e| url_error("authority", e))?,
    );
    let http = http()?;
    let token = client
        .exchange_device_access_token(&login.details)
        .request_async(&http, tokio::time::sleep, None)
        .await
        .map_err(|e| {
            failure(e, |t| match t {
                DeviceCodeErrorResponseType::AccessDenied => SignInFailure::Declined,
                DeviceCodeErrorResponseType::ExpiredToken => SignInFailure::Expired,
                DeviceCodeErrorResponseType::Basic(b) => basic_failure(b.clone()),
                other => SignInFailure::Refused(other.to_string(), String::new()),
            })
        })?;
    Ok(granted(&token))
}

pub(super) async fn refresh(config: &OAuthConfig, refresh_token: &str) -> Result<Granted> {
    let client = BasicClient::new(ClientId::new(client_id(config)?)).set_token_uri(
        TokenUrl::new(endpoint(config, "token")).map_err(|e| url_error("authority", e))?,
    );
    let refresh = RefreshToken::new(refresh_token.to_string());
    let token = client
        .exchange_refresh_token(&refresh)
        .add_scopes(config.scopes.iter().map(|s| Scope::new(s.clone())))
        .request_async(&http()?)
        .await
        .map_err(|e| failure(e, |t| basic_failure(t.clone())))?;
    Ok(granted(&token))
}

fn granted(token: &impl TokenResponse) -> Granted {
    Granted {
        access_token: token.access_token().secret().clone(),
        refresh_token: token.refresh_token().map(|r| r.secret().clone()),
        expires_in: token.expires_in(),
        scopes: token.scopes().map(|s| {
            s.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        }),
    }
}

/// Microsoft answers `authorization_declined` where RFC 8628 says `access_denied`.
fn basic_failure(t: BasicErrorResponseType) -> SignInFailure {
    match t {
        BasicErrorResponseType::InvalidGrant => SignInFailure::InvalidGrant(String::new()),
        BasicErrorResponseType::Extension(e) if e == "authorization_declined" => {
            SignInFailure::Declined
        }
        BasicErrorResponseType::Extension(e) if e == "expired_token" => SignInFailure::Expired,
        other => SignInFailure::Refused(other.to_string(), String::new()),
    }
}

/// Turns the crate's error into ours, keeping the provider's description.
fn failure<RE, T>(
    e: RequestTokenError<RE, oauth2::StandardErrorResponse<T>>,
    kind: impl Fn(&T) -> SignInFailure,
) -> Error
where
    RE: std::error::Error + 'static,
    T: oauth2::ErrorResponseType + std::fmt::Display + 'static,
{
    let f = match e {
        RequestTokenError::ServerResponse(r) => {
            let description = r.error_description().cloned().unwrap_or_default();
            match kind(r.error()) {
                SignInFailure::InvalidGrant(_) => SignInFailure::InvalidGrant(description),
                SignInFailure::Refused(code, _) => SignInFailure::Refused(code, description),
                other => other,
            }
        }
        RequestTokenError::Request(e) => SignInFailure::Unreachable(chain(&e)),
        RequestTokenError::Parse(e, _) => {
            SignInFailure::Refused("unreadable_answer".into(), e.to_string())
        }
        RequestTokenError::Other(m) => SignInFailure::Refused("error".into(), m),
    };
    Error::SignIn(f)
}

/// An error with its causes, on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
