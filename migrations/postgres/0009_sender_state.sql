-- What each sender is doing, as it last said (JSON: ready, paused, disabled, yielding,
-- sign-in needed, or the server down since when with its last reply and the next try),
-- so that every console can say why mail is not leaving.
ALTER TABLE senders ADD COLUMN state TEXT;
-- Set once a sender that stopped beating has been written to the work log as stale.
ALTER TABLE senders ADD COLUMN stale_noted BOOLEAN NOT NULL DEFAULT FALSE;
-- Who paused sending and when; and the last flush (`dmsctl queue flush`): a sender
-- that sees a newer flush stops waiting for the server and tries at once.
ALTER TABLE sender_control ADD COLUMN paused_by TEXT;
ALTER TABLE sender_control ADD COLUMN paused_at BIGINT;
ALTER TABLE sender_control ADD COLUMN flush_at BIGINT NOT NULL DEFAULT 0;
