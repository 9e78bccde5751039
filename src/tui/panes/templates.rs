//! E-mail templates [EMAIL] (SPEC §2): the six templates, each a subject and a body
//! with masks, a live preview with sample data, masks to insert and default texts.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use serde_json::Value;

use super::Ctx;
use crate::i18n::{Lang, Txt};
use crate::settings::render::{Rendered, render, sample};
use crate::settings::{Tab, TemplateKey, TemplatesSettings};
use crate::settings::{Template, masks_in};
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, key_for};
use crate::tui::modal::{Modal, Picker, PickerKind};
use crate::tui::msg::Command;
use crate::tui::widgets::form::Field;
use crate::tui::widgets::tab_editor::{Selector, TabEditor, title_line};

pub struct TemplatesPane {
    pub editor: TabEditor,
}

impl TemplatesPane {
    pub fn new(lang: Lang) -> TemplatesPane {
        TemplatesPane {
            editor: TabEditor::new(
                Tab::Templates,
                Selector::Templates,
                vec![
                    Field::text("url_prefix", Txt::FUrlPrefix),
                    Field::text("subject", Txt::FTplSubject),
                    Field::multi_line("body", Txt::FTplBody).with_rows(8),
                ],
                lang,
            ),
        }
    }

    pub fn act(&mut self, a: Action, ctx: &mut Ctx) -> Vec<Command> {
        let lang = ctx.lang;
        match a {
            Action::InsertMask => {
                self.open_mask_picker(ctx);
                Vec::new()
            }
            Action::Defaults => {
                let mut picker = Picker::new(
                    PickerKind::DefaultTexts,
                    Txt::DefaultTexts,
                    vec![
                        ("en".into(), Txt::LangEnglish.t(lang).into()),
                        ("pl".into(), Txt::LangPolish.t(lang).into()),
                    ],
                );
                picker.selected = usize::from(lang == Lang::Pl);
                ctx.open(Modal::Picker(picker));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    pub fn open_mask_picker(&self, ctx: &mut Ctx) {
        let key = self.editor.template_key();
        ctx.open(Modal::Picker(Picker::new(
            PickerKind::Mask,
            Txt::PickMask,
            mask_items(key),
        )));
    }

    /// A mask to insert, or the default texts in the language chosen.
    pub fn picked(&mut self, kind: PickerKind, value: String) {
        match kind {
            PickerKind::Mask => {
                let form = &mut self.editor.form;
                if form.focused().is_none_or(|f| f.key != "subject")
                    && let Some(i) = form.fields.iter().position(|f| f.key == "body")
                {
                    form.focus = i;
                }
                form.paste(&value);
            }
            PickerKind::DefaultTexts => {
                let defaults = if value == "pl" {
                    TemplatesSettings::polish()
                } else {
                    TemplatesSettings::default()
                };
                let editor = &mut self.editor;
                let t = defaults.get(editor.template_key());
                for (key, text) in [("subject", &t.subject), ("body", &t.body)] {
                    if let Some(f) = editor.form.get_mut(key) {
                        f.set(&Value::from(text.as_str()));
                    }
                }
                editor.form.dirty = true;
            }
            PickerKind::Preset | PickerKind::Operator | PickerKind::BulkAction => {}
        }
    }

    /// The selected template rendered with sample data, or the masks it lacks values
    /// for / does not allow.
    pub fn preview(&self) -> Result<Rendered, Vec<String>> {
        let key = self.editor.template_key();
        let subject = self.editor.value("subject");
        let body = self.editor.value("body");
        let unknown: Vec<String> = masks_in(&subject)
            .into_iter()
            .chain(masks_in(&body))
            .filter(|m| !key.masks().contains(m))
            .map(|m| format!("{{{m}}}"))
            .collect();
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let (values, docs) = sample(key);
        let template = Template { subject, body };
        render(
            key,
            &template,
            &self.editor.value("url_prefix"),
            &values,
            &docs,
        )
        .map_err(|es| es.into_iter().map(|e| e.message).collect())
    }
}

/// The masks a template allows, as picker items.
pub fn mask_items(key: TemplateKey) -> Vec<(String, String)> {
    key.masks()
        .iter()
        .map(|m| (format!("{{{m}}}"), format!("{{{m}}}")))
        .collect()
}

/// The template's name in the user's language.
pub fn template_name(key: TemplateKey) -> Txt {
    match key {
        TemplateKey::ReceivedEach => Txt::TplReceivedEach,
        TemplateKey::ReceivedDigest => Txt::TplReceivedDigest,
        TemplateKey::Overdue => Txt::TplOverdue,
        TemplateKey::Reminder => Txt::TplReminder,
        TemplateKey::ObserverEach => Txt::TplObserverEach,
        TemplateKey::ObserverDigest => Txt::TplObserverDigest,
    }
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let e = &app.settings.templates.editor;
    let [t, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    f.render_widget(
        Paragraph::new(title_line(app, e, Txt::TabTemplates.t(lang))),
        t,
    );
    let [left, right] =
        Layout::horizontal([Constraint::Length(32), Constraint::Min(40)]).areas(rest);
    let key = e.template_key();
    let mut lines: Vec<Line> = TemplateKey::ALL
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let text = format!(" {}", template_name(*k).t(lang));
            if i == e.selected {
                Line::styled(text, app.theme.selection())
            } else {
                Line::styled(text, app.theme.base())
            }
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::styled(
        format!(
            " {} ({})",
            Txt::Masks.t(lang),
            key_for(Scope::Templates, Action::InsertMask)
        ),
        app.theme.title(),
    ));
    lines.extend(
        key.masks()
            .iter()
            .map(|m| Line::styled(format!("  {{{m}}}"), app.theme.accent())),
    );
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::RIGHT)),
        left,
    );
    let rows: u16 = e.form.fields.iter().map(|fl| fl.height()).sum();
    let [form, preview] =
        Layout::vertical([Constraint::Length(rows), Constraint::Min(3)]).areas(right);
    let w = e.form.label_width(lang, form.width / 3);
    e.form.draw(f, form, &app.theme, lang, w);
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Txt::Preview.t(lang));
    let text = match app.settings.templates.preview() {
        Ok(r) => {
            let mut l = vec![Line::styled(r.subject, app.theme.accent())];
            l.extend(r.body.lines().map(|x| Line::from(x.to_string())));
            l
        }
        Err(problems) => problems
            .into_iter()
            .map(|p| {
                let text = if p.starts_with('{') {
                    format!("✗ {}: {p}", Txt::UnknownMask.t(lang))
                } else {
                    format!("✗ {p}")
                };
                Line::styled(text, app.theme.error())
            })
            .collect(),
    };
    f.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
        preview,
    );
}
