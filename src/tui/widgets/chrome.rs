//! What frames every pane: the tab line, the header with the queue's figures and the
//! senders, the status line with the keys of the pane in view, and centring popups.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use crate::i18n::Txt;
use crate::time::format_age;
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, global_hint, shown};

pub fn tabs(f: &mut Frame, app: &App, area: Rect) {
    let mut spans = vec![
        Span::styled(
            format!(" {} ", Txt::AppTitle.t(app.lang)),
            app.theme.title(),
        ),
        Span::raw("│"),
    ];
    // Every pane's number and name; where that does not fit, the other panes' names
    // shortened as far as needed, at last to their numbers alone.
    let labels = |room: Option<usize>| -> Vec<Span<'static>> {
        app.panes
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let chosen = *p == app.pane;
                let name = p.title().t(app.lang);
                let label = match room {
                    _ if chosen => format!(" {} {name} ", i + 1),
                    None => format!(" {} {name} ", i + 1),
                    Some(0) => format!(" {} ", i + 1),
                    Some(n) if name.chars().count() > n => {
                        let short: String = name.chars().take(n).collect();
                        format!(" {} {}… ", i + 1, short.trim_end())
                    }
                    Some(_) => format!(" {} {name} ", i + 1),
                };
                let style = if chosen {
                    app.theme.selection()
                } else {
                    app.theme.base()
                };
                Span::styled(label, style)
            })
            .collect()
    };
    let fixed: usize = spans
        .iter()
        .map(|s| s.content.chars().count())
        .sum::<usize>()
        + Txt::Help.t(app.lang).chars().count()
        + 3;
    let width = |l: &[Span]| fixed + l.iter().map(|s| s.content.chars().count()).sum::<usize>();
    let mut names = labels(None);
    if width(&names) > area.width as usize {
        names = (3..=12)
            .rev()
            .map(|n| labels(Some(n)))
            .find(|l| width(l) <= area.width as usize)
            .unwrap_or_else(|| labels(Some(0)));
    }
    spans.extend(names);
    let right = format!("? {} ", Txt::Help.t(app.lang));
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let pad = (area.width as usize).saturating_sub(used + right.chars().count());
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(Span::styled(right, app.theme.muted()));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn overview(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let o = &app.overview;
    let [line1, line2] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);

    let mut s = vec![Span::styled(
        format!("{}: ", Txt::Senders.t(lang)),
        app.theme.muted(),
    )];
    let alive: Vec<_> = o.senders.iter().filter(|r| r.is_alive(app.now)).collect();
    if o.paused {
        s.push(Span::styled(
            format!("{} ", Txt::SenderPaused.t(lang)),
            app.theme.warn(),
        ));
    }
    if let Some(e) = &app.embedded_sender {
        s.push(Span::styled(format!("{e} "), app.theme.ok()));
    }
    if alive.is_empty() {
        s.push(Span::styled(Txt::NoSender.t(lang), app.theme.warn()));
    } else {
        for r in alive.iter().take(3) {
            s.push(Span::styled(format!("{} ", r.id), app.theme.ok()));
            s.push(Span::styled(
                format!(
                    "({} {}) ",
                    Txt::Heartbeat.t(lang),
                    format_age(app.now - r.heartbeat_at)
                ),
                app.theme.muted(),
            ));
        }
        if alive.len() > 3 {
            s.push(Span::raw(format!("+{}", alive.len() - 3)));
        }
    }
    // Senders on the left of the first line, the sends-per-minute graph on its right;
    // the second line has the whole width for the queue's figures.
    let [senders, right] =
        Layout::horizontal([Constraint::Min(30), Constraint::Length(36)]).areas(line1);
    f.render_widget(Paragraph::new(Line::from(s)), senders);
    let left = line2;
    let mut l = Vec::new();
    if let Some(t) = o.oldest_pending {
        l.push(Span::styled(
            format!("{} ", Txt::OldestPending.t(lang)),
            app.theme.muted(),
        ));
        l.push(Span::styled(
            format!("{}  ", format_age(app.now - t)),
            app.theme.accent(),
        ));
    }
    if let Some(t) = o.last_delivery {
        l.push(Span::styled(
            format!("{} ", Txt::LastDelivery.t(lang)),
            app.theme.muted(),
        ));
        l.push(Span::styled(
            format!("{}  ", format_age(app.now - t)),
            app.theme.ok(),
        ));
    }
    if o.failure_streak > 0 {
        l.push(Span::styled(
            format!("{} {}", Txt::FailureStreak.t(lang), o.failure_streak),
            app.theme.error(),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(l)), left);
    let [label, spark] =
        Layout::horizontal([Constraint::Length(14), Constraint::Min(10)]).areas(right);
    let per_min = o.sent_per_minute.last().copied().unwrap_or(0);
    f.render_widget(
        Paragraph::new(format!("{} {per_min}", Txt::PerMinute.t(lang))).style(app.theme.muted()),
        label,
    );
    f.render_widget(
        Sparkline::default()
            .data(&o.sent_per_minute)
            .style(app.theme.accent()),
        spark,
    );
}

pub fn bottom_line(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    if let Some(input) = &app.queue.search_input {
        let line = Line::from(vec![
            Span::styled(format!("{}: /", Txt::Search.t(lang)), app.theme.accent()),
            Span::raw(input.clone()),
            Span::styled("▏", app.theme.accent()),
        ]);
        f.render_widget(Paragraph::new(line), area);
        return;
    }
    if let Some((is_error, text)) = &app.status {
        let style = if *is_error {
            app.theme.error()
        } else {
            app.theme.ok()
        };
        let [msg, hints_area] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Min(10)]).areas(area);
        f.render_widget(Paragraph::new(text.as_str()).style(style), msg);
        hints(f, app, hints_area);
        return;
    }
    hints(f, app, area);
}

/// The pane's keys on the left, `? help` and `q quit` always on the right.
fn hints(f: &mut Frame, app: &App, area: Rect) {
    // Help and quit on the right, where their keys do that here (they are text while
    // typing into a form, and `q` leaves a mail's details).
    let scope = app.scope();
    let pinned: Vec<(&str, Txt)> = if scope.is_typing() {
        Vec::new()
    } else {
        [(Action::Help, Txt::KHelp), (Action::Quit, Txt::KQuit)]
            .into_iter()
            .filter_map(|(a, label)| global_hint(scope, a).map(|k| (k, label)))
            .collect()
    };
    let render = |list: &[(&'static str, Txt)]| -> Vec<Span<'static>> {
        list.iter()
            .flat_map(|(keys, label)| {
                [
                    Span::styled(*keys, app.theme.accent()),
                    Span::styled(format!(" {}  ", label.t(app.lang)), app.theme.muted()),
                ]
            })
            .collect()
    };
    let right = render(&pinned);
    let right_width: usize = right.iter().map(|s| s.content.chars().count()).sum();
    let mut left_list: Vec<(&'static str, Txt)> = Vec::new();
    let scopes: &[Scope] = if app.scope().is_typing() {
        &[app.scope()]
    } else {
        &[app.scope(), Scope::Global]
    };
    for scope in scopes.iter().copied() {
        for item in shown(scope, true) {
            // Help and quit are only ever on the right (or, shadowed, not at all).
            let on_right = matches!(item.1, Txt::KHelp | Txt::KQuit);
            if !on_right && !left_list.contains(&item) {
                left_list.push(item);
            }
        }
    }
    let budget = (area.width as usize).saturating_sub(right_width);
    let mut left = Vec::new();
    let mut used = 0;
    for item in left_list {
        let spans = render(&[item]);
        let w: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        // One that does not fit leaves room for shorter ones after it.
        if used + w > budget {
            continue;
        }
        used += w;
        left.extend(spans);
    }
    left.push(Span::raw(" ".repeat(budget - used)));
    left.extend(right);
    f.render_widget(Paragraph::new(Line::from(left)), area);
}

pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
