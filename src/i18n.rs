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
    SenderRunning,
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
    Done,
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
    MailServerSoon,
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
                SenderRunning => "running",
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
                Done => "Done",
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
                MailServerSoon => {
                    "Mail server settings: use `dmsctl settings show mail_server` / `settings set` until this pane's form lands."
                }
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
                SenderRunning => "działa",
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
                Done => "Gotowe",
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
                MailServerSoon => {
                    "Ustawienia serwera pocztowego: do czasu formularza w tym panelu użyj `dmsctl settings show mail_server` / `settings set`."
                }
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
    fn polish_labels_follow_the_spec() {
        assert_eq!(Txt::TabMailServer.t(Lang::Pl), "Serwer pocztowy");
        assert_eq!(Txt::TabQueue.t(Lang::Pl), "Kolejka poczty");
        assert_eq!(Txt::TabWorkLog.t(Lang::Pl), "Dziennik");
    }
}
