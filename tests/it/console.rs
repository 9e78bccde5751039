//! The console's screens, drawn by the real `draw` into a TestBackend and compared
//! with reviewed snapshots, at 80x24 and 120x40, in English and Polish.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dmsctl::config::KsefWorkMode;
use dmsctl::i18n::Lang;
use dmsctl::i18n::Txt;
use dmsctl::model::RegisteredSender;
use dmsctl::queue::{
    AttachmentInfo, Mail, MailDetail, MailStatus, MailSummary, QueueCounts, QueueShape, ShapeRow,
};
use dmsctl::settings::{FieldError, MASK, Problem, Tab};
use dmsctl::tui::app::App;
use dmsctl::tui::msg::{Msg, Overview};
use dmsctl::tui::panes::PaneConfig;
use dmsctl::tui::theme::Theme;
use dmsctl::tui::view::draw;
use dmsctl::worklog::{Level, LogEntry};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

const NOW: i64 = 1_790_000_000_000;

fn summary(
    id: i64,
    status: MailStatus,
    held: bool,
    to: &str,
    subject: &str,
    age_s: i64,
) -> MailSummary {
    MailSummary {
        id,
        status,
        held,
        priority: 0,
        to: to.into(),
        subject: subject.into(),
        attempts: if status == MailStatus::Failed { 3 } else { 0 },
        created_at: NOW - age_s * 1000,
        next_attempt_at: NOW
            + if status == MailStatus::Pending {
                0
            } else {
                300_000
            },
        sent_at: None,
        last_error: None,
        claimed_by: None,
        lease_until: None,
        size: 5_300,
        attachment_count: i64::from(id % 2 == 0),
        damaged: Vec::new(),
    }
}

fn entry(
    id: i64,
    level: Level,
    mail: Option<i64>,
    message: &str,
    detail: Option<&str>,
    age_s: i64,
) -> LogEntry {
    LogEntry {
        id,
        time: NOW - age_s * 1000,
        level,
        source: "sender".into(),
        mail_id: mail,
        message: message.into(),
        detail: detail.map(str::to_string),
    }
}

/// A console with a realistic queue, as the executor would have filled it.
fn app(lang: Lang) -> App {
    let mut a = App::new(lang, Theme::default(), NOW);
    a.start();
    let q = a.queue_query();
    a.update(Msg::QueueLoaded {
        query: q,
        rows: vec![
            summary(
                1042,
                MailStatus::Pending,
                false,
                "jan.kowalski@firma.pl",
                "Dokument FV/17/2026 czeka na akceptację",
                40,
            ),
            summary(
                1041,
                MailStatus::Pending,
                true,
                "anna@firma.pl",
                "Przypomnienie: zaległe dokumenty",
                300,
            ),
            summary(
                1040,
                MailStatus::Failed,
                false,
                "nobody@nieistnieje.pl",
                "Zażółć gęślą jaźń",
                7200,
            ),
            summary(
                1039,
                MailStatus::Sent,
                false,
                "biuro@firma.pl",
                "Raport dzienny",
                86_400,
            ),
        ],
        above: 0,
        matched: None,
    });
    a.update(Msg::Overview(Overview {
        counts: QueueCounts {
            pending: 1,
            held: 1,
            sending: 0,
            sent: 1,
            failed: 1,
            cancelled: 0,
        },
        senders: vec![RegisteredSender {
            id: "dms-app01:4121".into(),
            host: "dms-app01".into(),
            pid: 4121,
            started_at: NOW - 3_600_000,
            heartbeat_at: NOW - 2_000,
            paused: false,
            state: Some(dmsctl::model::SenderState::Ready),
        }],
        control: Default::default(),
        deferrals: Vec::new(),
        sending_enabled: Some(true),
        oldest_pending: Some(NOW - 300_000),
        sent_per_minute: vec![0, 1, 3, 2, 5, 8, 4, 0, 0, 2],
        last_delivery: Some(NOW - 60_000),
        failure_streak: 1,
        stale_noted: 0,
    }));
    a.update(Msg::LogLoaded {
        filter: a.log_filter(),
        entries: vec![
            entry(9, Level::Info, Some(1039), "delivered", Some("250 2.0.0 Ok: queued as 4F2"), 60),
            entry(8, Level::Error, Some(1040), "RCPT TO nobody@nieistnieje.pl: 550 5.1.1 User unknown", Some("550 5.1.1 User unknown — the recipient's address is wrong or the mailbox does not exist"), 7100),
            entry(7, Level::Warn, None, "sending is disabled in the Mail server tab; mails stay pending", None, 7300),
        ],
    });
    a
}

fn render(app: &mut App, width: u16, height: u16) -> String {
    app.update(Msg::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..height {
        let line: String = (0..width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn key(a: &mut App, c: KeyCode) {
    a.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)));
}

fn detail(a: &mut App) {
    a.update(Msg::DetailLoaded(Box::new(MailDetail {
        mail: Mail {
            id: 1040,
            status: MailStatus::Failed,
            held: false,
            priority: 0,
            from_address: None,
            display_name: None,
            to: "nobody@nieistnieje.pl".into(),
            cc: String::new(),
            bcc: String::new(),
            reply_to: None,
            subject: "Zażółć gęślą jaźń".into(),
            body_text: "Dzień dobry,\nw załączniku faktura.".into(),
            body_html: None,
            created_at: NOW - 7_200_000,
            next_attempt_at: NOW,
            queued_at: NOW - 7_200_000,
            attempts: 3,
            last_error: Some("RCPT TO nobody@nieistnieje.pl: 550 5.1.1 User unknown".into()),
            claimed_by: None,
            lease_until: None,
            sent_at: None,
            message_id: None,
            smtp_reply: None,
            sent_by: None,
            damaged: Vec::new(),
        },
        attachments: vec![AttachmentInfo {
            id: 1,
            file_name: "faktura_żółć.pdf".into(),
            content_type: "application/pdf".into(),
            size: 48_213,
        }],
        log: vec![entry(
            8,
            Level::Error,
            Some(1040),
            "RCPT TO nobody@nieistnieje.pl: 550 5.1.1 User unknown",
            None,
            7100,
        )],
    })));
}

/// The Mail server pane on Microsoft 365, its Authorize dialog showing the code, then
/// (with `done`) the outcome.
/// The error groups of a bad morning.
fn error_groups(a: &mut App) {
    use dmsctl::model::ErrorGroup;
    use dmsctl::model::error_group::{fingerprint, group_term};
    key(a, KeyCode::Char('E'));
    let now = a.now;
    let g = |example: &str, failed: i64, deferred: i64, domains: &[(&str, i64)], ago: i64| {
        let print = fingerprint(example);
        ErrorGroup {
            filter: group_term(&print),
            code: dmsctl::model::error_group::codes(&print).0,
            status: dmsctl::model::error_group::codes(&print).1,
            fingerprint: print,
            mails: failed + deferred,
            failed,
            deferred,
            first_seen: Some(now - ago * 10),
            last_seen: Some(now - ago),
            top_domains: domains.iter().map(|(d, n)| (d.to_string(), *n)).collect(),
            example_id: 1040,
            example: example.into(),
        }
    };
    a.update(Msg::ErrorGroupsLoaded(vec![
        g(
            "RCPT TO nobody@nieistnieje.pl: 550 5.1.1 <nobody@nieistnieje.pl>: Recipient address rejected: User unknown",
            131,
            0,
            &[("nieistnieje.pl", 100), ("onet.pl", 31)],
            120_000,
        ),
        g(
            "RCPT TO ewa@gmail.com: 451 4.7.1 <ewa@gmail.com>: Greylisted for 300 seconds",
            0,
            12,
            &[("gmail.com", 12)],
            30_000,
        ),
        g("AUTH: 535 5.7.8 authentication failed", 0, 4, &[("firma.pl", 4)], 600_000),
    ]));
}

/// The question before holding every pending mail to two domains.
fn bulk_confirm(a: &mut App) {
    use dmsctl::queue::{Breakdown, Filter, MailAction};
    key(a, KeyCode::Char('/'));
    for c in "domain:onet.pl".chars() {
        key(a, KeyCode::Char(c));
    }
    key(a, KeyCode::Enter);
    a.update(Msg::BreakdownLoaded {
        action: MailAction::Hold,
        filter: Filter::parse("domain:onet.pl").unwrap(),
        breakdown: Breakdown {
            matched: 1_312,
            applicable: 1_180,
            by_status: vec![
                ("pending".into(), 1_180),
                ("failed".into(), 131),
                ("held".into(), 1),
            ],
            not_applicable: vec![("failed".into(), 131), ("held".into(), 1)],
            top_domains: vec![("onet.pl".into(), 1_312), ("wp.pl".into(), 12)],
            newest: Some(1042),
        },
    });
}

fn sign_in(a: &mut App, done: Option<Result<(), String>>) {
    let doc = serde_json::to_value(dmsctl::settings::MailServerSettings {
        enabled: true,
        from_address: "dms@firma.onmicrosoft.com".into(),
        login: "dms@firma.onmicrosoft.com".into(),
        server_name: "smtp.office365.com".into(),
        port: 587,
        encryption: dmsctl::settings::Encryption::Starttls,
        auth_method: dmsctl::settings::AuthMethod::Oauth2,
        ..Default::default()
    })
    .unwrap();
    a.update(Msg::SettingsLoaded {
        tab: Tab::MailServer,
        doc,
        version: 4,
    });
    key(a, KeyCode::Char('1'));
    key(a, KeyCode::Char('a'));
    a.update(Msg::SignInCode {
        uri: "https://microsoft.com/devicelogin".into(),
        code: "DMS-4242".into(),
        qr: dmsctl::oauth::qr::lines("https://microsoft.com/devicelogin").unwrap(),
        expires_in: std::time::Duration::from_secs(900),
    });
    if let Some(result) = done {
        a.update(Msg::SignInDone {
            login: "dms@firma.onmicrosoft.com".into(),
            result,
        });
    }
}

fn settings_doc(tab: dmsctl::settings::Tab, doc: serde_json::Value, a: &mut App) {
    a.update(Msg::SettingsLoaded {
        tab,
        doc,
        version: 3,
    });
}

fn configured(a: &mut App, config: PaneConfig) {
    let app = std::mem::replace(a, App::new(Lang::En, Theme::default(), NOW));
    *a = app.with_config(config);
}

fn pane(a: &mut App, title: Txt) {
    let i = a.panes.iter().position(|p| p.title() == title).unwrap();
    let digit = char::from_digit(i as u32 + 1, 10).unwrap();
    key(a, KeyCode::Char(digit));
}

fn templates(a: &mut App) {
    // What each deployment stores: the texts in its language.
    let doc = match a.lang {
        Lang::Pl => serde_json::to_value(dmsctl::settings::TemplatesSettings::polish()).unwrap(),
        Lang::En => Tab::Templates.default_json(),
    };
    settings_doc(Tab::Templates, doc, a);
    pane(a, Txt::TabTemplates);
    key(a, KeyCode::Down);
    key(a, KeyCode::Down);
}

/// A typo in a mask: the preview names it.
fn templates_typo(a: &mut App) {
    templates(a);
    key(a, KeyCode::Enter);
    key(a, KeyCode::Down);
    for c in " {DocumentNumer}".chars() {
        key(a, KeyCode::Char(c));
    }
}

fn api_auth(a: &mut App) {
    settings_doc(
        Tab::ApiAuth,
        json!({"company_name": "Firma Sp. z o.o. ", "login": "admin", "password": MASK}),
        a,
    );
    pane(a, Txt::TabApiAuth);
}

fn erp_config() -> PaneConfig {
    PaneConfig {
        multi_company: true,
        ksef_work_mode: KsefWorkMode::Test,
        ..PaneConfig::default()
    }
}

fn erp(a: &mut App) {
    configured(a, erp_config());
    let company = |id: &str, name: &str, abbr: &str, nip: &str, key: &str| {
        let mut c = serde_json::to_value(dmsctl::settings::ErpCompany {
            id: id.into(),
            company_name: name.into(),
            abbreviation: abbr.into(),
            nip: nip.into(),
            erp_system: dmsctl::settings::ErpSystem::Optima,
            display_name: format!("{name} (Optima)"),
            login: "operator ".into(),
            ..Default::default()
        })
        .unwrap();
        c["private_key"] = json!(key);
        c
    };
    settings_doc(
        Tab::Erp,
        json!({"companies": [
            company("6f9619ff-8b86-4d11-b42d-00c04fc964ff", "Alfa Sp. z o.o.", "ALFA", "526-000-12-46", MASK),
            company("7f9619ff-8b86-4d11-b42d-00c04fc964ff", "Beta S.A.", "BETA", "", ""),
        ]}),
        a,
    );
    a.update(Msg::KeyInfos(
        [(
            "6f9619ff-8b86-4d11-b42d-00c04fc964ff".to_string(),
            Ok(dmsctl::settings::KeyInfo {
                kind: "RSA 2048 (PKCS#1)".into(),
                fingerprint: "SHA256:ZW2xLyCHYfRQUGPsQW+f2whgo4z5Lc2iHOdfOAK7UDo".into(),
            }),
        )]
        .into_iter()
        .collect(),
    ));
    pane(a, Txt::TabErp);
}

fn erp_invalid(a: &mut App) {
    erp(a);
    key(a, KeyCode::Char('a'));
    a.update(Msg::SettingsInvalid {
        tab: Tab::Erp,
        errors: vec![
            FieldError::problem("erp.companies[2].company_name", Problem::Required),
            FieldError::problem(
                "erp.companies[2].nip",
                Problem::NipChecksum("5260001241".into()),
            ),
        ],
    });
}

fn domain(a: &mut App) {
    settings_doc(
        Tab::Domain,
        json!({"use_domain": true, "domain_name": "firma.local", "group": ""}),
        a,
    );
    pane(a, Txt::TabDomain);
}

fn tools(a: &mut App) {
    configured(
        a,
        PaneConfig {
            permissions_section: true,
            ..PaneConfig::default()
        },
    );
    settings_doc(
        Tab::Tools,
        json!({"anonymize_after_days": 180, "enforce_two_step_verification": true, "verify_document_permissions": false}),
        a,
    );
    pane(a, Txt::TabTools);
}

fn api_systems(a: &mut App) {
    settings_doc(
        Tab::ApiSystems,
        json!({"systems": [
            {"id": "6d1f7c53-2b0e-4c51-9a53-0f3c6b1e8a01", "name": "Comarch HRM"},
            {"id": "0b6e2f1a-9d3c-4e57-8a21-3f4c5d6e7f80", "name": "Portal B2B"},
        ]}),
        a,
    );
    pane(a, Txt::TabApiSystems);
}

fn storage(a: &mut App) {
    configured(
        a,
        PaneConfig {
            use_repository: true,
            workflow_ibard: true,
            ..PaneConfig::default()
        },
    );
    settings_doc(
        Tab::Storage,
        json!({"default_repository_operator": "anowak", "ibard_login": "dms@firma.pl", "ibard_password": MASK, "ibard_logged_in_user": "dms@firma.pl"}),
        a,
    );
    a.update(Msg::OperatorsLoaded(vec![
        dmsctl::model::Operator {
            login: "anowak".into(),
            name: "Anna Nowak".into(),
        },
        dmsctl::model::Operator {
            login: "jkowalski".into(),
            name: "Jan Kowalski".into(),
        },
    ]));
    pane(a, Txt::TabStorage);
}

/// Every sender waits for a mail server that refuses connections.
fn server_down(a: &mut App) {
    a.overview.senders[0].state = Some(dmsctl::model::SenderState::ServerDown {
        trouble: dmsctl::model::ServerTrouble::Unreachable,
        since: NOW - 300_000,
        reply: "connection refused (os error 111)".into(),
        next_try: NOW + 240_000,
    });
}

/// Sending paused by an admin ten minutes ago.
fn paused(a: &mut App) {
    a.overview.control.paused = true;
    a.overview.control.paused_by = Some("jkowalski@dms-app01".into());
    a.overview.control.paused_at = Some(NOW - 600_000);
    a.overview.senders[0].state = Some(dmsctl::model::SenderState::Paused);
}

/// The only sender was killed while sending mail 1042: stale, its claim comes back.
fn stale(a: &mut App) {
    a.overview.senders[0].heartbeat_at = NOW - 25_000;
    let q = a.queue_query();
    let mut sending = summary(
        1043,
        MailStatus::Sending,
        false,
        "jan.kowalski@firma.pl",
        "Zaległa faktura",
        30,
    );
    sending.claimed_by = Some("dms-app01:4121".into());
    sending.lease_until = Some(NOW + 95_000);
    let mut rows = a.queue.rows.clone();
    rows.insert(0, sending);
    a.update(Msg::QueueLoaded {
        query: q,
        rows,
        above: 0,
        matched: None,
    });
}

/// The connection check's five steps, the last refused with a hint.
fn checked(a: &mut App) {
    use dmsctl::sender::check::{CheckReport, Step, StepState};
    use dmsctl::sender::failure::Hint;
    mail_server(a);
    // Details as the check words them.
    let step = |name, state, detail: &str, hint: Option<Hint>| Step {
        name,
        state,
        detail: detail.into(),
        hint,
    };
    a.update(Msg::CheckDone(CheckReport {
        steps: vec![
            step("dns", StepState::Ok, "smtp.firma.pl -> 192.0.2.10", None),
            step(
                "tcp",
                StepState::Ok,
                "connected to smtp.firma.pl:587",
                None,
            ),
            step(
                "starttls",
                StepState::Ok,
                "certificate CN=smtp.firma.pl issued by CN=Firma CA, valid until Feb 20 12:00:00 2027 +00:00 (80 days left)",
                None,
            ),
            step(
                "ehlo",
                StepState::Ok,
                "smtp.firma.pl: 8BITMIME SMTPUTF8 AUTH PLAIN LOGIN",
                None,
            ),
            step(
                "auth",
                StepState::Failed,
                "535 5.7.8 authentication failed",
                Some(Hint::LoginRefused),
            ),
        ],
        insecure: false,
    }));
}

/// A work-log entry opened in full.
fn log_entry(a: &mut App) {
    key(a, KeyCode::Char('3'));
    key(a, KeyCode::Down);
    key(a, KeyCode::Enter);
}

/// The test message was refused for now and goes again later.
fn test_deferred(a: &mut App) {
    mail_server(a);
    key(a, KeyCode::Char('t'));
    for c in "jan@firma.pl".chars() {
        key(a, KeyCode::Char(c));
    }
    a.update(Msg::TestQueued(17));
    a.update(Msg::TestState(
        17,
        dmsctl::tui::panes::mail_server::TestOutcome::Deferred {
            next_at: NOW + 240_000,
            reason: "DNS: no record for smtp.firma.pl".into(),
        },
    ));
}

/// English strings of the catalog that may stand in a Polish screen: names, protocols,
/// and words Polish shares.
const SAME_IN_POLISH: &[&str] = &[
    "OAuth2",
    "Microsoft 365",
    "SMTP",
    "KSeF",
    "NIP",
    "ERP",
    "API",
    // Product names: "MS SQL Server", "IBARD Repository".
    "Server",
    "Repository",
];

/// Whether `word` stands in `text` as a whole word (not inside a longer one).
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// What the fixtures' servers and other programs said, in English as they say it: data,
/// not the console's words.
const FOREIGN_DATA: &[&str] = &[
    "535 5.7.8 authentication failed",
    "Recipient address rejected: User unknown",
];

/// A Polish screen shows no English string of the catalog.
fn assert_no_english(name: &str, screen: &str) {
    let mut screen = screen.to_string();
    for data in FOREIGN_DATA {
        screen = screen.replace(data, "");
    }
    // The filter language is typed as it is in every language: its qualifiers, and
    // values quoted as code.
    for q in dmsctl::model::filter::QUALIFIERS {
        // The qualifier and the value typed after it, up to the next space.
        let mut rest = screen.as_str();
        let mut kept = String::new();
        let token = format!("{q}:");
        while let Some(i) = rest.find(&token) {
            kept.push_str(&rest[..i]);
            let after = &rest[i + token.len()..];
            rest = &after[after.find(char::is_whitespace).unwrap_or(after.len())..];
        }
        kept.push_str(rest);
        screen = kept;
    }
    let mut unquoted = String::new();
    for (i, part) in screen.split('`').enumerate() {
        if i % 2 == 0 {
            unquoted.push_str(part);
        }
    }
    let screen = unquoted;
    let screen = screen.as_str();
    // The wording of problems and hints, which come as data, is checked too.
    use dmsctl::model::Problem;
    use dmsctl::sender::failure::Hint;
    let problems = [
        Problem::Required,
        Problem::RequiredWhenEnabled,
        Problem::PortRange,
        Problem::AbsolutePath,
        Problem::SingleLine,
        Problem::Untrimmed,
        Problem::AtLeastOne,
    ];
    for en in problems
        .iter()
        .map(Problem::english)
        .chain(Hint::ALL.iter().map(|h| h.en().to_string()))
    {
        // Its start: the rest may be cut.
        let en: String = en.chars().take(20).collect();
        assert!(
            !screen.contains(&en),
            "{name}: English `{en}` in the Polish screen:\n{screen}"
        );
    }
    for txt in Txt::ALL {
        let (en, pl) = (txt.t(Lang::En), txt.t(Lang::Pl));
        let en = en.trim();
        if en == pl.trim() || en.chars().count() < 4 || SAME_IN_POLISH.contains(&en) {
            continue;
        }
        assert!(
            !has_word(screen, en),
            "{name}: English `{en}` ({txt:?}) in the Polish screen:\n{screen}"
        );
    }
}

/// Text never runs into a box's border: a letter or digit right before a top corner
/// means a line was drawn over another element.
fn assert_no_overlap(name: &str, screen: &str) {
    for line in screen.lines() {
        let chars: Vec<char> = line.chars().collect();
        for w in chars.windows(2) {
            assert!(
                !(w[0].is_alphanumeric() && matches!(w[1], '┌' | '┐' | '└' | '┘')),
                "{name}: `{}{}` — text runs into a border:\n{screen}",
                w[0],
                w[1]
            );
        }
    }
}

/// Text that is whole and happens to fill its row exactly: a wrapped paragraph's row
/// (the rest is on the next row), an error that fits its room to the column. Each was
/// read on its screen.
const FILLS_ITS_ROW: &[&str] = &[
    "2026-09-21 12:15:00 UTC  RCPT TO nobody@nieistnieje.pl: 550 5.1.1 User unknown",
    "valid until Feb 20 12:00:00 2027 +00:00",
    "wystawiony przez CN=Firma CA, ważny do",
    "certyfikat CN=smtp.firma.pl wystawiony",
    "✗ pole wymagane",
    "(zwykle 25, 465",
    "na stronie Microsoft",
    "DNS: no record for smtp.firma.pl",
];

/// Text is never cut without saying so: a letter or digit right against a box's right
/// border (the column of a `┐`, down to its `┘`), or in the last column of the screen,
/// is text that ran out of room (what is cut ends in `…`).
fn assert_no_cut(name: &str, screen: &str, width: u16) {
    let screen_text = screen;
    let mut screen = screen.to_string();
    for whole in FILLS_ITS_ROW {
        screen = screen.replace(whole, "");
    }
    let screen = screen.as_str();
    let grid: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let at = |y: usize, x: usize| grid.get(y).and_then(|l| l.get(x)).copied();
    for (y, line) in grid.iter().enumerate() {
        let text: String = line.iter().collect();
        assert!(
            !(line.len() == usize::from(width) && line.last().is_some_and(|c| c.is_alphanumeric())),
            "{name}: `{}` — cut at the screen's edge without …:\n{screen_text}",
            text.trim()
        );
        for (x, c) in line.iter().enumerate() {
            if *c != '┐' || x == 0 {
                continue;
            }
            let mut row = y + 1;
            while at(row, x) == Some('│') {
                assert!(
                    !at(row, x - 1).is_some_and(char::is_alphanumeric),
                    "{name}: `{}` — cut at a border without …:\n{screen_text}",
                    grid[row].iter().collect::<String>().trim()
                );
                row += 1;
            }
        }
    }
}

/// Every screen in both languages at both sizes: snapshot `NAME_LANG_WxH`.
macro_rules! screens {
    ($($name:ident: $setup:expr;)*) => {
        $(
            // A module per screen: its name may be its setup's too.
            mod $name {
            use super::*;
            #[test]
            fn screens() {
                for (lang, code) in [(Lang::En, "en"), (Lang::Pl, "pl")] {
                    for (w, h) in [(80u16, 24u16), (120, 40)] {
                        let mut a = app(lang);
                        let setup: fn(&mut App) = $setup;
                        setup(&mut a);
                        let name = format!("{}_{code}_{}x{}", stringify!($name), w, h);
                        let screen = render(&mut a, w, h);
                        if lang == Lang::Pl {
                            assert_no_english(&name, &screen);
                        }
                        assert_no_cut(&name, &screen, w);
                        // A popup covers what is under it; the rest must not collide.
                        if a.modal.is_none() {
                            assert_no_overlap(&name, &screen);
                        }
                        insta::assert_snapshot!(name, screen);
                    }
                }
            }
            }
        )*
    };
}

fn mail_server(a: &mut App) {
    let mut doc = serde_json::to_value(dmsctl::settings::MailServerSettings {
        enabled: true,
        account_name: "DMS".into(),
        from_address: "dms@firma.pl".into(),
        display_name: "Obieg dokumentów".into(),
        server_name: "smtp.firma.pl".into(),
        port: 587,
        encryption: dmsctl::settings::Encryption::Starttls,
        login: "dms@firma.pl".into(),
        ..Default::default()
    })
    .unwrap();
    doc["password"] = serde_json::Value::from(dmsctl::settings::MASK);
    a.update(Msg::SettingsLoaded {
        tab: dmsctl::settings::Tab::MailServer,
        doc,
        version: 2,
    });
    key(a, KeyCode::Char('1'));
}

/// A typed character that makes the address invalid, and the save's answer.
fn mail_server_errors(a: &mut App) {
    mail_server(a);
    key(a, KeyCode::Enter);
    key(a, KeyCode::Down);
    key(a, KeyCode::Down);
    key(a, KeyCode::Down);
    key(a, KeyCode::Char('x'));
    a.update(Msg::SettingsInvalid {
        tab: dmsctl::settings::Tab::MailServer,
        errors: vec![
            FieldError::problem(
                "mail_server.from_address",
                Problem::NotAnAddress("dms@firma.plx".into()),
            ),
            FieldError::problem("mail_server.port", Problem::PortRange),
        ],
    });
}

screens! {
    mail_server: mail_server;
    mail_server_errors: mail_server_errors;
    mail_server_presets: |a| { mail_server(a); key(a, KeyCode::Char('p')); };
    mail_server_test: |a| {
        mail_server(a);
        key(a, KeyCode::Char('t'));
        for c in "jan@firma.pl".chars() { key(a, KeyCode::Char(c)); }
        a.update(Msg::TestQueued(17));
        a.update(Msg::TestState(17, dmsctl::tui::panes::mail_server::TestOutcome::Delivered("250 2.0.0 Ok: queued as 4F2".into())));
    };
    why_server_down: server_down;
    why_paused: paused;
    why_disabled: |a| { a.overview.sending_enabled = Some(false); a.overview.senders[0].state = Some(dmsctl::model::SenderState::Disabled); };
    why_stale: stale;
    leave_unsaved: |a| { tools(a); key(a, KeyCode::Enter); key(a, KeyCode::Char('5')); key(a, KeyCode::Esc); key(a, KeyCode::Char('q')); };
    check: checked;
    log_entry: log_entry;
    test_deferred: test_deferred;
    queue: |_| {};
    queue_marked_and_confirm: |a| { key(a, KeyCode::Char(' ')); key(a, KeyCode::Char(' ')); key(a, KeyCode::Char('d')); };
    resend_confirm: |a| { for _ in 0..10 { key(a, KeyCode::Down); } key(a, KeyCode::Char('r')); };
    queue_search: |a| { key(a, KeyCode::Char('/')); for c in "faktura".chars() { key(a, KeyCode::Char(c)); } };
    error_groups: error_groups;
    deferred: |a| {
        a.overview.deferrals = vec![dmsctl::model::DomainDeferral {
            domain: "onet.pl".into(),
            until: NOW + 5_400_000,
            reason: Some("ticket 42".into()),
            by: "admin".into(),
            at: NOW - 60_000,
        }];
    };
    bulk_confirm: bulk_confirm;
    bulk_running: |a| { bulk_confirm(a); key(a, KeyCode::Char('y')); a.update(Msg::BulkProgress(500)); };
    queue_search_error: |a| { key(a, KeyCode::Char('/')); for c in "faktura code:6xx".chars() { key(a, KeyCode::Char(c)); } };
    queue_search_tab: |a| { key(a, KeyCode::Char('/')); for c in "faktura s".chars() { key(a, KeyCode::Char(c)); } key(a, KeyCode::Tab); };
    detail: |a| { key(a, KeyCode::Down); key(a, KeyCode::Down); detail(a); };
    worklog: |a| key(a, KeyCode::Char('3'));
    help: |a| key(a, KeyCode::Char('?'));
    sign_in_code: |a| sign_in(a, None);
    sign_in_done: |a| sign_in(a, Some(Ok(())));
    sign_in_declined: |a| sign_in(a, Some(Err("logowanie zostało odrzucone na stronie Microsoft (authorization_declined)".into())));
    templates: templates;
    templates_typo: templates_typo;
    templates_masks: |a| { templates(a); key(a, KeyCode::Char('m')); };
    api_auth: api_auth;
    erp: erp;
    erp_invalid: erp_invalid;
    erp_delete: |a| { erp(a); key(a, KeyCode::Char('d')); };
    domain: domain;
    tools: tools;
    tools_anonymize: |a| { tools(a); a.update(Msg::AnonymizeCount { days: 180, count: 42 }); };
    api_systems: api_systems;
    api_systems_add: |a| { api_systems(a); key(a, KeyCode::Char('a')); key(a, KeyCode::Char('X')); };
    storage: storage;
    conflict: |a| {
        mail_server(a);
        key(a, KeyCode::Enter);
        key(a, KeyCode::Down);
        key(a, KeyCode::Down);
        key(a, KeyCode::Char('X'));
        let mut theirs = serde_json::to_value(dmsctl::settings::MailServerSettings::default()).unwrap();
        theirs["account_name"] = "Konto działu kadr".into();
        theirs["port"] = 465.into();
        a.update(Msg::SettingsConflict { tab: dmsctl::settings::Tab::MailServer, theirs, version: 4 });
    };
    erp_load_key: |a| { erp(a); key(a, KeyCode::Char('l')); };
    erp_key_unreadable: |a| {
        erp(a);
        a.update(Msg::PrivateKeyRead {
            company_id: "ALFA".into(),
            path: "/etc/dms/alfa.pem".into(),
            result: Err("/etc/dms/alfa.pem: No such file or directory (os error 2)".into()),
        });
    };
    save_eml: |a| { key(a, KeyCode::Down); key(a, KeyCode::Down); detail(a); key(a, KeyCode::Char('e')); };
    shape: |a| {
        key(a, KeyCode::Char('s'));
        a.update(Msg::ShapeLoaded(QueueShape {
            buckets: ["5", "10", "20", "40", "80", "160", "320", "640", "1280", "1280+"].map(String::from).to_vec(),
            rows: vec![ShapeRow { domain: "firma.pl".into(), total: 2, counts: vec![1, 1, 0, 0, 0, 0, 0, 0, 0, 0] }],
            total: ShapeRow { domain: "TOTAL".into(), total: 2, counts: vec![1, 1, 0, 0, 0, 0, 0, 0, 0, 0] },
        }));
    };
}

#[test]
fn too_small_says_so() {
    let mut a = app(Lang::En);
    let text = render(&mut a, 60, 20);
    assert!(
        text.contains("too small") && text.contains("80x24"),
        "{text}"
    );
    let mut a = app(Lang::Pl);
    assert!(render(&mut a, 79, 30).contains("za mały"));
}

mod executor {
    use std::time::Duration;

    use dmsctl::queue::{MailQueue, NewMail};
    use dmsctl::settings::{Actor, MailServerSettings, Settings};
    use dmsctl::tui::executor::Executor;
    use dmsctl::tui::msg::{Command, Msg};

    /// An executor on the test database (the key folder lives as long as it is kept).
    fn executor(
        db: &crate::common::TestDb,
    ) -> (
        Executor,
        tokio::sync::mpsc::UnboundedReceiver<Msg>,
        tempfile::TempDir,
    ) {
        let keys = tempfile::tempdir().unwrap();
        let settings = Settings::new(db.store.clone(), keys.path().join("secret.key"));
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let actor = Actor {
            user: "t".into(),
            ssh_client: None,
        };
        let exec = Executor::new(db.store.clone(), settings, Default::default(), actor, tx);
        (exec, rx, keys)
    }

    /// The executor's next message (a test fails rather than waits for ever).
    async fn recv(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>) -> Msg {
        tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap()
    }

    /// The connection check reports each step as it starts, then the result.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_check_reports_steps_as_they_run() {
        use crate::common::smtp::{Recorder, Tls};
        let db = crate::common::TestDb::new(crate::common::Backend::Sqlite)
            .await
            .unwrap();
        let server = Recorder::start(Tls::Plain, None, None);
        let (exec, mut rx, _keys) = executor(&db);
        let account = MailServerSettings {
            server_name: "127.0.0.1".into(),
            port: server.port,
            ..MailServerSettings::default()
        };
        exec.run(vec![Command::CheckSmtp(
            serde_json::to_value(&account).unwrap(),
        )]);
        let mut steps = Vec::new();
        let report = loop {
            match recv(&mut rx).await {
                Msg::CheckProgress(step) => steps.push(step),
                Msg::CheckDone(report) => break report,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(steps, ["dns", "tcp", "ehlo"]);
        assert!(report.passed(), "{report:?}");
        db.finish().await;
    }

    /// A bulk action by filter from the console: the mails the breakdown counted and
    /// no others, even with 300 more arriving meanwhile; stopped, it ends between
    /// whole batches.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bulk_by_filter_acts_on_what_was_agreed_and_stops_between_batches() {
        use dmsctl::queue::{Filter, MailAction};
        let db = crate::common::TestDb::new(crate::common::Backend::Sqlite)
            .await
            .unwrap();
        let q = MailQueue::new(db.store.clone());
        let mail = |to: &str| NewMail {
            to: vec![to.into()],
            subject: "Przypomnienie".into(),
            body_text: "x".into(),
            ..NewMail::default()
        };
        let first: Vec<NewMail> = (0..1_200).map(|_| mail("a@onet.pl")).collect();
        q.enqueue_batch(&first).await.unwrap();
        let (exec, mut rx, _keys) = executor(&db);
        let next = |rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>| {
            let got = rx.try_recv();
            got.ok()
        };
        let filter = Filter::parse("domain:onet.pl").unwrap();
        exec.run(vec![Command::LoadBreakdown(
            MailAction::Hold,
            filter.clone(),
        )]);
        let breakdown = match recv(&mut rx).await {
            Msg::BreakdownLoaded { breakdown, .. } => breakdown,
            other => panic!("{other:?}"),
        };
        assert_eq!(breakdown.applicable, 1_200);
        // 300 more arrive after the question was asked.
        let late: Vec<NewMail> = (0..300).map(|_| mail("b@onet.pl")).collect();
        q.enqueue_batch(&late).await.unwrap();
        // Stopped at once: whole batches only.
        exec.run(vec![Command::Bulk(
            MailAction::Hold,
            breakdown.bounded(&filter),
            None,
        )]);
        exec.run(vec![Command::StopBulk]);
        let mut progress = Vec::new();
        let done = loop {
            match recv(&mut rx).await {
                Msg::BulkProgress(n) => progress.push(n),
                Msg::BulkStopping => {}
                Msg::BulkDone(done) => break done.unwrap(),
                other => panic!("{other:?}"),
            }
        };
        let held = |q: MailQueue, text: &'static str| async move {
            q.breakdown(MailAction::Release, &Filter::parse(text).unwrap())
                .await
                .unwrap()
                .applicable
        };
        let after_stop = held(q.clone(), "held:yes").await;
        assert!(
            after_stop % 500 == 0 && after_stop < 1_200,
            "{after_stop} held, {done:?}"
        );
        assert_eq!(progress.last().copied().unwrap_or(0) as i64, after_stop);
        // Run to the end: the 1,200 agreed to, none of the 300 late ones.
        exec.run(vec![Command::Bulk(
            MailAction::Hold,
            breakdown.bounded(&filter),
            None,
        )]);
        loop {
            match recv(&mut rx).await {
                Msg::BulkDone(done) => {
                    done.unwrap();
                    break;
                }
                Msg::BulkProgress(_) => {}
                other => panic!("{other:?}"),
            }
        }
        assert!(next(&mut rx).is_none());
        assert_eq!(held(q.clone(), "held:yes").await, 1_200);
        assert_eq!(held(q.clone(), "held:yes domain:onet.pl to:b@").await, 0);
        db.finish().await;
    }

    /// "Save as .eml" writes the message as the sender would build it.
    #[tokio::test]
    async fn saves_a_mail_as_eml() {
        let db = crate::common::TestDb::new(crate::common::Backend::Sqlite)
            .await
            .unwrap();
        let keys = tempfile::tempdir().unwrap();
        let settings = Settings::new(db.store.clone(), keys.path().join("secret.key"));
        let account = MailServerSettings {
            from_address: "dms@firma.pl".into(),
            display_name: "Obieg".into(),
            ..MailServerSettings::default()
        };
        let actor = Actor {
            user: "t".into(),
            ssh_client: None,
        };
        settings.save(&account, 0, &actor).await.unwrap();
        let id = MailQueue::new(db.store.clone())
            .enqueue(NewMail {
                to: vec!["jan@firma.pl".into()],
                subject: "Zażółć".into(),
                body_text: "Treść".into(),
                ..NewMail::default()
            })
            .await
            .unwrap();
        let out = tempfile::tempdir().unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let exec = Executor::new(db.store.clone(), settings, Default::default(), actor, tx)
            .with_eml_dir(out.path().to_path_buf());
        exec.run(vec![Command::SaveEml {
            id,
            path: format!("mail-{id}.eml"),
        }]);
        let msg = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        match msg {
            Msg::ActionDone(Ok(dmsctl::tui::msg::Done::SavedEml(path))) => {
                assert_eq!(path, out.path().join(format!("mail-{id}.eml")))
            }
            other => panic!("{other:?}"),
        }
        // The same name again is refused, never overwritten; a folder gets a new name.
        exec.run(vec![Command::SaveEml {
            id,
            path: format!("mail-{id}.eml"),
        }]);
        let again = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert!(
            matches!(&again, Msg::ActionDone(Err(e)) if e.text(dmsctl::i18n::Lang::En).contains("already exists")),
            "{again:?}"
        );
        std::fs::create_dir(out.path().join("saved")).unwrap();
        exec.run(vec![Command::SaveEml {
            id,
            path: "saved".into(),
        }]);
        let into_dir = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        match into_dir {
            Msg::ActionDone(Ok(dmsctl::tui::msg::Done::SavedEml(path))) => {
                assert_eq!(path, out.path().join(format!("saved/mail-{id}.eml")))
            }
            other => panic!("{other:?}"),
        }
        let eml = std::fs::read_to_string(out.path().join(format!("mail-{id}.eml"))).unwrap();
        assert!(
            eml.contains("To: jan@firma.pl") && eml.contains("Subject: =?utf-8?"),
            "{eml}"
        );
        assert!(eml.contains("From: Obieg <dms@firma.pl>"), "{eml}");
        db.finish().await;
    }

    /// A private key goes from a file into the console as kind and fingerprint, is
    /// saved sealed, and is written back out to a new 0600 file, never over another.
    #[tokio::test]
    async fn private_key_load_save_and_write_out() {
        use std::os::unix::fs::PermissionsExt;

        use dmsctl::settings::{ErpCompany, ErpSettings, Tab};
        use dmsctl::tui::msg::Done;

        let db = crate::common::TestDb::new(crate::common::Backend::Sqlite)
            .await
            .unwrap();
        let keys = tempfile::tempdir().unwrap();
        let settings = Settings::new(db.store.clone(), keys.path().join("secret.key"));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let actor = Actor {
            user: "t".into(),
            ssh_client: None,
        };
        let exec = Executor::new(
            db.store.clone(),
            settings.clone(),
            Default::default(),
            actor.clone(),
            tx,
        );
        async fn recv(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>) -> Msg {
            tokio::time::timeout(Duration::from_secs(5), rx.recv())
                .await
                .unwrap()
                .unwrap()
        }
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/keys/rsa_pkcs1.pem"
        );
        exec.run(vec![Command::ReadPrivateKey {
            company_id: "c1".into(),
            path: fixture.into(),
        }]);
        let pem = match recv(&mut rx).await {
            Msg::PrivateKeyRead {
                company_id,
                result: Ok((pem, info)),
                ..
            } => {
                assert_eq!(company_id, "c1");
                assert_eq!(info.kind, "RSA 1024 (PKCS#1)");
                pem
            }
            other => panic!("{other:?}"),
        };
        let cert = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/keys/certificate.pem"
        );
        exec.run(vec![Command::ReadPrivateKey {
            company_id: "c1".into(),
            path: cert.into(),
        }]);
        match recv(&mut rx).await {
            Msg::PrivateKeyRead { result: Err(e), .. } => assert!(
                e.contains("certificate.pem") && e.contains("CERTIFICATE"),
                "{e}"
            ),
            other => panic!("{other:?}"),
        }

        let company = ErpCompany {
            company_name: "Alfa".into(),
            abbreviation: "ALF".into(),
            private_key: dmsctl::secrets::Secret::new(pem.clone()),
            ..ErpCompany::default()
        };
        let id = company.id.clone();
        settings
            .save(
                &ErpSettings {
                    companies: vec![company],
                },
                0,
                &actor,
            )
            .await
            .unwrap();
        // Loading the tab tells the console what the key is, never the key.
        exec.run(vec![Command::LoadSettings(Tab::Erp)]);
        let mut seen = (false, false);
        while seen != (true, true) {
            match recv(&mut rx).await {
                Msg::KeyInfos(infos) => {
                    assert_eq!(infos[&id].as_ref().unwrap().kind, "RSA 1024 (PKCS#1)");
                    seen.0 = true;
                }
                Msg::SettingsLoaded { doc, .. } => {
                    assert_eq!(doc["companies"][0]["private_key"], dmsctl::settings::MASK);
                    assert!(!doc.to_string().contains("PRIVATE KEY"));
                    seen.1 = true;
                }
                other => panic!("{other:?}"),
            }
        }
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("alfa.pem");
        let write = Command::WritePrivateKey {
            company_id: id.clone(),
            unsaved_pem: None,
            path: path.display().to_string(),
        };
        exec.run(vec![write.clone()]);
        match recv(&mut rx).await {
            Msg::ActionDone(Ok(Done::KeyWritten(p, info))) => {
                assert_eq!(p, path);
                assert_eq!(info.kind, "RSA 1024 (PKCS#1)");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), pem);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        exec.run(vec![write]);
        match recv(&mut rx).await {
            Msg::ActionDone(Err(e)) => {
                assert!(e.text(dmsctl::i18n::Lang::En).contains("alfa.pem"), "{e}")
            }
            other => panic!("{other:?}"),
        }
        db.finish().await;
    }
}

#[test]
fn the_header_says_when_the_consoles_sender_restarts() {
    let mut a = app(Lang::En);
    a.update(Msg::EmbeddedSender(
        "console sender restarting (1): database: disk full".into(),
    ));
    let text = render(&mut a, 120, 40);
    assert!(text.contains("console sender restarting (1)"), "{text}");
    a.update(Msg::EmbeddedSender("console sender restarted 1x".into()));
    let text = render(&mut a, 120, 40);
    assert!(text.contains("restarted 1x"), "{text}");
}

#[test]
fn save_as_eml_asks_for_the_path_on_screen() {
    for (lang, title) in [
        (Lang::En, "Save the mail as an .eml file"),
        (Lang::Pl, "Zapisz wiadomość jako plik .eml"),
    ] {
        let mut a = app(lang);
        pane(&mut a, Txt::TabQueue);
        key(&mut a, KeyCode::Char('e'));
        let text = render(&mut a, 80, 24);
        assert!(text.contains(title), "{text}");
        assert!(text.contains("mail-1042.eml"), "{text}");
    }
}
