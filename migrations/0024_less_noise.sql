-- Messages the bot deletes later: its short answers to members' commands, and the commands themselves.
-- `message_chat` is the chat the message was posted in. It is not named chat_id on purpose: when a basic
-- group becomes a supergroup its messages stay in the old chat and the supergroup numbers its messages
-- afresh, so a row must never follow the group to the new id (the same message id there is another
-- message). Rows of a removed group are dropped when they fall due. `own` says whether the bot sent the
-- message (members' messages need the right to delete messages). `sent_at` lets the queue drop messages
-- Telegram no longer deletes (older than 48 hours).
CREATE TABLE reply_deletions (
    message_chat INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    own INTEGER NOT NULL CHECK (own IN (0, 1)),
    sent_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    PRIMARY KEY (message_chat, message_id)
) WITHOUT ROWID;
CREATE INDEX reply_deletions_due ON reply_deletions (due_at);

-- The one message that lists a 口令 or 答题 packet's claims, edited as claims come (NULL until it is sent).
ALTER TABLE redpackets ADD COLUMN claims_message_id INTEGER;
