-- Fixes for referral attribution and the review numbers.

-- A member record can exist before the member was ever in the group: the entry gate of a join request marks
-- the requester verified in a private chat, before Telegram reports the approved join. Such a record has
-- sighted = 0 and its first_seen is only the verification time; the first real sighting (the join, a
-- message, a leave) replaces first_seen and sets sighted = 1. "Seen in the group before" reads only sighted
-- records.
ALTER TABLE members ADD COLUMN sighted INTEGER NOT NULL DEFAULT 1;

-- The invite link of a member's pending join request, when the bot created it. Telegram does not always
-- repeat the link on the chat_member update of the approved join, so the activity writer fills it in from
-- here (and removes the row) when that join arrives. Old rows are removed by the daily clean-up.
CREATE TABLE join_request_links (
    chat_id      INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    invite_link  TEXT    NOT NULL,
    at           INTEGER NOT NULL,           -- unix seconds of the request
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;

-- member_events ids must never be handed out twice: the referral ticker reads the table by id (a cursor)
-- and referral_joins is keyed by the id. Without AUTOINCREMENT, SQLite reuses ids once the daily clean-up
-- has emptied the table. The table is rebuilt with AUTOINCREMENT, and its sequence starts above every id
-- already read anywhere, even when the table is empty now.
CREATE TABLE member_events_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id      INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    at           INTEGER NOT NULL,           -- unix seconds
    kind         TEXT    NOT NULL CHECK (kind IN ('join', 'leave')),
    invite_link  TEXT,                       -- the full link the bot created, when the join used one
    added_by     INTEGER,                    -- the member who added them, when not themselves
    via_request  INTEGER NOT NULL DEFAULT 0  -- 1 when the join came through an approved join request
);
INSERT INTO member_events_new (id, chat_id, user_id, at, kind, invite_link, added_by, via_request)
    SELECT id, chat_id, user_id, at, kind, invite_link, added_by, via_request FROM member_events;
DROP TABLE member_events;
ALTER TABLE member_events_new RENAME TO member_events;
CREATE INDEX member_events_chat_at ON member_events (chat_id, at);
CREATE INDEX member_events_member ON member_events (chat_id, user_id, at);

INSERT INTO sqlite_sequence (name, seq)
    SELECT 'member_events', 0
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'member_events');
UPDATE sqlite_sequence SET seq = MAX(
        seq,
        COALESCE((SELECT MAX(id) FROM member_events), 0),
        COALESCE((SELECT MAX(event_id) FROM referral_cursor), 0),
        COALESCE((SELECT MAX(event_id) FROM referral_joins), 0))
    WHERE name = 'member_events';
