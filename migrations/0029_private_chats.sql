-- Members who have started the bot in a private chat, so that long answers to their commands in a group
-- (a ranking, the ledger, the month calendar) can go to them there. A private send Telegram refuses (the
-- member blocked the bot) removes the row; /forgetme removes it too.
CREATE TABLE private_chats (
    user_id    INTEGER PRIMARY KEY,
    started_at INTEGER NOT NULL
);
