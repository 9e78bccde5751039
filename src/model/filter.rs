//! The filter language of the queue: what support staff type after `/` in the console
//! and give to `--filter` on the command line. Terms are ANDed; `-` negates one:
//!
//! ```text
//! status:failed domain:onet.pl code:5xx -error:"mailbox full" age>2h faktura
//! ```
//!
//! Parsing gives plain data ([`Filter`]); the store compiles it to parameterised SQL.
//! An error names the position it occurs at, and nothing is run.

use std::fmt;

use super::mail::{MailId, MailStatus};
use super::time::Millis;

/// Every qualifier, as typed (the console completes them in this order).
pub const QUALIFIERS: [&str; 19] = [
    "status", "held", "to", "cc", "from", "domain", "subject", "error", "code", "sender", "id",
    "msgid", "attempts", "size", "has", "age", "created", "sent", "next",
];

/// The values `status:` takes.
pub const STATUS_VALUES: [&str; 7] = [
    "pending",
    "sending",
    "sent",
    "failed",
    "cancelled",
    "held",
    "archived",
];

/// The values `has:` takes.
pub const HAS_VALUES: [&str; 2] = ["attachment", "error"];

/// A parsed filter: every term must hold. The empty filter matches every mail.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub terms: Vec<Term>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The filter of one plain text searched everywhere a person looks (subject,
    /// recipients, sender address, last error, or a mail id): `--search`.
    pub fn anywhere(text: &str) -> Self {
        let text = text.trim();
        if text.is_empty() {
            return Filter::default();
        }
        Filter {
            terms: vec![Term {
                negated: false,
                test: Test::Anywhere(text.to_string()),
            }],
        }
    }

    /// Whether an index finds its mails: every term a status, held or ids (what else
    /// is read row by row).
    pub fn is_indexed(&self) -> bool {
        self.terms
            .iter()
            .all(|t| !t.negated && matches!(t.test, Test::Status(_) | Test::Held(_) | Test::Ids(_)))
    }

    /// This filter and another one.
    pub fn and(mut self, other: Filter) -> Self {
        self.terms.extend(other.terms);
        self
    }

    /// Parses `text`; an error names the character it was found at.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        Parser::new(text).filter()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub negated: bool,
    pub test: Test,
}

/// What one term asks of a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// A bare word or quoted phrase: in the subject or a recipient, or the mail's id.
    Words(String),
    /// `--search`: the subject, recipients, sender address or last error, or the id.
    Anywhere(String),
    /// Any of these statuses (`held` and `pending` as the lists show them).
    Status(Vec<StatusValue>),
    Held(bool),
    /// Text in a field, case folded; `*` in it stands for any text.
    Text(TextField, String),
    /// `error="…"`: the whole field is this text (case folded, `*` any text): an error
    /// group's own term.
    TextIs(TextField, String),
    /// A recipient (to, cc or bcc) at exactly this domain.
    Domain(String),
    Code(CodePattern),
    Ids(IdSet),
    Attempts(Compare, i64),
    /// Body and attachments, in bytes.
    Size(Compare, i64),
    HasAttachment,
    HasError,
    /// Older (`>`) or younger (`<`) than a duration, from creation.
    Age(Compare, Millis),
    Time(TimeField, Compare, When),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusValue {
    Status(MailStatus),
    Held,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    To,
    Cc,
    From,
    Subject,
    Error,
    /// The sender that holds or delivered the mail (`claimed_by`, `sent_by`).
    Sender,
    MessageId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeField {
    Created,
    Sent,
    Next,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// `:` or `=`.
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Compare {
    pub fn sql(self) -> &'static str {
        match self {
            Compare::Eq => "=",
            Compare::Lt => "<",
            Compare::Le => "<=",
            Compare::Gt => ">",
            Compare::Ge => ">=",
        }
    }

    /// The comparison seen from the other side (`a < b` is `b > a`).
    pub fn flipped(self) -> Compare {
        match self {
            Compare::Eq => Compare::Eq,
            Compare::Lt => Compare::Gt,
            Compare::Le => Compare::Ge,
            Compare::Gt => Compare::Lt,
            Compare::Ge => Compare::Le,
        }
    }
}

/// An SMTP reply code (`550`, `5xx`, `55x`) or an enhanced status code (`5.1.1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodePattern {
    /// Three characters, each a digit or `None` for `x`.
    Reply([Option<u8>; 3]),
    Enhanced(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdSet {
    List(Vec<MailId>),
    /// Both ends included.
    Range(MailId, MailId),
    Compare(Compare, MailId),
}

/// A point in time as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// A duration: before now for `created` and `sent`, after now for `next`.
    Relative(Millis),
    /// A local date, with a time of day or the whole day.
    Local(LocalTime),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// `None`: today (only a time was typed).
    pub date: Option<(i16, i8, i8)>,
    /// `None`: the whole day.
    pub hour_minute: Option<(i8, i8)>,
}

/// Where a filter went wrong and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// The character (not byte) it was found at, from 0.
    pub at: usize,
    pub problem: FilterProblem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterProblem {
    UnknownQualifier(String),
    MissingValue(String),
    /// The value does not fit the qualifier; `Expected` says what would.
    BadValue {
        qualifier: String,
        value: String,
        expected: Expected,
    },
    /// `to>x`: a qualifier compared with an operator it has no use for.
    BadOperator {
        qualifier: String,
        operator: String,
    },
    UnclosedQuote,
    /// A `-` with nothing after it.
    NothingToNegate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    Status,
    YesNo,
    Number,
    Size,
    Duration,
    Time,
    Code,
    Ids,
    Has,
    Domain,
}

impl Expected {
    /// English (the CLI's language); the console words it through i18n.
    pub fn en(self) -> &'static str {
        match self {
            Expected::Status => {
                "`pending`, `sending`, `sent`, `failed`, `cancelled`, `held` or `archived` (a list with commas)"
            }
            Expected::YesNo => "yes or no",
            Expected::Number => "a whole number",
            Expected::Size => "a size such as 500KB or 5MB",
            Expected::Duration => "a duration such as 30m, 2h or 7d",
            Expected::Time => "a date such as 2026-11-30, 2026-11-30T14:00, 14:00 or a duration",
            Expected::Code => "a reply code such as 550 or 5xx, or a status code such as 5.1.1",
            Expected::Ids => "a mail id, a list 1,2,3 or a range 100..200",
            Expected::Has => "`attachment` or `error`",
            Expected::Domain => "a domain such as onet.pl",
        }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.at + 1;
        match &self.problem {
            FilterProblem::UnknownQualifier(q) => write!(
                f,
                "at {at}: `{q}:` is not a qualifier (put text with a colon in quotes)"
            ),
            FilterProblem::MissingValue(q) => write!(f, "at {at}: `{q}` needs a value"),
            FilterProblem::BadValue {
                qualifier,
                value,
                expected,
            } => write!(
                f,
                "at {at}: `{value}` is not a value for `{qualifier}`: {}",
                expected.en()
            ),
            FilterProblem::BadOperator {
                qualifier,
                operator,
            } => write!(
                f,
                "at {at}: `{qualifier}` cannot be compared with `{operator}`"
            ),
            FilterProblem::UnclosedQuote => write!(f, "at {at}: the quote is not closed"),
            FilterProblem::NothingToNegate => write!(f, "at {at}: `-` needs a term after it"),
        }
    }
}

impl std::error::Error for FilterError {}

struct Parser<'a> {
    text: &'a str,
    /// Byte position.
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser { text, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    /// The character position of a byte position.
    fn at(&self, byte: usize) -> usize {
        self.text[..byte].chars().count()
    }

    fn err(&self, byte: usize, problem: FilterProblem) -> FilterError {
        FilterError {
            at: self.at(byte),
            problem,
        }
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn filter(mut self) -> Result<Filter, FilterError> {
        let mut terms = Vec::new();
        loop {
            self.skip_space();
            if self.rest().is_empty() {
                return Ok(Filter { terms });
            }
            terms.push(self.term()?);
        }
    }

    fn term(&mut self) -> Result<Term, FilterError> {
        let start = self.pos;
        let negated = self.rest().starts_with('-');
        if negated {
            self.pos += 1;
            if self.rest().is_empty() || self.rest().starts_with(char::is_whitespace) {
                return Err(self.err(start, FilterProblem::NothingToNegate));
            }
        }
        let test = self.test()?;
        Ok(Term { negated, test })
    }

    fn test(&mut self) -> Result<Test, FilterError> {
        let start = self.pos;
        if self.rest().starts_with('"') {
            let phrase = self.value()?;
            return Ok(Test::Words(phrase));
        }
        let rest = self.rest();
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        let after = &rest[name_len..];
        let operator = [">=", "<=", ":", "=", ">", "<"]
            .into_iter()
            .find(|op| after.starts_with(op));
        let Some(operator) = operator.filter(|_| !name.is_empty()) else {
            return Ok(Test::Words(self.word()));
        };
        let qualifier = name.to_ascii_lowercase();
        if !QUALIFIERS.contains(&qualifier.as_str()) {
            // `re:faktura` or a time `14:00` typed as a word: only `name:` is a qualifier.
            if operator == ":" {
                return Err(self.err(start, FilterProblem::UnknownQualifier(name.to_string())));
            }
            return Ok(Test::Words(self.word()));
        }
        self.pos += name_len + operator.len();
        let value_at = self.pos;
        if self.rest().is_empty() || self.rest().starts_with(char::is_whitespace) {
            return Err(self.err(start, FilterProblem::MissingValue(qualifier)));
        }
        let value = self.value()?;
        let compare = match operator {
            ":" | "=" => Compare::Eq,
            ">" => Compare::Gt,
            "<" => Compare::Lt,
            ">=" => Compare::Ge,
            _ => Compare::Le,
        };
        let bad = |expected| {
            self.err(
                value_at,
                FilterProblem::BadValue {
                    qualifier: qualifier.clone(),
                    value: value.clone(),
                    expected,
                },
            )
        };
        let only_equals = |test: Test| {
            if compare == Compare::Eq {
                Ok(test)
            } else {
                Err(self.err(
                    start,
                    FilterProblem::BadOperator {
                        qualifier: qualifier.clone(),
                        operator: operator.to_string(),
                    },
                ))
            }
        };
        match qualifier.as_str() {
            "status" => {
                let mut list = Vec::new();
                for part in value.split(',').map(str::trim) {
                    list.push(status_value(part).ok_or_else(|| bad(Expected::Status))?);
                }
                only_equals(Test::Status(list))
            }
            "held" => only_equals(Test::Held(
                yes_no(&value).ok_or_else(|| bad(Expected::YesNo))?,
            )),
            "to" | "cc" | "from" | "subject" | "error" | "sender" => {
                let field = match qualifier.as_str() {
                    "to" => TextField::To,
                    "cc" => TextField::Cc,
                    "from" => TextField::From,
                    "subject" => TextField::Subject,
                    "error" => TextField::Error,
                    _ => TextField::Sender,
                };
                only_equals(if operator == "=" {
                    Test::TextIs(field, value.clone())
                } else {
                    Test::Text(field, value.clone())
                })
            }
            "msgid" => only_equals(Test::Text(
                TextField::MessageId,
                value.trim_matches(['<', '>']).to_string(),
            )),
            "domain" => {
                let d = value.trim_start_matches('@').to_string();
                if d.is_empty() || d.contains(['@', '*', ',', ' ', '<', '>']) {
                    return Err(bad(Expected::Domain));
                }
                only_equals(Test::Domain(d))
            }
            "code" => only_equals(Test::Code(code(&value).ok_or_else(|| bad(Expected::Code))?)),
            "has" => match value.to_lowercase().as_str() {
                "attachment" | "attachments" | "załącznik" => only_equals(Test::HasAttachment),
                "error" | "błąd" => only_equals(Test::HasError),
                _ => Err(bad(Expected::Has)),
            },
            "id" => {
                let set = if compare == Compare::Eq {
                    ids(&value)
                } else {
                    mail_id(&value).map(|id| IdSet::Compare(compare, id))
                };
                Ok(Test::Ids(set.ok_or_else(|| bad(Expected::Ids))?))
            }
            "attempts" => {
                let n = value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| bad(Expected::Number))?;
                Ok(Test::Attempts(compare, n))
            }
            "size" => Ok(Test::Size(
                compare,
                size(&value).ok_or_else(|| bad(Expected::Size))?,
            )),
            "age" => {
                let d = duration(&value).ok_or_else(|| bad(Expected::Duration))?;
                if compare == Compare::Eq {
                    return Err(self.err(
                        start,
                        FilterProblem::BadOperator {
                            qualifier: qualifier.clone(),
                            operator: operator.to_string(),
                        },
                    ));
                }
                Ok(Test::Age(compare, d))
            }
            field => {
                let field = match field {
                    "created" => TimeField::Created,
                    "sent" => TimeField::Sent,
                    _ => TimeField::Next,
                };
                let when = when(&value).ok_or_else(|| bad(Expected::Time))?;
                if compare == Compare::Eq && matches!(when, When::Relative(_)) {
                    return Err(self.err(
                        start,
                        FilterProblem::BadOperator {
                            qualifier: qualifier.clone(),
                            operator: operator.to_string(),
                        },
                    ));
                }
                Ok(Test::Time(field, compare, when))
            }
        }
    }

    /// A word up to the next space.
    fn word(&mut self) -> String {
        let rest = self.rest();
        let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        self.pos += len;
        rest[..len].to_string()
    }

    /// A quoted value (`\"` and `\\` inside) or a word.
    fn value(&mut self) -> Result<String, FilterError> {
        if !self.rest().starts_with('"') {
            return Ok(self.word());
        }
        let open = self.pos;
        let mut out = String::new();
        let mut chars = self.rest().char_indices().skip(1);
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, e)) => out.push(e),
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err(self.err(open, FilterProblem::UnclosedQuote))
    }
}

fn status_value(s: &str) -> Option<StatusValue> {
    match s.to_lowercase().as_str() {
        "held" => Some(StatusValue::Held),
        "archived" => Some(StatusValue::Status(MailStatus::Sent)),
        other => other.parse().ok().map(StatusValue::Status),
    }
}

fn yes_no(s: &str) -> Option<bool> {
    match s.to_lowercase().as_str() {
        "yes" | "true" | "1" | "tak" => Some(true),
        "no" | "false" | "0" | "nie" => Some(false),
        _ => None,
    }
}

fn code(s: &str) -> Option<CodePattern> {
    let s = s.to_ascii_lowercase();
    let b = s.as_bytes();
    if b.len() == 3 && (b'2'..=b'5').contains(&b[0]) {
        let mut out = [None; 3];
        for (i, c) in b.iter().enumerate() {
            out[i] = match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'x' if i > 0 => None,
                _ => return None,
            };
        }
        return Some(CodePattern::Reply(out));
    }
    let parts: Vec<&str> = s.split('.').collect();
    let enhanced = parts.len() == 3
        && matches!(parts[0], "2" | "4" | "5")
        && parts[1..]
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()));
    enhanced.then(|| CodePattern::Enhanced(s.clone()))
}

fn mail_id(s: &str) -> Option<MailId> {
    s.trim_start_matches('#')
        .parse::<MailId>()
        .ok()
        .filter(|n| *n > 0)
}

fn ids(s: &str) -> Option<IdSet> {
    if let Some((a, b)) = s.split_once("..") {
        let (a, b) = (mail_id(a)?, mail_id(b)?);
        return (a <= b).then_some(IdSet::Range(a, b));
    }
    s.split(',')
        .map(|p| mail_id(p.trim()))
        .collect::<Option<Vec<_>>>()
        .map(IdSet::List)
}

/// `500`, `500B`, `20KB`, `5MB`, `1.5GB` (binary: 1 KB is 1024 bytes).
fn size(s: &str) -> Option<i64> {
    let s = s.to_ascii_lowercase();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: f64 = number.parse().ok()?;
    let unit = match unit {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = n * unit;
    (0.0..1e15).contains(&bytes).then_some(bytes as i64)
}

/// `90s`, `30m`, `2h`, `7d`, `2w`, or several: `1h30m`.
pub fn duration(s: &str) -> Option<Millis> {
    let s = s.to_ascii_lowercase();
    let mut total: Millis = 0;
    let mut rest = s.as_str();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: Millis = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit: Millis = match &rest[..unit_len] {
            "s" => 1_000,
            "m" | "min" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    Some(total)
}

/// A duration, or a local `2026-11-30`, `2026-11-30T14:00` (or a space), or `14:00`.
pub fn when(s: &str) -> Option<When> {
    if let Some(d) = duration(s) {
        return Some(When::Relative(d));
    }
    let (date, time) = match s.split_once(['T', 't', ' ']) {
        Some((d, t)) => (Some(d), Some(t)),
        None if s.contains('-') => (Some(s), None),
        None => (None, Some(s)),
    };
    let date = match date {
        Some(d) => {
            let mut it = d.split('-');
            let y: i16 = it.next()?.parse().ok()?;
            let m: i8 = it.next()?.parse().ok()?;
            let day: i8 = it.next()?.parse().ok()?;
            if it.next().is_some() || !(1970..=9999).contains(&y) || !valid_date(y, m, day) {
                return None;
            }
            Some((y, m, day))
        }
        None => None,
    };
    let hour_minute = match time {
        Some(t) => {
            let (h, m) = t.split_once(':')?;
            let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
            if !(0..24).contains(&h) || !(0..60).contains(&m) {
                return None;
            }
            Some((h, m))
        }
        None => None,
    };
    Some(When::Local(LocalTime { date, hour_minute }))
}

fn valid_date(y: i16, m: i8, d: i8) -> bool {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// What Tab offers at the end of `text`: the word being typed and its completions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Byte position where the completed word starts.
    pub start: usize,
    pub candidates: Vec<String>,
}

/// The completions of the last word of `text`: qualifiers, then the values of
/// `status:`, `held:`, `has:`, `domain:` and `sender:` (`domains` and `senders` are what
/// the queue holds now). A candidate ends with `:` for a qualifier, else a space.
pub fn complete(text: &str, domains: &[String], senders: &[String]) -> Completion {
    let start = text.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let word = &text[start..];
    let (sign, word) = match word.strip_prefix('-') {
        Some(w) => ("-", w),
        None => ("", word),
    };
    let matching = |prefix: &str, options: &mut dyn Iterator<Item = &str>, suffix: &str| {
        let lower = prefix.to_lowercase();
        options
            .filter(|o| o.to_lowercase().starts_with(&lower))
            .map(|o| format!("{o}{suffix}"))
            .collect::<Vec<_>>()
    };
    let candidates = match word.split_once(':') {
        None => matching(word, &mut QUALIFIERS.iter().copied(), ":"),
        Some((q, value)) => {
            let q_lower = q.to_ascii_lowercase();
            let values: Vec<&str> = match q_lower.as_str() {
                "status" => STATUS_VALUES.to_vec(),
                "held" => vec!["yes", "no"],
                "has" => HAS_VALUES.to_vec(),
                "domain" => domains.iter().map(String::as_str).collect(),
                "sender" => senders.iter().map(String::as_str).collect(),
                _ => Vec::new(),
            };
            // A list (`status:failed,`) completes its last item.
            let (head, last) = match value.rfind(',') {
                Some(i) if q_lower == "status" => value.split_at(i + 1),
                _ => ("", value),
            };
            matching(last, &mut values.into_iter(), " ")
                .into_iter()
                .map(|v| format!("{q}:{head}{v}"))
                .collect()
        }
    };
    Completion {
        start,
        candidates: candidates
            .into_iter()
            .map(|c| format!("{sign}{c}"))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Term {
        let f = Filter::parse(text).unwrap();
        assert_eq!(f.terms.len(), 1, "{text}: {f:?}");
        f.terms.into_iter().next().unwrap()
    }

    fn test(text: &str) -> Test {
        one(text).test
    }

    fn problem(text: &str) -> (usize, FilterProblem) {
        let e = Filter::parse(text).unwrap_err();
        (e.at, e.problem)
    }

    fn bad_value(qualifier: &str, value: &str, expected: Expected) -> FilterProblem {
        FilterProblem::BadValue {
            qualifier: qualifier.into(),
            value: value.into(),
            expected,
        }
    }

    #[test]
    fn empty_text_is_the_empty_filter() {
        assert!(Filter::parse("").unwrap().is_empty());
        assert!(Filter::parse("   ").unwrap().is_empty());
    }

    #[test]
    fn bare_words_and_quoted_phrases() {
        let f = Filter::parse("faktura  \"VAT 23%\" Żółw").unwrap();
        let words: Vec<_> = f.terms.iter().map(|t| t.test.clone()).collect();
        assert_eq!(
            words,
            vec![
                Test::Words("faktura".into()),
                Test::Words("VAT 23%".into()),
                Test::Words("Żółw".into())
            ]
        );
        // A word with a comparison that is no qualifier stays a word.
        assert_eq!(test("a<b"), Test::Words("a<b".into()));
        assert_eq!(test("x@y.pl"), Test::Words("x@y.pl".into()));
    }

    #[test]
    fn minus_negates_a_term() {
        let t = one("-domain:onet.pl");
        assert!(t.negated);
        assert_eq!(t.test, Test::Domain("onet.pl".into()));
        assert!(one("-faktura").negated);
        assert!(!one("faktura-2").negated);
        assert_eq!(problem("a - b"), (2, FilterProblem::NothingToNegate));
        assert_eq!(problem("a -"), (2, FilterProblem::NothingToNegate));
    }

    #[test]
    fn status_takes_one_or_a_list() {
        assert_eq!(
            test("status:failed"),
            Test::Status(vec![StatusValue::Status(MailStatus::Failed)])
        );
        assert_eq!(
            test("status:held,Archived"),
            Test::Status(vec![
                StatusValue::Held,
                StatusValue::Status(MailStatus::Sent)
            ])
        );
        assert_eq!(
            problem("x status:lost"),
            (9, bad_value("status", "lost", Expected::Status))
        );
    }

    #[test]
    fn held_takes_yes_or_no() {
        assert_eq!(test("held:yes"), Test::Held(true));
        assert_eq!(test("held:nie"), Test::Held(false));
        assert_eq!(
            problem("held:maybe"),
            (5, bad_value("held", "maybe", Expected::YesNo))
        );
    }

    #[test]
    fn text_qualifiers_take_words_or_quotes() {
        for (q, field) in [
            ("to", TextField::To),
            ("cc", TextField::Cc),
            ("from", TextField::From),
            ("subject", TextField::Subject),
            ("error", TextField::Error),
            ("sender", TextField::Sender),
        ] {
            assert_eq!(
                test(&format!("{q}:\"a \\\"b\\\" c\"")),
                Test::Text(field, "a \"b\" c".into())
            );
            assert_eq!(
                test(&format!("{}:x*y", q.to_uppercase())),
                Test::Text(field, "x*y".into())
            );
            assert_eq!(
                problem(&format!("{q}>x")),
                (
                    0,
                    FilterProblem::BadOperator {
                        qualifier: q.into(),
                        operator: ">".into()
                    }
                )
            );
        }
        assert_eq!(
            test("error=\"RCPT <*>: 550 *\""),
            Test::TextIs(TextField::Error, "RCPT <*>: 550 *".into())
        );
        assert_eq!(
            test("msgid:<abc@host>"),
            Test::Text(TextField::MessageId, "abc@host".into())
        );
    }

    #[test]
    fn a_missing_value_or_quote_is_reported_where_it_starts() {
        assert_eq!(
            problem("status:failed to:"),
            (14, FilterProblem::MissingValue("to".into()))
        );
        assert_eq!(
            problem("to: x"),
            (0, FilterProblem::MissingValue("to".into()))
        );
        assert_eq!(
            problem("ą subject:\"faktura"),
            (10, FilterProblem::UnclosedQuote)
        );
        assert_eq!(problem("\"x"), (0, FilterProblem::UnclosedQuote));
    }

    #[test]
    fn an_unknown_qualifier_is_named_at_its_position() {
        let e = Filter::parse("ąę subjct:faktura").unwrap_err();
        assert_eq!(e.at, 3, "counted in characters, not bytes");
        assert_eq!(e.problem, FilterProblem::UnknownQualifier("subjct".into()));
        assert!(
            e.to_string()
                .starts_with("at 4: `subjct:` is not a qualifier")
        );
        // Quoted, the same text is a phrase.
        assert_eq!(test("\"re:faktura\""), Test::Words("re:faktura".into()));
    }

    #[test]
    fn domain_is_a_bare_domain() {
        assert_eq!(test("domain:@Onet.pl"), Test::Domain("Onet.pl".into()));
        assert_eq!(
            problem("domain:a@b.pl"),
            (7, bad_value("domain", "a@b.pl", Expected::Domain))
        );
    }

    #[test]
    fn code_takes_reply_codes_classes_and_status_codes() {
        assert_eq!(
            test("code:550"),
            Test::Code(CodePattern::Reply([Some(5), Some(5), Some(0)]))
        );
        assert_eq!(
            test("code:5XX"),
            Test::Code(CodePattern::Reply([Some(5), None, None]))
        );
        assert_eq!(
            test("code:5.1.1"),
            Test::Code(CodePattern::Enhanced("5.1.1".into()))
        );
        for bad in ["x50", "650", "55", "5.1", "5.1.1000", "3.1.1"] {
            assert_eq!(
                problem(&format!("code:{bad}")),
                (5, bad_value("code", bad, Expected::Code)),
                "{bad}"
            );
        }
    }

    #[test]
    fn id_takes_one_a_list_a_range_or_a_comparison() {
        assert_eq!(test("id:#42"), Test::Ids(IdSet::List(vec![42])));
        assert_eq!(test("id:1,2,3"), Test::Ids(IdSet::List(vec![1, 2, 3])));
        assert_eq!(test("id:100..200"), Test::Ids(IdSet::Range(100, 200)));
        assert_eq!(test("id>=7"), Test::Ids(IdSet::Compare(Compare::Ge, 7)));
        for bad in ["200..100", "a", "1,,2", "0"] {
            assert_eq!(
                problem(&format!("id:{bad}")),
                (3, bad_value("id", bad, Expected::Ids)),
                "{bad}"
            );
        }
    }

    #[test]
    fn attempts_and_size_compare_numbers() {
        assert_eq!(test("attempts>3"), Test::Attempts(Compare::Gt, 3));
        assert_eq!(test("attempts:0"), Test::Attempts(Compare::Eq, 0));
        assert_eq!(
            problem("attempts>-1"),
            (9, bad_value("attempts", "-1", Expected::Number))
        );
        assert_eq!(test("size>5MB"), Test::Size(Compare::Gt, 5 * 1024 * 1024));
        assert_eq!(test("size<=1.5k"), Test::Size(Compare::Le, 1536));
        assert_eq!(test("size>=100"), Test::Size(Compare::Ge, 100));
        assert_eq!(
            problem("size>5XB"),
            (5, bad_value("size", "5XB", Expected::Size))
        );
    }

    #[test]
    fn has_takes_attachment_or_error() {
        assert_eq!(test("has:attachment"), Test::HasAttachment);
        assert_eq!(test("has:error"), Test::HasError);
        assert_eq!(
            problem("has:cats"),
            (4, bad_value("has", "cats", Expected::Has))
        );
    }

    #[test]
    fn age_is_a_duration_compared() {
        assert_eq!(test("age>2h"), Test::Age(Compare::Gt, 7_200_000));
        assert_eq!(test("age<1h30m"), Test::Age(Compare::Lt, 5_400_000));
        assert_eq!(
            problem("age:2h"),
            (
                0,
                FilterProblem::BadOperator {
                    qualifier: "age".into(),
                    operator: ":".into()
                }
            )
        );
        assert_eq!(
            problem("age>2x"),
            (4, bad_value("age", "2x", Expected::Duration))
        );
    }

    #[test]
    fn times_take_dates_times_and_durations() {
        assert_eq!(
            test("created<2026-11-30"),
            Test::Time(
                TimeField::Created,
                Compare::Lt,
                When::Local(LocalTime {
                    date: Some((2026, 11, 30)),
                    hour_minute: None
                })
            )
        );
        assert_eq!(
            test("sent>=\"2026-11-30 14:05\""),
            Test::Time(
                TimeField::Sent,
                Compare::Ge,
                When::Local(LocalTime {
                    date: Some((2026, 11, 30)),
                    hour_minute: Some((14, 5))
                })
            )
        );
        assert_eq!(
            test("next<14:00"),
            Test::Time(
                TimeField::Next,
                Compare::Lt,
                When::Local(LocalTime {
                    date: None,
                    hour_minute: Some((14, 0))
                })
            )
        );
        assert_eq!(
            test("next<10m"),
            Test::Time(TimeField::Next, Compare::Lt, When::Relative(600_000))
        );
        assert!(matches!(
            test("created:2026-02-28"),
            Test::Time(_, Compare::Eq, When::Local(_))
        ));
        for bad in ["2026-02-29", "2026-13-01", "25:00", "yesterday"] {
            assert_eq!(
                problem(&format!("created<{bad}")),
                (8, bad_value("created", bad, Expected::Time)),
                "{bad}"
            );
        }
        assert!(matches!(
            problem("sent:2h").1,
            FilterProblem::BadOperator { .. }
        ));
    }

    #[test]
    fn terms_combine() {
        let f = Filter::parse("status:failed domain:onet.pl -code:4xx faktura").unwrap();
        assert_eq!(f.terms.len(), 4);
        assert!(f.terms[2].negated);
        let g = Filter::anywhere(" x ").and(f);
        assert_eq!(g.terms[0].test, Test::Anywhere("x".into()));
        assert_eq!(g.terms.len(), 5);
        assert!(Filter::anywhere("  ").is_empty());
    }

    #[test]
    fn completion_offers_qualifiers_then_values() {
        let domains = vec!["onet.pl".to_string(), "wp.pl".to_string()];
        let senders = vec!["dms-1".to_string()];
        let c = complete("faktura st", &domains, &senders);
        assert_eq!(c.start, 8);
        assert_eq!(c.candidates, vec!["status:"]);
        assert_eq!(
            complete("s", &domains, &senders).candidates,
            vec!["status:", "subject:", "sender:", "size:", "sent:"]
        );
        assert_eq!(
            complete("-status:f", &domains, &senders).candidates,
            vec!["-status:failed "]
        );
        assert_eq!(
            complete("status:failed,c", &domains, &senders).candidates,
            vec!["status:failed,cancelled "]
        );
        assert_eq!(
            complete("domain:", &domains, &senders).candidates,
            vec!["domain:onet.pl ", "domain:wp.pl "]
        );
        assert_eq!(
            complete("sender:d", &domains, &senders).candidates,
            vec!["sender:dms-1 "]
        );
        assert!(complete("to:x", &domains, &senders).candidates.is_empty());
    }
}
