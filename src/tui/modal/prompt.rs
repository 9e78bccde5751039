//! A small dialog with a form: Enter submits, Esc cancels, Tab completes a path.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use serde_json::Value;

use super::{Modal, Reply};
use crate::i18n::{Lang, Txt};
use crate::model::MailId;
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, key_for};
use crate::tui::widgets::chrome::centered;
use crate::tui::widgets::form::{Field, Form};

pub struct Prompt {
    pub kind: PromptKind,
    pub form: Form,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    AddApiSystem,
    LoadKey,
    WriteKey,
    IbardLogin,
    /// Where to save a mail as .eml.
    SaveEml(MailId),
}

impl Prompt {
    pub fn new(kind: PromptKind, lang: Lang) -> Prompt {
        let fields = match kind {
            PromptKind::AddApiSystem => vec![Field::text("name", Txt::ColName)],
            PromptKind::LoadKey | PromptKind::WriteKey | PromptKind::SaveEml(_) => {
                vec![Field::text("path", Txt::FPath)]
            }
            PromptKind::IbardLogin => vec![
                Field::text("login", Txt::FLogin),
                Field::secret("password", Txt::FPassword),
            ],
        };
        let mut form = Form::new(fields);
        form.lang = lang;
        form.editing = true;
        Prompt { kind, form }
    }

    pub fn title(&self) -> Txt {
        match self.kind {
            PromptKind::AddApiSystem => Txt::AddSystemTitle,
            PromptKind::LoadKey => Txt::LoadKeyTitle,
            PromptKind::WriteKey => Txt::WriteKeyTitle,
            PromptKind::IbardLogin => Txt::IbardAuth,
            PromptKind::SaveEml(_) => Txt::SaveEmlTitle,
        }
    }

    /// Whether Enter may submit (the Add button of the API dialog is off until at
    /// least two characters are typed).
    pub fn can_submit(&self) -> bool {
        match self.kind {
            PromptKind::AddApiSystem => {
                self.form.value("name").trim().chars().count()
                    >= crate::settings::MIN_API_SYSTEM_NAME_CHARS
            }
            PromptKind::LoadKey | PromptKind::WriteKey | PromptKind::SaveEml(_) => {
                !self.form.value("path").trim().is_empty()
            }
            PromptKind::IbardLogin => !self.form.value("login").trim().is_empty(),
        }
    }

    pub fn has_path(&self) -> bool {
        matches!(
            self.kind,
            PromptKind::LoadKey | PromptKind::WriteKey | PromptKind::SaveEml(_)
        )
    }

    /// Every key that is not the dialog's own is typing.
    pub fn key(mut self, action: Option<Action>, k: &KeyEvent) -> Reply {
        match action {
            Some(Action::Back) => return Reply::Closed,
            Some(Action::Submit) if self.can_submit() => return Reply::Submit(self),
            Some(Action::Submit) => {}
            Some(Action::Complete) if self.has_path() => {
                if let Some(f) = self.form.get_mut("path")
                    && let Some(longer) = crate::tui::widgets::input::complete(&f.text_value())
                {
                    f.set(&Value::from(longer));
                }
            }
            _ => {
                self.form.key(*k);
            }
        }
        Reply::Open(Modal::Prompt(self))
    }

    pub fn draw(&self, f: &mut Frame, app: &App, area: Rect) {
        let lang = app.lang;
        let rows = self.form.fields.len() as u16;
        let r = centered(area, 70, rows + 4);
        f.render_widget(Clear, r);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(self.title().t(lang))
            .border_style(app.theme.accent());
        let inner = block.inner(r);
        f.render_widget(block, r);
        let [form, _, buttons] = Layout::vertical([
            Constraint::Length(rows),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        let w = self.form.label_width(lang, form.width / 3);
        self.form.draw(f, form, &app.theme, lang, w);
        let ok_label = match self.kind {
            PromptKind::AddApiSystem => Txt::BtnAdd,
            PromptKind::LoadKey => Txt::KLoadKey,
            PromptKind::WriteKey => Txt::KWriteKey,
            PromptKind::IbardLogin => Txt::KIbardLogin,
            PromptKind::SaveEml(_) => Txt::KSaveEml,
        };
        let ok_style = if self.can_submit() {
            app.theme.selection()
        } else {
            app.theme.muted()
        };
        let mut spans = vec![
            Span::styled(
                format!(
                    " {} [ {} ] ",
                    key_for(Scope::Prompt, Action::Submit),
                    ok_label.t(lang)
                ),
                ok_style,
            ),
            Span::raw("  "),
            Span::styled(
                format!(
                    " {} [ {} ] ",
                    key_for(Scope::Prompt, Action::Back),
                    Txt::BtnCancel.t(lang)
                ),
                app.theme.base(),
            ),
        ];
        if self.kind == PromptKind::AddApiSystem && !self.can_submit() {
            spans.push(Span::styled(
                format!("  {}", Txt::NameTooShort.t(lang)),
                app.theme.muted(),
            ));
        }
        if self.has_path() {
            spans.push(Span::styled(
                format!("  {} ⇥", key_for(Scope::Prompt, Action::Complete)),
                app.theme.muted(),
            ));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), buttons);
    }
}
