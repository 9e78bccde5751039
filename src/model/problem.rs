//! A bad field of a settings document, as data: the console words it per language.

use std::fmt;

use serde::Serialize;

/// A problem with one field: `field` is its key path (`port`, `companies[2].nip`).
/// `message` is English; `problem`, where set, lets the console say it in the user's
/// language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    #[serde(skip)]
    pub problem: Option<Problem>,
}

/// What is wrong with a value, as data (the console words it per language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required,
    RequiredWhenEnabled,
    NotAnAddress(String),
    NotAHost(String),
    PortRange,
    AbsolutePath,
    OAuthWithSendmail,
    SingleLine,
    /// Leading or trailing spaces: allowed, but they break logins (a warning).
    Untrimmed,
    NotANumber(String),
    /// A whole number too large (or negative) for its field.
    NumberRange {
        value: String,
        max: u64,
    },
    /// Not 10 digits.
    NotANip(String),
    /// 10 digits whose check digit does not match.
    NipChecksum(String),
    TooLong {
        value: String,
        max: usize,
    },
    TooShort {
        min: usize,
    },
    /// Another element of the list has it already.
    Taken(String),
    OptimaOnly,
    NotAnEdeliveryAddress(String),
    /// The private key cannot be used; the detail says why (English).
    BadPrivateKey(String),
    RequiredWithDomain,
    NotADomain(String),
    NotAUrl(String),
    UnknownMask {
        mask: String,
        allowed: String,
    },
    AtLeastOne,
    NotAUuid(String),
}

impl Problem {
    pub fn english(&self) -> String {
        match self {
            Problem::Required => "is required".into(),
            Problem::RequiredWhenEnabled => "is required when sending is enabled".into(),
            Problem::NotAnAddress(v) => format!("`{v}` is not an e-mail address (user@domain)"),
            Problem::NotAHost(v) => format!("`{v}` is not a host name or IP address"),
            Problem::PortRange => "must be between 1 and 65535 (usually 25, 465 or 587)".into(),
            Problem::AbsolutePath => "must be an absolute path such as /usr/sbin/sendmail".into(),
            Problem::OAuthWithSendmail => {
                "Microsoft 365 (OAuth2) cannot be used when mail is handed to sendmail; choose smtp"
                    .into()
            }
            Problem::SingleLine => "must be a single line without control characters".into(),
            Problem::Untrimmed => {
                "has leading or trailing spaces, which break authorization; trim it".into()
            }
            Problem::NotANumber(v) => format!("`{v}` is not a number"),
            Problem::NumberRange { value, max } => {
                format!("`{value}` is out of range: a whole number from 0 to {max}")
            }
            Problem::NotANip(v) => format!("`{v}` is not a NIP: it must have 10 digits"),
            Problem::NipChecksum(v) => {
                format!("`{v}` is not a valid NIP: the check digit does not match")
            }
            Problem::TooLong { value, max } => {
                format!("`{value}` is longer than {max} characters")
            }
            Problem::TooShort { min } => format!("must have at least {min} characters"),
            Problem::Taken(v) => format!("`{v}` is already used by another entry"),
            Problem::OptimaOnly => "is only used with the Optima ERP system; leave it empty".into(),
            Problem::NotAnEdeliveryAddress(v) => {
                format!("`{v}` is not an e-Delivery address (AE:PL-XXXXX-XXXXX-XXXXX-XX)")
            }
            Problem::BadPrivateKey(why) => why.clone(),
            Problem::RequiredWithDomain => "is required when use_domain is on".into(),
            Problem::NotADomain(v) => format!("`{v}` is not a domain name"),
            Problem::NotAUrl(v) => {
                format!("`{v}` is not an http(s) URL such as http://server/web/documents/")
            }
            Problem::UnknownMask { mask, allowed } => {
                format!("unknown mask {{{mask}}}; this template allows {allowed}")
            }
            Problem::AtLeastOne => "must be at least 1".into(),
            Problem::NotAUuid(v) => format!("`{v}` is not a UUID"),
        }
    }
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
            problem: None,
        }
    }

    pub fn problem(field: impl Into<String>, problem: Problem) -> Self {
        FieldError {
            field: field.into(),
            message: problem.english(),
            problem: Some(problem),
        }
    }

    /// The same error under a parent key (`mail_server` + `port` -> `mail_server.port`).
    pub fn within(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
