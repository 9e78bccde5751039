-- Destinations every sender leaves alone until a time (`dmsctl queue defer`): their
-- mail stays pending, untried, until then. One row per domain (lower case).
CREATE TABLE deferred_domains (
    domain     TEXT    PRIMARY KEY,
    until_at   INTEGER NOT NULL,
    reason     TEXT,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
