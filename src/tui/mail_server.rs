//! The Mail server pane [Serwer pocztowy] (SPEC §1): the account form, presets, the
//! connection check and the test message. View state only; loads and saves are
//! Commands.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;

use super::form::{Field, Form};
use super::msg::Command;
use crate::i18n::Txt;
use crate::sender::check::CheckReport;
use crate::settings::{FieldError, Tab};

/// A ready configuration [Przykłady konfiguracji poczty].
pub struct Preset {
    pub name: &'static str,
    pub server: &'static str,
    pub port: i64,
    pub encryption: &'static str,
    pub auth: &'static str,
    pub hint_en: &'static str,
    pub hint_pl: &'static str,
}

pub const PRESETS: [Preset; 4] = [
    Preset {
        name: "WP",
        server: "smtp.wp.pl",
        port: 587,
        encryption: "auto",
        auth: "password",
        hint_en: "Login: the user name without @wp.pl.",
        hint_pl: "Login: nazwa użytkownika bez domeny.",
    },
    Preset {
        name: "Onet",
        server: "smtp.poczta.onet.pl",
        port: 465,
        encryption: "auto",
        auth: "password",
        hint_en: "Login: the full address.",
        hint_pl: "Login: pełny adres email.",
    },
    Preset {
        name: "Gmail",
        server: "smtp.gmail.com",
        port: 465,
        encryption: "auto",
        auth: "password",
        hint_en: "Login: the full address; password: a 16-character app password (2-step verification on). OAuth2 is not supported.",
        hint_pl: "Login: pełny adres; hasło: 16-znakowe hasło aplikacji (weryfikacja dwuetapowa włączona). OAuth2 nie jest obsługiwane.",
    },
    Preset {
        name: "Microsoft 365",
        server: "smtp.office365.com",
        port: 587,
        encryption: "starttls",
        auth: "oauth2",
        hint_en: "OAuth2: save, then a (Authorize) signs in with a code.",
        hint_pl: "OAuth2: zapisz, potem a (Autoryzacja) loguje kodem.",
    },
];

/// What the test message turned into.
#[derive(Debug, Clone, PartialEq)]
pub enum TestOutcome {
    Waiting,
    Delivered(String),
    NotDelivered(String),
}

use super::modal::Conflict;

pub struct MailServerView {
    pub account: Form,
    pub test: Form,
    /// Which form the keys go to: the account (false) or the test message (true).
    pub in_test: bool,
    pub stored: Value,
    pub version: i64,
    pub loaded: bool,
    pub preset_hint: Option<usize>,
    pub checking: bool,
    /// Steps of the running check, in the order they started.
    pub check_progress: Vec<&'static str>,
    pub check: Option<CheckReport>,
    pub test_mail: Option<(i64, TestOutcome)>,
    /// Who is signed in to Microsoft 365, as stored.
    pub sign_in_status: Option<crate::oauth::TokenStatus>,
}

impl Default for MailServerView {
    fn default() -> Self {
        Self::new(crate::i18n::Lang::En)
    }
}

impl MailServerView {
    pub fn new(lang: crate::i18n::Lang) -> Self {
        let mut account = Form::new(vec![
            Field::select(
                "send_with",
                Txt::FSendWith,
                vec![("smtp", Txt::OSmtp), ("sendmail", Txt::OSendmail)],
            ),
            Field::read_only("profile", Txt::SecProfile, ""),
            Field::yes_no("enabled", Txt::FEnabled),
            Field::text("account_name", Txt::FAccountName),
            Field::text("from_address", Txt::FFromAddress),
            Field::text("display_name", Txt::FDisplayName),
            Field::text("reply_to", Txt::FReplyTo),
            Field::text("description", Txt::FDescription),
            Field::read_only("server_type", Txt::FServerType, "SMTP"),
            Field::text("server_name", Txt::FServerName),
            Field::number("port", Txt::FPort),
            Field::select(
                "encryption",
                Txt::FEncryption,
                vec![
                    ("none", Txt::ONone),
                    ("auto", Txt::OAuto),
                    ("ssl", Txt::OSsl),
                    ("starttls", Txt::OStarttls),
                ],
            ),
            Field::select(
                "auth_method",
                Txt::FAuthMethod,
                vec![("password", Txt::OPassword), ("oauth2", Txt::OOauth2)],
            ),
            Field::text("login", Txt::FLogin),
            Field::secret("password", Txt::FPassword),
            Field::text("sendmail_path", Txt::FSendmailPath),
        ]);
        account.lang = lang;
        let mut test = Form::new(vec![
            Field::text("to", Txt::FRecipient),
            Field::text("subject", Txt::FSubject),
            Field::multi_line("body", Txt::FBody),
            Field::text("attachment", Txt::FAttachment),
        ]);
        test.lang = lang;
        let mut v = MailServerView {
            account,
            test,
            in_test: false,
            stored: Value::Null,
            version: 0,
            loaded: false,
            preset_hint: None,
            checking: false,
            check_progress: Vec::new(),
            check: None,
            test_mail: None,
            sign_in_status: None,
        };
        v.refresh_sections();
        v
    }

    pub fn dirty(&self) -> bool {
        self.account.dirty
    }

    /// Whether the focused field takes Enter and arrows itself (several lines of text).
    pub fn focused_multi_line(&self) -> bool {
        let form = if self.in_test {
            &self.test
        } else {
            &self.account
        };
        form.focused().is_some_and(|f| f.is_multi_line())
    }

    pub fn editing(&self) -> bool {
        if self.in_test {
            self.test.editing
        } else {
            self.account.editing
        }
    }

    /// Sections follow `send_with` (sendmail: profile, no encryption or login) and the
    /// authentication method (OAuth2: no password).
    pub fn refresh_sections(&mut self) {
        let sendmail = self.account.value("send_with") == "sendmail";
        let oauth = self.account.value("auth_method") == "oauth2";
        let mut hidden = std::collections::HashSet::new();
        if sendmail {
            hidden.extend([
                "server_type",
                "server_name",
                "port",
                "encryption",
                "auth_method",
                "login",
                "password",
            ]);
        } else {
            hidden.extend(["profile", "sendmail_path"]);
        }
        if oauth {
            hidden.insert("password");
        }
        self.account.hidden = hidden;
        if let Some(f) = self.account.get_mut("profile") {
            f.input = super::form::Input::ReadOnly(
                self.stored
                    .get("sendmail_path")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            );
        }
        self.account.settle_focus();
        self.test.settle_focus();
    }

    pub fn loaded(&mut self, doc: Value, version: i64) {
        self.account.load(&doc);
        self.stored = doc;
        self.version = version;
        self.loaded = true;
        self.refresh_sections();
    }

    /// Ctrl-S: the document to save, or errors kept on the form.
    pub fn save(&mut self) -> Vec<Command> {
        match self.account.document(&self.stored) {
            Some(doc) => vec![Command::SaveSettings {
                tab: Tab::MailServer,
                doc,
                version: self.version,
            }],
            None => Vec::new(),
        }
    }

    pub fn invalid(&mut self, errors: &[FieldError]) {
        self.account.show_errors(errors);
        self.in_test = false;
    }

    /// Someone else saved first: the account fields that differ.
    pub fn conflicted(&mut self, theirs: Value, version: i64) -> Conflict {
        let mine = self.account.document(&self.stored).unwrap_or(Value::Null);
        let differences = self
            .account
            .fields
            .iter()
            .filter(|f| !self.account.hidden.contains(f.key))
            .filter_map(|f| {
                let a = mine.get(f.key).cloned().unwrap_or(Value::Null);
                let b = theirs.get(f.key).cloned().unwrap_or(Value::Null);
                (a != b).then(|| (f.key.to_string(), plain(&a), plain(&b)))
            })
            .collect();
        Conflict {
            theirs,
            version,
            differences,
        }
    }

    pub fn apply_preset(&mut self, i: usize) {
        let Some(p) = PRESETS.get(i) else { return };
        let set = |form: &mut Form, key: &str, v: Value| {
            if let Some(f) = form.get_mut(key) {
                f.set(&v);
            }
        };
        set(&mut self.account, "send_with", Value::from("smtp"));
        set(&mut self.account, "server_name", Value::from(p.server));
        set(&mut self.account, "port", Value::from(p.port));
        set(&mut self.account, "encryption", Value::from(p.encryption));
        set(&mut self.account, "auth_method", Value::from(p.auth));
        self.account.dirty = true;
        self.preset_hint = Some(i);
        self.refresh_sections();
    }

    /// The test message to queue, if the recipient and subject are there.
    pub fn test_message(&mut self) -> Vec<Command> {
        let to = self.test.value("to");
        let subject = self.test.value("subject");
        let mut missing = Vec::new();
        if to.trim().is_empty() {
            missing.push(FieldError::problem(
                "to",
                crate::settings::Problem::Required,
            ));
        }
        if subject.trim().is_empty() {
            missing.push(FieldError::problem(
                "subject",
                crate::settings::Problem::Required,
            ));
        }
        if !missing.is_empty() {
            self.test.show_errors(&missing);
            return Vec::new();
        }
        let attachment = Some(self.test.value("attachment")).filter(|a| !a.trim().is_empty());
        vec![Command::SendTest {
            to,
            subject,
            body: self.test.value("body"),
            attachment,
        }]
    }

    /// Tab in the attachment field: complete the path as far as it is unambiguous.
    pub fn complete_path(&mut self) -> bool {
        let Some(field) = self.test.get_mut("attachment") else {
            return false;
        };
        let current = field.text_value();
        match complete(&current) {
            Some(longer) if longer != current => {
                field.set(&Value::from(longer));
                true
            }
            _ => false,
        }
    }

    /// Keys while one of the forms is being edited. Returns commands.
    pub fn edit_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match k.code {
            KeyCode::Esc => {
                self.account.editing = false;
                self.test.editing = false;
                Vec::new()
            }
            KeyCode::Char('s') if ctrl => self.save(),
            KeyCode::Tab
                if self.in_test
                    && self.test.focused().is_some_and(|f| f.key == "attachment")
                    && self.complete_path() =>
            {
                Vec::new()
            }
            KeyCode::Enter if self.in_test && !self.focused_multi_line() => self.test_message(),
            _ => {
                let form = if self.in_test {
                    &mut self.test
                } else {
                    &mut self.account
                };
                form.key(k);
                if !self.in_test {
                    self.refresh_sections();
                }
                Vec::new()
            }
        }
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The longest unambiguous completion of a file path.
pub fn complete(partial: &str) -> Option<String> {
    let path = std::path::Path::new(partial);
    let (dir, prefix) = if partial.ends_with('/') {
        (path.to_path_buf(), String::new())
    } else {
        (
            path.parent().map(|p| {
                if p.as_os_str().is_empty() {
                    std::path::PathBuf::from(".")
                } else {
                    p.to_path_buf()
                }
            })?,
            path.file_name()?.to_string_lossy().into_owned(),
        )
    };
    let mut names: Vec<(String, bool)> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.path().is_dir(),
            )
        })
        .filter(|(n, _)| n.starts_with(&prefix) && !n.starts_with('.'))
        .collect();
    names.sort();
    let first = names.first()?.clone();
    let mut common = first.0.clone();
    for (n, _) in &names[1..] {
        while !n.starts_with(&common) {
            common.pop();
        }
    }
    let base = if partial.ends_with('/') {
        partial.to_string()
    } else {
        let parent = &partial[..partial.len() - prefix.len()];
        parent.to_string()
    };
    let mut out = format!("{base}{common}");
    if names.len() == 1 && first.1 {
        out.push('/');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_completion() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("faktura_2026.pdf"), "x").unwrap();
        std::fs::write(dir.path().join("faktura_2025.pdf"), "x").unwrap();
        std::fs::create_dir(dir.path().join("raporty")).unwrap();
        let base = dir.path().display().to_string();
        assert_eq!(
            complete(&format!("{base}/fak")).unwrap(),
            format!("{base}/faktura_202")
        );
        assert_eq!(
            complete(&format!("{base}/r")).unwrap(),
            format!("{base}/raporty/")
        );
        assert_eq!(complete(&format!("{base}/zzz")), None);
    }

    #[test]
    fn sections_follow_send_with_and_presets_fill_fields() {
        let mut v = MailServerView::new(crate::i18n::Lang::En);
        v.loaded(
            serde_json::to_value(crate::settings::MailServerSettings::default()).unwrap(),
            0,
        );
        assert!(v.account.hidden.contains("sendmail_path"));
        v.apply_preset(2);
        assert_eq!(v.account.value("server_name"), "smtp.gmail.com");
        assert_eq!(v.account.value("port"), "465");
        assert_eq!(v.account.value("encryption"), "auto");
        assert!(v.dirty());
        v.apply_preset(3);
        assert!(
            v.account.hidden.contains("password"),
            "OAuth2 has no password"
        );
        if let Some(f) = v.account.get_mut("send_with") {
            f.set(&Value::from("sendmail"));
        }
        v.refresh_sections();
        assert!(
            v.account.hidden.contains("server_name") && !v.account.hidden.contains("sendmail_path")
        );
    }
}
