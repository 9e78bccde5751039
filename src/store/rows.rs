//! Decoding of queue rows that never fails. Other programs write `process_mails` and
//! `process_mail_attachments` with plain SQL, and SQLite stores whatever it is given:
//! invalid UTF-8 in a TEXT column, a BLOB where text belongs, an integer wider than the
//! column's type. One such row must not stop a claim, a list or a detail view for every
//! other mail, so each column is read on its own; a value that cannot be read is
//! replaced (text decoded lossily, numbers clamped or zero) and named in `damaged`,
//! which the sender turns into a failure of that mail alone.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{ColumnIndex, Decode, FromRow, Row, Type};

use super::mails::QueueShapeRow;
use crate::model::{Attachment, AttachmentInfo, Mail, MailStatus, MailSummary};

/// Reads columns of one row, collecting what could not be read as `column: why`.
struct Lenient<'r, R> {
    row: &'r R,
    damaged: Vec<String>,
}

impl<'r, R> Lenient<'r, R>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    i32: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    Option<Vec<u8>>: Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn new(row: &'r R) -> Self {
        Lenient {
            row,
            damaged: Vec::new(),
        }
    }

    fn damage(&mut self, column: &str, why: impl std::fmt::Display) {
        self.damaged.push(format!("{column}: {why}"));
    }

    fn opt_text(&mut self, column: &'static str) -> Option<String> {
        match self.row.try_get::<Option<String>, _>(column) {
            Ok(v) => v,
            Err(first) => match self.row.try_get::<Option<Vec<u8>>, _>(column) {
                Ok(Some(bytes)) => {
                    let why = match std::str::from_utf8(&bytes) {
                        Ok(_) => "stored as bytes, not text".to_string(),
                        Err(e) => format!("not valid UTF-8 ({e})"),
                    };
                    self.damage(column, why);
                    Some(String::from_utf8_lossy(&bytes).into_owned())
                }
                Ok(None) => None,
                Err(_) => {
                    self.damage(column, first);
                    None
                }
            },
        }
    }

    fn text(&mut self, column: &'static str) -> String {
        self.opt_text(column).unwrap_or_default()
    }

    fn opt_i64(&mut self, column: &'static str) -> Option<i64> {
        match self.row.try_get::<Option<i64>, _>(column) {
            Ok(v) => v,
            Err(e) => {
                self.damage(column, format!("not a whole number ({e})"));
                None
            }
        }
    }

    fn i64(&mut self, column: &'static str) -> i64 {
        self.opt_i64(column).unwrap_or_default()
    }

    fn i32(&mut self, column: &'static str) -> i32 {
        match self.row.try_get::<i32, _>(column) {
            Ok(v) => v,
            Err(_) => {
                let wide = self.i64(column);
                let clamped = wide.clamp(i64::from(i32::MIN), i64::from(i32::MAX));
                if clamped != wide {
                    self.damage(column, format!("{wide} is out of range"));
                }
                // The clamp keeps the value in range, so the conversion cannot fail.
                i32::try_from(clamped).unwrap_or_default()
            }
        }
    }

    fn bool(&mut self, column: &'static str) -> bool {
        match self.row.try_get::<bool, _>(column) {
            Ok(v) => v,
            Err(_) => self.i64(column) != 0,
        }
    }

    fn bytes(&mut self, column: &'static str) -> Vec<u8> {
        match self.row.try_get::<Option<Vec<u8>>, _>(column) {
            Ok(v) => v.unwrap_or_default(),
            Err(e) => {
                self.damage(column, e);
                Vec::new()
            }
        }
    }

    fn status(&mut self) -> MailStatus {
        let text = self.text("status");
        text.parse().unwrap_or_else(|e: String| {
            self.damage("status", e);
            MailStatus::Failed
        })
    }

    fn mail(mut self) -> Mail {
        Mail {
            id: self.i64("id"),
            status: self.status(),
            held: self.bool("held"),
            priority: self.i32("priority"),
            from_address: self.opt_text("from_address"),
            display_name: self.opt_text("display_name"),
            to: self.text("to_addrs"),
            cc: self.text("cc_addrs"),
            bcc: self.text("bcc_addrs"),
            reply_to: self.opt_text("reply_to"),
            subject: self.text("subject"),
            body_text: self.text("body_text"),
            body_html: self.opt_text("body_html"),
            created_at: self.i64("created_at"),
            next_attempt_at: self.i64("next_attempt_at"),
            queued_at: self.i64("queued_at"),
            attempts: self.i32("attempts"),
            last_error: self.opt_text("last_error"),
            claimed_by: self.opt_text("claimed_by"),
            lease_until: self.opt_i64("lease_until"),
            sent_at: self.opt_i64("sent_at"),
            message_id: self.opt_text("message_id"),
            smtp_reply: self.opt_text("smtp_reply"),
            sent_by: self.opt_text("sent_by"),
            damaged: std::mem::take(&mut self.damaged),
        }
    }

    fn summary(mut self) -> MailSummary {
        MailSummary {
            id: self.i64("id"),
            status: self.status(),
            held: self.bool("held"),
            priority: self.i32("priority"),
            to: self.text("to_addrs"),
            subject: self.text("subject"),
            attempts: self.i32("attempts"),
            created_at: self.i64("created_at"),
            next_attempt_at: self.i64("next_attempt_at"),
            sent_at: self.opt_i64("sent_at"),
            last_error: self.opt_text("last_error"),
            claimed_by: self.opt_text("claimed_by"),
            lease_until: self.opt_i64("lease_until"),
            size: self.i64("size"),
            attachment_count: self.i64("attachment_count"),
            damaged: std::mem::take(&mut self.damaged),
        }
    }

    fn attachment(mut self) -> Attachment {
        Attachment {
            id: self.i64("id"),
            file_name: self.text("file_name"),
            content_type: self.text("content_type"),
            data: self.bytes("data"),
            damaged: std::mem::take(&mut self.damaged),
        }
    }

    fn attachment_info(mut self) -> AttachmentInfo {
        AttachmentInfo {
            id: self.i64("id"),
            file_name: self.text("file_name"),
            content_type: self.text("content_type"),
            size: self.i64("size"),
        }
    }

    fn shape_row(mut self) -> QueueShapeRow {
        QueueShapeRow {
            to_addrs: self.text("to_addrs"),
            bucket: self.i32("bucket"),
            n: self.i64("n"),
        }
    }
}

/// `FromRow` for both backends, through the one lenient reader.
macro_rules! lenient_from_row {
    ($($ty:ty => $read:ident),* $(,)?) => {
        $(
            impl<'r> FromRow<'r, SqliteRow> for $ty {
                fn from_row(row: &'r SqliteRow) -> Result<Self, sqlx::Error> {
                    Ok(Lenient::new(row).$read())
                }
            }
            impl<'r> FromRow<'r, PgRow> for $ty {
                fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
                    Ok(Lenient::new(row).$read())
                }
            }
        )*
    };
}

lenient_from_row!(
    Mail => mail,
    MailSummary => summary,
    Attachment => attachment,
    AttachmentInfo => attachment_info,
    QueueShapeRow => shape_row,
);
