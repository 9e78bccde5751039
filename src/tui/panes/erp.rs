//! ERP connections [Połączenia z ERP] (SPEC §4): one company per ERP database, each with
//! its connection, tax id, KSeF token, e-Delivery mailbox and private key.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use serde_json::{Value, json};

use super::Ctx;
use crate::i18n::{Lang, Txt, messages};
use crate::settings::KeyInfo;
use crate::settings::{MASK, Tab, check_nip};
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, key_for};
use crate::tui::modal::{Ask, Modal, Prompt, PromptKind};
use crate::tui::msg::Command;
use crate::tui::widgets::form::Field;
use crate::tui::widgets::tab_editor::{Selector, TabEditor, item_text, title_line};
use crate::tui::widgets::table::fit;

pub struct ErpPane {
    pub editor: TabEditor,
    /// What each company's stored key is, by company id (from the service).
    pub key_infos: HashMap<String, Result<KeyInfo, String>>,
    /// Keys loaded from files and not saved yet, by company id.
    pub new_keys: HashMap<String, KeyInfo>,
}

impl ErpPane {
    pub fn new(lang: Lang) -> ErpPane {
        let mut p = ErpPane {
            editor: TabEditor::new(Tab::Erp, Selector::List("companies"), erp_fields(), lang),
            key_infos: HashMap::new(),
            new_keys: HashMap::new(),
        };
        p.refresh_sections();
        p
    }

    /// The ERP company form follows its choices: the Optima-only display name, the
    /// domain fields, SQL login fields, and the derived company database.
    pub fn refresh_sections(&mut self) {
        let form = &mut self.editor.form;
        let optima = form.value("erp_system") == "optima";
        let mut hidden = std::collections::HashSet::new();
        if !optima {
            hidden.insert("display_name");
        }
        if form.value("connection.auth") != "sql" {
            hidden.extend(["connection.user", "connection.password"]);
        }
        if form.value("use_domain") != "true" {
            hidden.extend(["domain_name", "group"]);
        }
        form.hidden = hidden;
        if let Some(f) = form.get_mut("company_name") {
            f.label = if optima {
                Txt::FSpolkaOptima
            } else {
                Txt::FSpolka
            };
        }
        let derived = company_database(
            &form.value("connection.server"),
            &form.value("connection.database"),
            &form.value("company_name"),
        );
        if let Some(f) = form.get_mut("company_db") {
            f.input = crate::tui::widgets::form::Input::ReadOnly(derived);
        }
        form.settle_focus();
    }

    /// What to show for the selected company's private key: (text, is it a problem).
    pub fn key_state(&self, lang: Lang) -> (String, bool) {
        let Some(company) = self.editor.items().get(self.editor.selected) else {
            return (String::new(), false);
        };
        let id = company.get("id").and_then(Value::as_str).unwrap_or("");
        match company
            .get("private_key")
            .and_then(Value::as_str)
            .unwrap_or("")
        {
            "" => (Txt::NoKey.t(lang).to_string(), false),
            MASK => match self.key_infos.get(id) {
                Some(Ok(info)) => (info.to_string(), false),
                Some(Err(e)) => (e.clone(), true),
                None => ("…".into(), false),
            },
            _ => match self.new_keys.get(id) {
                Some(info) => (format!("{info} ({})", Txt::KeyNotSaved.t(lang)), false),
                None => (Txt::KeyNotSaved.t(lang).to_string(), false),
            },
        }
    }

    pub fn act(&mut self, a: Action, ctx: &mut Ctx) -> Vec<Command> {
        let lang = ctx.lang;
        let editor = &mut self.editor;
        match a {
            Action::Add => {
                if editor.commit_form()
                    && let Some(item) = Tab::Erp.new_list_item("companies")
                {
                    match editor
                        .working
                        .get_mut("companies")
                        .and_then(Value::as_array_mut)
                    {
                        Some(items) => items.push(item),
                        None => editor.working["companies"] = json!([item]),
                    }
                    editor.changed = true;
                    editor.selected = editor.len() - 1;
                    editor.load_form();
                    editor.form.editing = true;
                    editor.form.focus = 0;
                }
                Vec::new()
            }
            Action::Delete => {
                let index = editor.selected;
                if let Some(item) = editor.items().get(index) {
                    let name = item_text(item, "company_name").to_string();
                    ctx.open(Modal::Confirm(Ask::DeleteCompany { index, name }));
                }
                Vec::new()
            }
            Action::LoadKey if !editor.is_empty() => {
                ctx.open(Modal::Prompt(Prompt::new(PromptKind::LoadKey, lang)));
                Vec::new()
            }
            Action::WriteKey => {
                let has_key = editor
                    .items()
                    .get(editor.selected)
                    .is_some_and(|c| !item_text(c, "private_key").is_empty());
                if has_key {
                    ctx.open(Modal::Prompt(Prompt::new(PromptKind::WriteKey, lang)));
                } else {
                    ctx.say(true, Txt::NoKey.t(lang));
                }
                Vec::new()
            }
            Action::RemoveKey => {
                let index = editor.selected;
                if let Some(company) = editor
                    .working
                    .get_mut("companies")
                    .and_then(|c| c.get_mut(index))
                {
                    let id = item_text(company, "id").to_string();
                    company["private_key"] = json!("");
                    editor.changed = true;
                    self.new_keys.remove(&id);
                }
                Vec::new()
            }
            Action::GenerateToken => {
                let nip = editor.value("nip");
                if nip.trim().is_empty() {
                    ctx.say(true, Txt::EnterNipFirst.t(lang));
                } else if let Err(p) = check_nip(&nip) {
                    ctx.say(true, format!("nip: {}", crate::i18n::problem(&p, lang)));
                } else {
                    let mode = ctx.config.ksef_mode_name();
                    ctx.say(
                        false,
                        format!(
                            "{} ({}: {mode})",
                            Txt::KsefGenerateInfo.t(lang),
                            Txt::KsefMode.t(lang)
                        ),
                    );
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The company asked about, deleted: saved at once if it was stored.
    pub fn delete(&mut self, index: usize) -> Vec<Command> {
        let e = &mut self.editor;
        let Some(id) = e.items().get(index).map(|c| item_text(c, "id").to_string()) else {
            return Vec::new();
        };
        self.new_keys.remove(&id);
        e.form.dirty = false;
        let stored = e.stored["companies"]
            .as_array()
            .is_some_and(|a| a.iter().any(|c| item_text(c, "id") == id));
        let cmds = if stored {
            e.apply_now(remove_by_id("companies", id))
        } else {
            // Added here and never saved: there is nothing stored to delete.
            remove_by_id("companies", id)(&mut e.working);
            e.selected = e.selected.min(e.len().saturating_sub(1));
            e.changed = e.working != e.stored;
            e.load_form();
            Vec::new()
        };
        self.refresh_sections();
        cmds
    }

    /// Load or write the selected company's key, from the path typed.
    pub fn submit(&mut self, prompt: Prompt) -> Vec<Command> {
        let e = &self.editor;
        let Some(company) = e.items().get(e.selected) else {
            return Vec::new();
        };
        let company_id = item_text(company, "id").to_string();
        match prompt.kind {
            PromptKind::LoadKey => vec![Command::ReadPrivateKey {
                company_id,
                path: prompt.form.value("path"),
            }],
            PromptKind::WriteKey => {
                let key = item_text(company, "private_key");
                vec![Command::WritePrivateKey {
                    company_id,
                    unsaved_pem: (key != MASK).then(|| key.to_string()),
                    path: prompt.form.value("path"),
                }]
            }
            _ => Vec::new(),
        }
    }

    /// A key read from a file goes to the company it was loaded for, wherever the
    /// selection is now.
    pub fn key_read(&mut self, company_id: String, pem: String, info: KeyInfo) {
        let e = &mut self.editor;
        if let Some(company) = e
            .working
            .get_mut("companies")
            .and_then(|c| c.as_array_mut())
            .and_then(|c| c.iter_mut().find(|c| item_text(c, "id") == company_id))
        {
            company["private_key"] = Value::String(pem);
            self.new_keys.insert(company_id, info);
            e.changed = true;
        }
    }
}

/// Removes the list element with this id.
pub fn remove_by_id(list: &'static str, id: String) -> impl Fn(&mut Value) {
    move |doc: &mut Value| {
        if let Some(items) = doc.get_mut(list).and_then(Value::as_array_mut) {
            items.retain(|it| item_text(it, "id") != id);
        }
    }
}

fn erp_fields() -> Vec<Field> {
    let mut fields = vec![
        Field::select(
            "erp_system",
            Txt::FErpSystem,
            vec![
                ("standalone", Txt::OStandalone),
                ("altum", Txt::OAltum),
                ("xl", Txt::OXl),
                ("optima", Txt::OOptima),
                ("enterprise", Txt::OEnterprise),
            ],
        ),
        Field::text("company_name", Txt::FSpolka),
        Field::text("display_name", Txt::FErpDisplayName),
        Field::text("abbreviation", Txt::FAbbreviation),
        Field::text("nip", Txt::FNip),
        Field::secret("ksef_token", Txt::FKsefToken),
        Field::text("edelivery_address", Txt::FEdeliveryAddress)
            .with_placeholder(Txt::EdeliveryFormat),
        Field::text("edelivery_system_name", Txt::FEdeliverySystem),
        Field::text("connection.server", Txt::FConnServer),
        Field::text("connection.database", Txt::FConnDatabase),
        Field::select(
            "connection.auth",
            Txt::FConnAuth,
            vec![("windows", Txt::OWindows), ("sql", Txt::OSqlLogin)],
        ),
        Field::text("connection.user", Txt::FConnUser),
        Field::secret("connection.password", Txt::FConnPassword),
        Field::read_only("company_db", Txt::FCompanyDb, ""),
        Field::text("license_server", Txt::FLicenseServer),
        Field::text("login", Txt::FOperatorLogin),
        Field::secret("password", Txt::FPassword),
    ];
    fields.extend(super::domain::domain_fields());
    fields
}

/// The company's database connection as the DMS derives it: the connection's server
/// and database, else a database named after the company.
fn company_database(server: &str, database: &str, company: &str) -> String {
    let db = if database.trim().is_empty() {
        company.trim()
    } else {
        database.trim()
    };
    match (server.trim(), db) {
        ("", "") => String::new(),
        ("", db) => db.to_string(),
        (s, db) => format!("{s} / {db}"),
    }
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let s = &app.settings;
    let e = &s.erp.editor;
    let [t, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let mut title = title_line(app, e, Txt::TabErp.t(lang));
    title.spans.push(Span::styled(
        format!(
            "   {}: {}",
            Txt::KsefMode.t(lang),
            app.config.ksef_mode_name()
        ),
        app.theme.accent(),
    ));
    f.render_widget(Paragraph::new(title), t);
    let [left, right] =
        Layout::horizontal([Constraint::Length(26), Constraint::Min(40)]).areas(rest);
    let lines: Vec<Line> = e
        .items()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = match item_text(c, "company_name") {
                "" => Txt::NewCompany.t(lang),
                n => n,
            };
            // The abbreviation in its column, a space, the name; each cut with `…`.
            let abbreviation = fit(item_text(c, "abbreviation"), 6);
            let text = fit(
                &format!(" {abbreviation:<6} {name}"),
                left.width.saturating_sub(1),
            );
            if i == e.selected {
                Line::styled(text, app.theme.selection())
            } else {
                Line::styled(text, app.theme.base())
            }
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::RIGHT)),
        left,
    );
    if e.is_empty() {
        f.render_widget(
            Paragraph::new(format!(
                " {}",
                messages::no_companies(key_for(Scope::Erp, Action::Add), lang)
            ))
            .style(app.theme.muted()),
            right,
        );
        return;
    }
    let [form, notes] = Layout::vertical([Constraint::Min(4), Constraint::Length(3)]).areas(right);
    let w = e.form.label_width(lang, form.width * 9 / 20);
    e.form.draw(f, form, &app.theme, lang, w);
    let (key_text, key_bad) = s.erp.key_state(lang);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!(" {}: ", Txt::FPrivateKey.t(lang)),
            app.theme.muted(),
        ),
        Span::styled(
            key_text,
            if key_bad {
                app.theme.error()
            } else {
                app.theme.accent()
            },
        ),
        Span::styled(
            format!(
                "  ({}/{}/{})",
                key_for(Scope::Erp, Action::LoadKey),
                key_for(Scope::Erp, Action::RemoveKey),
                key_for(Scope::Erp, Action::WriteKey)
            ),
            app.theme.muted(),
        ),
    ])];
    if e.form.fields.iter().any(|fl| fl.warning.is_some()) {
        lines.push(Line::styled(
            format!(
                " ⚠ {}",
                messages::spaces_warning(key_for(Scope::Erp, Action::Trim), lang)
            ),
            app.theme.warn(),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), notes);
}
