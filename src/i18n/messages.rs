//! Messages with arguments, both languages side by side. A key to press is an
//! argument too: the caller takes it from the key table, so the text says what works.

use std::path::Path;

use super::Lang;
use crate::model::{MailAction, ServerTrouble};
use crate::time::{Millis, format_age};

/// Before acting on mails: the action and the ids it goes to (the first six, then how
/// many more), so that nobody confirms an action on a mail they did not mean.
pub fn confirm_action(action: &str, ids: &[i64], lang: Lang) -> String {
    let mut listed: Vec<String> = ids.iter().take(6).map(|id| format!("#{id}")).collect();
    if ids.len() > 6 {
        listed.push(match lang {
            Lang::En => format!("+{} more", ids.len() - 6),
            Lang::Pl => format!("+{} innych", ids.len() - 6),
        });
    }
    let listed = listed.join(", ");
    match (ids.len(), lang) {
        (1, _) => format!("{action}: {listed}?"),
        (n, Lang::En) => format!("{action}: {listed} ({n} mails)?"),
        (n, Lang::Pl) => format!("{action}: {listed} ({n} wiadomości)?"),
    }
}

/// How many mails are marked (the next action goes to them).
pub fn marked(n: usize, lang: Lang) -> String {
    match lang {
        Lang::En => format!("● {n} marked"),
        Lang::Pl => format!("● zaznaczone: {n}"),
    }
}

/// When and by which sender a mail was sent.
pub fn sent_by(at: &str, by: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{at} by {by}"),
        Lang::Pl => format!("{at} przez {by}"),
    }
}

/// What a queue action did, in words (`held 2 mails`).
pub fn mails_done(action: MailAction, n: u64, lang: Lang) -> String {
    let en_mails = if n == 1 { "mail" } else { "mails" };
    let pl_mails = if n == 1 { "wiadomość" } else { "wiadomości" };
    match (action, lang) {
        (MailAction::Retry, Lang::En) => format!("{n} {en_mails} to be sent now"),
        (MailAction::Hold, Lang::En) => format!("held {n} {en_mails}"),
        (MailAction::Release, Lang::En) => format!("released {n} {en_mails}"),
        (MailAction::Cancel, Lang::En) => format!("cancelled {n} {en_mails}"),
        (MailAction::Delete, Lang::En) => format!("deleted {n} {en_mails}"),
        (MailAction::Retry, Lang::Pl) => format!("do wysłania teraz: {n} {pl_mails}"),
        (MailAction::Hold, Lang::Pl) => format!("zatrzymano: {n} {pl_mails}"),
        (MailAction::Release, Lang::Pl) => format!("zwolniono: {n} {pl_mails}"),
        (MailAction::Cancel, Lang::Pl) => format!("anulowano: {n} {pl_mails}"),
        (MailAction::Delete, Lang::Pl) => format!("usunięto: {n} {pl_mails}"),
    }
}

/// The header's one reason why no mail leaves, with the key that fixes it (empty: none
/// here). Short first, details last: what does not fit at 80 columns is the detail.
pub fn blocked_disabled(lang: Lang) -> String {
    match lang {
        Lang::En => "⚠ nothing is sent: sending is disabled (Mail server tab, Enabled)".into(),
        Lang::Pl => {
            "⚠ nic nie jest wysyłane: wysyłka wyłączona (karta Serwer poczty, Włączone)".into()
        }
    }
}

pub fn blocked_paused(by: Option<&str>, at: Option<&str>, key: &str, lang: Lang) -> String {
    let who = match (by, at, lang) {
        (Some(by), Some(at), Lang::En) => format!(" by {by} at {at}"),
        (Some(by), Some(at), Lang::Pl) => format!(" przez {by} o {at}"),
        (Some(by), None, Lang::En) => format!(" by {by}"),
        (Some(by), None, Lang::Pl) => format!(" przez {by}"),
        _ => String::new(),
    };
    match lang {
        Lang::En => format!("⚠ sending paused{who} ({key}: resume)"),
        Lang::Pl => format!("⚠ wysyłka wstrzymana{who} ({key}: wznów)"),
    }
}

pub fn blocked_no_sender(lang: Lang) -> String {
    match lang {
        Lang::En => "⚠ no sender is running: start `dmsctl worker` (the dmsctl service)".into(),
        Lang::Pl => "⚠ żaden nadawca nie działa: uruchom `dmsctl worker` (usługę dmsctl)".into(),
    }
}

pub fn blocked_server(
    trouble: ServerTrouble,
    since: &str,
    next_try: &str,
    reply: &str,
    key: &str,
    lang: Lang,
) -> String {
    let what = match (trouble, lang) {
        (ServerTrouble::Unreachable, Lang::En) => "mail server unreachable",
        (ServerTrouble::Refusing, Lang::En) => "mail server refusing mail",
        (ServerTrouble::Login, Lang::En) => "mail server refuses the login",
        (ServerTrouble::Unreachable, Lang::Pl) => "serwer poczty nieosiągalny",
        (ServerTrouble::Refusing, Lang::Pl) => "serwer poczty odrzuca pocztę",
        (ServerTrouble::Login, Lang::Pl) => "serwer poczty odrzuca logowanie",
    };
    match lang {
        Lang::En => format!("⚠ {what} since {since}, next try {next_try} ({key}: now): {reply}"),
        Lang::Pl => format!(
            "⚠ {what} od {since}, próba o {next_try} ({key}: teraz): {}",
            super::foreign::text(reply, lang)
        ),
    }
}

pub fn blocked_sign_in(reason: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("⚠ Microsoft 365 sign-in needed (Mail server tab): {reason}"),
        Lang::Pl => format!(
            "⚠ wymagane logowanie Microsoft 365 (karta Serwer poczty): {}",
            super::foreign::text(reason, lang)
        ),
    }
}

/// A mail's details: what it waits for, or what became of it.
pub fn mail_held(release_key: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("Held: not sent until released ({release_key}: release)"),
        Lang::Pl => format!(
            "Zatrzymana: nie zostanie wysłana, dopóki jej nie zwolnisz ({release_key}: zwolnij)"
        ),
    }
}

pub fn mail_next_try(at: &str, in_: &str, retry_key: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("Next try: {at} (in {in_}; {retry_key}: send now)"),
        Lang::Pl => format!("Następna próba: {at} (za {in_}; {retry_key}: wyślij teraz)"),
    }
}

pub fn mail_due(lang: Lang) -> String {
    match lang {
        Lang::En => "Next try: now (the next free sender takes it)".into(),
        Lang::Pl => "Następna próba: teraz (weźmie ją pierwszy wolny nadawca)".into(),
    }
}

pub fn mail_sending(by: &str, lease_until: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("Being sent by {by} (claimed until {lease_until})"),
        Lang::Pl => format!("Wysyłana przez {by} (zajęta do {lease_until})"),
    }
}

pub fn mail_back_at(sender: &str, at: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("Sender {sender} is stale: back to pending at {at}"),
        Lang::Pl => format!("Nadawca {sender} nie odpowiada: wróci do oczekujących o {at}"),
    }
}

pub fn mail_failed(at: &str, why: &str, retry_key: &str, lang: Lang) -> String {
    match (at.is_empty(), lang) {
        (false, Lang::En) => format!("Failed {at}: {why} ({retry_key}: queue again)"),
        (true, Lang::En) => format!("Failed: {why} ({retry_key}: queue again)"),
        (false, Lang::Pl) => format!("Nie wysłano {at}: {why} ({retry_key}: ponów)"),
        (true, Lang::Pl) => format!("Nie wysłano: {why} ({retry_key}: ponów)"),
    }
}

pub fn flushed(n: u64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("flushed: {n} deferred mails due now; senders try the server again"),
        Lang::Pl => {
            format!("wysyłka wymuszona: {n} odłożonych do wysłania teraz; ponowna próba połączenia")
        }
    }
}

/// Beside the status counts (which are the whole queue's) while a search filters the
/// list: how many mails it finds.
pub fn search_matches(n: Option<i64>, within: Option<u32>, lang: Lang) -> String {
    let found = match (n, lang) {
        (Some(n), Lang::En) => format!("{n} found"),
        (Some(n), Lang::Pl) => format!("znaleziono {n}"),
        (None, Lang::En) => "searching…".into(),
        (None, Lang::Pl) => "szukanie…".into(),
    };
    match (within, lang) {
        (None, _) => found,
        (Some(w), Lang::En) => format!("{found} in the newest {}", thousands(w, ',')),
        (Some(w), Lang::Pl) => format!("{found} wśród najnowszych {}", thousands(w, ' ')),
    }
}

/// `100,000` in English, `100 000` in Polish.
fn thousands(n: u32, separator: char) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// Above a page that is not the list's first: how many mails are above it and the key
/// that goes to the top (newer mails newest first, older ones oldest first).
pub fn mails_above(n: i64, oldest_first: bool, key: &str, lang: Lang) -> String {
    match (oldest_first, lang) {
        (false, Lang::En) => format!("↑ {n} new ({key}: show)"),
        (false, Lang::Pl) => format!("↑ {n} nowych ({key}: pokaż)"),
        (true, Lang::En) => format!("↑ {n} older ({key}: top)"),
        (true, Lang::Pl) => format!("↑ {n} starszych ({key}: początek)"),
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

/// Before deleting an element of a list; one without a name is called by its place.
pub fn delete_question(name: &str, position: usize, lang: Lang) -> String {
    match (name.trim().is_empty(), lang) {
        (false, Lang::En) => format!("Delete {name}?"),
        (false, Lang::Pl) => format!("Usunąć {name}?"),
        (true, Lang::En) => format!("Delete entry {position} (it has no name)?"),
        (true, Lang::Pl) => format!("Usunąć pozycję {position} (bez nazwy)?"),
    }
}

/// `1 day`, `5 days`; `1 dzień`, `5 dni`.
fn days(n: u32, lang: Lang) -> String {
    match (n, lang) {
        (1, Lang::En) => "1 day".into(),
        (n, Lang::En) => format!("{n} days"),
        (1, Lang::Pl) => "1 dzień".into(),
        (n, Lang::Pl) => format!("{n} dni"),
    }
}

/// Before a yes/no setting that is saved at once.
pub fn switch_question(label: &str, on: bool, lang: Lang) -> String {
    match (on, lang) {
        (true, Lang::En) => format!("{label}: yes? This is saved at once."),
        (false, Lang::En) => format!("{label}: no? This is saved at once."),
        (true, Lang::Pl) => format!("{label}: tak? Zostanie zapisane od razu."),
        (false, Lang::Pl) => format!("{label}: nie? Zostanie zapisane od razu."),
    }
}

/// A settings tab was saved: its title as the pane names it, and the stored version.
pub fn settings_saved(title: &str, version: i64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("Saved: {title} (version {version})"),
        Lang::Pl => format!("Zapisano: {title} (wersja {version})"),
    }
}

pub fn anonymize_question(mails: i64, days_n: u32, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "Anonymize {mails} archived {} sent more than {} ago? Recipients, subjects and bodies are replaced and attachments removed; this cannot be undone.",
            if mails == 1 { "mail" } else { "mails" },
            days(days_n, lang)
        ),
        Lang::Pl => format!(
            "Zanonimizować zarchiwizowane wiadomości ({mails}) wysłane ponad {} temu? Odbiorcy, tematy i treści zostaną zastąpione, a załączniki usunięte; tego nie można cofnąć.",
            days(days_n, lang)
        ),
    }
}

pub fn anonymize_nothing(days_n: u32, lang: Lang) -> String {
    let d = days(days_n, lang);
    match lang {
        Lang::En => format!("No archived mails older than {d} carry personal data."),
        Lang::Pl => {
            format!("Żaden zarchiwizowany mail starszy niż {d} nie zawiera danych osobowych.")
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
pub fn test_deferred(
    id: i64,
    next_at: Millis,
    now: Millis,
    reason: &str,
    clock: &super::clock::Clock,
    lang: Lang,
) -> String {
    let at = clock.hm_zone(next_at);
    let wait = format_age((next_at - now).max(0));
    match lang {
        Lang::En => format!("#{id}: deferred, next try in {wait} ({at}): {reason}"),
        Lang::Pl => format!(
            "#{id}: odłożona, kolejna próba za {wait} ({at}): {}",
            super::foreign::text(reason, lang)
        ),
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
        Lang::En if mails == 1 => "1 archived mail anonymized".to_string(),
        Lang::En => format!("{mails} archived mails anonymized"),
        Lang::Pl => format!("zanonimizowano zarchiwizowane maile: {mails}"),
    }
}

/// The header, when the console runs its own sender.
pub fn embedded_sender_restarting(restarts: u32, why: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("console sender restarting ({restarts}): {why}"),
        Lang::Pl => format!("ponowne uruchamianie wysyłania z konsoli ({restarts}): {why}"),
    }
}

pub fn embedded_sender_restarted(restarts: u32, lang: Lang) -> String {
    match lang {
        Lang::En => format!("console sender restarted {restarts}x"),
        Lang::Pl => format!("wysyłanie z konsoli uruchomione ponownie {restarts}x"),
    }
}

/// A status as the lists show it (`held` apart), in the user's language.
fn status_word(status: &str, lang: Lang) -> String {
    use super::Txt;
    let txt = match status {
        "pending" => Txt::Pending,
        "held" => Txt::Held,
        "sending" => Txt::Sending,
        "sent" => Txt::Sent,
        "failed" => Txt::Failed,
        "cancelled" => Txt::Cancelled,
        other => return other.to_string(),
    };
    txt.t(lang).to_string()
}

/// An action as the keys and questions name it (`hold`, `zatrzymaj`).
pub fn verb(action: MailAction) -> super::Txt {
    use super::Txt;
    match action {
        MailAction::Retry => Txt::KRetry,
        MailAction::Hold => Txt::KHold,
        MailAction::Release => Txt::KRelease,
        MailAction::Cancel => Txt::KCancel,
        MailAction::Delete => Txt::KDelete,
    }
}

/// Before a bulk action: how many of the matching mails it changes, what they are,
/// where they go, what it leaves alone; and that mail arriving later is not touched.
pub fn bulk_question(
    action: MailAction,
    filter: &str,
    b: &crate::queue::Breakdown,
    lang: Lang,
) -> String {
    let listed = |counts: &[(String, i64)], status: bool| {
        counts
            .iter()
            .map(|(k, n)| {
                if status {
                    format!("{} {n}", status_word(k, lang))
                } else {
                    format!("{k} {n}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let filter = if filter.is_empty() {
        String::new()
    } else {
        format!(" `{filter}`")
    };
    let v = verb(action).t(lang);
    let (by_status, domains) = (listed(&b.by_status, true), listed(&b.top_domains, false));
    let left = listed(&b.not_applicable, true);
    match lang {
        Lang::En => {
            let left = if left.is_empty() {
                String::new()
            } else {
                format!(" Left as they are: {left}.")
            };
            let which = if filter.is_empty() {
                format!("{} of all {} mails in the queue", b.applicable, b.matched)
            } else {
                format!(
                    "{} of the {} mails matching{filter}",
                    b.applicable, b.matched
                )
            };
            format!(
                "{v}: {which}? By status: {by_status}. Domains: {domains}.{left} Mail arriving from now on is not touched."
            )
        }
        Lang::Pl => {
            let left = if left.is_empty() {
                String::new()
            } else {
                format!(" Bez zmian: {left}.")
            };
            let which = if filter.is_empty() {
                format!(
                    "{} ze wszystkich {} wiadomości w kolejce",
                    b.applicable, b.matched
                )
            } else {
                format!(
                    "{} z {} wiadomości pasujących do{filter}",
                    b.applicable, b.matched
                )
            };
            format!(
                "{v}: {which}? Według stanu: {by_status}. Domeny: {domains}.{left} Wiadomości, które przyjdą później, nie zostaną objęte."
            )
        }
    }
}

/// A bulk action that would change nothing, and why.
pub fn bulk_nothing(action: MailAction, b: &crate::queue::Breakdown, lang: Lang) -> String {
    let v = verb(action).t(lang);
    let what: Vec<String> = b
        .by_status
        .iter()
        .map(|(k, n)| format!("{n} {}", status_word(k, lang)))
        .collect();
    match (b.matched, lang) {
        (0, Lang::En) => format!("{v}: no mail matches"),
        (0, Lang::Pl) => format!("{v}: żadna wiadomość nie pasuje"),
        (_, Lang::En) => format!(
            "{v}: none of the matching mails can take it ({}); it applies to {} mails",
            what.join(", "),
            action.applicable_statuses()
        ),
        (_, Lang::Pl) => format!(
            "{v}: żadna z pasujących wiadomości ({}) nie dopuszcza tego działania",
            what.join(", ")
        ),
    }
}

/// A bulk action under way, and the key that stops it.
pub fn bulk_progress(
    action: MailAction,
    done: u64,
    total: i64,
    key: &str,
    stopping: bool,
    lang: Lang,
) -> String {
    let v = verb(action).t(lang);
    match (stopping, lang) {
        (false, Lang::En) => format!("{v}: {done}/{total} · {key} stop"),
        (false, Lang::Pl) => format!("{v}: {done}/{total} · {key} przerwij"),
        (true, Lang::En) => format!("{v}: {done}/{total} · stopping after this batch"),
        (true, Lang::Pl) => format!("{v}: {done}/{total} · przerywanie po tej partii"),
    }
}

/// A bulk action that has ended.
pub fn bulk_done(action: MailAction, done: u64, stopped: bool, lang: Lang) -> String {
    let what = mails_done(action, done, lang);
    match (stopped, lang) {
        (false, _) => what,
        (true, Lang::En) => format!("{what}; stopped, the rest left as they were"),
        (true, Lang::Pl) => format!("{what}; przerwano, reszta bez zmian"),
    }
}

/// The header's note of deferred destinations: (domain, local end time) each.
pub fn deferred_banner(rules: &[(String, String)], lang: Lang) -> String {
    let listed: Vec<String> = rules
        .iter()
        .map(|(d, t)| match lang {
            Lang::En => format!("{d} until {t}"),
            Lang::Pl => format!("{d} do {t}"),
        })
        .collect();
    match lang {
        Lang::En => format!("⏸ deferred: {}", listed.join(", ")),
        Lang::Pl => format!("⏸ odłożone: {}", listed.join(", ")),
    }
}

/// Where a search goes wrong, in a few words (the whole of it is shown elsewhere).
pub fn filter_error_at(at: usize, lang: Lang) -> String {
    match lang {
        Lang::En => format!("error at {}", at + 1),
        Lang::Pl => format!("błąd na znaku {}", at + 1),
    }
}

/// What is wrong with a search in the filter language, and where (1 is the first
/// character).
pub fn filter_error(e: &crate::model::FilterError, lang: Lang) -> String {
    use crate::model::FilterProblem as P;
    if lang == Lang::En {
        return e.to_string();
    }
    let at = e.at + 1;
    match &e.problem {
        P::UnknownQualifier(q) => {
            format!(
                "znak {at}: `{q}:` nie jest kwalifikatorem (tekst z dwukropkiem ujmij w cudzysłów)"
            )
        }
        P::MissingValue(q) => format!("znak {at}: `{q}` wymaga wartości"),
        P::BadValue {
            qualifier,
            value,
            expected,
        } => format!(
            "znak {at}: `{value}` nie jest wartością dla `{qualifier}`: {}",
            expected_pl(*expected)
        ),
        P::BadOperator {
            qualifier,
            operator,
        } => format!("znak {at}: `{qualifier}` nie da się porównać przez `{operator}`"),
        P::UnclosedQuote => format!("znak {at}: cudzysłów nie jest zamknięty"),
        P::NothingToNegate => format!("znak {at}: po `-` brak warunku"),
    }
}

fn expected_pl(e: crate::model::filter::Expected) -> &'static str {
    use crate::model::filter::Expected as X;
    match e {
        X::Status => {
            "`pending`, `sending`, `sent`, `failed`, `cancelled`, `held` lub `archived` (kilka po przecinku)"
        }
        X::YesNo => "tak lub nie",
        X::Number => "liczba całkowita",
        X::Size => "rozmiar, np. 500KB lub 5MB",
        X::Duration => "czas trwania, np. 30m, 2h lub 7d",
        X::Time => "data, np. 2026-11-30, 2026-11-30T14:00, 14:00, lub czas trwania",
        X::Code => "kod odpowiedzi, np. 550 lub 5xx, albo kod statusu, np. 5.1.1",
        X::Ids => "numer wiadomości, lista 1,2,3 lub zakres 100..200",
        X::Has => "`attachment` lub `error`",
        X::Domain => "domena, np. onet.pl",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_question_says_what_it_meets_and_on_the_whole_queue_says_so() {
        let b = crate::queue::Breakdown {
            matched: 12,
            applicable: 10,
            by_status: vec![("pending".into(), 10), ("sent".into(), 2)],
            not_applicable: vec![("sent".into(), 2)],
            top_domains: vec![("onet.pl".into(), 12)],
            newest: Some(99),
        };
        let q = bulk_question(MailAction::Hold, "domain:onet.pl", &b, Lang::En);
        assert_eq!(
            q,
            "hold: 10 of the 12 mails matching `domain:onet.pl`? By status: pending 10, sent 2. \
             Domains: onet.pl 12. Left as they are: sent 2. Mail arriving from now on is not touched."
        );
        let q = bulk_question(MailAction::Hold, "", &b, Lang::Pl);
        assert!(
            q.starts_with("zatrzymaj: 10 ze wszystkich 12 wiadomości w kolejce? Według stanu: oczekujące 10, wysłane 2."),
            "{q}"
        );
    }

    #[test]
    fn arguments_land_where_each_language_puts_them() {
        assert_eq!(
            confirm_action("delete", &[3, 2, 1], Lang::En),
            "delete: #3, #2, #1 (3 mails)?"
        );
        assert_eq!(confirm_action("delete", &[7], Lang::En), "delete: #7?");
        let many: Vec<i64> = (1..=9).collect();
        assert!(confirm_action("delete", &many, Lang::En).contains("#6, +3 more (9 mails)"));
        let utc = super::super::clock::Clock::default();
        // 10:42 UTC on some day, four minutes from now.
        let at = 1_700_000_000_000 - 1_700_000_000_000 % 86_400_000 + (10 * 60 + 42) * 60_000;
        assert_eq!(
            test_deferred(2, at, at - 240_000, "DNS: no answer", &utc, Lang::En),
            "#2: deferred, next try in 4m (10:42 UTC): DNS: no answer"
        );
        // In the reader's zone, saying which (November: CET, an hour ahead).
        let warsaw = super::super::clock::Clock::named("Europe/Warsaw").unwrap();
        assert_eq!(
            test_deferred(2, at, at - 240_000, "DNS", &warsaw, Lang::Pl),
            "#2: odłożona, kolejna próba za 4m (11:42 CET): DNS"
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
        assert_eq!(
            confirm_action("usuń", &[3, 2, 1], Lang::Pl),
            "usuń: #3, #2, #1 (3 wiadomości)?"
        );
        assert_eq!(
            no_companies("a", Lang::Pl),
            "Brak spółek: naciśnij a, aby dodać."
        );
        assert!(
            anonymize_question(7, 365, Lang::En)
                .starts_with("Anonymize 7 archived mails sent more than 365 days ago?")
        );
    }
}
