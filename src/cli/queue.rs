//! `dmsctl queue ...` and `dmsctl log`.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::Context;
use super::output::{OutputMode, TextTable, clip, print_json};
use crate::error::{Error, Result};
use crate::i18n::clock::Clock;
use crate::queue::{
    Breakdown, Filter, MailAction, MailId, MailQuery, MailQueue, MailStatus, QueueCounts,
    QueueShape, Rate, StatusFilter,
};
use crate::settings::Actor;
use crate::time::{format_age, format_rfc3339, now_ms};
use crate::worklog::{Level, LogFilter};

#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// List mails, newest first.
    Ls {
        /// pending, sending, sent (archived), failed, cancelled, held or all.
        #[arg(long, default_value = "all")]
        status: String,
        /// Text in the subject, recipients, sender or last error; or a mail id.
        #[arg(long)]
        search: Option<String>,
        /// Mails matching a filter, e.g. 'status:failed domain:onet.pl code:5xx age>2h'.
        #[arg(long, value_name = "FILTER", long_help = FILTER_HELP, allow_hyphen_values = true)]
        filter: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Continue a listing after this id (keyset paging).
        #[arg(long, value_name = "ID")]
        before: Option<MailId>,
        /// Oldest first (default: newest first).
        #[arg(long)]
        oldest_first: bool,
    },
    /// Everything about one mail: headers, body, attachments, attempts.
    Show { id: MailId },
    /// Send now; failed, cancelled and archived mails are queued again. Sending an
    /// archived (sent) or cancelled mail again asks first when stdin is a terminal.
    Retry {
        #[arg(
            required_unless_present_any = ["all_failed", "filter"],
            conflicts_with_all = ["all_failed", "filter"]
        )]
        ids: Vec<MailId>,
        /// Every failed mail.
        #[arg(long, conflicts_with = "filter")]
        all_failed: bool,
        /// Send sent and cancelled mails again without asking; with --filter, do it
        /// (without, only say what it would meet).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        bulk: BulkArgs,
    },
    /// Like `postqueue -f`: every deferred mail is due now, and every sender stops
    /// waiting for the mail server and tries at once.
    Flush,
    /// Cancel pending or failed mails.
    Cancel {
        #[arg(required_unless_present = "filter", conflicts_with = "filter")]
        ids: Vec<MailId>,
        /// With --filter: do it (without, only say what it would meet).
        #[arg(long, requires = "filter")]
        yes: bool,
        #[command(flatten)]
        bulk: BulkArgs,
    },
    /// Keep pending mails from being sent until released.
    Hold {
        #[arg(required_unless_present = "filter", conflicts_with = "filter")]
        ids: Vec<MailId>,
        /// With --filter: do it (without, only say what it would meet).
        #[arg(long, requires = "filter")]
        yes: bool,
        #[command(flatten)]
        bulk: BulkArgs,
    },
    /// Let held mails be sent again.
    Release {
        #[arg(required_unless_present = "filter", conflicts_with = "filter")]
        ids: Vec<MailId>,
        /// With --filter: do it (without, only say what it would meet).
        #[arg(long, requires = "filter")]
        yes: bool,
        #[command(flatten)]
        bulk: BulkArgs,
    },
    /// Delete mails (not while they are being sent).
    Delete {
        #[arg(required_unless_present = "filter", conflicts_with = "filter")]
        ids: Vec<MailId>,
        /// With --filter: do it (without, only say what it would meet).
        #[arg(long, requires = "filter")]
        yes: bool,
        #[command(flatten)]
        bulk: BulkArgs,
    },
    /// Delete archived (sent) mails older than a duration.
    Purge {
        /// Purge archived mails (the only kind purged).
        #[arg(long, required = true)]
        archived: bool,
        /// e.g. 30d, 12h.
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        older_than: Duration,
    },
    /// Personal data protection: replace recipients, subjects and bodies of archived
    /// mails older than a duration and remove their attachments. Without --yes it only
    /// says how many mails that would touch.
    Anonymize {
        /// e.g. 365d (default: the Tools tab's `anonymize_after_days`).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        older_than: Option<Duration>,
        /// Do it (otherwise only count).
        #[arg(long)]
        yes: bool,
    },
    /// Counts by status and the queue shape (recipient domain x age).
    Stats {
        /// The counts, oldest pending age, deliveries and failures of the last hour and
        /// each sender's heartbeat age in the Prometheus text format.
        #[arg(long, conflicts_with_all = ["json", "filter"])]
        prometheus: bool,
        /// Only the mails matching a filter: their counts by status and domains.
        #[arg(long, value_name = "FILTER", long_help = FILTER_HELP, allow_hyphen_values = true)]
        filter: Option<String>,
    },
    /// Mails with errors grouped by what went wrong (reply code, status code, the text
    /// with addresses and numbers masked), most mails first; each with the --filter
    /// that lists it, for the actions.
    Errors,
    /// Every sender, on every host, leaves a destination alone until a time: its mail
    /// stays pending, untried and with no attempt counted, until then. --list shows
    /// the rules in force.
    Defer {
        /// e.g. onet.pl (every recipient at that domain, in To, Cc or Bcc).
        #[arg(long, required_unless_present = "list", conflicts_with = "list")]
        domain: Option<String>,
        /// 14:00 (today), 2026-12-05T14:00, or a duration such as 2h.
        #[arg(long, required_unless_present = "list", conflicts_with = "list")]
        until: Option<String>,
        /// Shown with the rule (e.g. the provider's ticket).
        #[arg(long, conflicts_with = "list")]
        reason: Option<String>,
        #[arg(long)]
        list: bool,
    },
    /// Ends a `queue defer` rule before its time; the domain's mail is due at once.
    Undefer {
        #[arg(long)]
        domain: String,
    },
    /// Every mail matching a filter, for a ticket or a spreadsheet (no bodies).
    Export {
        #[arg(long, value_name = "FILTER", default_value = "", long_help = FILTER_HELP, allow_hyphen_values = true)]
        filter: String,
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
    },
}

impl QueueCommand {
    pub fn only_reads(&self) -> bool {
        matches!(
            self,
            QueueCommand::Ls { .. }
                | QueueCommand::Show { .. }
                | QueueCommand::Stats { .. }
                | QueueCommand::Export { .. }
                | QueueCommand::Errors
                | QueueCommand::Defer { list: true, .. }
        )
    }
}

/// The filter language, for `--help`.
const FILTER_HELP: &str = "Mails matching a filter. Terms are ANDed; `-` before a term negates \
it; quote values with spaces (subject:\"faktura VAT\"). Bare words: in the subject or a \
recipient (or the mail's id).\n\
  status:pending|sending|sent|failed|cancelled|held|archived (a list: status:failed,held)\n\
  held:yes|no\n\
  to: cc: from: subject: error: msgid: sender:   text in that field, any case; * = any text\n\
  domain:onet.pl     a recipient (to, cc or bcc) at that domain\n\
  code:550 code:5xx code:5.1.1   the SMTP reply of the last error\n\
  id:42 id:1,2,3 id:100..200 id>500\n\
  attempts>3   size>5MB   has:attachment   has:error\n\
  age>2h (older than; s m h d w)   created<2026-11-30   sent>=\"2026-11-30 14:00\"   next<10m\n\
Dates and times are local; a date alone is the whole day (created:2026-11-30).";

/// Acting on every mail a filter matches.
#[derive(Debug, Args)]
pub struct BulkArgs {
    /// Every mail matching this filter; without --yes only says what the action would
    /// meet.
    #[arg(long, value_name = "FILTER", long_help = FILTER_HELP, allow_hyphen_values = true)]
    pub filter: Option<String>,
    /// At most this many mails a minute, e.g. 300/min or 10/s (gentle on the server
    /// and the sending reputation).
    #[arg(long, value_name = "RATE", requires = "filter", value_parser = Rate::parse)]
    pub rate: Option<Rate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Entries of one mail.
    #[arg(long, value_name = "ID")]
    pub mail: Option<MailId>,
    /// This level and worse: info, warn, error.
    #[arg(long)]
    pub level: Option<String>,
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration such as 30d ({e})"))
}

pub async fn run(ctx: &Context, cmd: QueueCommand) -> Result<()> {
    let queue = ctx.queue();
    let actor = Actor::from_env().user;
    match cmd {
        QueueCommand::Ls {
            status,
            search,
            filter,
            limit,
            before,
            oldest_first,
        } => {
            let status: StatusFilter = status
                .parse()
                .map_err(|m: String| Error::invalid_argument("--status", m))?;
            if limit == 0 || limit > 10_000 {
                return Err(Error::invalid_argument(
                    "--limit",
                    "must be between 1 and 10000",
                ));
            }
            let rows = queue
                .page(&MailQuery {
                    status,
                    filter: Filter::anywhere(search.as_deref().unwrap_or(""))
                        .and(parse_filter(filter.as_deref().unwrap_or(""))?),
                    cursor: before.map(crate::queue::Cursor::Before),
                    limit,
                    oldest_first,
                    // The command line is asked for the whole queue, however long.
                    window: None,
                })
                .await?;
            match ctx.output {
                OutputMode::Json => print_json(&rows),
                OutputMode::Text => {
                    let now = now_ms();
                    let mut t =
                        TextTable::new(&["ID", "STATUS", "TRIES", "AGE", "NEXT", "TO", "SUBJECT"]);
                    for r in &rows {
                        let status = if r.held {
                            "held".to_string()
                        } else {
                            r.status.to_string()
                        };
                        let next = if r.status == crate::queue::MailStatus::Pending && !r.held {
                            if r.next_attempt_at <= now {
                                "now".into()
                            } else {
                                format_age(r.next_attempt_at - now)
                            }
                        } else {
                            "-".into()
                        };
                        t.row(vec![
                            r.id.to_string(),
                            status,
                            r.attempts.to_string(),
                            format_age(now - r.created_at),
                            next,
                            clip(&r.to, 32),
                            clip(&r.subject, 48),
                        ]);
                    }
                    print!("{}", t.render());
                    if rows.len() == limit as usize
                        && let Some(last) = rows.last()
                    {
                        println!("(more: --before {})", last.id);
                    }
                    Ok(())
                }
            }
        }
        QueueCommand::Show { id } => {
            let d = queue.detail(id).await?;
            match ctx.output {
                OutputMode::Json => print_json(&d),
                OutputMode::Text => {
                    // Read by people: local times with the zone (--json keeps UTC).
                    let clock = Clock::system();
                    let at = |t| clock.full(t);
                    let m = &d.mail;
                    let status = if m.held {
                        format!("{} (held)", m.status)
                    } else {
                        m.status.to_string()
                    };
                    println!("Mail {}  {status}  attempts {}", m.id, m.attempts);
                    println!("Created:  {}", at(m.created_at));
                    if let Some(s) = m.sent_at {
                        match &m.sent_by {
                            Some(by) => println!("Sent:     {} by {by}", at(s)),
                            None => println!("Sent:     {}", at(s)),
                        }
                    } else {
                        match (m.status, m.held) {
                            (MailStatus::Pending, false) if m.next_attempt_at > now_ms() => {
                                println!(
                                    "Next try: {} (in {})",
                                    at(m.next_attempt_at),
                                    format_age(m.next_attempt_at - now_ms())
                                )
                            }
                            (MailStatus::Pending, false) => println!("Next try: now (due)"),
                            (MailStatus::Pending, true) => println!("Next try: when released"),
                            (MailStatus::Sending, _) => match m.lease_until {
                                Some(l) => println!(
                                    "Sending:  now, by {} (lease until {})",
                                    m.claimed_by.as_deref().unwrap_or("a sender"),
                                    at(l)
                                ),
                                None => println!("Sending:  now"),
                            },
                            // When and why it failed, from its history; never tried again
                            // unless retried.
                            (MailStatus::Failed, _) => {
                                let last = d.log.iter().rev().find(|e| e.level == Level::Error);
                                match last {
                                    Some(e) => println!("Failed:   {}: {}", at(e.time), e.message),
                                    None => println!(
                                        "Failed:   {}",
                                        m.last_error.as_deref().unwrap_or("(no reason recorded)")
                                    ),
                                }
                                println!("Next try: none (failed; `dmsctl queue retry {}`)", m.id);
                            }
                            // Cancelled mails are not tried again unless retried.
                            _ => println!(
                                "Next try: none ({}; `dmsctl queue retry {}`)",
                                m.status, m.id
                            ),
                        }
                    }
                    if !m.damaged.is_empty() {
                        println!(
                            "Damaged:  {} (shown with replacement characters)",
                            m.damaged.join("; ")
                        );
                    }
                    let from = m.from_address.as_deref().unwrap_or("(mail account)");
                    println!("From:     {from}");
                    println!("To:       {}", m.to);
                    if !m.cc.is_empty() {
                        println!("Cc:       {}", m.cc);
                    }
                    if !m.bcc.is_empty() {
                        println!("Bcc:      {}", m.bcc);
                    }
                    if let Some(r) = &m.reply_to {
                        println!("Reply-To: {r}");
                    }
                    println!("Subject:  {}", m.subject);
                    if let Some(id) = &m.message_id {
                        println!("Message-ID: {id}");
                    }
                    if let Some(r) = &m.smtp_reply {
                        println!("Server reply: {r}");
                    }
                    // A failed mail's error is its "Failed:" line above.
                    if let Some(e) = m
                        .last_error
                        .as_ref()
                        .filter(|_| m.status != MailStatus::Failed)
                    {
                        println!("Last error: {e}");
                    }
                    println!("\n{}", m.body_text);
                    if m.body_html.is_some() {
                        println!("(with an HTML alternative)");
                    }
                    if !d.attachments.is_empty() {
                        println!("\nAttachments:");
                        for a in &d.attachments {
                            println!("  {}  {}  {} bytes", a.file_name, a.content_type, a.size);
                        }
                    }
                    if !d.log.is_empty() {
                        println!("\nHistory:");
                        for e in &d.log {
                            // The reply once: a message that quotes it already needs no detail.
                            let detail = e
                                .detail_beyond_message()
                                .map(|d| format!(" — {d}"))
                                .unwrap_or_default();
                            println!("  {}  {:<5}  {}{detail}", at(e.time), e.level, e.message);
                        }
                    }
                    Ok(())
                }
            }
        }
        QueueCommand::Retry {
            ids,
            all_failed,
            yes,
            bulk,
        } => {
            let n = if let Some(filter) = &bulk.filter {
                match bulk_act(ctx, MailAction::Retry, filter, yes, bulk.rate, &actor).await? {
                    Some(n) => n,
                    None => return Ok(()),
                }
            } else if all_failed {
                queue.retry_all_failed(&actor).await?
            } else {
                if !yes && std::io::stdin().is_terminal() && !confirm_resend(&queue, &ids).await? {
                    println!("nothing sent");
                    return Ok(());
                }
                queue.act(MailAction::Retry, &ids, &actor).await?
            };
            // "Send now" means now: no sender keeps waiting for the server.
            ctx.senders().end_server_wait().await?;
            report(ctx.output, done_word(MailAction::Retry), n)
        }
        QueueCommand::Flush => {
            let n = ctx.senders().flush(&actor).await?;
            match ctx.output {
                OutputMode::Json => print_json(&serde_json::json!({ "due_now": n })),
                OutputMode::Text => {
                    println!(
                        "{n} deferred mail(s) due now; every sender tries the server again at once"
                    );
                    Ok(())
                }
            }
        }
        QueueCommand::Cancel { ids, yes, bulk } => {
            act(ctx, MailAction::Cancel, &ids, yes, bulk, &actor).await
        }
        QueueCommand::Hold { ids, yes, bulk } => {
            act(ctx, MailAction::Hold, &ids, yes, bulk, &actor).await
        }
        QueueCommand::Release { ids, yes, bulk } => {
            act(ctx, MailAction::Release, &ids, yes, bulk, &actor).await
        }
        QueueCommand::Delete { ids, yes, bulk } => {
            act(ctx, MailAction::Delete, &ids, yes, bulk, &actor).await
        }
        QueueCommand::Purge {
            archived,
            older_than,
        } => {
            debug_assert!(archived);
            let n = queue.purge_archived(older_than, &actor).await?;
            report(ctx.output, "purged", n)
        }
        QueueCommand::Anonymize { older_than, yes } => {
            let older_than = match older_than {
                Some(d) => d,
                None => {
                    let tools = ctx
                        .settings()
                        .load::<crate::settings::ToolsSettings>()
                        .await?;
                    Duration::from_secs(u64::from(tools.value.anonymize_after_days) * 86_400)
                }
            };
            if yes {
                let n = queue.anonymize_archived(older_than, &actor).await?;
                return report(ctx.output, "anonymized", n);
            }
            let n = queue.count_anonymizable(older_than).await?;
            match ctx.output {
                OutputMode::Json => print_json(&serde_json::json!({ "would_change": n })),
                OutputMode::Text => {
                    println!(
                        "{n} archived mail(s) sent more than {} ago would be anonymized; add --yes to do it",
                        humantime::format_duration(older_than)
                    );
                    Ok(())
                }
            }
        }
        QueueCommand::Stats {
            prometheus: true, ..
        } => {
            print!("{}", super::monitor::prometheus(&queue.health().await?));
            Ok(())
        }
        QueueCommand::Stats {
            filter: Some(filter),
            ..
        } => {
            let b = queue
                .breakdown(MailAction::Retry, &parse_filter(&filter)?)
                .await?;
            match ctx.output {
                OutputMode::Json => print_json(&serde_json::json!({
                    "matched": b.matched,
                    "by_status": b.by_status,
                    "top_domains": b.top_domains,
                })),
                OutputMode::Text => {
                    println!("{} mail(s) match", b.matched);
                    print_counts("by status", &b.by_status);
                    print_counts("top domains", &b.top_domains);
                    Ok(())
                }
            }
        }
        QueueCommand::Stats { .. } => stats(ctx).await,
        QueueCommand::Errors => errors(ctx).await,
        QueueCommand::Defer {
            domain: Some(domain),
            until: Some(until),
            reason,
            ..
        } => {
            let until = queue.deferral_end(&until)?;
            let rule = queue.defer_domain(&domain, until, reason, &actor).await?;
            match ctx.output {
                OutputMode::Json => print_json(&rule),
                OutputMode::Text => {
                    println!(
                        "mail to {} deferred until {}; every sender leaves it pending until then",
                        rule.domain,
                        Clock::system().full(rule.until)
                    );
                    Ok(())
                }
            }
        }
        QueueCommand::Defer { .. } => {
            let rules = queue.deferred_domains().await?;
            match ctx.output {
                OutputMode::Json => print_json(&rules),
                OutputMode::Text => {
                    if rules.is_empty() {
                        println!("no destination is deferred");
                    }
                    let clock = Clock::system();
                    for r in &rules {
                        let why = r
                            .reason
                            .as_ref()
                            .map(|w| format!(" ({w})"))
                            .unwrap_or_default();
                        println!(
                            "{} until {}, by {} at {}{why}",
                            r.domain,
                            clock.full(r.until),
                            r.by,
                            clock.full(r.at)
                        );
                    }
                    Ok(())
                }
            }
        }
        QueueCommand::Undefer { domain } => {
            if !queue.end_deferral(&domain, &actor).await? {
                return Err(Error::invalid_argument(
                    "--domain",
                    format!("no rule defers `{domain}` now (`dmsctl queue defer --list`)"),
                ));
            }
            match ctx.output {
                OutputMode::Json => print_json(&serde_json::json!({ "ended": domain })),
                OutputMode::Text => {
                    println!("mail to {domain} is no longer deferred; it is due now");
                    Ok(())
                }
            }
        }
        QueueCommand::Export { filter, format } => {
            export(&queue, &parse_filter(&filter)?, format).await
        }
    }
}

/// Before sending sent or cancelled mails again from a terminal: names them and their
/// recipients and asks; true to go on.
async fn confirm_resend(queue: &MailQueue, ids: &[MailId]) -> Result<bool> {
    let mut again = Vec::new();
    for id in ids {
        let m = queue.detail(*id).await?.mail;
        if matches!(m.status, MailStatus::Sent | MailStatus::Cancelled) {
            again.push((m.id, m.status, m.to));
        }
    }
    if again.is_empty() {
        return Ok(true);
    }
    for (id, status, to) in &again {
        println!("#{id} ({status}) to {to}");
    }
    print!(
        "Send {} mail(s) again, to every recipient? [y/N] ",
        again.len()
    );
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    // No answer (end of input, a read error) sends nothing.
    if std::io::stdin().read_line(&mut answer).is_err() {
        return Ok(false);
    }
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "t" | "tak"))
}

/// The filter of `--filter`, or an error that shows where it goes wrong.
fn parse_filter(text: &str) -> Result<Filter> {
    Filter::parse(text).map_err(|e| {
        let caret: String = " ".repeat(e.at);
        Error::invalid_argument("--filter", format!("{e}\n  {text}\n  {caret}^"))
    })
}

#[allow(clippy::too_many_arguments)]
async fn act(
    ctx: &Context,
    action: MailAction,
    ids: &[MailId],
    yes: bool,
    bulk: BulkArgs,
    actor: &str,
) -> Result<()> {
    let n = match &bulk.filter {
        Some(filter) => match bulk_act(ctx, action, filter, yes, bulk.rate, actor).await? {
            Some(n) => n,
            None => return Ok(()),
        },
        None => ctx.queue().act(action, ids, actor).await?,
    };
    report(ctx.output, done_word(action), n)
}

fn print_counts(title: &str, counts: &[(String, i64)]) {
    if counts.is_empty() {
        return;
    }
    let listed: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("  {title}: {}", listed.join(", "));
}

/// An action on every mail matching `filter`: without `yes` only the breakdown (None);
/// with it, batches of one transaction each, at `rate` if given, until none is left
/// or Ctrl-C (the batch under way finishes whole). Some(how many changed).
async fn bulk_act(
    ctx: &Context,
    action: MailAction,
    filter: &str,
    yes: bool,
    rate: Option<Rate>,
    actor: &str,
) -> Result<Option<u64>> {
    let queue = ctx.queue();
    let filter = parse_filter(filter)?;
    let b = queue.breakdown(action, &filter).await?;
    if !yes {
        print_breakdown(ctx.output, action, &b)?;
        return Ok(None);
    }
    let stderr_is_terminal = std::io::stderr().is_terminal();
    let stop = async {
        // No Ctrl-C handler (no signals here): nothing stops it but the end.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let applicable = b.applicable;
    let progress = queue
        .act_all_matching(action, &b.bounded(&filter), rate, actor, stop, |p| {
            if stderr_is_terminal {
                eprint!("\r{} of {applicable} mail(s)…", p.done);
            }
        })
        .await?;
    if stderr_is_terminal {
        eprintln!();
    }
    if progress.stopped {
        eprintln!(
            "stopped: {} mail(s) {}, the rest left as they were",
            progress.done,
            done_word(action)
        );
    }
    Ok(Some(progress.done))
}

fn print_breakdown(mode: OutputMode, action: MailAction, b: &Breakdown) -> Result<()> {
    match mode {
        OutputMode::Json => print_json(b),
        OutputMode::Text => {
            println!(
                "{} mail(s) match; {} would be {}",
                b.matched,
                b.applicable,
                done_word(action)
            );
            print_counts("by status", &b.by_status);
            print_counts("top domains", &b.top_domains);
            if !b.not_applicable.is_empty() {
                let listed: Vec<String> = b
                    .not_applicable
                    .iter()
                    .map(|(k, n)| format!("{n} {k}"))
                    .collect();
                println!(
                    "  left as they are: {} ({} applies to {} mails)",
                    listed.join(", "),
                    action.verb(),
                    action.applicable_statuses()
                );
            }
            println!("add --yes to do it");
            Ok(())
        }
    }
}

fn done_word(action: MailAction) -> &'static str {
    match action {
        MailAction::Retry => "queued again",
        MailAction::Cancel => "cancelled",
        MailAction::Hold => "held",
        MailAction::Release => "released",
        MailAction::Delete => "deleted",
    }
}

/// Every matching mail, page by page (never all in memory at once), as CSV or JSON
/// lines of one array.
async fn export(queue: &MailQueue, filter: &Filter, format: ExportFormat) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let io = |e| Error::io("writing the export", e);
    let mut query = MailQuery {
        filter: filter.clone(),
        limit: 1000,
        oldest_first: true,
        ..MailQuery::default()
    };
    match format {
        ExportFormat::Csv => writeln!(
            out,
            "id,status,attempts,created_at,next_attempt_at,sent_at,to,subject,last_error,size,attachments"
        )
        .map_err(io)?,
        ExportFormat::Json => write!(out, "[").map_err(io)?,
    }
    let mut first = true;
    loop {
        let rows = queue.page(&query).await?;
        for r in &rows {
            match format {
                ExportFormat::Csv => {
                    let status = if r.held {
                        "held".to_string()
                    } else {
                        r.status.to_string()
                    };
                    let time = |t: Option<i64>| t.map(format_rfc3339).unwrap_or_default();
                    let fields = [
                        r.id.to_string(),
                        status,
                        r.attempts.to_string(),
                        format_rfc3339(r.created_at),
                        time(Some(r.next_attempt_at)),
                        time(r.sent_at),
                        r.to.clone(),
                        r.subject.clone(),
                        r.last_error.clone().unwrap_or_default(),
                        r.size.to_string(),
                        r.attachment_count.to_string(),
                    ];
                    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                    writeln!(out, "{}", line.join(",")).map_err(io)?;
                }
                ExportFormat::Json => {
                    let json = serde_json::to_string(r)
                        .map_err(|e| Error::Internal(format!("export: {e}")))?;
                    write!(out, "{}\n{json}", if first { "" } else { "," }).map_err(io)?;
                }
            }
            first = false;
        }
        match rows.last() {
            Some(last) if rows.len() == query.limit as usize => {
                query.cursor = Some(crate::queue::Cursor::Before(last.id));
            }
            _ => break,
        }
    }
    if format == ExportFormat::Json {
        writeln!(out, "\n]").map_err(io)?;
    }
    out.flush().map_err(io)
}

/// `queue errors`: each group with its figures, its text and the filter that lists it.
async fn errors(ctx: &Context) -> Result<()> {
    let groups = ctx.queue().error_groups().await?;
    if ctx.output == OutputMode::Json {
        return print_json(&groups);
    }
    if groups.is_empty() {
        println!("no mail in the queue has an error");
        return Ok(());
    }
    let now = now_ms();
    let ago = |t: Option<i64>| t.map_or("-".to_string(), |t| format_age(now - t));
    for g in &groups {
        let domains: Vec<String> = g
            .top_domains
            .iter()
            .map(|(d, n)| format!("{d} {n}"))
            .collect();
        println!(
            "{} mail(s): {} failed, {} to be retried; last seen {} ago, first {} ago; {}",
            g.mails,
            g.failed,
            g.deferred,
            ago(g.last_seen),
            ago(g.first_seen),
            domains.join(", ")
        );
        println!("  {}", g.fingerprint);
        println!("  --filter {}", shell_quoted(&g.filter));
    }
    Ok(())
}

/// A word for a POSIX shell: in single quotes, each `'` as `'\''`.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn report(mode: OutputMode, done: &str, n: u64) -> Result<()> {
    match mode {
        OutputMode::Json => print_json(&serde_json::json!({ "changed": n })),
        OutputMode::Text => {
            println!("{n} mail(s) {done}");
            Ok(())
        }
    }
}

#[derive(Serialize)]
struct Stats {
    counts: QueueCounts,
    total: i64,
    oldest_pending_at: Option<String>,
    shape: QueueShape,
}

pub async fn stats(ctx: &Context) -> Result<()> {
    let queue = ctx.queue();
    let counts = queue.counts().await?;
    let oldest = queue.oldest_pending().await?;
    let shape = queue.shape().await?;
    let stats = Stats {
        total: counts.total(),
        counts,
        oldest_pending_at: oldest.map(format_rfc3339),
        shape,
    };
    match ctx.output {
        OutputMode::Json => print_json(&stats),
        OutputMode::Text => {
            let c = &stats.counts;
            println!(
                "pending {}  held {}  sending {}  failed {}  sent {}  cancelled {}  (total {})",
                c.pending, c.held, c.sending, c.failed, c.sent, c.cancelled, stats.total
            );
            match oldest {
                Some(t) => println!("oldest pending: {} ago", format_age(now_ms() - t)),
                None => println!("nothing pending"),
            }
            if !stats.shape.rows.is_empty() {
                println!(
                    "\nqueue shape (undelivered mails by recipient domain and age in minutes):"
                );
                let mut header = vec!["DOMAIN", "T"];
                header.extend(stats.shape.buckets.iter().map(String::as_str));
                let mut t = TextTable::new(&header);
                for row in
                    std::iter::once(&stats.shape.total).chain(stats.shape.rows.iter().take(20))
                {
                    let mut cells = vec![row.domain.clone(), row.total.to_string()];
                    cells.extend(row.counts.iter().map(i64::to_string));
                    t.row(cells);
                }
                print!("{}", t.render());
            }
            Ok(())
        }
    }
}

pub async fn log(ctx: &Context, args: LogArgs) -> Result<()> {
    let min_level = args
        .level
        .as_deref()
        .map(str::parse::<Level>)
        .transpose()
        .map_err(|m| Error::invalid_argument("--level", m))?;
    if args.limit == 0 || args.limit > 10_000 {
        return Err(Error::invalid_argument(
            "--limit",
            "must be between 1 and 10000",
        ));
    }
    let entries = ctx
        .work_log()
        .entries(&LogFilter {
            mail_id: args.mail,
            min_level,
            before_id: None,
            limit: args.limit,
        })
        .await?;
    match ctx.output {
        OutputMode::Json => print_json(&entries),
        OutputMode::Text => {
            let clock = Clock::system();
            let mut t = TextTable::new(&["TIME", "LEVEL", "SOURCE", "MAIL", "MESSAGE"]);
            for e in &entries {
                let msg = match e.detail_beyond_message() {
                    Some(d) => format!("{} — {d}", e.message),
                    None => e.message.clone(),
                };
                t.row(vec![
                    clock.full(e.time),
                    e.level.to_string(),
                    e.source.clone(),
                    e.mail_id
                        .map(|i| i.to_string())
                        .unwrap_or_else(|| "-".into()),
                    clip(&msg, 120),
                ]);
            }
            print!("{}", t.render());
            Ok(())
        }
    }
}
