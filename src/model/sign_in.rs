//! Why Microsoft 365 sign-in or a token refresh did not work.

use std::fmt;

use serde::Serialize;

/// Why sign-in or a refresh did not work, as data (the console words it per language).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum SignInFailure {
    /// The user declined on the sign-in page (`access_denied`, `authorization_declined`).
    Declined,
    /// The code ran out before anyone signed in (`expired_token`).
    Expired,
    /// The refresh token is no longer accepted (`invalid_grant`).
    InvalidGrant(String),
    /// Any other answer of the identity provider: its error code and description.
    Refused(String, String),
    /// The identity provider could not be reached.
    Unreachable(String),
    /// No tokens are stored: nobody signed in yet, or after `oauth logout`.
    NotSignedIn,
}

impl fmt::Display for SignInFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignInFailure::Declined => f.write_str(
                "the sign-in was declined on the Microsoft page (authorization_declined)",
            ),
            SignInFailure::Expired => f.write_str(
                "the code expired before the sign-in was finished (expired_token); start again",
            ),
            SignInFailure::InvalidGrant(d) => write!(
                f,
                "the refresh token is no longer accepted (invalid_grant: {d}); it was revoked, \
                 expired, or the password changed: sign in again with `dmsctl oauth login`"
            ),
            SignInFailure::Refused(code, d) => write!(f, "the identity provider said {code}: {d}"),
            SignInFailure::Unreachable(d) => write!(
                f,
                "cannot reach the identity provider: {d} (check the network and [oauth] authority)"
            ),
            SignInFailure::NotSignedIn => f.write_str(
                "nobody is signed in: run `dmsctl oauth login` (or Authorize in the console)",
            ),
        }
    }
}
