//! A bad field, worded in the user's language from its `Problem`.

use super::Lang;
use crate::model::Problem;

/// A field problem in the user's language.
pub fn problem(p: &Problem, lang: Lang) -> String {
    use Problem::*;
    match lang {
        Lang::En => p.english(),
        Lang::Pl => match p {
            Required => "pole wymagane".into(),
            RequiredWhenEnabled => "wymagane, gdy wysyłanie jest włączone".into(),
            NotAnAddress(v) => format!("`{v}` nie jest adresem email (użytkownik@domena)"),
            NotAHost(v) => format!("`{v}` nie jest nazwą serwera ani adresem IP"),
            PortRange => "port od 1 do 65535 (zwykle 25, 465 lub 587)".into(),
            AbsolutePath => "podaj pełną ścieżkę, np. /usr/sbin/sendmail".into(),
            OAuthWithSendmail => "w trybie profilu serwera nie można używać Office 365 (OAuth2); wybierz komponent mailowy".into(),
            SingleLine => "tylko jedna linia, bez znaków sterujących".into(),
            Untrimmed => "spacje na początku lub końcu psują autoryzację; usuń je".into(),
            NotANumber(v) => format!("`{v}` nie jest liczbą"),
            NumberRange { value, max } => {
                format!("`{value}` poza zakresem: liczba całkowita od 0 do {max}")
            }
            NotANip(v) => format!("`{v}` nie jest numerem NIP: NIP ma 10 cyfr"),
            NipChecksum(v) => format!("`{v}` nie jest poprawnym NIP-em: cyfra kontrolna się nie zgadza"),
            TooLong { value, max } => format!("`{value}` ma więcej niż {max} znaków"),
            TooShort { min } => format!("co najmniej {min} znaki"),
            Taken(v) => format!("`{v}` jest już użyte w innej pozycji"),
            OptimaOnly => "używane tylko z systemem Optima; zostaw puste".into(),
            NotAnEdeliveryAddress(v) => {
                format!("`{v}` nie jest adresem e-Doręczeń (AE:PL-XXXXX-XXXXX-XXXXX-XX)")
            }
            BadPrivateKey(why) => format!("nie można użyć klucza prywatnego: {why}"),
            RequiredWithDomain => "wymagane, gdy włączono „Używaj domeny”".into(),
            NotADomain(v) => format!("`{v}` nie jest nazwą domeny"),
            NotAUrl(v) => format!("`{v}` nie jest adresem http(s), np. http://serwer/web/documents/"),
            UnknownMask { mask, allowed } => {
                format!("nieznana maska {{{mask}}}; ten szablon dopuszcza {allowed}")
            }
            AtLeastOne => "co najmniej 1".into(),
            NotAUuid(v) => format!("`{v}` nie jest identyfikatorem UUID"),
        },
    }
}
