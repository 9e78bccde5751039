//! The services over one database, handed to the sender, the console and the CLI in
//! place of the store: above this line nothing speaks to `Store` itself.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::OAuthConfig;
use crate::error::Result;
use crate::oauth::OAuth;
use crate::queue::MailQueue;
use crate::senders::SenderRegistry;
use crate::settings::Settings;
use crate::store::Store;
use crate::worklog::WorkLog;

pub use crate::store::ChangeFeed;

#[derive(Clone)]
pub struct Services {
    store: Store,
}

impl From<Store> for Services {
    fn from(store: Store) -> Self {
        Services { store }
    }
}

impl Services {
    /// Opens (creating it if needed) and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Services> {
        Ok(Store::open(url).await?.into())
    }

    /// Opens a database that must exist already (read-only commands create nothing).
    pub async fn open_existing(url: &str) -> Result<Services> {
        Ok(Store::open_existing(url).await?.into())
    }

    pub fn queue(&self) -> MailQueue {
        MailQueue::new(self.store.clone())
    }

    pub fn work_log(&self) -> WorkLog {
        WorkLog::new(self.store.clone())
    }

    pub fn senders(&self) -> SenderRegistry {
        SenderRegistry::new(self.store.clone())
    }

    pub fn settings(&self, key_file: PathBuf) -> Settings {
        Settings::new(self.store.clone(), key_file)
    }

    pub fn oauth(&self, settings: Settings, config: &OAuthConfig) -> OAuth {
        OAuth::new(self.store.clone(), settings, config)
    }

    /// Wakes on every change any process makes to the queue, the log or the settings.
    pub async fn change_feed(&self, poll: Duration) -> Result<ChangeFeed> {
        self.store.change_feed(poll).await
    }

    /// The database for messages (engine and place, never a password).
    pub fn describe(&self) -> String {
        self.store.describe()
    }

    pub async fn close(&self) {
        self.store.close().await
    }
}
