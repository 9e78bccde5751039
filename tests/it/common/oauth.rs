//! The local identity provider (tests/support/oauth_server.py) on a free loopback port,
//! stopped when dropped.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use dmsctl::config::OAuthConfig;

use super::smtp::free_port;

pub const CLIENT_ID: &str = "dmsctl-test-client";

pub struct IdentityProvider {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Child,
}

impl IdentityProvider {
    /// `device`: the answers to the device-code polls in order (`pending,slow_down,ok`).
    pub fn start(device: &str, access_ttl_secs: u64) -> IdentityProvider {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/oauth_server.py");
        let mut child = super::python()
            .arg(script)
            .args(["--port", &port.to_string()])
            .arg("--tokens")
            .arg(dir.path().join("tokens"))
            .arg("--log")
            .arg(dir.path().join("requests.log"))
            .args(["--device", device, "--interval", "1"])
            .args(["--access-ttl", &access_ttl_secs.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "READY", "the OAuth test server did not start");
        IdentityProvider { port, dir, child }
    }

    pub fn config(&self) -> OAuthConfig {
        OAuthConfig {
            client_id: Some(CLIENT_ID.into()),
            authority: format!("http://127.0.0.1:{}", self.port),
            ..OAuthConfig::default()
        }
    }

    /// The same as lines for a config file.
    pub fn config_toml(&self) -> String {
        format!(
            "[oauth]\nclient_id = \"{CLIENT_ID}\"\nauthority = \"http://127.0.0.1:{}\"\n",
            self.port
        )
    }

    /// Where the access tokens it considers valid are listed (for the SMTP server).
    pub fn tokens(&self) -> PathBuf {
        self.dir.path().join("tokens")
    }

    /// Every request so far: (seconds since the epoch, path, form fields).
    pub fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.path().join("requests.log"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// `{"refresh": "invalid_grant"}`, `{"revoke_access": true}`.
    pub fn control(&self, change: serde_json::Value) {
        let body = change.to_string();
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "POST /control HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut s, &mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
    }
}

impl Drop for IdentityProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
