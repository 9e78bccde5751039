-- Times are milliseconds since the Unix epoch (UTC) in both backends, so the same
-- queries and the same Rust types serve SQLite and PostgreSQL.

CREATE TABLE process_mails (
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
    created_at      INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
    next_attempt_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
    -- When the mail last entered the queue (created or requeued): its lifetime counts from here.
    queued_at       INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    claimed_by      TEXT,
    lease_until     INTEGER,
    sent_at         INTEGER,
    message_id      TEXT,
    smtp_reply      TEXT,
    -- Kept by the database so lists never read bodies to show a size.
    body_size       INTEGER GENERATED ALWAYS AS
                    (length(CAST(body_text AS BLOB)) + coalesce(length(CAST(body_html AS BLOB)), 0)) STORED
);

-- The sender's "next due" lookup.
CREATE INDEX process_mails_due ON process_mails (priority DESC, next_attempt_at, id)
    WHERE status = 'pending' AND held = FALSE;
-- Pages by status, newest first, and counts by status.
CREATE INDEX process_mails_status ON process_mails (status, id);
CREATE INDEX process_mails_held ON process_mails (id) WHERE held = TRUE;
CREATE INDEX process_mails_lease ON process_mails (lease_until) WHERE status = 'sending';
CREATE INDEX process_mails_sent_at ON process_mails (sent_at) WHERE status = 'sent';

CREATE TABLE process_mail_attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    mail_id      INTEGER NOT NULL REFERENCES process_mails (id) ON DELETE CASCADE,
    file_name    TEXT    NOT NULL,
    content_type TEXT    NOT NULL DEFAULT 'application/octet-stream',
    data         BLOB    NOT NULL,
    size         INTEGER GENERATED ALWAYS AS (length(data)) STORED
);
CREATE INDEX process_mail_attachments_mail ON process_mail_attachments (mail_id);

CREATE TABLE work_log_entries (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    time     INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
    level    TEXT    NOT NULL CHECK (level IN ('error', 'warn', 'info')),
    source   TEXT    NOT NULL,
    mail_id  INTEGER,
    message  TEXT    NOT NULL,
    detail   TEXT
);
CREATE INDEX work_log_entries_mail ON work_log_entries (mail_id, id) WHERE mail_id IS NOT NULL;
CREATE INDEX work_log_entries_level ON work_log_entries (level, id);

CREATE TABLE settings (
    tab        TEXT    PRIMARY KEY,
    data       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT    NOT NULL
);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    time       INTEGER NOT NULL,
    actor      TEXT    NOT NULL,
    ssh_client TEXT,
    tab        TEXT    NOT NULL,
    changes    TEXT    NOT NULL
);

CREATE TABLE senders (
    id           TEXT    PRIMARY KEY,
    host         TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    paused       INTEGER NOT NULL DEFAULT 0
);

-- One row: whether every sender is paused (`dmsctl worker pause`).
CREATE TABLE sender_control (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    paused INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sender_control (id, paused) VALUES (1, 0);
