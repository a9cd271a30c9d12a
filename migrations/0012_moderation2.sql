-- Moderation II: the moderation log (the violations table of Moderation I becomes the one log of every
-- action, automatic or manual), reports, the log channel per group, and the classifier's learned samples.

-- Who took the action: NULL for the bot's automatic actions, else the admin.
ALTER TABLE moderation_violations ADD COLUMN actor_id INTEGER;
-- What happened when the bot carried it out: 'done', or 'failed' when Telegram refused.
ALTER TABLE moderation_violations ADD COLUMN outcome TEXT NOT NULL DEFAULT 'done'
    CHECK (outcome IN ('done', 'failed'));
-- For an undo, unban, unmute or unwarn: the action it reverses.
ALTER TABLE moderation_violations ADD COLUMN reverses_id INTEGER REFERENCES moderation_violations (id);
-- Whether the target is a channel (a member posting as a channel); user_id is then the channel's id.
ALTER TABLE moderation_violations ADD COLUMN is_channel INTEGER NOT NULL DEFAULT 0
    CHECK (is_channel IN (0, 1));
CREATE INDEX moderation_violations_recent ON moderation_violations (chat_id, at);

-- Reports by members: one per reported message.
CREATE TABLE moderation_reports (
    id                INTEGER PRIMARY KEY,
    chat_id           INTEGER NOT NULL,
    message_id        INTEGER NOT NULL,
    reported_user_id  INTEGER NOT NULL,
    reporter_id       INTEGER NOT NULL,
    excerpt           TEXT    NOT NULL DEFAULT '',
    at                INTEGER NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'deleted', 'banned', 'dismissed')),
    decided_by        INTEGER,
    decided_at        INTEGER,
    UNIQUE (chat_id, message_id)
);

-- The channel each group's actions are mirrored into.
CREATE TABLE moderation_log_channels (
    chat_id     INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL,
    set_by      INTEGER,
    set_at      INTEGER NOT NULL
);

-- What moderators taught the classifier (shared by every group of the instance; chat_id records where).
CREATE TABLE moderation_classifier_samples (
    id        INTEGER PRIMARY KEY,
    chat_id   INTEGER NOT NULL,
    label     TEXT    NOT NULL CHECK (label IN ('spam', 'ham')),
    text      TEXT    NOT NULL CHECK (length(text) > 0),
    source    TEXT    NOT NULL,
    added_by  INTEGER,
    at        INTEGER NOT NULL
);
