-- When the last error (last_error) happened: error groups say when each was first and
-- last seen. Rows from before this column, and rows another program wrote, leave it
-- empty.
ALTER TABLE process_mails ADD COLUMN last_error_at INTEGER;
