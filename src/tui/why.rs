//! Why mail is not leaving, worked out from what the senders published: the one reason
//! the header shows, and what each mail's row and details say about it.

use crate::i18n::messages;
use crate::model::{RegisteredSender, SenderState, ServerTrouble};
use crate::time::Millis;
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, key_for};
use crate::tui::msg::Overview;

/// What keeps every mail from leaving right now (the first that applies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker<'a> {
    /// `enabled` is off in the Mail server tab.
    Disabled,
    /// Sending is paused for every sender.
    Paused {
        by: Option<&'a str>,
        at: Option<Millis>,
    },
    /// No sender process beats (none runs, or every one is stale).
    NoSender,
    /// Every sender waits for the mail server until `next_try`.
    Server {
        trouble: ServerTrouble,
        since: Millis,
        reply: &'a str,
        next_try: Millis,
    },
    /// The Microsoft 365 account needs signing in.
    SignIn { reason: &'a str },
}

/// The senders that would send now if they could: alive, not stale, not giving way.
pub fn working(o: &Overview, now: Millis) -> impl Iterator<Item = &RegisteredSender> {
    o.senders
        .iter()
        .filter(move |s| !s.is_stale(now) && !matches!(s.state, Some(SenderState::Yielding { .. })))
}

pub fn blocker(o: &Overview, now: Millis) -> Option<Blocker<'_>> {
    if o.sending_enabled == Some(false) {
        return Some(Blocker::Disabled);
    }
    if o.control.paused {
        return Some(Blocker::Paused {
            by: o.control.paused_by.as_deref(),
            at: o.control.paused_at,
        });
    }
    let working: Vec<&RegisteredSender> = working(o, now).collect();
    if working.is_empty() {
        return Some(Blocker::NoSender);
    }
    // One sender able to send is enough; an older sender that says nothing counts as one.
    if working
        .iter()
        .any(|s| matches!(s.state, None | Some(SenderState::Ready)))
    {
        return None;
    }
    let server = working
        .iter()
        .filter_map(|s| match &s.state {
            Some(SenderState::ServerDown {
                trouble,
                since,
                reply,
                next_try,
            }) => Some(Blocker::Server {
                trouble: *trouble,
                since: *since,
                reply: reply.as_str(),
                next_try: *next_try,
            }),
            _ => None,
        })
        .min_by_key(|b| match b {
            Blocker::Server { next_try, .. } => *next_try,
            _ => Millis::MAX,
        });
    if server.is_some() {
        return server;
    }
    working.iter().find_map(|s| match &s.state {
        Some(SenderState::SignIn { reason }) => Some(Blocker::SignIn {
            reason: reason.as_str(),
        }),
        Some(SenderState::Disabled) => Some(Blocker::Disabled),
        Some(SenderState::Paused) => Some(Blocker::Paused { by: None, at: None }),
        _ => None,
    })
}

/// The sender, if any, that claimed a mail and has gone stale: its claim comes back to
/// pending when the lease ends.
pub fn stale_claimant<'a>(
    o: &'a Overview,
    claimed_by: Option<&str>,
    now: Millis,
) -> Option<&'a RegisteredSender> {
    let id = claimed_by?;
    o.senders.iter().find(|s| s.id == id && s.is_stale(now))
}

/// The header's line for a blocker, with the key that fixes it.
pub fn header_text(b: &Blocker, app: &App) -> String {
    let lang = app.lang;
    let clock = &app.clock;
    match b {
        Blocker::Disabled => messages::blocked_disabled(lang),
        Blocker::Paused { by, at } => messages::blocked_paused(
            *by,
            at.map(|t| clock.hm_zone(t)).as_deref(),
            key_for(Scope::Queue, Action::PauseResume),
            lang,
        ),
        Blocker::NoSender => messages::blocked_no_sender(lang),
        Blocker::Server {
            trouble,
            since,
            reply,
            next_try,
        } => messages::blocked_server(
            *trouble,
            &clock.hm(*since),
            &clock.hm_zone(*next_try),
            reply,
            key_for(Scope::Queue, Action::Flush),
            lang,
        ),
        Blocker::SignIn { reason } => messages::blocked_sign_in(reason, lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SendingControl;

    fn sender(id: &str, beat_ago: Millis, state: Option<SenderState>) -> RegisteredSender {
        RegisteredSender {
            id: id.into(),
            host: "h".into(),
            pid: 1,
            started_at: 0,
            heartbeat_at: 100_000 - beat_ago,
            paused: false,
            state,
        }
    }

    fn overview(senders: Vec<RegisteredSender>) -> Overview {
        Overview {
            senders,
            sending_enabled: Some(true),
            ..Overview::default()
        }
    }

    const NOW: Millis = 100_000;

    #[test]
    fn the_first_reason_that_applies_is_named() {
        let down = |next_try| SenderState::ServerDown {
            trouble: ServerTrouble::Unreachable,
            since: 50_000,
            reply: "connect: refused".into(),
            next_try,
        };
        // A ready sender: nothing blocks.
        let o = overview(vec![sender("w", 1_000, Some(SenderState::Ready))]);
        assert_eq!(blocker(&o, NOW), None);
        // Disabled beats paused beats everything else.
        let mut o = overview(vec![sender("w", 1_000, Some(SenderState::Ready))]);
        o.control = SendingControl {
            paused: true,
            paused_by: Some("jan".into()),
            paused_at: Some(90_000),
            flush_at: 0,
        };
        assert_eq!(
            blocker(&o, NOW),
            Some(Blocker::Paused {
                by: Some("jan"),
                at: Some(90_000)
            })
        );
        o.sending_enabled = Some(false);
        assert_eq!(blocker(&o, NOW), Some(Blocker::Disabled));
        // Only a stale sender, or one that gives way: nobody sends.
        let o = overview(vec![
            sender("dead", 20_000, Some(SenderState::Ready)),
            sender(
                "console:x",
                1_000,
                Some(SenderState::Yielding { to: "dead".into() }),
            ),
        ]);
        assert_eq!(blocker(&o, NOW), Some(Blocker::NoSender));
        // Every sender waits for the server: the soonest next try is named.
        let o = overview(vec![
            sender("a", 1_000, Some(down(160_000))),
            sender("b", 1_000, Some(down(130_000))),
        ]);
        assert!(matches!(
            blocker(&o, NOW),
            Some(Blocker::Server {
                next_try: 130_000,
                reply: "connect: refused",
                ..
            })
        ));
        // One of them ready: mail leaves.
        let o = overview(vec![
            sender("a", 1_000, Some(down(160_000))),
            sender("b", 1_000, Some(SenderState::Ready)),
        ]);
        assert_eq!(blocker(&o, NOW), None);
    }
}
