//! Failures and deferrals grouped by what went wrong: the reply code, the enhanced
//! status code and the text with what differs from mail to mail (addresses, numbers,
//! ids) masked. `550 5.1.1 <x@y> user unknown` for a hundred recipients is one group.

use serde::Serialize;

use super::mail::MailId;
use super::time::Millis;

/// One group of mails whose last error is the same but for what is masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorGroup {
    /// The masked text; `*` stands where mails differ.
    pub fingerprint: String,
    pub code: Option<u16>,
    /// The enhanced status code (`5.1.1`).
    pub status: Option<String>,
    /// Mails in the group, and of them those failed for good and those to be retried.
    pub mails: i64,
    pub failed: i64,
    pub deferred: i64,
    #[serde(serialize_with = "super::time::serialize_opt_millis")]
    pub first_seen: Option<Millis>,
    #[serde(serialize_with = "super::time::serialize_opt_millis")]
    pub last_seen: Option<Millis>,
    /// Recipient domains, most mails first (the first few).
    pub top_domains: Vec<(String, i64)>,
    /// One mail of the group and its error as it stands.
    pub example_id: MailId,
    pub example: String,
    /// The filter-language term that lists exactly this group.
    pub filter: String,
}

/// The error with what differs between mails masked: addresses in `<…>` become
/// `<*>`, other addresses, numbers and ids `*`. The reply code and the enhanced status
/// code that follow the stage (`RCPT <…>: 550 5.1.1 …`) are kept: they are the group.
pub fn fingerprint(error: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    // The reply code stands first after a token ending in `:`, the status code after it.
    let mut after_colon = false;
    let mut after_code = false;
    for token in error.split_whitespace() {
        let core = token.trim_end_matches([',', ';', ':', '.', ')', ']']);
        let tail = &token[core.len()..];
        let is_code = after_colon && is_reply_code(core);
        let masked = if is_code || after_code && is_status_code(core) {
            token.to_string()
        } else if core.starts_with('<') && core.ends_with('>') && core.contains('@') {
            format!("<*>{tail}")
        } else if core.contains('@') || is_id(core) {
            format!("*{tail}")
        } else {
            mask_digits(token)
        };
        after_code = is_code;
        after_colon = token.ends_with(':');
        out.push(masked);
    }
    out.join(" ")
}

/// The reply code and enhanced status code a fingerprint kept.
pub fn codes(fingerprint: &str) -> (Option<u16>, Option<String>) {
    let mut tokens = fingerprint.split_whitespace().peekable();
    let mut after_colon = false;
    while let Some(t) = tokens.next() {
        if after_colon && is_reply_code(t) {
            let status = tokens
                .peek()
                .map(|s| s.trim_end_matches([',', ';', ':', '.']))
                .filter(|s| is_status_code(s))
                .map(str::to_string);
            return (t.parse().ok(), status);
        }
        after_colon = t.ends_with(':');
    }
    (None, None)
}

/// The term of the filter language that lists a group: the whole error as masked.
pub fn group_term(fingerprint: &str) -> String {
    format!(
        "error=\"{}\"",
        fingerprint.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

fn is_reply_code(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 3 && (b'2'..=b'5').contains(&b[0]) && b.iter().all(u8::is_ascii_digit)
}

fn is_status_code(t: &str) -> bool {
    let parts: Vec<&str> = t.split('.').collect();
    parts.len() == 3
        && matches!(parts[0], "2" | "4" | "5")
        && parts[1..]
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
}

/// A queue id, session id or hash: long, of letters and digits mixed.
fn is_id(t: &str) -> bool {
    t.len() >= 8
        && t.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        && t.bytes().any(|c| c.is_ascii_digit())
        && t.bytes().any(|c| c.is_ascii_alphabetic())
}

/// Every run of digits as one `*`.
fn mask_digits(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    let mut in_digits = false;
    for c in token.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('*');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_numbers_and_ids_are_masked_codes_kept() {
        let a = fingerprint(
            "RCPT <jan@onet.pl>: 550 5.1.1 <jan@onet.pl>: Recipient address rejected: User unknown",
        );
        let b = fingerprint(
            "RCPT <ola@wp.pl>: 550 5.1.1 <ola@wp.pl>: Recipient address rejected: User unknown",
        );
        assert_eq!(a, b);
        assert_eq!(
            a,
            "RCPT <*>: 550 5.1.1 <*>: Recipient address rejected: User unknown"
        );
        assert_eq!(codes(&a), (Some(550), Some("5.1.1".into())));
        assert_eq!(
            fingerprint("MAIL: 451 4.7.1 Greylisted for 300 seconds (id 4F2A9B1C77)"),
            fingerprint("MAIL: 451 4.7.1 Greylisted for 60 seconds (id 99AB01CD3E)")
        );
        assert_eq!(
            fingerprint("MAIL: 451 4.7.1 Greylisted for 300 seconds"),
            "MAIL: 451 4.7.1 Greylisted for * seconds"
        );
        // Other codes are other groups.
        assert_ne!(
            fingerprint("RCPT <a@b.pl>: 550 5.1.1 user unknown"),
            fingerprint("RCPT <a@b.pl>: 552 5.2.2 user unknown")
        );
        assert_ne!(
            fingerprint("RCPT <a@b.pl>: 550 5.1.1 user unknown"),
            fingerprint("RCPT <a@b.pl>: 550 5.7.1 user unknown")
        );
        // A number that is no reply code where it stands is masked.
        assert_eq!(
            fingerprint("DATA: 552 5.3.4 Message size exceeds fixed limit 10240000"),
            "DATA: 552 5.3.4 Message size exceeds fixed limit *"
        );
        assert_eq!(
            codes("connect: connection refused"),
            (None, None),
            "no reply, no code"
        );
        assert_eq!(
            fingerprint("connect 10.0.0.7:25: connection refused"),
            "connect *.*.*.*:*: connection refused"
        );
    }

    #[test]
    fn a_groups_term_quotes_what_needs_it() {
        assert_eq!(
            group_term("AUTH: 535 5.7.8 \"bad\" \\ x"),
            "error=\"AUTH: 535 5.7.8 \\\"bad\\\" \\\\ x\""
        );
        let f = crate::model::Filter::parse(&group_term("AUTH: 535 \"bad\"")).unwrap();
        assert_eq!(
            f.terms[0].test,
            crate::model::Test::TextIs(crate::model::TextField::Error, "AUTH: 535 \"bad\"".into())
        );
    }
}
