//! Errors worded in the user's language, from the error's data.

use super::{Lang, Txt};

/// An error in the user's language. What the error carries as data is worded here;
/// free text from a lower layer (an SMTP reply, an operating-system message, a detail
/// written by another program) is quoted as it came.
pub fn error(e: &crate::Error, lang: Lang) -> String {
    use crate::Error as E;
    use crate::model::MailStatus;
    match (e, lang) {
        (_, Lang::En) => e.to_string(),
        (E::InvalidArgument { argument, message }, Lang::Pl) => {
            format!("{argument}: niepoprawna wartość ({message})")
        }
        (E::Invalid(errors), Lang::Pl) => errors
            .iter()
            .map(|f| match &f.problem {
                Some(p) => format!("{}: {}", f.field, super::problem(p, lang)),
                None => f.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        (E::Config { path, message }, Lang::Pl) => {
            format!("plik konfiguracji {}: {message}", path.display())
        }
        (
            E::Conflict {
                tab,
                expected,
                stored,
            },
            Lang::Pl,
        ) => format!(
            "zakładkę {tab} zapisał w międzyczasie ktoś inny (zapisana wersja {stored}, twoja {expected}); wczytaj ją i wprowadź zmianę ponownie"
        ),
        (E::NotHeld { id }, Lang::Pl) => {
            format!("wiadomość {id} nie jest zatrzymana: nie można jej zwolnić; nic nie zmieniono")
        }
        (E::Secret(m), Lang::Pl) => format!("magazyn sekretów: {m}"),
        (E::Database(d), Lang::Pl) => format!("baza danych: {d}"),
        (E::Migrate(m), Lang::Pl) => format!("migracja bazy danych: {m}"),
        (E::Io { context, source }, Lang::Pl) => format!(
            "{}: {} (błąd pliku)",
            super::foreign::text(context, lang),
            super::foreign::text(&source.to_string(), lang)
        ),
        (E::ActionRefused { id, status, action }, Lang::Pl) => {
            let state = status.parse::<MailStatus>().map(|s| match s {
                MailStatus::Pending => Txt::Pending,
                MailStatus::Sending => Txt::Sending,
                MailStatus::Sent => Txt::Sent,
                MailStatus::Failed => Txt::Failed,
                MailStatus::Cancelled => Txt::Cancelled,
            });
            let state = state
                .map(|t| t.t(lang).to_string())
                .unwrap_or_else(|_| status.clone());
            let verb = match action {
                crate::model::MailAction::Retry => "ponowić",
                crate::model::MailAction::Hold => "zatrzymać",
                crate::model::MailAction::Release => "zwolnić",
                crate::model::MailAction::Cancel => "anulować",
                crate::model::MailAction::Delete => "usunąć",
            };
            format!(
                "wiadomość {id} jest w stanie „{state}”: nie można jej {verb}; nic nie zmieniono"
            )
        }
        (E::SignIn(f), Lang::Pl) => sign_in_failure_pl(f),
        (E::NotFound { what: "mail", id }, Lang::Pl) => {
            format!("nie ma wiadomości {id}")
        }
        (
            E::NotFound { .. }
            | E::State(_)
            | E::Internal(_)
            | E::Unsuccessful(_)
            | E::ExitStatus(_),
            Lang::Pl,
        ) => e.to_string(),
    }
}

fn sign_in_failure_pl(f: &crate::model::SignInFailure) -> String {
    use crate::model::SignInFailure::*;
    match f {
        Declined => {
            "logowanie zostało odrzucone na stronie Microsoft (authorization_declined)".into()
        }
        Expired => {
            "kod wygasł przed zakończeniem logowania (expired_token); zacznij od nowa".into()
        }
        InvalidGrant(d) => format!(
            "token odświeżania nie jest już przyjmowany (invalid_grant: {d}); zaloguj się ponownie"
        ),
        Refused(code, d) => format!("dostawca tożsamości odpowiedział {code}: {d}"),
        Unreachable(d) => {
            format!("brak połączenia z dostawcą tożsamości: {d} (sprawdź sieć i [oauth] authority)")
        }
        NotSignedIn => {
            "nikt nie jest zalogowany: użyj Autoryzacji (a) lub `dmsctl oauth login`".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_in_both_languages() {
        let e = crate::Error::ActionRefused {
            id: 5,
            status: "sent".into(),
            action: crate::model::MailAction::Cancel,
        };
        assert_eq!(
            error(&e, Lang::En),
            "mail 5 is sent; cancel applies only to pending or failed mails"
        );
        assert_eq!(
            error(&e, Lang::Pl),
            "wiadomość 5 jest w stanie „wysłane”: nie można jej anulować; nic nie zmieniono"
        );
    }
}
