//! Microsoft 365 sign-in for the mail account (SPEC §1.5). Over SSH there is no browser,
//! so sign-in is the OAuth2 device authorization grant (RFC 8628): the user opens a URL
//! on any device and types a code while this side polls. Tokens are sealed like every
//! secret; the sender asks for an access token and gets one refreshed in time, and a
//! refresh that fails says that sign-in is needed again instead of failing mails.

mod device;
pub mod qr;

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::config::OAuthConfig;
use crate::error::{Error, Result};
use crate::secrets::SecretKey;
use crate::settings::{MailServerSettings, Settings};
use crate::store::{Store, StoredTokens};
use crate::time::{Millis, now_ms};

pub use crate::model::SignInFailure;
pub use device::DeviceLogin;

/// The tokens of the mail account are stored under this name.
const ACCOUNT: &str = "mail_server";
/// Access tokens are refreshed this long before they expire.
pub const REFRESH_AHEAD: Duration = Duration::from_secs(5 * 60);
/// A refresh token refused just after another sender used it: that sender's new
/// tokens may still be on their way to the database. This long is waited for them
/// before the refusal is recorded as "sign in again".
const ROTATION_GRACE: Duration = Duration::from_secs(3);

/// What `oauth status` shows (never a token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenStatus {
    pub login: String,
    pub access_token_expires_at: Millis,
    pub has_refresh_token: bool,
    pub scopes: String,
    pub updated_at: Millis,
    /// Set when the last refresh failed: sign-in is needed again.
    pub refresh_error: Option<String>,
}

/// A usable access token and the login it belongs to.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub login: String,
    pub token: String,
    pub expires_at: Millis,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("login", &self.login)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Tokens as the identity provider gave them.
pub(crate) struct Granted {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: Option<Duration>,
    pub scopes: Option<String>,
}

#[derive(Clone)]
pub struct OAuth {
    store: Store,
    settings: Settings,
    config: OAuthConfig,
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("authority", &self.config.authority)
            .field("tenant", &self.config.tenant)
            .finish()
    }
}

impl OAuth {
    pub fn new(store: Store, settings: Settings, config: &OAuthConfig) -> Self {
        OAuth {
            store,
            settings,
            config: config.clone(),
        }
    }

    /// The mailbox the tokens are for: the account's login, else its outgoing address.
    pub async fn account_login(&self) -> Result<String> {
        let account = self.settings.load::<MailServerSettings>().await?.value;
        let login = account.login.trim();
        Ok(if login.is_empty() {
            account.from_address.trim().to_string()
        } else {
            login.to_string()
        })
    }

    /// Asks for a device code: what the user must open and type.
    pub async fn start(&self) -> Result<DeviceLogin> {
        device::start(&self.config).await
    }

    /// Polls until the user signed in (or declined, or the code expired), then stores
    /// the tokens for `login`.
    pub async fn finish(&self, login: &DeviceLogin, account: &str) -> Result<TokenStatus> {
        let granted = device::poll(&self.config, login).await?;
        let refresh_token = granted.refresh_token.clone().ok_or_else(|| {
            Error::SignIn(SignInFailure::Refused(
                "no_refresh_token".into(),
                "the answer has no refresh token: add offline_access to [oauth] scopes".into(),
            ))
        })?;
        let key = self.settings.secret_key(true)?;
        let now = now_ms();
        let stored = StoredTokens {
            account: ACCOUNT.into(),
            login: account.to_string(),
            access_token: key.seal(&granted.access_token, "oauth.access_token")?,
            refresh_token: key.seal(&refresh_token, "oauth.refresh_token")?,
            expires_at: now + expires_in_ms(granted.expires_in),
            scopes: granted
                .scopes
                .unwrap_or_else(|| self.config.scopes.join(" ")),
            updated_at: now,
            refresh_error: None,
            version: 0,
        };
        self.store.put_oauth_tokens(&stored).await?;
        self.status()
            .await?
            .ok_or(Error::SignIn(SignInFailure::NotSignedIn))
    }

    pub async fn status(&self) -> Result<Option<TokenStatus>> {
        Ok(self
            .store
            .oauth_tokens(ACCOUNT)
            .await?
            .map(|t| TokenStatus {
                login: t.login,
                access_token_expires_at: t.expires_at,
                has_refresh_token: !t.refresh_token.is_empty(),
                scopes: t.scopes,
                updated_at: t.updated_at,
                refresh_error: t.refresh_error,
            }))
    }

    /// Forgets the tokens; true if there were any.
    pub async fn logout(&self) -> Result<bool> {
        self.store.delete_oauth_tokens(ACCOUNT).await
    }

    /// An access token valid for a while yet: the stored one, or a refreshed one when
    /// it expires within `REFRESH_AHEAD` or `force` says the server refused it. A
    /// failed refresh is recorded (sign-in needed) and returned as `Error::SignIn`.
    pub async fn access_token(&self, force: bool) -> Result<AccessToken> {
        let Some(stored) = self.store.oauth_tokens(ACCOUNT).await? else {
            return Err(Error::SignIn(SignInFailure::NotSignedIn));
        };
        let key = self.settings.secret_key(false)?;
        let fresh = stored.expires_at - now_ms() > REFRESH_AHEAD.as_millis() as Millis;
        if fresh && !force && stored.refresh_error.is_none() {
            return open_access(&key, &stored);
        }
        if let Some(e) = &stored.refresh_error
            && !force
        {
            // Refreshing again with a token already refused would only fail again.
            return Err(Error::SignIn(SignInFailure::InvalidGrant(e.clone())));
        }
        let refresh_token = key.open(&stored.refresh_token, "oauth.refresh_token")?;
        match device::refresh(&self.config, &refresh_token).await {
            Ok(granted) => {
                let now = now_ms();
                let renewed = StoredTokens {
                    access_token: key.seal(&granted.access_token, "oauth.access_token")?,
                    // The provider may rotate the refresh token: keep the newest.
                    refresh_token: match &granted.refresh_token {
                        Some(r) => key.seal(r, "oauth.refresh_token")?,
                        None => stored.refresh_token.clone(),
                    },
                    expires_at: now + expires_in_ms(granted.expires_in),
                    updated_at: now,
                    ..stored.clone()
                };
                if self.store.refresh_oauth_tokens(&renewed).await? {
                    tracing::info!(login = %stored.login, "access token refreshed");
                    return Ok(AccessToken {
                        login: stored.login,
                        token: granted.access_token,
                        expires_at: renewed.expires_at,
                    });
                }
                // Another sender refreshed meanwhile: its tokens are the current ones.
                self.newer_than(&key, stored.version).await
            }
            // Not reaching the provider says nothing about the tokens: try again later.
            Err(Error::SignIn(failure @ SignInFailure::Unreachable(_))) => {
                Err(Error::SignIn(failure))
            }
            Err(Error::SignIn(failure)) => {
                if let Some(newer) = self.landed_meanwhile(stored.version).await? {
                    return open_access(&key, &newer);
                }
                let recorded = self
                    .store
                    .oauth_refresh_failed(ACCOUNT, stored.version, &failure.to_string(), now_ms())
                    .await?;
                if recorded {
                    Err(Error::SignIn(failure))
                } else {
                    // Our refresh token was rotated away by another sender's refresh.
                    self.newer_than(&key, stored.version).await
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Tokens another process stored after `version` within the grace period, if any.
    async fn landed_meanwhile(&self, version: i64) -> Result<Option<StoredTokens>> {
        let deadline = tokio::time::Instant::now() + ROTATION_GRACE;
        loop {
            if let Some(t) = self.store.oauth_tokens(ACCOUNT).await?
                && t.version != version
                && t.refresh_error.is_none()
            {
                return Ok(Some(t));
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn newer_than(&self, key: &SecretKey, version: i64) -> Result<AccessToken> {
        match self.store.oauth_tokens(ACCOUNT).await? {
            Some(t) if t.version != version && t.refresh_error.is_none() => open_access(key, &t),
            Some(t) => Err(Error::SignIn(SignInFailure::InvalidGrant(
                t.refresh_error.unwrap_or_default(),
            ))),
            None => Err(Error::SignIn(SignInFailure::NotSignedIn)),
        }
    }
}

fn open_access(key: &SecretKey, t: &StoredTokens) -> Result<AccessToken> {
    Ok(AccessToken {
        login: t.login.clone(),
        token: key.open(&t.access_token, "oauth.access_token")?,
        expires_at: t.expires_at,
    })
}

/// Microsoft gives an hour; an answer without `expires_in` is taken as that.
fn expires_in_ms(expires_in: Option<Duration>) -> Millis {
    expires_in.unwrap_or(Duration::from_secs(3600)).as_millis() as Millis
}

/// The config must name the application (client id) before anyone can sign in.
pub(crate) fn client_id(config: &OAuthConfig) -> Result<String> {
    config
        .client_id
        .clone()
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| {
            Error::invalid_argument(
                "oauth.client_id",
                "is required for OAuth2 sign-in: set `client_id` under [oauth] in the config \
                 file to the application (client) id registered in Microsoft Entra",
            )
        })
}
