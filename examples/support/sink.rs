//! Postfix's smtp-sink on a free loopback port, for the benchmarks.

use std::process::{Command, Stdio};
use std::time::Duration;

pub struct Sink(pub std::process::Child, pub u16);

impl Sink {
    /// smtp-sink on a free loopback port; `delay` seconds before answering DATA.
    pub fn start(delay: u32) -> Sink {
        Self::run(delay, None)
    }

    /// As `start`, appending every mail it takes to `dump`.
    #[allow(dead_code)]
    pub fn start_dumping(dump: &std::path::Path) -> Sink {
        Self::run(0, Some(dump))
    }

    fn run(delay: u32, dump: Option<&std::path::Path>) -> Sink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let mut cmd = Command::new("/usr/sbin/smtp-sink");
        if is_root() {
            cmd.args(["-u", "nobody"]);
        }
        if delay > 0 {
            cmd.args(["-w", &delay.to_string()]);
        }
        if let Some(d) = dump {
            cmd.arg("-D").arg(d);
        }
        let child = cmd
            .arg(format!("127.0.0.1:{port}"))
            .arg("256")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("smtp-sink (apt-get install postfix)");
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            std::thread::sleep(Duration::from_millis(20));
        }
        Sink(child, port)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// The mail account of a queue at `store`: plain SMTP to the sink on `port`.
#[allow(dead_code)]
pub async fn save_account(store: &dmsctl::store::Store, key: &std::path::Path, port: u16) {
    use dmsctl::settings::{Actor, Encryption, MailServerSettings, Settings};
    let account = MailServerSettings {
        enabled: true,
        from_address: "dms@firma.pl".into(),
        server_name: "127.0.0.1".into(),
        port,
        encryption: Encryption::None,
        ..MailServerSettings::default()
    };
    let actor = Actor {
        user: "bench".into(),
        ssh_client: None,
    };
    Settings::new(store.clone(), key.to_path_buf())
        .save(&account, 0, &actor)
        .await
        .expect("save account");
}
