-- Commands sent as the group itself (by an anonymous admin) that need a specific admin right wait here
-- until an admin who holds that right presses "I am the admin" under the bot's question. The command's
-- message is kept as Telegram sent it, so it can run again in the name of the admin who confirmed.
CREATE TABLE admin_confirmations (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    right_name TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    confirmed_by INTEGER
);
CREATE INDEX admin_confirmations_by_chat ON admin_confirmations (chat_id, created_at);
