//! Every fixed string of the console, both languages side by side, grouped by area.
//! A new string is one line here: `Name: "English", "Polish";`. Strings with
//! arguments (counts, names, the keys to press) are functions in `messages`.

use super::Lang;

/// Declares `Txt` and its `t(lang)`; a string without its translation does not compile.
macro_rules! catalog {
    ($($name:ident: $en:expr, $pl:expr;)*) => {
        /// A fixed message of the console. `t(lang)` gives its text.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Txt {
            $($name,)*
        }

        impl Txt {
            /// Every string, in catalog order (tests look for English in Polish screens).
            pub const ALL: &'static [Txt] = &[$(Txt::$name,)*];

            pub fn t(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(
                        (Txt::$name, Lang::En) => $en,
                        (Txt::$name, Lang::Pl) => $pl,
                    )*
                }
            }
        }
    };
}

catalog! {
    // The frame: title, panes, header, help, popups.
    AppTitle: "dmsctl", "dmsctl";
    TabMailServer: "Mail server", "Serwer pocztowy";
    TabQueue: "Mail queue", "Kolejka poczty";
    TabWorkLog: "Work log", "Dziennik";
    Now: "now", "teraz";
    Senders: "Senders", "Nadawcy";
    NoSender: "no sender running", "żaden nadawca nie działa";
    SenderPaused: "paused", "wstrzymany";
    Heartbeat: "heartbeat", "sygnał";
    OldestPending: "oldest pending", "najstarsza oczekująca";
    PerMinute: "sent/min", "wysł./min";
    Help: "help", "pomoc";
    HelpTitle: "Keys", "Klawisze";
    KeysGlobal: "Everywhere", "Wszędzie";
    KeysPane: "This pane", "W tym panelu";
    TooSmall:
        "The terminal is too small: dmsctl needs at least 80x24.",
        "Terminal jest za mały: dmsctl potrzebuje co najmniej 80x24.";
    ConfirmTitle: "Confirm", "Potwierdź";
    Yes: "yes", "tak";
    No: "no", "nie";
    Error: "Error", "Błąd";
    Loading: "loading…", "wczytywanie…";
    LastDelivery: "last delivery", "ostatnio dostarczono";
    FailureStreak: "failures in a row", "błędy z rzędu";
    TabTemplates: "E-mail templates", "EMAIL";
    TabApiAuth: "API authorization", "Autoryzacja API";
    TabErp: "ERP connections", "Połączenia z ERP";
    TabDomain: "Domain", "Domena";
    TabTools: "Tools", "Narzędzia";
    TabApiSystems: "API", "API";
    TabStorage: "File storage", "Przechowywanie plików";
    // Tab names for a narrow tab line.
    ShortMailServer: "Server", "Serwer";
    ShortQueue: "Queue", "Kolejka";
    ShortWorkLog: "Log", "Dziennik";
    ShortTemplates: "Templates", "Szablony";
    ShortApiAuth: "API auth", "Autoryz.";
    ShortErp: "ERP", "ERP";
    ShortDomain: "Domain", "Domena";
    ShortTools: "Tools", "Narzędzia";
    ShortApiSystems: "API", "API";
    ShortStorage: "Storage", "Pliki";
    BtnAdd: "Add", "Dodaj";
    BtnCancel: "Cancel", "Anuluj";
    LangEnglish: "English", "angielski";
    LangPolish: "Polish", "polski";
    Deleted: "Deleted", "Usunięto";
    AnyKeyCloses: "any key closes", "dowolny klawisz zamyka";

    // Mail queue and work log.
    All: "all", "wszystkie";
    Pending: "pending", "oczekujące";
    Held: "held", "zatrzymane";
    Sending: "sending", "wysyłane";
    Sent: "sent", "wysłane";
    Failed: "failed", "błędne";
    Cancelled: "cancelled", "anulowane";
    // A mail's details.
    HFrom: "From:", "Od:";
    HTo: "To:", "Do:";
    HCc: "Cc:", "DW:";
    HBcc: "Bcc:", "UDW:";
    HSubject: "Subject:", "Temat:";
    HCreated: "Created:", "Utworzono:";
    HSent: "Sent:", "Wysłano:";
    MailAccount: "(the mail account's address)", "(adres konta pocztowego)";
    // The same, short, for the filter strip of a narrow screen.
    AllShort: "all", "wsz.";
    PendingShort: "pend.", "ocz.";
    HeldShort: "held", "zatrz.";
    SendingShort: "sndg", "wysył.";
    SentShort: "sent", "wysł.";
    FailedShort: "fail", "błęd.";
    CancelledShort: "canc.", "anul.";
    ColId: "ID", "ID";
    ColStatus: "Status", "Stan";
    ColTries: "Tries", "Próby";
    ColAge: "Age", "Wiek";
    ColNext: "Next", "Następna";
    ColTo: "To", "Do";
    ColSubject: "Subject", "Temat";
    ColSize: "Size", "Rozmiar";
    ColTime: "Time", "Czas";
    ColLevel: "Level", "Poziom";
    ColSource: "Source", "Źródło";
    ColMail: "Mail", "Mail";
    ColMessage: "Message", "Komunikat";
    NoMails: "No mails here.", "Brak wiadomości.";
    NoEntries: "No entries.", "Brak wpisów.";
    Search: "Search", "Szukaj";
    Frozen: "FROZEN", "ZAMROŻONE";
    NewSinceFrozen: "new", "nowych";
    Following: "● following the newest", "● śledzi najnowsze";
    NotFollowing: "○ held in place", "○ w miejscu";
    LogEntryTitle: "Work-log entry", "Wpis dziennika";
    ColTimeFull: "Time", "Czas";
    Message: "Message", "Komunikat";
    Detail: "Detail", "Szczegóły";
    LevelFilter: "level", "poziom";
    MailFilter: "mail", "mail";
    Attachments: "Attachments", "Załączniki";
    History: "History", "Historia";
    Body: "Body", "Treść";
    QueueShape:
        "Queue shape (undelivered mails by recipient domain and age, minutes)",
        "Kształt kolejki (niewysłane wg domeny odbiorcy i wieku, minuty)";
    Domain: "Domain", "Domena";
    Total: "Total", "Razem";
    OldestFirst: "oldest first", "od najstarszych";
    FPath: "Path", "Ścieżka";
    SaveEmlTitle: "Save the mail as an .eml file", "Zapisz wiadomość jako plik .eml";

    // Key labels (the key table pairs each with its keys).
    KEdit: "edit fields", "edytuj pola";
    KSave: "save", "zapisz";
    KPresets: "presets", "przykłady";
    KCheck: "test connection", "test połączenia";
    KSendTest: "send test message", "wyślij testową";
    KeysEditing: "Editing the fields", "Edycja pól";
    KeysChoice: "A choice field", "Pole wyboru";
    KeysTestMessage: "The test message", "Wiadomość testowa";
    KeysSearch: "Typing a search", "Wpisywanie wyszukiwania";
    KBackToAccount: "back to the account", "wróć do konta";
    KLeaveForm: "leave fields", "opuść pola";
    KNextField: "next/previous field", "następne/poprzednie pole";
    KShowPassword: "show password", "pokaż hasło";
    KSort: "newest/oldest first", "najnowsze/najstarsze";
    KSaveEml: "save as .eml", "zapisz jako .eml";
    KQuit: "quit", "wyjście";
    KHelp: "help", "pomoc";
    KSearch: "search", "szukaj";
    KNextFilter: "next status", "następny stan";
    KPrevFilter: "previous status", "poprzedni stan";
    KOpen: "details", "szczegóły";
    KBack: "back", "wróć";
    KMark: "mark", "zaznacz";
    KMarkPage: "mark the page", "zaznacz stronę";
    KInvertMarks: "invert the page's marks", "odwróć zaznaczenie strony";
    KBulk: "act on all matching", "działaj na wszystkich pasujących";
    KAtOnce: "yes, at once", "tak, od razu";
    KGently: "yes, gently (300 a minute)", "tak, łagodnie (300 na minutę)";
    KErrorGroups: "error groups", "grupy błędów";
    FilterHelp: "Search terms (/)", "Warunki wyszukiwania (/)";
    FhStatus: "status, several with commas", "stan, kilka po przecinku";
    FhText: "text in the field, * any", "tekst w polu, * dowolny";
    FhError: "the last error, its code", "ostatni błąd, jego kod";
    FhDomain: "a recipient's domain, ids", "domena odbiorcy, numery";
    FhNumbers: "attempts, size", "próby, rozmiar";
    FhHas: "has an attachment, an error", "ma załącznik, błąd";
    FhTimes: "times, local", "czas, lokalny";
    FhNot: "not; a phrase", "nie; fraza";
    KListGroup: "list the group", "pokaż grupę";
    KListDomain: "list its mails", "pokaż wiadomości";
    KHoldDomain: "hold the domain", "zatrzymaj domenę";
    KReleaseDomain: "release the domain", "zwolnij domenę";
    ErrorGroups: "Error groups (Enter lists the group's mails)", "Grupy błędów (Enter pokazuje wiadomości grupy)";
    NoErrors: "No mail in the queue has an error.", "Żadna wiadomość w kolejce nie ma błędu.";
    ErrMails: "Mails", "Wiad.";
    ErrFailed: "Failed", "Błędne";
    ErrRetried: "Retried", "Ponaw.";
    ErrLastSeen: "Last", "Ostatnio";
    ErrText: "Error", "Błąd";
    BulkTitle: "Act on every matching mail", "Działanie na wszystkich pasujących";
    KRetry: "retry", "ponów";
    KHold: "hold", "zatrzymaj";
    KRelease: "release", "zwolnij";
    KCancel: "cancel", "anuluj";
    KDelete: "delete", "usuń";
    KPause: "pause/resume sending", "wstrzymaj/wznów wysyłanie";
    NextOff: "off", "wył.";
    NextPaused: "paused", "wstrzym.";
    NextNoSender: "no sndr", "brak nad";
    NextSignIn: "sign-in", "logow.";
    StateSends: "sends", "wysyła";
    StateWaits: "waits", "czeka";
    StatePaused: "paused", "wstrzymany";
    StateOff: "off", "wyłączony";
    StateNoServer: "no server", "bez serwera";
    StateSignIn: "sign-in", "logowanie";
    StateStale: "stale", "nieaktywny";
    ThisConsole: "this console", "ta konsola";
    KFlush: "flush: send deferred now", "wyślij odłożone teraz";
    KFreeze: "freeze", "zamroź";
    KShape: "queue shape", "kształt kolejki";
    KMove: "move", "ruch";
    KPage: "page", "strona";
    KKeepSearch: "keep", "zostaw";
    KClearSearch: "clear the search", "wyczyść wyszukiwanie";
    KScroll: "scroll", "przewiń";
    KEnds: "top/end", "początek/koniec";
    KTabs: "panes", "panele";
    KLevel: "level", "poziom";
    KFollow: "follow", "śledź";
    KMailOnly: "this mail only", "tylko ten mail";
    KGoMail: "open the mail", "otwórz mail";
    KTop: "newest", "najnowsze";
    KAdd: "add", "dodaj";
    KInsertMask: "insert mask", "wstaw maskę";
    KDefaults: "default texts", "teksty domyślne";
    KTrim: "trim spaces", "usuń spacje";
    KLoadKey: "load private key", "wczytaj klucz";
    KRemoveKey: "remove key", "usuń klucz";
    KWriteKey: "save key to file", "zapisz klucz do pliku";
    KGenerateToken: "generate KSeF token", "generuj token KSeF";
    KAnonymize: "anonymize old mails", "anonimizuj stare maile";
    KTwoStep: "two-step enforcement", "weryfikacja dwuetapowa";
    KPickOperator: "choose operator", "wybierz operatora";
    KRemoveOperator: "remove operator", "usuń operatora";
    KIbardLogin: "IBARD authorization", "autoryzacja IBARD";
    KIbardLogout: "IBARD log out", "wyloguj IBARD";
    KSelectItem: "select", "wybierz";
    KPermissions: "permissions verification on/off", "weryfikacja uprawnień wł./wył.";

    KReloadTheirs: "reload theirs", "wczytaj ich wersję";
    KOverwrite: "overwrite with mine", "nadpisz moją";
    KKeepEditing: "keep editing", "edytuj dalej";
    KCancelSignIn: "cancel the sign-in", "anuluj logowanie";
    KSubmit: "confirm", "zatwierdź";
    KComplete: "complete the path", "uzupełnij ścieżkę";
    KCompleteTerm: "complete", "uzupełnij";
    KNextChoice: "change the choice", "zmień wybór";

    // Settings panes in general.
    Unsaved: "unsaved changes", "niezapisane zmiany";
    LeaveUnsaved:
        "Unsaved changes. Save them first, leave without saving, or stay?",
        "Niezapisane zmiany. Zapisać je najpierw, wyjść bez zapisywania czy zostać?";
    KSaveThenLeave: "save, then leave", "zapisz i wyjdź";
    KLeaveWithout: "leave without saving", "wyjdź bez zapisywania";
    KStay: "stay", "zostań";
    NotLeavingInvalid:
        "Not left: a field here cannot be saved as it is (marked ✗)",
        "Nie wychodzę: pola oznaczonego ✗ nie da się zapisać w tej postaci";
    ConflictTitle:
        "Someone else saved this tab meanwhile",
        "Ktoś inny zapisał tę zakładkę w międzyczasie";

    // Mail server.
    FSendWith: "Send mail with", "Do wysyłania wiadomości email zastosuj";
    FEnabled: "Enable sending", "Włącz wysyłanie wiadomości email";
    FAccountName: "Account name", "Nazwa konta";
    FFromAddress: "Outgoing e-mail", "Email (wychodzący)";
    FDisplayName: "Display name", "Nazwa wyświetlana";
    FReplyTo: "Reply-to address", "Adres zwrotny";
    FDescription: "Description", "Opis";
    FServerType: "Server type", "Typ serwera";
    FServerName: "Server name", "Nazwa serwera";
    FPort: "Port", "Port";
    FEncryption: "Encryption method", "Metoda szyfrowania";
    FAuthMethod: "Authentication method", "Metoda uwierzytelniania";
    FLogin: "Login", "Login";
    FPassword: "Password", "Hasło";
    FSendmailPath: "Sendmail path", "Ścieżka sendmail";
    FRecipient: "Recipient", "Adres email odbiorcy";
    FSubject: "Subject", "Temat";
    FBody: "Message", "Treść wiadomości";
    FAttachment: "Attachment", "Załącznik";
    OSmtp: "built-in sender (SMTP)", "Komponent mailowy (SMTP)";
    OSendmail: "server's MTA (sendmail)", "Profil serwera (sendmail)";
    ONone: "None", "Brak";
    OAuto: "Automatic", "Automatyczne";
    OSsl: "SSL/TLS", "SSL/TLS";
    OStarttls: "STARTTLS", "STARTTLS";
    OPassword: "Login and password", "Login i hasło";
    OOauth2: "OAuth2 (Microsoft 365)", "OAuth2 (Microsoft 365)";
    SecAccount: "Mail account settings", "Ustawienia konta pocztowego";
    SecProfile: "Profile", "Profil";
    SecTest: "Send a test message", "Wyślij testową wiadomość email";
    SecCheck: "Connection check", "Test połączenia";
    ProfileExists: "Profile exists", "Profil istnieje";
    HintEncryption: "If in doubt choose Automatic.", "W razie wątpliwości wybierz Automatyczne.";
    HintPorts: "Usual ports: 25, 465, 587.", "Typowe porty: 25, 465, 587.";
    HintGoogle:
        "Google accounts with OAuth2 are not supported: use an app password.",
        "Konta Google z OAuth2 nie są obsługiwane: użyj hasła aplikacji.";
    HintSendmailOauth:
        "Office 365 (OAuth2) cannot be used with the server's MTA.",
        "W trybie profilu serwera nie można używać Office 365 (OAuth2).";
    Presets: "Presets", "Przykłady konfiguracji poczty";
    Checking: "checking…", "sprawdzanie…";
    TestQueued: "Test message queued as mail", "Wiadomość testowa w kolejce jako";
    Delivered: "delivered", "dostarczono";
    NotDelivered: "not delivered", "nie dostarczono";
    Waiting: "waiting for the sender", "czeka na wysłanie";

    // Microsoft 365 sign-in.
    KAuthorize: "authorize (Microsoft 365)", "autoryzacja (Microsoft 365)";
    SignInTitle: "Microsoft 365 sign-in", "Logowanie Microsoft 365";
    SignInOpen: "On any device, open", "Na dowolnym urządzeniu otwórz";
    SignInEnter: "and enter the code", "i wpisz kod";
    SignInStarting: "Asking for a code…", "Pobieranie kodu…";
    CouldNotLogIn:
        "Could not log in to the account of user",
        "Nie udało się zalogować do konta użytkownika";
    NeedsOauth:
        "Choose OAuth2 (Microsoft 365) as the authentication method first",
        "Najpierw wybierz metodę uwierzytelniania OAuth2 (Microsoft 365)";
    TokenValidUntil: "access token valid until", "token dostępu ważny do";
    SignInNeeded: "Sign-in needed again", "Wymagane ponowne logowanie";
    CodeExpiresIn: "the code expires in", "kod wygasa za";

    // E-mail templates.
    TplReceivedEach: "Received document, each time", "Otrzymany dokument każdorazowo";
    TplReceivedDigest: "Received documents, digest", "Otrzymany dokument zbiorczo";
    TplOverdue: "Overdue documents", "Przeterminowany dokument";
    TplReminder: "Reminder", "Przypominający";
    TplObserverEach: "For an observer, each time", "Dla obserwatora każdorazowo";
    TplObserverDigest: "For an observer, digest", "Dla obserwatora zbiorczo";
    FUrlPrefix: "URL prefix", "URL Prefix";
    FTplSubject: "Subject", "Temat maila";
    FTplBody: "Body", "Treść maila";
    Masks: "Masks", "Maski";
    Preview: "Preview (sample data)", "Podgląd (przykładowe dane)";
    PickMask: "Insert a mask", "Wstaw maskę";
    DefaultTexts: "Default texts for this template", "Teksty domyślne tego szablonu";
    UnknownMask: "unknown mask", "nieznana maska";

    // API authorization, ERP connections, domain.
    FCompanyName: "Company name", "Nazwa firmy";
    FDefaultErpLogin: "Default ERP operator login", "Domyślny login operatora ERP";
    FUseDomain: "Use domain", "Używaj domeny";
    FDomainName: "Domain name", "Nazwa domeny";
    FGroup: "Group", "Grupa";
    OAllGroups: "All", "Wszystkie";
    FErpSystem: "ERP system", "System ERP";
    OStandalone: "Standalone", "Standalone";
    OAltum: "Altum", "Altum";
    OXl: "XL", "XL";
    OOptima: "Optima", "Optima";
    OEnterprise: "Enterprise", "Enterprise";
    FConnServer: "SQL server", "Serwer SQL";
    FConnDatabase: "Database", "Baza danych";
    FConnAuth: "Authentication", "Uwierzytelnianie";
    OWindows: "Windows", "Windows";
    OSqlLogin: "SQL Server login", "Logowanie SQL Server";
    FConnUser: "SQL user", "Użytkownik SQL";
    FConnPassword: "SQL password", "Hasło SQL";
    FSpolka: "Company name", "Nazwa spółki";
    FSpolkaOptima: "Company name (database)", "Nazwa spółki (baza)";
    FErpDisplayName: "Display name", "Nazwa wyświetlana";
    FAbbreviation: "Abbreviation", "Skrót";
    FCompanyDb: "Company database connection", "Połączenie do bazy firmowej";
    FLicenseServer: "License key server", "Serwer klucza";
    FOperatorLogin: "ERP operator login", "Login operatora";
    FNip: "Company tax id (NIP)", "NIP Firmy";
    FKsefToken: "KSeF token", "Token KSeF";
    FEdeliveryAddress: "e-Delivery mailbox address", "Adres skrzynki";
    FEdeliverySystem: "e-Delivery system name", "Nazwa systemu";
    FPrivateKey: "Private key", "Klucz prywatny";
    KsefMode: "KSeF environment", "Środowisko KSeF";
    NoKey: "no key", "brak klucza";
    KeyNotSaved: "loaded, not saved yet", "wczytany, jeszcze nie zapisany";
    EnterNipFirst: "Enter the company NIP first", "Najpierw wprowadź NIP firmy";
    KsefGenerateInfo:
        "Generating a KSeF token needs a qualified certificate and the ministry's KSeF service: generate it there and paste it into the KSeF token field.",
        "Wygenerowanie tokenu KSeF wymaga certyfikatu kwalifikowanego i usługi KSeF ministerstwa: wygeneruj go tam i wklej w pole Token KSeF.";
    LoadKeyTitle: "Load the private key from a file", "Wczytaj klucz prywatny z pliku";
    WriteKeyTitle:
        "Save the private key to a new file (mode 0600)",
        "Zapisz klucz prywatny do nowego pliku (tryb 0600)";
    EdeliveryFormat: "AE:PL-XXXXX-XXXXX-XXXXX-XX", "AE:PL-XXXXX-XXXXX-XXXXX-XX";
    NewCompany: "(new company)", "(nowa spółka)";

    // Tools.
    SecPersonalData: "Personal data protection", "Ochrona danych osobowych";
    FAnonymizeDays:
        "Anonymize archived mails older than (days)",
        "Anonimizuj zarchiwizowane maile starsze niż (dni)";
    SecPermissions: "Verification of document permissions", "Weryfikacja uprawnień na dokumentach";
    FVerifyPermissions: "Verify permissions on documents", "Weryfikuj uprawnienia na dokumentach";
    SecTwoStep: "Two-step verification at login", "Weryfikacja dwuetapowa podczas logowania";
    FEnforceTwoStep:
        "Enforce two-step verification at login",
        "Wymuszaj weryfikację dwuetapową podczas logowania";
    EnableTwoStep:
        "Enable enforcing two-step verification",
        "Włącz wymuszenie weryfikacji dwuetapowej";
    DisableTwoStep:
        "Disable enforcing two-step verification",
        "Wyłącz wymuszenie weryfikacji dwuetapowej";
    TwoStepOn:
        "Every operator must use two-step verification.",
        "Każdy operator musi używać weryfikacji dwuetapowej.";
    TwoStepOff:
        "Two-step verification is not enforced.",
        "Weryfikacja dwuetapowa nie jest wymuszana.";

    // API systems.
    ColName: "Name", "Nazwa";
    ColUuid: "Id", "Identyfikator";
    AddSystemTitle: "Add an API system", "Dodaj system API";
    NameTooShort: "at least 2 characters", "co najmniej 2 znaki";
    NameTaken: "is already on the list", "już jest na liście";

    // File storage.
    SecRepository: "Repository", "Repozytorium";
    SecAttachmentControls: "Attachment controls", "Kontrolki załączników";
    SecControlsAndManager:
        "Attachment controls and document manager",
        "Kontrolki załączników i menedżer dokumentów";
    SecDocumentManager: "Document manager", "Menedżer dokumentów";
    FDefaultOperator: "Default repository operator", "Domyślny operator repozytorium";
    NoneChosen: "(none)", "(brak)";
    IbardAuth: "IBARD authorization", "Autoryzacja IBARD";
    LoggedInUser: "Logged in user", "Zalogowano użytkownika";
    NotLoggedIn: "Not logged in to IBARD.", "Nie zalogowano do IBARD.";
    IbardFolders:
        "Folders: Comarch DMS, Comarch DMS MD, Comarch DMS Repository",
        "Foldery: Comarch DMS, Comarch DMS MD, Comarch DMS Repository";
    IbardNote:
        "The credentials are stored encrypted; the DMS uses them to reach IBARD.",
        "Dane logowania są zapisane zaszyfrowane; DMS używa ich do połączenia z IBARD.";
    StorageOff:
        "No section applies: IBARD is used by neither attachments nor the repository.",
        "Żadna sekcja nie dotyczy: ani załączniki, ani repozytorium nie używają IBARD.";
    PickOperator:
        "Choose the default repository operator",
        "Wybierz domyślnego operatora repozytorium";
    NoOperators:
        "The operators list is empty: the DMS fills it (`dmsctl demo` adds demo operators).",
        "Lista operatorów jest pusta: wypełnia ją DMS (`dmsctl demo` dodaje przykładowych).";
}
