//! The keys of the pane in view, then the ones that work everywhere, from the key table;
//! scrolled when the screen is too short for all of them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::i18n::Txt;
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, reached_from, shown_offered};
use crate::tui::widgets::chrome::centered;
use crate::tui::widgets::scroll::Scroll;

const WIDTH: u16 = 60;

/// The open help: where it is scrolled to, and how far it can go.
#[derive(Debug, Clone, Copy, Default)]
pub struct Help {
    pub scroll: Scroll,
    pub max: u16,
    pub page: u16,
}

impl Help {
    pub fn open(app: &App) -> Help {
        let page = room(app.height);
        Help {
            scroll: Scroll::default(),
            max: (lines(app).len() as u16).saturating_sub(page),
            page,
        }
    }

    /// A scrolling key scrolls; any other key closes.
    pub fn key(mut self, action: Option<Action>) -> Option<Help> {
        let a = action?;
        (a != Action::Back && self.scroll.act(a, self.max, self.page)).then_some(self)
    }
}

/// Rows inside the popup on a screen this tall.
fn room(height: u16) -> u16 {
    height.saturating_sub(2).max(1)
}

fn lines(app: &App) -> Vec<Line<'static>> {
    let lang = app.lang;
    let mut lines = Vec::new();
    let here = app.scope();
    let sections = std::iter::once((Txt::KeysPane, here))
        .chain(reached_from(here).iter().copied())
        .chain(std::iter::once((Txt::KeysGlobal, Scope::Global)));
    for (title, scope) in sections {
        lines.push(Line::styled(title.t(lang), app.theme.title()));
        for (keys, label) in shown_offered(scope, false, &|a| app.offers(a)) {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<10}", crate::tui::keys::written(keys, lang)),
                    app.theme.accent(),
                ),
                Span::raw(label.t(lang)),
            ]));
        }
        if scope == Scope::Global {
            break;
        }
        // The filter language beside the queue's keys: what `/` takes.
        if scope == here && matches!(here, Scope::Queue | Scope::Search) {
            lines.push(Line::styled(Txt::FilterHelp.t(lang), app.theme.title()));
            for (terms, what) in FILTER_TERMS {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {terms:<27}"), app.theme.accent()),
                    Span::raw(what.t(lang)),
                ]));
            }
        }
    }
    lines
}

/// The filter language in a few lines: terms as typed, and what they are.
const FILTER_TERMS: [(&str, Txt); 8] = [
    ("status:failed,held", Txt::FhStatus),
    ("to: cc: from: subject:", Txt::FhText),
    ("error: error=\"…\" code:5xx", Txt::FhError),
    ("domain:onet.pl id:1..9", Txt::FhDomain),
    ("attempts>3 size>5MB", Txt::FhNumbers),
    ("has:attachment has:error", Txt::FhHas),
    ("age>2h created<2026-11-30", Txt::FhTimes),
    ("-term \"a b\"", Txt::FhNot),
];

pub fn draw(f: &mut Frame, app: &App, area: Rect, help: &Help) {
    let lang = app.lang;
    let lines = lines(app);
    let total = lines.len() as u16;
    let r = centered(area, WIDTH, (total + 2).min(area.height));
    let inner = r.height.saturating_sub(2);
    let max = total.saturating_sub(inner);
    let at = help.scroll.at(max);
    // Where the list goes on past the popup, the title says how to get there.
    let title = if max > 0 {
        format!(
            "{} ({}-{}/{total}, ↑↓ PgUp/PgDn)",
            Txt::HelpTitle.t(lang),
            at + 1,
            (at + inner).min(total)
        )
    } else {
        Txt::HelpTitle.t(lang).to_string()
    };
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines)
            .scroll((at, 0))
            .block(Block::default().borders(Borders::ALL).title(title)),
        r,
    );
}
