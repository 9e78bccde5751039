-- The console's sends-per-minute graph reads the last half hour of the work log.
CREATE INDEX work_log_entries_time ON work_log_entries (time);
