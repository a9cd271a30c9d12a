-- Entry checks asked several newcomers at a time, paced welcomes, and join requests already checked.

-- One captcha message asks every newcomer gathered since the group's previous captcha message the same
-- question; each listed member answers for themselves. A gate of a batch starts its time limit only once
-- the batch's message was actually sent (sent_at), so a queued question never times out unseen.
CREATE TABLE welcome_batches (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id     INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('button', 'math', 'quiz')),
    question    TEXT    NOT NULL,          -- empty for the button check
    options     TEXT    NOT NULL,          -- button labels, one per line
    answer      INTEGER NOT NULL CHECK (answer >= 0),
    timeout     INTEGER NOT NULL,          -- seconds each member has once the message is sent
    message_id  INTEGER,                   -- set once the message is sent
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER
);
CREATE INDEX welcome_batches_chat ON welcome_batches (chat_id);

-- The batch a group gate was asked in. A group gate not yet asked has no batch and the deadline
-- 9223372036854775807 (it cannot time out before its question went out).
ALTER TABLE welcome_gates ADD COLUMN batch_id INTEGER;
CREATE INDEX welcome_gates_batch ON welcome_gates (batch_id);

-- When the group's last captcha message and last welcome were posted: both keep a minimum gap derived
-- from the group's send budget.
ALTER TABLE welcome_settings ADD COLUMN last_captcha_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE welcome_settings ADD COLUMN last_welcome_at INTEGER NOT NULL DEFAULT 0;

-- Join requests whose requester passed the check in private: the member's join that follows is not
-- checked again, whichever copy of it (service message or chat_member update) arrives first.
CREATE TABLE welcome_request_passes (
    chat_id   INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    passed_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
