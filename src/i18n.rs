//! Every string the console shows, in English and Polish. The catalog is a `match`, so a
//! string without its translation does not compile.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Pl,
}

impl Lang {
    /// `--lang`, then config `language`, then `LC_ALL` / `LC_MESSAGES` / `LANG`.
    pub fn choose(flag: Option<&str>, config: Option<&str>) -> Lang {
        let from_env = || {
            ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        };
        let code = flag
            .map(str::to_string)
            .or_else(|| config.map(str::to_string))
            .or_else(from_env)
            .unwrap_or_default();
        if code.to_lowercase().starts_with("pl") {
            Lang::Pl
        } else {
            Lang::En
        }
    }
}

/// A message of the console. `t(lang)` gives its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Txt {
    AppTitle,
    TabMailServer,
    TabQueue,
    TabWorkLog,
    All,
    Pending,
    Held,
    Sending,
    Sent,
    Failed,
    Cancelled,
    ColId,
    ColStatus,
    ColTries,
    ColAge,
    ColNext,
    ColTo,
    ColSubject,
    ColSize,
    ColTime,
    ColLevel,
    ColSource,
    ColMail,
    ColMessage,
    Now,
    NoMails,
    NoEntries,
    Search,
    Frozen,
    NewSinceFrozen,
    Senders,
    NoSender,
    SenderPaused,
    Heartbeat,
    OldestPending,
    PerMinute,
    Help,
    HelpTitle,
    KeysGlobal,
    KeysPane,
    TooSmall,
    ConfirmTitle,
    ConfirmQuestion,
    Yes,
    No,
    Error,
    Loading,
    Follow,
    LevelFilter,
    MailFilter,
    Attachments,
    History,
    Body,
    QueueShape,
    Domain,
    Total,
    FSendWith,
    FEnabled,
    FAccountName,
    FFromAddress,
    FDisplayName,
    FReplyTo,
    FDescription,
    FServerType,
    FServerName,
    FPort,
    FEncryption,
    FAuthMethod,
    FLogin,
    FPassword,
    FSendmailPath,
    FRecipient,
    FSubject,
    FBody,
    FAttachment,
    OSmtp,
    OSendmail,
    ONone,
    OAuto,
    OSsl,
    OStarttls,
    OPassword,
    OOauth2,
    SecAccount,
    SecProfile,
    SecTest,
    SecCheck,
    ProfileExists,
    HintEncryption,
    HintPorts,
    HintGoogle,
    HintSendmailOauth,
    HintOauthSignIn,
    Saved,
    Unsaved,
    LeaveUnsaved,
    ConflictTitle,
    ConflictChoice,
    Presets,
    Checking,
    TestQueued,
    Delivered,
    NotDelivered,
    Waiting,
    KEdit,
    KSave,
    KPresets,
    KCheck,
    KSendTest,
    KLeaveForm,
    KNextField,
    KShowPassword,
    KSort,
    KSaveEml,
    OldestFirst,
    LastDelivery,
    FailureStreak,
    // Key hints.
    KQuit,
    KHelp,
    KSearch,
    KFilter,
    KOpen,
    KBack,
    KMark,
    KRetry,
    KHold,
    KRelease,
    KCancel,
    KDelete,
    KPause,
    KFreeze,
    KShape,
    KMove,
    KPage,
    KTabs,
    KLevel,
    KFollow,
    KMailOnly,
    KTop,
}

impl Txt {
    pub fn t(self, lang: Lang) -> &'static str {
        use Txt::*;
        match lang {
            Lang::En => match self {
                AppTitle => "dmsctl",
                TabMailServer => "Mail server",
                TabQueue => "Mail queue",
                TabWorkLog => "Work log",
                All => "all",
                Pending => "pending",
                Held => "held",
                Sending => "sending",
                Sent => "sent",
                Failed => "failed",
                Cancelled => "cancelled",
                ColId => "ID",
                ColStatus => "Status",
                ColTries => "Tries",
                ColAge => "Age",
                ColNext => "Next",
                ColTo => "To",
                ColSubject => "Subject",
                ColSize => "Size",
                ColTime => "Time",
                ColLevel => "Level",
                ColSource => "Source",
                ColMail => "Mail",
                ColMessage => "Message",
                Now => "now",
                NoMails => "No mails here.",
                NoEntries => "No entries.",
                Search => "Search",
                Frozen => "FROZEN",
                NewSinceFrozen => "new",
                Senders => "Senders",
                NoSender => "no sender running",
                SenderPaused => "paused",
                Heartbeat => "heartbeat",
                OldestPending => "oldest pending",
                PerMinute => "sent/min",
                Help => "help",
                HelpTitle => "Keys",
                KeysGlobal => "Everywhere",
                KeysPane => "This pane",
                TooSmall => "The terminal is too small: dmsctl needs at least 80x24.",
                ConfirmTitle => "Confirm",
                ConfirmQuestion => "{action}: {n} mail(s)?",
                Yes => "yes",
                No => "no",
                Error => "Error",
                Loading => "loading…",
                Follow => "follow",
                LevelFilter => "level",
                MailFilter => "mail",
                Attachments => "Attachments",
                History => "History",
                Body => "Body",
                QueueShape => {
                    "Queue shape (undelivered mails by recipient domain and age, minutes)"
                }
                Domain => "Domain",
                Total => "Total",
                FSendWith => "Send mail with",
                FEnabled => "Enable sending",
                FAccountName => "Account name",
                FFromAddress => "Outgoing e-mail",
                FDisplayName => "Display name",
                FReplyTo => "Reply-to address",
                FDescription => "Description",
                FServerType => "Server type",
                FServerName => "Server name",
                FPort => "Port",
                FEncryption => "Encryption method",
                FAuthMethod => "Authentication method",
                FLogin => "Login",
                FPassword => "Password",
                FSendmailPath => "Sendmail path",
                FRecipient => "Recipient",
                FSubject => "Subject",
                FBody => "Message",
                FAttachment => "Attachment",
                OSmtp => "built-in sender (SMTP)",
                OSendmail => "server's MTA (sendmail)",
                ONone => "None",
                OAuto => "Automatic",
                OSsl => "SSL/TLS",
                OStarttls => "STARTTLS",
                OPassword => "Login and password",
                OOauth2 => "OAuth2 (Microsoft 365)",
                SecAccount => "Mail account settings",
                SecProfile => "Profile",
                SecTest => "Send a test message",
                SecCheck => "Connection check",
                ProfileExists => "Profile exists",
                HintEncryption => "If in doubt choose Automatic.",
                HintPorts => "Usual ports: 25, 465, 587.",
                HintGoogle => "Google accounts with OAuth2 are not supported: use an app password.",
                HintSendmailOauth => "Office 365 (OAuth2) cannot be used with the server's MTA.",
                HintOauthSignIn => {
                    "Sign-in for Microsoft 365 (device code) is started with `dmsctl oauth login`."
                }
                Saved => "Settings saved",
                Unsaved => "unsaved changes",
                LeaveUnsaved => "The Mail server tab has unsaved changes. Leave without saving?",
                ConflictTitle => "Someone else saved this tab meanwhile",
                ConflictChoice => "r reload theirs   o overwrite with mine   Esc keep editing",
                Presets => "Presets",
                Checking => "checking…",
                TestQueued => "Test message queued as mail",
                Delivered => "delivered",
                NotDelivered => "not delivered",
                Waiting => "waiting for the sender",
                KEdit => "edit fields",
                KSave => "save",
                KPresets => "presets",
                KCheck => "test connection",
                KSendTest => "send test message",
                KLeaveForm => "leave fields",
                KNextField => "next/previous field",
                KShowPassword => "show password",
                KSort => "newest/oldest first",
                KSaveEml => "save as .eml",
                OldestFirst => "oldest first",
                LastDelivery => "last delivery",
                FailureStreak => "failures in a row",
                KQuit => "quit",
                KHelp => "help",
                KSearch => "search",
                KFilter => "status",
                KOpen => "details",
                KBack => "back",
                KMark => "mark",
                KRetry => "retry",
                KHold => "hold",
                KRelease => "release",
                KCancel => "cancel",
                KDelete => "delete",
                KPause => "pause/resume sending",
                KFreeze => "freeze",
                KShape => "queue shape",
                KMove => "move",
                KPage => "page",
                KTabs => "panes",
                KLevel => "level",
                KFollow => "follow",
                KMailOnly => "this mail only",
                KTop => "newest",
            },
            Lang::Pl => match self {
                AppTitle => "dmsctl",
                TabMailServer => "Serwer pocztowy",
                TabQueue => "Kolejka poczty",
                TabWorkLog => "Dziennik",
                All => "wszystkie",
                Pending => "oczekujące",
                Held => "wstrzymane",
                Sending => "wysyłane",
                Sent => "wysłane",
                Failed => "błędne",
                Cancelled => "anulowane",
                ColId => "ID",
                ColStatus => "Stan",
                ColTries => "Próby",
                ColAge => "Wiek",
                ColNext => "Następna",
                ColTo => "Do",
                ColSubject => "Temat",
                ColSize => "Rozmiar",
                ColTime => "Czas",
                ColLevel => "Poziom",
                ColSource => "Źródło",
                ColMail => "Mail",
                ColMessage => "Komunikat",
                Now => "teraz",
                NoMails => "Brak wiadomości.",
                NoEntries => "Brak wpisów.",
                Search => "Szukaj",
                Frozen => "ZAMROŻONE",
                NewSinceFrozen => "nowych",
                Senders => "Nadawcy",
                NoSender => "żaden nadawca nie działa",
                SenderPaused => "wstrzymany",
                Heartbeat => "sygnał",
                OldestPending => "najstarsza oczekująca",
                PerMinute => "wysł./min",
                Help => "pomoc",
                HelpTitle => "Klawisze",
                KeysGlobal => "Wszędzie",
                KeysPane => "W tym panelu",
                TooSmall => "Terminal jest za mały: dmsctl potrzebuje co najmniej 80x24.",
                ConfirmTitle => "Potwierdź",
                ConfirmQuestion => "{action}: {n} wiadomości?",
                Yes => "tak",
                No => "nie",
                Error => "Błąd",
                Loading => "wczytywanie…",
                Follow => "śledź",
                LevelFilter => "poziom",
                MailFilter => "mail",
                Attachments => "Załączniki",
                History => "Historia",
                Body => "Treść",
                QueueShape => "Kształt kolejki (niewysłane wg domeny odbiorcy i wieku, minuty)",
                Domain => "Domena",
                Total => "Razem",
                FSendWith => "Do wysyłania wiadomości email zastosuj",
                FEnabled => "Włącz wysyłanie wiadomości email",
                FAccountName => "Nazwa konta",
                FFromAddress => "Email (wychodzący)",
                FDisplayName => "Nazwa wyświetlana",
                FReplyTo => "Adres zwrotny",
                FDescription => "Opis",
                FServerType => "Typ serwera",
                FServerName => "Nazwa serwera",
                FPort => "Port",
                FEncryption => "Metoda szyfrowania",
                FAuthMethod => "Metoda uwierzytelniania",
                FLogin => "Login",
                FPassword => "Hasło",
                FSendmailPath => "Ścieżka sendmail",
                FRecipient => "Adres email odbiorcy",
                FSubject => "Temat",
                FBody => "Treść wiadomości",
                FAttachment => "Załącznik",
                OSmtp => "Komponent mailowy (SMTP)",
                OSendmail => "Profil serwera (sendmail)",
                ONone => "Brak",
                OAuto => "Automatyczne",
                OSsl => "SSL/TLS",
                OStarttls => "STARTTLS",
                OPassword => "Login i hasło",
                OOauth2 => "OAuth2 (Microsoft 365)",
                SecAccount => "Ustawienia konta pocztowego",
                SecProfile => "Profil",
                SecTest => "Wyślij testową wiadomość email",
                SecCheck => "Test połączenia",
                ProfileExists => "Profil istnieje",
                HintEncryption => "W razie wątpliwości wybierz Automatyczne.",
                HintPorts => "Typowe porty: 25, 465, 587.",
                HintGoogle => "Konta Google z OAuth2 nie są obsługiwane: użyj hasła aplikacji.",
                HintSendmailOauth => {
                    "W trybie profilu serwera nie można używać Office 365 (OAuth2)."
                }
                HintOauthSignIn => {
                    "Logowanie Microsoft 365 (kod urządzenia): `dmsctl oauth login`."
                }
                Saved => "Zapisano dane",
                Unsaved => "niezapisane zmiany",
                LeaveUnsaved => {
                    "Zakładka Serwer pocztowy ma niezapisane zmiany. Wyjść bez zapisywania?"
                }
                ConflictTitle => "Ktoś inny zapisał tę zakładkę w międzyczasie",
                ConflictChoice => "r wczytaj ich wersję   o nadpisz moją   Esc edytuj dalej",
                Presets => "Przykłady konfiguracji poczty",
                Checking => "sprawdzanie…",
                TestQueued => "Wiadomość testowa w kolejce jako",
                Delivered => "dostarczono",
                NotDelivered => "nie dostarczono",
                Waiting => "czeka na wysłanie",
                KEdit => "edytuj pola",
                KSave => "zapisz",
                KPresets => "przykłady",
                KCheck => "test połączenia",
                KSendTest => "wyślij testową",
                KLeaveForm => "opuść pola",
                KNextField => "następne/poprzednie pole",
                KShowPassword => "pokaż hasło",
                KSort => "najnowsze/najstarsze",
                KSaveEml => "zapisz jako .eml",
                OldestFirst => "od najstarszych",
                LastDelivery => "ostatnio dostarczono",
                FailureStreak => "błędy z rzędu",
                KQuit => "wyjście",
                KHelp => "pomoc",
                KSearch => "szukaj",
                KFilter => "stan",
                KOpen => "szczegóły",
                KBack => "wróć",
                KMark => "zaznacz",
                KRetry => "ponów",
                KHold => "wstrzymaj",
                KRelease => "zwolnij",
                KCancel => "anuluj",
                KDelete => "usuń",
                KPause => "wstrzymaj/wznów wysyłanie",
                KFreeze => "zamroź",
                KShape => "kształt kolejki",
                KMove => "ruch",
                KPage => "strona",
                KTabs => "panele",
                KLevel => "poziom",
                KFollow => "śledź",
                KMailOnly => "tylko ten mail",
                KTop => "najnowsze",
            },
        }
    }
}

/// A field problem in the user's language.
pub fn problem(p: &crate::settings::Problem, lang: Lang) -> String {
    use crate::settings::Problem::*;
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
            NotANumber(v) => format!("`{v}` nie jest liczbą"),
        },
    }
}

/// An error in the user's language where the console knows its shape; otherwise the
/// service's English text.
pub fn error(e: &crate::Error, lang: Lang) -> String {
    use crate::queue::MailStatus;
    match (e, lang) {
        (crate::Error::ActionRefused { id, status, action }, Lang::Pl) => {
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
                crate::queue::MailAction::Retry => "ponowić",
                crate::queue::MailAction::Hold => "wstrzymać",
                crate::queue::MailAction::Release => "zwolnić",
                crate::queue::MailAction::Cancel => "anulować",
                crate::queue::MailAction::Delete => "usunąć",
            };
            format!(
                "wiadomość {id} jest w stanie „{state}”: nie można jej {verb}; nic nie zmieniono"
            )
        }
        (crate::Error::NotFound { what: "mail", id }, Lang::Pl) => {
            format!("nie ma wiadomości {id}")
        }
        _ => e.to_string(),
    }
}

/// What an action did, in the user's language.
pub fn done(d: &crate::tui::msg::Done, lang: Lang) -> String {
    use crate::queue::MailAction;
    use crate::tui::msg::Done;
    match (d, lang) {
        (Done::Action(a, n), _) => {
            let verb = match a {
                MailAction::Retry => Txt::KRetry,
                MailAction::Hold => Txt::KHold,
                MailAction::Release => Txt::KRelease,
                MailAction::Cancel => Txt::KCancel,
                MailAction::Delete => Txt::KDelete,
            };
            format!("{}: {n}", verb.t(lang))
        }
        (Done::Paused(true), Lang::En) => "sending paused".into(),
        (Done::Paused(false), Lang::En) => "sending resumed".into(),
        (Done::Paused(true), Lang::Pl) => "wysyłanie wstrzymane".into(),
        (Done::Paused(false), Lang::Pl) => "wysyłanie wznowione".into(),
        (Done::SavedEml(path), Lang::En) => format!("saved {}", path.display()),
        (Done::SavedEml(path), Lang::Pl) => format!("zapisano {}", path.display()),
    }
}

/// Text in the chosen language, for `format!`.
pub struct Tr(pub Txt, pub Lang);

impl fmt::Display for Tr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.t(self.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_choice() {
        assert_eq!(Lang::choose(Some("pl"), Some("en")), Lang::Pl);
        assert_eq!(Lang::choose(None, Some("pl")), Lang::Pl);
        assert_eq!(Lang::choose(Some("en"), None), Lang::En);
    }

    #[test]
    fn refusals_in_both_languages() {
        let e = crate::Error::ActionRefused {
            id: 5,
            status: "sent".into(),
            action: crate::queue::MailAction::Cancel,
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

    #[test]
    fn polish_labels_follow_the_spec() {
        assert_eq!(Txt::TabMailServer.t(Lang::Pl), "Serwer pocztowy");
        assert_eq!(Txt::TabQueue.t(Lang::Pl), "Kolejka poczty");
        assert_eq!(Txt::TabWorkLog.t(Lang::Pl), "Dziennik");
    }
}
