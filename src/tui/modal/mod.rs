//! The popups: one at a time, in `App::modal`. The open popup gets every key first and
//! is drawn last, over the pane, so what has the keys is what is on top. A key either
//! keeps the popup open or closes it with a `Reply` the app acts on.

pub mod confirm;
pub mod conflict;
pub mod help;
pub mod picker;
pub mod prompt;
pub mod sign_in;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

pub use confirm::{Ask, Leave};
pub use conflict::Conflict;
pub use picker::{Picker, PickerKind};
pub use prompt::{Prompt, PromptKind};
pub use sign_in::SignIn;

use super::app::App;
use super::keys::{Action, Scope, action_for};
use crate::settings::Tab;

pub enum Modal {
    /// The keys of the pane in view and the global ones.
    Help(help::Help),
    /// A question before something that cannot be undone.
    Confirm(Ask),
    /// Someone else saved `tab` first: reload theirs or overwrite with mine.
    Conflict {
        tab: Tab,
        conflict: Conflict,
    },
    Picker(Picker),
    Prompt(Prompt),
    SignIn(SignIn),
}

/// What a key did to the open popup.
pub enum Reply {
    /// Still open (the selection moved, text was typed, or the key means nothing here).
    Open(Modal),
    /// Closed, nothing to do.
    Closed,
    Yes(Ask),
    /// Yes, at a gentle pace (an action on every matching mail).
    YesGently(Ask),
    /// Save every pane with unsaved changes, then leave (or quit) once all are stored.
    SaveThenLeave(Leave),
    ReloadTheirs {
        tab: Tab,
        conflict: Conflict,
    },
    Overwrite {
        tab: Tab,
        conflict: Conflict,
    },
    Picked(PickerKind, String),
    Submit(Prompt),
    CancelSignIn,
}

impl Modal {
    /// The key table's scope of this popup (its keys, its hints).
    pub fn scope(&self) -> Scope {
        match self {
            Modal::Help(_) => Scope::Help,
            Modal::Confirm(Ask::Leave(_)) => Scope::Leave,
            Modal::Confirm(Ask::Bulk { .. }) => Scope::Bulk,
            Modal::Confirm(_) => Scope::Confirm,
            Modal::Conflict { .. } => Scope::Conflict,
            Modal::Picker(_) => Scope::Picker,
            Modal::Prompt(_) => Scope::Prompt,
            Modal::SignIn(_) => Scope::SignIn,
        }
    }

    pub fn key(self, k: &KeyEvent) -> Reply {
        let action = action_for(self.scope(), k);
        match self {
            // Scrolling keys scroll the help; any other key closes it.
            Modal::Help(h) => match h.key(action) {
                Some(h) => Reply::Open(Modal::Help(h)),
                None => Reply::Closed,
            },
            // Only a yes is a yes.
            Modal::Confirm(ask) => match (action, ask) {
                (Some(Action::Save), Ask::Leave(target)) => Reply::SaveThenLeave(target),
                (Some(Action::Yes), ask) => Reply::Yes(ask),
                (Some(Action::Gently), ask @ Ask::Bulk { .. }) => Reply::YesGently(ask),
                _ => Reply::Closed,
            },
            Modal::Conflict { tab, conflict } => match action {
                Some(Action::ReloadTheirs) => Reply::ReloadTheirs { tab, conflict },
                Some(Action::Overwrite) => Reply::Overwrite { tab, conflict },
                _ => Reply::Closed,
            },
            Modal::Picker(p) => p.key(action),
            Modal::Prompt(p) => p.key(action, k),
            Modal::SignIn(s) => s.key(action),
        }
    }

    /// Pasted text goes into a prompt's field; other popups ignore it.
    pub fn paste(&mut self, text: &str) {
        if let Modal::Prompt(p) = self {
            p.form.paste(text);
        }
    }

    pub fn draw(&self, f: &mut Frame, app: &App, area: Rect) {
        match self {
            Modal::Help(h) => help::draw(f, app, area, h),
            Modal::Confirm(ask) => confirm::draw(f, app, area, ask),
            Modal::Conflict { conflict, .. } => conflict::draw(f, app, area, conflict),
            Modal::Picker(p) => p.draw(f, app, area),
            Modal::Prompt(p) => p.draw(f, app, area),
            Modal::SignIn(s) => s.draw(f, app, area),
        }
    }
}
