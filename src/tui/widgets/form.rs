//! A settings form: labelled fields of a few kinds, one of them focused. Text is edited
//! with ratatui-textarea; a value typed is never lost (errors are shown beside it).

use std::collections::HashSet;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui_textarea::TextArea;

use super::input::text_key;
use serde_json::Value;

use crate::i18n::{Lang, Txt};
use crate::settings::MASK;
use crate::tui::keys::{self, Action, Scope, action_for};
use crate::tui::theme::Theme;

/// Rows a multi-line field shows.
pub const MULTI_LINE_ROWS: u16 = 4;

pub enum Input {
    Text(TextArea<'static>),
    /// Several lines; Enter starts a new line.
    MultiLine(TextArea<'static>),
    Secret {
        area: TextArea<'static>,
        shown: bool,
    },
    Number(TextArea<'static>),
    YesNo(bool),
    /// (stored value, label)
    Select {
        options: Vec<(&'static str, Txt)>,
        index: usize,
    },
    ReadOnly(String),
}

pub struct Field {
    pub key: &'static str,
    pub label: Txt,
    pub input: Input,
    pub error: Option<String>,
    /// Something allowed but probably wrong (leading spaces...), shown like an error.
    pub warning: Option<String>,
    /// Shown greyed in an empty text field (`All` for an empty group).
    pub placeholder: Option<Txt>,
    /// Rows of a multi-line field.
    pub rows: u16,
}

fn text_area(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![text.to_string()]);
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

impl Field {
    pub fn text(key: &'static str, label: Txt) -> Field {
        Field {
            key,
            label,
            input: Input::Text(text_area("")),
            error: None,
            warning: None,
            placeholder: None,
            rows: 1,
        }
    }
    pub fn multi_line(key: &'static str, label: Txt) -> Field {
        Field {
            key,
            label,
            input: Input::MultiLine(TextArea::default()),
            error: None,
            warning: None,
            placeholder: None,
            rows: MULTI_LINE_ROWS,
        }
    }

    pub fn with_rows(mut self, rows: u16) -> Field {
        self.rows = rows;
        self
    }

    pub fn with_placeholder(mut self, text: Txt) -> Field {
        self.placeholder = Some(text);
        self
    }

    /// Rows the field takes on screen.
    pub fn height(&self) -> u16 {
        if matches!(self.input, Input::MultiLine(_)) {
            self.rows
        } else {
            1
        }
    }

    pub fn is_multi_line(&self) -> bool {
        matches!(self.input, Input::MultiLine(_))
    }

    pub fn secret(key: &'static str, label: Txt) -> Field {
        let mut area = text_area("");
        area.set_mask_char('•');
        Field {
            key,
            label,
            input: Input::Secret { area, shown: false },
            error: None,
            warning: None,
            placeholder: None,
            rows: 1,
        }
    }
    pub fn number(key: &'static str, label: Txt) -> Field {
        Field {
            key,
            label,
            input: Input::Number(text_area("")),
            error: None,
            warning: None,
            placeholder: None,
            rows: 1,
        }
    }
    pub fn yes_no(key: &'static str, label: Txt) -> Field {
        Field {
            key,
            label,
            input: Input::YesNo(false),
            error: None,
            warning: None,
            placeholder: None,
            rows: 1,
        }
    }
    pub fn select(key: &'static str, label: Txt, options: Vec<(&'static str, Txt)>) -> Field {
        Field {
            key,
            label,
            input: Input::Select { options, index: 0 },
            error: None,
            warning: None,
            placeholder: None,
            rows: 1,
        }
    }
    pub fn read_only(key: &'static str, label: Txt, text: &str) -> Field {
        Field {
            key,
            label,
            input: Input::ReadOnly(text.into()),
            error: None,
            warning: None,
            placeholder: None,
            rows: 1,
        }
    }

    pub fn is_editable(&self) -> bool {
        !matches!(self.input, Input::ReadOnly(_))
    }

    /// The value as text (what a text area holds, or the option's stored value).
    pub fn text_value(&self) -> String {
        match &self.input {
            Input::Text(a)
            | Input::MultiLine(a)
            | Input::Number(a)
            | Input::Secret { area: a, .. } => a.lines().join("\n"),
            Input::YesNo(b) => b.to_string(),
            Input::Select { options, index } => options
                .get(*index)
                .map(|o| o.0.to_string())
                .unwrap_or_default(),
            Input::ReadOnly(t) => t.clone(),
        }
    }

    pub fn set(&mut self, value: &Value) {
        match &mut self.input {
            Input::Text(a) | Input::Secret { area: a, .. } => {
                let masked = a.mask_char();
                *a = text_area(value.as_str().unwrap_or_default());
                if let Some(m) = masked {
                    a.set_mask_char(m);
                }
            }
            Input::MultiLine(a) => {
                *a = TextArea::from(value.as_str().unwrap_or_default().lines());
            }
            Input::Number(a) => {
                *a = text_area(&value.as_i64().map(|n| n.to_string()).unwrap_or_default())
            }
            Input::YesNo(b) => *b = value.as_bool().unwrap_or(false),
            Input::Select { options, index } => {
                if let Some(i) = options.iter().position(|o| Some(o.0) == value.as_str()) {
                    *index = i;
                }
            }
            Input::ReadOnly(_) => {}
        }
    }

    /// The value for the settings document; a number that is not one is an error here
    /// (the field keeps what was typed).
    pub fn json(&self) -> Result<Value, String> {
        Ok(match &self.input {
            Input::Number(a) => {
                let text = a.lines().join("");
                let text = text.trim();
                if text.is_empty() {
                    Value::from(0)
                } else {
                    Value::from(text.parse::<i64>().map_err(|_| text.to_string())?)
                }
            }
            Input::YesNo(b) => Value::Bool(*b),
            _ => Value::String(self.text_value()),
        })
    }

    /// Handles a key meant for this field; true when the value changed.
    pub fn key(&mut self, k: KeyEvent) -> bool {
        match &mut self.input {
            // Text takes every key but those that leave the field.
            Input::MultiLine(a) => !keys::leaves_field(&k, true) && text_key(a, k),
            Input::Text(a) | Input::Number(a) | Input::Secret { area: a, .. } => {
                !keys::leaves_field(&k, false) && text_key(a, k)
            }
            Input::YesNo(b) => match action_for(Scope::Choice, &k) {
                Some(Action::NextChoice | Action::PrevChoice) => {
                    *b = !*b;
                    true
                }
                Some(Action::Yes) => !std::mem::replace(b, true),
                Some(Action::No) => std::mem::replace(b, false),
                _ => false,
            },
            Input::Select { options, index } => {
                let n = options.len().max(1);
                let next = match action_for(Scope::Choice, &k) {
                    Some(Action::NextChoice) => (*index + 1) % n,
                    Some(Action::PrevChoice) => (*index + n - 1) % n,
                    _ => return false,
                };
                *index = next;
                true
            }
            Input::ReadOnly(_) => false,
        }
    }

    pub fn paste(&mut self, text: &str) -> bool {
        match &mut self.input {
            Input::MultiLine(a) => a.insert_str(text.replace("\r\n", "\n")),
            Input::Text(a) | Input::Number(a) | Input::Secret { area: a, .. } => {
                let one_line: String = text.chars().filter(|c| *c != '\n' && *c != '\r').collect();
                a.insert_str(one_line)
            }
            _ => false,
        }
    }

    pub fn toggle_shown(&mut self) {
        if let Input::Secret { area, shown } = &mut self.input {
            *shown = !*shown;
            if *shown {
                area.clear_mask_char()
            } else {
                area.set_mask_char('•')
            }
        }
    }
}

/// A nested value by dotted key (`connection.server`).
pub fn get_path<'a>(doc: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(doc, |v, part| v.get(part))
}

/// Sets a nested value by dotted key, creating the objects on the way.
pub fn set_path(doc: &mut Value, key: &str, value: Value) {
    let mut slot = doc;
    for part in key.split('.') {
        if !slot.is_object() {
            *slot = Value::Object(serde_json::Map::new());
        }
        slot = &mut slot[part];
    }
    *slot = value;
}

#[derive(Default)]
pub struct Form {
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Keys go to the fields (global keys are off while typing).
    pub editing: bool,
    pub hidden: HashSet<&'static str>,
    pub dirty: bool,
    /// The language errors are worded in.
    pub lang: Lang,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Form {
        Form {
            fields,
            ..Form::default()
        }
    }

    /// A stored value of field `key` as the form shows it (`tak` for true, a choice's
    /// label for its value); None when the form has no such field.
    pub fn shown_value(&self, key: &str, raw: &str) -> Option<String> {
        let field = self.get(key)?;
        Some(match &field.input {
            Input::YesNo(_) => match raw {
                "true" => Txt::Yes.t(self.lang).to_string(),
                "false" => Txt::No.t(self.lang).to_string(),
                other => other.to_string(),
            },
            Input::Select { options, .. } => options
                .iter()
                .find(|(v, _)| *v == raw)
                .map_or_else(|| raw.to_string(), |(_, l)| l.t(self.lang).to_string()),
            _ => raw.to_string(),
        })
    }

    pub fn get(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.key == key)
    }

    pub fn value(&self, key: &str) -> String {
        self.get(key).map(Field::text_value).unwrap_or_default()
    }

    fn visible(&self) -> Vec<usize> {
        (0..self.fields.len())
            .filter(|i| !self.hidden.contains(self.fields[*i].key) && self.fields[*i].is_editable())
            .collect()
    }

    /// The focused field is a password (its text can be shown).
    pub fn on_secret(&self) -> bool {
        self.focused()
            .is_some_and(|f| matches!(f.input, Input::Secret { .. }))
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    pub fn move_focus(&mut self, forward: bool) {
        let visible = self.visible();
        if visible.is_empty() {
            return;
        }
        let pos = visible.iter().position(|i| *i == self.focus);
        let next = match (pos, forward) {
            (Some(p), true) => visible[(p + 1) % visible.len()],
            (Some(p), false) => visible[(p + visible.len() - 1) % visible.len()],
            (None, _) => visible[0],
        };
        self.focus = next;
    }

    /// Makes sure the focus is on a visible, editable field.
    pub fn settle_focus(&mut self) {
        if !self.visible().contains(&self.focus) {
            self.move_focus(true);
        }
    }

    /// A key while editing. Tab / Shift-Tab / ↑↓ move between fields.
    pub fn key(&mut self, k: KeyEvent) -> bool {
        let multi_line = self
            .fields
            .get(self.focus)
            .is_some_and(Field::is_multi_line);
        if multi_line && keys::moves_within_text(&k) {
            return self.edit_focused(k);
        }
        match action_for(Scope::Form, &k) {
            Some(a @ (Action::NextField | Action::PrevField)) => {
                self.move_focus(a == Action::NextField);
                false
            }
            // Only in a password field: elsewhere the key is the text's.
            Some(Action::ShowPassword)
                if self
                    .fields
                    .get(self.focus)
                    .is_some_and(|f| matches!(f.input, Input::Secret { .. })) =>
            {
                if let Some(f) = self.fields.get_mut(self.focus) {
                    f.toggle_shown();
                }
                false
            }
            _ => self.edit_focused(k),
        }
    }

    fn edit_focused(&mut self, k: KeyEvent) -> bool {
        let changed = self.fields.get_mut(self.focus).is_some_and(|f| f.key(k));
        if changed {
            self.dirty = true;
            if let Some(f) = self.fields.get_mut(self.focus) {
                f.error = None;
            }
        }
        changed
    }

    pub fn paste(&mut self, text: &str) {
        if self
            .fields
            .get_mut(self.focus)
            .is_some_and(|f| f.paste(text))
        {
            self.dirty = true;
        }
    }

    /// Fills the fields from a stored document (secrets arrive masked and stay so). A
    /// key may name a nested field (`connection.server`).
    pub fn load(&mut self, doc: &Value) {
        for f in &mut self.fields {
            if let Some(v) = get_path(doc, f.key) {
                f.set(v);
            }
            f.error = None;
        }
        self.dirty = false;
    }

    /// The document to save: the stored one with the fields' values over it. A masked
    /// secret left as it was keeps the stored value.
    pub fn document(&mut self, stored: &Value) -> Option<Value> {
        let mut doc = stored.clone();
        let mut ok = true;
        for f in &mut self.fields {
            if matches!(f.input, Input::ReadOnly(_))
                || self.hidden.contains(f.key) && f.key == "password"
            {
                continue;
            }
            match f.json() {
                Ok(v) => {
                    if matches!(f.input, Input::Secret { .. }) && v == Value::String(MASK.into()) {
                        continue;
                    }
                    set_path(&mut doc, f.key, v);
                }
                Err(text) => {
                    let p = crate::settings::Problem::NotANumber(text);
                    f.error = Some(crate::i18n::problem(&p, self.lang));
                    ok = false;
                }
            }
        }
        ok.then_some(doc)
    }

    /// Puts errors from validation beside their fields: an error's path ends with the
    /// field's key (`mail_server.port` -> `port`, `erp.companies[0].connection.server`
    /// -> `connection.server`).
    pub fn show_errors(&mut self, errors: &[crate::settings::FieldError]) {
        let lang = self.lang;
        for e in errors {
            let found = self.fields.iter_mut().find(|f| {
                e.field == f.key
                    || e.field
                        .strip_suffix(f.key)
                        .is_some_and(|head| head.ends_with('.'))
            });
            if let Some(f) = found {
                f.error = Some(match &e.problem {
                    Some(p) => crate::i18n::problem(p, lang),
                    None => e.message.clone(),
                });
            }
        }
        // Back into the first bad field, so that what is typed next fixes it.
        if let Some(i) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = i;
            self.editing = true;
        }
    }

    /// Room for the longest visible label and its focus marker.
    pub fn label_width(&self, lang: Lang, at_most: u16) -> u16 {
        let longest = self
            .fields
            .iter()
            .filter(|f| !self.hidden.contains(f.key))
            .map(|f| f.label.t(lang).chars().count())
            .max()
            .unwrap_or(10);
        (longest as u16 + 3).min(at_most)
    }

    /// One line per visible field: label, value, error.
    pub fn draw(&self, f: &mut Frame, area: Rect, theme: &Theme, lang: Lang, label_width: u16) {
        self.draw_as(f, area, theme, lang, label_width, true);
    }

    /// Draws the form; one that is not `active` (another form on screen has the keys)
    /// marks no field as focused.
    pub fn draw_as(
        &self,
        f: &mut Frame,
        area: Rect,
        theme: &Theme,
        lang: Lang,
        label_width: u16,
        active: bool,
    ) {
        let rows: Vec<&Field> = self
            .fields
            .iter()
            .filter(|fl| !self.hidden.contains(fl.key))
            .collect();
        let focus_row = rows
            .iter()
            .position(|fl| {
                std::ptr::eq(
                    *fl,
                    &self.fields[self.focus.min(self.fields.len().saturating_sub(1))],
                )
            })
            .unwrap_or(0);
        // From the first row that still lets the focused one fit, down as far as fits.
        let mut first = focus_row;
        let mut used = rows.get(focus_row).map(|r| r.height()).unwrap_or(1);
        while first > 0 && used + rows[first - 1].height() <= area.height {
            first -= 1;
            used += rows[first].height();
        }
        let mut y = area.y;
        for (i, field) in rows.iter().enumerate().skip(first) {
            let h = field.height();
            if y + h > area.y + area.height {
                break;
            }
            let row = Rect::new(area.x, y, area.width, h);
            y += h;
            let [label_area, value_area] =
                Layout::horizontal([Constraint::Length(label_width), Constraint::Min(10)])
                    .areas(row);
            let focused = active && i == focus_row;
            let label_style = if focused {
                theme.accent()
            } else {
                theme.muted()
            };
            let marker = if focused { "› " } else { "  " };
            // A label cut short ends in `…` and keeps a space before the value.
            let room = usize::from(label_width).saturating_sub(3);
            let label = field.label.t(lang);
            let label = if label.chars().count() > room {
                let cut: String = label.chars().take(room.saturating_sub(1)).collect();
                format!("{cut}…")
            } else {
                label.to_string()
            };
            f.render_widget(
                Paragraph::new(format!("{marker}{label}")).style(label_style),
                label_area,
            );
            let [value, error] =
                Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(value_area);
            let value_rect = if field.error.is_some() || field.warning.is_some() {
                value
            } else {
                value_area
            };
            match &field.input {
                Input::Text(a)
                | Input::MultiLine(a)
                | Input::Number(a)
                | Input::Secret { area: a, .. } => {
                    let mut a = a.clone();
                    if matches!(field.input, Input::MultiLine(_)) {
                        // A template's line is read whole, not cut at the edge.
                        a.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
                    }
                    if let Some(p) = field.placeholder {
                        a.set_placeholder_text(p.t(lang));
                        a.set_placeholder_style(theme.muted());
                    }
                    a.set_cursor_line_style(ratatui::style::Style::default());
                    if !(focused && self.editing) {
                        // Not being typed into: show the text from its start.
                        a.move_cursor(ratatui_textarea::CursorMove::Jump(0, 0));
                    }
                    if focused && self.editing {
                        a.set_style(theme.base());
                        a.set_cursor_style(theme.selection());
                    } else {
                        a.set_cursor_style(ratatui::style::Style::default());
                        a.set_style(if focused {
                            theme.selection()
                        } else {
                            theme.base()
                        });
                    }
                    f.render_widget(&a, value_rect);
                }
                Input::YesNo(b) => {
                    let text = if *b {
                        Txt::Yes.t(lang)
                    } else {
                        Txt::No.t(lang)
                    };
                    let style = if focused {
                        theme.selection()
                    } else {
                        theme.base()
                    };
                    f.render_widget(Paragraph::new(format!("[{text}]")).style(style), value_rect);
                }
                Input::Select { options, index } => {
                    let spans: Vec<Span> = options
                        .iter()
                        .enumerate()
                        .map(|(j, (_, label))| {
                            let style = if j == *index {
                                if focused {
                                    theme.selection()
                                } else {
                                    theme.accent()
                                }
                            } else {
                                theme.muted()
                            };
                            Span::styled(format!(" {} ", label.t(lang)), style)
                        })
                        .collect();
                    let width: usize = spans.iter().map(|s| s.content.chars().count()).sum();
                    // Every option where they fit; else the chosen one between the
                    // arrows that change it, never options cut at the edge.
                    let spans = match options.get(*index) {
                        Some((_, label)) if width > value_rect.width as usize => {
                            let style = if focused {
                                theme.selection()
                            } else {
                                theme.accent()
                            };
                            vec![Span::styled(format!("◂ {} ▸", label.t(lang)), style)]
                        }
                        _ => spans,
                    };
                    f.render_widget(Paragraph::new(Line::from(spans)), value_rect);
                }
                Input::ReadOnly(t) => {
                    f.render_widget(Paragraph::new(t.as_str()).style(theme.muted()), value_rect);
                }
            }
            // Cut with … when narrow: the status line says the whole of it.
            let fit = |t: String| super::table::fit(&t, error.width);
            if let Some(e) = &field.error {
                f.render_widget(
                    Paragraph::new(fit(format!("✗ {e}"))).style(theme.error()),
                    error,
                );
            } else if let Some(w) = &field.warning {
                f.render_widget(
                    Paragraph::new(fit(format!("⚠ {w}"))).style(theme.warn()),
                    error,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};
    use serde_json::json;

    fn typing(form: &mut Form, text: &str) {
        for c in text.chars() {
            form.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    #[test]
    fn values_round_trip_and_bad_numbers_keep_the_text() {
        let mut form = Form::new(vec![
            Field::text("server_name", Txt::FServerName),
            Field::number("port", Txt::FPort),
            Field::yes_no("enabled", Txt::FEnabled),
            Field::secret("password", Txt::FPassword),
        ]);
        let stored = json!({"server_name": "a", "port": 25, "enabled": false, "password": MASK});
        form.load(&stored);
        form.editing = true;
        typing(&mut form, ".pl");
        form.key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
        form.key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        typing(&mut form, "x");
        assert!(form.dirty);
        assert!(form.document(&stored).is_none(), "2x is not a port");
        assert_eq!(form.value("port"), "2x", "what was typed stays");
        assert!(form.get("port").unwrap().error.is_some());
        form.key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        typing(&mut form, "465");
        form.key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
        form.key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE));
        let doc = form.document(&stored).unwrap();
        assert_eq!(
            doc,
            json!({"server_name": "a.pl", "port": 2465, "enabled": true, "password": MASK})
        );
        // A secret left masked keeps the stored value; a new one replaces it.
        form.key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
        for _ in 0..8 {
            form.key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        }
        form.paste("nowe\nhasło");
        assert_eq!(form.document(&stored).unwrap()["password"], "nowehasło");
    }

    #[test]
    fn multi_line_fields_keep_their_lines() {
        let mut form = Form::new(vec![
            Field::multi_line("body", Txt::FBody),
            Field::text("x", Txt::FSubject),
        ]);
        form.editing = true;
        typing(&mut form, "Dzień dobry,");
        form.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        typing(&mut form, "treść");
        form.key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE));
        assert_eq!(form.focus, 0, "arrows move inside the text");
        form.paste("\r\nPozdrawiam");
        // Pasted at the cursor (first line, column 5), line break included.
        assert_eq!(form.value("body"), "Dzień\nPozdrawiam dobry,\ntreść");
        form.key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
        assert_eq!(form.focus, 1, "Tab leaves the field");
    }
}
