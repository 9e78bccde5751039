//! A company's private key (SPEC §4): what kind it is and its fingerprint, read from the
//! PEM text by parsing its DER structure, so that neither the console nor the CLI ever
//! needs to show the key itself.

use base64::Engine;
use sha2::{Digest, Sha256};
use x509_parser::der_parser::ber::BerObject;
use x509_parser::der_parser::parse_der;

/// What can be said about a key without showing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// `RSA 2048 (PKCS#1)`, `EC P-256 (PKCS#8)`, ...
    pub kind: String,
    /// `SHA256:` and the base64 of the SHA-256 of the key's DER (as OpenSSH writes it).
    pub fingerprint: String,
}

impl std::fmt::Display for KeyInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind, self.fingerprint)
    }
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";

/// Reads a PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC). The error says what the
/// text is instead, in words for the `private_key` field.
pub fn describe_private_key(pem: &str) -> Result<KeyInfo, String> {
    let text = pem.trim();
    let (label, rest) = text
        .strip_prefix("-----BEGIN ")
        .and_then(|r| r.split_once("-----"))
        .ok_or("is not a PEM private key (-----BEGIN ... PRIVATE KEY-----)")?;
    if label == "ENCRYPTED PRIVATE KEY" || rest.contains("Proc-Type: 4,ENCRYPTED") {
        return Err("is encrypted with a passphrase; store the key without one".into());
    }
    if !matches!(label, "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY") {
        return Err(format!("holds a `{label}`, not a private key"));
    }
    let end = format!("-----END {label}-----");
    let body = rest
        .split_once(&end)
        .map(|(b, _)| b)
        .ok_or_else(|| format!("has no `{end}` line"))?;
    let b64: String = body.split_whitespace().collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| "is damaged: its body is not base64".to_string())?;
    let damaged = || "is damaged: its body is not a private key structure".to_string();
    let (left, obj) = parse_der(&der).map_err(|_| damaged())?;
    if !left.is_empty() {
        return Err(damaged());
    }
    let items = obj.as_sequence().map_err(|_| damaged())?;
    let kind = match label {
        "PRIVATE KEY" => pkcs8_kind(items).ok_or_else(damaged)?,
        "RSA PRIVATE KEY" => format!("RSA {} (PKCS#1)", rsa_bits(items).ok_or_else(damaged)?),
        _ => format!("EC {} (SEC1)", sec1_curve(items).ok_or_else(damaged)?),
    };
    let digest = Sha256::digest(&der);
    Ok(KeyInfo {
        kind,
        fingerprint: format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
        ),
    })
}

/// PKCS#8: SEQUENCE { version, AlgorithmIdentifier { oid, params }, OCTET STRING key }.
fn pkcs8_kind(items: &[BerObject]) -> Option<String> {
    let [version, algorithm, key, ..] = items else {
        return None;
    };
    version.as_bigint().ok()?;
    let key_der = key.as_slice().ok()?;
    let alg = algorithm.as_sequence().ok()?;
    let oid = alg.first()?.as_oid().ok()?.to_id_string();
    Some(match oid.as_str() {
        OID_RSA => {
            let (_, rsa) = parse_der(key_der).ok()?;
            format!("RSA {} (PKCS#8)", rsa_bits(rsa.as_sequence().ok()?)?)
        }
        OID_EC => {
            let curve = alg
                .get(1)
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            format!("EC {} (PKCS#8)", curve_name(curve.as_deref()))
        }
        OID_ED25519 => "Ed25519 (PKCS#8)".into(),
        other => format!("{other} (PKCS#8)"),
    })
}

/// PKCS#1: SEQUENCE { version, modulus, publicExponent, privateExponent, ... }.
fn rsa_bits(items: &[BerObject]) -> Option<String> {
    if items.len() < 9 {
        return None;
    }
    let modulus = items[1].as_bigint().ok()?;
    Some(modulus.bits().to_string())
}

/// SEC1: SEQUENCE { version 1, OCTET STRING key, [0] curve OID, [1] public key }.
fn sec1_curve(items: &[BerObject]) -> Option<String> {
    items.first()?.as_bigint().ok()?;
    items.get(1)?.as_slice().ok()?;
    // [0] is explicitly tagged; a generic parse leaves its content unparsed.
    let curve = items.iter().skip(2).find_map(|o| {
        if let Ok((_, _, inner)) = o.as_tagged() {
            return inner.as_oid().ok().map(|oid| oid.to_id_string());
        }
        let (_, inner) = parse_der(o.as_slice().ok()?).ok()?;
        inner.as_oid().ok().map(|oid| oid.to_id_string())
    });
    Some(curve_name(curve.as_deref()).to_string())
}

fn curve_name(oid: Option<&str>) -> &str {
    match oid {
        Some(OID_P256) => "P-256",
        Some(OID_P384) => "P-384",
        Some(OID_P521) => "P-521",
        Some(other) => other,
        None => "(curve not named)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/keys/{name}.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn kinds_and_fingerprints() {
        let rsa = describe_private_key(&fixture("rsa_pkcs1")).unwrap();
        assert_eq!(rsa.kind, "RSA 1024 (PKCS#1)");
        // `grep -v -- ----- rsa_pkcs1.pem | base64 -d | openssl dgst -sha256 -binary | base64`
        assert_eq!(
            rsa.fingerprint,
            "SHA256:ZW2xLyCHYfRQUGPsQW+f2whgo4z5Lc2iHOdfOAK7UDo"
        );
        assert_eq!(
            describe_private_key(&fixture("rsa_pkcs8")).unwrap().kind,
            "RSA 1024 (PKCS#8)"
        );
        assert_eq!(
            describe_private_key(&fixture("ec_sec1")).unwrap().kind,
            "EC P-256 (SEC1)"
        );
        let ec = describe_private_key(&fixture("ec_pkcs8")).unwrap();
        assert_eq!(ec.kind, "EC P-256 (PKCS#8)");
        assert_eq!(
            ec.fingerprint,
            "SHA256:YXlzepXJj7iTeYlA5aG1LLtTxtEe9KWR2fRtDV0Inh4"
        );
    }

    #[test]
    fn what_is_not_a_usable_key_is_named() {
        for name in ["encrypted_pkcs8", "encrypted_legacy"] {
            let e = describe_private_key(&fixture(name)).unwrap_err();
            assert!(e.contains("encrypted"), "{name}: {e}");
        }
        let e = describe_private_key(&fixture("certificate")).unwrap_err();
        assert!(e.contains("CERTIFICATE"), "{e}");
        assert!(describe_private_key("garbage").is_err());
        // Right labels, wrong insides: base64 of "hello", then a bare SEQUENCE.
        let fake = "-----BEGIN PRIVATE KEY-----\naGVsbG8=\n-----END PRIVATE KEY-----";
        assert!(describe_private_key(fake).unwrap_err().contains("damaged"));
        let empty_seq = "-----BEGIN RSA PRIVATE KEY-----\nMAA=\n-----END RSA PRIVATE KEY-----";
        assert!(
            describe_private_key(empty_seq)
                .unwrap_err()
                .contains("damaged")
        );
        // A key cut short loses its END line.
        let cut: String = fixture("ec_sec1")
            .lines()
            .take(2)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(describe_private_key(&cut).unwrap_err().contains("END"));
    }
}
