//! The settings panes after Mail server (SPEC §2-§8). Each edits one tab's document:
//! a working copy of what was loaded, with a `Form` bound to the part in view (the whole
//! tab, one list element, or one e-mail template). View state only; loads and saves are
//! Commands.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::form::{Field, Form, get_path};
use super::modal::Conflict;
use super::msg::Command;
use crate::config::{Config, KsefWorkMode, StorageDestination};
use crate::i18n::{Lang, Txt};
use crate::model::Operator;
use crate::settings::render::{Rendered, render, sample};
use crate::settings::{FieldError, KeyInfo, MASK, Settings, Tab, Template, TemplateKey, masks_in};

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
        self.saving = Some(self.working.clone());
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
        if self.saving.take().is_some_and(|s| s == self.working) && !self.form.dirty {
            self.changed = false;
        }
    }

    /// Puts validation errors beside their fields, selecting the element or template
    /// they belong to. `errors` name fields from the tab (`erp.companies[1].nip`).
    pub fn show_errors(&mut self, errors: &[FieldError]) {
        self.saving = None;
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
                f.warning = Some(w.message);
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

    /// Someone else saved first.
    /// Someone else saved first: what differs between their document and this one.
    pub fn conflicted(&mut self, theirs: Value, version: i64) -> Conflict {
        self.saving = None;
        self.commit_form();
        Conflict::new(self.tab, &self.working, theirs, version)
    }

    /// The value of a field of the element in view (`company_name`), from the form.
    pub fn value(&self, key: &str) -> String {
        self.form.value(key)
    }
}

/// The console's view of the deployment keys the settings panes depend on.
#[derive(Debug, Clone, PartialEq)]
pub struct PaneConfig {
    pub multi_company: bool,
    pub ksef_work_mode: KsefWorkMode,
    pub permissions_section: bool,
    pub use_repository: bool,
    pub workflow_ibard: bool,
    pub repository_ibard: bool,
}

impl Default for PaneConfig {
    fn default() -> Self {
        PaneConfig::from(&Config::default())
    }
}

impl From<&Config> for PaneConfig {
    fn from(c: &Config) -> Self {
        PaneConfig {
            multi_company: c.multi_company,
            ksef_work_mode: c.ksef_work_mode,
            permissions_section: c.use_new_mode_of_document_permissions,
            use_repository: c.use_repository,
            workflow_ibard: c.destination_attachment_workflow == StorageDestination::Ibard,
            repository_ibard: c.destination_attachments_repository == StorageDestination::Ibard,
        }
    }
}

impl PaneConfig {
    /// File storage is shown only where IBARD is used (SPEC §8).
    pub fn storage_visible(&self) -> bool {
        self.workflow_ibard || self.repository_ibard
    }

    /// The sections of File storage, in order: (title, has the repository operator,
    /// has IBARD authorization).
    pub fn storage_sections(&self) -> Vec<(Txt, bool, bool)> {
        if self.use_repository {
            if self.workflow_ibard {
                vec![
                    (Txt::SecRepository, true, false),
                    (Txt::SecAttachmentControls, false, true),
                ]
            } else {
                vec![(Txt::SecRepository, true, false)]
            }
        } else {
            match (self.workflow_ibard, self.repository_ibard) {
                (true, true) => vec![(Txt::SecControlsAndManager, false, true)],
                (true, false) => vec![(Txt::SecAttachmentControls, false, true)],
                (false, true) => vec![(Txt::SecDocumentManager, false, true)],
                (false, false) => Vec::new(),
            }
        }
    }

    pub fn ksef_mode_name(&self) -> &'static str {
        match self.ksef_work_mode {
            KsefWorkMode::Demo => "Demo",
            KsefWorkMode::Test => "Test",
            KsefWorkMode::Production => "Production",
        }
    }
}

/// The settings panes' editors and what they show besides the documents.
pub struct SettingsPanes {
    pub templates: TabEditor,
    pub api_auth: TabEditor,
    pub erp: TabEditor,
    pub domain: TabEditor,
    pub tools: TabEditor,
    pub api_systems: TabEditor,
    pub storage: TabEditor,
    /// What each company's stored key is, by company id (from the service).
    pub key_infos: HashMap<String, Result<KeyInfo, String>>,
    /// Keys loaded from files and not saved yet, by company id.
    pub new_keys: HashMap<String, KeyInfo>,
    pub operators: Option<Vec<Operator>>,
}

impl SettingsPanes {
    pub fn new(lang: Lang) -> SettingsPanes {
        let tools = TabEditor::new(
            Tab::Tools,
            Selector::Whole,
            vec![Field::number("anonymize_after_days", Txt::FAnonymizeDays)],
            lang,
        );
        let mut p = SettingsPanes {
            templates: TabEditor::new(
                Tab::Templates,
                Selector::Templates,
                vec![
                    Field::text("url_prefix", Txt::FUrlPrefix),
                    Field::text("subject", Txt::FTplSubject),
                    Field::multi_line("body", Txt::FTplBody).with_rows(8),
                ],
                lang,
            ),
            api_auth: TabEditor::new(
                Tab::ApiAuth,
                Selector::Whole,
                vec![
                    Field::text("company_name", Txt::FCompanyName),
                    Field::text("login", Txt::FDefaultErpLogin),
                    Field::secret("password", Txt::FPassword),
                ],
                lang,
            ),
            erp: TabEditor::new(Tab::Erp, Selector::List("companies"), erp_fields(), lang),
            domain: TabEditor::new(Tab::Domain, Selector::Whole, domain_fields(), lang),
            tools,
            api_systems: TabEditor::new(
                Tab::ApiSystems,
                Selector::List("systems"),
                Vec::new(),
                lang,
            ),
            storage: TabEditor::new(Tab::Storage, Selector::Whole, Vec::new(), lang),
            key_infos: HashMap::new(),
            new_keys: HashMap::new(),
            operators: None,
        };
        p.refresh_erp_sections();
        p
    }

    pub fn editor(&self, tab: Tab) -> Option<&TabEditor> {
        Some(match tab {
            Tab::Templates => &self.templates,
            Tab::ApiAuth => &self.api_auth,
            Tab::Erp => &self.erp,
            Tab::Domain => &self.domain,
            Tab::Tools => &self.tools,
            Tab::ApiSystems => &self.api_systems,
            Tab::Storage => &self.storage,
            Tab::MailServer => return None,
        })
    }

    pub fn editor_mut(&mut self, tab: Tab) -> Option<&mut TabEditor> {
        Some(match tab {
            Tab::Templates => &mut self.templates,
            Tab::ApiAuth => &mut self.api_auth,
            Tab::Erp => &mut self.erp,
            Tab::Domain => &mut self.domain,
            Tab::Tools => &mut self.tools,
            Tab::ApiSystems => &mut self.api_systems,
            Tab::Storage => &mut self.storage,
            Tab::MailServer => return None,
        })
    }

    /// The ERP company form follows its choices: the Optima-only display name, the
    /// domain fields, SQL login fields, and the derived company database.
    pub fn refresh_erp_sections(&mut self) {
        let form = &mut self.erp.form;
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
            f.input = super::form::Input::ReadOnly(derived);
        }
        form.settle_focus();
    }

    /// The domain pane's fields follow `use_domain` too.
    pub fn refresh_domain_sections(&mut self) {
        let form = &mut self.domain.form;
        form.hidden.clear();
        if form.value("use_domain") != "true" {
            form.hidden.extend(["domain_name", "group"]);
        }
        form.settle_focus();
    }

    /// What to show for the selected company's private key: (text, is it a problem).
    pub fn key_state(&self, lang: Lang) -> (String, bool) {
        let Some(company) = self.erp.items().get(self.erp.selected) else {
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

    /// The selected template rendered with sample data, or the masks it lacks values
    /// for / does not allow.
    pub fn preview(&self) -> Result<Rendered, Vec<String>> {
        let key = self.templates.template_key();
        let subject = self.templates.value("subject");
        let body = self.templates.value("body");
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
            &self.templates.value("url_prefix"),
            &values,
            &docs,
        )
        .map_err(|es| es.into_iter().map(|e| e.message).collect())
    }
}

fn domain_fields() -> Vec<Field> {
    vec![
        Field::yes_no("use_domain", Txt::FUseDomain),
        Field::text("domain_name", Txt::FDomainName),
        Field::text("group", Txt::FGroup).with_placeholder(Txt::OAllGroups),
    ]
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
    fields.extend(domain_fields());
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

/// A text value of a list element.
pub fn item_text<'a>(item: &'a Value, key: &str) -> &'a str {
    get_path(item, key).and_then(Value::as_str).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn erp_doc() -> Value {
        json!({"companies": [
            serde_json::to_value(crate::settings::ErpCompany {
                company_name: "Alfa".into(),
                abbreviation: "ALF".into(),
                ..Default::default()
            }).unwrap(),
            serde_json::to_value(crate::settings::ErpCompany {
                company_name: "Beta".into(),
                abbreviation: "BET".into(),
                ..Default::default()
            }).unwrap(),
        ]})
    }

    #[test]
    fn list_editing_keeps_typed_values_across_selection_and_errors() {
        let mut p = SettingsPanes::new(Lang::En);
        p.erp.loaded_doc(erp_doc(), 2);
        p.erp.form.get_mut("nip").unwrap().set(&json!("123"));
        p.erp.form.dirty = true;
        p.erp.select(1);
        assert_eq!(p.erp.value("company_name"), "Beta");
        assert!(p.erp.dirty());
        // The save's error on company 0 selects it again and shows beside the field.
        let cmds = p.erp.save();
        assert!(
            matches!(&cmds[..], [Command::SaveSettings { version: 2, doc, .. }] if doc["companies"][0]["nip"] == "123")
        );
        p.erp
            .show_errors(&[FieldError::new("erp.companies[0].nip", "is not a NIP")]);
        assert_eq!(p.erp.selected, 0);
        assert_eq!(p.erp.value("nip"), "123");
        assert_eq!(
            p.erp.form.get("nip").unwrap().error.as_deref(),
            Some("is not a NIP")
        );
    }

    #[test]
    fn delete_saves_the_stored_document_and_keeps_other_edits_unsaved() {
        let mut p = SettingsPanes::new(Lang::En);
        p.erp.loaded_doc(erp_doc(), 2);
        p.erp.select(1);
        p.erp.form.get_mut("login").unwrap().set(&json!("typed"));
        p.erp.form.dirty = true;
        p.erp.commit_form();
        let cmds = p.erp.apply_now(|doc| {
            if let Some(a) = doc["companies"].as_array_mut() {
                a.remove(0);
            }
        });
        match &cmds[..] {
            [Command::SaveSettings { doc, .. }] => {
                assert_eq!(doc["companies"].as_array().unwrap().len(), 1);
                assert_eq!(
                    doc["companies"][0]["login"], "",
                    "unsaved edit not saved along"
                );
            }
            other => panic!("{other:?}"),
        }
        p.erp.saved(3);
        assert!(p.erp.dirty(), "the typed login is still unsaved");
        assert_eq!(p.erp.items()[0]["login"], "typed");
    }

    #[test]
    fn a_conflict_names_the_fields_that_differ() {
        let mut p = SettingsPanes::new(Lang::En);
        let doc = erp_doc();
        p.erp.loaded_doc(doc.clone(), 2);
        p.erp.form.get_mut("login").unwrap().set(&json!("mine"));
        p.erp.form.dirty = true;
        let mut theirs = doc;
        theirs["companies"][0]["login"] = json!("theirs");
        let c = p.erp.conflicted(theirs, 3);
        assert_eq!(
            c.differences,
            [(
                "companies[0].login".to_string(),
                "mine".to_string(),
                "theirs".to_string()
            )]
        );
        assert_eq!(c.version, 3);
    }

    #[test]
    fn template_errors_select_their_template() {
        let mut p = SettingsPanes::new(Lang::En);
        p.templates.loaded_doc(Tab::Templates.default_json(), 1);
        p.templates.show_errors(&[FieldError::new(
            "templates.overdue.body",
            "unknown mask {DocumentNumer}",
        )]);
        assert_eq!(p.templates.template_key(), TemplateKey::Overdue);
        assert!(p.templates.form.get("body").unwrap().error.is_some());
        p.templates
            .form
            .get_mut("body")
            .unwrap()
            .set(&json!("{Nope}"));
        assert_eq!(p.preview().unwrap_err(), ["{Nope}"]);
    }

    #[test]
    fn storage_sections_follow_the_config() {
        let mut c = PaneConfig::default();
        assert!(!c.storage_visible());
        c.workflow_ibard = true;
        c.use_repository = true;
        assert_eq!(
            c.storage_sections(),
            [
                (Txt::SecRepository, true, false),
                (Txt::SecAttachmentControls, false, true)
            ]
        );
        c.use_repository = false;
        c.repository_ibard = true;
        assert_eq!(
            c.storage_sections(),
            [(Txt::SecControlsAndManager, false, true)]
        );
        c.workflow_ibard = false;
        assert_eq!(
            c.storage_sections(),
            [(Txt::SecDocumentManager, false, true)]
        );
    }
}
