//! Secrets at rest: passwords, tokens and private keys are sealed with XChaCha20-Poly1305
//! under a key that never enters the database (env `DMSCTL_SECRET_KEY`, or a 0600 key file
//! beside the config). The field's path is bound in as associated data, so a sealed value
//! copied into another field does not open.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const SECRET_KEY_ENV: &str = "DMSCTL_SECRET_KEY";
const SEALED_PREFIX: &str = "enc:v1:";
const NONCE_LEN: usize = 24;

/// A secret value in memory. It prints as `***` so it cannot reach a log by accident;
/// `expose` is the one way to read it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "***" })
    }
}

/// Where the key came from, for error messages that tell the admin what to fix.
#[derive(Debug, Clone)]
pub enum KeySource {
    Environment,
    File(PathBuf),
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Environment => write!(f, "${SECRET_KEY_ENV}"),
            KeySource::File(p) => write!(f, "key file {}", p.display()),
        }
    }
}

pub struct SecretKey {
    cipher: XChaCha20Poly1305,
    source: KeySource,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({})", self.source)
    }
}

impl SecretKey {
    /// The key from the environment, else from `key_file`. With `create`, a missing key
    /// file is made (mode 0600); without it, a missing key is an error, because reading
    /// sealed values with a fresh key could only fail.
    pub fn load(key_file: &Path, create: bool) -> Result<Self> {
        if let Ok(text) = std::env::var(SECRET_KEY_ENV)
            && !text.trim().is_empty()
        {
            return Self::from_base64(text.trim(), KeySource::Environment);
        }
        let source = KeySource::File(key_file.to_path_buf());
        match std::fs::read_to_string(key_file) {
            Ok(text) => Self::from_base64(text.trim(), source),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                let key = XChaCha20Poly1305::generate_key(&mut OsRng);
                write_key_file(key_file, &B64.encode(key))?;
                Ok(SecretKey {
                    cipher: XChaCha20Poly1305::new(&key),
                    source,
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Secret(format!(
                "no secret key: {} does not exist and {SECRET_KEY_ENV} is not set; restore the key the secrets were stored with",
                key_file.display()
            ))),
            Err(e) => Err(Error::Secret(format!(
                "cannot read {}: {e}",
                key_file.display()
            ))),
        }
    }

    fn from_base64(text: &str, source: KeySource) -> Result<Self> {
        let bytes = B64.decode(text).map_err(|_| {
            Error::Secret(format!("{source} is not base64 (expected 32 bytes of key)"))
        })?;
        if bytes.len() != 32 {
            return Err(Error::Secret(format!(
                "{source} holds {} bytes; a key is 32 bytes, base64-encoded",
                bytes.len()
            )));
        }
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes)
            .map_err(|_| Error::Secret(format!("{source} is not a valid key")))?;
        Ok(SecretKey { cipher, source })
    }

    /// A fresh random key, base64-encoded (for `DMSCTL_SECRET_KEY` shared by several hosts).
    pub fn generate_base64() -> String {
        B64.encode(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// Seals `plain`; `field` (e.g. `mail_server.password`) is bound as associated data.
    pub fn seal(&self, plain: &str, field: &str) -> Result<String> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain.as_bytes(),
                    aad: field.as_bytes(),
                },
            )
            .map_err(|_| Error::Secret(format!("cannot seal {field}")))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{SEALED_PREFIX}{}", B64.encode(out)))
    }

    pub fn open(&self, sealed: &str, field: &str) -> Result<String> {
        let data = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|b| B64.decode(b).ok())
            .filter(|d| d.len() > NONCE_LEN)
            .ok_or_else(|| {
                Error::Secret(format!(
                    "{field} is stored in an unknown form; set it again"
                ))
            })?;
        let (nonce, body) = data.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: field.as_bytes(),
                },
            )
            .map_err(|_| {
                Error::Secret(format!(
                    "{field} cannot be decrypted with {}: it is not the key the secret was stored with",
                    self.source
                ))
            })?;
        String::from_utf8(plain)
            .map_err(|_| Error::Secret(format!("{field} decrypted to invalid text")))
    }
}

pub fn is_sealed(value: &str) -> bool {
    value.starts_with(SEALED_PREFIX)
}

fn write_key_file(path: &Path, key_b64: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    create_private_file(path, format!("{key_b64}\n").as_bytes(), "key file")
}

/// Writes a new file only its owner can read (mode 0600). An existing file is never
/// overwritten: the error names it.
pub fn create_private_file(path: &Path, contents: &[u8], what: &str) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(format!("cannot create {what} {}", path.display()), e))?;
    file.write_all(contents)
        .and_then(|_| file.sync_all())
        .map_err(|e| Error::io(format!("cannot write {what} {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_in(dir: &Path) -> SecretKey {
        SecretKey::load(&dir.join("k"), true).unwrap()
    }

    #[test]
    fn seal_open_round_trip_and_field_binding() {
        let dir = tempfile::tempdir().unwrap();
        let key = key_in(dir.path());
        let sealed = key.seal("hasło-ąę", "mail_server.password").unwrap();
        assert!(!sealed.contains("hasło"));
        assert_eq!(
            key.open(&sealed, "mail_server.password").unwrap(),
            "hasło-ąę"
        );
        let err = key.open(&sealed, "api_auth.password").unwrap_err();
        assert!(err.to_string().contains("api_auth.password"), "{err}");
    }

    #[test]
    fn key_file_is_private_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let a = key_in(dir.path());
        let mode = std::fs::metadata(dir.path().join("k"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let sealed = a.seal("x", "f").unwrap();
        let b = SecretKey::load(&dir.path().join("k"), false).unwrap();
        assert_eq!(b.open(&sealed, "f").unwrap(), "x");
    }

    #[test]
    fn wrong_or_missing_key_is_a_clear_error() {
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        let sealed = key_in(one.path()).seal("secret", "f").unwrap();
        let err = key_in(two.path())
            .open(&sealed, "f")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not the key"), "{err}");
        let err = SecretKey::load(&two.path().join("missing"), false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no secret key"), "{err}");
    }

    #[test]
    fn debug_never_shows_the_value() {
        assert_eq!(format!("{:?}", Secret::new("p4ss")), "***");
    }
}
