//! `dmsctl worker`, `dmsctl send-test`, `dmsctl check smtp`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use tokio::sync::watch;

use super::Context;
use super::enqueue::read_attachment;
use super::output::{OutputMode, print_json};
use crate::error::{Error, Result};
use crate::queue::{MailStatus, NewMail};
use crate::sender::check::{StepState, check};
use crate::sender::{Sender, SenderOptions};
use crate::settings::{Actor, MailServerSettings, SendWith};
use crate::time::{format_rfc3339, now_ms};
use crate::worklog::{Level, LogFilter};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct WorkerArgs {
    #[command(subcommand)]
    pub action: Option<WorkerAction>,
    /// Send what is due now, print a summary and exit.
    #[arg(long)]
    pub once: bool,
    /// SMTP connections (default: [sender] concurrency).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: Option<u32>,
    /// This sender's name (default: HOST:PID).
    #[arg(long, value_name = "NAME")]
    pub id: Option<String>,
    /// Print nothing per event (by default one line per event on standard output).
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum WorkerAction {
    /// Stop every sender from taking mail (they keep running).
    Pause,
    /// Let the senders take mail again.
    Resume,
}

#[derive(Debug, Args)]
pub struct SendTestArgs {
    #[arg(long, value_name = "ADDR")]
    pub to: String,
    #[arg(long)]
    pub subject: String,
    #[arg(long, default_value = "")]
    pub body: String,
    #[arg(long, value_name = "FILE")]
    pub attach: Option<PathBuf>,
    /// Wait for the outcome and print it.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits.
    #[arg(long, default_value = "2m", value_parser = parse_duration)]
    pub timeout: Duration,
}

#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    /// Connect to the mail server step by step (DNS, TCP, TLS, EHLO, AUTH) without sending.
    Smtp,
    /// One line on the queue's health; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
    /// (the Nagios plugin convention).
    Queue(super::monitor::CheckQueueArgs),
}

fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("`{text}` is not a duration ({e})"))
}

pub async fn worker(ctx: &Context, args: WorkerArgs) -> Result<()> {
    let actor = Actor::from_env().user;
    match args.action {
        Some(WorkerAction::Pause) => {
            ctx.senders().set_paused(true, &actor).await?;
            println!("sending paused");
            return Ok(());
        }
        Some(WorkerAction::Resume) => {
            ctx.senders().set_paused(false, &actor).await?;
            println!("sending resumed");
            return Ok(());
        }
        None => {}
    }
    if ctx.config.config.sender.tls_accept_invalid_certs {
        eprintln!(
            "warning: [sender] tls_accept_invalid_certs is on: server certificates are not checked (insecure)"
        );
    }
    let options = SenderOptions {
        id: args.id.unwrap_or_else(SenderOptions::default_id),
        concurrency: args
            .concurrency
            .unwrap_or(ctx.config.config.sender.concurrency) as usize,
        once: args.once,
    };
    if options.once && ctx.senders().paused().await? {
        return Err(Error::Unsuccessful(
            "sending is paused (dmsctl worker resume); nothing was sent".into(),
        ));
    }
    let sender = Sender::new(
        ctx.services.clone(),
        ctx.settings(),
        &ctx.config.config,
        options,
    )
    .with_event_lines(!args.quiet && ctx.output == OutputMode::Text);
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        let _ = stop.send(true);
    });
    let summary = sender.run(stopped).await?;
    match ctx.output {
        OutputMode::Json => print_json(&summary),
        OutputMode::Text => {
            println!(
                "sent {}, rescheduled {}, failed {}, not tried {}",
                summary.sent, summary.rescheduled, summary.failed, summary.released
            );
            Ok(())
        }
    }
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The test message of SPEC §1.4: queued like every other mail.
pub async fn send_test(ctx: &Context, args: SendTestArgs) -> Result<()> {
    let account = ctx.settings().load::<MailServerSettings>().await?.value;
    if account.from_address.trim().is_empty() {
        return Err(Error::invalid_argument(
            "mail_server.from_address",
            "is not set: save the mail account first",
        ));
    }
    if account.send_with == SendWith::Smtp && account.server_name.trim().is_empty() {
        return Err(Error::invalid_argument(
            "mail_server.server_name",
            "is not set: save the mail account first",
        ));
    }
    if args.attach.is_some() && account.send_with == SendWith::Sendmail {
        return Err(Error::invalid_argument(
            "--attach",
            "attachments are sent only by the built-in sender (send_with = smtp)",
        ));
    }
    if !account.enabled {
        eprintln!(
            "warning: sending is disabled (mail_server.enabled = no): the message stays pending"
        );
    }
    let attachments = args
        .attach
        .as_deref()
        .map(|p| read_attachment(p, ctx.config.config.sender.max_message_size))
        .transpose()?
        .into_iter()
        .collect();
    let id = ctx
        .queue()
        .enqueue(NewMail {
            to: vec![args.to.clone()],
            subject: args.subject,
            body_text: args.body,
            attachments,
            ..NewMail::default()
        })
        .await
        .map_err(|e| match e {
            Error::Invalid(mut errs) => {
                for f in &mut errs {
                    f.field = format!("--{}", f.field);
                }
                Error::Invalid(errs)
            }
            other => other,
        })?;
    if !args.wait {
        match ctx.output {
            OutputMode::Json => print_json(&serde_json::json!({ "id": id })),
            OutputMode::Text => {
                println!("test message queued as mail {id}");
                Ok(())
            }
        }?;
        return Ok(());
    }
    let outcome = wait_for_outcome(ctx, id, args.timeout).await?;
    match ctx.output {
        OutputMode::Json => print_json(&outcome)?,
        OutputMode::Text => println!("mail {id}: {}", outcome.describe()),
    }
    if outcome.state == "delivered" {
        Ok(())
    } else {
        Err(Error::Unsuccessful(format!("mail {id} was not delivered")))
    }
}

#[derive(Debug, serde::Serialize)]
struct TestOutcome {
    id: i64,
    /// delivered, failed, deferred or waiting
    state: &'static str,
    reply: Option<String>,
    error: Option<String>,
}

impl TestOutcome {
    fn describe(&self) -> String {
        match self.state {
            "delivered" => format!(
                "delivered ({})",
                self.reply.as_deref().unwrap_or("accepted")
            ),
            "waiting" => {
                "still waiting: no sender took it in time (is `dmsctl worker` running?)".into()
            }
            other => format!("{other}: {}", self.error.as_deref().unwrap_or("")),
        }
    }
}

async fn wait_for_outcome(ctx: &Context, id: i64, timeout: Duration) -> Result<TestOutcome> {
    let queue = ctx.queue();
    let mut feed = ctx.services.change_feed(Duration::from_millis(100)).await?;
    let deadline = tokio::time::Instant::now() + timeout;
    let mut warned = false;
    let started = now_ms();
    loop {
        match queue.detail(id).await {
            Ok(d) => {
                let m = &d.mail;
                // The summary names the step (RCPT TO ...); the detail adds the reply and a hint.
                let detail = d.log.iter().rev().find_map(|e| {
                    e.detail
                        .as_ref()
                        .map(|det| format!("{} ({det})", e.message))
                });
                match m.status {
                    MailStatus::Sent => {
                        return Ok(TestOutcome {
                            id,
                            state: "delivered",
                            reply: m.smtp_reply.clone(),
                            error: m.last_error.clone(),
                        });
                    }
                    MailStatus::Failed | MailStatus::Cancelled => {
                        return Ok(TestOutcome {
                            id,
                            state: "failed",
                            reply: None,
                            error: detail.or(m.last_error.clone()),
                        });
                    }
                    MailStatus::Pending if m.attempts > 0 && m.last_error.is_some() => {
                        let error = format!(
                            "{} (next try {})",
                            detail.or(m.last_error.clone()).unwrap_or_default(),
                            format_rfc3339(m.next_attempt_at)
                        );
                        return Ok(TestOutcome {
                            id,
                            state: "deferred",
                            reply: None,
                            error: Some(error),
                        });
                    }
                    _ => {}
                }
            }
            Err(Error::NotFound { .. }) => {
                // Deleted after sending: the work log keeps the delivery.
                let log = ctx
                    .work_log()
                    .entries(&LogFilter {
                        mail_id: Some(id),
                        min_level: Some(Level::Info),
                        before_id: None,
                        limit: 10,
                    })
                    .await?;
                let delivered = log.iter().find(|e| e.message.starts_with("delivered"));
                return Ok(TestOutcome {
                    id,
                    state: if delivered.is_some() {
                        "delivered"
                    } else {
                        "failed"
                    },
                    reply: delivered.and_then(|e| e.detail.clone()),
                    error: log.first().map(|e| e.message.clone()),
                });
            }
            Err(e) => return Err(e),
        }
        if !warned && now_ms() - started > 5_000 {
            if !ctx.senders().any_alive().await? {
                eprintln!("waiting: no sender is running; start `dmsctl worker` (or the console)");
            }
            warned = true;
        }
        tokio::select! {
            _ = feed.changed() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = tokio::time::sleep_until(deadline) => {
                return Ok(TestOutcome { id, state: "waiting", reply: None, error: None });
            }
        }
    }
}

pub async fn check_smtp(ctx: &Context) -> Result<()> {
    let account = ctx.settings().load::<MailServerSettings>().await?.value;
    let report = check(&account, &ctx.config.config.sender, &ctx.oauth()).await;
    match ctx.output {
        OutputMode::Json => print_json(&report)?,
        OutputMode::Text => {
            for s in &report.steps {
                let mark = match s.state {
                    StepState::Ok => "ok     ",
                    StepState::Warning => "WARNING",
                    StepState::Failed => "FAILED ",
                    StepState::Skipped => "skipped",
                };
                println!("{mark} {:<8} {}", s.name, s.detail.replace('\n', " "));
                if let Some(h) = &s.hint {
                    println!("        hint: {h}");
                }
            }
            if report.insecure {
                println!(
                    "WARNING: tls_accept_invalid_certs is on: certificates are not checked (insecure)"
                );
            }
        }
    }
    if report.passed() {
        Ok(())
    } else {
        Err(Error::Unsuccessful("the mail server check failed".into()))
    }
}
