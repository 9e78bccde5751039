-- Microsoft 365 sign-in (SPEC §1.5): the mail account's OAuth2 tokens, sealed like
-- every secret. `version` moves on each write, so senders on several hosts that
-- refresh at once keep the newest tokens instead of overwriting each other's.
CREATE TABLE oauth_tokens (
    account       TEXT    PRIMARY KEY,
    login         TEXT    NOT NULL,
    access_token  TEXT    NOT NULL,
    refresh_token TEXT    NOT NULL,
    expires_at    INTEGER NOT NULL,
    scopes        TEXT    NOT NULL,
    updated_at    INTEGER NOT NULL,
    -- Why the last refresh failed: sign-in is needed again.
    refresh_error TEXT,
    version       INTEGER NOT NULL
);
