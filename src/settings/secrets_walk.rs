//! Finds the secret fields of a settings document by their key patterns
//! (`password`, `companies/*/ksef_token`) so that sealing, opening, masking and
//! the audit log all agree on what is secret.

use serde_json::Value;

use super::Tab;
use crate::error::Result;
use crate::secrets::{SecretKey, is_sealed};

/// What a secret looks like wherever it is shown without being asked for.
pub const MASK: &str = "********";

/// Calls `f` on every node a path reaches; `*` stands for every element of a list.
fn walk(value: &mut Value, path: &str, f: &mut dyn FnMut(&mut Value) -> Result<()>) -> Result<()> {
    let (head, rest) = match path.split_once('/') {
        Some((h, r)) => (h, Some(r)),
        None if path.is_empty() => return f(value),
        None => (path, None),
    };
    let mut next = |v: &mut Value| match rest {
        Some(r) => walk(v, r, f),
        None => f(v),
    };
    if head == "*" {
        if let Value::Array(items) = value {
            for item in items {
                next(item)?;
            }
        }
        Ok(())
    } else {
        match value.get_mut(head) {
            Some(v) => next(v),
            None => Ok(()),
        }
    }
}

fn each_secret(
    tab: Tab,
    value: &mut Value,
    mut f: impl FnMut(&str, &mut Value) -> Result<()>,
) -> Result<()> {
    for pattern in tab.secret_fields() {
        let aad = format!("{}.{}", tab.key(), pattern);
        walk(value, pattern, &mut |v| f(&aad, v))?;
    }
    Ok(())
}

fn text_of(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.is_empty())
}

pub(crate) fn has_secret_values(tab: Tab, value: &Value) -> bool {
    let mut copy = value.clone();
    let mut found = false;
    let _ = each_secret(tab, &mut copy, |_, v| {
        found |= text_of(v).is_some();
        Ok(())
    });
    found
}

pub(crate) fn seal_secrets(tab: Tab, value: &mut Value, key: &SecretKey) -> Result<()> {
    each_secret(tab, value, |aad, v| {
        if let Some(plain) = text_of(v) {
            *v = Value::String(key.seal(plain, aad)?);
        }
        Ok(())
    })
}

pub(crate) fn open_secrets(tab: Tab, value: &mut Value, key: &SecretKey) -> Result<()> {
    each_secret(tab, value, |aad, v| {
        if let Some(sealed) = text_of(v) {
            *v = Value::String(key.open(sealed, aad)?);
        }
        Ok(())
    })
}

pub(crate) fn has_sealed_values(tab: Tab, value: &Value) -> bool {
    let mut copy = value.clone();
    let mut found = false;
    let _ = each_secret(tab, &mut copy, |_, v| {
        found |= text_of(v).is_some_and(is_sealed);
        Ok(())
    });
    found
}

/// Replaces every non-empty secret with `MASK`.
pub fn mask_secrets(tab: Tab, value: &mut Value) {
    let _ = each_secret(tab, value, |_, v| {
        if text_of(v).is_some() {
            *v = Value::String(MASK.into());
        }
        Ok(())
    });
}

/// Removes secret fields (an export without secrets must not clear them on import).
pub(crate) fn remove_secrets(tab: Tab, value: &mut Value) {
    for pattern in tab.secret_fields() {
        let (parent, field) = pattern.rsplit_once('/').unwrap_or(("", pattern));
        let _ = walk(value, parent, &mut |v| {
            if let Value::Object(map) = v {
                map.remove(field);
            }
            Ok(())
        });
    }
}

/// Called with (parent object, field name, stored twin of the parent).
type SecretVisitor<'a> = dyn FnMut(&mut serde_json::Map<String, Value>, &str, &Value) + 'a;

/// Walks a secret pattern through an incoming document and the stored one side by
/// side, calling `f(parent object, field name, stored twin of the parent)` at each
/// secret field. List elements are paired by `id` (Null when the stored list has no
/// such element), so reordering a list keeps each secret with its owner.
fn with_stored(incoming: &mut Value, stored: &Value, pattern: &str, f: &mut SecretVisitor<'_>) {
    match pattern.split_once('/') {
        None => {
            if let Value::Object(map) = incoming {
                f(map, pattern, stored);
            }
        }
        Some(("*", rest)) => {
            let Value::Array(new_items) = incoming else {
                return;
            };
            let old_items = stored.as_array();
            for item in new_items {
                let twin = item
                    .get("id")
                    .and_then(|id| old_items?.iter().find(|o| o.get("id") == Some(id)))
                    .unwrap_or(&Value::Null);
                with_stored(item, twin, rest, f);
            }
        }
        Some((head, rest)) => {
            let old = stored.get(head).unwrap_or(&Value::Null);
            if let Some(n) = incoming.get_mut(head) {
                with_stored(n, old, rest, f);
            }
        }
    }
}

/// Fills secret fields missing from `incoming` with the stored values (an export
/// without secrets, imported again, keeps them).
pub(crate) fn keep_missing_secrets(tab: Tab, incoming: &mut Value, stored: &Value) {
    for pattern in tab.secret_fields() {
        with_stored(incoming, stored, pattern, &mut |map, field, old| {
            if let Some(v) = old.get(field)
                && !map.contains_key(field)
            {
                map.insert(field.to_string(), v.clone());
            }
        });
    }
}

/// Replaces secrets that come back masked (`********`, as shown) with the stored
/// values: showing a secret and saving the form must not make the mask the password.
pub(crate) fn restore_masked_secrets(tab: Tab, incoming: &mut Value, stored: &Value) {
    for pattern in tab.secret_fields() {
        with_stored(incoming, stored, pattern, &mut |map, field, old| {
            if let Some(v) = map.get_mut(field)
                && v.as_str() == Some(MASK)
            {
                *v = old
                    .get(field)
                    .cloned()
                    .unwrap_or(Value::String(String::new()));
            }
        });
    }
}

/// Whether a flattened path (`companies/0/password`) is a secret of the tab.
pub(crate) fn is_secret_path(tab: Tab, path: &str) -> bool {
    tab.secret_fields().iter().any(|pattern| {
        let p: Vec<&str> = pattern.split('/').collect();
        let q: Vec<&str> = path.split('/').collect();
        p.len() == q.len() && p.iter().zip(&q).all(|(a, b)| *a == "*" || a == b)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn secret_paths_match_list_items() {
        assert!(is_secret_path(Tab::Erp, "companies/3/ksef_token"));
        assert!(is_secret_path(Tab::Erp, "companies/0/connection/password"));
        assert!(!is_secret_path(Tab::Erp, "companies/0/login"));
        assert!(is_secret_path(Tab::MailServer, "password"));
    }

    #[test]
    fn mask_and_remove() {
        let mut v = json!({"companies": [{"id": "a", "password": "x", "ksef_token": "", "connection": {"password": "y"}}]});
        let mut masked = v.clone();
        mask_secrets(Tab::Erp, &mut masked);
        assert_eq!(masked["companies"][0]["password"], MASK);
        assert_eq!(masked["companies"][0]["ksef_token"], "");
        assert_eq!(masked["companies"][0]["connection"]["password"], MASK);
        remove_secrets(Tab::Erp, &mut v);
        assert!(v["companies"][0].get("password").is_none());
        assert!(v["companies"][0]["connection"].get("password").is_none());
    }

    #[test]
    fn masked_secrets_keep_the_stored_value() {
        let stored = json!({"password": "real", "companies": [{"id": "a", "password": "pa"}]});
        let mut incoming = json!({"password": MASK, "companies": [{"id": "a", "password": MASK}, {"id": "b", "password": MASK}]});
        restore_masked_secrets(Tab::Erp, &mut incoming, &stored);
        assert_eq!(incoming["companies"][0]["password"], "pa");
        assert_eq!(
            incoming["companies"][1]["password"], "",
            "no stored value: empty, never the mask"
        );
        restore_masked_secrets(Tab::MailServer, &mut incoming, &stored);
        assert_eq!(incoming["password"], "real");
    }

    #[test]
    fn missing_secrets_are_kept_by_id() {
        let stored =
            json!({"companies": [{"id": "a", "password": "pa"}, {"id": "b", "password": "pb"}]});
        let mut incoming =
            json!({"companies": [{"id": "b"}, {"id": "c"}, {"id": "a", "password": "new"}]});
        keep_missing_secrets(Tab::Erp, &mut incoming, &stored);
        assert_eq!(incoming["companies"][0]["password"], "pb");
        assert!(incoming["companies"][1].get("password").is_none());
        assert_eq!(incoming["companies"][2]["password"], "new");
    }
}
