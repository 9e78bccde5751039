//! Tools [Narzędzia] (SPEC §6): anonymizing old archived mails, permission checks on
//! documents, enforcing two-step verification.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use serde_json::json;

use super::Ctx;
use crate::i18n::{Lang, Txt, messages};
use crate::settings::Tab;
use crate::settings::{FieldError, Problem};
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, key_for};
use crate::tui::modal::{Ask, Modal};
use crate::tui::msg::Command;
use crate::tui::widgets::form::Field;
use crate::tui::widgets::tab_editor::{Selector, TabEditor, form_pane, title_line};

pub struct ToolsPane {
    pub editor: TabEditor,
}

impl ToolsPane {
    pub fn new(lang: Lang) -> ToolsPane {
        ToolsPane {
            editor: TabEditor::new(
                Tab::Tools,
                Selector::Whole,
                vec![Field::number("anonymize_after_days", Txt::FAnonymizeDays)],
                lang,
            ),
        }
    }

    pub fn act(&mut self, a: Action, ctx: &mut Ctx) -> Vec<Command> {
        let editor = &mut self.editor;
        match a {
            Action::Anonymize => {
                if !editor.commit_form() {
                    return Vec::new();
                }
                match editor.working["anonymize_after_days"].as_u64() {
                    Some(days) if days >= 1 && days <= u64::from(u32::MAX) => {
                        vec![Command::CountAnonymizable(days as u32)]
                    }
                    _ => {
                        editor.form.show_errors(&[FieldError::problem(
                            "anonymize_after_days",
                            Problem::AtLeastOne,
                        )]);
                        Vec::new()
                    }
                }
            }
            Action::TwoStep => self.ask_switch(TWO_STEP, Txt::FEnforceTwoStep, ctx),
            Action::Permissions if ctx.config.permissions_section => {
                self.ask_switch(PERMISSIONS, Txt::FVerifyPermissions, ctx)
            }
            _ => Vec::new(),
        }
    }

    /// A yes/no setting saved at once asks first, saying what it will be.
    fn ask_switch(&mut self, key: &'static str, label: Txt, ctx: &mut Ctx) -> Vec<Command> {
        let on = !self.editor.working[key].as_bool().unwrap_or(false);
        ctx.open(Modal::Confirm(Ask::Switch { key, label, on }));
        Vec::new()
    }

    /// Saves the setting as confirmed: the same value into the working copy and into
    /// the stored document (other unsaved edits of the pane stay unsaved).
    pub fn switch(&mut self, key: &str, on: bool) -> Vec<Command> {
        self.editor.apply_now(|doc| doc[key] = json!(on))
    }
}

const TWO_STEP: &str = "enforce_two_step_verification";
const PERMISSIONS: &str = "verify_document_permissions";

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let e = &app.settings.tools.editor;
    let mut notes = vec![
        Line::styled(
            messages::anonymize_hint(key_for(Scope::Tools, Action::Anonymize), lang),
            app.theme.muted(),
        ),
        Line::from(""),
    ];
    if app.config.permissions_section {
        let on = e.working[PERMISSIONS].as_bool().unwrap_or(false);
        notes.push(Line::styled(Txt::SecPermissions.t(lang), app.theme.title()));
        notes.push(Line::from(vec![
            Span::raw(format!("  {}: ", Txt::FVerifyPermissions.t(lang))),
            Span::styled(
                if on {
                    Txt::Yes.t(lang)
                } else {
                    Txt::No.t(lang)
                },
                app.theme.accent(),
            ),
            Span::styled(
                format!("   ({})", key_for(Scope::Tools, Action::Permissions)),
                app.theme.muted(),
            ),
        ]));
        notes.push(Line::from(""));
    }
    let enforced = e.working[TWO_STEP].as_bool().unwrap_or(false);
    notes.push(Line::styled(Txt::SecTwoStep.t(lang), app.theme.title()));
    notes.push(Line::styled(
        format!(
            "  {}",
            if enforced {
                Txt::TwoStepOn.t(lang)
            } else {
                Txt::TwoStepOff.t(lang)
            }
        ),
        app.theme.base(),
    ));
    notes.push(Line::from(vec![
        Span::styled(
            format!("  {} ", key_for(Scope::Tools, Action::TwoStep)),
            app.theme.accent(),
        ),
        Span::styled(
            if enforced {
                Txt::DisableTwoStep.t(lang)
            } else {
                Txt::EnableTwoStep.t(lang)
            },
            app.theme.accent(),
        ),
    ]));
    let [t, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    f.render_widget(Paragraph::new(title_line(app, e, Txt::TabTools.t(lang))), t);
    form_pane(f, app, rest, e, Txt::SecPersonalData, &notes);
}
