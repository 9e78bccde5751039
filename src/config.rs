//! Deployment config (SPEC §9): the keys the source system kept in `web.config`, plus
//! where the database is and how the sender behaves. Every key has a default, so no file
//! is needed; an unknown key or a bad value is an error naming the key and the file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const CONFIG_ENV: &str = "DMSCTL_CONFIG";
pub const DATABASE_URL_ENV: &str = "DMSCTL_DATABASE_URL";
pub const SYSTEM_CONFIG_PATH: &str = "/etc/dmsctl/config.toml";
const KEY_FILE_NAME: &str = "secret.key";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `sqlite://PATH` or `postgres://...`; empty means the SQLite file in the data dir.
    pub database_url: String,
    pub multi_company: bool,
    pub delete_mails_after_sending: bool,
    pub ksef_work_mode: KsefWorkMode,
    pub use_new_mode_of_document_permissions: bool,
    pub use_repository: bool,
    pub destination_attachment_workflow: StorageDestination,
    pub destination_attachments_repository: StorageDestination,
    /// Run the sender inside the console when no other sender is alive. Unset means
    /// "yes on SQLite, no on PostgreSQL" (a shared queue has its own worker services).
    pub embedded_sender: Option<bool>,
    pub theme: String,
    pub language: Option<String>,
    pub sender: SenderConfig,
    pub oauth: OAuthConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: String::new(),
            multi_company: false,
            delete_mails_after_sending: false,
            ksef_work_mode: KsefWorkMode::Demo,
            use_new_mode_of_document_permissions: false,
            use_repository: false,
            destination_attachment_workflow: StorageDestination::Do,
            destination_attachments_repository: StorageDestination::Do,
            embedded_sender: None,
            theme: "default".into(),
            language: None,
            sender: SenderConfig::default(),
            oauth: OAuthConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KsefWorkMode {
    #[serde(alias = "demo")]
    Demo,
    #[serde(alias = "test")]
    Test,
    #[serde(alias = "production")]
    Production,
}

/// Where workflow attachments / the repository live: the DMS itself or the IBARD cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StorageDestination {
    #[serde(rename = "DO", alias = "do")]
    Do,
    #[serde(rename = "IBARD", alias = "ibard")]
    Ibard,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SenderConfig {
    /// Parallel SMTP connections per sender process.
    pub concurrency: u32,
    /// How many due mails one claim takes.
    pub batch_size: u32,
    pub lease_seconds: u32,
    /// First retry delay after a temporary failure; doubles each attempt.
    #[serde(with = "duration_text")]
    pub retry_initial: Duration,
    #[serde(with = "duration_text")]
    pub retry_max: Duration,
    /// A mail still undelivered this long after it was queued becomes failed.
    #[serde(with = "duration_text")]
    pub max_queue_lifetime: Duration,
    #[serde(with = "duration_text")]
    pub smtp_timeout: Duration,
    pub tls_ca_file: Option<PathBuf>,
    pub tls_accept_invalid_certs: bool,
    /// Largest message (bodies and attachments, encoded) the sender sends, in bytes;
    /// a larger mail fails before anything goes on the wire.
    pub max_message_size: u64,
    /// Send a login and password over a connection that is not encrypted.
    pub allow_plaintext_auth: bool,
}

/// 25 MB, the size most providers accept.
pub const DEFAULT_MAX_MESSAGE_SIZE: u64 = 25 * 1024 * 1024;

impl Default for SenderConfig {
    fn default() -> Self {
        SenderConfig {
            concurrency: 4,
            batch_size: 16,
            lease_seconds: 60,
            retry_initial: Duration::from_secs(5 * 60),
            retry_max: Duration::from_secs(60 * 60),
            max_queue_lifetime: Duration::from_secs(5 * 24 * 3600),
            smtp_timeout: Duration::from_secs(60),
            tls_ca_file: None,
            tls_accept_invalid_certs: false,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            allow_plaintext_auth: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OAuthConfig {
    pub client_id: Option<String>,
    pub tenant: String,
    pub authority: String,
    pub scopes: Vec<String>,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        OAuthConfig {
            client_id: None,
            tenant: "organizations".into(),
            authority: "https://login.microsoftonline.com".into(),
            scopes: vec![
                "https://outlook.office.com/SMTP.Send".into(),
                "offline_access".into(),
            ],
        }
    }
}

/// The config as loaded, with where it came from (shown by the console and `--json`).
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// Where the file is or would be: the secret key file lives beside it.
    pub dir: PathBuf,
    /// The database URL after overrides and defaults.
    pub database_url: String,
}

impl LoadedConfig {
    pub fn key_file(&self) -> PathBuf {
        self.dir.join(KEY_FILE_NAME)
    }

    pub fn embedded_sender(&self) -> bool {
        self.config
            .embedded_sender
            .unwrap_or_else(|| self.database_url.starts_with("sqlite:"))
    }
}

/// What the command line said about the config; the environment is read here.
#[derive(Debug, Default, Clone)]
pub struct ConfigSource {
    pub config_path: Option<PathBuf>,
    pub database_url: Option<String>,
}

impl ConfigSource {
    /// Command-line values first, then `DMSCTL_CONFIG` / `DMSCTL_DATABASE_URL`.
    pub fn from_args_and_env(config_path: Option<PathBuf>, database_url: Option<String>) -> Self {
        let nonempty = |v: String| if v.is_empty() { None } else { Some(v) };
        ConfigSource {
            config_path: config_path.or_else(|| {
                std::env::var(CONFIG_ENV)
                    .ok()
                    .and_then(nonempty)
                    .map(Into::into)
            }),
            database_url: database_url
                .or_else(|| std::env::var(DATABASE_URL_ENV).ok().and_then(nonempty)),
        }
    }

    /// The file `load` reads, or where a new one would go; found without reading it
    /// (`config edit` must work on a file that does not parse).
    pub fn file_path(&self) -> Option<PathBuf> {
        if let Some(p) = &self.config_path {
            return Some(p.clone());
        }
        if Path::new(SYSTEM_CONFIG_PATH).exists() {
            return Some(PathBuf::from(SYSTEM_CONFIG_PATH));
        }
        directories::ProjectDirs::from("", "", "dmsctl").map(|d| d.config_dir().join("config.toml"))
    }

    pub fn load(&self) -> Result<LoadedConfig> {
        let dirs = directories::ProjectDirs::from("", "", "dmsctl");
        let user_config = dirs.as_ref().map(|d| d.config_dir().join("config.toml"));

        let (path, required) = match &self.config_path {
            Some(p) => (Some(p.clone()), true),
            None if Path::new(SYSTEM_CONFIG_PATH).exists() => {
                (Some(PathBuf::from(SYSTEM_CONFIG_PATH)), true)
            }
            None => (user_config.clone().filter(|p| p.exists()), false),
        };

        let config = match &path {
            Some(p) => read_config_file(p, required)?,
            None => Config::default(),
        };

        let dir = match path.as_ref().or(user_config.as_ref()) {
            Some(p) => p
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".")),
            None => {
                return Err(Error::invalid_argument(
                    "--config",
                    "no home directory to keep the config in; pass --config or set DMSCTL_CONFIG",
                ));
            }
        };

        let database_url = match self
            .database_url
            .clone()
            .or_else(|| Some(config.database_url.clone()).filter(|u| !u.is_empty()))
        {
            Some(url) => url,
            None => {
                let data = dirs.as_ref().map(|d| d.data_dir().to_path_buf()).ok_or_else(|| {
                    Error::invalid_argument(
                        "database_url",
                        "no home directory for the default SQLite file; set database_url, --database or DMSCTL_DATABASE_URL",
                    )
                })?;
                format!("sqlite://{}", data.join("dmsctl.db").display())
            }
        };

        Ok(LoadedConfig {
            config,
            path,
            dir,
            database_url,
        })
    }
}

fn read_config_file(path: &Path, required: bool) -> Result<Config> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Config::default());
        }
        Err(e) => {
            return Err(Error::Config {
                path: path.to_path_buf(),
                message: format!("cannot read: {e}"),
            });
        }
    };
    parse_config(&text).map_err(|message| Error::Config {
        path: path.to_path_buf(),
        message,
    })
}

/// Parses and checks a config text; the error names the key.
pub fn parse_config(text: &str) -> std::result::Result<Config, String> {
    let config: Config = toml::from_str(text).map_err(|e| describe_toml_error(text, &e))?;
    check_ranges(&config)?;
    Ok(config)
}

/// toml's message says what is wrong; the key and line make it findable in the file.
fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().to_string();
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            let key = text
                .lines()
                .nth(line - 1)
                .and_then(|l| l.split('=').next())
                .map(|k| k.trim().trim_matches(['[', ']']).to_string())
                .unwrap_or_default();
            if key.is_empty() {
                format!("line {line}: {message}")
            } else {
                format!("key `{key}` (line {line}): {message}")
            }
        }
        None => message,
    }
}

/// Tokens travel to the authority: plain `http` only to this machine (a test or a local
/// proxy), never across a network.
fn check_authority(authority: &str) -> std::result::Result<(), String> {
    let url =
        url::Url::parse(authority).map_err(|e| format!("`{authority}` is not a URL ({e})"))?;
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d == "localhost",
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if loopback {
                Ok(())
            } else {
                Err(format!(
                    "`{authority}` is plain http: tokens would cross the network unencrypted; use https"
                ))
            }
        }
        other => Err(format!(
            "`{authority}`: the scheme must be https, not {other}"
        )),
    }
}

fn check_ranges(c: &Config) -> std::result::Result<(), String> {
    let s = &c.sender;
    let bad = |key: &str, why: &str| Err(format!("key `sender.{key}`: {why}"));
    if !(1..=256).contains(&s.concurrency) {
        return bad("concurrency", "must be between 1 and 256");
    }
    if !(1..=1000).contains(&s.batch_size) {
        return bad("batch_size", "must be between 1 and 1000");
    }
    if s.lease_seconds < 5 {
        return bad("lease_seconds", "must be at least 5");
    }
    if s.retry_initial.is_zero() {
        return bad("retry_initial", "must be more than zero");
    }
    if s.retry_max < s.retry_initial {
        return bad("retry_max", "must not be shorter than retry_initial");
    }
    if s.smtp_timeout.is_zero() {
        return bad("smtp_timeout", "must be more than zero");
    }
    if s.max_message_size < 1024 {
        return bad("max_message_size", "must be at least 1024 (bytes)");
    }
    check_authority(&c.oauth.authority).map_err(|why| format!("key `oauth.authority`: {why}"))?;
    if let Some(lang) = &c.language
        && !matches!(lang.as_str(), "en" | "pl")
    {
        return Err(format!("key `language`: `{lang}` is not one of en, pl"));
    }
    if !c.database_url.is_empty() {
        crate::model::DatabaseKind::of_url(&c.database_url)
            .map_err(|e| format!("key `database_url`: {e}"))?;
    }
    Ok(())
}

/// Durations written as text: "90s", "5m", "1h 30m", "5d".
pub mod duration_text {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(*d).to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_duration(&text).map_err(|e| {
            serde::de::Error::custom(format!(
                "`{text}` is not a duration such as 90s, 5m, 1h or 5d ({e})"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        let c = parse_config("").unwrap();
        assert_eq!(c.sender.lease_seconds, 60);
        assert_eq!(c.sender.max_queue_lifetime, Duration::from_secs(5 * 86400));
        assert!(!c.delete_mails_after_sending);
        assert_eq!(c.ksef_work_mode, KsefWorkMode::Demo);
    }

    #[test]
    fn the_oauth_authority_is_https_except_on_loopback() {
        let err = parse_config("[oauth]\nauthority = \"http://login.example.com\"\n").unwrap_err();
        assert!(
            err.contains("oauth.authority") && err.contains("https"),
            "{err}"
        );
        assert!(parse_config("[oauth]\nauthority = \"http://127.0.0.1:8080\"\n").is_ok());
        assert!(parse_config("[oauth]\nauthority = \"https://login.example.com\"\n").is_ok());
        let err = parse_config("[sender]\nmax_message_size = 0\n").unwrap_err();
        assert!(err.contains("max_message_size"), "{err}");
    }

    #[test]
    fn unknown_key_is_named() {
        let err =
            parse_config("multi_company = true\ndelete_mails_after_sendin = true\n").unwrap_err();
        assert!(err.contains("delete_mails_after_sendin"), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn bad_value_is_named() {
        let err = parse_config("[sender]\nlease_seconds = \"soon\"\n").unwrap_err();
        assert!(err.contains("lease_seconds"), "{err}");
        let err = parse_config("[sender]\nretry_initial = \"often\"\n").unwrap_err();
        assert!(
            err.contains("retry_initial") && err.contains("often"),
            "{err}"
        );
        let err = parse_config("[sender]\nconcurrency = 0\n").unwrap_err();
        assert!(err.contains("sender.concurrency"), "{err}");
        let err = parse_config("ksef_work_mode = \"Live\"\n").unwrap_err();
        assert!(err.contains("ksef_work_mode"), "{err}");
        let err = parse_config("database_url = \"mysql://x\"\n").unwrap_err();
        assert!(err.contains("database_url"), "{err}");
    }

    #[test]
    fn durations_and_enums_parse() {
        let c = parse_config(
            "ksef_work_mode = \"Production\"\ndestination_attachment_workflow = \"IBARD\"\n[sender]\nretry_initial = \"90s\"\nretry_max = \"2h\"\nmax_queue_lifetime = \"3d\"\n",
        )
        .unwrap();
        assert_eq!(c.sender.retry_initial, Duration::from_secs(90));
        assert_eq!(c.sender.max_queue_lifetime, Duration::from_secs(3 * 86400));
        assert_eq!(c.ksef_work_mode, KsefWorkMode::Production);
        assert_eq!(c.destination_attachment_workflow, StorageDestination::Ibard);
    }
}
