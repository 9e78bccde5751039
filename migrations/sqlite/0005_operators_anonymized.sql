-- Tools: archived mails whose personal data was removed (SPEC §6) are not counted again.
ALTER TABLE process_mails ADD COLUMN anonymized_at INTEGER;

-- The DMS's operators, filled by the DMS; File storage picks the default repository
-- operator from them (SPEC §8).
CREATE TABLE operators (
    login TEXT PRIMARY KEY,
    name  TEXT NOT NULL DEFAULT ''
);
