//! The Mail server pane [Serwer pocztowy] (SPEC §1): the account form, presets, the
//! connection check and the test message. View state only; loads and saves are
//! Commands.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use serde_json::Value;

use super::Ctx;
use crate::i18n::foreign;
use crate::i18n::{Txt, messages};
use crate::sender::check::CheckReport;
use crate::settings::{FieldError, Tab};
use crate::time::format_rfc3339;
use crate::tui::app::App;
use crate::tui::keys::{self, Action, Scope, action_for, key_for};
use crate::tui::modal::{Modal, Picker, PickerKind, SignIn};
use crate::tui::msg::Command;
use crate::tui::widgets::form::{Field, Form};

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
    /// A temporary failure: the sender tries again at `next_at`.
    Deferred {
        next_at: crate::time::Millis,
        reason: String,
    },
    NotDelivered(String),
}

impl TestOutcome {
    /// Still on its way: the pane keeps watching it.
    pub fn pending(&self) -> bool {
        matches!(self, TestOutcome::Waiting | TestOutcome::Deferred { .. })
    }
}

use crate::tui::widgets::tab_editor::{Selector, TabEditor};

pub struct MailServerPane {
    /// The account: the same tab editor as every settings pane (a working copy of the
    /// stored document, its version, the form).
    pub editor: TabEditor,
    pub test: Form,
    /// Which form the keys go to: the account (false) or the test message (true).
    pub in_test: bool,
    pub preset_hint: Option<usize>,
    pub checking: bool,
    /// Steps of the running check, in the order they started.
    pub check_progress: Vec<&'static str>,
    pub check: Option<CheckReport>,
    pub test_mail: Option<(i64, TestOutcome)>,
    /// Who is signed in to Microsoft 365, as stored.
    pub sign_in_status: Option<crate::oauth::TokenStatus>,
    /// The sendmail path last looked at, and whether it is an executable program.
    pub sendmail: Option<(String, Result<(), String>)>,
    /// A look at that path is under way.
    pub sendmail_asked: Option<String>,
}

impl Default for MailServerPane {
    fn default() -> Self {
        Self::new(crate::i18n::Lang::En)
    }
}

impl MailServerPane {
    pub fn new(lang: crate::i18n::Lang) -> Self {
        let account = vec![
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
        ];
        let mut test = Form::new(vec![
            Field::text("to", Txt::FRecipient),
            Field::text("subject", Txt::FSubject),
            Field::multi_line("body", Txt::FBody),
            Field::text("attachment", Txt::FAttachment),
        ]);
        test.lang = lang;
        let mut v = MailServerPane {
            editor: TabEditor::new(Tab::MailServer, Selector::Whole, account, lang),
            test,
            in_test: false,
            preset_hint: None,
            checking: false,
            check_progress: Vec::new(),
            check: None,
            test_mail: None,
            sign_in_status: None,
            sendmail: None,
            sendmail_asked: None,
        };
        v.refresh_sections();
        v
    }

    pub fn dirty(&self) -> bool {
        self.editor.dirty()
    }

    /// Whether the focused field takes Enter and arrows itself (several lines of text).
    pub fn focused_multi_line(&self) -> bool {
        let form = if self.in_test {
            &self.test
        } else {
            &self.editor.form
        };
        form.focused().is_some_and(|f| f.is_multi_line())
    }

    pub fn editing(&self) -> bool {
        if self.in_test {
            self.test.editing
        } else {
            self.editor.form.editing
        }
    }

    /// In sendmail mode, a look at the path typed when it has not been looked at yet:
    /// the profile section says whether the program is there.
    pub fn sendmail_probe(&mut self) -> Option<Command> {
        if self.editor.form.value("send_with") != "sendmail" {
            return None;
        }
        let path = self.editor.form.value("sendmail_path").trim().to_string();
        let known = self.sendmail.as_ref().is_some_and(|(p, _)| *p == path);
        if known || self.sendmail_asked.as_deref() == Some(path.as_str()) {
            return None;
        }
        self.sendmail_asked = Some(path.clone());
        Some(Command::CheckSendmail(path))
    }

    pub fn sendmail_checked(&mut self, path: String, result: Result<(), String>) {
        if self.sendmail_asked.as_deref() == Some(path.as_str()) {
            self.sendmail_asked = None;
        }
        self.sendmail = Some((path, result));
    }

    /// Sections follow `send_with` (sendmail: profile, no encryption or login) and the
    /// authentication method (OAuth2: no password).
    pub fn refresh_sections(&mut self) {
        let sendmail = self.editor.form.value("send_with") == "sendmail";
        let oauth = self.editor.form.value("auth_method") == "oauth2";
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
        self.editor.form.hidden = hidden;
        if let Some(f) = self.editor.form.get_mut("profile") {
            f.input = crate::tui::widgets::form::Input::ReadOnly(
                self.editor
                    .stored
                    .get("sendmail_path")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            );
        }
        self.editor.form.settle_focus();
        self.test.settle_focus();
    }

    pub fn loaded(&mut self, doc: Value, version: i64) {
        self.editor.loaded_doc(doc, version);
        self.refresh_sections();
    }

    /// Ctrl-S: the document to save, or errors kept on the form.
    pub fn save(&mut self) -> Vec<Command> {
        self.editor.save()
    }

    pub fn invalid(&mut self, errors: &[FieldError]) {
        self.editor.show_errors(errors);
        self.in_test = false;
    }

    pub fn apply_preset(&mut self, i: usize) {
        let Some(p) = PRESETS.get(i) else { return };
        let set = |form: &mut Form, key: &str, v: Value| {
            if let Some(f) = form.get_mut(key) {
                f.set(&v);
            }
        };
        set(&mut self.editor.form, "send_with", Value::from("smtp"));
        set(&mut self.editor.form, "server_name", Value::from(p.server));
        set(&mut self.editor.form, "port", Value::from(p.port));
        set(
            &mut self.editor.form,
            "encryption",
            Value::from(p.encryption),
        );
        set(&mut self.editor.form, "auth_method", Value::from(p.auth));
        self.editor.form.dirty = true;
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
        match crate::tui::widgets::input::complete(&current) {
            Some(longer) if longer != current => {
                field.set(&Value::from(longer));
                true
            }
            _ => false,
        }
    }

    /// A key that is the form's to type with.
    fn edit_key(&mut self, k: KeyEvent) -> Vec<Command> {
        if self.in_test {
            self.test.key(k);
        } else {
            self.editor.form.key(k);
            self.refresh_sections();
        }
        Vec::new()
    }
}

impl MailServerPane {
    pub fn scope(&self) -> Scope {
        match (self.editing(), self.in_test) {
            (true, true) => Scope::TestMessage,
            (true, false) => Scope::Form,
            (false, _) => Scope::MailServer,
        }
    }

    /// A key while one of the forms is being edited.
    pub fn form_key(&mut self, k: &KeyEvent, ctx: &mut Ctx) -> Vec<Command> {
        // In a field of several lines, Enter and the arrows belong to the text.
        if self.focused_multi_line() && keys::moves_within_text(k) {
            return self.edit_key(*k);
        }
        match action_for(self.scope(), k) {
            Some(Action::SendTest) => self.test_message(),
            Some(a) => self.act(a, ctx),
            None => self.edit_key(*k),
        }
    }

    pub fn act(&mut self, a: Action, ctx: &mut Ctx) -> Vec<Command> {
        match a {
            Action::EditAccount => {
                self.in_test = false;
                self.editor.form.editing = true;
                self.editor.form.settle_focus();
                Vec::new()
            }
            Action::EditTest => {
                self.in_test = true;
                self.test.editing = true;
                self.test.settle_focus();
                Vec::new()
            }
            Action::Save => self.save(),
            Action::Authorize => {
                let lang = ctx.lang;
                if self.editor.form.value("send_with") == "sendmail" {
                    ctx.say(true, Txt::HintSendmailOauth.t(lang));
                } else if self.editor.form.value("auth_method") != "oauth2" {
                    ctx.say(true, Txt::NeedsOauth.t(lang));
                } else if self.dirty()
                    || self
                        .editor
                        .stored
                        .get("auth_method")
                        .and_then(|v| v.as_str())
                        != Some("oauth2")
                {
                    let key = keys::key_for(Scope::MailServer, Action::Save);
                    ctx.say(true, crate::i18n::messages::save_first(key, lang));
                } else {
                    ctx.open(Modal::SignIn(SignIn::Starting));
                    return vec![Command::StartSignIn];
                }
                Vec::new()
            }
            Action::Presets => {
                let items = PRESETS
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let encryption = match p.encryption {
                            "none" => Txt::ONone,
                            "ssl" => Txt::OSsl,
                            "starttls" => Txt::OStarttls,
                            _ => Txt::OAuto,
                        };
                        let label = format!(
                            "{:<14} {}:{}  {}",
                            p.name,
                            p.server,
                            p.port,
                            encryption.t(ctx.lang)
                        );
                        (i.to_string(), label)
                    })
                    .collect();
                let mut picker = Picker::new(PickerKind::Preset, Txt::Presets, items);
                picker.width = 60;
                ctx.open(Modal::Picker(picker));
                Vec::new()
            }
            Action::Check => match self.editor.form.document(&self.editor.working) {
                Some(doc) => {
                    self.checking = true;
                    self.check = None;
                    self.check_progress.clear();
                    vec![Command::CheckSmtp(doc)]
                }
                None => Vec::new(),
            },
            // Out of the fields; out of the test message too, back to the account
            // (its outcome comes to the status line as well).
            Action::LeaveForm => {
                self.editor.form.editing = false;
                self.test.editing = false;
                self.in_test = false;
                Vec::new()
            }
            Action::NextField | Action::PrevField => {
                let completing = a == Action::NextField
                    && self.in_test
                    && self.test.focused().is_some_and(|f| f.key == "attachment")
                    && self.complete_path();
                if !completing {
                    let form = if self.in_test {
                        &mut self.test
                    } else {
                        &mut self.editor.form
                    };
                    form.move_focus(a == Action::NextField);
                }
                Vec::new()
            }
            Action::ShowPassword => {
                if let Some(f) = self.editor.form.get_mut("password") {
                    f.toggle_shown();
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The stored document, unless this console holds unsaved changes to it (someone
    /// else's save must not wipe what is being typed here).
    pub fn stored_loaded(&mut self, doc: Value, version: i64) -> Vec<Command> {
        if !self.dirty() || !self.editor.loaded {
            let sendmail = doc.get("send_with").and_then(|v| v.as_str()) == Some("sendmail");
            self.loaded(doc.clone(), version);
            // The profile section says whether the MTA is there.
            if sendmail && !self.checking {
                self.checking = true;
                self.check_progress.clear();
                return vec![Command::CheckSmtp(doc)];
            }
        } else {
            self.editor.stored_refreshed(doc, version);
        }
        Vec::new()
    }

    /// A step of the connection check started.
    pub fn check_progress(&mut self, step: &'static str) {
        if self.checking {
            self.check_progress.push(step);
        }
    }

    pub fn check_done(&mut self, report: CheckReport) {
        self.checking = false;
        self.check = Some(report);
    }

    /// The test message is in the queue: watch it until it is delivered or fails.
    pub fn test_queued(&mut self, id: i64) -> Vec<Command> {
        self.test_mail = Some((id, TestOutcome::Waiting));
        vec![Command::WatchMail(id)]
    }

    /// What became of the test message, if it is still the one shown.
    pub fn test_state(&mut self, id: i64, outcome: TestOutcome) {
        if self.test_mail.as_ref().is_some_and(|(t, _)| *t == id) {
            self.test_mail = Some((id, outcome));
        }
    }

    pub fn paste(&mut self, text: &str) {
        if self.in_test {
            self.test.paste(text);
        } else {
            self.editor.form.paste(text);
        }
    }
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let m = &app.mail;
    let wide = area.width >= 120;
    let [title, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let mut spans = vec![Span::styled(
        if m.in_test && !wide {
            Txt::SecTest.t(lang)
        } else {
            Txt::SecAccount.t(lang)
        },
        app.theme.title(),
    )];
    if m.dirty() {
        spans.push(Span::styled(
            format!("  ● {}", Txt::Unsaved.t(lang)),
            app.theme.warn(),
        ));
    }
    if m.editor.version > 0 {
        spans.push(Span::styled(
            format!("  v{}", m.editor.version),
            app.theme.muted(),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), title);

    let (form_area, side) = if wide {
        let [a, b] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(rest);
        (a, Some(b))
    } else {
        (rest, None)
    };
    // Narrow: the check's steps take the notes' place, as many rows as they need (up
    // to half the pane), the form keeping the rest.
    let check_below = side.is_none() && (m.checking || m.check.is_some());
    let notes_height = if check_below {
        check_height(app, form_area.width).clamp(3, (form_area.height / 2).max(3))
    } else {
        3
    };
    let [form_rows, notes] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(notes_height)]).areas(form_area);
    if m.in_test && !wide {
        let w = m.test.label_width(lang, form_rows.width / 2);
        test_section(f, app, form_rows, w);
    } else {
        let w = m.editor.form.label_width(lang, form_rows.width * 9 / 20);
        m.editor
            .form
            .draw_as(f, form_rows, &app.theme, lang, w, !m.in_test);
    }
    if !check_below {
        account_notes(f, app, notes);
    }
    if let Some(side) = side {
        let [t, s] = Layout::vertical([Constraint::Length(10), Constraint::Min(3)]).areas(side);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Txt::SecTest.t(lang));
        let inner = block.inner(t);
        f.render_widget(block, t);
        let w = m.test.label_width(lang, inner.width / 2);
        test_section(f, app, inner, w);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Txt::SecCheck.t(lang));
        let inner = block.inner(s);
        f.render_widget(block, s);
        check_lines(f, app, inner);
    } else if m.checking || m.check.is_some() {
        // Narrow: the check replaces the notes under the form.
        check_lines(f, app, notes);
    }
}

/// The test message's outcome in words, and its style.
pub fn outcome_text(app: &App, id: i64, o: &TestOutcome) -> (ratatui::style::Style, String) {
    match o {
        TestOutcome::Waiting => (
            app.theme.muted(),
            format!("#{id}: {}", Txt::Waiting.t(app.lang)),
        ),
        TestOutcome::Delivered(r) => (
            app.theme.ok(),
            format!("#{id}: {} ({r})", Txt::Delivered.t(app.lang)),
        ),
        TestOutcome::Deferred { next_at, reason } => (
            app.theme.warn(),
            messages::test_deferred(id, *next_at, app.now, reason, &app.clock, app.lang),
        ),
        TestOutcome::NotDelivered(e) => (
            app.theme.error(),
            format!(
                "#{id}: {}: {}",
                Txt::NotDelivered.t(app.lang),
                foreign::text(e, app.lang)
            ),
        ),
    }
}

fn test_section(f: &mut Frame, app: &App, area: Rect, label_width: u16) {
    let m = &app.mail;
    let outcome = m
        .test_mail
        .as_ref()
        .map(|(id, o)| outcome_text(app, *id, o));
    // The outcome wraps, up to three rows: a deferral's reason and next try must fit a
    // narrow panel.
    let paragraph =
        outcome.map(|(style, text)| Paragraph::new(text).style(style).wrap(Wrap { trim: true }));
    let height = paragraph
        .as_ref()
        .map_or(0, |p| p.line_count(area.width.max(1)).clamp(1, 3) as u16);
    let [rows, below] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(height)]).areas(area);
    m.test
        .draw_as(f, rows, &app.theme, app.lang, label_width, m.in_test);
    if let Some(p) = paragraph {
        f.render_widget(p, below);
    }
}

fn account_notes(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let m = &app.mail;
    let mut lines = Vec::new();
    if let Some(i) = m.preset_hint
        && let Some(p) = PRESETS.get(i)
    {
        lines.push(Line::styled(
            format!(
                "{}: {}",
                p.name,
                if lang == crate::i18n::Lang::Pl {
                    p.hint_pl
                } else {
                    p.hint_en
                }
            ),
            app.theme.accent(),
        ));
    }
    let sendmail = m.editor.form.value("send_with") == "sendmail";
    let oauth = m.editor.form.value("auth_method") == "oauth2";
    if sendmail {
        let path = m.editor.form.value("sendmail_path");
        match &m.sendmail {
            Some((p, Ok(()))) if *p == path.trim() => lines.push(Line::styled(
                format!("{}: {p}", Txt::ProfileExists.t(lang)),
                app.theme.ok(),
            )),
            Some((p, Err(e))) if *p == path.trim() => lines.push(Line::styled(
                format!("✗ {}", foreign::text(e, lang)),
                app.theme.error(),
            )),
            _ => lines.push(Line::styled(Txt::Checking.t(lang), app.theme.muted())),
        }
    }
    if sendmail && oauth {
        lines.push(Line::styled(
            Txt::HintSendmailOauth.t(lang),
            app.theme.warn(),
        ));
    } else if oauth {
        if m.editor.form.value("server_name").contains("gmail") {
            lines.push(Line::styled(Txt::HintGoogle.t(lang), app.theme.warn()));
        }
        lines.push(match &m.sign_in_status {
            Some(s) if s.refresh_error.is_some() => Line::styled(
                format!(
                    "{}: {} (a)",
                    Txt::SignInNeeded.t(lang),
                    s.refresh_error.as_deref().unwrap_or_default()
                ),
                app.theme.error(),
            ),
            Some(s) => Line::styled(
                format!(
                    "{} {}, {} {}",
                    Txt::LoggedInUser.t(lang),
                    s.login,
                    Txt::TokenValidUntil.t(lang),
                    format_rfc3339(s.access_token_expires_at)
                ),
                app.theme.ok(),
            ),
            None => Line::styled(
                messages::not_signed_in_yet(key_for(Scope::MailServer, Action::Authorize), lang),
                app.theme.warn(),
            ),
        });
        lines.push(Line::styled(
            messages::sign_in_hint(key_for(Scope::MailServer, Action::Authorize), lang),
            app.theme.muted(),
        ));
    } else if !sendmail {
        lines.push(Line::styled(
            format!("{} {}", Txt::HintEncryption.t(lang), Txt::HintPorts.t(lang)),
            app.theme.muted(),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

fn check_lines(f: &mut Frame, app: &App, area: Rect) {
    f.render_widget(ratatui::widgets::Clear, area);
    f.render_widget(check_paragraph(app), area);
}

/// Rows the check's steps take at this width.
fn check_height(app: &App, width: u16) -> u16 {
    u16::try_from(check_paragraph(app).line_count(width.max(1))).unwrap_or(u16::MAX)
}

fn check_paragraph(app: &App) -> Paragraph<'static> {
    let m = &app.mail;
    let lang = app.lang;
    // One column for every step's name, the longest in this language and a space.
    let width = foreign::step_column(lang) + 1;
    let mut lines = Vec::new();
    if m.checking {
        // Steps done so far, then the one running.
        let n = m.check_progress.len();
        for (i, step) in m.check_progress.iter().enumerate() {
            let (mark, style) = if i + 1 == n {
                ("…", app.theme.accent())
            } else {
                ("ok", app.theme.ok())
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{mark:<3}"), style),
                Span::styled(
                    format!("{:<width$}", foreign::step_name(step, lang)),
                    app.theme.accent(),
                ),
            ]));
        }
        lines.push(Line::styled(Txt::Checking.t(app.lang), app.theme.muted()));
    }
    if let Some(report) = &m.check {
        for step in &report.steps {
            let (mark, style) = match step.state {
                crate::sender::check::StepState::Ok => ("ok", app.theme.ok()),
                crate::sender::check::StepState::Warning => ("!", app.theme.warn()),
                crate::sender::check::StepState::Failed => ("✗", app.theme.error()),
                crate::sender::check::StepState::Skipped => ("-", app.theme.muted()),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{mark:<3}"), style),
                Span::styled(
                    format!("{:<width$}", foreign::step_name(step.name, lang)),
                    app.theme.accent(),
                ),
                Span::raw(foreign::text(&step.detail.replace('\n', " "), lang).into_owned()),
            ]));
            if let Some(h) = step.hint {
                lines.push(Line::styled(
                    format!("   {}", foreign::hint(h, lang)),
                    app.theme.warn(),
                ));
            }
        }
    }
    Paragraph::new(lines).wrap(Wrap { trim: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::Value;

    #[test]
    fn sections_follow_send_with_and_presets_fill_fields() {
        let mut v = MailServerPane::new(crate::i18n::Lang::En);
        v.loaded(
            serde_json::to_value(crate::settings::MailServerSettings::default()).unwrap(),
            0,
        );
        assert!(v.editor.form.hidden.contains("sendmail_path"));
        v.apply_preset(2);
        assert_eq!(v.editor.form.value("server_name"), "smtp.gmail.com");
        assert_eq!(v.editor.form.value("port"), "465");
        assert_eq!(v.editor.form.value("encryption"), "auto");
        assert!(v.dirty());
        v.apply_preset(3);
        assert!(
            v.editor.form.hidden.contains("password"),
            "OAuth2 has no password"
        );
        if let Some(f) = v.editor.form.get_mut("send_with") {
            f.set(&Value::from("sendmail"));
        }
        v.refresh_sections();
        assert!(
            v.editor.form.hidden.contains("server_name")
                && !v.editor.form.hidden.contains("sendmail_path")
        );
    }
}

#[cfg(test)]
mod mail_server_tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use serde_json::json;

    use crate::i18n::Lang;

    use crate::settings::Tab;
    use crate::tui::app::{App, Pane};
    use crate::tui::modal::{Ask, Leave, Modal};
    use crate::tui::msg::{Command, Msg};
    use crate::tui::theme::Theme;

    fn key(a: &mut App, c: KeyCode) -> Vec<Command> {
        a.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)))
    }

    fn typed(a: &mut App, text: &str) {
        for c in text.chars() {
            key(a, KeyCode::Char(c));
        }
    }

    fn ready() -> App {
        let mut a = App::new(Lang::En, Theme::default(), 0);
        a.start();
        let doc = serde_json::to_value(crate::settings::MailServerSettings::default()).unwrap();
        a.update(Msg::SettingsLoaded {
            tab: Tab::MailServer,
            doc,
            version: 3,
        });
        key(&mut a, KeyCode::Char('1'));
        a
    }

    /// Choosing sendmail looks at the path at once, and again when the path changes;
    /// the profile section says what was found.
    #[test]
    fn the_sendmail_profile_says_whether_the_program_is_there() {
        let mut a = ready();
        assert!(
            a.mail.sendmail_probe().is_none(),
            "smtp: nothing to look at"
        );
        // Choose sendmail in the form (not saved yet).
        key(&mut a, KeyCode::Enter);
        let cmds = key(&mut a, KeyCode::Right);
        let path = a.mail.editor.form.value("sendmail_path");
        assert!(
            cmds.contains(&Command::CheckSendmail(path.clone())),
            "{cmds:?}"
        );
        // Asked once while the answer is on its way.
        assert!(a.mail.sendmail_probe().is_none());
        a.update(Msg::SendmailChecked {
            path: path.clone(),
            result: Err(format!("sendmail_path {path}: No such file or directory")),
        });
        assert!(matches!(&a.mail.sendmail, Some((p, Err(_))) if *p == path));
        assert!(a.mail.sendmail_probe().is_none(), "known now");
    }

    /// The account is the same tab editor as every settings tab: what is typed after
    /// C-s and before the answer stays, and the reload after the save does not wipe it.
    #[test]
    fn typing_after_a_save_survives_its_answer() {
        let mut a = ready();
        key(&mut a, KeyCode::Enter);
        key(&mut a, KeyCode::Down);
        key(&mut a, KeyCode::Down);
        typed(&mut a, "first");
        let saved = a.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('s'),
            KeyModifiers::CONTROL,
        )));
        let [Command::SaveSettings { doc, .. }] = &saved[..] else {
            panic!("{saved:?}")
        };
        let stored = doc.clone();
        // The save leaves the fields: `2` now goes to the queue, not into the text.
        assert!(!a.mail.editor.editing());
        assert_eq!(a.scope(), Scope::MailServer);
        key(&mut a, KeyCode::Enter);
        typed(&mut a, " second");
        let reload = a.update(Msg::SettingsSaved {
            tab: Tab::MailServer,
            version: 4,
        });
        assert_eq!(reload, vec![Command::LoadSettings(Tab::MailServer)]);
        a.update(Msg::SettingsLoaded {
            tab: Tab::MailServer,
            doc: stored,
            version: 4,
        });
        assert_eq!(a.mail.editor.form.value("account_name"), "first second");
        assert!(a.mail.dirty(), "the second part is not saved yet");
        assert_eq!(a.mail.editor.version, 4);
    }

    #[test]
    fn typing_saving_and_leaving() {
        let mut a = ready();
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.scope(), Scope::Form);
        // Focus starts on send_with; go to account_name and type, q and 2 included.
        key(&mut a, KeyCode::Down);
        key(&mut a, KeyCode::Down);
        typed(&mut a, "q2 DMS");
        assert!(!a.quit && a.pane == Pane::MailServer, "typing is text");
        assert_eq!(a.mail.editor.form.value("account_name"), "q2 DMS");
        assert!(a.mail.dirty());
        let cmds = a.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('s'),
            KeyModifiers::CONTROL,
        )));
        match &cmds[..] {
            [
                Command::SaveSettings {
                    tab: Tab::MailServer,
                    doc,
                    version: 3,
                },
            ] => assert_eq!(doc["account_name"], "q2 DMS"),
            other => panic!("{other:?}"),
        }
        // Validation errors land beside their fields; nothing typed is lost.
        a.update(Msg::SettingsInvalid {
            tab: Tab::MailServer,
            errors: vec![crate::settings::FieldError::new(
                "mail_server.from_address",
                "is required",
            )],
        });
        assert_eq!(
            a.mail
                .editor
                .form
                .get("from_address")
                .unwrap()
                .error
                .as_deref(),
            Some("is required")
        );
        assert_eq!(a.mail.editor.form.value("account_name"), "q2 DMS");
        // Leaving with unsaved changes asks; "no" stays.
        key(&mut a, KeyCode::Esc);
        key(&mut a, KeyCode::Char('2'));
        assert!(matches!(
            a.modal,
            Some(Modal::Confirm(Ask::Leave(Leave::To(Pane::Queue))))
        ));
        key(&mut a, KeyCode::Char('n'));
        assert_eq!(a.pane, Pane::MailServer);
        key(&mut a, KeyCode::Char('2'));
        key(&mut a, KeyCode::Char('y'));
        assert_eq!(a.pane, Pane::Queue);
        assert!(
            !a.mail.dirty(),
            "left without saving: the stored values are back"
        );
    }

    #[test]
    fn a_conflict_offers_reload_or_overwrite() {
        let mut a = ready();
        key(&mut a, KeyCode::Enter);
        key(&mut a, KeyCode::Down);
        key(&mut a, KeyCode::Down);
        typed(&mut a, "mine");
        let theirs = json!({"account_name": "theirs", "port": 465});
        let mut full =
            serde_json::to_value(crate::settings::MailServerSettings::default()).unwrap();
        full["account_name"] = theirs["account_name"].clone();
        a.update(Msg::SettingsConflict {
            tab: Tab::MailServer,
            theirs: full.clone(),
            version: 4,
        });
        let Some(Modal::Conflict { conflict: c, .. }) = &a.modal else {
            panic!("no conflict shown")
        };
        assert!(
            c.differences
                .iter()
                .any(|(f, m, t)| f == "Account name" && m == "mine" && t == "theirs")
        );
        // Overwrite: save mine over version 4.
        let cmds = key(&mut a, KeyCode::Char('o'));
        assert!(
            matches!(&cmds[..], [Command::SaveSettings { version: 4, doc, .. }] if doc["account_name"] == "mine")
        );
        // Reload: theirs replaces the form.
        a.update(Msg::SettingsConflict {
            tab: Tab::MailServer,
            theirs: full,
            version: 5,
        });
        key(&mut a, KeyCode::Char('r'));
        assert_eq!(a.mail.editor.form.value("account_name"), "theirs");
        assert_eq!(a.mail.editor.version, 5);
        assert!(!a.mail.dirty());
    }

    #[test]
    fn presets_and_test_message() {
        let mut a = ready();
        key(&mut a, KeyCode::Char('p'));
        key(&mut a, KeyCode::Down);
        key(&mut a, KeyCode::Enter);
        assert_eq!(
            a.mail.editor.form.value("server_name"),
            "smtp.poczta.onet.pl"
        );
        assert_eq!(a.mail.editor.form.value("port"), "465");
        key(&mut a, KeyCode::Char('t'));
        let cmds = key(&mut a, KeyCode::Enter);
        assert!(cmds.is_empty(), "recipient and subject are required");
        assert!(a.mail.test.get("to").unwrap().error.is_some());
        typed(&mut a, "jan@firma.pl");
        key(&mut a, KeyCode::Tab);
        typed(&mut a, "Test");
        let cmds = key(&mut a, KeyCode::Enter);
        assert_eq!(
            cmds,
            vec![Command::SendTest {
                to: "jan@firma.pl".into(),
                subject: "Test".into(),
                body: String::new(),
                attachment: None
            }]
        );
        let cmds = a.update(Msg::TestQueued(7));
        assert_eq!(cmds, vec![Command::WatchMail(7)]);
        assert!(a.update(Msg::Changed).contains(&Command::WatchMail(7)));
        // A temporary failure is not the end: it is watched until it goes or fails.
        a.update(Msg::TestState(
            7,
            TestOutcome::Deferred {
                next_at: 240_000,
                reason: "DNS: no answer".into(),
            },
        ));
        assert!(a.update(Msg::Changed).contains(&Command::WatchMail(7)));
        a.update(Msg::TestState(7, TestOutcome::Delivered("250 OK".into())));
        assert!(!a.update(Msg::Changed).contains(&Command::WatchMail(7)));
        assert_eq!(
            a.mail.test_mail,
            Some((7, TestOutcome::Delivered("250 OK".into())))
        );
    }
}
