-- What a newcomer had before the entry gate restricted them: the permissions and end of an earlier
-- restriction (an admin's or an automatic mute, or one set in Telegram's own UI), or NULL permissions when
-- they had none. Written once, before the gate's first restriction, and kept until they pass (then the live
-- part is applied again) or an admin lets them in, so leaving and rejoining never replaces it with the
-- gate's own restriction.
CREATE TABLE welcome_prior_restrictions (
    chat_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    permissions INTEGER,
    until INTEGER NOT NULL,
    saved_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

-- Joins whose facts (the admin list) could not be read: the newcomer stays restricted and the join is
-- handled again at retry_at, with the chat, member and adder as Telegram sent them (JSON).
CREATE TABLE welcome_join_retries (
    chat_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    chat TEXT NOT NULL,
    member TEXT NOT NULL,
    adder TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    retry_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX welcome_join_retries_due ON welcome_join_retries (retry_at);
