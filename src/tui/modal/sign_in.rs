//! The Microsoft 365 sign-in: where to go and the code, the QR code where there is
//! room, then the outcome. Esc stops a sign-in under way; once it is over any key closes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{Modal, Reply};
use crate::i18n::{Txt, messages};
use crate::time::{Millis, format_age};
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, key_for};
use crate::tui::widgets::chrome::centered;

#[derive(Debug, Clone, PartialEq)]
pub enum SignIn {
    Starting,
    Code {
        uri: String,
        code: String,
        qr: Vec<String>,
        expires_at: Millis,
    },
    Done {
        login: String,
        result: Result<(), String>,
    },
}

impl SignIn {
    pub fn key(self, action: Option<Action>) -> Reply {
        match (&self, action) {
            (SignIn::Done { .. }, _) => Reply::Closed,
            (_, Some(Action::CancelSignIn)) => Reply::CancelSignIn,
            _ => Reply::Open(Modal::SignIn(self)),
        }
    }

    pub fn draw(&self, f: &mut Frame, app: &App, area: Rect) {
        let lang = app.lang;
        let mut lines = Vec::new();
        match self {
            SignIn::Starting => {
                lines.push(Line::styled(Txt::SignInStarting.t(lang), app.theme.muted()));
            }
            SignIn::Code {
                uri,
                code,
                qr,
                expires_at,
            } => {
                lines.push(Line::from(vec![
                    Span::raw(format!("{} ", Txt::SignInOpen.t(lang))),
                    Span::styled(uri.clone(), app.theme.accent()),
                ]));
                lines.push(Line::from(vec![
                    Span::raw(format!("{} ", Txt::SignInEnter.t(lang))),
                    Span::styled(code.clone(), app.theme.title()),
                ]));
                if area.height as usize >= qr.len() + 10 {
                    lines.push(Line::from(""));
                    lines.extend(qr.iter().map(|l| Line::from(l.clone())));
                }
                lines.push(Line::from(""));
                lines.push(Line::styled(
                    format!(
                        "{}  ({} {})",
                        messages::sign_in_waiting(
                            key_for(Scope::SignIn, Action::CancelSignIn),
                            lang
                        ),
                        Txt::CodeExpiresIn.t(lang),
                        format_age((*expires_at - app.now).max(0))
                    ),
                    app.theme.muted(),
                ));
            }
            SignIn::Done { login, result } => {
                lines.push(match result {
                    Ok(()) => Line::styled(
                        format!("{} {login}", Txt::LoggedInUser.t(lang)),
                        app.theme.ok(),
                    ),
                    Err(why) => Line::styled(
                        format!("{} {login}: {why}", Txt::CouldNotLogIn.t(lang)),
                        app.theme.error(),
                    ),
                });
                lines.push(Line::from(""));
                lines.push(Line::styled(Txt::AnyKeyCloses.t(lang), app.theme.muted()));
            }
        }
        let r = centered(area, 72, (lines.len() as u16 + 4).min(area.height));
        f.render_widget(Clear, r);
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(Txt::SignInTitle.t(lang))
                    .border_style(app.theme.accent()),
            ),
            r,
        );
    }
}
