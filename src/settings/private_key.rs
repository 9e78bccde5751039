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
    /// `SHA256:` and the base64 of the SHA-256 of the public key's SubjectPublicKeyInfo
    /// (`openssl pkey -pubout -outform DER | openssl dgst -sha256`): the same for the
    /// key in every encoding. A key that does not carry its public half (Ed25519, an EC
    /// key saved without it) falls back to the private key's DER.
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
    let spki = match label {
        "PRIVATE KEY" => pkcs8_public(items),
        "RSA PRIVATE KEY" => rsa_public(items),
        _ => sec1_public(items, None),
    };
    let digest = Sha256::digest(spki.as_deref().unwrap_or(&der));
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

/// DER: a tag, its length, its content.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

const SEQUENCE: u8 = 0x30;
const BIT_STRING: u8 = 0x03;
const INTEGER: u8 = 0x02;
const OBJECT_ID: u8 = 0x06;
/// rsaEncryption, id-ecPublicKey (DER content of the OIDs).
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

/// SubjectPublicKeyInfo { AlgorithmIdentifier, BIT STRING key }.
fn spki(algorithm: Vec<u8>, key: &[u8]) -> Vec<u8> {
    let mut bits = vec![0u8];
    bits.extend_from_slice(key);
    let mut body = tlv(SEQUENCE, &algorithm);
    body.extend(tlv(BIT_STRING, &bits));
    tlv(SEQUENCE, &body)
}

/// The public half of a PKCS#1 RSA key: RSAPublicKey { modulus, publicExponent }.
fn rsa_public(items: &[BerObject]) -> Option<Vec<u8>> {
    let modulus = items.get(1)?.as_slice().ok()?;
    let exponent = items.get(2)?.as_slice().ok()?;
    let mut key = tlv(INTEGER, modulus);
    key.extend(tlv(INTEGER, exponent));
    let mut algorithm = tlv(OBJECT_ID, RSA_ENCRYPTION);
    algorithm.extend([0x05, 0x00]);
    Some(spki(algorithm, &tlv(SEQUENCE, &key)))
}

/// The public point a SEC1 EC key carries in `[1]`, with its curve (from `[0]`, or
/// from the PKCS#8 wrapper's parameters).
fn sec1_public(items: &[BerObject], curve: Option<&[u8]>) -> Option<Vec<u8>> {
    let mut named = curve.map(<[u8]>::to_vec);
    let mut point = None;
    for o in items.iter().skip(2) {
        // Explicitly tagged; a generic parse may leave the content unparsed.
        let inner = match o.as_tagged() {
            Ok((_, _, inner)) => inner.clone(),
            Err(_) => parse_der(o.as_slice().ok()?).ok()?.1,
        };
        match o.header.tag().0 {
            0 if named.is_none() => named = Some(inner.as_oid().ok()?.as_bytes().to_vec()),
            1 => point = Some(inner.as_slice().ok()?.to_vec()),
            _ => {}
        }
    }
    // The BIT STRING's content as parsed starts after its unused-bits byte.
    let (named, point) = (named?, point?);
    let mut algorithm = tlv(OBJECT_ID, EC_PUBLIC_KEY);
    algorithm.extend(tlv(OBJECT_ID, &named));
    Some(spki(algorithm, &point))
}

/// PKCS#8's public half: RSA and EC keys carry it inside their private key.
fn pkcs8_public(items: &[BerObject]) -> Option<Vec<u8>> {
    let [_, algorithm, key, ..] = items else {
        return None;
    };
    let alg = algorithm.as_sequence().ok()?;
    let (_, inner) = parse_der(key.as_slice().ok()?).ok()?;
    let inner = inner.as_sequence().ok()?;
    match alg.first()?.as_oid().ok()?.to_id_string().as_str() {
        OID_RSA => rsa_public(inner),
        OID_EC => {
            let curve = alg.get(1)?.as_oid().ok()?.as_bytes().to_vec();
            sec1_public(inner, Some(&curve))
        }
        _ => None,
    }
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
        // The public key's, whatever the encoding of the private one:
        // `openssl pkey -in rsa_pkcs1.pem -pubout -outform DER | openssl dgst -sha256 -binary | base64`
        let rsa_public = "SHA256:d2fwqxMAYao5u1MpWi+KbmrgmPn2TvMAfBKs5agLFfg";
        assert_eq!(rsa.fingerprint, rsa_public);
        let rsa8 = describe_private_key(&fixture("rsa_pkcs8")).unwrap();
        assert_eq!(rsa8.kind, "RSA 1024 (PKCS#8)");
        assert_eq!(rsa8.fingerprint, rsa_public);
        let ec_public = "SHA256:Ozd9XnS0g44rxDRiV1FSX0xO88mflVG0MQSmNbLo6dU";
        let sec1 = describe_private_key(&fixture("ec_sec1")).unwrap();
        assert_eq!(sec1.kind, "EC P-256 (SEC1)");
        assert_eq!(sec1.fingerprint, ec_public);
        let ec = describe_private_key(&fixture("ec_pkcs8")).unwrap();
        assert_eq!(ec.kind, "EC P-256 (PKCS#8)");
        assert_eq!(ec.fingerprint, ec_public);
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
