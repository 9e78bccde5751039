//! API authorization tab [Autoryzacja API] (SPEC §3), single-company mode.

use serde::{Deserialize, Serialize};

use super::{FieldError, SettingsTab, Tab, single_line, whitespace_warning};
use crate::secrets::Secret;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiAuthSettings {
    pub company_name: String,
    /// Default ERP operator login.
    pub login: String,
    pub password: Secret,
}

impl SettingsTab for ApiAuthSettings {
    const KEY: &'static str = "api_auth";
    const SECRET_FIELDS: &'static [&'static str] = &["password"];
    const TAB: Tab = Tab::ApiAuth;

    fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        single_line("company_name", &self.company_name, &mut e);
        single_line("login", &self.login, &mut e);
        e
    }

    fn warnings(&self) -> Vec<FieldError> {
        let mut w = Vec::new();
        whitespace_warning("company_name", &self.company_name, &mut w);
        whitespace_warning("login", &self.login, &mut w);
        whitespace_warning("password", self.password.expose(), &mut w);
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_are_warned_about_not_refused() {
        let s = ApiAuthSettings {
            company_name: "Firma ".into(),
            login: " admin".into(),
            password: Secret::new("p"),
        };
        assert!(s.validate().is_empty());
        let w: Vec<String> = s.warnings().into_iter().map(|w| w.field).collect();
        assert_eq!(w, ["company_name", "login"]);
    }
}
