//! The settings panes after Mail server, together: which pane edits which tab, what
//! every one of them does with a key (move, edit, save, type), and the popups' answers
//! they act on. What only one pane does is in that pane's module.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::api_auth::ApiAuthPane;
use super::api_systems::ApiSystemsPane;
use super::domain::DomainPane;
use super::erp::ErpPane;
use super::storage::StoragePane;
use super::templates::TemplatesPane;
use super::tools::ToolsPane;
use super::{Ctx, Pane};
use crate::i18n::Lang;
use crate::settings::Tab;
use crate::tui::app::App;
use crate::tui::keys::{self, Action, Scope, action_for};
use crate::tui::modal::{Ask, PickerKind, Prompt, PromptKind};
use crate::tui::msg::Command;
use crate::tui::widgets::tab_editor::TabEditor;

pub struct SettingsPanes {
    pub templates: TemplatesPane,
    pub api_auth: ApiAuthPane,
    pub erp: ErpPane,
    pub domain: DomainPane,
    pub tools: ToolsPane,
    pub api_systems: ApiSystemsPane,
    pub storage: StoragePane,
}

impl SettingsPanes {
    pub fn new(lang: Lang) -> SettingsPanes {
        SettingsPanes {
            templates: TemplatesPane::new(lang),
            api_auth: ApiAuthPane::new(lang),
            erp: ErpPane::new(lang),
            domain: DomainPane::new(lang),
            tools: ToolsPane::new(lang),
            api_systems: ApiSystemsPane::new(lang),
            storage: StoragePane::new(lang),
        }
    }

    pub fn editor(&self, tab: Tab) -> Option<&TabEditor> {
        Some(match tab {
            Tab::Templates => &self.templates.editor,
            Tab::ApiAuth => &self.api_auth.editor,
            Tab::Erp => &self.erp.editor,
            Tab::Domain => &self.domain.editor,
            Tab::Tools => &self.tools.editor,
            Tab::ApiSystems => &self.api_systems.editor,
            Tab::Storage => &self.storage.editor,
            Tab::MailServer => return None,
        })
    }

    pub fn editor_mut(&mut self, tab: Tab) -> Option<&mut TabEditor> {
        Some(match tab {
            Tab::Templates => &mut self.templates.editor,
            Tab::ApiAuth => &mut self.api_auth.editor,
            Tab::Erp => &mut self.erp.editor,
            Tab::Domain => &mut self.domain.editor,
            Tab::Tools => &mut self.tools.editor,
            Tab::ApiSystems => &mut self.api_systems.editor,
            Tab::Storage => &mut self.storage.editor,
            Tab::MailServer => return None,
        })
    }

    fn editor_of(&mut self, pane: Pane) -> Option<&mut TabEditor> {
        self.editor_mut(pane.tab().filter(|t| *t != Tab::MailServer)?)
    }

    /// The key table's scope of a settings pane: its own, or typing into its form.
    pub fn scope(&self, pane: Pane) -> Scope {
        let editing = pane
            .tab()
            .and_then(|t| self.editor(t))
            .is_some_and(TabEditor::editing);
        match pane {
            Pane::Templates if editing => Scope::TemplatesForm,
            _ if editing => Scope::Form,
            Pane::Templates => Scope::Templates,
            Pane::ApiAuth => Scope::ApiAuth,
            Pane::Erp => Scope::Erp,
            Pane::Domain => Scope::Domain,
            Pane::Tools => Scope::Tools,
            Pane::ApiSystems => Scope::ApiSystems,
            _ => Scope::Storage,
        }
    }

    /// Sections that follow a choice (ERP system, domain) are redrawn after each key.
    fn after_edit(&mut self, pane: Pane) {
        match pane {
            Pane::Erp => self.erp.refresh_sections(),
            Pane::Domain => self.domain.refresh_sections(),
            _ => {}
        }
    }

    /// A pane key outside the form: what every tab editor does, else the pane's own.
    pub fn act(&mut self, pane: Pane, a: Action, ctx: &mut Ctx) -> Vec<Command> {
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
            Action::Trim => {
                editor.trim();
                Vec::new()
            }
            _ => match pane {
                Pane::Templates => self.templates.act(a, ctx),
                Pane::Erp => self.erp.act(a, ctx),
                Pane::Tools => self.tools.act(a, ctx),
                Pane::ApiSystems => self.api_systems.act(a, ctx),
                Pane::Storage => self.storage.act(a, ctx),
                _ => Vec::new(),
            },
        };
        self.after_edit(pane);
        cmds
    }

    /// A key while typing into a settings pane's form.
    pub fn form_key(&mut self, pane: Pane, k: &KeyEvent, ctx: &mut Ctx) -> Vec<Command> {
        let scope = self.scope(pane);
        let Some(editor) = self.editor_of(pane) else {
            return Vec::new();
        };
        // In a field of several lines, Enter and the arrows belong to the text.
        let multi_line = editor.form.focused().is_some_and(|f| f.is_multi_line());
        let action = if multi_line && keys::moves_within_text(k) {
            None
        } else {
            action_for(scope, k)
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
                let focus = editor.form.focus;
                if let Some(f) = editor.form.fields.get_mut(focus) {
                    f.toggle_shown();
                }
                Vec::new()
            }
            Some(Action::InsertMask) => {
                self.templates.open_mask_picker(ctx);
                Vec::new()
            }
            Some(_) => Vec::new(),
            None => {
                editor.form.key(*k);
                editor.refresh_warnings();
                Vec::new()
            }
        };
        self.after_edit(pane);
        cmds
    }

    /// A stored document, unless the pane holds unsaved changes to it.
    pub fn stored_loaded(&mut self, tab: Tab, doc: serde_json::Value, version: i64) {
        let Some(e) = self.editor_mut(tab) else {
            return;
        };
        if e.dirty() && e.loaded {
            e.stored_refreshed(doc, version);
        } else {
            e.loaded_doc(doc, version);
            if tab == Tab::Erp {
                self.erp.new_keys.clear();
                self.erp.refresh_sections();
            }
            if tab == Tab::Domain {
                self.domain.refresh_sections();
            }
        }
    }

    /// The save was refused: each error beside its field.
    pub fn invalid(&mut self, tab: Tab, errors: &[crate::settings::FieldError]) {
        if let Some(e) = self.editor_mut(tab) {
            e.show_errors(errors);
            if tab == Tab::Erp {
                self.erp.refresh_sections();
            }
        }
    }

    pub fn paste(&mut self, pane: Pane, text: &str) -> bool {
        match self.editor_of(pane).filter(|e| e.editing()) {
            Some(e) => {
                e.form.paste(text);
                e.refresh_warnings();
                true
            }
            None => false,
        }
    }

    pub fn picked(&mut self, kind: PickerKind, value: String) -> Vec<Command> {
        match kind {
            PickerKind::Mask | PickerKind::DefaultTexts => {
                self.templates.picked(kind, value);
                Vec::new()
            }
            PickerKind::Operator => self.storage.picked(value),
            PickerKind::Preset | PickerKind::BulkAction => Vec::new(),
        }
    }

    pub fn confirmed(&mut self, ask: Ask) -> Vec<Command> {
        match ask {
            Ask::DeleteCompany { index, .. } => self.erp.delete(index),
            Ask::DeleteApiSystem { index, .. } => self.api_systems.delete(index),
            Ask::Anonymize { days, .. } => vec![Command::Anonymize(days)],
            Ask::Switch { key, on, .. } => self.tools.switch(key, on),
            // The app answers these itself.
            Ask::Mails { .. } | Ask::Resend { .. } | Ask::Bulk { .. } | Ask::Leave(_) => Vec::new(),
        }
    }

    pub fn submit(&mut self, prompt: Prompt, ctx: &mut Ctx) -> Vec<Command> {
        match prompt.kind {
            PromptKind::AddApiSystem => self.api_systems.submit(prompt, ctx),
            PromptKind::LoadKey | PromptKind::WriteKey => self.erp.submit(prompt),
            PromptKind::IbardLogin => self.storage.submit(prompt),
            // The queue's own.
            PromptKind::SaveEml(_) => Vec::new(),
        }
    }
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    match app.pane {
        Pane::Templates => super::templates::draw(f, app, area),
        Pane::ApiAuth => super::api_auth::draw(f, app, area),
        Pane::Domain => super::domain::draw(f, app, area),
        Pane::Tools => super::tools::draw(f, app, area),
        Pane::Erp => super::erp::draw(f, app, area),
        Pane::ApiSystems => super::api_systems::draw(f, app, area),
        Pane::Storage => super::storage::draw(f, app, area),
        Pane::MailServer | Pane::Queue | Pane::WorkLog => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::{Value, json};

    use crate::i18n::Lang;

    use crate::settings::Tab;
    use crate::tui::app::PaneConfig;

    use crate::tui::msg::Command;

    use crate::i18n::Txt;
    use crate::settings::{FieldError, TemplateKey};

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
        p.erp.editor.loaded_doc(erp_doc(), 2);
        p.erp.editor.form.get_mut("nip").unwrap().set(&json!("123"));
        p.erp.editor.form.dirty = true;
        p.erp.editor.select(1);
        assert_eq!(p.erp.editor.value("company_name"), "Beta");
        assert!(p.erp.editor.dirty());
        // The save's error on company 0 selects it again and shows beside the field.
        let cmds = p.erp.editor.save();
        assert!(
            matches!(&cmds[..], [Command::SaveSettings { version: 2, doc, .. }] if doc["companies"][0]["nip"] == "123")
        );
        p.erp
            .editor
            .show_errors(&[FieldError::new("erp.companies[0].nip", "is not a NIP")]);
        assert_eq!(p.erp.editor.selected, 0);
        assert_eq!(p.erp.editor.value("nip"), "123");
        assert_eq!(
            p.erp.editor.form.get("nip").unwrap().error.as_deref(),
            Some("is not a NIP")
        );
    }

    #[test]
    fn delete_saves_the_stored_document_and_keeps_other_edits_unsaved() {
        let mut p = SettingsPanes::new(Lang::En);
        p.erp.editor.loaded_doc(erp_doc(), 2);
        p.erp.editor.select(1);
        p.erp
            .editor
            .form
            .get_mut("login")
            .unwrap()
            .set(&json!("typed"));
        p.erp.editor.form.dirty = true;
        p.erp.editor.commit_form();
        let cmds = p.erp.editor.apply_now(|doc| {
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
        p.erp.editor.saved(3);
        assert!(p.erp.editor.dirty(), "the typed login is still unsaved");
        assert_eq!(p.erp.editor.items()[0]["login"], "typed");
    }

    #[test]
    fn a_conflict_names_the_fields_that_differ() {
        let mut p = SettingsPanes::new(Lang::En);
        let doc = erp_doc();
        p.erp.editor.loaded_doc(doc.clone(), 2);
        p.erp
            .editor
            .form
            .get_mut("login")
            .unwrap()
            .set(&json!("mine"));
        p.erp.editor.form.dirty = true;
        let mut theirs = doc;
        theirs["companies"][0]["login"] = json!("theirs");
        let c = p.erp.editor.conflicted(theirs, 3);
        assert_eq!(
            c.differences,
            [(
                "ERP operator login (#1)".to_string(),
                "mine".to_string(),
                "theirs".to_string()
            )]
        );
        assert_eq!(c.version, 3);
    }

    #[test]
    fn template_errors_select_their_template() {
        let mut p = SettingsPanes::new(Lang::En);
        p.templates
            .editor
            .loaded_doc(Tab::Templates.default_json(), 1);
        p.templates.editor.show_errors(&[FieldError::new(
            "templates.overdue.body",
            "unknown mask {DocumentNumer}",
        )]);
        assert_eq!(p.templates.editor.template_key(), TemplateKey::Overdue);
        assert!(p.templates.editor.form.get("body").unwrap().error.is_some());
        p.templates
            .editor
            .form
            .get_mut("body")
            .unwrap()
            .set(&json!("{Nope}"));
        assert_eq!(p.templates.preview().unwrap_err(), ["{Nope}"]);
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

#[cfg(test)]
mod key_tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use serde_json::json;

    use super::*;
    use crate::tui::app::PaneConfig;
    use crate::tui::modal::{Ask, Modal};
    use crate::tui::msg::Msg;
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
            a.settings.api_systems.editor.items().len(),
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
    }

    /// Quitting with unsaved changes offers to save first; the console quits once the
    /// save is stored, and stays when it is refused.
    #[test]
    fn save_then_quit_quits_only_once_stored() {
        let mut a = app(PaneConfig::default());
        let doc = json!({"anonymize_after_days": 90, "enforce_two_step_verification": false, "verify_document_permissions": false});
        a.update(Msg::SettingsLoaded {
            tab: Tab::Tools,
            doc,
            version: 4,
        });
        go(&mut a, Pane::Tools);
        key(&mut a, KeyCode::Enter);
        typed(&mut a, "5");
        key(&mut a, KeyCode::Esc);
        key(&mut a, KeyCode::Char('q'));
        assert!(matches!(a.modal, Some(Modal::Confirm(Ask::Leave(_)))));
        assert_eq!(
            a.modal.as_ref().map(Modal::scope),
            Some(crate::tui::keys::Scope::Leave)
        );
        let cmds = key(&mut a, KeyCode::Char('s'));
        assert!(
            matches!(&cmds[..], [Command::SaveSettings { doc, .. }] if doc["anonymize_after_days"] == 905),
            "{cmds:?}"
        );
        assert!(!a.quit, "not before it is stored");
        // Refused: stays, at the field.
        a.update(Msg::SettingsInvalid {
            tab: Tab::Tools,
            errors: vec![crate::settings::FieldError::problem(
                "tools.anonymize_after_days",
                crate::settings::Problem::AtLeastOne,
            )],
        });
        assert!(!a.quit);
        assert_eq!(a.pane, Pane::Tools);
        // Again, and stored this time.
        key(&mut a, KeyCode::Esc);
        key(&mut a, KeyCode::Char('q'));
        key(&mut a, KeyCode::Char('s'));
        a.update(Msg::SettingsSaved {
            tab: Tab::Tools,
            version: 5,
        });
        assert!(a.quit, "quit once stored");
    }

    /// With an unsaved edit in the pane, every `v` asks, saves the value it shows on
    /// top of what is stored, and the next one builds on what was stored.
    #[test]
    fn the_two_step_switch_saves_what_it_shows_beside_unsaved_typing() {
        let mut a = app(PaneConfig::default());
        let stored = |enforced: bool| json!({"anonymize_after_days": 90, "enforce_two_step_verification": enforced, "verify_document_permissions": false});
        a.update(Msg::SettingsLoaded {
            tab: Tab::Tools,
            doc: stored(false),
            version: 8,
        });
        go(&mut a, Pane::Tools);
        // An unsaved edit: 90 -> 905.
        key(&mut a, KeyCode::Enter);
        typed(&mut a, "5");
        key(&mut a, KeyCode::Esc);
        for (version, enforced) in [(8, true), (9, false), (10, true)] {
            assert!(key(&mut a, KeyCode::Char('v')).is_empty(), "asks first");
            assert!(
                matches!(a.modal, Some(Modal::Confirm(Ask::Switch { on, .. })) if on == enforced)
            );
            match &key(&mut a, KeyCode::Char('y'))[..] {
                [
                    Command::SaveSettings {
                        doc, version: v, ..
                    },
                ] => {
                    assert_eq!(*v, version);
                    assert_eq!(doc, &stored(enforced), "the stored document, switched");
                }
                other => panic!("{other:?}"),
            }
            a.update(Msg::SettingsSaved {
                tab: Tab::Tools,
                version: version + 1,
            });
            assert_eq!(
                a.status.as_ref().map(|s| s.1.as_str()),
                Some(format!("Saved: Tools (version {})", version + 1).as_str())
            );
            // The reload after the save does not drop the typing.
            a.update(Msg::SettingsLoaded {
                tab: Tab::Tools,
                doc: stored(enforced),
                version: version + 1,
            });
            assert_eq!(
                a.settings.tools.editor.working["enforce_two_step_verification"],
                enforced
            );
            assert_eq!(a.settings.tools.editor.value("anonymize_after_days"), "905");
        }
        // n leaves it as it is.
        key(&mut a, KeyCode::Char('v'));
        assert!(key(&mut a, KeyCode::Char('n')).is_empty());
    }

    #[test]
    fn a_key_that_cannot_be_read_asks_again_with_the_path_typed() {
        let mut a = app(PaneConfig::default());
        a.update(Msg::PrivateKeyRead {
            company_id: "a1".into(),
            path: "/tmp/cert.pem".into(),
            result: Err("/tmp/cert.pem holds a `CERTIFICATE`, not a private key".into()),
        });
        match &a.modal {
            Some(Modal::Prompt(p)) => {
                assert_eq!(p.kind, PromptKind::LoadKey);
                assert_eq!(p.form.value("path"), "/tmp/cert.pem");
                assert!(
                    p.form.fields[0]
                        .error
                        .as_deref()
                        .is_some_and(|e| e.contains("CERTIFICATE"))
                );
            }
            _ => panic!("asked again"),
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
            path: "/tmp/klucz.pem".into(),
            result: Ok(("-----BEGIN EC PRIVATE KEY-----".into(), info)),
        });
        assert_eq!(a.settings.erp.key_state(Lang::En).0, "no key", "B has none");
        key(&mut a, KeyCode::Up);
        assert!(
            a.settings
                .erp
                .key_state(Lang::En)
                .0
                .contains("not saved yet")
        );
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
