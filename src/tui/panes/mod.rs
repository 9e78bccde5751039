//! One module per pane: its state, how it answers its keys, how it is drawn, and its
//! tests. `App` routes to them by `Pane`; a pane reaches the rest of the console only
//! through `Ctx` (the language, the deployment's config, the status line and the
//! popup slot).

pub mod api_auth;
pub mod api_systems;
pub mod domain;
pub mod erp;
pub mod error_groups;
pub mod mail_server;
pub mod queue;
pub mod settings;
pub mod storage;
pub mod templates;
pub mod tools;
pub mod work_log;

use crate::config::{Config, KsefWorkMode, StorageDestination};
use crate::i18n::{Lang, Txt};
use crate::settings::Tab;
use crate::tui::modal::Modal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    MailServer,
    Queue,
    WorkLog,
    Templates,
    ApiAuth,
    Erp,
    Domain,
    Tools,
    ApiSystems,
    Storage,
}

impl Pane {
    pub const ALL: [Pane; 10] = [
        Pane::MailServer,
        Pane::Queue,
        Pane::WorkLog,
        Pane::Templates,
        Pane::ApiAuth,
        Pane::Erp,
        Pane::Domain,
        Pane::Tools,
        Pane::ApiSystems,
        Pane::Storage,
    ];

    pub fn title(self) -> Txt {
        match self {
            Pane::MailServer => Txt::TabMailServer,
            Pane::Queue => Txt::TabQueue,
            Pane::WorkLog => Txt::TabWorkLog,
            Pane::Templates => Txt::TabTemplates,
            Pane::ApiAuth => Txt::TabApiAuth,
            Pane::Erp => Txt::TabErp,
            Pane::Domain => Txt::TabDomain,
            Pane::Tools => Txt::TabTools,
            Pane::ApiSystems => Txt::TabApiSystems,
            Pane::Storage => Txt::TabStorage,
        }
    }

    /// The pane that edits a settings tab.
    pub fn of_tab(tab: Tab) -> Option<Pane> {
        Pane::ALL.into_iter().find(|p| p.tab() == Some(tab))
    }

    /// The name on a narrow tab line.
    pub fn short_title(self) -> Txt {
        match self {
            Pane::MailServer => Txt::ShortMailServer,
            Pane::Queue => Txt::ShortQueue,
            Pane::WorkLog => Txt::ShortWorkLog,
            Pane::Templates => Txt::ShortTemplates,
            Pane::ApiAuth => Txt::ShortApiAuth,
            Pane::Erp => Txt::ShortErp,
            Pane::Domain => Txt::ShortDomain,
            Pane::Tools => Txt::ShortTools,
            Pane::ApiSystems => Txt::ShortApiSystems,
            Pane::Storage => Txt::ShortStorage,
        }
    }

    /// The settings tab a pane edits.
    pub fn tab(self) -> Option<Tab> {
        Some(match self {
            Pane::MailServer => Tab::MailServer,
            Pane::Templates => Tab::Templates,
            Pane::ApiAuth => Tab::ApiAuth,
            Pane::Erp => Tab::Erp,
            Pane::Domain => Tab::Domain,
            Pane::Tools => Tab::Tools,
            Pane::ApiSystems => Tab::ApiSystems,
            Pane::Storage => Tab::Storage,
            Pane::Queue | Pane::WorkLog => return None,
        })
    }

    /// The panes this deployment shows, in number-key order: mail first, then every
    /// settings tab its config keys call for (SPEC §3-§5, §8).
    pub fn shown(config: &PaneConfig) -> Vec<Pane> {
        let mut panes = vec![
            Pane::MailServer,
            Pane::Queue,
            Pane::WorkLog,
            Pane::Templates,
        ];
        if config.multi_company {
            panes.push(Pane::Erp);
        } else {
            panes.extend([Pane::ApiAuth, Pane::Domain]);
        }
        panes.extend([Pane::Tools, Pane::ApiSystems]);
        if config.storage_visible() {
            panes.push(Pane::Storage);
        }
        panes
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

/// What a pane may touch besides itself while it handles a key.
pub struct Ctx<'a> {
    pub lang: Lang,
    /// Rows of the terminal (paging moves by what is visible).
    pub height: u16,
    pub config: &'a PaneConfig,
    /// Whether sending is paused (the header's figure, which pause/resume flips).
    pub paused: bool,
    /// The bottom line: (is error, text).
    pub status: &'a mut Option<(bool, String)>,
    pub modal: &'a mut Option<Modal>,
}

impl Ctx<'_> {
    pub fn say(&mut self, is_error: bool, text: impl Into<String>) {
        *self.status = Some((is_error, text.into()));
    }

    pub fn open(&mut self, modal: Modal) {
        *self.modal = Some(modal);
    }
}
