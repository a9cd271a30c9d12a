-- Groups the bot is (or was) in, the people it has seen, and their membership per group.
-- Convention for every later table: a column named chat_id holds the group id, so that a supergroup
-- upgrade (migrate_to_chat_id) can move all of a group's rows in one pass (storage::move_chat).

CREATE TABLE groups (
    chat_id      INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('group', 'supergroup')),
    title        TEXT    NOT NULL DEFAULT '',
    username     TEXT,
    language     TEXT    NOT NULL,
    timezone     TEXT,                       -- NULL: the configured default
    active       INTEGER NOT NULL DEFAULT 1,
    added_by     INTEGER,
    added_at     INTEGER NOT NULL,           -- unix seconds when the bot (last) joined
    bot_status   TEXT    NOT NULL DEFAULT 'member',
    bot_rights   TEXT    NOT NULL DEFAULT '', -- comma-separated right names, see telegram::admins::Right
    greeted      INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE users (
    user_id       INTEGER PRIMARY KEY,
    first_name    TEXT    NOT NULL DEFAULT '',
    last_name     TEXT,
    username      TEXT,
    is_bot        INTEGER NOT NULL DEFAULT 0,
    language_code TEXT,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX users_username ON users (username COLLATE NOCASE);

CREATE TABLE members (
    chat_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    first_seen  INTEGER NOT NULL,            -- unix seconds of the first update that showed them here
    last_seen   INTEGER NOT NULL,
    joined_at   INTEGER,                     -- when they joined, if the bot saw it
    seen_join   INTEGER NOT NULL DEFAULT 0,  -- 1 when the bot saw the join itself
    status      TEXT    NOT NULL DEFAULT 'member' CHECK (status IN ('member', 'left', 'banned')),
    messages    INTEGER NOT NULL DEFAULT 0,  -- messages ever seen (maintained by the activity writer)
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_user ON members (user_id);
