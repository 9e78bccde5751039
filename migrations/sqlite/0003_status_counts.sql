-- Counts by status in constant time at millions of mails (the console's header and
-- filter tabs ask for them on every refresh). Kept by triggers, so every writer —
-- including other programs inserting with plain SQL — keeps them right. SQLite has one
-- writer at a time, so the counter rows never become a point of contention.
CREATE TABLE process_mail_counts (
    status TEXT    NOT NULL,
    held   INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (status, held)
) WITHOUT ROWID;

INSERT INTO process_mail_counts (status, held, n)
SELECT s.status, h.held, 0
FROM (SELECT 'pending' AS status UNION ALL SELECT 'sending' UNION ALL SELECT 'sent'
      UNION ALL SELECT 'failed' UNION ALL SELECT 'cancelled') s
CROSS JOIN (SELECT 0 AS held UNION ALL SELECT 1) h;

UPDATE process_mail_counts SET n = (
    SELECT count(*) FROM process_mails m
    WHERE m.status = process_mail_counts.status AND m.held = process_mail_counts.held);

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
