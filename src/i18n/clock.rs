//! Times as people read them: in the local time zone, with the zone shown. Stored and
//! `--json` times stay UTC (RFC 3339); only what is printed for reading is local.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::time::Millis;

#[derive(Debug, Clone)]
pub struct Clock {
    zone: TimeZone,
}

impl Default for Clock {
    /// UTC: what tests and a machine without a zone see.
    fn default() -> Self {
        Clock {
            zone: TimeZone::UTC,
        }
    }
}

impl Clock {
    /// The system's zone (`TZ`, else `/etc/localtime`); UTC when neither can be read.
    pub fn system() -> Self {
        Clock {
            zone: TimeZone::try_system().unwrap_or(TimeZone::UTC),
        }
    }

    /// A named zone such as `Europe/Warsaw` (tests, `TZ`-less set-ups).
    pub fn named(name: &str) -> Option<Self> {
        TimeZone::get(name).ok().map(|zone| Clock { zone })
    }

    fn zoned(&self, ms: Millis) -> Option<jiff::Zoned> {
        Timestamp::from_millisecond(ms)
            .ok()
            .map(|t| t.to_zoned(self.zone.clone()))
    }

    /// `18:52` (the zone is said once, elsewhere on the screen).
    pub fn hm(&self, ms: Millis) -> String {
        self.zoned(ms)
            .map(|z| z.strftime("%H:%M").to_string())
            .unwrap_or_else(|| "--:--".into())
    }

    /// `18:52 CET`.
    pub fn hm_zone(&self, ms: Millis) -> String {
        self.zoned(ms)
            .map(|z| z.strftime("%H:%M %Z").to_string())
            .unwrap_or_else(|| "--:--".into())
    }

    /// `2026-12-02 18:52:07 CET`.
    pub fn full(&self, ms: Millis) -> String {
        self.zoned(ms)
            .map(|z| z.strftime("%Y-%m-%d %H:%M:%S %Z").to_string())
            .unwrap_or_else(|| crate::time::format_rfc3339(ms))
    }

    /// The zone's abbreviation now (`CET`, `UTC`).
    pub fn zone_now(&self, now: Millis) -> String {
        self.zoned(now)
            .map(|z| z.strftime("%Z").to_string())
            .unwrap_or_else(|| "UTC".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_carry_their_zone_and_change_with_the_season() {
        let Some(warsaw) = Clock::named("Europe/Warsaw") else {
            // A machine without zoneinfo: only UTC can be checked.
            assert_eq!(Clock::default().hm_zone(0), "00:00 UTC");
            return;
        };
        // 2026-01-15 12:00 UTC is 13:00 CET; 2026-07-15 12:00 UTC is 14:00 CEST.
        assert_eq!(warsaw.hm_zone(1_768_478_400_000), "13:00 CET");
        assert_eq!(warsaw.full(1_784_116_800_000), "2026-07-15 14:00:00 CEST");
        assert_eq!(Clock::default().hm(1_768_478_400_000), "12:00");
    }
}
