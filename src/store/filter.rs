//! The filter language compiled to SQL on `process_mails m`: constant fragments and
//! bound values, never a value spelled into the statement.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

use super::DatabaseKind;
use crate::model::{
    CodePattern, Compare, Filter, IdSet, LocalTime, MailStatus, StatusValue, Test, TextField,
    TimeField, When,
};
use crate::time::Millis;

/// One piece of a compiled filter: SQL text, or a value bound in its place.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Sql(String),
    Text(String),
    Int(i64),
}

/// What relative and local times in a filter are read against.
#[derive(Debug, Clone)]
pub struct FilterClock {
    pub now: Millis,
    pub zone: TimeZone,
}

impl FilterClock {
    /// Now, in the system's zone (`TZ`, else `/etc/localtime`; UTC without either).
    pub fn system() -> Self {
        FilterClock {
            now: crate::time::now_ms(),
            zone: TimeZone::try_system().unwrap_or(TimeZone::UTC),
        }
    }

    /// A moment ahead: a duration from now, or the start of a local date and time (a
    /// date alone is its midnight).
    pub fn ahead(&self, when: &When) -> Millis {
        match when {
            When::Relative(d) => self.now + d,
            When::Local(t) => self.local_span(t).0,
        }
    }

    /// The span a local date (and time) stands for, in milliseconds UTC: a whole day,
    /// or a minute.
    fn local_span(&self, t: &LocalTime) -> (Millis, Millis) {
        let today = jiff::Timestamp::from_millisecond(self.now)
            .map(|ts| ts.to_zoned(self.zone.clone()).date())
            .unwrap_or(Date::constant(1970, 1, 1));
        let date = match t.date {
            Some((y, m, d)) => Date::new(y, m, d).unwrap_or(today),
            None => today,
        };
        let (start, minutes) = match t.hour_minute {
            Some((h, m)) => (date.at(h, m, 0, 0), 1),
            None => (date.at(0, 0, 0, 0), 24 * 60),
        };
        let start_ms = self.utc_ms(start);
        let end_ms = start
            .checked_add(jiff::Span::new().minutes(minutes))
            .map(|e| self.utc_ms(e))
            .unwrap_or(start_ms);
        (start_ms, end_ms)
    }

    fn utc_ms(&self, t: DateTime) -> Millis {
        self.zone
            .to_ambiguous_zoned(t)
            .compatible()
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0)
    }
}

/// Pushes a compiled filter onto a `QueryBuilder` (whichever database it is for).
macro_rules! push_pieces {
    ($qb:ident, $pieces:expr) => {
        for piece in $pieces {
            match piece {
                $crate::store::filter::Piece::Sql(s) => {
                    $qb.push(s);
                }
                $crate::store::filter::Piece::Text(t) => {
                    $qb.push_bind(t);
                }
                $crate::store::filter::Piece::Int(i) => {
                    $qb.push_bind(i);
                }
            }
        }
    };
}
pub(crate) use push_pieces;

/// ` AND (...)` for every term of the filter.
pub fn compile(filter: &Filter, kind: DatabaseKind, clock: &FilterClock) -> Vec<Piece> {
    let mut c = Compiler {
        kind,
        clock,
        out: Vec::new(),
    };
    for term in &filter.terms {
        // NULL columns (no error, never sent) count as "does not match": a negated
        // term then keeps them, as a person expects of `-error:timeout`. A term as it
        // is (NULL already fails a WHERE) lets the planner use an index for it.
        if term.negated {
            c.sql(" AND NOT coalesce((");
            c.test(&term.test);
            c.sql("), FALSE)");
        } else {
            c.sql(" AND (");
            c.test(&term.test);
            c.sql(")");
        }
    }
    c.out
}

/// Where `Words` look: subject and recipients.
const WORD_COLUMNS: [&str; 4] = ["m.subject", "m.to_addrs", "m.cc_addrs", "m.bcc_addrs"];
/// Where `--search` looks.
const ANYWHERE_COLUMNS: [&str; 6] = [
    "m.subject",
    "m.to_addrs",
    "m.cc_addrs",
    "m.bcc_addrs",
    "m.from_address",
    "m.last_error",
];

/// The mails that have an attachment (read through the attachments' mail index).
const ATTACHED: &str = "(SELECT a.mail_id FROM process_mail_attachments a)";

const SIZE: &str = "(m.body_size + (SELECT coalesce(sum(a.size), 0) FROM process_mail_attachments a \
    WHERE a.mail_id = m.id))";

struct Compiler<'a> {
    kind: DatabaseKind,
    clock: &'a FilterClock,
    out: Vec<Piece>,
}

impl Compiler<'_> {
    fn sql(&mut self, s: &str) {
        match self.out.last_mut() {
            Some(Piece::Sql(last)) => last.push_str(s),
            _ => self.out.push(Piece::Sql(s.to_string())),
        }
    }

    fn text(&mut self, t: String) {
        self.out.push(Piece::Text(t));
    }

    fn int(&mut self, i: i64) {
        self.out.push(Piece::Int(i));
    }

    /// The match operator of this database for a pattern from `contains`.
    fn matches(&self) -> &'static str {
        match self.kind {
            DatabaseKind::Sqlite => " GLOB ",
            DatabaseKind::Postgres => " ~ ",
        }
    }

    /// `col` contains `text` (case folded; `*` a wildcard when `wildcards`).
    fn contains(&mut self, columns: &[&str], text: &str, wildcards: bool) {
        let pattern = match self.kind {
            DatabaseKind::Sqlite => format!("*{}*", glob_body(text, wildcards)),
            DatabaseKind::Postgres => regex_body(text, wildcards),
        };
        self.any_column_matches(columns, pattern);
    }

    /// `a ~ p OR b ~ p …`.
    fn any_column_matches(&mut self, columns: &[&str], pattern: String) {
        for (i, col) in columns.iter().enumerate() {
            if i > 0 {
                self.sql(" OR ");
            }
            let op = self.matches();
            self.sql(&format!("{col}{op}"));
            self.text(pattern.clone());
        }
    }

    /// `col` is `text` as a whole (case folded, `*` a wildcard).
    fn whole(&mut self, columns: &[&str], text: &str) {
        let pattern = match self.kind {
            DatabaseKind::Sqlite => glob_body(text, true),
            DatabaseKind::Postgres => format!("^{}$", regex_body(text, true)),
        };
        self.any_column_matches(columns, pattern);
    }

    fn id_too(&mut self, text: &str) {
        if let Ok(id) = text.trim_start_matches('#').parse::<i64>() {
            self.sql(" OR m.id = ");
            self.int(id);
        }
    }

    fn test(&mut self, test: &Test) {
        match test {
            Test::Words(w) => {
                self.contains(&WORD_COLUMNS, w, false);
                self.id_too(w);
            }
            Test::Anywhere(w) => {
                self.contains(&ANYWHERE_COLUMNS, w, false);
                self.id_too(w);
            }
            Test::Status(list) => {
                for (i, s) in list.iter().enumerate() {
                    if i > 0 {
                        self.sql(" OR ");
                    }
                    match s {
                        StatusValue::Held => self.sql("m.held = TRUE"),
                        StatusValue::Status(MailStatus::Pending) => {
                            self.sql("(m.status = 'pending' AND m.held = FALSE)")
                        }
                        StatusValue::Status(st) => {
                            self.sql("m.status = ");
                            self.text(st.as_str().to_string());
                        }
                    }
                }
            }
            Test::Held(h) => self.sql(if *h {
                "m.held = TRUE"
            } else {
                "m.held = FALSE"
            }),
            Test::Text(field, value) | Test::TextIs(field, value) => {
                let columns: &[&str] = match field {
                    TextField::To => &["m.to_addrs"],
                    TextField::Cc => &["m.cc_addrs"],
                    TextField::From => &["m.from_address"],
                    TextField::Subject => &["m.subject"],
                    TextField::Error => &["m.last_error"],
                    TextField::Sender => &["m.claimed_by", "m.sent_by"],
                    TextField::MessageId => &["m.message_id"],
                };
                if matches!(test, Test::TextIs(..)) {
                    self.whole(columns, value);
                } else {
                    self.contains(columns, value, true);
                }
            }
            Test::Domain(d) => {
                // `@domain` ending an address: before `>`, a separator or the end.
                let all = "(m.to_addrs || ',' || m.cc_addrs || ',' || m.bcc_addrs || ',')";
                let pattern = match self.kind {
                    DatabaseKind::Sqlite => format!("*@{}[>, ]*", glob_body(d, false)),
                    DatabaseKind::Postgres => format!("@{}[>, ]", regex_body(d, false)),
                };
                let op = self.matches();
                self.sql(&format!("{all}{op}"));
                self.text(pattern);
            }
            Test::Code(code) => {
                // last_error is `STAGE <who>: 550 5.1.1 text` (`Failure::summary`).
                let pattern = match (self.kind, code) {
                    (DatabaseKind::Sqlite, CodePattern::Reply(d)) => {
                        let digits: String = d
                            .iter()
                            .map(|x| x.map_or("[0-9]".to_string(), |n| n.to_string()))
                            .collect();
                        format!("*: {digits}[ -]*")
                    }
                    (DatabaseKind::Postgres, CodePattern::Reply(d)) => {
                        let digits: String = d
                            .iter()
                            .map(|x| x.map_or("[0-9]".to_string(), |n| n.to_string()))
                            .collect();
                        format!(": {digits}[ -]")
                    }
                    (DatabaseKind::Sqlite, CodePattern::Enhanced(e)) => {
                        format!("*: [2-5][0-9][0-9][ -]{e}[ ,;]*")
                    }
                    (DatabaseKind::Postgres, CodePattern::Enhanced(e)) => {
                        format!(": [2-5][0-9]{{2}}[ -]{}[ ,;]", e.replace('.', "\\."))
                    }
                };
                let op = self.matches();
                self.sql(&format!("(m.last_error || ' '){op}"));
                self.text(pattern);
            }
            Test::Ids(set) => match set {
                IdSet::List(ids) => {
                    self.sql("m.id IN (");
                    for (i, id) in ids.iter().enumerate() {
                        if i > 0 {
                            self.sql(", ");
                        }
                        self.int(*id);
                    }
                    self.sql(")");
                }
                IdSet::Range(a, b) => {
                    self.sql("m.id BETWEEN ");
                    self.int(*a);
                    self.sql(" AND ");
                    self.int(*b);
                }
                IdSet::Compare(cmp, id) => {
                    self.sql(&format!("m.id {} ", cmp.sql()));
                    self.int(*id);
                }
            },
            Test::Attempts(cmp, n) => {
                self.sql(&format!("m.attempts {} ", cmp.sql()));
                self.int(*n);
            }
            Test::Size(cmp, n) => {
                // Most mails have no attachment: their size is the body's, and the sum
                // over attachments is looked up only for those that have some.
                let op = cmp.sql();
                match cmp {
                    Compare::Eq => {
                        self.sql(&format!("{SIZE} = "));
                        self.int(*n);
                    }
                    Compare::Gt | Compare::Ge => {
                        self.sql(&format!("m.body_size {op} "));
                        self.int(*n);
                        self.sql(&format!(" OR (m.id IN {ATTACHED} AND {SIZE} {op} "));
                        self.int(*n);
                        self.sql(")");
                    }
                    Compare::Lt | Compare::Le => {
                        self.sql(&format!("m.body_size {op} "));
                        self.int(*n);
                        self.sql(&format!(" AND (m.id NOT IN {ATTACHED} OR {SIZE} {op} "));
                        self.int(*n);
                        self.sql(")");
                    }
                }
            }
            Test::HasAttachment => self.sql(&format!("m.id IN {ATTACHED}")),
            Test::HasError => self.sql("m.last_error IS NOT NULL"),
            Test::Age(cmp, d) => {
                // Older than d is created before now - d.
                self.sql(&format!("m.created_at {} ", cmp.flipped().sql()));
                self.int(self.clock.now - d);
            }
            Test::Time(field, cmp, when) => {
                let col = match field {
                    TimeField::Created => "m.created_at",
                    TimeField::Sent => "m.sent_at",
                    TimeField::Next => "m.next_attempt_at",
                };
                let (start, end) = match when {
                    When::Relative(d) => {
                        let at = match field {
                            TimeField::Next => self.clock.now + d,
                            _ => self.clock.now - d,
                        };
                        (at, at)
                    }
                    When::Local(t) => self.clock.local_span(t),
                };
                // `created:2026-11-30` is that day (with a time, that minute); after
                // the day is from its end, before it is before its start.
                let (op, at) = match (cmp, start == end) {
                    (Compare::Eq, _) => {
                        self.sql(&format!("{col} >= "));
                        self.int(start);
                        self.sql(&format!(" AND {col} < "));
                        self.int(end);
                        return;
                    }
                    (_, true) => (cmp.sql(), start),
                    (Compare::Gt, false) => (">=", end),
                    (Compare::Ge, false) => (">=", start),
                    (Compare::Lt, false) => ("<", start),
                    (Compare::Le, false) => ("<", end),
                };
                self.sql(&format!("{col} {op} "));
                self.int(at);
            }
        }
    }
}

/// A character and its one-character lower- and upper-case forms (`Ż` → `żŻ`); one
/// entry for characters without case.
fn case_variants(c: char) -> Vec<char> {
    let mut v = vec![c];
    for mapped in [
        c.to_lowercase().collect::<Vec<_>>(),
        c.to_uppercase().collect(),
    ] {
        if let [x] = mapped[..]
            && !v.contains(&x)
        {
            v.push(x);
        }
    }
    v
}

/// `text` for SQLite's GLOB (to go between `*`s), each cased letter as a class of its
/// cases (SQLite's LIKE folds ASCII only), GLOB's own wildcards taken literally except
/// `*` when `wildcards`.
fn glob_body(text: &str, wildcards: bool) -> String {
    let mut p = String::new();
    for c in text.chars() {
        let v = case_variants(c);
        if c == '*' && wildcards {
            p.push('*');
        } else if v.len() > 1 || matches!(c, '*' | '?' | '[') {
            p.push('[');
            p.extend(v);
            p.push(']');
        } else {
            p.push(c);
        }
    }
    p
}

/// A PostgreSQL regular expression finding `text`, each cased letter as a bracket of its
/// cases (a C-locale ILIKE folds ASCII only), other ASCII punctuation escaped, and `*`
/// any text when `wildcards`.
fn regex_body(text: &str, wildcards: bool) -> String {
    let mut p = String::new();
    for c in text.chars() {
        let v = case_variants(c);
        if c == '*' && wildcards {
            p.push_str(".*");
        } else if v.len() > 1 {
            p.push('[');
            p.extend(v);
            p.push(']');
        } else {
            if c.is_ascii() && !c.is_ascii_alphanumeric() {
                p.push('\\');
            }
            p.push(c);
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock() -> FilterClock {
        FilterClock {
            // 2026-12-01T12:00:00Z
            now: 1_796_126_400_000,
            zone: TimeZone::get("Europe/Warsaw").unwrap(),
        }
    }

    fn sql(text: &str, kind: DatabaseKind) -> (String, Vec<Piece>) {
        let pieces = compile(&Filter::parse(text).unwrap(), kind, &clock());
        let sql = pieces
            .iter()
            .map(|p| match p {
                Piece::Sql(s) => s.clone(),
                _ => "?".to_string(),
            })
            .collect();
        let binds = pieces
            .into_iter()
            .filter(|p| !matches!(p, Piece::Sql(_)))
            .collect();
        (sql, binds)
    }

    #[test]
    fn values_are_bound_never_spelled_into_the_sql() {
        let (s, binds) = sql("subject:\"'; DROP TABLE x; --\"", DatabaseKind::Sqlite);
        assert_eq!(s, " AND (m.subject GLOB ?)");
        assert_eq!(binds.len(), 1);
        assert!(!s.contains("DROP"));
    }

    #[test]
    fn negation_keeps_rows_where_the_column_is_empty() {
        let (s, _) = sql("-error:timeout", DatabaseKind::Postgres);
        assert_eq!(s, " AND NOT coalesce((m.last_error ~ ?), FALSE)");
    }

    #[test]
    fn patterns_fold_every_scripts_case_and_take_star_as_a_wildcard() {
        let (_, b) = sql("to:Ża*x?", DatabaseKind::Sqlite);
        assert_eq!(b, vec![Piece::Text("*[Żż][aA]*[xX][?]*".into())]);
        let (_, b) = sql("to:Ża*x.", DatabaseKind::Postgres);
        assert_eq!(b, vec![Piece::Text("[Żż][aA].*[xX]\\.".into())]);
        // A bare word's `*` is the character.
        let (_, b) = sql("a*", DatabaseKind::Sqlite);
        assert_eq!(b, vec![Piece::Text("*[aA][*]*".into()); 4]);
    }

    #[test]
    fn codes_match_the_reply_in_the_last_error() {
        let (_, b) = sql("code:5xx", DatabaseKind::Sqlite);
        assert_eq!(b, vec![Piece::Text("*: 5[0-9][0-9][ -]*".into())]);
        let (_, b) = sql("code:5.1.1", DatabaseKind::Postgres);
        assert_eq!(
            b,
            vec![Piece::Text(": [2-5][0-9]{2}[ -]5\\.1\\.1[ ,;]".into())]
        );
    }

    #[test]
    fn dates_are_local_days_and_durations_count_from_now() {
        // Warsaw is UTC+1 in December: the local day starts at 23:00 UTC the day before.
        let day_start = 1_795_993_200_000; // 2026-11-29T23:00:00Z
        let day_end = day_start + 86_400_000;
        let (s, b) = sql("created:2026-11-30", DatabaseKind::Sqlite);
        assert_eq!(s, " AND (m.created_at >= ? AND m.created_at < ?)");
        assert_eq!(b, vec![Piece::Int(day_start), Piece::Int(day_end)]);
        let (s, b) = sql("sent>2026-11-30", DatabaseKind::Sqlite);
        assert_eq!(s, " AND (m.sent_at >= ?)");
        assert_eq!(b, vec![Piece::Int(day_end)]);
        let (s, b) = sql("sent<2026-11-30", DatabaseKind::Sqlite);
        assert_eq!(s, " AND (m.sent_at < ?)");
        assert_eq!(b, vec![Piece::Int(day_start)]);
        let (_, b) = sql("created>=\"2026-11-30 14:00\"", DatabaseKind::Sqlite);
        assert_eq!(b, vec![Piece::Int(day_start + 14 * 3_600_000)]);
        let (s, b) = sql("age>2h", DatabaseKind::Sqlite);
        assert_eq!(s, " AND (m.created_at < ?)");
        assert_eq!(b, vec![Piece::Int(clock().now - 7_200_000)]);
        let (s, b) = sql("next<10m", DatabaseKind::Sqlite);
        assert_eq!(s, " AND (m.next_attempt_at < ?)");
        assert_eq!(b, vec![Piece::Int(clock().now + 600_000)]);
        // A time alone is today, local (13:00 in Warsaw is 12:00 UTC).
        let (_, b) = sql("next<13:00", DatabaseKind::Sqlite);
        assert_eq!(b, vec![Piece::Int(clock().now)]);
    }
}
