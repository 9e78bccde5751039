//! API systems [API] (SPEC §7): the external systems allowed to call the DMS's API,
//! each a name and a generated id.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use serde_json::{Value, json};

use super::Ctx;
use crate::i18n::{Lang, Txt, messages};
use crate::settings::Tab;
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, key_for};
use crate::tui::modal::{Ask, Modal, Prompt, PromptKind};
use crate::tui::msg::Command;
use crate::tui::widgets::tab_editor::{Selector, TabEditor, item_text, title_line};

pub struct ApiSystemsPane {
    pub editor: TabEditor,
}

impl ApiSystemsPane {
    pub fn new(lang: Lang) -> ApiSystemsPane {
        ApiSystemsPane {
            editor: TabEditor::new(Tab::ApiSystems, Selector::List("systems"), Vec::new(), lang),
        }
    }

    pub fn act(&mut self, a: Action, ctx: &mut Ctx) -> Vec<Command> {
        match a {
            Action::Add => {
                ctx.open(Modal::Prompt(Prompt::new(
                    PromptKind::AddApiSystem,
                    ctx.lang,
                )));
                Vec::new()
            }
            Action::Delete => {
                let index = self.editor.selected;
                if let Some(item) = self.editor.items().get(index) {
                    let name = item_text(item, "name").to_string();
                    ctx.open(Modal::Confirm(Ask::DeleteApiSystem { index, name }));
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The name typed in the dialog: added and saved, unless the list has it already
    /// (then the dialog stays open and says so).
    pub fn submit(&mut self, mut prompt: Prompt, ctx: &mut Ctx) -> Vec<Command> {
        let name = prompt.form.value("name").trim().to_string();
        let taken = self
            .editor
            .items()
            .iter()
            .any(|s| item_text(s, "name").trim().to_lowercase() == name.to_lowercase());
        if taken {
            if let Some(f) = prompt.form.get_mut("name") {
                f.error = Some(Txt::NameTaken.t(ctx.lang).to_string());
            }
            ctx.open(Modal::Prompt(prompt));
            return Vec::new();
        }
        let item = json!({"id": uuid::Uuid::new_v4().to_string(), "name": name});
        let editor = &mut self.editor;
        let cmds = editor.apply_now(move |doc| {
            if let Some(items) = doc.get_mut("systems").and_then(Value::as_array_mut) {
                items.push(item.clone());
            }
        });
        editor.selected = editor.len().saturating_sub(1);
        cmds
    }

    pub fn delete(&mut self, index: usize) -> Vec<Command> {
        let e = &mut self.editor;
        match e.items().get(index).map(|c| item_text(c, "id").to_string()) {
            Some(id) => e.apply_now(super::erp::remove_by_id("systems", id)),
            None => Vec::new(),
        }
    }
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let e = &app.settings.api_systems.editor;
    let [t, rest] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
    f.render_widget(
        Paragraph::new(title_line(app, e, Txt::TabApiSystems.t(lang))),
        t,
    );
    if e.is_empty() {
        f.render_widget(
            Paragraph::new(messages::no_api_systems(
                key_for(Scope::ApiSystems, Action::Add),
                lang,
            ))
            .style(app.theme.muted()),
            rest,
        );
        return;
    }
    let header = Row::new([Txt::ColName, Txt::ColUuid].map(|t| Cell::from(t.t(lang))))
        .style(app.theme.title());
    let rows = e.items().iter().enumerate().map(|(i, it)| {
        let row = Row::new(vec![
            Cell::from(item_text(it, "name").to_string()),
            Cell::from(item_text(it, "id").to_string()),
        ]);
        if i == e.selected {
            row.style(app.theme.selection())
        } else {
            row
        }
    });
    f.render_widget(
        Table::new(rows, [Constraint::Fill(1), Constraint::Length(38)])
            .header(header)
            .column_spacing(2),
        rest,
    );
}
