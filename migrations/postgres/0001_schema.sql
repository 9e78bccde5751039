-- Times are milliseconds since the Unix epoch (UTC) in both backends, so the same
-- queries and the same Rust types serve SQLite and PostgreSQL.

CREATE FUNCTION dmsctl_now_ms() RETURNS BIGINT LANGUAGE sql VOLATILE AS
$$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT $$;

CREATE TABLE process_mails (
    id              BIGSERIAL PRIMARY KEY,
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    held            BOOLEAN NOT NULL DEFAULT FALSE,
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
    created_at      BIGINT  NOT NULL DEFAULT dmsctl_now_ms(),
    next_attempt_at BIGINT  NOT NULL DEFAULT dmsctl_now_ms(),
    -- When the mail last entered the queue (created or requeued): its lifetime counts from here.
    queued_at       BIGINT  NOT NULL DEFAULT dmsctl_now_ms(),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    claimed_by      TEXT,
    lease_until     BIGINT,
    sent_at         BIGINT,
    message_id      TEXT,
    smtp_reply      TEXT,
    body_size       BIGINT GENERATED ALWAYS AS
                    (octet_length(body_text) + coalesce(octet_length(body_html), 0)) STORED
);

CREATE INDEX process_mails_due ON process_mails (priority DESC, next_attempt_at, id)
    WHERE status = 'pending' AND held = FALSE;
CREATE INDEX process_mails_status ON process_mails (status, id);
CREATE INDEX process_mails_held ON process_mails (id) WHERE held = TRUE;
CREATE INDEX process_mails_lease ON process_mails (lease_until) WHERE status = 'sending';
CREATE INDEX process_mails_sent_at ON process_mails (sent_at) WHERE status = 'sent';

CREATE TABLE process_mail_attachments (
    id           BIGSERIAL PRIMARY KEY,
    mail_id      BIGINT NOT NULL REFERENCES process_mails (id) ON DELETE CASCADE,
    file_name    TEXT   NOT NULL,
    content_type TEXT   NOT NULL DEFAULT 'application/octet-stream',
    data         BYTEA  NOT NULL,
    size         BIGINT GENERATED ALWAYS AS (octet_length(data)) STORED
);
CREATE INDEX process_mail_attachments_mail ON process_mail_attachments (mail_id);

CREATE TABLE work_log_entries (
    id       BIGSERIAL PRIMARY KEY,
    time     BIGINT NOT NULL DEFAULT dmsctl_now_ms(),
    level    TEXT   NOT NULL CHECK (level IN ('error', 'warn', 'info')),
    source   TEXT   NOT NULL,
    mail_id  BIGINT,
    message  TEXT   NOT NULL,
    detail   TEXT
);
CREATE INDEX work_log_entries_mail ON work_log_entries (mail_id, id) WHERE mail_id IS NOT NULL;
CREATE INDEX work_log_entries_level ON work_log_entries (level, id);

CREATE TABLE settings (
    tab        TEXT   PRIMARY KEY,
    data       TEXT   NOT NULL,
    version    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT   NOT NULL
);

CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    time       BIGINT NOT NULL,
    actor      TEXT   NOT NULL,
    ssh_client TEXT,
    tab        TEXT   NOT NULL,
    changes    TEXT   NOT NULL
);

CREATE TABLE senders (
    id           TEXT    PRIMARY KEY,
    host         TEXT    NOT NULL,
    pid          BIGINT  NOT NULL,
    started_at   BIGINT  NOT NULL,
    heartbeat_at BIGINT  NOT NULL,
    paused       BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE sender_control (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    paused BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO sender_control (id, paused) VALUES (1, FALSE);

-- The change feed: one notification per statement, so a batch of a thousand updates
-- wakes the console once. The payload names the table.
CREATE FUNCTION dmsctl_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dmsctl_changes', TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE TRIGGER process_mails_changed AFTER INSERT OR UPDATE OR DELETE ON process_mails
    FOR EACH STATEMENT EXECUTE FUNCTION dmsctl_notify_change();
CREATE TRIGGER work_log_entries_changed AFTER INSERT OR DELETE ON work_log_entries
    FOR EACH STATEMENT EXECUTE FUNCTION dmsctl_notify_change();
CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE ON settings
    FOR EACH STATEMENT EXECUTE FUNCTION dmsctl_notify_change();
CREATE TRIGGER senders_changed AFTER INSERT OR UPDATE OR DELETE ON senders
    FOR EACH STATEMENT EXECUTE FUNCTION dmsctl_notify_change();
CREATE TRIGGER sender_control_changed AFTER UPDATE ON sender_control
    FOR EACH STATEMENT EXECUTE FUNCTION dmsctl_notify_change();
