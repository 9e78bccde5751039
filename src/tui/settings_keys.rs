//! Keys of the settings panes after Mail server: their dialogs, their forms and their
//! actions. Each returns the Commands the change calls for.

use crossterm::event::{KeyCode, KeyEvent};
use serde_json::{Value, json};

use super::app::{App, Pane};
use super::keys::{Action, action_for};
use super::modal::{Ask, Modal, Picker, PickerKind, Prompt, PromptKind};
use super::msg::Command;
use super::settings_panes::{item_text, mask_items};
use crate::i18n::{Lang, Txt};
use crate::settings::{MASK, Tab, TemplatesSettings, check_nip};

/// Removes the list element with this id.
fn remove_by_id(list: &'static str, id: String) -> impl Fn(&mut Value) {
    move |doc: &mut Value| {
        if let Some(items) = doc.get_mut(list).and_then(Value::as_array_mut) {
            items.retain(|it| item_text(it, "id") != id);
        }
    }
}

impl App {
    pub(super) fn submit_prompt(&mut self, prompt: Prompt) -> Vec<Command> {
        match prompt.kind {
            PromptKind::AddApiSystem => {
                let name = prompt.form.value("name").trim().to_string();
                let taken = self
                    .settings
                    .api_systems
                    .items()
                    .iter()
                    .any(|s| item_text(s, "name").trim().to_lowercase() == name.to_lowercase());
                if taken {
                    let mut prompt = prompt;
                    if let Some(f) = prompt.form.get_mut("name") {
                        f.error = Some(Txt::NameTaken.t(self.lang).to_string());
                    }
                    self.modal = Some(Modal::Prompt(prompt));
                    return Vec::new();
                }
                let item = json!({"id": uuid::Uuid::new_v4().to_string(), "name": name});
                let editor = &mut self.settings.api_systems;
                let cmds = editor.apply_now(move |doc| {
                    if let Some(items) = doc.get_mut("systems").and_then(Value::as_array_mut) {
                        items.push(item.clone());
                    }
                });
                editor.selected = editor.len().saturating_sub(1);
                cmds
            }
            PromptKind::LoadKey => {
                let e = &self.settings.erp;
                match e.items().get(e.selected) {
                    Some(company) => vec![Command::ReadPrivateKey {
                        company_id: item_text(company, "id").to_string(),
                        path: prompt.form.value("path"),
                    }],
                    None => Vec::new(),
                }
            }
            PromptKind::WriteKey => {
                let e = &self.settings.erp;
                let Some(company) = e.items().get(e.selected) else {
                    return Vec::new();
                };
                let key = item_text(company, "private_key");
                vec![Command::WritePrivateKey {
                    company_id: item_text(company, "id").to_string(),
                    unsaved_pem: (key != MASK).then(|| key.to_string()),
                    path: prompt.form.value("path"),
                }]
            }
            PromptKind::SaveEml(id) => vec![Command::SaveEml {
                id,
                path: prompt.form.value("path").trim().to_string(),
            }],
            PromptKind::IbardLogin => {
                let login = prompt.form.value("login").trim().to_string();
                let password = prompt.form.value("password");
                self.settings.storage.apply_now(move |doc| {
                    doc["ibard_login"] = json!(login);
                    doc["ibard_password"] = json!(password);
                    doc["ibard_logged_in_user"] = json!(login);
                })
            }
        }
    }

    pub(super) fn picked(&mut self, kind: PickerKind, value: String) -> Vec<Command> {
        match kind {
            // Mail server presets are the app's own.
            PickerKind::Preset => Vec::new(),
            PickerKind::Mask => {
                let form = &mut self.settings.templates.form;
                if form.focused().is_none_or(|f| f.key != "subject")
                    && let Some(i) = form.fields.iter().position(|f| f.key == "body")
                {
                    form.focus = i;
                }
                form.paste(&value);
                Vec::new()
            }
            PickerKind::Operator => self.settings.storage.apply_now(move |doc| {
                doc["default_repository_operator"] = json!(value);
            }),
            PickerKind::DefaultTexts => {
                let defaults = if value == "pl" {
                    TemplatesSettings::polish()
                } else {
                    TemplatesSettings::default()
                };
                let editor = &mut self.settings.templates;
                let t = defaults.get(editor.template_key());
                for (key, text) in [("subject", &t.subject), ("body", &t.body)] {
                    if let Some(f) = editor.form.get_mut(key) {
                        f.set(&Value::from(text.as_str()));
                    }
                }
                editor.form.dirty = true;
                Vec::new()
            }
        }
    }

    pub(super) fn confirmed(&mut self, ask: Ask) -> Vec<Command> {
        match ask {
            Ask::DeleteCompany { index, .. } => {
                let e = &mut self.settings.erp;
                let Some(id) = e.items().get(index).map(|c| item_text(c, "id").to_string()) else {
                    return Vec::new();
                };
                self.settings.new_keys.remove(&id);
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
                self.settings.refresh_erp_sections();
                cmds
            }
            Ask::DeleteApiSystem { index, .. } => {
                let e = &mut self.settings.api_systems;
                match e.items().get(index).map(|c| item_text(c, "id").to_string()) {
                    Some(id) => e.apply_now(remove_by_id("systems", id)),
                    None => Vec::new(),
                }
            }
            Ask::Anonymize { days, .. } => vec![Command::Anonymize(days)],
            // The app answers these itself.
            Ask::Mails { .. } | Ask::Leave(_) => Vec::new(),
        }
    }

    /// Keys while typing into a settings pane's form.
    pub(super) fn settings_form_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let scope = self.scope();
        let pane = self.pane;
        let Some(editor) = self.editor_of(pane) else {
            return Vec::new();
        };
        let multi_line = editor.form.focused().is_some_and(|f| f.is_multi_line());
        let action = if multi_line && matches!(k.code, KeyCode::Enter | KeyCode::Up | KeyCode::Down)
        {
            None
        } else {
            action_for(scope, &k)
        };
        let cmds = match action {
            Some(Action::LeaveForm) => {
                editor.form.editing = false;
                Vec::new()
            }
            Some(Action::Save) => editor.save(),
            Some(a @ (Action::NextField | Action::PrevField)) => {
                editor.form.move_focus(a == Action::NextField);
                Vec::new()
            }
            Some(Action::ShowPassword) => {
                if let Some(i) = Some(editor.form.focus)
                    && let Some(f) = editor.form.fields.get_mut(i)
                {
                    f.toggle_shown();
                }
                Vec::new()
            }
            Some(Action::InsertMask) => {
                self.open_mask_picker();
                Vec::new()
            }
            Some(_) => Vec::new(),
            None => {
                editor.form.key(k);
                editor.refresh_warnings();
                Vec::new()
            }
        };
        self.after_edit(pane);
        cmds
    }

    fn editor_of(&mut self, pane: Pane) -> Option<&mut super::settings_panes::TabEditor> {
        let tab = pane.tab().filter(|t| *t != Tab::MailServer)?;
        self.settings.editor_mut(tab)
    }

    /// Sections that follow a choice (ERP system, domain) are redrawn after each key.
    fn after_edit(&mut self, pane: Pane) {
        match pane {
            Pane::Erp => self.settings.refresh_erp_sections(),
            Pane::Domain => self.settings.refresh_domain_sections(),
            _ => {}
        }
    }

    fn open_mask_picker(&mut self) {
        let key = self.settings.templates.template_key();
        self.modal = Some(Modal::Picker(Picker::new(
            PickerKind::Mask,
            Txt::PickMask,
            mask_items(key),
        )));
    }

    fn say(&mut self, is_error: bool, text: Txt) {
        self.status = Some((is_error, text.t(self.lang).to_string()));
    }

    /// A pane key outside the form.
    pub(super) fn settings_action(&mut self, a: Action) -> Vec<Command> {
        let pane = self.pane;
        let lang: Lang = self.lang;
        let permissions = self.config.permissions_section;
        let Some(editor) = self.editor_of(pane) else {
            return Vec::new();
        };
        let cmds = match a {
            Action::Up | Action::Down => {
                editor.move_selection(if a == Action::Up { -1 } else { 1 });
                Vec::new()
            }
            Action::EditAccount => {
                if !editor.form.fields.is_empty() && !editor.is_empty() {
                    editor.form.editing = true;
                    editor.form.settle_focus();
                }
                Vec::new()
            }
            Action::Save => editor.save(),
            Action::Add if pane == Pane::Erp => {
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
            Action::Add => {
                self.modal = Some(Modal::Prompt(Prompt::new(PromptKind::AddApiSystem, lang)));
                Vec::new()
            }
            Action::Delete => {
                let index = editor.selected;
                let name_key = if pane == Pane::Erp {
                    "company_name"
                } else {
                    "name"
                };
                if let Some(item) = editor.items().get(index) {
                    let name = item_text(item, name_key).to_string();
                    self.modal = Some(Modal::Confirm(if pane == Pane::Erp {
                        Ask::DeleteCompany { index, name }
                    } else {
                        Ask::DeleteApiSystem { index, name }
                    }));
                }
                Vec::new()
            }
            Action::InsertMask => {
                self.open_mask_picker();
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
                self.modal = Some(Modal::Picker(picker));
                Vec::new()
            }
            Action::Trim => {
                editor.trim();
                Vec::new()
            }
            Action::LoadKey if !editor.is_empty() => {
                self.modal = Some(Modal::Prompt(Prompt::new(PromptKind::LoadKey, lang)));
                Vec::new()
            }
            Action::WriteKey => {
                let has_key = editor
                    .items()
                    .get(editor.selected)
                    .is_some_and(|c| !item_text(c, "private_key").is_empty());
                if has_key {
                    self.modal = Some(Modal::Prompt(Prompt::new(PromptKind::WriteKey, lang)));
                } else {
                    self.say(true, Txt::NoKey);
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
                    self.settings.new_keys.remove(&id);
                }
                Vec::new()
            }
            Action::GenerateToken => {
                let nip = editor.value("nip");
                if nip.trim().is_empty() {
                    self.say(true, Txt::EnterNipFirst);
                } else if let Err(p) = check_nip(&nip) {
                    self.status = Some((true, format!("nip: {}", crate::i18n::problem(&p, lang))));
                } else {
                    let mode = self.config.ksef_mode_name();
                    self.status = Some((
                        false,
                        format!(
                            "{} ({}: {mode})",
                            Txt::KsefGenerateInfo.t(lang),
                            Txt::KsefMode.t(lang)
                        ),
                    ));
                }
                Vec::new()
            }
            Action::Anonymize => {
                if !editor.commit_form() {
                    return Vec::new();
                }
                match editor.working["anonymize_after_days"].as_u64() {
                    Some(days) if days >= 1 && days <= u64::from(u32::MAX) => {
                        vec![Command::CountAnonymizable(days as u32)]
                    }
                    _ => {
                        editor
                            .form
                            .show_errors(&[crate::settings::FieldError::problem(
                                "anonymize_after_days",
                                crate::settings::Problem::AtLeastOne,
                            )]);
                        Vec::new()
                    }
                }
            }
            Action::TwoStep => editor.apply_now(|doc| {
                let on = doc["enforce_two_step_verification"]
                    .as_bool()
                    .unwrap_or(false);
                doc["enforce_two_step_verification"] = json!(!on);
            }),
            Action::Permissions if permissions => editor.apply_now(|doc| {
                let on = doc["verify_document_permissions"]
                    .as_bool()
                    .unwrap_or(false);
                doc["verify_document_permissions"] = json!(!on);
            }),
            Action::PickOperator => {
                let items: Vec<(String, String)> = self
                    .settings
                    .operators
                    .iter()
                    .flatten()
                    .map(|o| (o.login.clone(), format!("{} ({})", o.name, o.login)))
                    .collect();
                if items.is_empty() {
                    self.say(true, Txt::NoOperators);
                } else {
                    let current = item_text(
                        &self.settings.storage.working,
                        "default_repository_operator",
                    );
                    let selected = items.iter().position(|(l, _)| l == current).unwrap_or(0);
                    let mut picker = Picker::new(PickerKind::Operator, Txt::PickOperator, items);
                    picker.selected = selected;
                    self.modal = Some(Modal::Picker(picker));
                }
                Vec::new()
            }
            Action::RemoveOperator => editor.apply_now(|doc| {
                doc["default_repository_operator"] = json!("");
            }),
            Action::IbardLogin => {
                self.modal = Some(Modal::Prompt(Prompt::new(PromptKind::IbardLogin, lang)));
                Vec::new()
            }
            Action::IbardLogout => editor.apply_now(|doc| {
                doc["ibard_login"] = json!("");
                doc["ibard_password"] = json!("");
                doc["ibard_logged_in_user"] = json!("");
            }),
            _ => Vec::new(),
        };
        self.after_edit(pane);
        cmds
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyEvent, KeyModifiers};
    use serde_json::json;

    use super::*;
    use crate::tui::msg::Msg;
    use crate::tui::settings_panes::PaneConfig;
    use crate::tui::theme::Theme;

    fn key(a: &mut App, c: KeyCode) -> Vec<Command> {
        a.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)))
    }

    fn typed(a: &mut App, text: &str) {
        for c in text.chars() {
            key(a, KeyCode::Char(c));
        }
    }

    fn app(config: PaneConfig) -> App {
        let mut a = App::new(Lang::En, Theme::default(), 0).with_config(config);
        a.start();
        a
    }

    fn go(a: &mut App, pane: Pane) {
        let i = a.panes.iter().position(|p| *p == pane).unwrap();
        key(
            a,
            KeyCode::Char(char::from_digit(i as u32 + 1, 10).unwrap()),
        );
        assert_eq!(a.pane, pane);
    }

    #[test]
    fn api_system_dialog_adds_only_two_characters_or_more_and_cancel_adds_nothing() {
        let mut a = app(PaneConfig::default());
        a.update(Msg::SettingsLoaded {
            tab: Tab::ApiSystems,
            doc: json!({"systems": [{"id": "6d1f7c53-2b0e-4c51-9a53-0f3c6b1e8a01", "name": "Comarch HRM"}]}),
            version: 1,
        });
        go(&mut a, Pane::ApiSystems);
        key(&mut a, KeyCode::Char('a'));
        typed(&mut a, "q");
        assert!(key(&mut a, KeyCode::Enter).is_empty(), "Add is off");
        assert!(matches!(a.modal, Some(Modal::Prompt(_))));
        key(&mut a, KeyCode::Esc);
        assert!(a.modal.is_none());
        assert_eq!(
            a.settings.api_systems.items().len(),
            1,
            "Cancel adds nothing"
        );
        // A name already there is refused in the dialog.
        key(&mut a, KeyCode::Char('a'));
        typed(&mut a, "comarch HRM");
        assert!(key(&mut a, KeyCode::Enter).is_empty());
        let Some(Modal::Prompt(p)) = &a.modal else {
            panic!("the dialog closed")
        };
        assert!(p.form.get("name").unwrap().error.is_some());
        key(&mut a, KeyCode::Esc);
        key(&mut a, KeyCode::Char('a'));
        typed(&mut a, "Portal");
        match &key(&mut a, KeyCode::Enter)[..] {
            [
                Command::SaveSettings {
                    tab: Tab::ApiSystems,
                    doc,
                    version: 1,
                },
            ] => {
                assert_eq!(doc["systems"][1]["name"], "Portal");
                assert_eq!(doc["systems"][1]["id"].as_str().unwrap().len(), 36);
            }
            other => panic!("{other:?}"),
        }
        // Delete asks first; "no" keeps it.
        key(&mut a, KeyCode::Char('d'));
        assert!(
            matches!(&a.modal, Some(Modal::Confirm(Ask::DeleteApiSystem { name, .. })) if name == "Portal")
        );
        assert!(key(&mut a, KeyCode::Char('n')).is_empty());
    }

    #[test]
    fn ksef_token_generation_needs_the_nip_first() {
        let mut a = app(PaneConfig {
            multi_company: true,
            ..PaneConfig::default()
        });
        go(&mut a, Pane::Erp);
        key(&mut a, KeyCode::Char('a'));
        key(&mut a, KeyCode::Esc);
        key(&mut a, KeyCode::Char('g'));
        assert_eq!(
            a.status,
            Some((true, "Enter the company NIP first".to_string()))
        );
        key(&mut a, KeyCode::Enter);
        for _ in 0..3 {
            key(&mut a, KeyCode::Down);
        }
        typed(&mut a, "5260001246");
        key(&mut a, KeyCode::Esc);
        key(&mut a, KeyCode::Char('g'));
        let (is_error, text) = a.status.clone().unwrap();
        assert!(
            !is_error && text.contains("ministry") && text.contains("Demo"),
            "{text}"
        );
    }

    #[test]
    fn anonymizing_counts_asks_then_acts() {
        let mut a = app(PaneConfig::default());
        a.update(Msg::SettingsLoaded {
            tab: Tab::Tools,
            doc: json!({"anonymize_after_days": 90, "enforce_two_step_verification": false, "verify_document_permissions": false}),
            version: 1,
        });
        go(&mut a, Pane::Tools);
        assert_eq!(
            key(&mut a, KeyCode::Char('a')),
            vec![Command::CountAnonymizable(90)]
        );
        a.update(Msg::AnonymizeCount { days: 90, count: 0 });
        assert!(a.modal.is_none(), "nothing to do, nothing asked");
        a.update(Msg::AnonymizeCount { days: 90, count: 7 });
        assert_eq!(
            key(&mut a, KeyCode::Char('y')),
            vec![Command::Anonymize(90)]
        );
        // The two-step link saves the flipped flag at once.
        match &key(&mut a, KeyCode::Char('v'))[..] {
            [Command::SaveSettings { doc, .. }] => {
                assert_eq!(doc["enforce_two_step_verification"], true)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_loaded_key_goes_to_its_company_and_is_saved_with_it() {
        let mut a = app(PaneConfig {
            multi_company: true,
            ..PaneConfig::default()
        });
        let company = |id: &str, name: &str| {
            let mut c = serde_json::to_value(crate::settings::ErpCompany {
                company_name: name.into(),
                abbreviation: name.into(),
                ..Default::default()
            })
            .unwrap();
            c["id"] = json!(id);
            c
        };
        a.update(Msg::SettingsLoaded {
            tab: Tab::Erp,
            doc: json!({"companies": [company("a1", "A"), company("b2", "B")]}),
            version: 5,
        });
        go(&mut a, Pane::Erp);
        key(&mut a, KeyCode::Char('l'));
        typed(&mut a, "/tmp/klucz.pem");
        assert_eq!(
            key(&mut a, KeyCode::Enter),
            vec![Command::ReadPrivateKey {
                company_id: "a1".into(),
                path: "/tmp/klucz.pem".into()
            }]
        );
        // The selection moves on before the file is read.
        key(&mut a, KeyCode::Down);
        let info = crate::settings::KeyInfo {
            kind: "EC P-256 (SEC1)".into(),
            fingerprint: "SHA256:x".into(),
        };
        a.update(Msg::PrivateKeyRead {
            company_id: "a1".into(),
            result: Ok(("-----BEGIN EC PRIVATE KEY-----".into(), info)),
        });
        assert_eq!(a.settings.key_state(Lang::En).0, "no key", "B has none");
        key(&mut a, KeyCode::Up);
        assert!(a.settings.key_state(Lang::En).0.contains("not saved yet"));
        match &a.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('s'),
            KeyModifiers::CONTROL,
        )))[..]
        {
            [Command::SaveSettings { doc, .. }] => {
                assert_eq!(
                    doc["companies"][0]["private_key"],
                    "-----BEGIN EC PRIVATE KEY-----"
                );
                assert_eq!(doc["companies"][1]["private_key"], "");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn leaving_a_settings_pane_with_unsaved_changes_asks() {
        let mut a = app(PaneConfig::default());
        go(&mut a, Pane::Domain);
        key(&mut a, KeyCode::Enter);
        key(&mut a, KeyCode::Char(' '));
        key(&mut a, KeyCode::Esc);
        assert!(a.pane_dirty(Pane::Domain));
        key(&mut a, KeyCode::Char('2'));
        assert_eq!(a.pane, Pane::Domain, "asked first");
        key(&mut a, KeyCode::Char('y'));
        assert_eq!(a.pane, Pane::Queue);
        assert!(!a.pane_dirty(Pane::Domain), "the stored values are back");
    }
}
