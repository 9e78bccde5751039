//! The real binary in a real terminal (tmux): the console opens on a fresh SQLite
//! database, shows a mail enqueued by another process within a second, sends it with
//! its embedded sender to a local aiosmtpd, and leaves cleanly on q and on SIGTERM.

use crate::common::Tool;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::smtp::{Recorder, Tls};

pub(crate) struct Session {
    name: String,
}

impl Session {
    pub(crate) fn start(
        name: &str,
        dir: &Path,
        database: &str,
        width: u16,
        height: u16,
    ) -> Session {
        Self::start_with(name, dir, database, width, height, "")
    }

    pub(crate) fn start_with(
        name: &str,
        dir: &Path,
        database: &str,
        width: u16,
        height: u16,
        env: &str,
    ) -> Session {
        Self::spawn(name, dir, database, (width, height), env, "")
    }

    /// `dmsctl ARGS` in a terminal (a command that asks when stdin is one).
    pub(crate) fn command(name: &str, dir: &Path, database: &str, args: &str) -> Session {
        Self::spawn(name, dir, database, (100, 30), "", args)
    }

    fn spawn(
        name: &str,
        dir: &Path,
        database: &str,
        (width, height): (u16, u16),
        env: &str,
        args: &str,
    ) -> Session {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", name])
            .status();
        let cmd = format!(
            "env {env} DMSCTL_CONFIG={} DMSCTL_DATABASE_URL={} DMSCTL_LOG_FILE={} LANG=en_US.UTF-8 {} {args}; sleep 30",
            dir.join("config.toml").display(),
            database,
            dir.join("dmsctl.log").display(),
            env!("CARGO_BIN_EXE_dmsctl"),
        );
        let status = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                &cmd,
            ])
            .status()
            .expect("tmux (apt-get install tmux)");
        assert!(status.success());
        Session { name: name.into() }
    }

    /// The screen with its escape sequences (colours, reverse video).
    pub(crate) fn screen_styled(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-e", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(crate) fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(crate) fn keys(&self, keys: &[&str]) {
        for k in keys {
            Command::new("tmux")
                .args(["send-keys", "-t", &self.name, k])
                .status()
                .unwrap();
            // Keys typed by a person arrive apart; ESC followed at once by a letter
            // would read as Alt+letter.
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Waits until the screen shows `text`; returns how long that took.
    pub(crate) fn wait_for(&self, text: &str, limit: Duration) -> Duration {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < limit,
                "`{text}` did not appear within {limit:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub(crate) fn pane_pid(&self) -> i32 {
        let out = Command::new("tmux")
            .args(["list-panes", "-t", &self.name, "-F", "#{pane_pid}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

pub(crate) fn dmsctl(dir: &Path, database: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_dmsctl"))
        .args(args)
        .env("DMSCTL_CONFIG", dir.join("config.toml"))
        .env("DMSCTL_DATABASE_URL", database)
        .env("DMSCTL_LOG_FILE", dir.join("cli.log"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Another program's SQL against the queue (waiting while the console writes, as any
/// other program would).
pub(crate) fn sql(db: &str, statement: &str) -> String {
    let path = db.trim_start_matches("sqlite://");
    let out = Command::new("sqlite3")
        .args(["-cmd", ".timeout 5000"])
        .arg(path)
        .arg(statement)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{statement}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A mail to jan@firma.pl with this subject, through `dmsctl enqueue`.
pub(crate) fn enqueue(dir: &Path, database: &str, subject: &str) {
    dmsctl(
        dir,
        database,
        &[
            "enqueue",
            "--to",
            "jan@firma.pl",
            "--subject",
            subject,
            "--body",
            "x",
        ],
    );
}

pub(crate) fn fresh() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "").unwrap();
    let db = format!("sqlite://{}", dir.path().join("dms.db").display());
    (dir, db)
}

/// Waits until the console in `pane` has exited.
pub(crate) fn wait_until_gone(pane: i32, why: &str) {
    let started = Instant::now();
    while console_pid(pane).is_some() {
        assert!(started.elapsed() < Duration::from_secs(10), "{why}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The console's children: the binary is the shell's child in the pane.
pub(crate) fn console_pid(pane: i32) -> Option<i32> {
    let children = std::fs::read_to_string(format!("/proc/{pane}/task/{pane}/children")).ok()?;
    children
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .find(|p: &i32| {
            std::fs::read_link(format!("/proc/{p}/exe"))
                .is_ok_and(|e: PathBuf| e.ends_with("dmsctl"))
        })
}

#[test]
fn live_queue_embedded_sender_and_clean_exit() {
    if !crate::common::have(&[Tool::Tmux]) {
        return;
    }
    let (dir, db) = fresh();
    let server = Recorder::start(Tls::Plain, None, None);
    dmsctl(dir.path(), &db, &["migrate"]);
    let s = Session::start("dmsctl-e2e-live", dir.path(), &db, 100, 30);
    s.wait_for("Mail queue", Duration::from_secs(10));
    // Sending is off by default, and the header says so.
    s.wait_for("this console off", Duration::from_secs(5));

    // A mail from another process appears, pending.
    enqueue(dir.path(), &db, "Live arrival");
    let took = s.wait_for("Live arrival", Duration::from_secs(3));
    assert!(took < Duration::from_secs(1), "shown after {took:?}");

    // Turn sending on (another process saves the settings): the embedded sender picks
    // the change up and delivers; the row turns to sent.
    dmsctl(
        dir.path(),
        &db,
        &[
            "settings",
            "set",
            "mail_server",
            "enabled=yes",
            "from_address=dms@firma.pl",
            "server_name=127.0.0.1",
            &format!("port={}", server.port),
            "encryption=none",
        ],
    );
    s.wait_for("this console sends", Duration::from_secs(10));
    assert_eq!(server.received(1)[0]["subject"], "Live arrival");
    s.wait_for("last delivery", Duration::from_secs(5));

    // Work log pane shows the delivery.
    s.keys(&["3"]);
    s.wait_for("delivered", Duration::from_secs(3));

    // q leaves and gives the terminal back.
    s.keys(&["q"]);
    let pane = s.pane_pid();
    wait_until_gone(pane, "the console did not quit");
    assert!(
        !s.screen().contains("Mail queue"),
        "the alternate screen is gone"
    );
    drop(dir);
}

/// On PostgreSQL the console hears about changes through LISTEN/NOTIFY.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_queue_on_postgres() {
    if !crate::common::have(&[Tool::Tmux]) {
        return;
    }
    let Some(db) = crate::common::TestDb::new(crate::common::Backend::Postgres).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "").unwrap();
    let s = Session::start("dmsctl-e2e-pg", dir.path(), &db.url, 100, 30);
    s.wait_for("Mail queue", Duration::from_secs(10));
    s.wait_for("No mails here", Duration::from_secs(5));
    enqueue(dir.path(), &db.url, "Przez NOTIFY");
    let took = s.wait_for("Przez NOTIFY", Duration::from_secs(3));
    assert!(took < Duration::from_secs(1), "shown after {took:?}");
    // q ends the process: nothing (the LISTEN connection included) keeps it alive.
    let pane = s.pane_pid();
    s.keys(&["q"]);
    wait_until_gone(pane, "the console did not exit after q");
    drop(s);
    db.finish().await;
}

#[test]
fn mail_server_pane_by_keys_then_a_test_message() {
    if !crate::common::have(&[Tool::Tmux]) {
        return;
    }
    let (dir, db) = fresh();
    let server = Recorder::start(Tls::Plain, None, None);
    dmsctl(dir.path(), &db, &["migrate"]);
    let s = Session::start("dmsctl-e2e-form", dir.path(), &db, 120, 34);
    s.wait_for("Mail queue", Duration::from_secs(10));
    s.keys(&["1"]);
    s.wait_for("Mail account settings", Duration::from_secs(3));
    // send_with, enabled (toggle), account name, outgoing e-mail, display name.
    s.keys(&["Enter", "Down", "Space", "Down", "-l", "DMS"]);
    s.keys(&["Down", "dms@firma.pl", "Down", "Obieg dokumentów"]);
    // reply-to, description, server name, port.
    s.keys(&[
        "Down",
        "Down",
        "Down",
        "127.0.0.1",
        "Down",
        "BSpace",
        "BSpace",
        "BSpace",
        &server.port.to_string(),
    ]);
    s.wait_for("unsaved changes", Duration::from_secs(3));
    s.keys(&["C-s"]);
    s.wait_for("Saved: Mail server", Duration::from_secs(5));
    let shown: serde_json::Value = serde_json::from_str(&dmsctl(
        dir.path(),
        &db,
        &["settings", "show", "mail_server", "--json"],
    ))
    .unwrap();
    let data = &shown["data"];
    assert_eq!(data["enabled"], true, "{data}");
    assert_eq!(data["account_name"], "DMS");
    assert_eq!(data["from_address"], "dms@firma.pl");
    assert_eq!(data["display_name"], "Obieg dokumentów");
    assert_eq!(data["server_name"], "127.0.0.1");
    assert_eq!(data["port"], server.port);
    assert!(!s.screen().contains("unsaved changes"));

    // The test message: queued like any mail, delivered by the embedded sender,
    // the outcome shown without leaving the pane.
    s.keys(&[
        "Escape",
        "t",
        "jan@firma.pl",
        "Tab",
        "Test z konsoli",
        "Enter",
    ]);
    s.wait_for("delivered (250", Duration::from_secs(10));
    let got = server.received(1);
    assert_eq!(got[0]["subject"], "Test z konsoli");
    assert_eq!(got[0]["from_display_name"], "Obieg dokumentów");
    drop(dir);
}

/// Every parameter of every SGR sequence (`ESC [ a ; b m`) in the text.
fn sgr_params(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in text.split("\u{1b}[").skip(1) {
        if let Some(end) = part.find('m')
            && part[..end].chars().all(|c| c.is_ascii_digit() || c == ';')
        {
            out.extend(part[..end].split(';').map(str::to_string));
        }
    }
    out
}

/// Under NO_COLOR the console uses the mono theme: no colours, and the selection still
/// stands out by reverse video. (The console also forces crossterm's colour output,
/// which otherwise may drop attributes under NO_COLOR; with the tmux here the
/// attributes arrive either way.)
#[test]
fn no_color_keeps_the_selection_visible() {
    if !crate::common::have(&[Tool::Tmux]) {
        return;
    }
    let (dir, db) = fresh();
    enqueue(dir.path(), &db, "Mono");
    let s = Session::start_with("dmsctl-e2e-mono", dir.path(), &db, 100, 30, "NO_COLOR=1");
    s.wait_for("Mono", Duration::from_secs(10));
    let styled = s.screen_styled();
    let row = styled.lines().find(|l| l.contains("Mono")).unwrap();
    let params = sgr_params(row);
    assert!(
        params.iter().any(|p| p == "7"),
        "the selected row is in reverse video: {row:?}"
    );
    let colours = sgr_params(&styled)
        .into_iter()
        .filter(|p| p.len() == 2 && (p.starts_with('3') || p.starts_with('4')) && !p.ends_with('9'))
        .count();
    assert_eq!(colours, 0, "no colours under NO_COLOR: {styled:?}");
    drop(dir);
}

#[test]
fn sigterm_restores_the_terminal_and_small_terminals_get_a_message() {
    if !crate::common::have(&[Tool::Tmux]) {
        return;
    }
    let (dir, db) = fresh();
    dmsctl(dir.path(), &db, &["migrate"]);
    let s = Session::start("dmsctl-e2e-small", dir.path(), &db, 70, 20);
    s.wait_for("too small", Duration::from_secs(10));
    Command::new("tmux")
        .args(["resize-window", "-t", &s.name, "-x", "100", "-y", "30"])
        .status()
        .unwrap();
    s.wait_for("Mail queue", Duration::from_secs(5));
    let pane = s.pane_pid();
    let mut pid = None;
    let started = Instant::now();
    while pid.is_none() && started.elapsed() < Duration::from_secs(5) {
        pid = console_pid(pane);
    }
    let pid = pid.expect("the console process");
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    wait_until_gone(pane, "SIGTERM did not end the console");
    assert!(!s.screen().contains("Mail queue"));
    drop(dir);
}

fn settings_json(dir: &Path, db: &str, tab: &str) -> serde_json::Value {
    let shown: serde_json::Value =
        serde_json::from_str(&dmsctl(dir, db, &["settings", "show", tab, "--json"])).unwrap();
    shown["data"].clone()
}

/// Templates: a mask picked into the subject shows in the preview, a typo in a mask is
/// refused on save with the mask named, and the fixed template is saved and used. Then
/// the API systems dialog: Add stays off below two characters.
#[test]
fn templates_pane_edit_preview_save_and_api_systems() {
    if !crate::common::have(&[Tool::Tmux]) {
        return;
    }
    let (dir, db) = fresh();
    dmsctl(dir.path(), &db, &["migrate"]);
    let s = Session::start("dmsctl-e2e-templates", dir.path(), &db, 120, 40);
    s.wait_for("Mail queue", Duration::from_secs(10));
    s.keys(&["4"]);
    s.wait_for("Preview (sample data)", Duration::from_secs(3));
    s.wait_for(
        "Document FV/17/2026 is waiting for you",
        Duration::from_secs(3),
    );
    // URL prefix, then the subject; its cursor is at the end.
    s.keys(&["Enter", "Down", " ("]);
    // Ctrl-K lists the masks of this template; the sixth is {StageName}.
    s.keys(&["C-k"]);
    s.wait_for("Insert a mask", Duration::from_secs(3));
    s.keys(&["Down", "Down", "Down", "Down", "Down", "Enter", ")"]);
    s.wait_for(
        "Document FV/17/2026 is waiting for you (Akceptacja)",
        Duration::from_secs(3),
    );
    // A typo: the preview says so at once, and saving is refused naming the mask.
    s.keys(&[" {DocumentNumer}"]);
    s.wait_for("unknown mask: {DocumentNumer}", Duration::from_secs(3));
    s.keys(&["C-s"]);
    // Beside the subject, and in the status line.
    s.wait_for(
        "✗ unknown mask {DocumentNumer}; this",
        Duration::from_secs(5),
    );
    s.wait_for(
        "Subject: unknown mask {DocumentNumer}",
        Duration::from_secs(1),
    );
    let stored = settings_json(dir.path(), &db, "templates");
    assert_eq!(
        stored["received_each"]["subject"], "Document {DocumentNumber} is waiting for you",
        "nothing was saved"
    );
    for _ in 0.." {DocumentNumer}".len() {
        s.keys(&["BSpace"]);
    }
    s.keys(&["C-s"]);
    s.wait_for("Saved: E-mail templates", Duration::from_secs(5));
    let stored = settings_json(dir.path(), &db, "templates");
    assert_eq!(
        stored["received_each"]["subject"],
        "Document {DocumentNumber} is waiting for you ({StageName})"
    );
    // The saved template is what `enqueue --template` renders.
    dmsctl(
        dir.path(),
        &db,
        &[
            "enqueue",
            "--template",
            "received_each",
            "--to",
            "jan@firma.pl",
            "--var",
            "StageName=Akceptacja",
            "--var",
            "WorkflowName=Faktury",
            "--var",
            "Origin=Biuro",
            "--var",
            "Proceeding=Sprawdź",
            "--doc",
            "7,DocumentNumber=FV/7",
        ],
    );
    let listed: serde_json::Value =
        serde_json::from_str(&dmsctl(dir.path(), &db, &["queue", "ls", "--json"])).unwrap();
    assert_eq!(
        listed[0]["subject"],
        "Document FV/7 is waiting for you (Akceptacja)"
    );

    // API systems: the predefined one is listed; Add is off until two characters.
    s.keys(&["Escape", "8"]);
    s.wait_for("Comarch HRM", Duration::from_secs(3));
    s.keys(&["a", "X", "Enter"]);
    s.wait_for("at least 2 characters", Duration::from_secs(3));
    s.keys(&["Y", "Enter"]);
    s.wait_for("Saved: API (version", Duration::from_secs(5));
    let systems = settings_json(dir.path(), &db, "api_systems");
    let names: Vec<&str> = systems["systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Comarch HRM", "XY"]);
    // Cancel adds nothing.
    s.keys(&["a", "Zet", "Escape"]);
    assert!(!s.screen().contains("Zet"));
    assert_eq!(
        settings_json(dir.path(), &db, "api_systems")["systems"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    drop(dir);
}

/// ERP connections (multi-company): add a company with an invalid NIP, see the error
/// beside the field, fix it, save, then delete it after confirming.
#[test]
fn erp_pane_add_invalid_nip_fix_save_delete() {
    if !crate::common::have(&[Tool::Tmux]) {
        return;
    }
    let (dir, db) = fresh();
    std::fs::write(dir.path().join("config.toml"), "multi_company = true\n").unwrap();
    dmsctl(dir.path(), &db, &["migrate"]);
    let s = Session::start("dmsctl-e2e-erp", dir.path(), &db, 120, 40);
    s.wait_for("Mail queue", Duration::from_secs(10));
    s.keys(&["5"]);
    s.wait_for("No companies yet", Duration::from_secs(3));
    s.wait_for("KSeF environment: Demo", Duration::from_secs(3));
    // a: a new company, its form open on the ERP system.
    s.keys(&[
        "a",
        "Down",
        "Firma Testowa",
        "Down",
        "FT",
        "Down",
        "5260001241",
    ]);
    s.keys(&["C-s"]);
    s.wait_for(
        "Company tax id (NIP): `5260001241` is not a valid NIP",
        Duration::from_secs(5),
    );
    assert!(
        s.screen()
            .lines()
            .any(|l| l.contains("(NIP)") && l.contains("✗ `5260001241` is not a valid")),
        "the error stands beside the NIP field:\n{}",
        s.screen()
    );
    assert_eq!(
        settings_json(dir.path(), &db, "erp")["companies"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "nothing saved"
    );
    s.keys(&["BSpace", "6", "C-s"]);
    s.wait_for("Saved: ERP connections (version 1)", Duration::from_secs(5));
    let erp = settings_json(dir.path(), &db, "erp");
    assert_eq!(erp["companies"][0]["company_name"], "Firma Testowa");
    assert_eq!(erp["companies"][0]["nip"], "5260001246");
    assert_eq!(erp["companies"][0]["abbreviation"], "FT");
    s.keys(&["Escape", "d"]);
    s.wait_for("Delete Firma Testowa?", Duration::from_secs(3));
    s.keys(&["y"]);
    s.wait_for("Saved: ERP connections (version 2)", Duration::from_secs(5));
    s.wait_for("No companies yet", Duration::from_secs(3));
    assert_eq!(
        settings_json(dir.path(), &db, "erp")["companies"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    drop(dir);
}

/// Authorize in the Mail server pane: the code shows in a dialog, the sign-in finishes
/// on the other device, and the dialog says who is logged in.
#[test]
fn microsoft_365_sign_in_dialog() {
    if !crate::common::have(&[Tool::Tmux]) {
        return;
    }
    use crate::common::oauth::IdentityProvider;
    let (dir, db) = fresh();
    let idp = IdentityProvider::start("pending,pending,ok", 3600);
    std::fs::write(dir.path().join("config.toml"), idp.config_toml()).unwrap();
    dmsctl(
        dir.path(),
        &db,
        &[
            "settings",
            "set",
            "mail_server",
            "auth_method=oauth2",
            "login=dms@firma.onmicrosoft.com",
            "server_name=smtp.office365.com",
            "port=587",
            "encryption=starttls",
        ],
    );
    let s = Session::start("dmsctl-e2e-oauth", dir.path(), &db, 120, 40);
    s.wait_for("Mail queue", Duration::from_secs(10));
    s.keys(&["1"]);
    s.wait_for("Not signed in to Microsoft 365", Duration::from_secs(3));
    s.keys(&["a"]);
    s.wait_for("Microsoft 365 sign-in", Duration::from_secs(3));
    s.wait_for("DMS-4242", Duration::from_secs(5));
    assert!(s.screen().contains("https://microsoft.com/devicelogin"));
    assert!(
        s.screen().contains('▀') || s.screen().contains('▄'),
        "a QR code where there is room:\n{}",
        s.screen()
    );
    s.wait_for(
        "Logged in user dms@firma.onmicrosoft.com",
        Duration::from_secs(10),
    );
    s.keys(&["Escape"]);
    s.wait_for("access token valid until", Duration::from_secs(3));
    let status = dmsctl(dir.path(), &db, &["oauth", "status"]);
    assert!(status.contains("dms@firma.onmicrosoft.com"), "{status}");
    drop(dir);
}

/// The console's own sender never stops silently: when it fails (here: another
/// program wrote a mail-server document that cannot be read), the header says so, and
/// it starts again once the cause is gone.
#[test]
fn the_consoles_sender_restarts_and_says_so() {
    if !crate::common::have(&[Tool::Tmux, Tool::Sqlite3]) {
        return;
    }
    let (dir, db) = fresh();
    dmsctl(dir.path(), &db, &["migrate"]);
    dmsctl(
        dir.path(),
        &db,
        &["settings", "set", "mail_server", "port=2525"],
    );
    let sql = |statement: &str| sql(&db, statement);
    let good = sql("SELECT data FROM settings WHERE tab = 'mail_server'");
    let s = Session::start("dmsctl-e2e-restart", dir.path(), &db, 160, 30);
    s.wait_for("this console sends", Duration::from_secs(10));

    sql(
        "UPDATE settings SET data = '{\"port\": \"not a port\"}', version = version + 1 WHERE tab = 'mail_server'",
    );
    s.wait_for("sender restarting (1)", Duration::from_secs(10));

    sql(&format!(
        "UPDATE settings SET data = '{}', version = version + 1 WHERE tab = 'mail_server'",
        good.replace('\'', "''")
    ));
    s.wait_for("restarted 1x", Duration::from_secs(15));
    s.keys(&["3"]);
    s.wait_for("the console's sender stopped", Duration::from_secs(5));
    s.keys(&["q"]);
    let pane = s.pane_pid();
    wait_until_gone(pane, "the console did not quit");
    drop(dir);
}
