//! Tools tab [Narzędzia] (SPEC §6).

use serde::{Deserialize, Serialize};

use super::{FieldError, Problem, SettingsTab, Tab};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ToolsSettings {
    /// [Weryfikacja dwuetapowa podczas logowania]: every operator must use it.
    pub enforce_two_step_verification: bool,
    /// Personal data protection: archived mails older than this many days are the ones
    /// the anonymize action touches.
    pub anonymize_after_days: u32,
    /// [Weryfikacja uprawnień na dokumentach]: shown only with the config key
    /// `use_new_mode_of_document_permissions`.
    pub verify_document_permissions: bool,
}

impl Default for ToolsSettings {
    fn default() -> Self {
        ToolsSettings {
            enforce_two_step_verification: false,
            anonymize_after_days: 365,
            verify_document_permissions: false,
        }
    }
}

impl SettingsTab for ToolsSettings {
    const KEY: &'static str = "tools";
    const TAB: Tab = Tab::Tools;

    fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        if self.anonymize_after_days == 0 {
            e.push(FieldError::problem(
                "anonymize_after_days",
                Problem::AtLeastOne,
            ));
        }
        e
    }
}
