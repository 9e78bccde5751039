//! What frames every pane: the tab line, the header with the queue's figures and the
//! senders, the status line with the keys of the pane in view, and centring popups.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use crate::i18n::{Txt, messages};
use crate::model::{RegisteredSender, SenderState};
use crate::time::format_age;
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, global_hint, shown_offered};

pub fn tabs(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let room = area.width as usize;
    let brand = vec![
        Span::styled(format!(" {} ", Txt::AppTitle.t(lang)), app.theme.title()),
        Span::raw("│"),
    ];
    let help = format!("? {} ", Txt::Help.t(lang));
    let width = |spans: &[Span]| {
        spans
            .iter()
            .map(|s| s.content.chars().count())
            .sum::<usize>()
    };
    // Every pane by its name; else the others by their short names; else (without the
    // title and the help key, which the key line shows) every short name, the longest
    // others shortened first, at last the others by their numbers alone.
    let names = |short: bool, chosen_short: bool| -> Vec<String> {
        app.panes
            .iter()
            .map(|p| {
                if !short || (*p == app.pane && !chosen_short) {
                    p.title().t(lang).to_string()
                } else {
                    p.short_title().t(lang).to_string()
                }
            })
            .collect()
    };
    let labels = |names: &[String]| -> Vec<Span<'static>> {
        names
            .iter()
            .zip(&app.panes)
            .enumerate()
            .map(|(i, (name, p))| {
                let style = if *p == app.pane {
                    app.theme.selection()
                } else {
                    app.theme.base()
                };
                let label = if name.is_empty() {
                    format!(" {} ", i + 1)
                } else {
                    format!(" {} {name} ", i + 1)
                };
                Span::styled(label, style)
            })
            .collect()
    };
    let framed = |tabs: Vec<Span<'static>>| -> Option<Vec<Span<'static>>> {
        let mut spans = brand.clone();
        spans.extend(tabs);
        (width(&spans) + help.chars().count() <= room).then_some(spans)
    };
    let chosen = app.panes.iter().position(|p| *p == app.pane);
    let mut spans = framed(labels(&names(false, false)))
        .or_else(|| framed(labels(&names(true, false))))
        .unwrap_or_else(|| {
            let mut short = names(true, true);
            loop {
                let tabs = labels(&short);
                if width(&tabs) <= room {
                    return tabs;
                }
                // Shorten the longest other name by one letter (marked with `…`).
                let longest = short
                    .iter()
                    .enumerate()
                    .filter(|(i, n)| Some(*i) != chosen && !n.is_empty())
                    .max_by_key(|(_, n)| n.chars().count())
                    .map(|(i, _)| i);
                let Some(i) = longest else { return tabs };
                let n = short[i].trim_end_matches('…').chars().count();
                short[i] = if n <= 2 {
                    String::new()
                } else {
                    let kept: String = short[i].chars().take(n - 1).collect();
                    format!("{}…", kept.trim_end())
                };
            }
        });
    let used = width(&spans);
    if used + help.chars().count() <= room {
        spans.push(Span::raw(" ".repeat(room - used - help.chars().count())));
        spans.push(Span::styled(help, app.theme.muted()));
    }
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
    if let Some(e) = &app.embedded_sender {
        s.push(Span::styled(format!("{e} "), app.theme.warn()));
    }
    // Every sender heard from in the last hour, with what it is doing; a stale one
    // (two heartbeats missed) is marked, not dropped.
    let shown: Vec<_> = o
        .senders
        .iter()
        .filter(|r| app.now - r.heartbeat_at < RegisteredSender::SHOWN_WITHIN_MS)
        .collect();
    if crate::tui::why::working(o, app.now).next().is_none() && shown.is_empty() {
        s.push(Span::styled(Txt::NoSender.t(lang), app.theme.warn()));
    }
    // Each sender whole or not at all: those that do not fit are counted, never cut.
    let mut items: Vec<Vec<Span<'static>>> = Vec::new();
    for r in shown.iter() {
        let name = if r.id.starts_with(crate::sender::CONSOLE_SENDER_PREFIX) {
            if r.pid == app.own_pid {
                Txt::ThisConsole.t(lang).to_string()
            } else {
                format!("console@{}", r.host)
            }
        } else {
            r.id.clone()
        };
        let age = format_age(app.now - r.heartbeat_at);
        if r.is_stale(app.now) {
            items.push(vec![Span::styled(
                format!("✗ {name} {} {age} ", Txt::StateStale.t(lang)),
                app.theme.error(),
            )]);
            continue;
        }
        let (word, style) = match &r.state {
            None | Some(SenderState::Ready) => (Txt::StateSends, app.theme.ok()),
            Some(SenderState::Yielding { .. }) => (Txt::StateWaits, app.theme.muted()),
            Some(SenderState::Paused) => (Txt::StatePaused, app.theme.warn()),
            Some(SenderState::Disabled) => (Txt::StateOff, app.theme.warn()),
            Some(SenderState::ServerDown { .. }) => (Txt::StateNoServer, app.theme.error()),
            Some(SenderState::SignIn { .. }) => (Txt::StateSignIn, app.theme.error()),
        };
        items.push(vec![
            Span::styled(format!("{name} "), style),
            Span::styled(format!("{} ({age}) ", word.t(lang)), app.theme.muted()),
        ]);
    }
    // Senders on the left of the first line, the sends-per-minute graph on its right;
    // the second line has the whole width for the queue's figures.
    let [senders, right] =
        Layout::horizontal([Constraint::Min(30), Constraint::Length(36)]).areas(line1);
    let width = |spans: &[Span]| {
        spans
            .iter()
            .map(|s| s.content.chars().count())
            .sum::<usize>()
    };
    let room = senders.width as usize;
    let total = items.len();
    let mut placed = 0;
    for item in items {
        let more = total - placed - 1;
        let tail = if more > 0 {
            format!("+{more}").len()
        } else {
            0
        };
        if width(&s) + width(&item) + tail > room {
            break;
        }
        s.extend(item);
        placed += 1;
    }
    if placed < total {
        s.push(Span::raw(format!("+{}", total - placed)));
    }
    f.render_widget(Paragraph::new(Line::from(s)), senders);
    let left = line2;
    if let Some(b) = crate::tui::why::blocker(o, app.now) {
        f.render_widget(
            Paragraph::new(super::table::fit(
                &crate::tui::why::header_text(&b, app),
                left.width,
            ))
            .style(app.theme.error()),
            left,
        );
    } else {
        figures(f, app, left);
    }
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

/// The queue's figures: the oldest pending mail, the last delivery, failures since.
fn figures(f: &mut Frame, app: &App, left: Rect) {
    let lang = app.lang;
    let o = &app.overview;
    let mut l = Vec::new();
    // Deferred destinations first, until each rule's end (not the next reload).
    let deferred: Vec<(String, String)> = o
        .deferrals
        .iter()
        .filter(|r| r.until > app.now)
        .map(|r| (r.domain.clone(), app.clock.hm(r.until)))
        .collect();
    if !deferred.is_empty() {
        l.push(Span::styled(
            format!("{}  ", messages::deferred_banner(&deferred, lang)),
            app.theme.warn(),
        ));
    }
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
    f.render_widget(
        Paragraph::new(Line::from(super::table::fit_spans(l, left.width))),
        left,
    );
}

pub fn bottom_line(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    if let Some(input) = &app.queue.search_input {
        let label = search_label(lang);
        // What Tab could not choose between, else the keys.
        let hint = if app.queue.completions.is_empty() {
            format!(
                "  Tab {}  Enter {}  Esc {}",
                Txt::KCompleteTerm.t(lang),
                Txt::KKeepSearch.t(lang),
                Txt::KClearSearch.t(lang)
            )
        } else {
            format!("  {}", app.queue.completions.join(" "))
        };
        let label_w = label.chars().count() as u16;
        // The text first: the keys give way when it needs their room. A column stays
        // free at the right edge, as the key line leaves.
        let text_w = input.text().chars().count() as u16 + 2;
        let hint_w = (hint.chars().count() as u16 + 1).min(area.width.saturating_sub(label_w + 10));
        let hint_w = if label_w + text_w + hint_w > area.width {
            0
        } else {
            hint_w
        };
        let [l, text, h] = Layout::horizontal([
            Constraint::Length(label_w),
            Constraint::Min(10),
            Constraint::Length(hint_w),
        ])
        .areas(area);
        f.render_widget(Paragraph::new(label).style(app.theme.accent()), l);
        f.render_widget(input.widget(), text);
        f.render_widget(Paragraph::new(hint).style(app.theme.muted()), h);
        return;
    }
    hints(f, app, area);
}

/// The last outcome, wrapped in full (at most `STATUS_ROWS` rows); while a search that
/// does not parse is typed, what is wrong with it, with a `^` over where.
fn status_paragraph(app: &App) -> Option<Paragraph<'static>> {
    if app.queue.search_input.is_some()
        && let Some(e) = &app.queue.search_error
    {
        let lang = app.lang;
        let column = search_label(lang).chars().count() + e.at;
        let mut lines = vec![Line::from(messages::filter_error(e, lang))];
        // A `^` only where the text stands unscrolled above the mark.
        let typed = app
            .queue
            .search_input
            .as_ref()
            .map_or(0, |i| i.text().chars().count());
        if search_label(lang).chars().count() + typed + 2 < usize::from(app.width) {
            lines.push(Line::from(format!("{}^", " ".repeat(column))));
        }
        return Some(
            Paragraph::new(lines)
                .style(app.theme.error())
                .wrap(ratatui::widgets::Wrap { trim: false }),
        );
    }
    let (is_error, text) = app.status.as_ref()?;
    let style = if *is_error {
        app.theme.error()
    } else {
        app.theme.ok()
    };
    Some(
        Paragraph::new(text.clone())
            .style(style)
            .wrap(ratatui::widgets::Wrap { trim: true }),
    )
}

fn search_label(lang: crate::i18n::Lang) -> String {
    format!("{}: /", Txt::Search.t(lang))
}

/// Rows the status needs at this width (0 without one).
pub fn status_rows(app: &App, width: u16) -> u16 {
    status_paragraph(app).map_or(0, |p| {
        p.line_count(width.max(1)).clamp(1, STATUS_ROWS) as u16
    })
}

const STATUS_ROWS: usize = 3;

pub fn status_line(f: &mut Frame, app: &App, area: Rect) {
    if let Some(p) = status_paragraph(app) {
        f.render_widget(p, area);
    }
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
                    Span::styled(
                        crate::tui::keys::written(keys, app.lang),
                        app.theme.accent(),
                    ),
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
        for item in shown_offered(scope, true, &|a| app.applies_now(a)) {
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
