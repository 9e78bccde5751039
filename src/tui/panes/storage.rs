//! File storage [Magazyn plików] (SPEC §8): the repository's default operator and the
//! IBARD account, in the sections the deployment uses.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use serde_json::json;

use super::Ctx;
use crate::i18n::{Lang, Txt};
use crate::model::Operator;
use crate::settings::Tab;
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, key_for};
use crate::tui::modal::{Modal, Picker, PickerKind, Prompt, PromptKind};
use crate::tui::msg::Command;
use crate::tui::widgets::tab_editor::{Selector, TabEditor, item_text, title_line};

pub struct StoragePane {
    pub editor: TabEditor,
    /// The DMS's operators, once loaded.
    pub operators: Option<Vec<Operator>>,
}

impl StoragePane {
    pub fn new(lang: Lang) -> StoragePane {
        StoragePane {
            editor: TabEditor::new(Tab::Storage, Selector::Whole, Vec::new(), lang),
            operators: None,
        }
    }

    pub fn act(&mut self, a: Action, ctx: &mut Ctx) -> Vec<Command> {
        let lang = ctx.lang;
        match a {
            Action::PickOperator => {
                let items: Vec<(String, String)> = self
                    .operators
                    .iter()
                    .flatten()
                    .map(|o| (o.login.clone(), format!("{} ({})", o.name, o.login)))
                    .collect();
                if items.is_empty() {
                    ctx.say(true, Txt::NoOperators.t(lang));
                } else {
                    let current = item_text(&self.editor.working, "default_repository_operator");
                    let selected = items.iter().position(|(l, _)| l == current).unwrap_or(0);
                    let mut picker = Picker::new(PickerKind::Operator, Txt::PickOperator, items);
                    picker.selected = selected;
                    ctx.open(Modal::Picker(picker));
                }
                Vec::new()
            }
            Action::RemoveOperator => self.editor.apply_now(|doc| {
                doc["default_repository_operator"] = json!("");
            }),
            Action::IbardLogin => {
                ctx.open(Modal::Prompt(Prompt::new(PromptKind::IbardLogin, lang)));
                Vec::new()
            }
            Action::IbardLogout => self.editor.apply_now(|doc| {
                doc["ibard_login"] = json!("");
                doc["ibard_password"] = json!("");
                doc["ibard_logged_in_user"] = json!("");
            }),
            _ => Vec::new(),
        }
    }

    pub fn picked(&mut self, login: String) -> Vec<Command> {
        self.editor.apply_now(move |doc| {
            doc["default_repository_operator"] = json!(login);
        })
    }

    pub fn submit(&mut self, prompt: Prompt) -> Vec<Command> {
        let login = prompt.form.value("login").trim().to_string();
        let password = prompt.form.value("password");
        self.editor.apply_now(move |doc| {
            doc["ibard_login"] = json!(login);
            doc["ibard_password"] = json!(password);
            doc["ibard_logged_in_user"] = json!(login);
        })
    }
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let e = &app.settings.storage.editor;
    let doc = &e.working;
    let mut lines = vec![title_line(app, e, Txt::TabStorage.t(lang)), Line::from("")];
    let sections = app.config.storage_sections();
    if sections.is_empty() {
        lines.push(Line::styled(Txt::StorageOff.t(lang), app.theme.muted()));
    }
    for (title, operator, ibard) in sections {
        lines.push(Line::styled(title.t(lang), app.theme.title()));
        if operator {
            let login = item_text(doc, "default_repository_operator");
            let shown = if login.is_empty() {
                Txt::NoneChosen.t(lang).to_string()
            } else {
                app.settings
                    .storage
                    .operators
                    .iter()
                    .flatten()
                    .find(|o| o.login == login)
                    .map(|o| format!("{} ({login})", o.name))
                    .unwrap_or_else(|| login.to_string())
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {}: ", Txt::FDefaultOperator.t(lang)),
                    app.theme.muted(),
                ),
                Span::styled(shown, app.theme.accent()),
                Span::styled(
                    format!(
                        "   ({}/{})",
                        key_for(Scope::Storage, Action::PickOperator),
                        key_for(Scope::Storage, Action::RemoveOperator)
                    ),
                    app.theme.muted(),
                ),
            ]));
        }
        if ibard {
            let user = item_text(doc, "ibard_logged_in_user");
            lines.push(if user.is_empty() {
                Line::styled(format!("  {}", Txt::NotLoggedIn.t(lang)), app.theme.warn())
            } else {
                Line::styled(
                    format!("  {} {user}", Txt::LoggedInUser.t(lang)),
                    app.theme.ok(),
                )
            });
            lines.push(Line::styled(
                format!(
                    "  {}   ({}/{})",
                    Txt::IbardAuth.t(lang),
                    key_for(Scope::Storage, Action::IbardLogin),
                    key_for(Scope::Storage, Action::IbardLogout)
                ),
                app.theme.muted(),
            ));
            lines.push(Line::styled(
                format!("  {}", Txt::IbardFolders.t(lang)),
                app.theme.muted(),
            ));
            lines.push(Line::styled(
                format!("  {}", Txt::IbardNote.t(lang)),
                app.theme.muted(),
            ));
        }
        lines.push(Line::from(""));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
