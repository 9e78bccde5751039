//! Rendering an e-mail template (SPEC §2): `{Mask}` values, `{WebDocumentUrl}` built
//! from the URL prefix and the document id, and digest templates repeating per document
//! — the text between `{ExpiredDocumentsBegin}` and `{ExpiredDocumentsEnd}`, or, without
//! those markers, every line holding a per-document mask.

use std::collections::BTreeMap;

use super::templates::{TemplateKey, masks_in};
use super::{FieldError, Template};

const BEGIN: &str = "ExpiredDocumentsBegin";
const END: &str = "ExpiredDocumentsEnd";
/// Masks that belong to one document of a digest.
const PER_DOCUMENT: [&str; 4] = [
    "DocumentNumber",
    "WebDocumentUrl",
    "PropagationDate",
    "ExpirationTime",
];

/// One document a mail is about: its id (for `{WebDocumentUrl}`) and its mask values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    pub id: String,
    pub values: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

impl TemplateKey {
    /// Digest templates carry a list of documents.
    pub fn is_digest(self) -> bool {
        !matches!(self, TemplateKey::ReceivedEach | TemplateKey::ObserverEach)
    }

    pub fn from_key(key: &str) -> Option<TemplateKey> {
        TemplateKey::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// Renders `template`. `values` fill the masks shared by the whole mail; `documents`
/// fill the per-document ones (one document for a non-digest template). A mask with
/// no value is an error naming it.
pub fn render(
    key: TemplateKey,
    template: &Template,
    url_prefix: &str,
    values: &BTreeMap<String, String>,
    documents: &[Document],
) -> Result<Rendered, Vec<FieldError>> {
    let mut errors = Vec::new();
    if !key.is_digest() && documents.len() > 1 {
        errors.push(FieldError::new(
            "documents",
            format!(
                "{} is about one document; {} were given",
                key.key(),
                documents.len()
            ),
        ));
    }
    let lookup = |mask: &str, doc: Option<&Document>| -> Option<String> {
        if mask == "WebDocumentUrl" {
            return doc.map(|d| format!("{url_prefix}{}", d.id));
        }
        doc.and_then(|d| d.values.get(mask).cloned())
            .or_else(|| values.get(mask).cloned())
    };
    let mut fill = |text: &str, doc: Option<&Document>, field: &str| -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        for mask in masks_in(text) {
            let token = format!("{{{mask}}}");
            let Some(at) = rest.find(&token) else {
                continue;
            };
            out.push_str(&rest[..at]);
            rest = &rest[at + token.len()..];
            if mask == BEGIN || mask == END {
                continue;
            }
            match lookup(mask, doc) {
                Some(v) => out.push_str(&v),
                None => {
                    let e = FieldError::new(field, format!("no value for {{{mask}}}"));
                    if !errors.contains(&e) {
                        errors.push(e);
                    }
                }
            }
        }
        out.push_str(rest);
        out
    };

    let single = documents.first();
    let subject = fill(&template.subject, single, "subject");
    let body = if key.is_digest() {
        digest_body(&template.body, documents, &mut fill)
    } else {
        fill(&template.body, single, "body")
    };
    if errors.is_empty() {
        Ok(Rendered { subject, body })
    } else {
        Err(errors)
    }
}

fn digest_body(
    body: &str,
    documents: &[Document],
    fill: &mut dyn FnMut(&str, Option<&Document>, &str) -> String,
) -> String {
    let begin = format!("{{{BEGIN}}}");
    let end = format!("{{{END}}}");
    if let (Some(b), Some(e)) = (body.find(&begin), body.find(&end))
        && b < e
    {
        let head = &body[..b];
        let block = &body[b + begin.len()..e];
        let tail = &body[e + end.len()..];
        let mut out = fill(head, None, "body");
        for d in documents {
            out.push_str(&fill(block, Some(d), "body"));
        }
        out.push_str(&fill(tail, None, "body"));
        return out;
    }
    // No markers: each line that holds a per-document mask repeats per document.
    let mut out = Vec::new();
    for line in body.split_inclusive('\n') {
        if masks_in(line).iter().any(|m| PER_DOCUMENT.contains(m)) {
            // The last line may have no line end: its copies still go one per line.
            for (i, d) in documents.iter().enumerate() {
                if i > 0 && !line.ends_with('\n') {
                    out.push("\n".to_string());
                }
                out.push(fill(line, Some(d), "body"));
            }
        } else {
            out.push(fill(line, None, "body"));
        }
    }
    out.concat()
}

/// Values for a preview: every mask a template may use, with believable text.
pub fn sample(key: TemplateKey) -> (BTreeMap<String, String>, Vec<Document>) {
    let values: BTreeMap<String, String> = [
        ("Origin", "Dział księgowości"),
        ("Proceeding", "Proszę sprawdzić i zaakceptować."),
        ("WorkflowName", "Faktury zakupowe"),
        ("StageName", "Akceptacja"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let doc = |id: &str, number: &str, date: &str, overdue: &str| Document {
        id: id.into(),
        values: [
            ("DocumentNumber", number),
            ("PropagationDate", date),
            ("ExpirationTime", overdue),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    };
    let mut documents = vec![doc("1042", "FV/17/2026", "2026-11-20 09:14", "2 dni")];
    if key.is_digest() {
        documents.push(doc("1043", "FV/18/2026", "2026-11-21 13:02", "1 dzień"));
    }
    (values, documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(subject: &str, body: &str) -> Template {
        Template {
            subject: subject.into(),
            body: body.into(),
        }
    }

    /// Renders a template text with the preview's sample data.
    fn with_sample(key: TemplateKey, subject: &str, body: &str, prefix: &str) -> Rendered {
        let (values, docs) = sample(key);
        render(key, &t(subject, body), prefix, &values, &docs).unwrap()
    }

    #[test]
    fn each_template_fills_masks_and_the_url() {
        let r = with_sample(
            TemplateKey::ReceivedEach,
            "Dokument {DocumentNumber}",
            "Etap {StageName}: {WebDocumentUrl}",
            "http://dms/web/documents/",
        );
        assert_eq!(r.subject, "Dokument FV/17/2026");
        assert_eq!(r.body, "Etap Akceptacja: http://dms/web/documents/1042");
    }

    #[test]
    fn digest_with_markers_repeats_the_block() {
        let r = with_sample(
            TemplateKey::Overdue,
            "Zaległe",
            "Zaległe:\n{ExpiredDocumentsBegin}- {DocumentNumber} ({ExpirationTime})\n{ExpiredDocumentsEnd}Koniec",
            "http://dms/d/",
        );
        assert_eq!(
            r.body,
            "Zaległe:\n- FV/17/2026 (2 dni)\n- FV/18/2026 (1 dzień)\nKoniec"
        );
    }

    #[test]
    fn digest_without_markers_repeats_lines_with_document_masks() {
        let r = with_sample(
            TemplateKey::ReceivedDigest,
            "{WorkflowName}",
            "Obieg {WorkflowName}:\n{DocumentNumber} z {PropagationDate}: {WebDocumentUrl}\nPozdrawiam",
            "http://dms/d/",
        );
        assert_eq!(
            r.body,
            "Obieg Faktury zakupowe:\nFV/17/2026 z 2026-11-20 09:14: http://dms/d/1042\nFV/18/2026 z 2026-11-21 13:02: http://dms/d/1043\nPozdrawiam"
        );
        // The repeated line last, without a line end (as a form field holds it): one
        // document per line all the same.
        let r = with_sample(
            TemplateKey::ReceivedDigest,
            "{WorkflowName}",
            "Obieg {WorkflowName}:\n{DocumentNumber}",
            "http://dms/d/",
        );
        assert_eq!(r.body, "Obieg Faktury zakupowe:\nFV/17/2026\nFV/18/2026");
    }

    #[test]
    fn a_missing_value_is_named() {
        let err = render(
            TemplateKey::ReceivedEach,
            &t("{DocumentNumber}", "{Origin}"),
            "http://x/",
            &BTreeMap::new(),
            &[Document {
                id: "1".into(),
                values: BTreeMap::new(),
            }],
        )
        .unwrap_err();
        let fields: Vec<String> = err.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            fields,
            [
                "subject: no value for {DocumentNumber}",
                "body: no value for {Origin}"
            ]
        );
    }

    #[test]
    fn every_default_template_renders_with_the_sample() {
        for defaults in [
            super::super::TemplatesSettings::default(),
            super::super::TemplatesSettings::polish(),
        ] {
            for key in TemplateKey::ALL {
                let (values, docs) = sample(key);
                let r = render(key, defaults.get(key), &defaults.url_prefix, &values, &docs);
                assert!(r.is_ok(), "{}: {r:?}", key.key());
            }
        }
        let (values, docs) = sample(TemplateKey::Overdue);
        let pl = super::super::TemplatesSettings::polish();
        let r = render(
            TemplateKey::Overdue,
            &pl.overdue,
            &pl.url_prefix,
            &values,
            &docs,
        )
        .unwrap();
        assert_eq!(
            r.body,
            "Te dokumenty są przeterminowane:\nFV/17/2026 po terminie o 2 dni: http://localhost/web/documents/1042\nFV/18/2026 po terminie o 1 dzień: http://localhost/web/documents/1043\n"
        );
    }
}
