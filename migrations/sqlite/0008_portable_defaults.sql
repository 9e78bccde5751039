-- Other programs insert into these tables with the SQLite of their own system (the
-- DMS, PHP, Python, the sqlite3 tool). The time defaults used unixepoch('subsec'),
-- which needs SQLite 3.42: older libraries (Debian 12 has 3.40, Ubuntu 22.04 3.37)
-- return NULL and the insert fails on NOT NULL. julianday('now') works on every
-- version and is precise to the millisecond. A default cannot be changed in place, so
-- the tables are rebuilt, keeping every row, id and AUTOINCREMENT counter.

CREATE TABLE dmsctl_keep_sequence AS
    SELECT name, seq FROM sqlite_sequence
    WHERE name IN ('process_mails', 'process_mail_attachments', 'work_log_entries');

CREATE TABLE process_mails_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    held            INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1)),
    priority        INTEGER NOT NULL DEFAULT 0,
    from_address    TEXT,
    display_name    TEXT,
    to_addrs        TEXT    NOT NULL,
    cc_addrs        TEXT    NOT NULL DEFAULT '',
    bcc_addrs       TEXT    NOT NULL DEFAULT '',
    reply_to        TEXT,
    subject         TEXT    NOT NULL DEFAULT '',
    body_text       TEXT    NOT NULL DEFAULT '',
    body_html       TEXT,
    created_at      INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)),
    next_attempt_at INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)),
    -- When the mail last entered the queue (created or requeued): its lifetime counts from here.
    queued_at       INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    claimed_by      TEXT,
    lease_until     INTEGER,
    sent_at         INTEGER,
    message_id      TEXT,
    smtp_reply      TEXT,
    -- Kept by the database so lists never read bodies to show a size.
    body_size       INTEGER GENERATED ALWAYS AS
                    (length(CAST(body_text AS BLOB)) + coalesce(length(CAST(body_html AS BLOB)), 0)) STORED,
    anonymized_at   INTEGER,
    claim_token     TEXT,
    sent_by         TEXT
);

INSERT INTO process_mails_new (id, status, held, priority, from_address, display_name,
    to_addrs, cc_addrs, bcc_addrs, reply_to, subject, body_text, body_html, created_at,
    next_attempt_at, queued_at, attempts, last_error, claimed_by, lease_until, sent_at,
    message_id, smtp_reply, anonymized_at, claim_token, sent_by)
SELECT id, status, held, priority, from_address, display_name,
    to_addrs, cc_addrs, bcc_addrs, reply_to, subject, body_text, body_html, created_at,
    next_attempt_at, queued_at, attempts, last_error, claimed_by, lease_until, sent_at,
    message_id, smtp_reply, anonymized_at, claim_token, sent_by
FROM process_mails;

-- The attachments wait in a plain copy: dropping the mails while their attachments
-- still point at them would delete (or refuse) them.
CREATE TABLE dmsctl_keep_attachments AS
    SELECT id, mail_id, file_name, content_type, data FROM process_mail_attachments;
DROP TABLE process_mail_attachments;
DROP TABLE process_mails;
ALTER TABLE process_mails_new RENAME TO process_mails;

CREATE TABLE process_mail_attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    mail_id      INTEGER NOT NULL REFERENCES process_mails (id) ON DELETE CASCADE,
    file_name    TEXT    NOT NULL,
    content_type TEXT    NOT NULL DEFAULT 'application/octet-stream',
    data         BLOB    NOT NULL,
    size         INTEGER GENERATED ALWAYS AS (length(data)) STORED
);
INSERT INTO process_mail_attachments (id, mail_id, file_name, content_type, data)
    SELECT id, mail_id, file_name, content_type, data FROM dmsctl_keep_attachments;
DROP TABLE dmsctl_keep_attachments;

CREATE INDEX process_mails_due ON process_mails (priority DESC, next_attempt_at, id)
    WHERE status = 'pending' AND held = FALSE;
CREATE INDEX process_mails_status ON process_mails (status, id);
CREATE INDEX process_mails_held ON process_mails (id) WHERE held = TRUE;
CREATE INDEX process_mails_lease ON process_mails (lease_until) WHERE status = 'sending';
CREATE INDEX process_mails_sent_at ON process_mails (sent_at) WHERE status = 'sent';
CREATE INDEX process_mail_attachments_mail ON process_mail_attachments (mail_id);

CREATE TRIGGER process_mails_count_insert AFTER INSERT ON process_mails
BEGIN
    UPDATE process_mail_counts SET n = n + 1 WHERE status = NEW.status AND held = NEW.held;
END;

CREATE TRIGGER process_mails_count_delete AFTER DELETE ON process_mails
BEGIN
    UPDATE process_mail_counts SET n = n - 1 WHERE status = OLD.status AND held = OLD.held;
END;

CREATE TRIGGER process_mails_count_update AFTER UPDATE OF status, held ON process_mails
WHEN OLD.status IS NOT NEW.status OR OLD.held IS NOT NEW.held
BEGIN
    UPDATE process_mail_counts SET n = n - 1 WHERE status = OLD.status AND held = OLD.held;
    UPDATE process_mail_counts SET n = n + 1 WHERE status = NEW.status AND held = NEW.held;
END;

CREATE TABLE work_log_entries_new (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    time     INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)),
    level    TEXT    NOT NULL CHECK (level IN ('error', 'warn', 'info')),
    source   TEXT    NOT NULL,
    mail_id  INTEGER,
    message  TEXT    NOT NULL,
    detail   TEXT
);
INSERT INTO work_log_entries_new (id, time, level, source, mail_id, message, detail)
    SELECT id, time, level, source, mail_id, message, detail FROM work_log_entries;
DROP TABLE work_log_entries;
ALTER TABLE work_log_entries_new RENAME TO work_log_entries;
CREATE INDEX work_log_entries_mail ON work_log_entries (mail_id, id) WHERE mail_id IS NOT NULL;
CREATE INDEX work_log_entries_level ON work_log_entries (level, id);
CREATE INDEX work_log_entries_time ON work_log_entries (time);

-- Ids of deleted rows are never handed out again.
UPDATE sqlite_sequence
SET seq = (SELECT k.seq FROM dmsctl_keep_sequence k WHERE k.name = sqlite_sequence.name)
WHERE name IN (SELECT name FROM dmsctl_keep_sequence)
  AND seq < (SELECT k.seq FROM dmsctl_keep_sequence k WHERE k.name = sqlite_sequence.name);
INSERT INTO sqlite_sequence (name, seq)
SELECT k.name, k.seq FROM dmsctl_keep_sequence k
WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence s WHERE s.name = k.name);
DROP TABLE dmsctl_keep_sequence;
