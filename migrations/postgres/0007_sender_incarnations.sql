-- A claim belongs to one process lifetime of a sender (its incarnation), so a restarted
-- sender with the same id never renews or records the claims of the process before it.
ALTER TABLE process_mails ADD COLUMN claim_token TEXT;
-- Which sender (id@host) delivered a mail.
ALTER TABLE process_mails ADD COLUMN sent_by TEXT;
ALTER TABLE senders ADD COLUMN incarnation TEXT;
