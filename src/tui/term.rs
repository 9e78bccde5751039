//! Entering and leaving the terminal. Leaving is safe to call more than once, and a
//! panic anywhere (also in a tokio task) leaves the terminal usable before the message
//! is printed.

use std::io::{Stdout, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::error::{Error, Result};

static ACTIVE: AtomicBool = AtomicBool::new(false);

pub fn enter(no_color: bool) -> Result<Terminal<CrosstermBackend<Stdout>>> {
    if no_color {
        // crossterm drops bold and reverse under NO_COLOR; the mono theme needs them.
        crossterm::style::force_color_output(true);
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave();
        previous(info);
        // A half-working console is worse than none: stop here.
        std::process::exit(101);
    }));
    enable_raw_mode().map_err(|e| Error::io("cannot set up the terminal", e))?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(
        stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide
    )
    .map_err(|e| Error::io("cannot set up the terminal", e))?;
    Terminal::new(CrosstermBackend::new(stdout()))
        .map_err(|e| Error::io("cannot set up the terminal", e))
}

pub fn leave() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = execute!(
            stdout(),
            DisableBracketedPaste,
            LeaveAlternateScreen,
            cursor::Show
        );
        let _ = disable_raw_mode();
    }
}
