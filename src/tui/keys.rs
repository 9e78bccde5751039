//! One table of key bindings. Key handling, the hint bar and the help popup are all
//! built from it, so what the screen says is what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::i18n::Txt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    NextPane,
    PrevPane,
    GoPane(usize),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    /// The end of a long text (details, help, a work-log entry).
    Bottom,
    Open,
    Back,
    Search,
    NextFilter,
    PrevFilter,
    Mark,
    /// Mark every mail of the page; invert the marks of the page.
    MarkPage,
    InvertMarks,
    /// Act on every mail the list's filter matches (or stop that running).
    Bulk,
    /// The error groups in place of the list, and back.
    ErrorGroups,
    Retry,
    Hold,
    Release,
    Cancel,
    Delete,
    PauseResume,
    /// Every deferred mail due now, every sender's wait for the server ended.
    Flush,
    Freeze,
    Shape,
    Level,
    Follow,
    MailOnly,
    /// From a work-log entry to its mail's details.
    GoMail,
    EditAccount,
    EditTest,
    Save,
    Presets,
    Check,
    LeaveForm,
    NextField,
    PrevField,
    ShowPassword,
    Sort,
    SaveEml,
    Add,
    InsertMask,
    Defaults,
    Trim,
    LoadKey,
    RemoveKey,
    WriteKey,
    GenerateToken,
    Anonymize,
    TwoStep,
    PickOperator,
    RemoveOperator,
    IbardLogin,
    IbardLogout,
    Permissions,
    Authorize,
    /// Popups: agree, decline; a conflict's two ways out; stop a sign-in.
    Yes,
    /// Agree, at a pace gentle on the server and the sending reputation.
    Gently,
    No,
    ReloadTheirs,
    Overwrite,
    KeepEditing,
    CancelSignIn,
    /// A dialog's form: submit it, complete the path typed so far.
    Submit,
    Complete,
    /// A choice or yes/no field: the next or previous option.
    NextChoice,
    PrevChoice,
    /// Queue the test message being typed.
    SendTest,
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Queue,
    Detail,
    /// One work-log entry in full, scrollable, with a jump to its mail.
    LogEntry,
    /// A long text read in full (a mail's details, a work-log entry): the scroll keys
    /// its scopes share.
    Reading,
    /// The queue shape in place of the list: its own keys, so no list key acts on a
    /// mail that is not on screen.
    Shape,
    /// The error groups in place of the list (likewise).
    Errors,
    WorkLog,
    MailServer,
    /// Typing into a form: only these keys are not text.
    Form,
    /// What every settings pane with a form shares (edit, save).
    SettingsForm,
    Templates,
    /// Typing into a template: the form's keys and mask insertion.
    TemplatesForm,
    ApiAuth,
    Erp,
    Domain,
    Tools,
    ApiSystems,
    Storage,
    /// Popups: only their own keys apply (an unbound key declines or is ignored).
    /// Typing the test message: the form's keys, and Enter sends.
    TestMessage,
    /// A choice or yes/no field of a form (the form's keys still apply).
    Choice,
    /// Typing a search after `/`: these keys end it, every other one is text.
    Search,
    Help,
    Confirm,
    /// Leaving or quitting with unsaved changes: save first, leave without, or stay.
    Leave,
    /// Before an action on every matching mail: at once, gently, or not.
    Bulk,
    Conflict,
    Picker,
    Prompt,
    SignIn,
}

impl Scope {
    /// Where a key not bound here is looked up next: typing falls back only to the
    /// form's keys (an unbound key is text); panes fall back to the global keys.
    fn parent(self) -> Option<Scope> {
        match self {
            Scope::Global
            | Scope::Form
            | Scope::Choice
            | Scope::Search
            | Scope::Help
            | Scope::Confirm
            | Scope::Leave
            | Scope::Bulk
            | Scope::Conflict
            | Scope::Picker
            | Scope::Prompt
            | Scope::SignIn => None,
            Scope::TemplatesForm | Scope::TestMessage => Some(Scope::Form),
            Scope::Templates | Scope::ApiAuth | Scope::Erp | Scope::Domain | Scope::Tools => {
                Some(Scope::SettingsForm)
            }
            Scope::Detail | Scope::LogEntry => Some(Scope::Reading),
            _ => Some(Scope::Global),
        }
    }

    /// Typing into a form: keys that are not the form's are text, so the global keys
    /// (and their hints) do not apply.
    pub fn is_typing(self) -> bool {
        self.chain().contains(&Scope::Form)
    }

    /// Scopes whose keys are shown for this one (itself and the parents below Global).
    pub fn chain(self) -> Vec<Scope> {
        let mut out = vec![self];
        let mut s = self;
        while let Some(p) = s.parent().filter(|p| *p != Scope::Global) {
            out.push(p);
            s = p;
        }
        // Reading a long text, how to move in it and leave it come first.
        if let Some(i) = out.iter().position(|s| *s == Scope::Reading) {
            out[..=i].rotate_right(1);
        }
        out
    }
}

pub struct Binding {
    pub scope: Scope,
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the keys are written on screen.
    pub shown: &'static str,
    pub action: Action,
    pub label: Txt,
    /// Shown in the bottom bar (the rest only in help).
    pub hint: bool,
}

const N: KeyModifiers = KeyModifiers::NONE;
const S: KeyModifiers = KeyModifiers::SHIFT;
const C: KeyModifiers = KeyModifiers::CONTROL;

macro_rules! bind {
    ($scope:ident, [$($k:expr),+], $shown:expr, $action:expr, $label:ident, $hint:expr) => {
        Binding { scope: Scope::$scope, keys: &[$($k),+], shown: $shown, action: $action, label: Txt::$label, hint: $hint }
    };
}

/// A static, not a const: one table at one address, so a binding found twice is the
/// same binding (`std::ptr::eq`).
pub static BINDINGS: &[Binding] = &[
    // Long texts (a mail's details, a work-log entry) scroll alike.
    bind!(
        Reading,
        [(KeyCode::Up, N), (KeyCode::Char('k'), N)],
        "↑↓/jk",
        Action::Up,
        KScroll,
        true
    ),
    bind!(
        Reading,
        [(KeyCode::Down, N), (KeyCode::Char('j'), N)],
        "↑↓/jk",
        Action::Down,
        KScroll,
        true
    ),
    bind!(
        Reading,
        [(KeyCode::PageUp, N)],
        "PgUp/PgDn",
        Action::PageUp,
        KPage,
        false
    ),
    bind!(
        Reading,
        [(KeyCode::PageDown, N)],
        "PgUp/PgDn",
        Action::PageDown,
        KPage,
        false
    ),
    bind!(
        Reading,
        [(KeyCode::Home, N), (KeyCode::Char('g'), N)],
        "g/G",
        Action::Top,
        KEnds,
        false
    ),
    bind!(
        Reading,
        [(KeyCode::End, N), (KeyCode::Char('G'), N)],
        "g/G",
        Action::Bottom,
        KEnds,
        false
    ),
    bind!(
        Help,
        [(KeyCode::Up, N), (KeyCode::Char('k'), N)],
        "↑↓/jk",
        Action::Up,
        KScroll,
        true
    ),
    bind!(
        Help,
        [(KeyCode::Down, N), (KeyCode::Char('j'), N)],
        "↑↓/jk",
        Action::Down,
        KScroll,
        true
    ),
    bind!(
        Help,
        [(KeyCode::PageUp, N)],
        "PgUp/PgDn",
        Action::PageUp,
        KPage,
        false
    ),
    bind!(
        Help,
        [(KeyCode::PageDown, N)],
        "PgUp/PgDn",
        Action::PageDown,
        KPage,
        false
    ),
    bind!(
        Help,
        [(KeyCode::Home, N), (KeyCode::Char('g'), N)],
        "g/G",
        Action::Top,
        KEnds,
        false
    ),
    bind!(
        Help,
        [(KeyCode::End, N), (KeyCode::Char('G'), N)],
        "g/G",
        Action::Bottom,
        KEnds,
        false
    ),
    // Popups.
    bind!(
        Confirm,
        [
            (KeyCode::Char('y'), N),
            (KeyCode::Char('t'), N),
            (KeyCode::Enter, N)
        ],
        "y",
        Action::Yes,
        Yes,
        true
    ),
    bind!(
        Confirm,
        [(KeyCode::Char('n'), N), (KeyCode::Esc, N)],
        "n/Esc",
        Action::No,
        No,
        true
    ),
    bind!(
        Leave,
        [(KeyCode::Char('s'), N), (KeyCode::Char('z'), N)],
        "s",
        Action::Save,
        KSaveThenLeave,
        true
    ),
    bind!(
        Leave,
        [(KeyCode::Char('y'), N), (KeyCode::Char('t'), N)],
        "y",
        Action::Yes,
        KLeaveWithout,
        true
    ),
    bind!(
        Leave,
        [(KeyCode::Char('n'), N), (KeyCode::Esc, N)],
        "n/Esc",
        Action::No,
        KStay,
        true
    ),
    bind!(
        Bulk,
        [
            (KeyCode::Char('y'), N),
            (KeyCode::Char('t'), N),
            (KeyCode::Enter, N)
        ],
        "y",
        Action::Yes,
        KAtOnce,
        true
    ),
    bind!(
        Bulk,
        [(KeyCode::Char('g'), N), (KeyCode::Char('l'), N)],
        "g",
        Action::Gently,
        KGently,
        true
    ),
    bind!(
        Bulk,
        [(KeyCode::Char('n'), N), (KeyCode::Esc, N)],
        "n/Esc",
        Action::No,
        No,
        true
    ),
    bind!(
        Conflict,
        [(KeyCode::Char('r'), N)],
        "r",
        Action::ReloadTheirs,
        KReloadTheirs,
        true
    ),
    bind!(
        Conflict,
        [(KeyCode::Char('o'), N)],
        "o",
        Action::Overwrite,
        KOverwrite,
        true
    ),
    bind!(
        Conflict,
        [(KeyCode::Esc, N)],
        "Esc",
        Action::KeepEditing,
        KKeepEditing,
        true
    ),
    bind!(
        Shape,
        [
            (KeyCode::Esc, N),
            (KeyCode::Char('q'), N),
            (KeyCode::Char('s'), N)
        ],
        "Esc/q",
        Action::Shape,
        KBack,
        true
    ),
    bind!(
        Shape,
        [(KeyCode::Up, N), (KeyCode::Char('k'), N)],
        "↑↓/jk",
        Action::Up,
        KMove,
        true
    ),
    bind!(
        Shape,
        [(KeyCode::Down, N), (KeyCode::Char('j'), N)],
        "↑↓/jk",
        Action::Down,
        KMove,
        false
    ),
    bind!(
        Shape,
        [(KeyCode::Enter, N)],
        "Enter",
        Action::Open,
        KListDomain,
        true
    ),
    bind!(
        Shape,
        [(KeyCode::Char('h'), N)],
        "h",
        Action::Hold,
        KHoldDomain,
        true
    ),
    bind!(
        Shape,
        [(KeyCode::Char('u'), N)],
        "u",
        Action::Release,
        KReleaseDomain,
        true
    ),
    bind!(
        Errors,
        [(KeyCode::Up, N), (KeyCode::Char('k'), N)],
        "↑↓/jk",
        Action::Up,
        KMove,
        true
    ),
    bind!(
        Errors,
        [(KeyCode::Down, N), (KeyCode::Char('j'), N)],
        "↑↓/jk",
        Action::Down,
        KMove,
        false
    ),
    bind!(
        Errors,
        [(KeyCode::Enter, N)],
        "Enter",
        Action::Open,
        KListGroup,
        true
    ),
    bind!(
        Errors,
        [
            (KeyCode::Esc, N),
            (KeyCode::Char('q'), N),
            (KeyCode::Char('E'), N)
        ],
        "Esc/q",
        Action::ErrorGroups,
        KBack,
        true
    ),
    bind!(
        TestMessage,
        [(KeyCode::Enter, N)],
        "Enter",
        Action::SendTest,
        KSendTest,
        true
    ),
    bind!(
        TestMessage,
        [(KeyCode::Esc, N), (KeyCode::Char('c'), C)],
        "Esc",
        Action::LeaveForm,
        KBackToAccount,
        true
    ),
    bind!(
        Choice,
        [
            (KeyCode::Char(' '), N),
            (KeyCode::Right, N),
            (KeyCode::Enter, N)
        ],
        "Space/→",
        Action::NextChoice,
        KNextChoice,
        false
    ),
    bind!(
        Choice,
        [(KeyCode::Left, N)],
        "←",
        Action::PrevChoice,
        KNextChoice,
        false
    ),
    bind!(
        Choice,
        [(KeyCode::Char('y'), N), (KeyCode::Char('t'), N)],
        "y",
        Action::Yes,
        Yes,
        false
    ),
    bind!(
        Choice,
        [(KeyCode::Char('n'), N)],
        "n",
        Action::No,
        No,
        false
    ),
    bind!(
        Search,
        [(KeyCode::Enter, N)],
        "Enter",
        Action::Submit,
        KSearch,
        true
    ),
    bind!(
        Search,
        [(KeyCode::Esc, N)],
        "Esc",
        Action::Back,
        KBack,
        true
    ),
    bind!(
        Search,
        [(KeyCode::Tab, N)],
        "Tab",
        Action::Complete,
        KCompleteTerm,
        true
    ),
    bind!(
        Picker,
        [(KeyCode::Up, N), (KeyCode::Char('k'), N)],
        "↑↓/jk",
        Action::Up,
        KMove,
        true
    ),
    bind!(
        Picker,
        [(KeyCode::Down, N), (KeyCode::Char('j'), N)],
        "↑↓/jk",
        Action::Down,
        KMove,
        false
    ),
    bind!(
        Picker,
        [(KeyCode::Enter, N)],
        "Enter",
        Action::Open,
        KSelectItem,
        true
    ),
    bind!(
        Picker,
        [(KeyCode::Esc, N)],
        "Esc",
        Action::Back,
        KBack,
        true
    ),
    bind!(
        Prompt,
        [(KeyCode::Enter, N)],
        "Enter",
        Action::Submit,
        KSubmit,
        true
    ),
    bind!(
        Prompt,
        [(KeyCode::Esc, N)],
        "Esc",
        Action::Back,
        BtnCancel,
        true
    ),
    bind!(
        Prompt,
        [(KeyCode::Tab, N)],
        "Tab",
        Action::Complete,
        KComplete,
        true
    ),
    bind!(
        SignIn,
        [(KeyCode::Esc, N)],
        "Esc",
        Action::CancelSignIn,
        KCancelSignIn,
        true
    ),
    // Settings panes with a form (their own keys fall back to these).
    bind!(
        SettingsForm,
        [(KeyCode::Enter, N), (KeyCode::Char('e'), N)],
        "Enter/e",
        Action::EditAccount,
        KEdit,
        true
    ),
    bind!(
        SettingsForm,
        [(KeyCode::Char('s'), C)],
        "C-s",
        Action::Save,
        KSave,
        true
    ),
    bind!(
        Templates,
        [(KeyCode::Up, N), (KeyCode::Char('k'), N)],
        "↑↓/jk",
        Action::Up,
        KSelectItem,
        true
    ),
    bind!(
        Templates,
        [(KeyCode::Down, N), (KeyCode::Char('j'), N)],
        "↑↓/jk",
        Action::Down,
        KSelectItem,
        false
    ),
    bind!(
        Templates,
        [(KeyCode::Char('m'), N)],
        "m",
        Action::InsertMask,
        KInsertMask,
        true
    ),
    bind!(
        Templates,
        [(KeyCode::Char('D'), S), (KeyCode::Char('D'), N)],
        "D",
        Action::Defaults,
        KDefaults,
        false
    ),
    bind!(
        TemplatesForm,
        [(KeyCode::Char('k'), C)],
        "C-k",
        Action::InsertMask,
        KInsertMask,
        true
    ),
    bind!(
        ApiAuth,
        [(KeyCode::Char('T'), S), (KeyCode::Char('T'), N)],
        "T",
        Action::Trim,
        KTrim,
        true
    ),
    bind!(
        Erp,
        [(KeyCode::Up, N), (KeyCode::Char('k'), N)],
        "↑↓/jk",
        Action::Up,
        KSelectItem,
        true
    ),
    bind!(
        Erp,
        [(KeyCode::Down, N), (KeyCode::Char('j'), N)],
        "↑↓/jk",
        Action::Down,
        KSelectItem,
        false
    ),
    bind!(Erp, [(KeyCode::Char('a'), N)], "a", Action::Add, KAdd, true),
    bind!(
        Erp,
        [(KeyCode::Char('d'), N), (KeyCode::Delete, N)],
        "d/Del",
        Action::Delete,
        KDelete,
        true
    ),
    bind!(
        Erp,
        [(KeyCode::Char('l'), N)],
        "l",
        Action::LoadKey,
        KLoadKey,
        false
    ),
    bind!(
        Erp,
        [(KeyCode::Char('x'), N)],
        "x",
        Action::RemoveKey,
        KRemoveKey,
        false
    ),
    bind!(
        Erp,
        [(KeyCode::Char('w'), N)],
        "w",
        Action::WriteKey,
        KWriteKey,
        false
    ),
    bind!(
        Erp,
        [(KeyCode::Char('g'), N)],
        "g",
        Action::GenerateToken,
        KGenerateToken,
        false
    ),
    bind!(
        Erp,
        [(KeyCode::Char('T'), S), (KeyCode::Char('T'), N)],
        "T",
        Action::Trim,
        KTrim,
        false
    ),
    bind!(
        Tools,
        [(KeyCode::Char('a'), N)],
        "a",
        Action::Anonymize,
        KAnonymize,
        true
    ),
    bind!(
        Tools,
        [(KeyCode::Char('v'), N)],
        "v",
        Action::TwoStep,
        KTwoStep,
        true
    ),
    bind!(
        Tools,
        [(KeyCode::Char('p'), N)],
        "p",
        Action::Permissions,
        KPermissions,
        false
    ),
    bind!(
        ApiSystems,
        [(KeyCode::Up, N), (KeyCode::Char('k'), N)],
        "↑↓/jk",
        Action::Up,
        KSelectItem,
        true
    ),
    bind!(
        ApiSystems,
        [(KeyCode::Down, N), (KeyCode::Char('j'), N)],
        "↑↓/jk",
        Action::Down,
        KSelectItem,
        false
    ),
    bind!(
        ApiSystems,
        [(KeyCode::Char('a'), N)],
        "a",
        Action::Add,
        KAdd,
        true
    ),
    bind!(
        ApiSystems,
        [(KeyCode::Char('d'), N), (KeyCode::Delete, N)],
        "d/Del",
        Action::Delete,
        KDelete,
        true
    ),
    bind!(
        Storage,
        [(KeyCode::Char('o'), N)],
        "o",
        Action::PickOperator,
        KPickOperator,
        true
    ),
    bind!(
        Storage,
        [(KeyCode::Char('x'), N)],
        "x",
        Action::RemoveOperator,
        KRemoveOperator,
        true
    ),
    bind!(
        Storage,
        [(KeyCode::Char('i'), N)],
        "i",
        Action::IbardLogin,
        KIbardLogin,
        true
    ),
    bind!(
        Storage,
        [(KeyCode::Char('L'), S), (KeyCode::Char('L'), N)],
        "L",
        Action::IbardLogout,
        KIbardLogout,
        true
    ),
    bind!(
        Queue,
        [(KeyCode::Up, N), (KeyCode::Char('k'), N)],
        "↑↓/jk",
        Action::Up,
        KMove,
        true
    ),
    bind!(
        Queue,
        [(KeyCode::Down, N), (KeyCode::Char('j'), N)],
        "↑↓/jk",
        Action::Down,
        KMove,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::PageUp, N)],
        "PgUp/PgDn",
        Action::PageUp,
        KPage,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::PageDown, N)],
        "PgUp/PgDn",
        Action::PageDown,
        KPage,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Home, N), (KeyCode::Char('g'), N)],
        "Home/g",
        Action::Top,
        KTop,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Enter, N)],
        "Enter",
        Action::Open,
        KOpen,
        true
    ),
    bind!(
        Queue,
        [(KeyCode::Esc, N)],
        "Esc",
        Action::Back,
        KClearSearch,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Char('/'), N)],
        "/",
        Action::Search,
        KSearch,
        true
    ),
    bind!(
        Queue,
        [(KeyCode::Char('f'), N), (KeyCode::Right, N)],
        "f/→",
        Action::NextFilter,
        KNextFilter,
        true
    ),
    bind!(
        Queue,
        [
            (KeyCode::Char('F'), S),
            (KeyCode::Char('F'), N),
            (KeyCode::Left, N)
        ],
        "F/←",
        Action::PrevFilter,
        KPrevFilter,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Char(' '), N)],
        "Space",
        Action::Mark,
        KMark,
        true
    ),
    bind!(
        Queue,
        [(KeyCode::Char('A'), N)],
        "A",
        Action::MarkPage,
        KMarkPage,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Char('*'), N)],
        "*",
        Action::InvertMarks,
        KInvertMarks,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Char('E'), N)],
        "E",
        Action::ErrorGroups,
        KErrorGroups,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Char('B'), N)],
        "B",
        Action::Bulk,
        KBulk,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Char('r'), N)],
        "r",
        Action::Retry,
        KRetry,
        true
    ),
    bind!(
        Queue,
        [(KeyCode::Char('h'), N)],
        "h",
        Action::Hold,
        KHold,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Char('u'), N)],
        "u",
        Action::Release,
        KRelease,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Char('c'), N)],
        "c",
        Action::Cancel,
        KCancel,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Char('d'), N), (KeyCode::Delete, N)],
        "d/Del",
        Action::Delete,
        KDelete,
        true
    ),
    bind!(
        Queue,
        [(KeyCode::Char('p'), N)],
        "p",
        Action::PauseResume,
        KPause,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Char('x'), N)],
        "x",
        Action::Flush,
        KFlush,
        true
    ),
    bind!(
        Detail,
        [(KeyCode::Char('x'), N)],
        "x",
        Action::Flush,
        KFlush,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Char('z'), N)],
        "z",
        Action::Freeze,
        KFreeze,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Char('s'), N)],
        "s",
        Action::Shape,
        KShape,
        false
    ),
    bind!(
        Reading,
        [
            (KeyCode::Esc, N),
            (KeyCode::Backspace, N),
            (KeyCode::Char('q'), N)
        ],
        "Esc/q",
        Action::Back,
        KBack,
        true
    ),
    bind!(
        Detail,
        [(KeyCode::Char('r'), N)],
        "r",
        Action::Retry,
        KRetry,
        true
    ),
    bind!(
        Detail,
        [(KeyCode::Char('h'), N)],
        "h",
        Action::Hold,
        KHold,
        true
    ),
    bind!(
        Detail,
        [(KeyCode::Char('u'), N)],
        "u",
        Action::Release,
        KRelease,
        true
    ),
    bind!(
        Detail,
        [(KeyCode::Char('c'), N)],
        "c",
        Action::Cancel,
        KCancel,
        true
    ),
    bind!(
        Detail,
        [(KeyCode::Char('d'), N), (KeyCode::Delete, N)],
        "d/Del",
        Action::Delete,
        KDelete,
        true
    ),
    bind!(
        WorkLog,
        [(KeyCode::Up, N), (KeyCode::Char('k'), N)],
        "↑↓/jk",
        Action::Up,
        KMove,
        true
    ),
    bind!(
        WorkLog,
        [(KeyCode::Down, N), (KeyCode::Char('j'), N)],
        "↑↓/jk",
        Action::Down,
        KMove,
        false
    ),
    bind!(
        WorkLog,
        [(KeyCode::Enter, N)],
        "Enter",
        Action::Open,
        KOpen,
        true
    ),
    bind!(
        WorkLog,
        [(KeyCode::PageUp, N)],
        "PgUp/PgDn",
        Action::PageUp,
        KPage,
        false
    ),
    bind!(
        WorkLog,
        [(KeyCode::PageDown, N)],
        "PgUp/PgDn",
        Action::PageDown,
        KPage,
        false
    ),
    bind!(
        WorkLog,
        [(KeyCode::Home, N), (KeyCode::Char('g'), N)],
        "Home/g",
        Action::Top,
        KTop,
        false
    ),
    bind!(
        LogEntry,
        [(KeyCode::Char('m'), N), (KeyCode::Enter, N)],
        "m",
        Action::GoMail,
        KGoMail,
        true
    ),
    bind!(
        WorkLog,
        [(KeyCode::Char('l'), N)],
        "l",
        Action::Level,
        KLevel,
        true
    ),
    bind!(
        WorkLog,
        [(KeyCode::Char('m'), N)],
        "m",
        Action::MailOnly,
        KMailOnly,
        true
    ),
    bind!(
        WorkLog,
        [(KeyCode::Char('F'), S), (KeyCode::Char('F'), N)],
        "F",
        Action::Follow,
        KFollow,
        true
    ),
    bind!(
        Queue,
        [(KeyCode::Char('o'), N)],
        "o",
        Action::Sort,
        KSort,
        false
    ),
    bind!(
        Queue,
        [(KeyCode::Char('e'), N)],
        "e",
        Action::SaveEml,
        KSaveEml,
        false
    ),
    bind!(
        Detail,
        [(KeyCode::Char('e'), N)],
        "e",
        Action::SaveEml,
        KSaveEml,
        true
    ),
    bind!(
        MailServer,
        [(KeyCode::Enter, N), (KeyCode::Char('e'), N)],
        "Enter/e",
        Action::EditAccount,
        KEdit,
        true
    ),
    bind!(
        MailServer,
        [(KeyCode::Char('s'), C)],
        "C-s",
        Action::Save,
        KSave,
        true
    ),
    bind!(
        MailServer,
        [(KeyCode::Char('p'), N)],
        "p",
        Action::Presets,
        KPresets,
        true
    ),
    bind!(
        MailServer,
        [(KeyCode::Char('c'), N)],
        "c",
        Action::Check,
        KCheck,
        true
    ),
    bind!(
        MailServer,
        [(KeyCode::Char('a'), N)],
        "a",
        Action::Authorize,
        KAuthorize,
        false
    ),
    bind!(
        MailServer,
        [(KeyCode::Char('t'), N)],
        "t",
        Action::EditTest,
        KSendTest,
        true
    ),
    bind!(
        Form,
        [(KeyCode::Esc, N), (KeyCode::Char('c'), C)],
        "Esc",
        Action::LeaveForm,
        KLeaveForm,
        true
    ),
    bind!(
        Form,
        [(KeyCode::Char('s'), C)],
        "C-s",
        Action::Save,
        KSave,
        true
    ),
    bind!(
        Form,
        [(KeyCode::Tab, N), (KeyCode::Down, N)],
        "Tab/↑↓",
        Action::NextField,
        KNextField,
        true
    ),
    bind!(
        Form,
        [
            (KeyCode::BackTab, S),
            (KeyCode::BackTab, N),
            (KeyCode::Up, N)
        ],
        "Tab/↑↓",
        Action::PrevField,
        KNextField,
        false
    ),
    bind!(
        Form,
        [(KeyCode::Char('r'), C)],
        "C-r",
        Action::ShowPassword,
        KShowPassword,
        true
    ),
    bind!(
        Global,
        [(KeyCode::Char('1'), N)],
        "1-9",
        Action::GoPane(0),
        KTabs,
        true
    ),
    bind!(
        Global,
        [(KeyCode::Char('2'), N)],
        "1-9",
        Action::GoPane(1),
        KTabs,
        false
    ),
    bind!(
        Global,
        [(KeyCode::Char('3'), N)],
        "1-9",
        Action::GoPane(2),
        KTabs,
        false
    ),
    bind!(
        Global,
        [(KeyCode::Char('4'), N)],
        "1-9",
        Action::GoPane(3),
        KTabs,
        false
    ),
    bind!(
        Global,
        [(KeyCode::Char('5'), N)],
        "1-9",
        Action::GoPane(4),
        KTabs,
        false
    ),
    bind!(
        Global,
        [(KeyCode::Char('6'), N)],
        "1-9",
        Action::GoPane(5),
        KTabs,
        false
    ),
    bind!(
        Global,
        [(KeyCode::Char('7'), N)],
        "1-9",
        Action::GoPane(6),
        KTabs,
        false
    ),
    bind!(
        Global,
        [(KeyCode::Char('8'), N)],
        "1-9",
        Action::GoPane(7),
        KTabs,
        false
    ),
    bind!(
        Global,
        [(KeyCode::Char('9'), N)],
        "1-9",
        Action::GoPane(8),
        KTabs,
        false
    ),
    bind!(
        Global,
        [(KeyCode::Tab, N)],
        "Tab",
        Action::NextPane,
        KTabs,
        false
    ),
    bind!(
        Global,
        [(KeyCode::BackTab, S), (KeyCode::BackTab, N)],
        "S-Tab",
        Action::PrevPane,
        KTabs,
        false
    ),
    bind!(
        Global,
        [(KeyCode::Char('?'), N), (KeyCode::Char('?'), S)],
        "?",
        Action::Help,
        KHelp,
        true
    ),
    bind!(
        Global,
        [(KeyCode::Char('q'), N), (KeyCode::Char('c'), C)],
        "q",
        Action::Quit,
        KQuit,
        true
    ),
];

/// The action for a key in `scope`, falling back to the global keys (except while
/// typing into a form, where an unbound key is text).
pub fn action_for(scope: Scope, key: &KeyEvent) -> Option<Action> {
    binding_for(scope, &|code, mods| {
        code == key.code
            && (mods == key.modifiers
                || (mods == N && key.modifiers == S && matches!(code, KeyCode::Char(_))))
    })
    .map(|b| b.action)
}

/// The binding a key reaches from `scope`: the scope's own, else its parent's, and so
/// on. `key` says whether one of a binding's keys is the key pressed.
fn binding_for(
    scope: Scope,
    key: &dyn Fn(KeyCode, KeyModifiers) -> bool,
) -> Option<&'static Binding> {
    let mut at = Some(scope);
    while let Some(s) = at {
        if let Some(b) = BINDINGS
            .iter()
            .filter(|b| b.scope == s)
            .find(|b| b.keys.iter().any(|(code, mods)| key(*code, *mods)))
        {
            return Some(b);
        }
        at = s.parent();
    }
    None
}

/// Distinct (keys, label) pairs of a scope, in table order.
pub fn shown(scope: Scope, hints_only: bool) -> Vec<(&'static str, Txt)> {
    shown_offered(scope, hints_only, &|_| true)
}

/// The keys of a scope whose actions this deployment offers (a hidden section's key is
/// not shown).
pub fn shown_offered(
    scope: Scope,
    hints_only: bool,
    offered: &dyn Fn(Action) -> bool,
) -> Vec<(&'static str, Txt)> {
    let mut out: Vec<(&'static str, Txt)> = Vec::new();
    let chain = scope.chain();
    // A binding whose every key a nearer scope takes for something else does nothing
    // here: it is not shown.
    let reaches = |b: &Binding| {
        b.keys.iter().any(|(code, mods)| {
            binding_for(scope, &|c, m| c == *code && m == *mods)
                .is_some_and(|first| std::ptr::eq(first, b))
        })
    };
    for b in chain.iter().flat_map(|s| {
        BINDINGS
            .iter()
            .filter(move |b| b.scope == *s && (b.hint || !hints_only) && offered(b.action))
    }) {
        if !reaches(b) {
            continue;
        }
        if !out.iter().any(|(s, l)| *s == b.shown && *l == b.label) {
            out.push((b.shown, b.label));
        }
    }
    out
}

/// Where one can go from a scope by a key (editing a form, a choice field, the test
/// message): its help lists their keys too.
pub fn reached_from(scope: Scope) -> &'static [(Txt, Scope)] {
    match scope {
        Scope::MailServer => &[
            (Txt::KeysEditing, Scope::Form),
            (Txt::KeysChoice, Scope::Choice),
            (Txt::KeysTestMessage, Scope::TestMessage),
        ],
        Scope::Templates => &[
            (Txt::KeysEditing, Scope::TemplatesForm),
            (Txt::KeysChoice, Scope::Choice),
        ],
        Scope::ApiAuth | Scope::Erp | Scope::Domain | Scope::Tools | Scope::Storage => &[
            (Txt::KeysEditing, Scope::Form),
            (Txt::KeysChoice, Scope::Choice),
        ],
        Scope::Queue => &[(Txt::KeysSearch, Scope::Search)],
        _ => &[],
    }
}

/// Keys that move within a text of several lines (Enter, ↑, ↓): there they belong to
/// the text, not to the form around it.
pub fn moves_within_text(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Enter | KeyCode::Up | KeyCode::Down)
}

/// What a key does to a line of text being typed (the queue search).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEdit {
    Insert(char),
    DeleteBack,
}

pub fn line_edit(key: &KeyEvent) -> Option<LineEdit> {
    match key.code {
        KeyCode::Backspace => Some(LineEdit::DeleteBack),
        KeyCode::Char(c) if !key.modifiers.contains(C) => Some(LineEdit::Insert(c)),
        _ => None,
    }
}

/// Keys whose meaning in a text being typed differs from the text area's own: as in a
/// shell, Ctrl-U cuts to the start of the line; Ctrl-Z undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEdit {
    CutToStart,
    Undo,
}

pub fn text_edit(key: &KeyEvent) -> Option<TextEdit> {
    match (key.code, key.modifiers) {
        (KeyCode::Char('u'), C) => Some(TextEdit::CutToStart),
        (KeyCode::Char('z'), C) => Some(TextEdit::Undo),
        _ => None,
    }
}

/// Keys a field of one line leaves to the form (Enter, Tab, ↑, ↓); a field of several
/// lines leaves it only Tab.
pub fn leaves_field(key: &KeyEvent, multi_line: bool) -> bool {
    match key.code {
        KeyCode::Tab | KeyCode::BackTab => true,
        KeyCode::Enter | KeyCode::Up | KeyCode::Down => !multi_line,
        _ => false,
    }
}

/// How the key of `action` in `scope` (or a scope it falls back to) is written, for a
/// message that tells the user what to press.
pub fn key_for(scope: Scope, action: Action) -> &'static str {
    let mut at = Some(scope);
    while let Some(s) = at {
        if let Some(b) = BINDINGS.iter().find(|b| b.scope == s && b.action == action) {
            return b.shown;
        }
        at = s.parent();
    }
    ""
}

/// The key of a global action as the hint line shows it, if that key still does the
/// action in `scope` (in a mail's details `q` goes back, so "q quit" is not shown).
pub fn global_hint(scope: Scope, action: Action) -> Option<&'static str> {
    let b = BINDINGS
        .iter()
        .find(|b| b.scope == Scope::Global && b.action == action)?;
    let (code, mods) = b.keys.first()?;
    (action_for(scope, &KeyEvent::new(*code, *mods)) == Some(action)).then_some(b.shown)
}

/// Keys as a reader of this language writes them: in Polish `Spacja`, `Shift-Tab`,
/// `Ctrl-S` (the table writes `Space`, `S-Tab`, `C-s`).
pub fn written(keys: &str, lang: crate::i18n::Lang) -> String {
    if lang == crate::i18n::Lang::En {
        return keys.to_string();
    }
    keys.split('/')
        .map(|k| match k {
            "Space" => "Spacja".to_string(),
            "S-Tab" => "Shift-Tab".to_string(),
            _ => match k.strip_prefix("C-") {
                Some(rest) => format!("Ctrl-{}", rest.to_uppercase()),
                None => k.to_string(),
            },
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A popup's choices as one line: `r reload theirs   o overwrite with mine   ...`.
pub fn choices(scope: Scope, lang: crate::i18n::Lang) -> String {
    shown(scope, true)
        .iter()
        .map(|(keys, label)| format!("{} {}", written(keys, lang), label.t(lang)))
        .collect::<Vec<_>>()
        .join("   ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, N)
    }

    #[test]
    fn scope_first_then_global() {
        assert_eq!(
            action_for(Scope::Queue, &key(KeyCode::Char('r'))),
            Some(Action::Retry)
        );
        assert_eq!(
            action_for(Scope::Queue, &key(KeyCode::Char('q'))),
            Some(Action::Quit)
        );
        assert_eq!(
            action_for(Scope::Detail, &key(KeyCode::Esc)),
            Some(Action::Back)
        );
        assert_eq!(
            action_for(Scope::Detail, &key(KeyCode::Char('q'))),
            Some(Action::Back),
            "q leaves the details, it does not quit"
        );
        assert_eq!(
            action_for(Scope::Shape, &key(KeyCode::Esc)),
            Some(Action::Shape)
        );
        assert_eq!(
            action_for(Scope::Shape, &key(KeyCode::Char('d'))),
            None,
            "no list key while the list is not shown"
        );
        assert_eq!(global_hint(Scope::Queue, Action::Quit), Some("q"));
        assert_eq!(global_hint(Scope::Detail, Action::Quit), None);
        assert_eq!(global_hint(Scope::Detail, Action::Help), Some("?"));
        assert_eq!(action_for(Scope::WorkLog, &key(KeyCode::Char('r'))), None);
        assert_eq!(
            action_for(Scope::Form, &key(KeyCode::Char('q'))),
            None,
            "q is text in a form"
        );
        assert_eq!(
            action_for(Scope::Queue, &KeyEvent::new(KeyCode::Char('?'), S)),
            Some(Action::Help)
        );
    }

    #[test]
    fn every_hint_names_keys_that_work() {
        for scope in [
            Scope::Global,
            Scope::Queue,
            Scope::Detail,
            Scope::Shape,
            Scope::Errors,
            Scope::WorkLog,
            Scope::MailServer,
            Scope::Form,
            Scope::SettingsForm,
            Scope::Templates,
            Scope::TemplatesForm,
            Scope::ApiAuth,
            Scope::Erp,
            Scope::Domain,
            Scope::Tools,
            Scope::ApiSystems,
            Scope::Storage,
            Scope::TestMessage,
            Scope::Choice,
            Scope::Search,
            Scope::Help,
            Scope::Confirm,
            Scope::Bulk,
            Scope::Conflict,
            Scope::Picker,
            Scope::Prompt,
            Scope::SignIn,
        ] {
            for b in BINDINGS.iter().filter(|b| b.scope == scope) {
                for (code, mods) in b.keys {
                    let k = KeyEvent::new(*code, *mods);
                    assert_eq!(action_for(scope, &k), Some(b.action), "{:?} {:?}", scope, k);
                }
            }
        }
    }

    #[test]
    fn a_key_a_nearer_scope_takes_is_not_shown_for_the_farther_one() {
        let shown = shown(Scope::TestMessage, true);
        let esc: Vec<_> = shown.iter().filter(|(k, _)| k.starts_with("Esc")).collect();
        assert_eq!(esc, [&("Esc", Txt::KBackToAccount)], "{shown:?}");
        assert!(
            shown.iter().any(|(_, l)| *l == Txt::KSave),
            "the form's other keys stay"
        );
    }

    #[test]
    fn messages_name_keys_that_are_bound() {
        // Every key a message names through `key_for`.
        for (scope, action) in [
            (Scope::MailServer, Action::Authorize),
            (Scope::MailServer, Action::Save),
            (Scope::Erp, Action::Add),
            (Scope::ApiSystems, Action::Add),
            (Scope::Tools, Action::Anonymize),
            (Scope::ApiAuth, Action::Trim),
            (Scope::Erp, Action::Trim),
            (Scope::SignIn, Action::CancelSignIn),
            (Scope::Confirm, Action::Yes),
            (Scope::Confirm, Action::No),
            (Scope::Prompt, Action::Submit),
            (Scope::Prompt, Action::Back),
            (Scope::Prompt, Action::Complete),
        ] {
            assert_ne!(key_for(scope, action), "", "{scope:?} {action:?}");
        }
        assert_eq!(
            choices(Scope::Conflict, crate::i18n::Lang::En),
            "r reload theirs   o overwrite with mine   Esc keep editing"
        );
    }

    /// Every binding is a row of this table: no other module of the console looks at
    /// key codes (tests aside, which press keys).
    #[test]
    fn no_key_codes_outside_the_table() {
        let tui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
        let mut all = Vec::new();
        crate::layers::rust_files(&tui, &mut all);
        let offenders: Vec<_> = all
            .iter()
            .filter(|p| !p.ends_with("keys.rs"))
            .filter(|p| {
                let text = std::fs::read_to_string(p).unwrap_or_default();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                code.contains("KeyCode::")
            })
            .collect();
        assert!(
            offenders.is_empty(),
            "key codes matched outside keys.rs: {offenders:?}"
        );
        assert!(all.len() > 20, "read the console's files");
    }
}
