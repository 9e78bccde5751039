//! Text that reaches the console from below it in English: the connection check's steps,
//! a failure's hint, the operating system's error messages and the sender's own
//! wording of a failure. They are stored and printed in English (the work log, the CLI,
//! `--json`); a Polish console words the known ones in Polish when it shows them. A
//! server's reply is quoted as it came.

use std::borrow::Cow;

use super::Lang;
use crate::sender::failure::Hint;

/// A hint in the reader's language.
pub fn hint(h: Hint, lang: Lang) -> &'static str {
    if lang == Lang::En {
        return h.en();
    }
    match h {
        Hint::LoginRefused => {
            "logowanie nieudane: sprawdź login i hasło (Gmail, Onet i inni wymagają hasła aplikacji)"
        }
        Hint::StrongerLogin => {
            "serwer wymaga mocniejszego logowania: dla Gmaila użyj 16-znakowego hasła aplikacji"
        }
        Hint::LoginRequired => "serwer wymaga logowania: podaj login i hasło",
        Hint::ServerBusy => {
            "serwer zamyka połączenia (przeciążony lub ogranicza liczbę wysyłek); wysyłka wznowi się po przerwie"
        }
        Hint::RecipientUnknown => "adres odbiorcy jest błędny albo skrzynka nie istnieje",
        Hint::TooLarge => "wiadomość jest za duża dla serwera",
        Hint::SenderRefused => "serwer nie przyjmuje tego nadawcy: sprawdź adres nadawcy",
        Hint::NameDoesNotResolve => "nazwy serwera nie da się rozwiązać: sprawdź nazwę hosta",
        Hint::NothingListens => {
            "nic tam nie nasłuchuje: sprawdź serwer i port (zwykle 25, 465 lub 587)"
        }
        Hint::NoAnswer => "brak odpowiedzi: sprawdź zaporę sieciową, serwer i port",
        Hint::NoStartTls => {
            "serwer nie oferuje STARTTLS: użyj szyfrowania ssl na porcie 465 albo auto"
        }
        Hint::CertificateNotTrusted => {
            "certyfikat serwera nie jest zaufany: ustaw [sender] tls_ca_file na CA, które go podpisało"
        }
        Hint::CertificateForAnotherName => {
            "certyfikat jest wystawiony na inną nazwę: wpisz jako serwer nazwę z certyfikatu"
        }
        Hint::PortSpeaksOtherTls => {
            "ten port nie obsługuje TLS w ten sposób: użyj starttls na 587 albo ssl na 465"
        }
        Hint::CertificateExpired => "certyfikat serwera wygasł",
        Hint::LoginNeedsEncryption => {
            "użyj szyfrowania ssl (port 465) lub starttls (587); tylko w zaufanej sieci możesz ustawić [sender] allow_plaintext_auth = true"
        }
        Hint::TenantSmtpAuthOff => {
            "SMTP AUTH jest wyłączone dla dzierżawy lub skrzynki (535 5.7.139): administrator Exchange musi zezwolić tej skrzynce na uwierzytelniony SMTP"
        }
        Hint::TokenMailboxWrong => {
            "token lub skrzynka są błędne (535 5.7.3): login musi być skrzynką, dla której wydano token, a aplikacja potrzebuje SMTP.Send"
        }
        Hint::GoogleNeedsAppPassword => {
            "serwer odrzucił token wezwaniem (błąd XOAUTH2 w stylu Google): konta Google wymagają hasła aplikacji, nie OAuth2"
        }
        Hint::TokenRefused => {
            "serwer odrzucił token dostępu: zaloguj się ponownie, jeśli odświeżenie nie pomoże"
        }
        Hint::InstallMta => "zainstaluj MTA (np. postfix) albo popraw ścieżkę sendmail",
        Hint::SetServer => "podaj serwer w karcie Serwer pocztowy",
        Hint::SignIn => "zaloguj się: `dmsctl oauth login` albo Autoryzacja (a) w konsoli",
        Hint::UseEncryption => {
            "użyj szyfrowania ssl (port 465) lub starttls (587), jeśli serwer je obsługuje"
        }
    }
}

/// A connection check's step, named for the reader.
pub fn step_name(name: &str, lang: Lang) -> &str {
    match (name, lang) {
        (_, Lang::En) => name,
        ("tcp", Lang::Pl) => "połączenie",
        ("auth", Lang::Pl) => "logowanie",
        ("settings", Lang::Pl) => "ustawienia",
        ("dns", _) => "DNS",
        ("tls", _) => "TLS",
        ("starttls", _) => "STARTTLS",
        ("ehlo", _) => "EHLO",
        (other, _) => other,
    }
}

/// The width of a column that holds every step's name in this language.
pub fn step_column(lang: Lang) -> usize {
    crate::sender::check::STEP_NAMES
        .iter()
        .map(|n| step_name(n, lang).chars().count())
        .max()
        .unwrap_or(0)
}

/// Texts that are the whole of what is shown.
const WHOLE: &[(&str, &str)] = &[
    ("encrypted", "połączenie szyfrowane"),
    (
        "not offered by the server; the connection stays plain",
        "serwer go nie oferuje; połączenie pozostaje nieszyfrowane",
    ),
    ("encryption is none", "szyfrowanie: brak"),
    (
        "no login set: sending without SMTP AUTH",
        "bez loginu: wysyłka bez SMTP AUTH",
    ),
    ("not reached", "nie sprawdzono"),
    (
        "the server offers no STARTTLS: mail goes out unencrypted",
        "serwer nie oferuje STARTTLS: poczta wychodzi bez szyfrowania",
    ),
    (
        "mail_server.server_name is empty",
        "nie podano serwera (Serwer pocztowy)",
    ),
];

/// Phrases within a text, in the order they are replaced (longer ones first where one
/// holds another).
const PHRASES: &[(&str, &str)] = &[
    ("connected to ", "połączono z "),
    ("logged in as ", "zalogowano jako "),
    ("profile exists: ", "profil istnieje: "),
    (
        "Microsoft 365 sign-in is needed: ",
        "potrzebne logowanie do Microsoft 365: ",
    ),
    (
        "certificate could not be read: ",
        "nie można odczytać certyfikatu: ",
    ),
    (" issued by ", " wystawiony przez "),
    (", valid until ", ", ważny do "),
    (" days left)", " dni do wygaśnięcia)"),
    ("certificate ", "certyfikat "),
    ("no answer within ", "brak odpowiedzi w ciągu "),
    (
        " is not an executable file",
        " nie jest plikiem wykonywalnym",
    ),
    ("cannot run ", "nie można uruchomić "),
    ("cannot read ", "nie można odczytać "),
    (
        "the server does not offer STARTTLS",
        "serwer nie oferuje STARTTLS",
    ),
    (
        "refusing to send the login over an unencrypted connection: ",
        "login nie zostanie wysłany nieszyfrowanym połączeniem: ",
    ),
    (
        "the server offers no STARTTLS, so the connection is not encrypted",
        "serwer nie oferuje STARTTLS, więc połączenie nie jest szyfrowane",
    ),
    (
        "the connection is not encrypted (encryption none)",
        "połączenie nie jest szyfrowane (szyfrowanie: brak)",
    ),
    (
        "the lease ran out before the message was sent",
        "dzierżawa wygasła, zanim wiadomość została wysłana",
    ),
    (
        " bytes is too large for a private key",
        " bajtów to za dużo jak na klucz prywatny",
    ),
    (
        "failed to lookup address information",
        "nie można ustalić adresu",
    ),
    ("private_key: ", "klucz prywatny: "),
    ("is not a PEM private key", "nie jest kluczem prywatnym PEM"),
    (
        "is encrypted with a passphrase; store the key without one",
        "jest zaszyfrowany hasłem; zapisz klucz bez hasła",
    ),
    (
        "is damaged: its body is not base64",
        "jest uszkodzony: jego treść nie jest w base64",
    ),
    (
        "is damaged: its body is not a private key structure",
        "jest uszkodzony: jego treść nie jest strukturą klucza prywatnego",
    ),
    (", not a private key", ", a nie klucz prywatny"),
    (" holds a `", " zawiera `"),
    // The operating system's messages (strerror), as Rust's io::Error shows them.
    (
        "No such file or directory",
        "nie ma takiego pliku ani katalogu",
    ),
    ("Permission denied", "brak uprawnień"),
    ("Connection refused", "połączenie odrzucone"),
    ("connection refused", "połączenie odrzucone"),
    (
        "Connection reset by peer",
        "połączenie zerwane przez drugą stronę",
    ),
    ("Connection timed out", "przekroczono czas połączenia"),
    ("Network is unreachable", "sieć jest nieosiągalna"),
    ("No route to host", "brak trasy do hosta"),
    ("Is a directory", "to jest katalog"),
    ("Not a directory", "to nie jest katalog"),
    ("Broken pipe", "przerwany potok"),
    ("No space left on device", "brak miejsca na urządzeniu"),
    ("Name or service not known", "nieznana nazwa lub usługa"),
    (
        "Temporary failure in name resolution",
        "chwilowy błąd rozwiązywania nazw",
    ),
    ("(os error ", "(błąd systemu "),
];

/// A text from below the console in the reader's language: a hint by itself, a
/// failure's detail ("<reply> — <hint>"), or a text with known phrases.
pub fn text(text: &str, lang: Lang) -> Cow<'_, str> {
    if lang == Lang::En {
        return Cow::Borrowed(text);
    }
    if let Some(h) = Hint::from_en(text) {
        return Cow::Borrowed(hint(h, lang));
    }
    if let Some((_, pl)) = WHOLE.iter().find(|(en, _)| *en == text) {
        return Cow::Borrowed(pl);
    }
    if let Some((reply, h)) = text.rsplit_once(" — ")
        && let Some(h) = Hint::from_en(h)
    {
        return Cow::Owned(format!("{} — {}", phrases(reply), hint(h, lang)));
    }
    phrases(text)
}

fn phrases(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (en, pl) in PHRASES {
        if out.contains(en) {
            out = Cow::Owned(out.replace(en, pl));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hint_has_its_own_polish() {
        let mut seen = std::collections::HashSet::new();
        for h in Hint::ALL {
            let pl = hint(h, Lang::Pl);
            assert_ne!(pl, h.en(), "{h:?} has no Polish");
            assert!(seen.insert(pl), "{h:?} shares its Polish");
            assert_eq!(Hint::from_en(h.en()), Some(h));
            assert_eq!(text(h.en(), Lang::Pl), pl);
        }
    }

    #[test]
    fn known_phrases_read_in_polish_and_replies_as_they_came() {
        assert_eq!(
            text("connected to mx.firma.pl:587", Lang::Pl),
            "połączono z mx.firma.pl:587"
        );
        assert_eq!(
            text(
                "/etc/dms/key.pem: No such file or directory (os error 2)",
                Lang::Pl
            ),
            "/etc/dms/key.pem: nie ma takiego pliku ani katalogu (błąd systemu 2)"
        );
        let detail = format!("535 5.7.8 bad credentials — {}", Hint::LoginRefused.en());
        assert_eq!(
            text(&detail, Lang::Pl),
            format!(
                "535 5.7.8 bad credentials — {}",
                hint(Hint::LoginRefused, Lang::Pl)
            )
        );
        assert_eq!(
            text("550 5.1.1 user unknown", Lang::Pl),
            "550 5.1.1 user unknown"
        );
        assert_eq!(text("not reached", Lang::En), "not reached");
        assert_eq!(step_name("tcp", Lang::Pl), "połączenie");
        assert_eq!(step_name("tcp", Lang::En), "tcp");
    }
}
