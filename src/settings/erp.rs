//! ERP connections tab [Połączenia z ERP] (SPEC §4), multi-company mode: one entry per
//! company.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::private_key::describe_private_key;
use super::{
    FieldError, Problem, SettingsTab, Tab, domain::validate_domain, single_line, whitespace_warning,
};
use crate::secrets::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErpSystem {
    #[default]
    Standalone,
    Altum,
    Xl,
    Optima,
    Enterprise,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErpAuth {
    /// Windows (integrated) authentication.
    #[default]
    Windows,
    /// SQL Server login and password.
    Sql,
}

/// The ERP database connection [Połączenie].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ErpConnection {
    pub server: String,
    pub database: String,
    pub auth: ErpAuth,
    pub user: String,
    pub password: Secret,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ErpCompany {
    pub id: String,
    pub erp_system: ErpSystem,
    pub connection: ErpConnection,
    pub company_name: String,
    /// Optima only: shown in the login list and searched instead of the company name.
    pub display_name: String,
    /// At most 5 characters, unique.
    pub abbreviation: String,
    pub license_server: String,
    pub login: String,
    pub password: Secret,
    pub use_domain: bool,
    pub domain_name: String,
    /// Empty means every group ("All").
    pub group: String,
    /// Polish NIP; dashes allowed on input.
    pub nip: String,
    pub ksef_token: Secret,
    /// e-Delivery (e-Doręczenia) address `AE:PL-XXXXX-XXXXX-XXXXX-XX`.
    pub edelivery_address: String,
    pub edelivery_system_name: String,
    /// PEM private key (PKCS#8, RSA or EC).
    pub private_key: Secret,
}

impl Default for ErpCompany {
    fn default() -> Self {
        ErpCompany {
            id: uuid::Uuid::new_v4().to_string(),
            erp_system: ErpSystem::default(),
            connection: ErpConnection::default(),
            company_name: String::new(),
            display_name: String::new(),
            abbreviation: String::new(),
            license_server: String::new(),
            login: String::new(),
            password: Secret::default(),
            use_domain: false,
            domain_name: String::new(),
            group: String::new(),
            nip: String::new(),
            ksef_token: Secret::default(),
            edelivery_address: String::new(),
            edelivery_system_name: String::new(),
            private_key: Secret::default(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ErpSettings {
    pub companies: Vec<ErpCompany>,
}

pub const MAX_ABBREVIATION_CHARS: usize = 5;

impl SettingsTab for ErpSettings {
    const KEY: &'static str = "erp";
    const SECRET_FIELDS: &'static [&'static str] = &[
        "companies/*/password",
        "companies/*/ksef_token",
        "companies/*/private_key",
        "companies/*/connection/password",
    ];
    const TAB: Tab = Tab::Erp;

    fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        let mut names = HashSet::new();
        let mut abbreviations = HashSet::new();
        let mut ids = HashSet::new();
        for (i, c) in self.companies.iter().enumerate() {
            let at = format!("companies[{i}]");
            let mut ce = c.validate();
            if !c.company_name.trim().is_empty()
                && !names.insert(c.company_name.trim().to_lowercase())
            {
                ce.push(FieldError::problem(
                    "company_name",
                    Problem::Taken(c.company_name.trim().into()),
                ));
            }
            if !c.abbreviation.trim().is_empty()
                && !abbreviations.insert(c.abbreviation.trim().to_lowercase())
            {
                ce.push(FieldError::problem(
                    "abbreviation",
                    Problem::Taken(c.abbreviation.trim().into()),
                ));
            }
            if !ids.insert(c.id.clone()) {
                ce.push(FieldError::new("id", "is used twice"));
            }
            e.extend(ce.into_iter().map(|f| f.within(&at)));
        }
        e
    }

    fn warnings(&self) -> Vec<FieldError> {
        let mut w = Vec::new();
        for (i, c) in self.companies.iter().enumerate() {
            let mut cw = Vec::new();
            whitespace_warning("login", &c.login, &mut cw);
            whitespace_warning("company_name", &c.company_name, &mut cw);
            w.extend(cw.into_iter().map(|f| f.within(&format!("companies[{i}]"))));
        }
        w
    }
}

impl ErpCompany {
    /// This company's own errors (uniqueness across companies is checked by the list).
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        if uuid::Uuid::parse_str(&self.id).is_err() {
            e.push(FieldError::problem(
                "id",
                Problem::NotAUuid(self.id.clone()),
            ));
        }
        if self.company_name.trim().is_empty() {
            e.push(FieldError::problem("company_name", Problem::Required));
        }
        single_line("company_name", &self.company_name, &mut e);
        let abbr = self.abbreviation.trim();
        if abbr.is_empty() {
            e.push(FieldError::problem("abbreviation", Problem::Required));
        } else if abbr.chars().count() > MAX_ABBREVIATION_CHARS {
            e.push(FieldError::problem(
                "abbreviation",
                Problem::TooLong {
                    value: abbr.into(),
                    max: MAX_ABBREVIATION_CHARS,
                },
            ));
        }
        if !self.display_name.is_empty() && self.erp_system != ErpSystem::Optima {
            e.push(FieldError::problem("display_name", Problem::OptimaOnly));
        }
        if !self.nip.trim().is_empty()
            && let Err(p) = check_nip(&self.nip)
        {
            e.push(FieldError::problem("nip", p));
        }
        if !self.edelivery_address.trim().is_empty()
            && let Err(p) = check_edelivery_address(&self.edelivery_address)
        {
            e.push(FieldError::problem("edelivery_address", p));
        }
        if !self.private_key.is_empty()
            && let Err(m) = describe_private_key(self.private_key.expose())
        {
            e.push(FieldError::problem(
                "private_key",
                Problem::BadPrivateKey(m),
            ));
        }
        e.extend(validate_domain(self.use_domain, &self.domain_name));
        e
    }
}

/// Polish tax id: 10 digits (dashes and spaces allowed), weights 6,5,7,2,3,4,5,6,7,
/// sum mod 11 equal to the last digit.
pub fn check_nip(value: &str) -> Result<String, Problem> {
    let digits: String = value.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    if digits.len() != 10 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(Problem::NotANip(value.into()));
    }
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = [6, 5, 7, 2, 3, 4, 5, 6, 7]
        .iter()
        .zip(&d)
        .map(|(w, x)| w * x)
        .sum();
    if sum % 11 == 10 || sum % 11 != d[9] {
        return Err(Problem::NipChecksum(value.into()));
    }
    Ok(digits)
}

/// `AE:PL-XXXXX-XXXXX-XXXXX-XX`, X a digit or capital letter.
pub fn check_edelivery_address(value: &str) -> Result<(), Problem> {
    let v = value.trim();
    let ok = v.strip_prefix("AE:PL-").is_some_and(|rest| {
        let groups: Vec<&str> = rest.split('-').collect();
        groups.len() == 4
            && groups.iter().zip([5, 5, 5, 2]).all(|(g, n)| {
                g.len() == n
                    && g.chars()
                        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            })
    });
    if ok {
        Ok(())
    } else {
        Err(Problem::NotAnEdeliveryAddress(value.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nip_vectors() {
        // Weights 6,5,7,2,3,4,5,6,7 over 526000124 give 127, 127 mod 11 = 6.
        assert_eq!(check_nip("526-000-12-46").unwrap(), "5260001246");
        assert!(check_nip("5260001241").is_err());
        assert!(check_nip("123").is_err());
        assert!(check_nip("12345678ab").is_err());
        for valid in ["677-006-54-06", "106 000 00 62", "7740001454", "1234563218"] {
            assert!(check_nip(valid).is_ok(), "{valid}");
        }
        for invalid in [
            "1234567890",
            "7740001455",
            "77400014544",
            "PL7740001454",
            "",
        ] {
            assert!(check_nip(invalid).is_err(), "{invalid}");
        }
        // A weighted sum of 10 mod 11 can never match a check digit.
        assert!(check_nip("1000000160").is_err());
    }

    #[test]
    fn edelivery_format() {
        assert!(check_edelivery_address("AE:PL-12345-67890-ABCDE-12").is_ok());
        assert!(check_edelivery_address("AE:PL-1234-67890-ABCDE-12").is_err());
        assert!(check_edelivery_address("PL-12345-67890-ABCDE-12").is_err());
        assert!(check_edelivery_address("AE:PL-12345-67890-abcde-12").is_err());
        assert!(check_edelivery_address("AE:PL-12345-67890-ABCDE-12-3").is_err());
    }

    #[test]
    fn company_rules() {
        let s = ErpSettings {
            companies: vec![
                ErpCompany {
                    company_name: "Firma".into(),
                    abbreviation: "TOOLONG".into(),
                    display_name: "F".into(),
                    ..Default::default()
                },
                ErpCompany {
                    company_name: "firma".into(),
                    abbreviation: "F2".into(),
                    ..Default::default()
                },
            ],
        };
        let f: Vec<String> = s.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(
            f,
            [
                "companies[0].abbreviation",
                "companies[0].display_name",
                "companies[1].company_name"
            ]
        );
    }
}
