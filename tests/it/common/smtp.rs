//! Real SMTP servers for the sender tests, started on free loopback ports and stopped
//! when dropped: the aiosmtpd recorder (tests/support/smtp_server.py) and Postfix's
//! smtp-sink with its fault options.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dmsctl::config::Config;
use dmsctl::secrets::Secret;
use dmsctl::sender::{Sender, SenderOptions, Summary};
use dmsctl::settings::{Actor, Encryption, MailServerSettings, Settings};
use dmsctl::store::Store;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A test CA and a leaf certificate for localhost / 127.0.0.1 that it signed (rustls
/// rejects a certificate that is its own CA).
pub struct TestCa {
    pub dir: tempfile::TempDir,
}

impl TestCa {
    pub fn new() -> TestCa {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
        };
        let dir = tempfile::tempdir().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "dmsctl test CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);

        let mut leaf =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        leaf.distinguished_name
            .push(DnType::CommonName, "localhost");
        let leaf_key = KeyPair::generate().unwrap();
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();

        std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
        std::fs::write(dir.path().join("leaf.pem"), leaf_cert.pem()).unwrap();
        std::fs::write(dir.path().join("leaf.key"), leaf_key.serialize_pem()).unwrap();
        TestCa { dir }
    }
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("leaf.pem")
    }
    pub fn key(&self) -> PathBuf {
        self.dir.path().join("leaf.key")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    Plain,
    Starttls,
    Implicit,
}

/// The aiosmtpd recorder.
pub struct Recorder {
    pub port: u16,
    pub out: tempfile::TempDir,
    child: Child,
}

impl Recorder {
    pub fn start(tls: Tls, ca: Option<&TestCa>, auth: Option<&str>) -> Recorder {
        Self::start_with(tls, ca, auth, None)
    }

    /// `auth_only`: offer only this AUTH mechanism (`PLAIN` or `LOGIN`).
    pub fn start_with(
        tls: Tls,
        ca: Option<&TestCa>,
        auth: Option<&str>,
        auth_only: Option<&str>,
    ) -> Recorder {
        let mut extra = Vec::new();
        if let Some(a) = auth {
            extra.extend(["--auth".to_string(), a.to_string()]);
        }
        if let Some(m) = auth_only {
            extra.extend(["--auth-only".to_string(), m.to_string()]);
        }
        Self::start_args(tls, ca, &extra)
    }

    fn start_args(tls: Tls, ca: Option<&TestCa>, extra: &[String]) -> Recorder {
        let port = free_port();
        let out = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
        let mut cmd = super::python();
        cmd.arg(script)
            .args(["--port", &port.to_string()])
            .arg("--out")
            .arg(out.path())
            .args([
                "--tls",
                match tls {
                    Tls::Plain => "plain",
                    Tls::Starttls => "starttls",
                    Tls::Implicit => "implicit",
                },
            ]);
        if let Some(ca) = ca {
            cmd.arg("--cert").arg(ca.cert()).arg("--key").arg(ca.key());
        }
        cmd.args(extra);
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd)");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "READY", "the SMTP test server did not start");
        Recorder { port, out, child }
    }

    /// The messages received so far, waiting up to 5 s for `n` of them.
    pub fn received(&self, n: usize) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let got: Vec<serde_json::Value> = (1..=n)
                .map(|i| self.out.path().join(format!("{i}.json")))
                .filter(|p| p.exists())
                .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
                .collect();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn count(&self) -> usize {
        std::fs::read_dir(self.out.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "json")
            })
            .count()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Postfix's smtp-sink: accepts and discards, or fails on command with the options
/// `-r` (4xx), `-f` (5xx), `-Q` (421 and disconnect), `-w` (stall before DATA's reply).
pub struct Sink {
    pub port: u16,
    child: Child,
}

pub const SMTP_SINK: &str = "/usr/sbin/smtp-sink";

impl Sink {
    pub fn start(options: &[&str]) -> Sink {
        assert!(
            Path::new(SMTP_SINK).exists(),
            "{SMTP_SINK} is missing: apt-get install postfix (its daemon is not needed)"
        );
        let port = free_port();
        let mut cmd = Command::new(SMTP_SINK);
        if running_as_root() {
            // smtp-sink refuses to run as root without somebody to become.
            cmd.args(["-u", "nobody"]);
        }
        let child = cmd
            .args(options)
            .arg(format!("127.0.0.1:{port}"))
            .arg("64")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("smtp-sink");
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "smtp-sink did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Sink { port, child }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

pub fn account(port: u16, encryption: Encryption) -> MailServerSettings {
    MailServerSettings {
        enabled: true,
        from_address: "dms@firma.pl".into(),
        display_name: "Obieg dokumentów – Łódź".into(),
        reply_to: "biuro@firma.pl".into(),
        server_name: "127.0.0.1".into(),
        port,
        encryption,
        ..MailServerSettings::default()
    }
}

pub fn with_login(mut a: MailServerSettings, login: &str, password: &str) -> MailServerSettings {
    a.login = login.into();
    a.password = Secret::new(password);
    a
}

/// Settings service with a key file of its own.
pub struct TestSettings {
    pub settings: Settings,
    _dir: tempfile::TempDir,
}

pub async fn save_account(store: &Store, account: &MailServerSettings) -> TestSettings {
    let dir = tempfile::tempdir().unwrap();
    let s = TestSettings {
        settings: Settings::new(store.clone(), dir.path().join("secret.key")),
        _dir: dir,
    };
    s.update(account).await;
    s
}

impl TestSettings {
    /// Saves a new version of the account with the same secret key.
    pub async fn update(&self, account: &MailServerSettings) {
        let current = self.settings.load::<MailServerSettings>().await.unwrap();
        let actor = Actor {
            user: "tester".into(),
            ssh_client: None,
        };
        self.settings
            .save(account, current.version, &actor)
            .await
            .unwrap();
    }
}

/// Fast retries and short timeouts for tests.
pub fn test_config() -> Config {
    let mut c = Config::default();
    c.sender.retry_initial = Duration::from_secs(60);
    c.sender.retry_max = Duration::from_secs(600);
    c.sender.smtp_timeout = Duration::from_secs(5);
    c.sender.concurrency = 2;
    // The test servers listen on loopback without TLS unless a test says otherwise.
    c.sender.allow_plaintext_auth = true;
    c
}

pub async fn run_once(store: &Store, settings: &TestSettings, config: &Config) -> Summary {
    let sender = Sender::new(
        store.clone(),
        settings.settings.clone(),
        config,
        SenderOptions {
            id: "test-sender".into(),
            concurrency: config.sender.concurrency as usize,
            once: true,
        },
    );
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    tokio::time::timeout(Duration::from_secs(60), sender.run(stopped))
        .await
        .expect("the sender finished within 60 s")
        .expect("the sender ran")
}

impl Recorder {
    /// Offers only AUTH XOAUTH2, accepting the bearer tokens listed in `tokens` (kept
    /// by the OAuth test server); `challenge`: refuse with a Gmail-style 334 first.
    pub fn start_xoauth2(tokens: &Path, challenge: bool) -> Recorder {
        Self::start_args(Tls::Plain, None, &{
            let mut a = vec!["--xoauth2-tokens".to_string(), tokens.display().to_string()];
            if challenge {
                a.push("--xoauth2-challenge".into());
            }
            a
        })
    }

    /// XOAUTH2 logins seen so far: (user, token valid).
    pub fn xoauth2_logins(&self) -> Vec<(String, bool)> {
        std::fs::read_to_string(self.out.path().join("auth.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| {
                (
                    v["user"].as_str().unwrap_or("").to_string(),
                    v["valid"].as_bool().unwrap_or(false),
                )
            })
            .collect()
    }
}

/// The misbehaving server of tests/support/fault_smtp.py: faults chosen by subject
/// (`[drop]`, `[stall]`, `[refuse]`) or for the first connections (`--stall-greeting`).
pub struct FaultServer {
    pub port: u16,
    pub out: tempfile::TempDir,
    args: Vec<String>,
    child: Option<Child>,
}

impl FaultServer {
    pub fn start(args: &[&str]) -> FaultServer {
        let mut s = FaultServer {
            port: free_port(),
            out: tempfile::tempdir().unwrap(),
            args: args.iter().map(|a| a.to_string()).collect(),
            child: None,
        };
        s.restart();
        s
    }

    /// Starts (again) on the same port, keeping what was received.
    pub fn restart(&mut self) {
        self.stop();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fault_smtp.py");
        let mut child = super::python()
            .arg(script)
            .args(["--port", &self.port.to_string()])
            .arg("--out")
            .arg(self.out.path().join("received.jsonl"))
            .args(&self.args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "READY", "the fault SMTP server did not start");
        self.child = Some(child);
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Every message accepted so far, in order.
    pub fn received(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.out.path().join("received.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Waits up to `within` for at least `n` messages.
    pub fn wait_for(&self, n: usize, within: Duration) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop();
    }
}
