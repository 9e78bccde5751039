//! E-mail templates tab [EMAIL] (SPEC §2): a URL prefix and six templates whose texts
//! carry masks such as `{DocumentNumber}`.

use serde::{Deserialize, Serialize};

use super::{FieldError, Problem, SettingsTab, Tab, single_line};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemplateKey {
    ReceivedEach,
    ReceivedDigest,
    Overdue,
    Reminder,
    ObserverEach,
    ObserverDigest,
}

const EACH_MASKS: &[&str] = &[
    "Origin",
    "Proceeding",
    "WebDocumentUrl",
    "DocumentNumber",
    "WorkflowName",
    "StageName",
];
const DIGEST_MASKS: &[&str] = &[
    "WorkflowName",
    "StageName",
    "Origin",
    "Proceeding",
    "WebDocumentUrl",
    "DocumentNumber",
    "PropagationDate",
];
const EXPIRED_MASKS: &[&str] = &[
    "ExpiredDocumentsBegin",
    "WebDocumentUrl",
    "DocumentNumber",
    "ExpirationTime",
    "ExpiredDocumentsEnd",
];

impl TemplateKey {
    pub const ALL: [TemplateKey; 6] = [
        TemplateKey::ReceivedEach,
        TemplateKey::ReceivedDigest,
        TemplateKey::Overdue,
        TemplateKey::Reminder,
        TemplateKey::ObserverEach,
        TemplateKey::ObserverDigest,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TemplateKey::ReceivedEach => "received_each",
            TemplateKey::ReceivedDigest => "received_digest",
            TemplateKey::Overdue => "overdue",
            TemplateKey::Reminder => "reminder",
            TemplateKey::ObserverEach => "observer_each",
            TemplateKey::ObserverDigest => "observer_digest",
        }
    }

    /// The masks this template may use.
    pub fn masks(self) -> &'static [&'static str] {
        match self {
            TemplateKey::ReceivedEach | TemplateKey::ObserverEach => EACH_MASKS,
            TemplateKey::ReceivedDigest | TemplateKey::ObserverDigest => DIGEST_MASKS,
            TemplateKey::Overdue | TemplateKey::Reminder => EXPIRED_MASKS,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Template {
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TemplatesSettings {
    /// e.g. `http://server/web/documents/`; `{WebDocumentUrl}` = prefix + document id.
    pub url_prefix: String,
    pub received_each: Template,
    pub received_digest: Template,
    pub overdue: Template,
    pub reminder: Template,
    pub observer_each: Template,
    pub observer_digest: Template,
}

impl TemplatesSettings {
    pub fn get(&self, key: TemplateKey) -> &Template {
        match key {
            TemplateKey::ReceivedEach => &self.received_each,
            TemplateKey::ReceivedDigest => &self.received_digest,
            TemplateKey::Overdue => &self.overdue,
            TemplateKey::Reminder => &self.reminder,
            TemplateKey::ObserverEach => &self.observer_each,
            TemplateKey::ObserverDigest => &self.observer_digest,
        }
    }
}

fn t(subject: &str, body: &str) -> Template {
    Template {
        subject: subject.into(),
        body: body.into(),
    }
}

impl Default for TemplatesSettings {
    fn default() -> Self {
        TemplatesSettings {
            url_prefix: "http://localhost/web/documents/".into(),
            received_each: t(
                "Document {DocumentNumber} is waiting for you",
                "You have received document {DocumentNumber} in workflow {WorkflowName}, stage {StageName}.\nFrom: {Origin}\nInstructions: {Proceeding}\nOpen: {WebDocumentUrl}\n",
            ),
            received_digest: t(
                "Documents waiting for you in {WorkflowName}",
                "Documents handed to you in workflow {WorkflowName}, stage {StageName}:\n{DocumentNumber} received {PropagationDate}: {WebDocumentUrl}\n",
            ),
            overdue: t(
                "Overdue documents",
                "These documents are overdue:\n{ExpiredDocumentsBegin}{DocumentNumber} overdue by {ExpirationTime}: {WebDocumentUrl}\n{ExpiredDocumentsEnd}",
            ),
            reminder: t(
                "Reminder: documents waiting",
                "A reminder about documents that are waiting:\n{ExpiredDocumentsBegin}{DocumentNumber} ({ExpirationTime}): {WebDocumentUrl}\n{ExpiredDocumentsEnd}",
            ),
            observer_each: t(
                "Document {DocumentNumber} moved on",
                "Document {DocumentNumber} that you observe reached stage {StageName} of {WorkflowName}.\nFrom: {Origin}\nOpen: {WebDocumentUrl}\n",
            ),
            observer_digest: t(
                "Documents you observe in {WorkflowName}",
                "Documents you observe in workflow {WorkflowName}, stage {StageName}:\n{DocumentNumber} on {PropagationDate}: {WebDocumentUrl}\n",
            ),
        }
    }
}

impl TemplatesSettings {
    /// The default texts in Polish (the `Default` ones are English).
    pub fn polish() -> Self {
        TemplatesSettings {
            url_prefix: "http://localhost/web/documents/".into(),
            received_each: t(
                "Dokument {DocumentNumber} czeka na Ciebie",
                "Otrzymałeś dokument {DocumentNumber} w obiegu {WorkflowName}, etap {StageName}.\nOd: {Origin}\nInstrukcja: {Proceeding}\nOtwórz: {WebDocumentUrl}\n",
            ),
            received_digest: t(
                "Dokumenty czekające w obiegu {WorkflowName}",
                "Dokumenty przekazane do Ciebie w obiegu {WorkflowName}, etap {StageName}:\n{DocumentNumber} z dnia {PropagationDate}: {WebDocumentUrl}\n",
            ),
            overdue: t(
                "Przeterminowane dokumenty",
                "Te dokumenty są przeterminowane:\n{ExpiredDocumentsBegin}{DocumentNumber} po terminie o {ExpirationTime}: {WebDocumentUrl}\n{ExpiredDocumentsEnd}",
            ),
            reminder: t(
                "Przypomnienie: dokumenty czekają",
                "Przypominamy o dokumentach, które czekają:\n{ExpiredDocumentsBegin}{DocumentNumber} ({ExpirationTime}): {WebDocumentUrl}\n{ExpiredDocumentsEnd}",
            ),
            observer_each: t(
                "Dokument {DocumentNumber} przeszedł dalej",
                "Obserwowany dokument {DocumentNumber} trafił na etap {StageName} obiegu {WorkflowName}.\nOd: {Origin}\nOtwórz: {WebDocumentUrl}\n",
            ),
            observer_digest: t(
                "Obserwowane dokumenty w obiegu {WorkflowName}",
                "Obserwowane dokumenty w obiegu {WorkflowName}, etap {StageName}:\n{DocumentNumber} z dnia {PropagationDate}: {WebDocumentUrl}\n",
            ),
        }
    }
}

/// The `{Name}` masks in a text, in order (a brace not followed by a name is text).
pub fn masks_in(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                if !name.is_empty()
                    && name.starts_with(|c: char| c.is_ascii_alphabetic())
                    && name.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    out.push(name);
                    rest = &after[close + 1..];
                } else {
                    rest = after;
                }
            }
            None => break,
        }
    }
    out
}

impl SettingsTab for TemplatesSettings {
    const KEY: &'static str = "templates";
    const TAB: Tab = Tab::Templates;

    fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        match url::Url::parse(self.url_prefix.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => e.push(FieldError::problem(
                "url_prefix",
                Problem::NotAUrl(self.url_prefix.clone()),
            )),
        }
        for key in TemplateKey::ALL {
            let tpl = self.get(key);
            single_line(&format!("{}.subject", key.key()), &tpl.subject, &mut e);
            for (part, text) in [("subject", &tpl.subject), ("body", &tpl.body)] {
                for mask in masks_in(text) {
                    if !key.masks().contains(&mask) {
                        e.push(FieldError::problem(
                            format!("{}.{part}", key.key()),
                            Problem::UnknownMask {
                                mask: mask.into(),
                                allowed: key
                                    .masks()
                                    .iter()
                                    .map(|m| format!("{{{m}}}"))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            },
                        ));
                    }
                }
            }
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(TemplatesSettings::default().validate(), vec![]);
        assert_eq!(TemplatesSettings::polish().validate(), vec![]);
    }

    #[test]
    fn masks_are_found() {
        assert_eq!(masks_in("a {X} {not a mask} {Y1}{ {Z}"), ["X", "Y1", "Z"]);
    }

    #[test]
    fn unknown_mask_is_named() {
        let mut s = TemplatesSettings::default();
        s.received_each.body = "Nr {DocumentNumer}".into();
        s.url_prefix = "ftp://x/".into();
        let e = s.validate();
        assert_eq!(e[0].field, "url_prefix");
        assert_eq!(e[1].field, "received_each.body");
        assert!(e[1].message.contains("{DocumentNumer}"), "{}", e[1].message);
    }

    #[test]
    fn masks_are_per_template() {
        let mut s = TemplatesSettings::default();
        s.overdue.subject = "{StageName}".into();
        assert_eq!(s.validate()[0].field, "overdue.subject");
    }
}
