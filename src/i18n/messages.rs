//! Messages with arguments, both languages side by side. A key to press is an
//! argument too: the caller takes it from the key table, so the text says what works.

use std::path::Path;

use super::Lang;
use crate::time::{Millis, format_age};

/// `Delete: 3 mail(s)?` — `action` is the action's label in `lang`.
pub fn confirm_action(action: &str, mails: usize, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{action}: {mails} mail(s)?"),
        Lang::Pl => format!("{action}: {mails} wiadomości?"),
    }
}

/// Before sending sent or cancelled mails again: each mail and its recipients (the
/// first three, then how many more).
pub fn resend_question(mails: &[(i64, String)], lang: Lang) -> String {
    let mut listed: Vec<String> = mails
        .iter()
        .take(3)
        .map(|(id, to)| match (to.is_empty(), lang) {
            (true, _) => format!("#{id}"),
            (false, Lang::En) => format!("#{id} to {to}"),
            (false, Lang::Pl) => format!("#{id} do {to}"),
        })
        .collect();
    if mails.len() > 3 {
        listed.push(match lang {
            Lang::En => format!("and {} more", mails.len() - 3),
            Lang::Pl => format!("i {} innych", mails.len() - 3),
        });
    }
    let listed = listed.join("; ");
    match lang {
        Lang::En => format!("Send again, to every recipient: {listed}?"),
        Lang::Pl => format!("Wysłać ponownie, do wszystkich odbiorców: {listed}?"),
    }
}

pub fn delete_question(name: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("Delete {name}?"),
        Lang::Pl => format!("Usunąć {name}?"),
    }
}

pub fn anonymize_question(mails: i64, days: u32, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "Anonymize {mails} archived mail(s) sent more than {days} days ago? Recipients, subjects and bodies are replaced and attachments removed; this cannot be undone."
        ),
        Lang::Pl => format!(
            "Zanonimizować {mails} zarchiwizowanych maili wysłanych ponad {days} dni temu? Odbiorcy, tematy i treści zostaną zastąpione, a załączniki usunięte; tego nie można cofnąć."
        ),
    }
}

pub fn anonymize_nothing(days: u32, lang: Lang) -> String {
    match lang {
        Lang::En => format!("No archived mails older than {days} days carry personal data."),
        Lang::Pl => {
            format!(
                "Żaden zarchiwizowany mail starszy niż {days} dni nie zawiera danych osobowych."
            )
        }
    }
}

pub fn anonymize_hint(key: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{key} counts the mails first and asks before changing anything."),
        Lang::Pl => format!("{key} najpierw liczy maile i pyta przed zmianą."),
    }
}

pub fn no_companies(add_key: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("No companies yet: press {add_key} to add one."),
        Lang::Pl => format!("Brak spółek: naciśnij {add_key}, aby dodać."),
    }
}

pub fn no_api_systems(add_key: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("No API systems: press {add_key} to add one."),
        Lang::Pl => format!("Brak systemów API: naciśnij {add_key}, aby dodać."),
    }
}

pub fn spaces_warning(trim_key: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("leading/trailing spaces break authorization ({trim_key} trims)"),
        Lang::Pl => format!("spacje na początku/końcu psują autoryzację ({trim_key} usuwa)"),
    }
}

pub fn sign_in_hint(authorize_key: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "Sign in with {authorize_key} (Authorize) or `dmsctl oauth login`: a code typed on any device."
        ),
        Lang::Pl => format!(
            "Zaloguj przez {authorize_key} (Autoryzacja) lub `dmsctl oauth login`: kod wpisany na dowolnym urządzeniu."
        ),
    }
}

pub fn not_signed_in_yet(authorize_key: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("Not signed in to Microsoft 365: press {authorize_key} to authorize."),
        Lang::Pl => {
            format!("Brak logowania do Microsoft 365: naciśnij {authorize_key}, aby autoryzować.")
        }
    }
}

pub fn sign_in_waiting(cancel_key: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("Waiting for the sign-in… ({cancel_key} cancels)"),
        Lang::Pl => format!("Czekam na zalogowanie… ({cancel_key} anuluje)"),
    }
}

pub fn save_first(save_key: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("Save the account first ({save_key})"),
        Lang::Pl => format!("Najpierw zapisz konto ({save_key})"),
    }
}

/// The test message failed for now and is tried again: when (in how long, and the
/// clock time in UTC) and why.
pub fn test_deferred(id: i64, next_at: Millis, now: Millis, reason: &str, lang: Lang) -> String {
    let minutes = next_at.div_euclid(60_000).rem_euclid(24 * 60);
    let at = format!("{:02}:{:02} UTC", minutes / 60, minutes % 60);
    let wait = format_age((next_at - now).max(0));
    match lang {
        Lang::En => format!("#{id}: deferred, next try in {wait} ({at}): {reason}"),
        Lang::Pl => format!("#{id}: odłożona, kolejna próba za {wait} ({at}): {reason}"),
    }
}

pub fn sending_paused(paused: bool, lang: Lang) -> String {
    match (paused, lang) {
        (true, Lang::En) => "sending paused".into(),
        (false, Lang::En) => "sending resumed".into(),
        (true, Lang::Pl) => "wysyłanie wstrzymane".into(),
        (false, Lang::Pl) => "wysyłanie wznowione".into(),
    }
}

pub fn saved_file(path: &Path, lang: Lang) -> String {
    match lang {
        Lang::En => format!("saved {}", path.display()),
        Lang::Pl => format!("zapisano {}", path.display()),
    }
}

/// `kind`: what the key is (`RSA 2048`, ...), as `KeyInfo` says.
pub fn key_written(kind: &str, path: &Path, lang: Lang) -> String {
    match lang {
        Lang::En => format!("private key ({kind}) saved to {}", path.display()),
        Lang::Pl => format!("klucz prywatny ({kind}) zapisano w {}", path.display()),
    }
}

pub fn anonymized(mails: u64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{mails} archived mail(s) anonymized"),
        Lang::Pl => format!("zanonimizowano zarchiwizowane maile: {mails}"),
    }
}

/// The header, when the console runs its own sender.
pub fn embedded_sender_running(lang: Lang) -> String {
    match lang {
        Lang::En => "sending from this console".into(),
        Lang::Pl => "wysyłanie z tej konsoli".into(),
    }
}

pub fn embedded_sender_restarting(restarts: u32, why: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("console sender restarting ({restarts}): {why}"),
        Lang::Pl => format!("ponowne uruchamianie wysyłania z konsoli ({restarts}): {why}"),
    }
}

pub fn embedded_sender_restarted(restarts: u32, lang: Lang) -> String {
    match lang {
        Lang::En => format!("sending from this console (restarted {restarts}x)"),
        Lang::Pl => format!("wysyłanie z tej konsoli (ponownie uruchomione {restarts}x)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_land_where_each_language_puts_them() {
        assert_eq!(confirm_action("delete", 3, Lang::En), "delete: 3 mail(s)?");
        // 10:42 UTC on some day, four minutes from now.
        let at = 1_700_000_000_000 - 1_700_000_000_000 % 86_400_000 + (10 * 60 + 42) * 60_000;
        assert_eq!(
            test_deferred(2, at, at - 240_000, "DNS: no answer", Lang::En),
            "#2: deferred, next try in 4m (10:42 UTC): DNS: no answer"
        );
        assert_eq!(
            resend_question(&[(17, "jan@firma.pl".into())], Lang::En),
            "Send again, to every recipient: #17 to jan@firma.pl?"
        );
        let five: Vec<(i64, String)> = (1..=5).map(|i| (i, String::new())).collect();
        assert_eq!(
            resend_question(&five, Lang::Pl),
            "Wysłać ponownie, do wszystkich odbiorców: #1; #2; #3; i 2 innych?"
        );
        assert_eq!(confirm_action("usuń", 3, Lang::Pl), "usuń: 3 wiadomości?");
        assert_eq!(
            no_companies("a", Lang::Pl),
            "Brak spółek: naciśnij a, aby dodać."
        );
        assert!(
            anonymize_question(7, 365, Lang::En)
                .starts_with("Anonymize 7 archived mail(s) sent more than 365 days ago?")
        );
    }
}
