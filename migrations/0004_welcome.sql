-- Welcome, entry gate, rules and anti-raid. Every table carries chat_id (the group) so a supergroup upgrade
-- moves its rows with storage::move_chat.

-- Per-group choices. A NULL column means "the configured default" from the [welcome] settings.
CREATE TABLE welcome_settings (
    chat_id          INTEGER PRIMARY KEY,
    welcome_on       INTEGER NOT NULL DEFAULT 1,
    welcome_text     TEXT,                    -- NULL: the shipped default greeting
    goodbye_on       INTEGER NOT NULL DEFAULT 0,
    goodbye_text     TEXT,
    clean_welcome    INTEGER NOT NULL DEFAULT 1,
    captcha_mode     TEXT CHECK (captcha_mode IN ('off', 'button', 'math', 'quiz')),
    captcha_timeout  INTEGER CHECK (captcha_timeout BETWEEN 15 AND 600),
    quiz_question    TEXT,
    quiz_answers     TEXT,                    -- the right answer first, then the wrong ones, one per line
    rules            TEXT,
    raid_joins       INTEGER CHECK (raid_joins > 0),
    raid_window      INTEGER CHECK (raid_window > 0),
    raid_until       INTEGER NOT NULL DEFAULT 0, -- unix seconds; raid mode is on while now < raid_until
    last_welcome_id  INTEGER,                 -- the last welcome posted, deleted by clean mode
    warned_at        INTEGER NOT NULL DEFAULT 0  -- last "I cannot gate here" notice, to say it rarely
);

-- Entry gates waiting for an answer. A row exists only while the gate is pending; resolving it deletes
-- the row, so a press and the ticker can never resolve the same gate twice.
CREATE TABLE welcome_gates (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id      INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    user_name    TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('button', 'math', 'quiz')),
    via_request  INTEGER NOT NULL DEFAULT 0,  -- 1: a join request, asked in a private chat
    message_chat INTEGER NOT NULL,            -- where the question was posted (the group or the private chat)
    message_id   INTEGER,                     -- set once the question is sent
    options      TEXT    NOT NULL,            -- button labels, one per line
    answer       INTEGER NOT NULL CHECK (answer >= 0),
    deadline     INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (chat_id, user_id)
);
CREATE INDEX welcome_gates_deadline ON welcome_gates (deadline);

-- Recent joins: anti-raid counting and de-duplication of the two ways a join arrives.
CREATE TABLE welcome_joins (
    chat_id  INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    left     INTEGER NOT NULL DEFAULT 0,  -- 1 once they left: their next join is a new one
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
CREATE INDEX welcome_joins_at ON welcome_joins (chat_id, at);

-- Members waiting to be named in the next (coalesced) welcome.
CREATE TABLE welcome_queue (
    chat_id    INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    first_name TEXT    NOT NULL,
    full_name  TEXT    NOT NULL,
    username   TEXT,
    queued_at  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;

-- Newcomers restricted silently during a raid. When raid mode ends, one message with one button lets each
-- of them in with their own press, so a raid costs the group one message instead of one per joiner.
CREATE TABLE welcome_held (
    chat_id    INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    first_name TEXT    NOT NULL,
    full_name  TEXT    NOT NULL,
    username   TEXT,
    held_at    INTEGER NOT NULL,
    announced  INTEGER NOT NULL DEFAULT 0,  -- 1 once the release button was posted
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
