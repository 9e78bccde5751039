//! `dmsctl oauth login|status|logout`: Microsoft 365 sign-in for the mail account, by
//! device code, so it works over SSH and in scripts (it prints, then polls).

use std::io::IsTerminal;

use clap::Subcommand;

use super::Context;
use super::output::{OutputMode, print_json};
use crate::error::{Error, Result};
use crate::settings::{MailServerSettings, SendWith};
use crate::time::{format_age, format_rfc3339, now_ms};

#[derive(Debug, Subcommand)]
pub enum OAuthCommand {
    /// Sign in: prints the address and the code to type there, then waits.
    Login,
    /// The account signed in, when its access token expires, whether it can refresh.
    Status,
    /// Forget the stored tokens.
    Logout,
}

pub async fn run(ctx: &Context, cmd: OAuthCommand) -> Result<()> {
    let oauth = ctx.oauth();
    match cmd {
        OAuthCommand::Login => {
            crate::oauth::client_id(&ctx.config.config.oauth)?;
            let account = ctx.settings().load::<MailServerSettings>().await?.value;
            if account.send_with == SendWith::Sendmail {
                return Err(Error::invalid_argument(
                    "mail_server.send_with",
                    "is sendmail: the server's MTA signs in on its own, OAuth2 is for the \
                     built-in sender (set send_with = smtp)",
                ));
            }
            let login = oauth.account_login().await?;
            if login.is_empty() {
                return Err(Error::invalid_argument(
                    "mail_server.login",
                    "is empty: set the mailbox to sign in as (e.g. dms@firma.onmicrosoft.com)",
                ));
            }
            let device = oauth.start().await?;
            match ctx.output {
                OutputMode::Json => print_json(&serde_json::json!({
                    "verification_uri": device.verification_uri,
                    "user_code": device.user_code,
                    "expires_in": device.expires_in.as_secs(),
                }))?,
                OutputMode::Text => {
                    println!(
                        "To sign in {login}, open {} and enter the code {}",
                        device.verification_uri, device.user_code
                    );
                    if std::io::stdout().is_terminal() {
                        let target = device
                            .verification_uri_complete
                            .as_deref()
                            .unwrap_or(&device.verification_uri);
                        for line in crate::oauth::qr::lines(target).unwrap_or_default() {
                            println!("  {line}");
                        }
                    }
                    println!(
                        "Waiting for the sign-in (the code is valid for {})…",
                        humantime::format_duration(device.expires_in)
                    );
                }
            }
            match oauth.finish(&device, &login).await {
                Ok(status) => match ctx.output {
                    OutputMode::Json => print_json(&serde_json::json!({
                        "logged_in": status.login,
                        "access_token_expires_at": format_rfc3339(status.access_token_expires_at),
                    })),
                    OutputMode::Text => {
                        println!("Logged in user {}", status.login);
                        Ok(())
                    }
                },
                Err(Error::SignIn(f)) => Err(Error::Unsuccessful(format!(
                    "Could not log in to the account of user {login}: {f}"
                ))),
                Err(e) => Err(e),
            }
        }
        OAuthCommand::Status => {
            let status = oauth.status().await?;
            match ctx.output {
                OutputMode::Json => print_json(&status),
                OutputMode::Text => {
                    match status {
                        None => println!("Not signed in (dmsctl oauth login)"),
                        Some(s) => {
                            let left = s.access_token_expires_at - now_ms();
                            println!("account:       {}", s.login);
                            println!(
                                "access token:  {} ({})",
                                if left > 0 {
                                    "valid until"
                                } else {
                                    "expired at"
                                },
                                format_rfc3339(s.access_token_expires_at)
                            );
                            if left > 0 {
                                println!("               expires in {}", format_age(left));
                            }
                            match &s.refresh_error {
                                Some(e) => println!("refresh:       FAILED, sign in again: {e}"),
                                None if s.has_refresh_token => {
                                    println!("refresh:       refresh token stored")
                                }
                                None => println!("refresh:       no refresh token"),
                            }
                            println!("scopes:        {}", s.scopes);
                        }
                    }
                    Ok(())
                }
            }
        }
        OAuthCommand::Logout => {
            let removed = oauth.logout().await?;
            match ctx.output {
                OutputMode::Json => print_json(&serde_json::json!({ "signed_out": removed })),
                OutputMode::Text => {
                    println!(
                        "{}",
                        if removed {
                            "Signed out: the tokens are removed"
                        } else {
                            "Nobody was signed in"
                        }
                    );
                    Ok(())
                }
            }
        }
    }
}
