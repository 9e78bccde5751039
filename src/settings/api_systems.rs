//! API systems tab [API] (SPEC §7): systems that work with the DMS through its API.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{FieldError, Problem, SettingsTab, Tab, single_line};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSystem {
    /// UUID generated on creation.
    #[serde(default = "new_id")]
    pub id: String,
    pub name: String,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl ApiSystem {
    pub fn new(name: impl Into<String>) -> Self {
        ApiSystem {
            id: new_id(),
            name: name.into(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiSystemsSettings {
    pub systems: Vec<ApiSystem>,
}

/// Names shorter than this cannot be added (the Add button stays disabled).
pub const MIN_NAME_CHARS: usize = 2;

impl SettingsTab for ApiSystemsSettings {
    const KEY: &'static str = "api_systems";
    const TAB: Tab = Tab::ApiSystems;

    fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        let mut names = HashSet::new();
        let mut ids = HashSet::new();
        for (i, s) in self.systems.iter().enumerate() {
            let field = |f: &str| format!("systems[{i}].{f}");
            if s.name.trim().chars().count() < MIN_NAME_CHARS {
                e.push(FieldError::problem(
                    field("name"),
                    Problem::TooShort {
                        min: MIN_NAME_CHARS,
                    },
                ));
            } else if !names.insert(s.name.trim().to_lowercase()) {
                e.push(FieldError::problem(
                    field("name"),
                    Problem::Taken(s.name.trim().into()),
                ));
            }
            single_line(&field("name"), &s.name, &mut e);
            if uuid::Uuid::parse_str(&s.id).is_err() {
                e.push(FieldError::problem(
                    field("id"),
                    Problem::NotAUuid(s.id.clone()),
                ));
            } else if !ids.insert(s.id.to_lowercase()) {
                e.push(FieldError::new(field("id"), "is used twice"));
            }
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_long_enough() {
        let s = ApiSystemsSettings {
            systems: vec![
                ApiSystem::new("Comarch HRM"),
                ApiSystem::new("comarch hrm "),
                ApiSystem::new("X"),
            ],
        };
        let f: Vec<String> = s.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(f, ["systems[1].name", "systems[2].name"]);
    }
}
