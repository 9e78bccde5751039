//! One typed struct per settings tab (SPEC §1-8), each with a `validate()` that names
//! the bad field. No I/O here: `service` loads and saves them.

mod api_auth;
mod api_systems;
mod domain;
mod erp;
mod fields;
mod mail_server;
mod private_key;
pub mod render;
mod secrets_walk;
mod service;
mod storage;
mod templates;
mod tools;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use crate::model::{FieldError, Problem};
pub use api_auth::ApiAuthSettings;
pub use api_systems::{ApiSystem, ApiSystemsSettings, MIN_NAME_CHARS as MIN_API_SYSTEM_NAME_CHARS};
pub use domain::DomainSettings;
pub use erp::{
    ErpAuth, ErpCompany, ErpConnection, ErpSettings, ErpSystem, MAX_ABBREVIATION_CHARS,
    check_edelivery_address, check_nip,
};
pub use fields::{check_addr_spec, check_host, check_mailbox};
pub use mail_server::{AuthMethod, Encryption, MailServerSettings, SendWith};
pub use private_key::{KeyInfo, describe_private_key};
pub use secrets_walk::{MASK, mask_secrets};
pub use service::{Actor, FieldChange, Settings, Versioned, diff as changed_fields};
pub use storage::StorageSettings;
pub use templates::{Template, TemplateKey, TemplatesSettings, masks_in};
pub use tools::ToolsSettings;

/// The settings tabs, in the order the console shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tab {
    MailServer,
    Templates,
    ApiAuth,
    Erp,
    Domain,
    Tools,
    ApiSystems,
    Storage,
}

impl Tab {
    pub const ALL: [Tab; 8] = [
        Tab::MailServer,
        Tab::Templates,
        Tab::ApiAuth,
        Tab::Erp,
        Tab::Domain,
        Tab::Tools,
        Tab::ApiSystems,
        Tab::Storage,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Tab::MailServer => MailServerSettings::KEY,
            Tab::Templates => TemplatesSettings::KEY,
            Tab::ApiAuth => ApiAuthSettings::KEY,
            Tab::Erp => ErpSettings::KEY,
            Tab::Domain => DomainSettings::KEY,
            Tab::Tools => ToolsSettings::KEY,
            Tab::ApiSystems => ApiSystemsSettings::KEY,
            Tab::Storage => StorageSettings::KEY,
        }
    }

    pub fn secret_fields(self) -> &'static [&'static str] {
        match self {
            Tab::MailServer => MailServerSettings::SECRET_FIELDS,
            Tab::Templates => TemplatesSettings::SECRET_FIELDS,
            Tab::ApiAuth => ApiAuthSettings::SECRET_FIELDS,
            Tab::Erp => ErpSettings::SECRET_FIELDS,
            Tab::Domain => DomainSettings::SECRET_FIELDS,
            Tab::Tools => ToolsSettings::SECRET_FIELDS,
            Tab::ApiSystems => ApiSystemsSettings::SECRET_FIELDS,
            Tab::Storage => StorageSettings::SECRET_FIELDS,
        }
    }

    /// Parses a document of this tab, checks it, and returns it in canonical form
    /// (every field present, defaults filled). Errors name the field.
    pub fn check_json(
        self,
        value: serde_json::Value,
    ) -> Result<serde_json::Value, Vec<FieldError>> {
        match self {
            Tab::MailServer => canonical::<MailServerSettings>(value),
            Tab::Templates => canonical::<TemplatesSettings>(value),
            Tab::ApiAuth => canonical::<ApiAuthSettings>(value),
            Tab::Erp => canonical::<ErpSettings>(value),
            Tab::Domain => canonical::<DomainSettings>(value),
            Tab::Tools => canonical::<ToolsSettings>(value),
            Tab::ApiSystems => canonical::<ApiSystemsSettings>(value),
            Tab::Storage => canonical::<StorageSettings>(value),
        }
    }

    /// A new element of one of the tab's lists (`erp` `companies`, `api_systems`
    /// `systems`): every field at its default and a fresh id.
    pub fn new_list_item(self, list: &str) -> Option<serde_json::Value> {
        match (self, list) {
            (Tab::Erp, "companies") => serde_json::to_value(ErpCompany::default()).ok(),
            (Tab::ApiSystems, "systems") => serde_json::to_value(ApiSystem::new("")).ok(),
            _ => None,
        }
    }

    /// The tab's defaults as JSON.
    pub fn default_json(self) -> serde_json::Value {
        fn json<T: SettingsTab>() -> serde_json::Value {
            serde_json::to_value(T::default()).unwrap_or_default()
        }
        match self {
            Tab::MailServer => json::<MailServerSettings>(),
            Tab::Templates => json::<TemplatesSettings>(),
            Tab::ApiAuth => json::<ApiAuthSettings>(),
            Tab::Erp => json::<ErpSettings>(),
            Tab::Domain => json::<DomainSettings>(),
            Tab::Tools => json::<ToolsSettings>(),
            Tab::ApiSystems => json::<ApiSystemsSettings>(),
            Tab::Storage => json::<StorageSettings>(),
        }
    }
}

impl fmt::Display for Tab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for Tab {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Tab::ALL.into_iter().find(|t| t.key() == s).ok_or_else(|| {
            format!(
                "`{s}` is not a settings tab ({})",
                Tab::ALL.map(Tab::key).join(", ")
            )
        })
    }
}

/// What every tab's struct offers.
pub trait SettingsTab: Serialize + DeserializeOwned + Default + Clone + PartialEq {
    const KEY: &'static str;
    /// Key paths of secret fields; `*` stands for every element of a list.
    const SECRET_FIELDS: &'static [&'static str] = &[];
    const TAB: Tab;

    /// Every error, each naming its field (relative to the tab).
    fn validate(&self) -> Vec<FieldError>;

    /// Things that are allowed but probably wrong (leading spaces in a login...).
    fn warnings(&self) -> Vec<FieldError> {
        Vec::new()
    }
}

fn canonical<T: SettingsTab>(
    value: serde_json::Value,
) -> Result<serde_json::Value, Vec<FieldError>> {
    let typed: T = serde_path_to_error::deserialize(value).map_err(|e| vec![serde_error(&e)])?;
    let errors = typed.validate();
    if !errors.is_empty() {
        return Err(errors);
    }
    serde_json::to_value(&typed).map_err(|e| vec![FieldError::new("(document)", e.to_string())])
}

/// A value serde refused, named by its path in the tab (`port`, `companies[1].x`); a
/// number out of its field's range said as such.
fn serde_error(e: &serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let msg = e.inner().to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    let path = e.path().to_string();
    if let Some(field) = msg
        .strip_prefix("unknown field `")
        .and_then(|r| r.split('`').next())
    {
        // The path names the unknown field itself.
        let field = match path.as_str() {
            "." | "" => field.to_string(),
            p => p.to_string(),
        };
        return FieldError::new(field, msg);
    }
    let field = if path == "." || path.is_empty() {
        "(document)".to_string()
    } else {
        path
    };
    // "invalid value: integer `99999`, expected u16"
    let out_of_range = msg
        .strip_prefix("invalid value: integer `")
        .and_then(|r| r.split_once("`, expected "))
        .and_then(|(value, ty)| {
            let max = match ty {
                "u8" => u64::from(u8::MAX),
                "u16" => u64::from(u16::MAX),
                "u32" => u64::from(u32::MAX),
                _ => return None,
            };
            Some((value.to_string(), max))
        });
    match out_of_range {
        Some(_) if field == "port" || field.ends_with(".port") => {
            FieldError::problem(field, Problem::PortRange)
        }
        Some((value, max)) => FieldError::problem(field, Problem::NumberRange { value, max }),
        None => FieldError::new(field, msg),
    }
}

/// Text that must fit on one line (header values, names).
pub(crate) fn single_line(field: &str, value: &str, errors: &mut Vec<FieldError>) {
    if value.chars().any(|c| c.is_control()) {
        errors.push(FieldError::problem(field, Problem::SingleLine));
    }
}

/// Leading or trailing spaces silently break logins in the source system.
pub(crate) fn whitespace_warning(field: &str, value: &str, out: &mut Vec<FieldError>) {
    if value != value.trim() {
        out.push(FieldError::problem(field, Problem::Untrimmed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(tab: Tab, doc: serde_json::Value) -> Vec<FieldError> {
        tab.check_json(doc).err().unwrap_or_default()
    }

    #[test]
    fn values_serde_refuses_are_named_by_field_and_said_plainly() {
        let e = errors(Tab::MailServer, json!({"port": 99999}));
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "port");
        assert_eq!(e[0].problem, Some(Problem::PortRange));
        let e = errors(
            Tab::Tools,
            json!({"anonymize_after_days": 5_000_000_000u64}),
        );
        assert_eq!(e[0].field, "anonymize_after_days");
        assert_eq!(
            e[0].problem,
            Some(Problem::NumberRange {
                value: "5000000000".into(),
                max: u64::from(u32::MAX)
            })
        );
        assert!(!e[0].message.contains("expected u32"), "{}", e[0].message);
        let e = errors(Tab::MailServer, json!({"prot": 25}));
        assert_eq!(e[0].field, "prot");
        let e = errors(Tab::MailServer, json!({"port": "x"}));
        assert_eq!(e[0].field, "port");
    }
}
