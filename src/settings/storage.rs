//! File storage tab [Przechowywanie plików] (SPEC §8).

use serde::{Deserialize, Serialize};

use super::{FieldError, SettingsTab, Tab, single_line};
use crate::secrets::Secret;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSettings {
    /// Default repository operator (login), chosen from the operators list.
    pub default_repository_operator: String,
    pub ibard_login: String,
    pub ibard_password: Secret,
    /// Set after a successful IBARD authorization ("Logged in user ...").
    pub ibard_logged_in_user: String,
}

impl SettingsTab for StorageSettings {
    const KEY: &'static str = "storage";
    const SECRET_FIELDS: &'static [&'static str] = &["ibard_password"];
    const TAB: Tab = Tab::Storage;

    fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        single_line(
            "default_repository_operator",
            &self.default_repository_operator,
            &mut e,
        );
        single_line("ibard_login", &self.ibard_login, &mut e);
        e
    }

    fn warnings(&self) -> Vec<FieldError> {
        let mut w = Vec::new();
        super::whitespace_warning("ibard_login", &self.ibard_login, &mut w);
        w
    }
}
