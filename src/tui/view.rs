//! Drawing: a pure function of the `App`. Nothing here reads the database or the clock.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Sparkline, Table, Wrap};

use super::app::{App, FILTERS, MIN_HEIGHT, MIN_WIDTH, Pane, filter_label};
use super::keys::{Action, Scope, key_for, shown};
use crate::i18n::Txt;
use crate::i18n::messages;
use crate::queue::{MailStatus, QueueShape};
use crate::time::{format_age, format_rfc3339};
use crate::worklog::Level;

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
    let [top, header, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    tabs(f, app, top);
    overview(f, app, header);
    match app.pane {
        Pane::Queue if app.queue.detail.is_some() => detail(f, app, body),
        Pane::Queue if app.queue.show_shape => shape(f, app, body),
        Pane::Queue => queue(f, app, body),
        Pane::WorkLog => worklog(f, app, body),
        Pane::MailServer => mail_server(f, app, body),
        _ => super::settings_view::pane(f, app, body),
    }
    bottom_line(f, app, bottom);
    if let Some(m) = &app.modal {
        m.draw(f, app, area);
    }
}

fn mail_server(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let m = &app.mail;
    let wide = area.width >= 120;
    let [title, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let mut spans = vec![Span::styled(
        if m.in_test && !wide {
            Txt::SecTest.t(lang)
        } else {
            Txt::SecAccount.t(lang)
        },
        app.theme.title(),
    )];
    if m.dirty() {
        spans.push(Span::styled(
            format!("  ● {}", Txt::Unsaved.t(lang)),
            app.theme.warn(),
        ));
    }
    if m.version > 0 {
        spans.push(Span::styled(format!("  v{}", m.version), app.theme.muted()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), title);

    let (form_area, side) = if wide {
        let [a, b] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(rest);
        (a, Some(b))
    } else {
        (rest, None)
    };
    let notes_height = 3;
    let [form_rows, notes] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(notes_height)]).areas(form_area);
    if m.in_test && !wide {
        let w = m.test.label_width(lang, form_rows.width / 2);
        test_section(f, app, form_rows, w);
    } else {
        let w = m.account.label_width(lang, form_rows.width * 9 / 20);
        m.account.draw(f, form_rows, &app.theme, lang, w);
    }
    account_notes(f, app, notes);
    if let Some(side) = side {
        let [t, s] = Layout::vertical([Constraint::Length(10), Constraint::Min(3)]).areas(side);
        let block = Block::default()
            .borders(Borders::LEFT | Borders::TOP)
            .title(Txt::SecTest.t(lang));
        let inner = block.inner(t);
        f.render_widget(block, t);
        let w = m.test.label_width(lang, inner.width / 2);
        test_section(f, app, inner, w);
        let block = Block::default()
            .borders(Borders::LEFT | Borders::TOP)
            .title(Txt::SecCheck.t(lang));
        let inner = block.inner(s);
        f.render_widget(block, s);
        check_lines(f, app, inner);
    } else if m.checking || m.check.is_some() {
        // Narrow: the check replaces the notes under the form.
        check_lines(f, app, notes);
    }
}

fn test_section(f: &mut Frame, app: &App, area: Rect, label_width: u16) {
    let m = &app.mail;
    let [rows, outcome] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    m.test.draw(f, rows, &app.theme, app.lang, label_width);
    if let Some((id, o)) = &m.test_mail {
        let (style, text) = match o {
            super::mail_server::TestOutcome::Waiting => (
                app.theme.muted(),
                format!("#{id}: {}", Txt::Waiting.t(app.lang)),
            ),
            super::mail_server::TestOutcome::Delivered(r) => (
                app.theme.ok(),
                format!("#{id}: {} ({r})", Txt::Delivered.t(app.lang)),
            ),
            super::mail_server::TestOutcome::NotDelivered(e) => (
                app.theme.error(),
                format!("#{id}: {}: {e}", Txt::NotDelivered.t(app.lang)),
            ),
        };
        f.render_widget(Paragraph::new(text).style(style), outcome);
    }
}

fn account_notes(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let m = &app.mail;
    let mut lines = Vec::new();
    if let Some(i) = m.preset_hint
        && let Some(p) = super::mail_server::PRESETS.get(i)
    {
        lines.push(Line::styled(
            format!(
                "{}: {}",
                p.name,
                if lang == crate::i18n::Lang::Pl {
                    p.hint_pl
                } else {
                    p.hint_en
                }
            ),
            app.theme.accent(),
        ));
    }
    let sendmail = m.account.value("send_with") == "sendmail";
    let oauth = m.account.value("auth_method") == "oauth2";
    if sendmail {
        let step = m
            .check
            .as_ref()
            .and_then(|c| c.steps.iter().find(|s| s.name == "sendmail"));
        match step {
            Some(s) if s.state == crate::sender::check::StepState::Ok => lines.push(Line::styled(
                format!(
                    "{}: {}",
                    Txt::ProfileExists.t(lang),
                    m.account.value("sendmail_path")
                ),
                app.theme.ok(),
            )),
            Some(s) => lines.push(Line::styled(s.detail.clone(), app.theme.error())),
            None => {}
        }
    }
    if sendmail && oauth {
        lines.push(Line::styled(
            Txt::HintSendmailOauth.t(lang),
            app.theme.warn(),
        ));
    } else if oauth {
        if m.account.value("server_name").contains("gmail") {
            lines.push(Line::styled(Txt::HintGoogle.t(lang), app.theme.warn()));
        }
        lines.push(match &m.sign_in_status {
            Some(s) if s.refresh_error.is_some() => Line::styled(
                format!(
                    "{}: {} (a)",
                    Txt::SignInNeeded.t(lang),
                    s.refresh_error.as_deref().unwrap_or_default()
                ),
                app.theme.error(),
            ),
            Some(s) => Line::styled(
                format!(
                    "{} {}, {} {}",
                    Txt::LoggedInUser.t(lang),
                    s.login,
                    Txt::TokenValidUntil.t(lang),
                    format_rfc3339(s.access_token_expires_at)
                ),
                app.theme.ok(),
            ),
            None => Line::styled(
                messages::not_signed_in_yet(key_for(Scope::MailServer, Action::Authorize), lang),
                app.theme.warn(),
            ),
        });
        lines.push(Line::styled(
            messages::sign_in_hint(key_for(Scope::MailServer, Action::Authorize), lang),
            app.theme.muted(),
        ));
    } else if !sendmail {
        lines.push(Line::styled(
            format!("{} {}", Txt::HintEncryption.t(lang), Txt::HintPorts.t(lang)),
            app.theme.muted(),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

fn check_lines(f: &mut Frame, app: &App, area: Rect) {
    let m = &app.mail;
    let mut lines = Vec::new();
    if m.checking {
        // Steps done so far, then the one running.
        let n = m.check_progress.len();
        for (i, step) in m.check_progress.iter().enumerate() {
            let (mark, style) = if i + 1 == n {
                ("…", app.theme.accent())
            } else {
                ("ok", app.theme.ok())
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{mark:<3}"), style),
                Span::styled(format!("{step:<9}"), app.theme.accent()),
            ]));
        }
        lines.push(Line::styled(Txt::Checking.t(app.lang), app.theme.muted()));
    }
    if let Some(report) = &m.check {
        for step in &report.steps {
            let (mark, style) = match step.state {
                crate::sender::check::StepState::Ok => ("ok", app.theme.ok()),
                crate::sender::check::StepState::Warning => ("!", app.theme.warn()),
                crate::sender::check::StepState::Failed => ("✗", app.theme.error()),
                crate::sender::check::StepState::Skipped => ("-", app.theme.muted()),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{mark:<3}"), style),
                Span::styled(format!("{:<9}", step.name), app.theme.accent()),
                Span::raw(step.detail.replace('\n', " ")),
            ]));
            if let Some(h) = &step.hint {
                lines.push(Line::styled(format!("   {h}"), app.theme.warn()));
            }
        }
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

fn tabs(f: &mut Frame, app: &App, area: Rect) {
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

fn overview(f: &mut Frame, app: &App, area: Rect) {
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

fn status_text(app: &App, status: MailStatus, held: bool) -> (String, Style) {
    let (txt, style) = match (status, held) {
        (MailStatus::Pending, true) => (Txt::Held, app.theme.warn()),
        (MailStatus::Pending, false) => (Txt::Pending, app.theme.accent()),
        (MailStatus::Sending, _) => (Txt::Sending, app.theme.accent()),
        (MailStatus::Sent, _) => (Txt::Sent, app.theme.ok()),
        (MailStatus::Failed, _) => (Txt::Failed, app.theme.error()),
        (MailStatus::Cancelled, _) => (Txt::Cancelled, app.theme.muted()),
    };
    (txt.t(app.lang).to_string(), style)
}

fn size_text(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", b / 1024),
        b => format!("{:.1} MB", b as f64 / 1_048_576.0),
    }
}

fn queue(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let [filters, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    // Every filter with its count; where that does not fit, counts only on the chosen one.
    let strip = |all_counts: bool| -> Vec<Span<'static>> {
        FILTERS
            .iter()
            .map(|flt| {
                let chosen = *flt == app.queue.filter;
                let label = if all_counts || chosen {
                    format!(
                        " {} {} ",
                        filter_label(*flt).t(lang),
                        app.overview.counts.get(*flt)
                    )
                } else {
                    format!(" {} ", filter_label(*flt).t(lang))
                };
                Span::styled(
                    label,
                    if chosen {
                        app.theme.selection()
                    } else {
                        app.theme.muted()
                    },
                )
            })
            .collect()
    };
    let mut spans = strip(true);
    if spans
        .iter()
        .map(|s| s.content.chars().count())
        .sum::<usize>()
        > filters.width as usize
    {
        spans = strip(false);
    }
    if let Some(s) = &app.queue.search {
        spans.push(Span::styled(format!(" /{s}"), app.theme.accent()));
    }
    if app.queue.oldest_first {
        spans.push(Span::styled(
            format!(" ↑ {}", Txt::OldestFirst.t(lang)),
            app.theme.accent(),
        ));
    }
    if app.queue.frozen {
        spans.push(Span::styled(
            format!(
                " {} ({} {})",
                Txt::Frozen.t(lang),
                app.queue.new_since_frozen,
                Txt::NewSinceFrozen.t(lang)
            ),
            app.theme.warn(),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), filters);

    if app.queue.rows.is_empty() {
        let text = if app.queue.loading {
            Txt::Loading
        } else {
            Txt::NoMails
        };
        f.render_widget(
            Paragraph::new(text.t(lang)).style(app.theme.muted()),
            table_area,
        );
        return;
    }
    let header = Row::new(
        [
            Txt::ColId,
            Txt::ColStatus,
            Txt::ColTries,
            Txt::ColAge,
            Txt::ColNext,
            Txt::ColTo,
            Txt::ColSubject,
            Txt::ColSize,
        ]
        .map(|t| Cell::from(t.t(lang))),
    )
    .style(app.theme.title());
    // Only the rows that fit are built: the page may hold more.
    let height = table_area.height.saturating_sub(1) as usize;
    let first = app.queue.selected.saturating_sub(height.saturating_sub(1));
    let rows = app
        .queue
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, r)| {
            let (status, status_style) = status_text(app, r.status, r.held);
            let next = if r.status == MailStatus::Pending && !r.held {
                if r.next_attempt_at <= app.now {
                    Txt::Now.t(lang).to_string()
                } else {
                    format_age(r.next_attempt_at - app.now)
                }
            } else {
                "-".into()
            };
            let mark = if app.queue.marked.contains(&r.id) {
                "●"
            } else {
                " "
            };
            let row = Row::new(vec![
                Cell::from(format!("{mark}{}", r.id)),
                Cell::from(status).style(status_style),
                Cell::from(r.attempts.to_string()),
                Cell::from(format_age(app.now - r.created_at)),
                Cell::from(next),
                Cell::from(r.to.clone()),
                // A row another program wrote badly: shown lossily, and said so.
                Cell::from(if r.damaged.is_empty() {
                    r.subject.clone()
                } else {
                    format!("⚠ {}", r.subject)
                }),
                Cell::from(format!(
                    "{}{}",
                    size_text(r.size),
                    if r.attachment_count > 0 {
                        format!(" +{}", r.attachment_count)
                    } else {
                        String::new()
                    }
                )),
            ]);
            if i == app.queue.selected {
                row.style(app.theme.selection())
            } else {
                row
            }
        });
    let widths = [
        Constraint::Length(8),
        Constraint::Length(10),
        Constraint::Length(5),
        Constraint::Length(4),
        Constraint::Length(8),
        Constraint::Fill(2),
        Constraint::Fill(3),
        Constraint::Length(8),
    ];
    f.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        table_area,
    );
}

fn detail(f: &mut Frame, app: &App, area: Rect) {
    let Some(d) = &app.queue.detail else { return };
    let lang = app.lang;
    let m = &d.mail;
    let (status, style) = status_text(app, m.status, m.held);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("#{}  ", m.id), app.theme.title()),
            Span::styled(status, style),
            Span::raw(format!("  {} {}", Txt::ColTries.t(lang), m.attempts)),
        ]),
        Line::from(format!(
            "From:     {}",
            m.from_address.as_deref().unwrap_or("(mail account)")
        )),
        Line::from(format!("To:       {}", m.to)),
    ];
    if !m.cc.is_empty() {
        lines.push(Line::from(format!("Cc:       {}", m.cc)));
    }
    if !m.bcc.is_empty() {
        lines.push(Line::from(format!("Bcc:      {}", m.bcc)));
    }
    lines.push(Line::from(format!("Subject:  {}", m.subject)));
    if !m.damaged.is_empty() {
        lines.push(Line::styled(
            format!("⚠ {}", m.damaged.join("; ")),
            app.theme.error(),
        ));
    }
    lines.push(Line::from(format!(
        "Created:  {}",
        format_rfc3339(m.created_at)
    )));
    if let (Some(at), Some(by)) = (m.sent_at, &m.sent_by) {
        lines.push(Line::from(format!(
            "Sent:     {} by {by}",
            format_rfc3339(at)
        )));
    }
    if let Some(id) = &m.message_id {
        lines.push(Line::from(format!("Message-ID: {id}")));
    }
    if let Some(e) = &m.last_error {
        lines.push(Line::styled(
            format!("{}: {e}", Txt::Error.t(lang)),
            app.theme.error(),
        ));
    }
    if !d.attachments.is_empty() {
        lines.push(Line::styled(Txt::Attachments.t(lang), app.theme.title()));
        for a in &d.attachments {
            lines.push(Line::from(format!(
                "  {}  {}  {}",
                a.file_name,
                a.content_type,
                size_text(a.size)
            )));
        }
    }
    if !d.log.is_empty() {
        lines.push(Line::styled(Txt::History.t(lang), app.theme.title()));
        for e in &d.log {
            let style = match e.level {
                Level::Error => app.theme.error(),
                Level::Warn => app.theme.warn(),
                Level::Info => app.theme.base(),
            };
            let detail = e
                .detail
                .as_deref()
                .map(|d| format!(" — {d}"))
                .unwrap_or_default();
            lines.push(Line::styled(
                format!("  {}  {}{detail}", format_rfc3339(e.time), e.message),
                style,
            ));
        }
    }
    lines.push(Line::styled(Txt::Body.t(lang), app.theme.title()));
    lines.extend(m.body_text.lines().map(|l| Line::from(format!("  {l}"))));
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::TOP)),
        area,
    );
}

fn shape(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let Some(s) = &app.queue.shape else {
        f.render_widget(
            Paragraph::new(Txt::Loading.t(lang)).style(app.theme.muted()),
            area,
        );
        return;
    };
    let table = shape_table(app, s);
    f.render_widget(
        table.block(
            Block::default()
                .borders(Borders::TOP)
                .title(Txt::QueueShape.t(lang)),
        ),
        area,
    );
}

fn shape_table<'a>(app: &App, s: &'a QueueShape) -> Table<'a> {
    let mut header = vec![Cell::from(Txt::Domain.t(app.lang)), Cell::from("T")];
    header.extend(s.buckets.iter().map(|b| Cell::from(b.as_str())));
    let rows = std::iter::once(&s.total).chain(s.rows.iter()).map(|r| {
        let mut cells = vec![
            Cell::from(if r.domain == "TOTAL" {
                Txt::Total.t(app.lang).to_string()
            } else {
                r.domain.clone()
            }),
            Cell::from(r.total.to_string()),
        ];
        cells.extend(r.counts.iter().map(|n| Cell::from(n.to_string())));
        Row::new(cells)
    });
    let mut widths = vec![Constraint::Min(16), Constraint::Length(6)];
    widths.extend(s.buckets.iter().map(|_| Constraint::Length(5)));
    Table::new(rows, widths).header(Row::new(header).style(app.theme.title()))
}

fn worklog(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let [filters, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let level = app
        .log
        .min_level
        .map(|l| format!("{l}+"))
        .unwrap_or_else(|| Txt::All.t(lang).to_string());
    let mut spans = vec![
        Span::styled(
            format!(" {}: ", Txt::LevelFilter.t(lang)),
            app.theme.muted(),
        ),
        Span::styled(level, app.theme.accent()),
    ];
    if let Some(m) = app.log.mail {
        spans.push(Span::styled(
            format!("  {}: #{m}", Txt::MailFilter.t(lang)),
            app.theme.accent(),
        ));
    }
    if app.log.follow {
        spans.push(Span::styled(
            format!("  {}", Txt::Follow.t(lang)),
            app.theme.ok(),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), filters);
    if app.log.entries.is_empty() {
        f.render_widget(
            Paragraph::new(Txt::NoEntries.t(lang)).style(app.theme.muted()),
            table_area,
        );
        return;
    }
    let header = Row::new(
        [
            Txt::ColTime,
            Txt::ColLevel,
            Txt::ColSource,
            Txt::ColMail,
            Txt::ColMessage,
        ]
        .map(|t| Cell::from(t.t(lang))),
    )
    .style(app.theme.title());
    let height = table_area.height.saturating_sub(1) as usize;
    let first = app.log.selected.saturating_sub(height.saturating_sub(1));
    let rows = app
        .log
        .entries
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, e)| {
            let style = match e.level {
                Level::Error => app.theme.error(),
                Level::Warn => app.theme.warn(),
                Level::Info => app.theme.base(),
            };
            let msg = match &e.detail {
                Some(d) => format!("{} — {d}", e.message),
                None => e.message.clone(),
            };
            let row = Row::new(vec![
                Cell::from(format_age(app.now - e.time)),
                Cell::from(e.level.to_string()).style(style),
                Cell::from(e.source.clone()),
                Cell::from(e.mail_id.map(|m| m.to_string()).unwrap_or_default()),
                Cell::from(msg),
            ]);
            if i == app.log.selected {
                row.style(app.theme.selection())
            } else {
                row
            }
        });
    let widths = [
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Min(20),
    ];
    f.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        table_area,
    );
}

fn bottom_line(f: &mut Frame, app: &App, area: Rect) {
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
    // `?` and `q` are text while typing into a form.
    let pinned: Vec<(&str, Txt)> = if app.scope().is_typing() {
        Vec::new()
    } else {
        vec![("?", Txt::KHelp), ("q", Txt::KQuit)]
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
            if !pinned.iter().any(|p| p.1 == item.1) && !left_list.contains(&item) {
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

pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
