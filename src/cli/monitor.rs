//! Monitoring: `dmsctl check queue` (the Nagios plugin convention) and
//! `dmsctl queue stats --prometheus` (node_exporter's textfile collector).

use std::fmt::Write as _;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use super::Context;
use super::output::{OutputMode, print_json};
use crate::error::{Error, Result};
use crate::queue::QueueHealth;
use crate::time::duration_ms;

#[derive(Debug, Args)]
pub struct CheckQueueArgs {
    /// WARNING when the oldest pending mail is older than this, CRITICAL at twice.
    #[arg(long, value_name = "AGE", value_parser = parse_duration)]
    pub max_oldest_pending: Option<Duration>,
    /// WARNING when more mails failed in the last hour, CRITICAL at twice as many.
    #[arg(long, value_name = "N")]
    pub max_failed_last_hour: Option<i64>,
    /// CRITICAL when fewer senders are alive (a heartbeat within --max-heartbeat-age).
    #[arg(long, value_name = "N")]
    pub min_senders: Option<usize>,
    /// A sender whose heartbeat is older counts as not alive.
    #[arg(long, value_name = "AGE", default_value = "60s", value_parser = parse_duration)]
    pub max_heartbeat_age: Duration,
}

fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("`{text}` is not a duration ({e})"))
}

/// Nagios plugin states and their exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl State {
    fn word(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }
}

#[derive(Debug, Serialize)]
struct CheckResult {
    state: State,
    problems: Vec<String>,
    pending: i64,
    failed: i64,
    oldest_pending_seconds: Option<i64>,
    failed_last_hour: i64,
    delivered_last_hour: i64,
    senders_alive: usize,
}

/// The state and what is wrong, from the thresholds given.
fn judge(h: &QueueHealth, args: &CheckQueueArgs) -> (State, Vec<String>, usize) {
    let mut state = State::Ok;
    let mut problems = Vec::new();
    let mut raise = |s: State, why: String| {
        state = state.max(s);
        problems.push(why);
    };
    if let (Some(max), Some(age)) = (args.max_oldest_pending, h.oldest_pending_age_ms) {
        let max_ms = duration_ms(max);
        if age > max_ms {
            let s = if age > 2 * max_ms {
                State::Critical
            } else {
                State::Warning
            };
            raise(
                s,
                format!(
                    "oldest pending mail is {} old (limit {})",
                    humantime::format_duration(Duration::from_secs((age / 1000) as u64)),
                    humantime::format_duration(max)
                ),
            );
        }
    }
    if let Some(max) = args.max_failed_last_hour
        && h.failed_last_hour > max
    {
        let s = if h.failed_last_hour > 2 * max.max(0) {
            State::Critical
        } else {
            State::Warning
        };
        raise(
            s,
            format!(
                "{} mails failed in the last hour (limit {max})",
                h.failed_last_hour
            ),
        );
    }
    let max_age = duration_ms(args.max_heartbeat_age);
    let alive = h
        .senders
        .iter()
        .filter(|s| h.now - s.heartbeat_at <= max_age)
        .count();
    if let Some(min) = args.min_senders
        && alive < min
    {
        raise(
            State::Critical,
            format!("{alive} senders alive (at least {min} wanted)"),
        );
    }
    (state, problems, alive)
}

pub async fn check_queue(ctx: &Context, args: CheckQueueArgs) -> Result<()> {
    let health = match ctx.queue().health().await {
        Ok(h) => h,
        Err(e) => {
            println!("UNKNOWN - cannot read the queue: {e}");
            return Err(Error::ExitStatus(State::Unknown as u8));
        }
    };
    let (state, problems, alive) = judge(&health, &args);
    let result = CheckResult {
        state,
        problems,
        pending: health.counts.pending,
        failed: health.counts.failed,
        oldest_pending_seconds: health.oldest_pending_age_ms.map(|a| a / 1000),
        failed_last_hour: health.failed_last_hour,
        delivered_last_hour: health.delivered_last_hour,
        senders_alive: alive,
    };
    match ctx.output {
        OutputMode::Json => print_json(&result)?,
        OutputMode::Text => {
            let summary = if result.problems.is_empty() {
                "mail queue".to_string()
            } else {
                result.problems.join("; ")
            };
            // The part after `|` is performance data, as Nagios reads it.
            println!(
                "{} - {summary} | pending={} failed={} oldest_pending={}s failed_last_hour={} delivered_last_hour={} senders={}",
                state.word(),
                result.pending,
                result.failed,
                result.oldest_pending_seconds.unwrap_or(0),
                result.failed_last_hour,
                result.delivered_last_hour,
                alive
            );
        }
    }
    match state {
        State::Ok => Ok(()),
        s => Err(Error::ExitStatus(s as u8)),
    }
}

/// The Prometheus text exposition format.
pub fn prometheus(h: &QueueHealth) -> String {
    let mut out = String::new();
    let mut metric = |name: &str, help: &str, kind: &str, samples: &[(String, f64)]| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let c = &h.counts;
    metric(
        "dmsctl_queue_mails",
        "Mails in the queue by status (held mails are counted under held only).",
        "gauge",
        &[
            ("pending", c.pending),
            ("held", c.held),
            ("sending", c.sending),
            ("sent", c.sent),
            ("failed", c.failed),
            ("cancelled", c.cancelled),
        ]
        .map(|(s, n)| (format!("{{status=\"{s}\"}}"), n as f64)),
    );
    metric(
        "dmsctl_queue_oldest_pending_seconds",
        "Age of the oldest pending mail (0 when none is pending).",
        "gauge",
        &[(
            String::new(),
            h.oldest_pending_age_ms.unwrap_or(0) as f64 / 1000.0,
        )],
    );
    metric(
        "dmsctl_deliveries_last_hour",
        "Mails delivered in the last hour.",
        "gauge",
        &[(String::new(), h.delivered_last_hour as f64)],
    );
    metric(
        "dmsctl_failures_last_hour",
        "Mails that failed for good in the last hour.",
        "gauge",
        &[(String::new(), h.failed_last_hour as f64)],
    );
    let senders: Vec<(String, f64)> = h
        .senders
        .iter()
        .map(|s| {
            (
                format!(
                    "{{sender=\"{}\",host=\"{}\"}}",
                    label(&s.id),
                    label(&s.host)
                ),
                (h.now - s.heartbeat_at).max(0) as f64 / 1000.0,
            )
        })
        .collect();
    metric(
        "dmsctl_sender_heartbeat_age_seconds",
        "Seconds since each registered sender's last heartbeat.",
        "gauge",
        &senders,
    );
    out
}

/// A label value with `\`, `"` and line breaks escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RegisteredSender;
    use crate::queue::QueueCounts;

    fn health(oldest_min: Option<i64>, failed: i64, beats: &[i64]) -> QueueHealth {
        QueueHealth {
            counts: QueueCounts {
                pending: 3,
                ..QueueCounts::default()
            },
            oldest_pending_age_ms: oldest_min.map(|m| m * 60_000),
            delivered_last_hour: 10,
            failed_last_hour: failed,
            senders: beats
                .iter()
                .enumerate()
                .map(|(i, age)| RegisteredSender {
                    id: format!("s{i}"),
                    host: "h".into(),
                    pid: 1,
                    started_at: 0,
                    heartbeat_at: 1_000_000 - age * 1000,
                    paused: false,
                    state: None,
                })
                .collect(),
            now: 1_000_000,
        }
    }

    fn args(oldest: Option<u64>, failed: Option<i64>, senders: Option<usize>) -> CheckQueueArgs {
        CheckQueueArgs {
            max_oldest_pending: oldest.map(|m| Duration::from_secs(m * 60)),
            max_failed_last_hour: failed,
            min_senders: senders,
            max_heartbeat_age: Duration::from_secs(60),
        }
    }

    #[test]
    fn each_threshold_gives_its_state() {
        let s = |h: &QueueHealth, a: &CheckQueueArgs| judge(h, a).0;
        assert_eq!(
            s(&health(Some(5), 0, &[1]), &args(Some(15), None, None)),
            State::Ok
        );
        assert_eq!(
            s(&health(Some(20), 0, &[1]), &args(Some(15), None, None)),
            State::Warning
        );
        assert_eq!(
            s(&health(Some(31), 0, &[1]), &args(Some(15), None, None)),
            State::Critical
        );
        assert_eq!(
            s(&health(None, 3, &[1]), &args(None, Some(2), None)),
            State::Warning
        );
        assert_eq!(
            s(&health(None, 5, &[1]), &args(None, Some(2), None)),
            State::Critical
        );
        assert_eq!(
            s(&health(None, 0, &[1, 90]), &args(None, None, Some(1))),
            State::Ok
        );
        assert_eq!(
            s(&health(None, 0, &[1, 90]), &args(None, None, Some(2))),
            State::Critical
        );
        assert_eq!(
            s(&health(None, 0, &[]), &args(None, None, Some(1))),
            State::Critical
        );
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
