//! One settings tab being viewed and edited: a working copy of what was loaded, with a
//! `Form` bound to the part in view (the whole tab, one list element, or one e-mail
//! template). View state only; loads and saves are Commands.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use serde_json::{Value, json};

use crate::i18n::{Lang, Txt, messages};
use crate::settings::{FieldError, Settings, Tab, TemplateKey};
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, key_for};
use crate::tui::modal::Conflict;
use crate::tui::msg::Command;
use crate::tui::widgets::form::{Field, Form, get_path};

/// Which part of the document the form shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector {
    Whole,
    /// One element of this list (`companies`, `systems`).
    List(&'static str),
    /// `url_prefix` and the selected template's subject and body.
    Templates,
}

/// One settings tab being viewed and edited.
pub struct TabEditor {
    pub tab: Tab,
    pub form: Form,
    pub selector: Selector,
    /// The document as loaded (secrets masked) and the version it was read at.
    pub stored: Value,
    pub version: i64,
    pub loaded: bool,
    /// The document with this console's changes; the form writes into it when the
    /// selection moves and before a save.
    pub working: Value,
    /// The working copy differs from the stored one beyond what the form shows.
    pub changed: bool,
    pub selected: usize,
    /// What was last sent to be saved: once it is stored, nothing is unsaved.
    saving: Option<Value>,
    /// The document of the save in flight, exactly as sent: once it is stored it is
    /// the stored document, which the next save-at-once change builds on.
    sent: Option<Value>,
}

impl TabEditor {
    pub fn new(tab: Tab, selector: Selector, fields: Vec<Field>, lang: Lang) -> TabEditor {
        let mut form = Form::new(fields);
        form.lang = lang;
        let stored = tab.default_json();
        let mut e = TabEditor {
            tab,
            form,
            selector,
            working: stored.clone(),
            stored,
            version: 0,
            loaded: false,
            changed: false,
            selected: 0,
            saving: None,
            sent: None,
        };
        e.load_form();
        e
    }

    pub fn dirty(&self) -> bool {
        self.form.dirty || self.changed
    }

    pub fn editing(&self) -> bool {
        self.form.editing
    }

    /// A document as stored while this editor holds unsaved work: when it is the
    /// version this editor saved last, it is what the next save-at-once change builds
    /// on (the working copy is kept).
    pub fn stored_refreshed(&mut self, doc: Value, version: i64) {
        if version == self.version {
            self.stored = doc;
        }
    }

    /// A document as stored: it replaces the working copy (callers keep unsaved work
    /// by not calling this while dirty).
    pub fn loaded_doc(&mut self, doc: Value, version: i64) {
        self.stored = doc.clone();
        self.working = doc;
        self.version = version;
        self.loaded = true;
        self.changed = false;
        self.selected = self.selected.min(self.len().saturating_sub(1));
        self.load_form();
    }

    /// Elements of the list in view (1 for a whole document; 6 templates).
    pub fn len(&self) -> usize {
        match self.selector {
            Selector::Whole => 1,
            Selector::List(_) => self.items().len(),
            Selector::Templates => TemplateKey::ALL.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The list's elements in the working copy.
    pub fn items(&self) -> &[Value] {
        match self.selector {
            Selector::List(l) => self
                .working
                .get(l)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            _ => &[],
        }
    }

    pub fn template_key(&self) -> TemplateKey {
        TemplateKey::ALL[self.selected.min(TemplateKey::ALL.len() - 1)]
    }

    /// The part of the working copy the form shows.
    fn view(&self) -> Value {
        match self.selector {
            Selector::Whole => self.working.clone(),
            Selector::List(_) => self
                .items()
                .get(self.selected)
                .cloned()
                .unwrap_or(Value::Null),
            Selector::Templates => {
                let t = &self.working[self.template_key().key()];
                json!({
                    "url_prefix": self.working["url_prefix"],
                    "subject": t["subject"],
                    "body": t["body"],
                })
            }
        }
    }

    pub fn load_form(&mut self) {
        let v = self.view();
        self.form.load(&v);
        self.form.settle_focus();
        self.refresh_warnings();
    }

    /// Writes the form into the working copy. False when a value cannot be read (the
    /// form then shows why and keeps what was typed).
    pub fn commit_form(&mut self) -> bool {
        if !self.form.dirty {
            return true;
        }
        let base = self.view();
        let Some(doc) = self.form.document(&base) else {
            return false;
        };
        self.put_view(doc);
        self.form.dirty = false;
        self.changed = true;
        true
    }

    fn put_view(&mut self, doc: Value) {
        match self.selector {
            Selector::Whole => self.working = doc,
            Selector::List(l) => {
                if let Some(slot) = self
                    .working
                    .get_mut(l)
                    .and_then(Value::as_array_mut)
                    .and_then(|a| a.get_mut(self.selected))
                {
                    *slot = doc;
                }
            }
            Selector::Templates => {
                let key = self.template_key().key();
                self.working["url_prefix"] = doc["url_prefix"].clone();
                self.working[key]["subject"] = doc["subject"].clone();
                self.working[key]["body"] = doc["body"].clone();
            }
        }
    }

    /// Moves the selection, keeping what the form holds; refused while a value cannot
    /// be read.
    pub fn select(&mut self, index: usize) {
        if index >= self.len() || index == self.selected {
            return;
        }
        if self.commit_form() {
            self.selected = index;
            self.load_form();
        }
    }

    pub fn move_selection(&mut self, delta: isize) {
        let n = self.len() as isize;
        if n == 0 {
            return;
        }
        let next = (self.selected as isize + delta).clamp(0, n - 1) as usize;
        self.select(next);
    }

    /// Ctrl-S: the whole working copy, or nothing (errors on the form).
    pub fn save(&mut self) -> Vec<Command> {
        if !self.commit_form() {
            return Vec::new();
        }
        // Out of the fields: the next key is a command again, not text (an error
        // brings the bad field back into editing).
        self.form.editing = false;
        self.saving = Some(self.working.clone());
        self.sent = Some(self.working.clone());
        vec![Command::SaveSettings {
            tab: self.tab,
            doc: self.working.clone(),
            version: self.version,
        }]
    }

    /// A change that is saved at once (delete, add, a link): applied to the working
    /// copy, and to the stored document, which is what gets saved, so that unsaved
    /// edits elsewhere in the tab stay unsaved rather than being saved along.
    pub fn apply_now(&mut self, change: impl Fn(&mut Value)) -> Vec<Command> {
        change(&mut self.working);
        let mut doc = self.stored.clone();
        change(&mut doc);
        if self.working == doc {
            self.saving = Some(doc.clone());
        }
        self.sent = Some(doc.clone());
        self.load_form_keeping_typed();
        vec![Command::SaveSettings {
            tab: self.tab,
            doc,
            version: self.version,
        }]
    }

    /// Reloads the form from the working copy unless it holds unsaved typing.
    fn load_form_keeping_typed(&mut self) {
        self.selected = self.selected.min(self.len().saturating_sub(1));
        if !self.form.dirty {
            self.load_form();
        }
    }

    /// The save went through at `version`.
    pub fn saved(&mut self, version: i64) {
        self.version = version;
        if let Some(doc) = self.sent.take() {
            self.stored = doc;
        }
        if self.saving.take().is_some_and(|s| s == self.working) && !self.form.dirty {
            self.changed = false;
        }
    }

    /// Puts validation errors beside their fields, selecting the element or template
    /// they belong to. `errors` name fields from the tab (`erp.companies[1].nip`).
    pub fn show_errors(&mut self, errors: &[FieldError]) {
        self.saving = None;
        self.sent = None;
        let prefix = format!("{}.", self.tab.key());
        let local: Vec<FieldError> = errors
            .iter()
            .map(|e| FieldError {
                field: e
                    .field
                    .strip_prefix(&prefix)
                    .unwrap_or(&e.field)
                    .to_string(),
                ..e.clone()
            })
            .collect();
        let target = local.iter().find_map(|e| self.owner_of(&e.field));
        if let Some(i) = target
            && i != self.selected
            && i < self.len()
        {
            self.selected = i;
            self.load_form();
        }
        let mine: Vec<FieldError> = local.into_iter().filter_map(|e| self.relative(e)).collect();
        self.form.show_errors(&mine);
    }

    /// Which element or template an error path belongs to.
    fn owner_of(&self, path: &str) -> Option<usize> {
        match self.selector {
            Selector::Whole => None,
            Selector::List(l) => path
                .strip_prefix(l)
                .and_then(|r| r.strip_prefix('['))
                .and_then(|r| r.split(']').next())
                .and_then(|n| n.parse().ok()),
            Selector::Templates => {
                let head = path.split('.').next()?;
                TemplateKey::ALL.iter().position(|k| k.key() == head)
            }
        }
    }

    /// An error path relative to the form in view, if it is in view.
    fn relative(&self, mut e: FieldError) -> Option<FieldError> {
        match self.selector {
            Selector::Whole => Some(e),
            Selector::List(l) => {
                let head = format!("{l}[{}].", self.selected);
                e.field = e.field.strip_prefix(&head)?.to_string();
                Some(e)
            }
            Selector::Templates => {
                if e.field == "url_prefix" {
                    return Some(e);
                }
                let head = format!("{}.", self.template_key().key());
                e.field = e.field.strip_prefix(&head)?.to_string();
                Some(e)
            }
        }
    }

    /// Marks fields whose values have leading or trailing spaces (allowed, but they
    /// break ERP logins).
    pub fn refresh_warnings(&mut self) {
        for f in &mut self.form.fields {
            f.warning = None;
        }
        let base = self.view();
        let Some(view) = self.form.document(&base) else {
            return;
        };
        let mut candidate = self.working.clone();
        match self.selector {
            Selector::Whole => candidate = view,
            Selector::List(l) => {
                if let Some(slot) = candidate
                    .get_mut(l)
                    .and_then(Value::as_array_mut)
                    .and_then(|a| a.get_mut(self.selected))
                {
                    *slot = view;
                }
            }
            Selector::Templates => return,
        }
        let warnings = Settings::warnings(self.tab, &candidate);
        let prefix = format!("{}.", self.tab.key());
        for w in warnings {
            let local = FieldError {
                field: w
                    .field
                    .strip_prefix(&prefix)
                    .unwrap_or(&w.field)
                    .to_string(),
                ..w
            };
            if let Some(w) = self.relative(local)
                && let Some(f) = self.form.fields.iter_mut().find(|f| f.key == w.field)
            {
                f.warning = Some(match &w.problem {
                    Some(p) => crate::i18n::problem(p, self.form.lang),
                    None => w.message,
                });
            }
        }
    }

    /// T: trims the fields that have spaces around them.
    pub fn trim(&mut self) -> bool {
        let mut any = false;
        for f in &mut self.form.fields {
            if f.warning.is_some() {
                let text = f.text_value();
                f.set(&Value::String(text.trim().to_string()));
                f.warning = None;
                any = true;
            }
        }
        if any {
            self.form.dirty = true;
        }
        any
    }

    /// Someone else saved first: what differs between their document and this one.
    pub fn conflicted(&mut self, theirs: Value, version: i64) -> Conflict {
        self.saving = None;
        self.sent = None;
        self.commit_form();
        let mut conflict = Conflict::new(self.tab, &self.working, theirs, version);
        // Named and valued as the form shows them, not as the document stores them.
        for (field, mine, theirs) in &mut conflict.differences {
            let key = field
                .rsplit('.')
                .next()
                .unwrap_or(field.as_str())
                .to_string();
            if let Some(f) = self.form.get(&key) {
                *mine = self.form.shown_value(&key, mine).unwrap_or_default();
                *theirs = self.form.shown_value(&key, theirs).unwrap_or_default();
                let label = f.label.t(self.form.lang);
                // A list element's field (`companies[1].login`): the label and which
                // element, counted from 1 as the list shows them.
                let element = field
                    .rsplit_once('.')
                    .and_then(|(e, _)| e.rsplit_once('['))
                    .and_then(|(_, i)| i.trim_end_matches(']').parse::<usize>().ok());
                *field = match element {
                    Some(i) => format!("{label} (#{})", i + 1),
                    None => label.to_string(),
                };
            }
        }
        conflict
    }

    /// The value of a field of the element in view (`company_name`), from the form.
    pub fn value(&self, key: &str) -> String {
        self.form.value(key)
    }
}

/// A text value of a list element.
pub fn item_text<'a>(item: &'a Value, key: &str) -> &'a str {
    get_path(item, key).and_then(Value::as_str).unwrap_or("")
}

/// The pane's title with the unsaved marker and the stored version.
pub fn title_line(app: &App, editor: &TabEditor, title: &str) -> Line<'static> {
    let mut spans = vec![Span::styled(title.to_string(), app.theme.title())];
    if editor.dirty() {
        spans.push(Span::styled(
            format!("  ● {}", Txt::Unsaved.t(app.lang)),
            app.theme.warn(),
        ));
    }
    if editor.version > 0 {
        spans.push(Span::styled(
            format!("  v{}", editor.version),
            app.theme.muted(),
        ));
    }
    Line::from(spans)
}

/// A form with a title and notes under it.
pub fn form_pane(
    f: &mut Frame,
    app: &App,
    area: Rect,
    editor: &TabEditor,
    title: Txt,
    notes: &[Line],
) {
    let lang = app.lang;
    let rows = editor
        .form
        .fields
        .iter()
        .filter(|fl| !editor.form.hidden.contains(fl.key))
        .map(|fl| fl.height())
        .sum::<u16>();
    let [t, form, rest] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(rows.min(area.height.saturating_sub(3))),
        Constraint::Min(1),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(title_line(app, editor, title.t(lang))), t);
    let w = editor.form.label_width(lang, form.width * 3 / 5);
    editor.form.draw(f, form, &app.theme, lang, w);
    let mut lines = vec![Line::from("")];
    lines.extend(notes.iter().cloned());
    if editor.form.fields.iter().any(|fl| fl.warning.is_some()) {
        lines.push(Line::styled(
            format!(
                "⚠ {}",
                messages::spaces_warning(key_for(Scope::ApiAuth, Action::Trim), lang)
            ),
            app.theme.warn(),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), rest);
}
