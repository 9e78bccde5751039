//! Drawing: a pure function of the `App`. Nothing here reads the database or the clock.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::widgets::{Paragraph, Wrap};

use super::app::{App, MIN_HEIGHT, MIN_WIDTH, Pane};
use super::panes;
use super::widgets::chrome;
use crate::i18n::Txt;

pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = Paragraph::new(format!(
            "{}\n{}x{}",
            Txt::TooSmall.t(app.lang),
            area.width,
            area.height
        ))
        .style(app.theme.warn())
        .wrap(Wrap { trim: true });
        f.render_widget(msg, area);
        return;
    }
    let [top, header, body, status, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(chrome::status_rows(app, area.width)),
        Constraint::Length(1),
    ])
    .areas(area);
    chrome::tabs(f, app, top);
    chrome::overview(f, app, header);
    match app.pane {
        Pane::Queue => panes::queue::draw(f, app, body),
        Pane::WorkLog => panes::work_log::draw(f, app, body),
        Pane::MailServer => panes::mail_server::draw(f, app, body),
        _ => panes::settings::draw(f, app, body),
    }
    chrome::status_line(f, app, status);
    chrome::bottom_line(f, app, bottom);
    if let Some(m) = &app.modal {
        m.draw(f, app, area);
    }
}
