//! Domain tab [Domena] (SPEC §5), single-company mode.

use serde::{Deserialize, Serialize};

use super::{FieldError, Problem, SettingsTab, Tab, check_host};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DomainSettings {
    pub use_domain: bool,
    pub domain_name: String,
    /// Empty means every group ("All" [Wszystkie]).
    pub group: String,
}

impl SettingsTab for DomainSettings {
    const KEY: &'static str = "domain";
    const TAB: Tab = Tab::Domain;

    fn validate(&self) -> Vec<FieldError> {
        validate_domain(self.use_domain, &self.domain_name)
    }
}

/// Shared with each ERP company, which carries the same fields.
pub(crate) fn validate_domain(use_domain: bool, domain_name: &str) -> Vec<FieldError> {
    let mut e = Vec::new();
    if domain_name.trim().is_empty() {
        if use_domain {
            e.push(FieldError::problem(
                "domain_name",
                Problem::RequiredWithDomain,
            ));
        }
    } else if check_host(domain_name).is_err() {
        e.push(FieldError::problem(
            "domain_name",
            Problem::NotADomain(domain_name.into()),
        ));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_required_when_used() {
        let mut d = DomainSettings {
            use_domain: true,
            ..Default::default()
        };
        assert_eq!(d.validate()[0].field, "domain_name");
        d.domain_name = "firma.local".into();
        assert!(d.validate().is_empty());
        d.domain_name = "firma local".into();
        assert_eq!(d.validate().len(), 1);
    }
}
