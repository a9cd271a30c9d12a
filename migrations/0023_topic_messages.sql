-- The messages of forum groups, with the topic each was posted in (0 for General), kept for 48 hours
-- (as long as Telegram lets bots delete them) so /purge deletes only messages of its own topic.
CREATE TABLE topic_messages (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    thread_id  INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
) WITHOUT ROWID;

CREATE INDEX topic_messages_by_topic ON topic_messages (chat_id, thread_id, message_id);
CREATE INDEX topic_messages_by_age ON topic_messages (at);
