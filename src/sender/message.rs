//! Builds the MIME message of a queued mail: From is the account's display name and
//! address, bodies and attachments are encoded by lettre (non-ASCII headers and file
//! names included), and the Message-ID is chosen here so it can be stored on the row.
//!
//! Building is linear in the size of the mail: bodies get CRLF line endings in one pass
//! before lettre sees them (lettre inserts each missing CR on its own, which is quadratic
//! in the body size), and each address header is set once with all its mailboxes
//! (adding them one by one re-parses the header each time).

use std::str::FromStr;

use lettre::message::header::{self, ContentType};
use lettre::message::{Attachment as MimeAttachment, Mailbox, Mailboxes, MultiPart, SinglePart};
use lettre::{Address, Message};

use crate::queue::{Attachment, Mail};
use crate::settings::MailServerSettings;

/// A mail ready for the wire.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub from: Address,
    /// Every envelope recipient: To, Cc and Bcc.
    pub recipients: Vec<Address>,
    pub bytes: Vec<u8>,
    pub message_id: String,
}

/// Why a stored mail cannot become a message; permanent, names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct BuildError {
    pub field: &'static str,
    pub message: String,
}

fn bad(field: &'static str, message: impl Into<String>) -> BuildError {
    BuildError {
        field,
        message: message.into(),
    }
}

/// Header text on one line: a CR or LF from a row written by another program must not
/// start a header of its own.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect()
}

fn mailbox(field: &'static str, text: &str) -> Result<Mailbox, BuildError> {
    Mailbox::from_str(text.trim())
        .map_err(|e| bad(field, format!("`{text}` is not an address ({e})")))
}

pub fn build(
    mail: &Mail,
    attachments: &[Attachment],
    account: &MailServerSettings,
) -> Result<Prepared, BuildError> {
    build_with_id(mail, attachments, account, None)
}

/// As `build`, keeping a Message-ID the mail already went out with (saving a sent mail
/// as .eml).
pub fn build_with_id(
    mail: &Mail,
    attachments: &[Attachment],
    account: &MailServerSettings,
    message_id: Option<&str>,
) -> Result<Prepared, BuildError> {
    let from_text = mail
        .from_address
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(&account.from_address);
    let from_addr = Address::from_str(from_text.trim())
        .map_err(|_| bad("from_address", format!("`{from_text}` is not an address")))?;
    let display = mail
        .display_name
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(&account.display_name);
    let display = one_line(display.trim());
    let from = Mailbox::new((!display.is_empty()).then_some(display), from_addr.clone());

    let message_id = message_id
        .map(str::to_string)
        .or_else(|| mail.message_id.clone())
        .unwrap_or_else(|| stable_message_id(mail, from_addr.domain()));
    let mut b = Message::builder()
        .from(from)
        .subject(one_line(&mail.subject))
        .message_id(Some(message_id.clone()));

    let mut recipients = Vec::new();
    for (field, list) in [
        ("to", mail.to_list()),
        ("cc", mail.cc_list()),
        ("bcc", mail.bcc_list()),
    ] {
        if list.is_empty() {
            continue;
        }
        let mut boxes = Mailboxes::new();
        for text in list {
            let mb = mailbox(field, &text)?;
            recipients.push(mb.email.clone());
            boxes.push(mb);
        }
        b = match field {
            "to" => b.header(header::To::from(boxes)),
            "cc" => b.header(header::Cc::from(boxes)),
            _ => b.header(header::Bcc::from(boxes)),
        };
    }
    if recipients.is_empty() {
        return Err(bad("to", "the mail has no recipients"));
    }
    let reply_to = mail
        .reply_to
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .or(Some(account.reply_to.as_str()).filter(|s| !s.trim().is_empty()));
    if let Some(r) = reply_to {
        b = b.reply_to(mailbox("reply_to", r)?);
    }

    let plain = crlf(&mail.body_text);
    let text = SinglePart::plain(plain.clone());
    let body = match &mail.body_html {
        Some(html) => Body::Multi(MultiPart::alternative_plain_html(plain, crlf(html))),
        None => Body::Single(text),
    };
    let message = if attachments.is_empty() {
        match body {
            Body::Single(p) => b.singlepart(p),
            Body::Multi(m) => b.multipart(m),
        }
    } else {
        let mut mixed = match body {
            Body::Single(p) => MultiPart::mixed().singlepart(p),
            Body::Multi(m) => MultiPart::mixed().multipart(m),
        };
        for a in attachments {
            let ct = ContentType::parse(&a.content_type).unwrap_or(
                ContentType::parse("application/octet-stream")
                    .map_err(|e| bad("attachment", e.to_string()))?,
            );
            mixed = mixed
                .singlepart(MimeAttachment::new(one_line(&a.file_name)).body(a.data.clone(), ct));
        }
        b.multipart(mixed)
    }
    .map_err(|e| bad("message", e.to_string()))?;

    Ok(Prepared {
        from: from_addr,
        recipients,
        bytes: message.formatted(),
        message_id,
    })
}

/// The Message-ID of a mail's every attempt until it is queued anew, so a receiver can
/// drop the copy that at-least-once delivery may produce (a crash between the server's
/// 250 and the commit). A deliberate requeue (retry of a failed or sent mail) sets a new
/// `queued_at`, and with it a new Message-ID.
pub fn stable_message_id(mail: &Mail, domain: &str) -> String {
    format!("<dmsctl.{}.{}@{domain}>", mail.id, mail.queued_at)
}

/// `text` with every line ending as CRLF (bare LF and bare CR alike), in one pass.
pub fn crlf(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' => {
                out.push_str(&text[start..i]);
                out.push_str("\r\n");
                i += if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            b'\n' => {
                out.push_str(&text[start..i]);
                out.push_str("\r\n");
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&text[start..]);
    out
}

enum Body {
    Single(SinglePart),
    Multi(MultiPart),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_mail() -> Mail {
        Mail::sample()
    }

    fn account() -> MailServerSettings {
        MailServerSettings {
            from_address: "dms@firma.pl".into(),
            display_name: "Obieg dokumentów".into(),
            reply_to: "biuro@firma.pl".into(),
            ..MailServerSettings::default()
        }
    }

    #[test]
    fn headers_envelope_and_no_injection() {
        let p = build(&sample_mail(), &[], &account()).unwrap();
        let text = String::from_utf8(p.bytes.clone()).unwrap();
        assert_eq!(p.recipients.len(), 3, "bcc is in the envelope");
        assert!(!text.contains("ukryty@firma.pl"), "but not in the headers");
        assert!(!text.contains("\r\nBcc: evil"), "{text}");
        assert!(text.contains(&format!("Message-ID: {}", p.message_id)));
        assert!(p.message_id.ends_with("@firma.pl>"));
        assert!(text.contains("Reply-To: biuro@firma.pl"));
        assert_eq!(p.from.to_string(), "dms@firma.pl");
    }

    #[test]
    fn line_endings_become_crlf_in_one_pass() {
        assert_eq!(crlf("a\nb\r\nc\rd\n\n"), "a\r\nb\r\nc\r\nd\r\n\r\n");
        assert_eq!(crlf("zażółć"), "zażółć");
        assert_eq!(crlf(""), "");
    }

    #[test]
    fn every_attempt_of_a_mail_carries_the_same_message_id() {
        let m = sample_mail();
        let first = build(&m, &[], &account()).unwrap().message_id;
        let mut again = m.clone();
        again.attempts = 5;
        assert_eq!(build(&again, &[], &account()).unwrap().message_id, first);
        let mut requeued = m.clone();
        requeued.queued_at += 1;
        assert_ne!(build(&requeued, &[], &account()).unwrap().message_id, first);
    }

    #[test]
    fn thousands_of_recipients_are_all_in_the_envelope_and_headers() {
        let mut m = sample_mail();
        m.to = (0..3000)
            .map(|i| format!("u{i}@firma.pl"))
            .collect::<Vec<_>>()
            .join(", ");
        let p = build(&m, &[], &account()).unwrap();
        assert_eq!(p.recipients.len(), 3001);
        let text = String::from_utf8(p.bytes).unwrap();
        assert!(text.contains("u2999@firma.pl"));
        assert_eq!(text.matches("\r\nTo: ").count(), 1, "one To header");
    }

    #[test]
    fn bad_stored_address_is_a_named_error() {
        let mut m = sample_mail();
        m.to = "nobody".into();
        assert_eq!(build(&m, &[], &account()).unwrap_err().field, "to");
        let mut a = account();
        a.from_address = String::new();
        assert_eq!(
            build(&sample_mail(), &[], &a).unwrap_err().field,
            "from_address"
        );
    }
}
