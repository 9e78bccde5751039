//! Drawing the settings panes after Mail server and their dialogs: pure functions of
//! the `App`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use super::app::{App, Pane};
use super::keys::{Action, Scope, key_for};
use super::settings_panes::{TabEditor, item_text, template_name};

use crate::i18n::{Txt, messages};
use crate::settings::TemplateKey;

pub fn pane(f: &mut Frame, app: &App, area: Rect) {
    let s = &app.settings;
    match app.pane {
        Pane::Templates => templates(f, app, area),
        Pane::ApiAuth => form_pane(f, app, area, &s.api_auth, Txt::TabApiAuth, &[]),
        Pane::Domain => form_pane(f, app, area, &s.domain, Txt::TabDomain, &[]),
        Pane::Tools => tools(f, app, area),
        Pane::Erp => erp(f, app, area),
        Pane::ApiSystems => api_systems(f, app, area),
        Pane::Storage => storage(f, app, area),
        Pane::MailServer | Pane::Queue | Pane::WorkLog => {}
    }
}

/// The pane's title with the unsaved marker and the stored version.
fn title_line(app: &App, editor: &TabEditor, title: &str) -> Line<'static> {
    let mut spans = vec![Span::styled(title.to_string(), app.theme.title())];
    if editor.dirty() {
        spans.push(Span::styled(
            format!("  ● {}", Txt::Unsaved.t(app.lang)),
            app.theme.warn(),
        ));
    }
    if editor.version > 0 {
        spans.push(Span::styled(
            format!("  v{}", editor.version),
            app.theme.muted(),
        ));
    }
    Line::from(spans)
}

/// A form with a title and notes under it.
fn form_pane(f: &mut Frame, app: &App, area: Rect, editor: &TabEditor, title: Txt, notes: &[Line]) {
    let lang = app.lang;
    let rows = editor
        .form
        .fields
        .iter()
        .filter(|fl| !editor.form.hidden.contains(fl.key))
        .map(|fl| fl.height())
        .sum::<u16>();
    let [t, form, rest] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(rows.min(area.height.saturating_sub(3))),
        Constraint::Min(1),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(title_line(app, editor, title.t(lang))), t);
    let w = editor.form.label_width(lang, form.width * 3 / 5);
    editor.form.draw(f, form, &app.theme, lang, w);
    let mut lines = vec![Line::from("")];
    lines.extend(notes.iter().cloned());
    if editor.form.fields.iter().any(|fl| fl.warning.is_some()) {
        lines.push(Line::styled(
            format!(
                "⚠ {}",
                messages::spaces_warning(key_for(Scope::ApiAuth, Action::Trim), lang)
            ),
            app.theme.warn(),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), rest);
}

fn templates(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let e = &app.settings.templates;
    let [t, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    f.render_widget(
        Paragraph::new(title_line(app, e, Txt::TabTemplates.t(lang))),
        t,
    );
    let [left, right] =
        Layout::horizontal([Constraint::Length(32), Constraint::Min(40)]).areas(rest);
    let key = e.template_key();
    let mut lines: Vec<Line> = TemplateKey::ALL
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let text = format!(" {}", template_name(*k).t(lang));
            if i == e.selected {
                Line::styled(text, app.theme.selection())
            } else {
                Line::styled(text, app.theme.base())
            }
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::styled(
        format!(" {} (m)", Txt::Masks.t(lang)),
        app.theme.title(),
    ));
    lines.extend(
        key.masks()
            .iter()
            .map(|m| Line::styled(format!("  {{{m}}}"), app.theme.accent())),
    );
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::RIGHT)),
        left,
    );
    let rows: u16 = e.form.fields.iter().map(|fl| fl.height()).sum();
    let [form, preview] =
        Layout::vertical([Constraint::Length(rows), Constraint::Min(3)]).areas(right);
    let w = e.form.label_width(lang, form.width / 3);
    e.form.draw(f, form, &app.theme, lang, w);
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Txt::Preview.t(lang));
    let text = match app.settings.preview() {
        Ok(r) => {
            let mut l = vec![Line::styled(r.subject, app.theme.accent())];
            l.extend(r.body.lines().map(|x| Line::from(x.to_string())));
            l
        }
        Err(problems) => problems
            .into_iter()
            .map(|p| {
                let text = if p.starts_with('{') {
                    format!("✗ {}: {p}", Txt::UnknownMask.t(lang))
                } else {
                    format!("✗ {p}")
                };
                Line::styled(text, app.theme.error())
            })
            .collect(),
    };
    f.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
        preview,
    );
}

fn tools(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let e = &app.settings.tools;
    let mut notes = vec![
        Line::styled(
            messages::anonymize_hint(key_for(Scope::Tools, Action::Anonymize), lang),
            app.theme.muted(),
        ),
        Line::from(""),
    ];
    if app.config.permissions_section {
        let on = e.working["verify_document_permissions"]
            .as_bool()
            .unwrap_or(false);
        notes.push(Line::styled(Txt::SecPermissions.t(lang), app.theme.title()));
        notes.push(Line::from(vec![
            Span::raw(format!("  {}: ", Txt::FVerifyPermissions.t(lang))),
            Span::styled(
                if on {
                    Txt::Yes.t(lang)
                } else {
                    Txt::No.t(lang)
                },
                app.theme.accent(),
            ),
            Span::styled("   (p)", app.theme.muted()),
        ]));
        notes.push(Line::from(""));
    }
    let enforced = e.working["enforce_two_step_verification"]
        .as_bool()
        .unwrap_or(false);
    notes.push(Line::styled(Txt::SecTwoStep.t(lang), app.theme.title()));
    notes.push(Line::styled(
        format!(
            "  {}",
            if enforced {
                Txt::TwoStepOn.t(lang)
            } else {
                Txt::TwoStepOff.t(lang)
            }
        ),
        app.theme.base(),
    ));
    notes.push(Line::from(vec![
        Span::styled("  v ", app.theme.accent()),
        Span::styled(
            if enforced {
                Txt::DisableTwoStep.t(lang)
            } else {
                Txt::EnableTwoStep.t(lang)
            },
            app.theme.accent(),
        ),
    ]));
    let [t, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    f.render_widget(Paragraph::new(title_line(app, e, Txt::TabTools.t(lang))), t);
    form_pane(f, app, rest, e, Txt::SecPersonalData, &notes);
}

fn erp(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let s = &app.settings;
    let e = &s.erp;
    let [t, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let mut title = title_line(app, e, Txt::TabErp.t(lang));
    title.spans.push(Span::styled(
        format!(
            "   {}: {}",
            Txt::KsefMode.t(lang),
            app.config.ksef_mode_name()
        ),
        app.theme.accent(),
    ));
    f.render_widget(Paragraph::new(title), t);
    let [left, right] =
        Layout::horizontal([Constraint::Length(26), Constraint::Min(40)]).areas(rest);
    let lines: Vec<Line> = e
        .items()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = match item_text(c, "company_name") {
                "" => Txt::NewCompany.t(lang),
                n => n,
            };
            let text = format!(" {:<6}{name}", item_text(c, "abbreviation"));
            if i == e.selected {
                Line::styled(text, app.theme.selection())
            } else {
                Line::styled(text, app.theme.base())
            }
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::RIGHT)),
        left,
    );
    if e.is_empty() {
        f.render_widget(
            Paragraph::new(format!(
                " {}",
                messages::no_companies(key_for(Scope::Erp, Action::Add), lang)
            ))
            .style(app.theme.muted()),
            right,
        );
        return;
    }
    let [form, notes] = Layout::vertical([Constraint::Min(4), Constraint::Length(3)]).areas(right);
    let w = e.form.label_width(lang, form.width * 9 / 20);
    e.form.draw(f, form, &app.theme, lang, w);
    let (key_text, key_bad) = s.key_state(lang);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!(" {}: ", Txt::FPrivateKey.t(lang)),
            app.theme.muted(),
        ),
        Span::styled(
            key_text,
            if key_bad {
                app.theme.error()
            } else {
                app.theme.accent()
            },
        ),
        Span::styled(
            format!(
                "  ({}/{}/{})",
                key_for(Scope::Erp, Action::LoadKey),
                key_for(Scope::Erp, Action::RemoveKey),
                key_for(Scope::Erp, Action::WriteKey)
            ),
            app.theme.muted(),
        ),
    ])];
    if e.form.fields.iter().any(|fl| fl.warning.is_some()) {
        lines.push(Line::styled(
            format!(
                " ⚠ {}",
                messages::spaces_warning(key_for(Scope::Erp, Action::Trim), lang)
            ),
            app.theme.warn(),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), notes);
}

fn api_systems(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let e = &app.settings.api_systems;
    let [t, rest] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
    f.render_widget(
        Paragraph::new(title_line(app, e, Txt::TabApiSystems.t(lang))),
        t,
    );
    if e.is_empty() {
        f.render_widget(
            Paragraph::new(messages::no_api_systems(
                key_for(Scope::ApiSystems, Action::Add),
                lang,
            ))
            .style(app.theme.muted()),
            rest,
        );
        return;
    }
    let header = Row::new([Txt::ColName, Txt::ColUuid].map(|t| Cell::from(t.t(lang))))
        .style(app.theme.title());
    let rows = e.items().iter().enumerate().map(|(i, it)| {
        let row = Row::new(vec![
            Cell::from(item_text(it, "name").to_string()),
            Cell::from(item_text(it, "id").to_string()),
        ]);
        if i == e.selected {
            row.style(app.theme.selection())
        } else {
            row
        }
    });
    f.render_widget(
        Table::new(rows, [Constraint::Fill(1), Constraint::Length(38)])
            .header(header)
            .column_spacing(2),
        rest,
    );
}

fn storage(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let e = &app.settings.storage;
    let doc = &e.working;
    let mut lines = vec![title_line(app, e, Txt::TabStorage.t(lang)), Line::from("")];
    let sections = app.config.storage_sections();
    if sections.is_empty() {
        lines.push(Line::styled(Txt::StorageOff.t(lang), app.theme.muted()));
    }
    for (title, operator, ibard) in sections {
        lines.push(Line::styled(title.t(lang), app.theme.title()));
        if operator {
            let login = item_text(doc, "default_repository_operator");
            let shown = if login.is_empty() {
                Txt::NoneChosen.t(lang).to_string()
            } else {
                app.settings
                    .operators
                    .iter()
                    .flatten()
                    .find(|o| o.login == login)
                    .map(|o| format!("{} ({login})", o.name))
                    .unwrap_or_else(|| login.to_string())
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {}: ", Txt::FDefaultOperator.t(lang)),
                    app.theme.muted(),
                ),
                Span::styled(shown, app.theme.accent()),
                Span::styled("   (o/x)", app.theme.muted()),
            ]));
        }
        if ibard {
            let user = item_text(doc, "ibard_logged_in_user");
            lines.push(if user.is_empty() {
                Line::styled(format!("  {}", Txt::NotLoggedIn.t(lang)), app.theme.warn())
            } else {
                Line::styled(
                    format!("  {} {user}", Txt::LoggedInUser.t(lang)),
                    app.theme.ok(),
                )
            });
            lines.push(Line::styled(
                format!("  {}   (i/L)", Txt::IbardAuth.t(lang)),
                app.theme.muted(),
            ));
            lines.push(Line::styled(
                format!("  {}", Txt::IbardFolders.t(lang)),
                app.theme.muted(),
            ));
            lines.push(Line::styled(
                format!("  {}", Txt::IbardNote.t(lang)),
                app.theme.muted(),
            ));
        }
        lines.push(Line::from(""));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
