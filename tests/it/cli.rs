//! The real `dmsctl` binary: exit codes, messages that name the argument, JSON shapes.

use crate::common::Tool;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

struct Env {
    dir: tempfile::TempDir,
    database: String,
}

impl Env {
    fn sqlite() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let database = format!("sqlite://{}", dir.path().join("dms.db").display());
        std::fs::write(dir.path().join("config.toml"), "").unwrap();
        Env { dir, database }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dmsctl"));
        c.args(args)
            .env("DMSCTL_CONFIG", self.config())
            .env("DMSCTL_DATABASE_URL", &self.database)
            .env("DMSCTL_LOG_FILE", self.dir.path().join("dmsctl.log"))
            .env_remove("DMSCTL_SECRET_KEY");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn run_with_stdin(&self, args: &[&str], input: &str) -> Output {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&out)))
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn enqueue(env: &Env, extra: &[&str]) -> i64 {
    let mut args = vec![
        "enqueue",
        "--to",
        "jan@firma.pl",
        "--subject",
        "Faktura",
        "--body",
        "Treść",
    ];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out).trim().parse().unwrap()
}

#[test]
fn enqueue_ls_show_and_json_shapes() {
    let env = Env::sqlite();
    let file = env.dir.path().join("raport_ż.pdf");
    std::fs::write(&file, b"%PDF-1.4 \x00\x01binary").unwrap();
    let id = enqueue(
        &env,
        &["--cc", "cc@firma.pl", "--attach", file.to_str().unwrap()],
    );

    let list = env.json(&["queue", "ls", "--json"]);
    let row = &list[0];
    for key in [
        "id",
        "status",
        "to",
        "subject",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ] {
        assert!(row.get(key).is_some(), "queue ls --json lacks {key}: {row}");
    }
    assert_eq!(row["id"], id);
    assert_eq!(row["status"], "pending");
    assert_eq!(row["to"], serde_json::json!(["jan@firma.pl"]));
    assert_eq!(row["attachment_count"], 1);
    assert!(row["sent_at"].is_null());

    let detail = env.json(&["queue", "show", &id.to_string(), "--json"]);
    assert_eq!(detail["cc"], serde_json::json!(["cc@firma.pl"]));
    assert_eq!(detail["body_text"], "Treść");
    assert_eq!(detail["attachments"][0]["file_name"], "raport_ż.pdf");
    assert_eq!(detail["attachments"][0]["content_type"], "application/pdf");

    let stats = env.json(&["queue", "stats", "--json"]);
    assert_eq!(stats["counts"]["pending"], 1);
    assert_eq!(stats["counts"]["failed"], 0);
    assert_eq!(stats["shape"]["rows"][0]["domain"], "firma.pl");
    assert_eq!(stats["shape"]["buckets"].as_array().unwrap().len(), 10);

    let text = stdout(&env.run(&["queue", "ls"]));
    assert!(text.starts_with("ID") && text.contains("Faktura"), "{text}");
}

#[test]
fn bad_input_exits_2_naming_the_argument_and_changes_nothing() {
    let env = Env::sqlite();
    let id = enqueue(&env, &[]);
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "enqueue",
                "--to",
                "not-an-address",
                "--subject",
                "x",
                "--body",
                "y",
            ],
            "--to",
        ),
        (
            &[
                "enqueue",
                "--to",
                "a@b.pl",
                "--subject",
                "x",
                "--body-file",
                "/nonexistent",
            ],
            "--body-file",
        ),
        (&["queue", "ls", "--status", "lost"], "--status"),
        (&["queue", "ls", "--limit", "0"], "--limit"),
        (&["queue", "cancel", "424242"], "424242"),
        (&["log", "--level", "loud"], "--level"),
        (&["settings", "show", "mailserver"], "TAB"),
        (
            &["settings", "set", "mail_server", "port=99999"],
            "mail_server.port",
        ),
        (&["settings", "set", "mail_server", "port"], "port"),
        // The commands print English: --lang is the console's alone.
        (&["--lang", "pl", "queue", "ls"], "--lang"),
        (&["queue", "ls", "--lang", "pl"], "--lang"),
        (
            &["queue", "purge", "--archived", "--older-than", "soon"],
            "--older-than",
        ),
    ];
    for (args, named) in cases {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(named),
            "{args:?} should name {named}: {}",
            stderr(&out)
        );
    }
    let list = env.json(&["queue", "ls", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id);
    let ms = env.json(&["settings", "show", "mail_server", "--json"]);
    assert_eq!(ms["version"], 0, "nothing was saved");
}

#[test]
fn bad_config_names_key_and_file() {
    let env = Env::sqlite();
    std::fs::write(
        env.config(),
        "multi_company = true\n[sender]\nlease_secnds = 30\n",
    )
    .unwrap();
    let out = env.run(&["queue", "stats"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("lease_secnds"), "{err}");
    assert!(err.contains(env.config().to_str().unwrap()), "{err}");

    std::fs::write(env.config(), "[sender]\nmax_queue_lifetime = \"forever\"\n").unwrap();
    let err = stderr(&env.run(&["queue", "stats"]));
    assert!(
        err.contains("max_queue_lifetime") && err.contains("forever"),
        "{err}"
    );

    let out = env
        .cmd(&["queue", "stats"])
        .env("DMSCTL_CONFIG", env.dir.path().join("missing.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.toml"), "{}", stderr(&out));
}

#[test]
fn settings_set_secret_from_stdin_show_masked_export_import() {
    let env = Env::sqlite();
    let out = env.run(&[
        "settings",
        "set",
        "mail_server",
        "server_name=smtp.firma.pl",
        "from_address=dms@firma.pl",
        "enabled=yes",
        "port=465",
        "encryption=ssl",
        "login=dms",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Settings saved"));
    let out = env.run_with_stdin(
        &["settings", "set", "mail_server", "password=-"],
        "Pass-From-Stdin-1\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let shown = env.json(&["settings", "show", "mail_server", "--json"]);
    assert_eq!(shown["data"]["password"], "********");
    assert_eq!(shown["data"]["port"], 465);
    assert_eq!(shown["version"], 2);
    let text = stdout(&env.run(&["settings", "show"]));
    assert!(!text.contains("Pass-From-Stdin-1"));

    let export = stdout(&env.run(&["settings", "export", "--with-secrets"]));
    assert!(
        export.contains("password = \"Pass-From-Stdin-1\""),
        "{export}"
    );
    let bare = stdout(&env.run(&["settings", "export"]));
    assert!(!bare.contains("Pass-From-Stdin-1"));

    // The key file was made beside the config, private.
    use std::os::unix::fs::PermissionsExt;
    let key = env.dir.path().join("secret.key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_no_plaintext(env.dir.path(), "Pass-From-Stdin-1");

    // Import into another database with the same key.
    let other = Env::sqlite();
    std::fs::copy(&key, other.dir.path().join("secret.key")).unwrap();
    let file = other.dir.path().join("export.toml");
    std::fs::write(&file, &export).unwrap();
    let out = other.run(&["settings", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let export_again = stdout(&other.run(&["settings", "export", "--with-secrets"]));
    assert_eq!(export_again, export);

    // An import with one bad tab changes nothing and exits 2.
    std::fs::write(
        &file,
        "[mail_server]\nport = 25\n[templates]\nurl_prefix = \"nope\"\n",
    )
    .unwrap();
    let out = other.run(&["settings", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("templates.url_prefix"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        stdout(&other.run(&["settings", "export", "--with-secrets"])),
        export
    );
}

fn assert_no_plaintext(dir: &Path, secret: &str) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "log")
            || path.file_name().is_some_and(|n| n == "secret.key")
        {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{} holds the secret in plain text",
            path.display()
        );
    }
}

#[test]
fn queue_actions_and_log() {
    let env = Env::sqlite();
    let a = enqueue(&env, &[]);
    let b = enqueue(&env, &[]);
    let (a_s, b_s) = (a.to_string(), b.to_string());
    assert_eq!(
        env.run(&["queue", "hold", &a_s, &b_s]).status.code(),
        Some(0)
    );
    assert_eq!(
        env.json(&["queue", "ls", "--status", "held", "--json"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(env.run(&["queue", "release", &b_s]).status.code(), Some(0));
    // Released already: nothing to release, refused with the reason, exit 2.
    let again = env.run(&["queue", "release", &b_s]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains(&format!("mail {b} is not held")),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(env.run(&["queue", "cancel", &b_s]).status.code(), Some(0));
    assert_eq!(
        env.json(&["queue", "ls", "--status", "cancelled", "--json"])[0]["id"],
        b
    );
    // Cancelling a cancelled mail: refused, exit 2.
    let out = env.run(&["queue", "cancel", &b_s]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is cancelled"), "{}", stderr(&out));
    assert_eq!(env.json(&["queue", "retry", &b_s, "--json"])["changed"], 1);
    assert_eq!(env.run(&["queue", "delete", &a_s]).status.code(), Some(0));

    let log = env.json(&["log", "--mail", &a_s, "--json"]);
    let messages: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].starts_with("deleted by"), "{messages:?}");
    assert!(messages.iter().any(|m| m.starts_with("held by")));
    assert_eq!(
        env.json(&["log", "--level", "error", "--json"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let purged = env.json(&[
        "queue",
        "purge",
        "--archived",
        "--older-than",
        "30d",
        "--json",
    ]);
    assert_eq!(purged["changed"], 0);
}

#[test]
fn postgres_through_the_binary() {
    let Some(base) = crate::common::pg_base_url() else {
        return;
    };
    let env = Env {
        database: base,
        ..Env::sqlite()
    };
    // A shared database: look only at the mail this test makes.
    let subject = format!("cli-pg-{}", std::process::id());
    let out = env.run(&[
        "enqueue",
        "--to",
        "a@firma.pl",
        "--subject",
        &subject,
        "--body",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id: i64 = stdout(&out).trim().parse().unwrap();
    let found = env.json(&["queue", "ls", "--search", &subject, "--json"]);
    assert_eq!(found[0]["id"], id);
    assert_eq!(
        env.run(&["queue", "delete", &id.to_string()]).status.code(),
        Some(0)
    );
}

mod sender_commands {
    use super::*;
    use crate::common::smtp::{Recorder, Sink, TestCa, Tls, free_port};

    fn configure(env: &Env, port: u16, encryption: &str) {
        let out = env.run(&[
            "settings",
            "set",
            "mail_server",
            "enabled=yes",
            "from_address=dms@firma.pl",
            "display_name=DMS",
            "server_name=127.0.0.1",
            &format!("port={port}"),
            &format!("encryption={encryption}"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }

    #[test]
    fn worker_once_pause_and_resume() {
        let env = Env::sqlite();
        let server = Recorder::start(Tls::Plain, None, None);
        configure(&env, server.port, "none");
        enqueue(&env, &[]);
        assert_eq!(env.run(&["worker", "pause"]).status.code(), Some(0));
        // Paused, a one-off run says so and fails instead of reporting nothing sent.
        let paused = env.run(&["worker", "--once", "--json"]);
        assert_eq!(paused.status.code(), Some(1), "{}", stderr(&paused));
        assert!(stderr(&paused).contains("paused"), "{}", stderr(&paused));
        assert_eq!(server.count(), 0);
        assert_eq!(env.run(&["worker", "resume"]).status.code(), Some(0));
        let summary = env.json(&["worker", "--once", "--json", "--id", "cli-test"]);
        assert_eq!(summary["sent"], 1, "{summary}");
        assert_eq!(server.received(1)[0]["subject"], "Faktura");
        let log = env.json(&["log", "--json"]);
        let messages: Vec<&str> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap())
            .collect();
        assert!(
            messages.iter().any(|m| m.starts_with("sending paused by")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("cli-test stopped: 1 sent")),
            "{messages:?}"
        );
    }

    #[test]
    fn check_smtp_reports_each_step() {
        let env = Env::sqlite();
        let ca = TestCa::new();
        let server = Recorder::start(Tls::Starttls, Some(&ca), None);
        configure(&env, server.port, "starttls");
        std::fs::write(
            env.config(),
            format!("[sender]\ntls_ca_file = \"{}\"\n", ca.ca().display()),
        )
        .unwrap();
        let out = env.run(&["check", "smtp"]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
        for step in ["dns", "tcp", "starttls", "ehlo"] {
            assert!(
                text.lines()
                    .any(|l| l.starts_with("ok") && l.contains(step)),
                "{step}: {text}"
            );
        }
        assert!(
            text.contains("CN=localhost") && text.contains("days left"),
            "{text}"
        );
        // What the server offers, in SMTP's own words (aiosmtpd: 8BITMIME, SMTPUTF8).
        let ehlo = text
            .lines()
            .find(|l| l.contains("ehlo"))
            .unwrap_or_default();
        assert!(
            ehlo.contains("8BITMIME") && ehlo.contains("SMTPUTF8") && !ehlo.contains('{'),
            "{ehlo}"
        );

        // Without the CA: the TLS step fails with a hint; exit code 1.
        std::fs::write(env.config(), "").unwrap();
        let out = env.run(&["check", "smtp", "--json"]);
        assert_eq!(out.status.code(), Some(1));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let tls = report["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "starttls")
            .unwrap();
        assert_eq!(tls["state"], "failed");
        assert!(
            tls["hint"].as_str().unwrap().contains("tls_ca_file"),
            "{tls}"
        );

        // Nothing listening: the TCP step fails, later steps are not reached.
        configure(&env, free_port(), "none");
        let out = env.run(&["check", "smtp", "--json"]);
        assert_eq!(out.status.code(), Some(1));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let states: Vec<(&str, &str)> = report["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["name"].as_str().unwrap(), s["state"].as_str().unwrap()))
            .collect();
        assert_eq!(
            states,
            [
                ("dns", "ok"),
                ("tcp", "failed"),
                ("starttls", "skipped"),
                ("ehlo", "skipped"),
                ("auth", "skipped")
            ]
        );
    }

    #[test]
    fn send_test_waits_for_the_outcome() {
        let env = Env::sqlite();
        let out = env.run(&["send-test", "--to", "a@firma.pl", "--subject", "x"]);
        assert_eq!(out.status.code(), Some(2), "no account yet");
        assert!(
            stderr(&out).contains("mail_server.from_address"),
            "{}",
            stderr(&out)
        );

        let server = Recorder::start(Tls::Plain, None, None);
        configure(&env, server.port, "none");
        let mut worker = env
            .cmd(&["worker", "--id", "bg"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let file = env.dir.path().join("zał.txt");
        std::fs::write(&file, "załącznik").unwrap();
        let out = env.run(&[
            "send-test",
            "--to",
            "jan@firma.pl",
            "--subject",
            "Test łączności",
            "--body",
            "Treść",
            "--attach",
            file.to_str().unwrap(),
            "--wait",
            "--timeout",
            "20s",
        ]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
        assert!(text.contains("delivered") && text.contains("250"), "{text}");
        assert_eq!(
            server.received(1)[0]["attachments"][0]["file_name"],
            "zał.txt"
        );

        // A server that refuses the recipient: the SMTP error is printed, exit 1.
        let sink = Sink::start(&["-f", "rcpt"]);
        configure(&env, sink.port, "none");
        std::thread::sleep(Duration::from_millis(300));
        let out = env.run(&[
            "send-test",
            "--to",
            "jan@firma.pl",
            "--subject",
            "x",
            "--wait",
            "--timeout",
            "20s",
        ]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(
            text.contains("failed") && text.contains("RCPT TO"),
            "{text}"
        );

        // SIGTERM: the worker finishes and leaves the senders table.
        unsafe { libc_kill(worker.id() as i32, 15) };
        let status = worker.wait().unwrap();
        assert!(status.success(), "{status:?}");
        let senders = env.json(&["log", "--json", "--limit", "5"]);
        assert!(
            senders
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["message"].as_str().unwrap().contains("bg stopped"))
        );
    }

    unsafe extern "C" {
        #[link_name = "kill"]
        fn libc_kill(pid: i32, sig: i32) -> i32;
    }
}

mod killed_sender {
    use super::*;
    use crate::common::smtp::{Recorder, Sink, Tls};

    /// A sender killed mid-send (kill -9) leaves its mail claimed; once the lease runs
    /// out another sender delivers it.
    #[test]
    fn mails_of_a_killed_sender_are_delivered_after_the_lease() {
        let env = Env::sqlite();
        std::fs::write(
            env.config(),
            "[sender]\nlease_seconds = 5\nsmtp_timeout = \"60s\"\n",
        )
        .unwrap();
        let stall = Sink::start(&["-w", "60"]);
        let set = |port: u16| {
            let out = env.run(&[
                "settings",
                "set",
                "mail_server",
                "enabled=yes",
                "from_address=dms@firma.pl",
                "server_name=127.0.0.1",
                &format!("port={port}"),
                "encryption=none",
            ]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        };
        set(stall.port);
        let id = enqueue(&env, &[]);
        let mut doomed = env
            .cmd(&["worker", "--id", "doomed"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let m = env.json(&["queue", "show", &id.to_string(), "--json"]);
            if m["status"] == "sending" {
                assert_eq!(m["claimed_by"], "doomed");
                break;
            }
            assert!(std::time::Instant::now() < deadline, "never claimed: {m}");
            std::thread::sleep(Duration::from_millis(100));
        }
        doomed.kill().unwrap();
        doomed.wait().unwrap();

        let server = Recorder::start(Tls::Plain, None, None);
        set(server.port);
        // Within the lease nobody takes it.
        let early = env.json(&["worker", "--once", "--json", "--id", "rescuer"]);
        assert_eq!(early["sent"], 0, "{early}");
        std::thread::sleep(Duration::from_secs(6));
        let late = env.json(&["worker", "--once", "--json", "--id", "rescuer"]);
        assert_eq!(late["sent"], 1, "{late}");
        assert_eq!(server.count(), 1);
        let log = env.json(&["log", "--mail", &id.to_string(), "--json"]);
        assert!(
            log.as_array().unwrap().iter().any(|e| e["message"]
                .as_str()
                .unwrap()
                .contains("doomed stopped before recording")),
            "{log}"
        );
    }
}

#[test]
fn enqueue_renders_a_template() {
    let env = Env::sqlite();
    let out = env.run(&[
        "settings",
        "set",
        "templates",
        "url_prefix=http://dms.firma.pl/web/documents/",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = env.run(&[
        "enqueue",
        "--template",
        "overdue",
        "--to",
        "jan@firma.pl",
        "--doc",
        "1042,DocumentNumber=FV/17/2026,ExpirationTime=2 dni",
        "--doc",
        "1043,DocumentNumber=FV/18/2026,ExpirationTime=1 dzień",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    let mail = env.json(&["queue", "show", &id, "--json"]);
    assert_eq!(mail["subject"], "Overdue documents");
    let body = mail["body_text"].as_str().unwrap();
    assert!(
        body.contains("FV/17/2026 overdue by 2 dni: http://dms.firma.pl/web/documents/1042"),
        "{body}"
    );
    assert!(
        body.contains("FV/18/2026 overdue by 1 dzień: http://dms.firma.pl/web/documents/1043"),
        "{body}"
    );

    // A mask without a value is named; nothing is queued.
    let out = env.run(&[
        "enqueue",
        "--template",
        "received_each",
        "--to",
        "jan@firma.pl",
        "--doc",
        "7",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no value for {DocumentNumber}"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["enqueue", "--template", "weekly", "--to", "jan@firma.pl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--template"), "{}", stderr(&out));
    assert_eq!(
        env.json(&["queue", "ls", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Lists through the command line: add prints the new id, a bad value is refused naming
/// the element's field and stores nothing, remove takes ids.
#[test]
fn settings_add_and_remove_list_elements() {
    let env = Env::sqlite();
    let out = env.run(&[
        "settings",
        "add",
        "erp",
        "companies",
        "company_name=Firma A",
        "abbreviation=FA",
        "nip=5260001241",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("erp.companies[0].nip") && stderr(&out).contains("check digit"),
        "{}",
        stderr(&out)
    );
    let erp = env.json(&["settings", "show", "erp", "--json"]);
    assert_eq!(erp["data"]["companies"].as_array().unwrap().len(), 0);

    let out = env.run_with_stdin(
        &[
            "settings",
            "add",
            "erp",
            "companies",
            "company_name=Firma A",
            "abbreviation=FA",
            "nip=526-000-12-46",
            "connection.server=sql01",
            "ksef_token=-",
        ],
        "token-z-stdin\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    assert!(uuid_like(&id), "{id}");
    let erp = env.json(&["settings", "show", "erp", "--json"]);
    let company = &erp["data"]["companies"][0];
    assert_eq!(company["id"], id.as_str());
    assert_eq!(company["connection"]["server"], "sql01");
    assert_eq!(company["ksef_token"], dmsctl::settings::MASK);
    // The element is then set by its id.
    let field = format!("companies[{id}].edelivery_address=AE:PL-12345-67890-ABCDE-12");
    assert_eq!(
        env.run(&["settings", "set", "erp", &field]).status.code(),
        Some(0)
    );

    // API systems: names unique, at least two characters.
    let out = env.run(&[
        "settings",
        "add",
        "api_systems",
        "systems",
        "name=comarch hrm",
    ]);
    refused(&out, "api_systems.systems[1].name");
    let out = env.run(&["settings", "add", "api_systems", "systems", "name=Portal"]);
    let portal = stdout(&out).trim().to_string();
    let out = env.run(&["settings", "add", "domain", "groups", "name=x"]);
    refused(&out, "LIST");
    assert_eq!(
        env.run(&["settings", "remove", "api_systems", "systems", &portal])
            .status
            .code(),
        Some(0)
    );
    let out = env.run(&["settings", "remove", "api_systems", "systems", &portal]);
    assert_eq!(out.status.code(), Some(2), "already gone");
    let systems = env.json(&["settings", "show", "api_systems", "--json"]);
    let names: Vec<&str> = systems["data"]["systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Comarch HRM"]);
}

/// Bad input: exit code 2 and a message naming what was wrong.
fn refused(out: &Output, naming: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
    assert!(stderr(out).contains(naming), "{}", stderr(out));
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

/// `queue anonymize` only counts without --yes; `demo` fills the operators once.
#[test]
fn anonymize_counts_first_and_demo_operators() {
    let env = Env::sqlite();
    enqueue(&env, &[]);
    let counted = env.json(&["queue", "anonymize", "--older-than", "1d", "--json"]);
    assert_eq!(counted["would_change"], 0);
    let done = env.json(&["queue", "anonymize", "--yes", "--json"]);
    assert_eq!(done["changed"], 0);
    let out = env.run(&["queue", "anonymize", "--older-than", "soon"]);
    refused(&out, "--older-than");

    let first = env.json(&["demo", "--json"]);
    assert_eq!(first["operators_added"], 5);
    let again = env.json(&["demo", "--json"]);
    assert_eq!(
        again["operators_added"], 0,
        "operators already there are kept"
    );
}

/// `oauth login` works without a terminal: it prints the address and code, polls, and
/// says who is logged in; a declined sign-in names the account and the reason.
#[test]
fn oauth_login_status_logout_through_the_binary() {
    use crate::common::oauth::IdentityProvider;
    let env = Env::sqlite();
    let out = env.run(&["oauth", "login"]);
    refused(&out, "oauth.client_id");
    let idp = IdentityProvider::start("pending,ok", 3600);
    std::fs::write(env.config(), idp.config_toml()).unwrap();
    let out = env.run(&["oauth", "login"]);
    refused(&out, "mail_server.login");
    env.json(&[
        "settings",
        "set",
        "mail_server",
        "auth_method=oauth2",
        "login=dms@firma.onmicrosoft.com",
        "--json",
    ]);
    let out = env.run(&["oauth", "login"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("open https://microsoft.com/devicelogin and enter the code DMS-4242"),
        "{text}"
    );
    assert!(!text.contains('█'), "no QR code without a terminal");
    assert!(
        text.trim_end()
            .ends_with("Logged in user dms@firma.onmicrosoft.com"),
        "{text}"
    );
    let status = stdout(&env.run(&["oauth", "status"]));
    assert!(
        status.contains("account:       dms@firma.onmicrosoft.com"),
        "{status}"
    );
    assert!(status.contains("refresh token stored"), "{status}");
    let json = env.json(&["oauth", "status", "--json"]);
    assert_eq!(json["login"], "dms@firma.onmicrosoft.com");
    assert!(!json.to_string().contains("at-"), "no token in the output");
    assert_eq!(env.json(&["oauth", "logout", "--json"])["signed_out"], true);
    assert!(stdout(&env.run(&["oauth", "status"])).contains("Not signed in"));

    drop(idp);
    let declined = IdentityProvider::start("pending,declined", 3600);
    std::fs::write(env.config(), declined.config_toml()).unwrap();
    let out = env.run(&["oauth", "login"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "Could not log in to the account of user dms@firma.onmicrosoft.com: the sign-in was declined"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn oversized_input_duplicate_ids_and_secrets_in_arguments() {
    let env = Env::sqlite();
    // An endless file is refused after the limit, not read into memory.
    std::fs::write(env.config(), "[sender]\nmax_message_size = 65536\n").unwrap();
    let out = env.run(&[
        "enqueue",
        "--to",
        "jan@firma.pl",
        "--subject",
        "s",
        "--body-file",
        "/dev/zero",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--body-file") && stderr(&out).contains("max_message_size"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&[
        "enqueue",
        "--to",
        "jan@firma.pl",
        "--subject",
        "s",
        "--body",
        "b",
        "--attach",
        "/dev/zero",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--attach"), "{}", stderr(&out));
    assert!(
        env.json(&["queue", "ls", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The same id twice is that mail once.
    let id = enqueue(&env, &[]).to_string();
    let out = env.run(&["queue", "cancel", &id, &id]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        env.json(&["queue", "show", &id, "--json"])["status"],
        "cancelled"
    );

    // A line break in a mask value is named.
    let out = env.run(&[
        "enqueue",
        "--template",
        "received_each",
        "--to",
        "jan@firma.pl",
        "--var",
        "WorkflowName=a\r\nBcc: x@y.pl",
        "--doc",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--var"), "{}", stderr(&out));

    // A password on the command line works, with a warning pointing to `-`.
    let out = env.run(&["settings", "set", "mail_server", "password=Tajne1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("password=-"), "{}", stderr(&out));
    let out = env.run_with_stdin(&["settings", "set", "mail_server", "password=-"], "Tajne2");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));

    // A sender needs a name.
    let out = env.run(&["worker", "--once", "--id", ""]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--id"), "{}", stderr(&out));
}

#[test]
fn safe_defaults_and_clean_failures() {
    if !crate::common::have(&[Tool::Sqlite3]) {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let env = Env::sqlite();
    // A new database and its folder are the owner's alone.
    let nested = env.dir.path().join("data/dmsctl");
    let db = nested.join("q.db");
    let url = format!("sqlite://{}", db.display());
    let out = env
        .cmd(&["migrate"])
        .env("DMSCTL_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&nested), 0o700);

    // A command that only reads never creates a database on a mistyped path.
    let missing = env.dir.path().join("nonexistent/dir/x.db");
    for args in [
        &["queue", "ls"][..],
        &["queue", "stats"],
        &["log"],
        &["settings", "show"],
    ] {
        let out = env
            .cmd(args)
            .env(
                "DMSCTL_DATABASE_URL",
                format!("sqlite://{}", missing.display()),
            )
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("nonexistent/dir/x.db"),
            "{}",
            stderr(&out)
        );
    }
    assert!(!env.dir.path().join("nonexistent").exists());

    // A reader that goes away is not a failure.
    let path = env.database.trim_start_matches("sqlite://").to_string();
    enqueue(&env, &[]);
    let fill = Command::new("sqlite3")
        .arg(&path)
        .arg(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) \
             INSERT INTO process_mails (to_addrs, subject) SELECT 'a@firma.pl', 'subject ' || x FROM c;",
        )
        .status()
        .unwrap();
    assert!(fill.success());
    let mut child = env
        .cmd(&["queue", "ls", "--limit", "3000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::BufRead;
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.starts_with("ID"), "{first}");
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "quiet: {}", stderr(&out));

    // An unreachable PostgreSQL is named, with the cause, at once.
    let port = crate::common::smtp::free_port();
    let started = std::time::Instant::now();
    let out = env
        .cmd(&["queue", "stats"])
        .env(
            "DMSCTL_DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:{port}/x"),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("127.0.0.1:{port}")) && stderr(&out).contains("refused"),
        "{}",
        stderr(&out)
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // An unknown theme is a bad value like any other.
    std::fs::write(env.config(), "theme = \"purple\"\n").unwrap();
    let out = env.run(&["queue", "stats"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("theme") && stderr(&out).contains("purple"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_worker_logs_one_line_per_event_and_says_when_paused() {
    let env = Env::sqlite();
    let server = crate::common::smtp::FaultServer::start(&[]);
    let port = server.port.to_string();
    let out = env.run(&[
        "settings",
        "set",
        "mail_server",
        "enabled=true",
        "from_address=dms@firma.pl",
        "server_name=127.0.0.1",
        &format!("port={port}"),
        "encryption=none",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let good = enqueue(&env, &[]);
    let out = env.run(&[
        "enqueue",
        "--to",
        "ola@firma.pl",
        "--subject",
        "[refuse]",
        "--body",
        "x",
    ]);
    let refused: i64 = stdout(&out).trim().parse().unwrap();
    let out = env.run(&["worker", "--once", "--id", "journal"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .map(str::to_string)
    };
    assert!(
        line("sender journal started (").is_some_and(|l| l.contains("database SQLite")),
        "{text}"
    );
    let sent = line(&format!("mail {good}:")).unwrap_or_default();
    assert!(
        sent.contains("to=<jan@firma.pl>")
            && sent.contains(&format!("relay=127.0.0.1:{port}"))
            && sent.contains("status=sent (250"),
        "{text}"
    );
    let failed = line(&format!("mail {refused}:")).unwrap_or_default();
    assert!(
        failed.contains("status=failed (") && failed.contains("550"),
        "{text}"
    );

    let quiet = env.run(&["worker", "--once", "--quiet", "--id", "journal"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));
    assert_eq!(
        stdout(&quiet).lines().count(),
        1,
        "only the summary: {}",
        stdout(&quiet)
    );

    env.run(&["worker", "pause"]);
    let out = env.run(&["worker", "--once", "--id", "journal"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("paused"), "{}", stderr(&out));
}

#[test]
fn check_queue_exit_codes_and_prometheus_metrics() {
    if !crate::common::have(&[Tool::Sqlite3, Tool::PrometheusClient]) {
        return;
    }
    let env = Env::sqlite();
    assert_eq!(env.run(&["migrate"]).status.code(), Some(0));
    // A mail another program queued 20 minutes ago, still pending.
    let path = env.database.trim_start_matches("sqlite://").to_string();
    let old = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        - 20 * 60_000;
    let ok = Command::new("sqlite3")
        .arg(&path)
        .arg(format!(
            "INSERT INTO process_mails (to_addrs, subject, created_at, next_attempt_at, queued_at) \
             VALUES ('a@firma.pl', 'old', {old}, {old}, {old});"
        ))
        .status()
        .unwrap();
    assert!(ok.success());
    enqueue(&env, &[]);
    let code = |args: &[&str]| {
        let mut all = vec!["check", "queue"];
        all.extend_from_slice(args);
        let out = env.run(&all);
        let line = stdout(&out);
        assert_eq!(line.lines().count(), 1, "one line: {line}");
        (out.status.code(), line)
    };
    let (c, line) = code(&[]);
    assert_eq!(c, Some(0), "{line}");
    assert!(
        line.starts_with("OK - ") && line.contains("pending=2"),
        "{line}"
    );
    let (c, line) = code(&["--max-oldest-pending", "15m"]);
    assert_eq!(c, Some(1), "{line}");
    assert!(
        line.starts_with("WARNING - oldest pending mail is 20m"),
        "{line}"
    );
    let (c, line) = code(&["--max-oldest-pending", "5m"]);
    assert_eq!(c, Some(2), "{line}");
    assert!(line.starts_with("CRITICAL - "), "{line}");
    let (c, line) = code(&["--min-senders", "1"]);
    assert_eq!(c, Some(2), "{line}");
    assert!(line.contains("0 senders alive"), "{line}");
    let (c, _) = code(&["--max-failed-last-hour", "0"]);
    assert_eq!(c, Some(0), "nothing failed yet");
    let port = crate::common::smtp::free_port();
    let out = env
        .cmd(&["check", "queue"])
        .env(
            "DMSCTL_DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:{port}/x"),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("UNKNOWN - "), "{}", stdout(&out));
    let json = env.run(&["check", "queue", "--json", "--max-oldest-pending", "15m"]);
    assert_eq!(json.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["state"], "WARNING");

    // The metrics parse with the Prometheus client library's own parser.
    let metrics = env.run(&["queue", "stats", "--prometheus"]);
    assert_eq!(metrics.status.code(), Some(0), "{}", stderr(&metrics));
    let mut py = crate::common::python()
        .arg("-c")
        .arg(
            "import sys
from prometheus_client.parser import text_string_to_metric_families
found = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        found[(s.name, s.labels.get('status', ''))] = s.value
assert found[('dmsctl_queue_mails', 'pending')] == 2, found
assert found[('dmsctl_queue_oldest_pending_seconds', '')] >= 1190, found
assert ('dmsctl_failures_last_hour', '') in found and ('dmsctl_deliveries_last_hour', '') in found
print('parsed', len(found))",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    py.stdin.take().unwrap().write_all(&metrics.stdout).unwrap();
    let parsed = py.wait_with_output().unwrap();
    assert!(
        parsed.status.success(),
        "{}{}",
        String::from_utf8_lossy(&parsed.stdout),
        String::from_utf8_lossy(&parsed.stderr)
    );
}

#[test]
fn completions_manual_page_and_config_edit() {
    let env = Env::sqlite();
    for shell in ["bash", "zsh", "fish"] {
        let out = env.run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains("dmsctl") && text.contains("worker"),
            "{shell}"
        );
    }
    let man = stdout(&env.run(&["man"]));
    assert!(
        man.contains(".TH dmsctl") && man.contains("worker"),
        "{man}"
    );

    // An editor that adds a line; the result is checked before it replaces the file.
    let editor = env.dir.path().join("editor.sh");
    let append = |line: &str| {
        std::fs::write(&editor, format!("#!/bin/sh\necho '{line}' >> \"$1\"\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    std::fs::write(env.config(), "theme = \"light\"\n").unwrap();
    append("bogus_key = 1");
    let out = env
        .cmd(&["config", "edit"])
        .env("EDITOR", &editor)
        .env_remove("VISUAL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("bogus_key"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(env.config()).unwrap(),
        "theme = \"light\"\n",
        "the old file is kept"
    );
    append("[sender]\nconcurrency = 2");
    let out = env
        .cmd(&["config", "edit"])
        .env("EDITOR", &editor)
        .env_remove("VISUAL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let saved = std::fs::read_to_string(env.config()).unwrap();
    assert!(
        saved.contains("concurrency = 2") && saved.starts_with("theme"),
        "{saved}"
    );
    let shown = env.json(&["config", "--json"]);
    assert_eq!(shown["config"]["sender"]["concurrency"], 2, "{shown}");
}

/// The Debian package of the binary under test: its files, its conffile, and that the
/// packaged binary runs.
#[test]
fn the_debian_package_holds_the_service_and_runs() {
    let has_cargo_deb = Command::new("cargo")
        .args(["deb", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_cargo_deb {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "cargo-deb is required under CI (scripts/test installs it)"
        );
        eprintln!("skipping: cargo-deb is not installed (scripts/test installs it)");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(root.join("packaging/build-deb"))
        .args(["dev", "--no-build"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let deb = stdout(&out)
        .lines()
        .chain(stderr(&out).lines())
        .find(|l| l.trim().ends_with(".deb"))
        .map(|l| root.join(l.trim()))
        .expect("the package path");
    let listing = stdout(
        &Command::new("dpkg-deb")
            .arg("-c")
            .arg(&deb)
            .output()
            .unwrap(),
    );
    for path in [
        "./usr/bin/dmsctl",
        "./etc/dmsctl/config.toml",
        "./lib/systemd/system/dmsctl-worker.service",
        "./usr/share/man/man1/dmsctl.1.gz",
        "./usr/share/bash-completion/completions/dmsctl",
        "./usr/share/zsh/vendor-completions/_dmsctl",
        "./usr/share/fish/vendor_completions.d/dmsctl.fish",
    ] {
        assert!(listing.contains(path), "{path} missing:\n{listing}");
    }
    let depends = stdout(
        &Command::new("dpkg-deb")
            .args(["-f"])
            .arg(&deb)
            .arg("Depends")
            .output()
            .unwrap(),
    );
    assert!(depends.contains("adduser"), "{depends}");
    let dir = tempfile::tempdir().unwrap();
    let control = dir.path().join("control");
    assert!(
        Command::new("dpkg-deb")
            .arg("-e")
            .arg(&deb)
            .arg(&control)
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(
        std::fs::read_to_string(control.join("conffiles"))
            .unwrap()
            .trim(),
        "/etc/dmsctl/config.toml"
    );
    let postinst = std::fs::read_to_string(control.join("postinst")).unwrap();
    assert!(postinst.contains("adduser --system") && postinst.contains("/var/lib/dmsctl"));
    assert!(
        Command::new("sh")
            .arg("-n")
            .arg(control.join("postinst"))
            .status()
            .unwrap()
            .success()
    );

    let files = dir.path().join("root");
    assert!(
        Command::new("dpkg-deb")
            .arg("-x")
            .arg(&deb)
            .arg(&files)
            .status()
            .unwrap()
            .success()
    );
    let unit =
        std::fs::read_to_string(files.join("lib/systemd/system/dmsctl-worker.service")).unwrap();
    for line in [
        "Type=notify",
        "User=dmsctl",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/dmsctl",
        "NoNewPrivileges=yes",
        "Restart=on-failure",
        "WatchdogSec=",
    ] {
        assert!(unit.contains(line), "{line}");
    }
    // The packaged config parses, and the packaged binary runs.
    let version = Command::new(files.join("usr/bin/dmsctl"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(
        stdout(&version).starts_with("dmsctl "),
        "{}",
        stdout(&version)
    );
    let config = env_config_check(
        &files.join("usr/bin/dmsctl"),
        &files.join("etc/dmsctl/config.toml"),
    );
    assert!(config.contains("/var/lib/dmsctl/dmsctl.db"), "{config}");
}

fn env_config_check(bin: &Path, config: &Path) -> String {
    let out = Command::new(bin)
        .args(["config", "--config"])
        .arg(config)
        .env_remove("DMSCTL_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// `queue show` says what comes next for each state, and each SMTP reply once.
#[test]
fn queue_show_says_what_comes_next_and_each_reply_once() {
    let env = Env::sqlite();
    let failed = enqueue(&env, &[]);
    let held = enqueue(&env, &[]);
    let pending = enqueue(&env, &[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = dmsctl::store::Store::open(&env.database).await.unwrap();
        let q = dmsctl::queue::MailQueue::new(store.clone());
        q.act(dmsctl::queue::MailAction::Hold, &[held], "t")
            .await
            .unwrap();
        let claimed = q
            .claim("s1", 10, std::time::Duration::from_secs(60))
            .await
            .unwrap();
        let records: Vec<_> = claimed
            .iter()
            .map(|c| dmsctl::queue::OutcomeRecord {
                id: c.mail.id,
                attempt: c.attempt,
                outcome: if c.mail.id == failed {
                    dmsctl::queue::MailOutcome::Failed {
                        failure: dmsctl::queue::StoredFailure {
                            message: "refused for good: 550 5.1.1 no such user".into(),
                            detail: Some("550 5.1.1 no such user".into()),
                        },
                    }
                } else {
                    dmsctl::queue::MailOutcome::Release { at: 0, note: None }
                },
            })
            .collect();
        q.record("s1", &records).await.unwrap();
        store.close().await;
    });
    let show = |id: i64| stdout(&env.run(&["queue", "show", &id.to_string()]));
    let f = show(failed);
    assert!(
        f.contains(&format!(
            "Next try: none (failed; `dmsctl queue retry {failed}`)"
        )),
        "{f}"
    );
    assert_eq!(
        f.matches("550 5.1.1 no such user").count(),
        2,
        "when and why it failed, and the history, once each:\n{f}"
    );
    assert!(f.contains("Failed:   "), "{f}");
    assert!(show(held).contains("Next try: when released"));
    assert!(
        show(pending).contains("Next try: now (due)"),
        "released to time 0"
    );
}

#[test]
fn filters_bulk_actions_by_filter_and_export() {
    let env = Env::sqlite();
    let send = |to: &str, subject: &str| -> i64 {
        let out = env.run(&["enqueue", "--to", to, "--subject", subject, "--body", "x"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out).trim().parse().unwrap()
    };
    let onet: Vec<i64> = (0..3)
        .map(|i| send("a@onet.pl", &format!("Nr {i}")))
        .collect();
    let wp: Vec<i64> = (0..2).map(|_| send("b@wp.pl", "Wezwanie")).collect();
    let quoted = send("Cezary <c@Onet.pl>", "Faktura, \"pilna\"");
    let listed = |filter: &str| -> Vec<i64> {
        let v = env.json(&["queue", "ls", "--filter", filter, "--json"]);
        let mut ids: Vec<i64> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        ids.sort();
        ids
    };
    let mut all_onet = onet.clone();
    all_onet.push(quoted);
    assert_eq!(listed("domain:onet.pl"), all_onet);
    assert_eq!(listed("-domain:onet.pl"), wp);
    assert_eq!(listed("faktura"), vec![quoted]);

    // A filter that does not parse: exit 2, where it goes wrong, nothing run.
    let out = env.run(&["queue", "hold", "--filter", "status:pending subjct:x"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("--filter"), "{err}");
    assert!(err.contains("at 16: `subjct:` is not a qualifier"), "{err}");
    assert!(
        err.contains("status:pending subjct:x\n                 ^"),
        "{err}"
    );
    assert!(listed("status:held").is_empty());
    // Ids and a filter together are refused.
    let out = env.run(&["queue", "cancel", "1", "--filter", "status:pending"]);
    assert_eq!(out.status.code(), Some(2));

    // Without --yes: what it would meet, and nothing changes.
    let out = env.run(&["queue", "hold", "--filter", "domain:onet.pl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("4 mail(s) match; 4 would be held"), "{text}");
    assert!(text.contains("top domains: onet.pl 4"), "{text}");
    assert!(text.contains("add --yes"), "{text}");
    assert!(listed("status:held").is_empty());
    // With it: done.
    let out = env.run(&["queue", "hold", "--filter", "domain:onet.pl", "--yes"]);
    assert_eq!(stdout(&out).trim(), "4 mail(s) held", "{}", stderr(&out));
    assert_eq!(listed("status:held"), all_onet);
    // Again: nothing applies, and the breakdown says why.
    let b = env.json(&["queue", "hold", "--filter", "domain:onet.pl", "--json"]);
    assert_eq!(b["matched"], 4);
    assert_eq!(b["applicable"], 0);
    assert_eq!(b["not_applicable"], serde_json::json!([["held", 4]]));
    // Released gently.
    let out = env.run(&[
        "queue", "release", "--filter", "held:yes", "--yes", "--rate", "600/min",
    ]);
    assert_eq!(
        stdout(&out).trim(),
        "4 mail(s) released",
        "{}",
        stderr(&out)
    );
    let out = env.run(&["queue", "release", "--filter", "held:yes", "--rate", "fast"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--rate"), "{}", stderr(&out));
    let out = env.run(&["queue", "cancel", "--filter", "domain:wp.pl", "--yes"]);
    assert_eq!(stdout(&out).trim(), "2 mail(s) cancelled");
    let out = env.run(&["queue", "retry", "--filter", "status:cancelled", "--yes"]);
    assert_eq!(stdout(&out).trim(), "2 mail(s) queued again");

    let stats = env.json(&["queue", "stats", "--filter", "domain:wp.pl", "--json"]);
    assert_eq!(stats["matched"], 2);
    assert_eq!(stats["by_status"], serde_json::json!([["pending", 2]]));

    // Export: CSV quoted as RFC 4180, JSON as an array, oldest first.
    let out = env.run(&[
        "queue",
        "export",
        "--filter",
        "domain:onet.pl",
        "--format",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let csv = stdout(&out);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(
        lines[0].starts_with("id,status,attempts,created_at"),
        "{csv}"
    );
    assert!(
        lines[1].starts_with(&format!("{},pending,0,", onet[0])),
        "{csv}"
    );
    assert!(
        lines[4].contains(",Cezary <c@Onet.pl>,\"Faktura, \"\"pilna\"\"\","),
        "{csv}"
    );
    let json = env.json(&["queue", "export", "--format", "json"]);
    let ids: Vec<i64> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 6);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[test]
fn defer_a_destination_list_it_and_end_it() {
    let env = Env::sqlite();
    let out = env.run(&[
        "queue",
        "defer",
        "--domain",
        "onet.pl",
        "--until",
        "yesterday",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--until"), "{}", stderr(&out));
    let out = env.run(&["queue", "defer", "--domain", "a@onet.pl", "--until", "2h"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--domain"), "{}", stderr(&out));
    let out = env.run(&[
        "queue",
        "defer",
        "--domain",
        "Onet.pl",
        "--until",
        "2h",
        "--reason",
        "ticket 42",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("mail to onet.pl deferred until "),
        "{}",
        stdout(&out)
    );
    let rules = env.json(&["queue", "defer", "--list", "--json"]);
    assert_eq!(rules[0]["domain"], "onet.pl");
    assert_eq!(rules[0]["reason"], "ticket 42");
    let out = env.run(&["queue", "undefer", "--domain", "onet.pl"]);
    assert_eq!(
        stdout(&out).trim(),
        "mail to onet.pl is no longer deferred; it is due now"
    );
    let out = env.run(&["queue", "undefer", "--domain", "onet.pl"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stdout(&env.run(&["queue", "defer", "--list"])).trim(),
        "no destination is deferred"
    );
}
