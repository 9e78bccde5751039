-- Counts by status from an index-only scan. A trigger-kept counts table (as on SQLite)
-- would put a few hot rows under every sender's transaction: concurrent senders would
-- queue behind each other's commits and could deadlock on the counter rows.
CREATE INDEX process_mails_status_held ON process_mails (status, held);
