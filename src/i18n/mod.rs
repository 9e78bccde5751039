//! Every string the console shows, in English and Polish. `catalog` holds the fixed
//! strings (one line each, both languages side by side), `messages` the ones with
//! arguments, `problems` and `errors` the wording of what went wrong, from data,
//! `worklog` the work log's common entries in the reader's language, `foreign` the
//! known English that reaches the console from the sender and the operating system.

mod catalog;
pub mod clock;
mod errors;
pub mod foreign;
pub mod messages;
mod problems;
pub mod worklog;

use std::fmt;

pub use catalog::Txt;
pub use errors::error;
pub use problems::problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Pl,
}

impl Lang {
    /// `--lang`, then config `language`, then `LC_ALL` / `LC_MESSAGES` / `LANG`.
    pub fn choose(flag: Option<&str>, config: Option<&str>) -> Lang {
        let from_env = || {
            ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        };
        let code = flag
            .map(str::to_string)
            .or_else(|| config.map(str::to_string))
            .or_else(from_env)
            .unwrap_or_default();
        if code.to_lowercase().starts_with("pl") {
            Lang::Pl
        } else {
            Lang::En
        }
    }
}

/// Text in the chosen language, for `format!`.
pub struct Tr(pub Txt, pub Lang);

impl fmt::Display for Tr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.t(self.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_choice() {
        assert_eq!(Lang::choose(Some("pl"), Some("en")), Lang::Pl);
        assert_eq!(Lang::choose(None, Some("pl")), Lang::Pl);
        assert_eq!(Lang::choose(Some("en"), None), Lang::En);
    }

    #[test]
    fn polish_labels_follow_the_spec() {
        assert_eq!(Txt::TabMailServer.t(Lang::Pl), "Serwer pocztowy");
        assert_eq!(Txt::TabQueue.t(Lang::Pl), "Kolejka poczty");
        assert_eq!(Txt::TabWorkLog.t(Lang::Pl), "Dziennik");
    }
}
