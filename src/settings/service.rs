//! Loading and saving settings documents: versions (a stale save is a conflict), secrets
//! sealed at rest, and an audit row per saved tab.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::{Map, Value};

use super::secrets_walk::{
    MASK, has_sealed_values, has_secret_values, is_secret_path, keep_missing_secrets, mask_secrets,
    open_secrets, remove_secrets, restore_masked_secrets, seal_secrets,
};
use super::{FieldError, SettingsTab, Tab};
use crate::error::{Error, Result};
use crate::secrets::SecretKey;
use crate::store::{SettingsWrite, Store};
use crate::time::{Millis, now_ms};

/// Who is changing settings: the OS user and, over SSH, the client address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: String,
    pub ssh_client: Option<String>,
}

impl Actor {
    pub fn from_env() -> Self {
        let user = ["USER", "LOGNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            .or_else(user_from_uid)
            .unwrap_or_else(|| "unknown".into());
        let ssh_client = std::env::var("SSH_CLIENT").ok().filter(|s| !s.is_empty());
        Actor { user, ssh_client }
    }
}

fn user_from_uid() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[2] == uid.to_string())
        .map(|f| f[0].to_string())
        .or(Some(format!("uid {uid}")))
}

/// A document with the version it was read at (0: never saved, defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub value: T,
    pub version: i64,
    pub updated_at: Option<Millis>,
    pub updated_by: Option<String>,
}

/// A changed field, as the audit log records it (secrets masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

#[derive(Clone)]
pub struct Settings {
    store: Store,
    key_file: PathBuf,
    key: Arc<Mutex<Option<Arc<SecretKey>>>>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("key_file", &self.key_file)
            .finish()
    }
}

impl Settings {
    /// `key_file` is used when `DMSCTL_SECRET_KEY` is not set; it is created on the
    /// first save of a secret.
    pub fn new(store: Store, key_file: PathBuf) -> Self {
        Settings {
            store,
            key_file,
            key: Arc::new(Mutex::new(None)),
        }
    }

    /// The DMS's operators, alphabetically by name (the File storage pane picks one).
    pub async fn operators(&self) -> Result<Vec<crate::model::Operator>> {
        self.store.operators().await
    }

    /// Adds operators not there yet (by login); returns how many were added.
    pub async fn add_operators(&self, operators: &[crate::model::Operator]) -> Result<u64> {
        self.store.add_operators(operators).await
    }

    /// The stored version of a tab (0 before its first save).
    pub async fn version(&self, tab: &str) -> Result<i64> {
        self.store.settings_version(tab).await
    }

    /// The key secrets are sealed with (`create`: make one if there is none yet).
    pub fn secret_key(&self, create: bool) -> Result<Arc<SecretKey>> {
        self.key(create)
    }

    fn key(&self, create: bool) -> Result<Arc<SecretKey>> {
        let mut slot = self
            .key
            .lock()
            .map_err(|_| Error::Secret("key cache poisoned".into()))?;
        if let Some(k) = slot.as_ref() {
            return Ok(k.clone());
        }
        let key = Arc::new(SecretKey::load(&self.key_file, create)?);
        *slot = Some(key.clone());
        Ok(key)
    }

    /// The tab's document with secrets in plain text, in canonical form.
    pub async fn load_json(&self, tab: Tab) -> Result<Versioned<Value>> {
        let Some(doc) = self.store.settings_doc(tab.key()).await? else {
            return Ok(Versioned {
                value: tab.default_json(),
                version: 0,
                updated_at: None,
                updated_by: None,
            });
        };
        let mut value: Value = serde_json::from_str(&doc.data)
            .map_err(|e| Error::Internal(format!("stored settings {tab} are not JSON: {e}")))?;
        if has_sealed_values(tab, &value) {
            open_secrets(tab, &mut value, &*self.key(false)?)?;
        }
        // Fill fields added since the document was saved; do not judge the old content.
        let value = normalize(tab, value)?;
        Ok(Versioned {
            value,
            version: doc.version,
            updated_at: Some(doc.updated_at),
            updated_by: Some(doc.updated_by),
        })
    }

    pub async fn load<T: SettingsTab>(&self) -> Result<Versioned<T>> {
        let v = self.load_json(T::TAB).await?;
        let value = serde_json::from_value(v.value)
            .map_err(|e| Error::Internal(format!("stored settings {} do not fit: {e}", T::KEY)))?;
        Ok(Versioned {
            value,
            version: v.version,
            updated_at: v.updated_at,
            updated_by: v.updated_by,
        })
    }

    /// Saves a tab read at `expected_version`; returns the new version.
    pub async fn save<T: SettingsTab>(
        &self,
        value: &T,
        expected_version: i64,
        actor: &Actor,
    ) -> Result<i64> {
        let json = serde_json::to_value(value)
            .map_err(|e| Error::Internal(format!("cannot encode {}: {e}", T::KEY)))?;
        let versions = self
            .save_json(vec![(T::TAB, json, expected_version)], actor)
            .await?;
        Ok(versions[0])
    }

    /// Validates every document first, then writes all of them in one transaction.
    pub async fn save_json(&self, docs: Vec<(Tab, Value, i64)>, actor: &Actor) -> Result<Vec<i64>> {
        let mut errors = Vec::new();
        let mut checked = Vec::new();
        for (tab, mut value, version) in docs {
            if value.to_string().contains(MASK) {
                let stored = self.load_json(tab).await?.value;
                restore_masked_secrets(tab, &mut value, &stored);
            }
            match tab.check_json(value) {
                Ok(v) => checked.push((tab, v, version)),
                Err(es) => errors.extend(es.into_iter().map(|e| e.within(tab.key()))),
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let mut writes = Vec::new();
        for (tab, mut value, version) in checked {
            let old = self.load_json(tab).await?.value;
            let changes = diff(tab, &old, &value);
            if has_secret_values(tab, &value) {
                seal_secrets(tab, &mut value, &*self.key(true)?)?;
            }
            writes.push(SettingsWrite {
                tab: tab.key(),
                expected_version: version,
                data: value.to_string(),
                changes: serde_json::to_string(&changes).unwrap_or_default(),
            });
        }
        self.store
            .write_settings(&writes, &actor.user, actor.ssh_client.as_deref(), now_ms())
            .await
    }

    /// Sets fields from `FIELD=VALUE` text (values are read as the field's type) and
    /// saves the tab. A list element is named by index or id: `companies[0].nip`,
    /// `systems[6d1f7c53-...].name`.
    pub async fn set_fields(
        &self,
        tab: Tab,
        assignments: &[(String, String)],
        actor: &Actor,
    ) -> Result<i64> {
        let current = self.load_json(tab).await?;
        let mut value = current.value;
        let mut errors = Vec::new();
        for (field, text) in assignments {
            if let Err(e) = assign(&mut value, field, text) {
                errors.push(e.within(tab.key()));
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let result = self
            .save_json(vec![(tab, value, current.version)], actor)
            .await;
        match result {
            // serde does not name the field of a bad value; the assignment does.
            Err(Error::Invalid(es)) => Err(Error::Invalid(
                es.into_iter()
                    .map(|mut e| {
                        if e.field.ends_with("(document)") {
                            e.field = assignments
                                .iter()
                                .map(|(f, _)| format!("{tab}.{f}"))
                                .collect::<Vec<_>>()
                                .join(", ");
                        }
                        e
                    })
                    .collect(),
            )),
            other => other.map(|v| v[0]),
        }
    }

    /// Adds an element to one of the tab's lists (`companies`, `systems`) with these
    /// fields set, and saves the tab; returns the new element's id.
    pub async fn add_item(
        &self,
        tab: Tab,
        list: &str,
        assignments: &[(String, String)],
        actor: &Actor,
    ) -> Result<(String, i64)> {
        let mut item = tab.new_list_item(list).ok_or_else(|| {
            Error::invalid_argument(
                "LIST",
                format!("`{tab}` has no list `{list}` (erp: companies, api_systems: systems)"),
            )
        })?;
        let mut errors = Vec::new();
        for (field, text) in assignments {
            if let Err(e) = assign(&mut item, field, text) {
                errors.push(e.within(&format!("{tab}.{list}[new]")));
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let id = item
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let current = self.load_json(tab).await?;
        let mut doc = current.value;
        match doc.get_mut(list).and_then(Value::as_array_mut) {
            Some(items) => items.push(item),
            None => doc[list] = Value::Array(vec![item]),
        }
        let versions = self
            .save_json(vec![(tab, doc, current.version)], actor)
            .await?;
        Ok((id, versions[0]))
    }

    /// Removes elements (by id or index) from one of the tab's lists and saves the tab;
    /// an element that is not there changes nothing.
    pub async fn remove_items(
        &self,
        tab: Tab,
        list: &str,
        ids: &[String],
        actor: &Actor,
    ) -> Result<i64> {
        let current = self.load_json(tab).await?;
        let mut doc = current.value;
        let items = doc
            .get_mut(list)
            .and_then(Value::as_array_mut)
            .ok_or_else(|| {
                Error::invalid_argument("LIST", format!("`{tab}` has no list `{list}`"))
            })?;
        let mut positions = Vec::new();
        for id in ids {
            let pos = items
                .iter()
                .position(|it| it.get("id").and_then(Value::as_str) == Some(id.as_str()))
                .or_else(|| id.parse::<usize>().ok().filter(|i| *i < items.len()))
                .ok_or_else(|| {
                    Error::invalid_argument("ID", format!("`{tab}.{list}` has no element `{id}`"))
                })?;
            positions.push(pos);
        }
        positions.sort_unstable();
        positions.dedup();
        for pos in positions.into_iter().rev() {
            items.remove(pos);
        }
        let versions = self
            .save_json(vec![(tab, doc, current.version)], actor)
            .await?;
        Ok(versions[0])
    }

    /// Writes an ERP company's private key to a new file with mode 0600: `unsaved_pem`
    /// if the console holds one not saved yet, else the stored key. Returns what kind
    /// of key was written.
    pub async fn export_private_key(
        &self,
        company_id: &str,
        unsaved_pem: Option<&str>,
        path: &std::path::Path,
    ) -> Result<super::KeyInfo> {
        let pem = match unsaved_pem {
            Some(p) => p.to_string(),
            None => {
                let erp = self.load::<super::ErpSettings>().await?.value;
                let company = erp
                    .companies
                    .iter()
                    .find(|c| c.id == company_id)
                    .ok_or_else(|| Error::NotFound {
                        what: "company",
                        id: company_id.to_string(),
                    })?;
                company.private_key.expose().to_string()
            }
        };
        if pem.trim().is_empty() {
            return Err(Error::invalid_argument(
                "private_key",
                "this company has no private key",
            ));
        }
        let info = super::describe_private_key(&pem)
            .map_err(|m| Error::invalid_argument("private_key", m))?;
        crate::secrets::create_private_file(path, pem.as_bytes(), "private key file")?;
        Ok(info)
    }

    /// Every tab as TOML: one table per tab, lists as arrays of tables. Without
    /// `with_secrets` the secret fields are left out (an import then keeps them).
    pub async fn export_toml(&self, with_secrets: bool) -> Result<String> {
        let mut root = Map::new();
        for tab in Tab::ALL {
            let mut v = self.load_json(tab).await?.value;
            if !with_secrets {
                remove_secrets(tab, &mut v);
            }
            root.insert(tab.key().to_string(), v);
        }
        toml::to_string_pretty(&Value::Object(root))
            .map_err(|e| Error::Internal(format!("cannot write TOML: {e}")))
    }

    /// Imports a TOML export. Every tab in the file is validated before anything is
    /// written; then all are written in one transaction, or none.
    pub async fn import_toml(&self, text: &str, actor: &Actor) -> Result<Vec<Tab>> {
        let parsed: toml::Table = toml::from_str(text)
            .map_err(|e| Error::invalid_argument("FILE", format!("not valid TOML: {e}")))?;
        let mut docs = Vec::new();
        for (key, value) in parsed {
            let tab: Tab = key
                .parse()
                .map_err(|m: String| Error::Invalid(vec![FieldError::new(key.clone(), m)]))?;
            let mut incoming = serde_json::to_value(value)
                .map_err(|e| Error::invalid_argument(key.clone(), e.to_string()))?;
            let mut too_big = Vec::new();
            check_sizes(&key, &incoming, &mut too_big);
            if !too_big.is_empty() {
                return Err(Error::Invalid(too_big));
            }
            let current = self.load_json(tab).await?;
            keep_missing_secrets(tab, &mut incoming, &current.value);
            docs.push((tab, incoming, current.version));
        }
        let tabs = docs.iter().map(|d| d.0).collect();
        self.save_json(docs, actor).await?;
        Ok(tabs)
    }

    /// The tab for display: secrets masked.
    pub async fn show_json(&self, tab: Tab) -> Result<Versioned<Value>> {
        let mut v = self.load_json(tab).await?;
        mask_secrets(tab, &mut v.value);
        Ok(v)
    }

    /// Warnings for the stored document (allowed, but probably wrong).
    pub fn warnings(tab: Tab, value: &Value) -> Vec<FieldError> {
        fn w<T: SettingsTab>(v: &Value) -> Vec<FieldError> {
            serde_json::from_value::<T>(v.clone())
                .map(|t| t.warnings())
                .unwrap_or_default()
        }
        let list = match tab {
            Tab::MailServer => w::<super::MailServerSettings>(value),
            Tab::Templates => w::<super::TemplatesSettings>(value),
            Tab::ApiAuth => w::<super::ApiAuthSettings>(value),
            Tab::Erp => w::<super::ErpSettings>(value),
            Tab::Domain => w::<super::DomainSettings>(value),
            Tab::Tools => w::<super::ToolsSettings>(value),
            Tab::ApiSystems => w::<super::ApiSystemsSettings>(value),
            Tab::Storage => w::<super::StorageSettings>(value),
        };
        list.into_iter().map(|e| e.within(tab.key())).collect()
    }
}

fn normalize(tab: Tab, value: Value) -> Result<Value> {
    let mut merged = tab.default_json();
    merge_defaults(&mut merged, value);
    Ok(merged)
}

/// Stored values over defaults, so a field added in a later version gets its default.
fn merge_defaults(base: &mut Value, stored: Value) {
    match (base, stored) {
        (Value::Object(b), Value::Object(s)) => {
            for (k, v) in s {
                match b.get_mut(&k) {
                    Some(slot) => merge_defaults(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Applies one `field=value` to a document, reading the text as the field's type.
fn assign(doc: &mut Value, field: &str, text: &str) -> std::result::Result<(), FieldError> {
    let err = |m: String| FieldError::new(field, m);
    let mut slot = doc;
    for part in field.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, Some(rest.trim_end_matches(']'))),
            None => (part, None),
        };
        slot = slot
            .get_mut(name)
            .ok_or_else(|| err(format!("no such field `{name}`")))?;
        if let Some(ix) = index {
            let items = slot
                .as_array_mut()
                .ok_or_else(|| err(format!("`{name}` is not a list")))?;
            let pos = match ix.parse::<usize>() {
                Ok(i) if i < items.len() => i,
                _ => items
                    .iter()
                    .position(|it| it.get("id").and_then(Value::as_str) == Some(ix))
                    .ok_or_else(|| err(format!("`{name}` has no element `{ix}`")))?,
            };
            slot = &mut items[pos];
        }
    }
    *slot = match slot {
        Value::Bool(_) => Value::Bool(parse_bool(text).ok_or_else(|| {
            err(format!(
                "`{text}` is not yes/no (true, false, yes, no, on, off)"
            ))
        })?),
        Value::Number(_) => {
            let n: i64 = text
                .trim()
                .parse()
                .map_err(|_| err(format!("`{text}` is not a whole number")))?;
            Value::from(n)
        }
        Value::String(_) => Value::String(text.to_string()),
        Value::Array(_) | Value::Object(_) => {
            return Err(err(
                "is a list or a group; set one of its fields, or use `settings import`".into(),
            ));
        }
        Value::Null => Value::String(text.to_string()),
    };
    Ok(())
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "on" | "1" | "tak" => Some(true),
        "false" | "no" | "off" | "0" | "nie" => Some(false),
        _ => None,
    }
}

/// The fields that differ, with secret values masked (the audit log, and the
/// console's conflict dialog).
pub fn diff(tab: Tab, old: &Value, new: &Value) -> Vec<FieldChange> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flatten("", old, &mut a);
    flatten("", new, &mut b);
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| {
            let shown = |v: Option<&String>| {
                let v = v.cloned().unwrap_or_default();
                if is_secret_path(tab, k) && !v.is_empty() {
                    MASK.to_string()
                } else {
                    v
                }
            };
            FieldChange {
                field: display_path(k),
                old: shown(a.get(k)),
                new: shown(b.get(k)),
            }
        })
        .collect()
}

fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}/{k}")
        }
    };
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| flatten(&join(k), v, out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| flatten(&join(&i.to_string()), v, out)),
        Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// `companies/0/nip` -> `companies[0].nip`
fn display_path(p: &str) -> String {
    let mut out = String::new();
    for part in p.split('/') {
        if part.chars().all(|c| c.is_ascii_digit()) && !out.is_empty() {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn assign_reads_the_field_type() {
        let mut v = json!({"port": 587, "enabled": false, "name": "x", "companies": [{"id": "ab", "nip": ""}]});
        assign(&mut v, "port", "465").unwrap();
        assign(&mut v, "enabled", "yes").unwrap();
        assign(&mut v, "companies[ab].nip", "123").unwrap();
        assert_eq!(v["port"], 465);
        assert_eq!(v["enabled"], true);
        assert_eq!(v["companies"][0]["nip"], "123");
        assert_eq!(assign(&mut v, "port", "many").unwrap_err().field, "port");
        assert!(
            assign(&mut v, "prot", "1")
                .unwrap_err()
                .message
                .contains("prot")
        );
        assert!(assign(&mut v, "companies[zz].nip", "1").is_err());
    }

    #[test]
    fn diff_masks_secrets() {
        let old = json!({"password": "", "port": 25, "login": "a"});
        let new = json!({"password": "tajne", "port": 465, "login": "a"});
        let d = diff(Tab::MailServer, &old, &new);
        assert_eq!(
            d,
            vec![
                FieldChange {
                    field: "password".into(),
                    old: "".into(),
                    new: MASK.into()
                },
                FieldChange {
                    field: "port".into(),
                    old: "25".into(),
                    new: "465".into()
                },
            ]
        );
        assert_eq!(
            display_path("companies/2/connection/server"),
            "companies[2].connection.server"
        );
    }

    #[test]
    fn stored_values_override_defaults_and_new_fields_appear() {
        let v = normalize(Tab::MailServer, json!({"port": 25})).unwrap();
        assert_eq!(v["port"], 25);
        assert_eq!(v["sendmail_path"], "/usr/sbin/sendmail");
    }
}

/// The longest text a settings field may hold (a template body is the longest real one).
pub const MAX_FIELD_CHARS: usize = 256 * 1024;
/// The most elements a settings list may hold (companies, API systems).
pub const MAX_LIST_LEN: usize = 1000;

/// Fields and lists of an imported document past the limits, each named by its path.
fn check_sizes(path: &str, value: &Value, out: &mut Vec<FieldError>) {
    match value {
        Value::String(s) if s.chars().count() > MAX_FIELD_CHARS => out.push(FieldError::new(
            path,
            format!(
                "is {} characters long; the most a field takes is {MAX_FIELD_CHARS}",
                s.chars().count()
            ),
        )),
        Value::Array(items) => {
            if items.len() > MAX_LIST_LEN {
                out.push(FieldError::new(
                    path,
                    format!(
                        "has {} elements; the most a list takes is {MAX_LIST_LEN}",
                        items.len()
                    ),
                ));
            } else {
                for (i, v) in items.iter().enumerate() {
                    check_sizes(&format!("{path}[{i}]"), v, out);
                }
            }
        }
        Value::Object(fields) => {
            for (k, v) in fields {
                check_sizes(&format!("{path}.{k}"), v, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    #[test]
    fn oversized_fields_and_lists_are_named() {
        let mut out = Vec::new();
        let doc = serde_json::json!({
            "companies": vec![serde_json::json!({"nip": "1"}); MAX_LIST_LEN + 1],
            "body": "x".repeat(MAX_FIELD_CHARS + 1),
            "ok": "short",
        });
        check_sizes("erp", &doc, &mut out);
        let fields: Vec<&str> = out.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["erp.body", "erp.companies"], "{out:?}");
    }
}
