-- The updates whose effects were committed: one row per Telegram update id, written in the same
-- transaction as the effects (a ledger move, a claim, a sign-in), so an update that Telegram sends again
-- after a crash is recognised and changes nothing. `kind` says what the update did first (the ledger's
-- reason, such as `transfer` or `checkin`); `at` is when, in Unix seconds. Rows older than a day are
-- pruned: Telegram keeps unconfirmed updates for at most 24 hours.
CREATE TABLE handled_updates (
    update_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX handled_updates_at ON handled_updates (at);
