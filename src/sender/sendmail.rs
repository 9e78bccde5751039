//! `sendmail` mode: each message is piped to the local MTA's sendmail binary, which
//! owns encryption and authentication.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::failure::{SmtpFailure, Stage};
use super::message::Prepared;
use super::transport::Delivery;

/// sysexits.h codes after which trying again later can work.
const TEMPORARY_EXITS: [i32; 7] = [69, 70, 71, 72, 73, 74, 75];

/// Whether the binary is there and executable ("Profile exists").
pub fn check_binary(path: &str) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let meta =
        std::fs::metadata(Path::new(path)).map_err(|e| format!("sendmail_path {path}: {e}"))?;
    if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
        return Err(format!("sendmail_path {path} is not an executable file"));
    }
    Ok(())
}

pub async fn deliver(path: &str, p: &Prepared, timeout: Duration) -> Result<Delivery, SmtpFailure> {
    check_binary(path).map_err(SmtpFailure::config)?;
    let mut child = Command::new(path)
        .arg("-i")
        .arg("-f")
        .arg(&p.from)
        .arg("--")
        .args(p.recipients.iter().map(|r| r.to_string()))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| SmtpFailure::config(format!("cannot run {path}: {e}")))?;
    // The local MTA expects Unix line ends.
    let text = String::from_utf8_lossy(&p.bytes).replace("\r\n", "\n");
    let run = async {
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(text.as_bytes()).await?;
            stdin.shutdown().await?;
        }
        child.wait_with_output().await
    };
    let out = tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| SmtpFailure::timeout(Stage::Sendmail, timeout))?
        .map_err(|e| SmtpFailure::temporary(Stage::Sendmail, format!("{path}: {e}")))?;
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    match out.status.code() {
        Some(0) => Ok(Delivery {
            reply: format!("{path} accepted the message"),
            rejected: Vec::new(),
        }),
        Some(code) => {
            let text = format!(
                "{path} exited with {code}{}",
                if stderr.is_empty() {
                    String::new()
                } else {
                    format!(": {stderr}")
                }
            );
            if TEMPORARY_EXITS.contains(&code) {
                Err(SmtpFailure::temporary(Stage::Sendmail, text))
            } else {
                Err(SmtpFailure::permanent(Stage::Sendmail, text))
            }
        }
        None => Err(SmtpFailure::temporary(
            Stage::Sendmail,
            format!("{path} was killed by a signal"),
        )),
    }
}
