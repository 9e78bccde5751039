//! SQL for the mail account's OAuth2 tokens (values arrive sealed).

use super::{Store, dispatch, dispatch_read};
use crate::error::Result;
use crate::time::Millis;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredTokens {
    pub account: String,
    pub login: String,
    /// Sealed.
    pub access_token: String,
    /// Sealed.
    pub refresh_token: String,
    pub expires_at: Millis,
    pub scopes: String,
    pub updated_at: Millis,
    pub refresh_error: Option<String>,
    pub version: i64,
}

impl Store {
    pub async fn oauth_tokens(&self, account: &str) -> Result<Option<StoredTokens>> {
        dispatch_read!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT account, login, access_token, refresh_token, expires_at, scopes, \
                 updated_at, refresh_error, version FROM oauth_tokens WHERE account = $1",
            )
            .bind(account)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Stores tokens after a sign-in: whatever was there is replaced.
    pub async fn put_oauth_tokens(&self, t: &StoredTokens) -> Result<()> {
        dispatch!(self, pool => {
            sqlx::query(
                "INSERT INTO oauth_tokens (account, login, access_token, refresh_token, \
                 expires_at, scopes, updated_at, refresh_error, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 1) \
                 ON CONFLICT (account) DO UPDATE SET login = excluded.login, \
                 access_token = excluded.access_token, refresh_token = excluded.refresh_token, \
                 expires_at = excluded.expires_at, scopes = excluded.scopes, \
                 updated_at = excluded.updated_at, refresh_error = NULL, \
                 version = oauth_tokens.version + 1",
            )
            .bind(&t.account)
            .bind(&t.login)
            .bind(&t.access_token)
            .bind(&t.refresh_token)
            .bind(t.expires_at)
            .bind(&t.scopes)
            .bind(t.updated_at)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Replaces the tokens read at `version` after a refresh; false when another
    /// process wrote them first (its tokens are then the ones to use).
    pub async fn refresh_oauth_tokens(&self, t: &StoredTokens) -> Result<bool> {
        dispatch!(self, pool => {
            Ok(sqlx::query(
                "UPDATE oauth_tokens SET access_token = $3, refresh_token = $4, expires_at = $5, \
                 updated_at = $6, refresh_error = NULL, version = version + 1 \
                 WHERE account = $1 AND version = $2",
            )
            .bind(&t.account)
            .bind(t.version)
            .bind(&t.access_token)
            .bind(&t.refresh_token)
            .bind(t.expires_at)
            .bind(t.updated_at)
            .execute(pool)
            .await?
            .rows_affected()
                == 1)
        })
    }

    /// Records why a refresh failed (sign-in needed), unless the tokens moved on.
    pub async fn oauth_refresh_failed(
        &self,
        account: &str,
        version: i64,
        error: &str,
        now: Millis,
    ) -> Result<bool> {
        dispatch!(self, pool => {
            Ok(sqlx::query(
                "UPDATE oauth_tokens SET refresh_error = $3, updated_at = $4, version = version + 1 \
                 WHERE account = $1 AND version = $2",
            )
            .bind(account)
            .bind(version)
            .bind(error)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
                == 1)
        })
    }

    pub async fn delete_oauth_tokens(&self, account: &str) -> Result<bool> {
        dispatch!(self, pool => {
            Ok(sqlx::query("DELETE FROM oauth_tokens WHERE account = $1")
                .bind(account)
                .execute(pool)
                .await?
                .rows_affected()
                > 0)
        })
    }
}
