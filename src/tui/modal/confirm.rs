//! Yes or no, before something that cannot be undone (or loses unsaved typing).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::i18n::{Txt, messages};
use crate::model::{Filter, MailAction, MailId};
use crate::queue::Breakdown;
use crate::tui::app::{App, Pane};
use crate::tui::keys::{Action, Scope, key_for};
use crate::tui::widgets::chrome::centered;

/// Where to go once the user agreed to leave unsaved changes behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leave {
    To(Pane),
    Quit,
}

/// What the question is about; the answer yes carries it back to the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    /// A destructive queue action on exactly these mails.
    Mails {
        action: MailAction,
        ids: Vec<MailId>,
    },
    /// An action on every mail matching a filter (`shown` as typed), as the breakdown
    /// read before found them.
    Bulk {
        action: MailAction,
        filter: Filter,
        shown: String,
        breakdown: Breakdown,
    },
    /// Send sent or cancelled mails again: (id, recipients) of each, to name them.
    Resend {
        ids: Vec<MailId>,
        mails: Vec<(MailId, String)>,
    },
    /// Leave a pane (or quit) with unsaved changes.
    Leave(Leave),
    DeleteCompany {
        index: usize,
        name: String,
    },
    DeleteApiSystem {
        index: usize,
        name: String,
    },
    Anonymize {
        days: u32,
        count: i64,
    },
    /// A yes/no setting saved at once (Tools): `key` of the tab's document set to `on`.
    Switch {
        key: &'static str,
        label: Txt,
        on: bool,
    },
}

impl Ask {
    fn question(&self, app: &App) -> String {
        let lang = app.lang;
        match self {
            Ask::Mails { action, ids } => {
                messages::confirm_action(messages::verb(*action).t(lang), ids, lang)
            }
            Ask::Resend { mails, .. } => messages::resend_question(mails, lang),
            Ask::Bulk {
                action,
                shown,
                breakdown,
                ..
            } => messages::bulk_question(*action, shown, breakdown, lang),
            Ask::Leave(_) => Txt::LeaveUnsaved.t(lang).to_string(),
            Ask::DeleteCompany { name, index } | Ask::DeleteApiSystem { name, index } => {
                messages::delete_question(name, index + 1, lang)
            }
            Ask::Anonymize { days, count } => messages::anonymize_question(*count, *days, lang),
            Ask::Switch { label, on, .. } => messages::switch_question(label.t(lang), *on, lang),
        }
    }

    fn width(&self) -> u16 {
        match self {
            Ask::Mails { .. } => 56,
            Ask::Resend { .. } | Ask::Bulk { .. } => 70,
            Ask::Leave(_) => 72,
            _ => 66,
        }
    }
}

pub fn draw(f: &mut Frame, app: &App, area: Rect, ask: &Ask) {
    let lang = app.lang;
    let choice = match ask {
        // Three ways out: save first, leave without saving, stay.
        Ask::Leave(_) => Line::styled(
            crate::tui::keys::choices(Scope::Leave, lang),
            app.theme.accent(),
        ),
        Ask::Bulk { .. } => Line::styled(
            crate::tui::keys::choices(Scope::Bulk, lang),
            app.theme.accent(),
        ),
        _ => Line::from(vec![
            Span::styled(key_for(Scope::Confirm, Action::Yes), app.theme.accent()),
            Span::raw(format!(" {}   ", Txt::Yes.t(lang))),
            Span::styled(key_for(Scope::Confirm, Action::No), app.theme.accent()),
            Span::raw(format!(" {}", Txt::No.t(lang))),
        ]),
    };
    yes_no(f, app, area, ask.width(), ask.question(app), choice);
}

/// A question with its keys (`y yes   n/Esc no`) under it.
fn yes_no(
    f: &mut Frame,
    app: &App,
    area: Rect,
    width: u16,
    question: String,
    choice: Line<'static>,
) {
    let lang = app.lang;
    // The question wraps inside the borders; two more rows for the choice.
    let text_rows = question
        .chars()
        .count()
        .div_ceil(usize::from(width.saturating_sub(4)).max(1));
    let choice_rows = choice
        .width()
        .div_ceil(usize::from(width.saturating_sub(4)).max(1));
    let text = vec![Line::from(question), Line::from(""), choice];
    let r = centered(area, width, (text_rows + choice_rows) as u16 + 3);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: true }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(Txt::ConfirmTitle.t(lang))
                .border_style(app.theme.warn()),
        ),
        r,
    );
}
