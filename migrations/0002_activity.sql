-- Activity written by the batched writer (storage::activity). Messages are counted per
-- (chat, user, minute) so daily numbers can be cut in any group time zone; joins and leaves are kept
-- one row each with the invite link that was used, for growth, retention and referral numbers.

CREATE TABLE activity_minutes (
    chat_id   INTEGER NOT NULL,
    minute    INTEGER NOT NULL,              -- unix seconds / 60
    user_id   INTEGER NOT NULL,
    messages  INTEGER NOT NULL CHECK (messages > 0),
    chars     INTEGER NOT NULL,
    PRIMARY KEY (chat_id, minute, user_id)
) WITHOUT ROWID;
CREATE INDEX activity_minutes_member ON activity_minutes (chat_id, user_id, minute);

CREATE TABLE member_events (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    at           INTEGER NOT NULL,           -- unix seconds
    kind         TEXT    NOT NULL CHECK (kind IN ('join', 'leave')),
    invite_link  TEXT,                       -- the full link the bot created, when the join used one
    added_by     INTEGER,                    -- the member who added them, when not themselves
    via_request  INTEGER NOT NULL DEFAULT 0  -- 1 when the join came through an approved join request
);
CREATE INDEX member_events_chat_at ON member_events (chat_id, at);
CREATE INDEX member_events_member ON member_events (chat_id, user_id, at);
