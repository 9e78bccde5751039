//! Mail server tab [Serwer pocztowy] (SPEC §1).

use serde::{Deserialize, Serialize};

use super::{FieldError, Problem, SettingsTab, Tab, check_addr_spec, check_host, single_line};
use crate::secrets::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SendWith {
    /// The built-in sender [Komponent mailowy].
    #[default]
    Smtp,
    /// Hand-off to the server's MTA [Profil serwera].
    Sendmail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encryption {
    /// [Brak]
    #[default]
    None,
    /// [Automatyczne]: STARTTLS when offered, implicit TLS on port 465.
    Auto,
    /// Implicit TLS.
    Ssl,
    /// STARTTLS, required.
    Starttls,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// [Login i hasło]
    #[default]
    Password,
    /// Microsoft 365 only.
    Oauth2,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailServerSettings {
    pub send_with: SendWith,
    pub enabled: bool,
    pub account_name: String,
    pub from_address: String,
    pub display_name: String,
    pub reply_to: String,
    pub description: String,
    pub server_name: String,
    pub port: u16,
    pub encryption: Encryption,
    pub auth_method: AuthMethod,
    /// Empty with `password` auth: no SMTP AUTH.
    pub login: String,
    pub password: Secret,
    pub sendmail_path: String,
}

impl Default for MailServerSettings {
    fn default() -> Self {
        MailServerSettings {
            send_with: SendWith::Smtp,
            enabled: false,
            account_name: String::new(),
            from_address: String::new(),
            display_name: String::new(),
            reply_to: String::new(),
            description: String::new(),
            server_name: String::new(),
            port: 587,
            encryption: Encryption::None,
            auth_method: AuthMethod::Password,
            login: String::new(),
            password: Secret::default(),
            sendmail_path: "/usr/sbin/sendmail".into(),
        }
    }
}

impl SettingsTab for MailServerSettings {
    const KEY: &'static str = "mail_server";
    const SECRET_FIELDS: &'static [&'static str] = &["password"];
    const TAB: Tab = Tab::MailServer;

    fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        for (field, value) in [
            ("account_name", &self.account_name),
            ("display_name", &self.display_name),
            ("login", &self.login),
        ] {
            single_line(field, value, &mut e);
        }
        if self.from_address.trim().is_empty() {
            if self.enabled {
                e.push(FieldError::problem(
                    "from_address",
                    Problem::RequiredWhenEnabled,
                ));
            }
        } else if check_addr_spec(&self.from_address).is_err() {
            e.push(FieldError::problem(
                "from_address",
                Problem::NotAnAddress(self.from_address.clone()),
            ));
        }
        if !self.reply_to.trim().is_empty() && check_addr_spec(&self.reply_to).is_err() {
            e.push(FieldError::problem(
                "reply_to",
                Problem::NotAnAddress(self.reply_to.clone()),
            ));
        }
        match self.send_with {
            SendWith::Smtp => {
                if self.server_name.trim().is_empty() {
                    if self.enabled {
                        e.push(FieldError::problem(
                            "server_name",
                            Problem::RequiredWhenEnabled,
                        ));
                    }
                } else if check_host(&self.server_name).is_err() {
                    e.push(FieldError::problem(
                        "server_name",
                        Problem::NotAHost(self.server_name.clone()),
                    ));
                }
                if self.port == 0 {
                    e.push(FieldError::problem("port", Problem::PortRange));
                }
            }
            SendWith::Sendmail => {
                if !self.sendmail_path.starts_with('/') {
                    e.push(FieldError::problem("sendmail_path", Problem::AbsolutePath));
                }
                if self.auth_method == AuthMethod::Oauth2 {
                    e.push(FieldError::problem(
                        "auth_method",
                        Problem::OAuthWithSendmail,
                    ));
                }
            }
        }
        e
    }

    fn warnings(&self) -> Vec<FieldError> {
        let mut w = Vec::new();
        super::whitespace_warning("login", &self.login, &mut w);
        if self.auth_method == AuthMethod::Oauth2 && self.server_name.contains("gmail") {
            w.push(FieldError::new(
                "auth_method",
                "Google accounts with OAuth2 are not supported; use an app password",
            ));
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: &MailServerSettings) -> Vec<String> {
        s.validate().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn disabled_defaults_are_valid() {
        assert!(MailServerSettings::default().validate().is_empty());
    }

    #[test]
    fn enabled_requires_address_and_server() {
        let s = MailServerSettings {
            enabled: true,
            ..Default::default()
        };
        assert_eq!(fields(&s), ["from_address", "server_name"]);
    }

    #[test]
    fn bad_values_are_named() {
        let s = MailServerSettings {
            from_address: "dms@".into(),
            reply_to: "x".into(),
            server_name: "smtp host".into(),
            port: 0,
            ..Default::default()
        };
        assert_eq!(
            fields(&s),
            ["from_address", "reply_to", "server_name", "port"]
        );
    }

    #[test]
    fn sendmail_refuses_oauth2() {
        let s = MailServerSettings {
            send_with: SendWith::Sendmail,
            auth_method: AuthMethod::Oauth2,
            ..Default::default()
        };
        let e = s.validate();
        assert_eq!(e[0].field, "auth_method");
        assert!(e[0].message.contains("sendmail"));
    }
}
