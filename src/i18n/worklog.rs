//! The work log is stored in English (the CLI, the log file and every console read the
//! same entries); a Polish console words the common entries in Polish when it shows
//! them. An entry not known here is shown as stored.

use std::borrow::Cow;

use super::Lang;
use crate::model::Level;

/// Whole messages and their Polish.
const WHOLE: &[(&str, &str)] = &[
    ("delivered", "dostarczono"),
    (
        "delivered; deleted after sending",
        "dostarczono; usunięto po wysłaniu",
    ),
    (
        "sending is disabled in the Mail server tab; mails stay pending",
        "wysyłka wyłączona w karcie Serwer pocztowy; maile czekają",
    ),
];

/// Messages that end with who did it: the English start, the Polish start.
const BY: &[(&str, &str)] = &[
    (
        "queued again for sending now by ",
        "ponownie w kolejce do wysłania teraz; zrobił to: ",
    ),
    ("cancelled by ", "anulowana; zrobił to: "),
    ("held by ", "zatrzymana; zrobił to: "),
    ("released by ", "zwolniona; zrobił to: "),
    ("deleted by ", "usunięta; zrobił to: "),
    ("sending paused by ", "wysyłanie wstrzymane; zrobił to: "),
    ("sending resumed by ", "wysyłanie wznowione; zrobił to: "),
    (
        "queue flushed by ",
        "kolejka ponaglona (odłożone do wysłania teraz); zrobił to: ",
    ),
];

/// A stored message as the reader's language says it.
pub fn message(text: &str, lang: Lang) -> Cow<'_, str> {
    if lang == Lang::En {
        return Cow::Borrowed(text);
    }
    if let Some((_, pl)) = WHOLE.iter().find(|(en, _)| *en == text) {
        return Cow::Borrowed(pl);
    }
    if let Some((en, pl)) = BY.iter().find(|(en, _)| text.starts_with(en)) {
        return Cow::Owned(format!("{pl}{}", &text[en.len()..]));
    }
    // "<why>; waiting 4m 15s before trying the server again"
    if let Some((why, rest)) = text.rsplit_once("; waiting ")
        && let Some(wait) = rest.strip_suffix(" before trying the server again")
    {
        return Cow::Owned(format!(
            "{}; kolejna próba połączenia za {wait}",
            super::foreign::text(why, lang)
        ));
    }
    super::foreign::text(text, lang)
}

pub fn level(level: Level, lang: Lang) -> &'static str {
    match (level, lang) {
        (Level::Info, Lang::En) => "info",
        (Level::Warn, Lang::En) => "warn",
        (Level::Error, Lang::En) => "error",
        (Level::Info, Lang::Pl) => "info",
        (Level::Warn, Lang::Pl) => "uwaga",
        (Level::Error, Lang::Pl) => "błąd",
    }
}

pub fn source(source: &str, lang: Lang) -> &str {
    match (source, lang) {
        ("sender", Lang::Pl) => "nadawca",
        ("admin", Lang::Pl) => "admin",
        ("console", Lang::Pl) => "konsola",
        (s, _) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_entries_read_in_polish_and_the_rest_as_stored() {
        assert_eq!(message("delivered", Lang::Pl), "dostarczono");
        assert_eq!(message("delivered", Lang::En), "delivered");
        assert_eq!(
            message("held by root@dms01", Lang::Pl),
            "zatrzymana; zrobił to: root@dms01"
        );
        assert_eq!(
            message(
                "connection refused; waiting 4m 15s before trying the server again",
                Lang::Pl
            ),
            "połączenie odrzucone; kolejna próba połączenia za 4m 15s"
        );
        assert_eq!(
            message("RCPT TO a@b.pl: 550 5.1.1", Lang::Pl),
            "RCPT TO a@b.pl: 550 5.1.1"
        );
        assert_eq!(level(Level::Error, Lang::Pl), "błąd");
        assert_eq!(source("sender", Lang::Pl), "nadawca");
    }
}
