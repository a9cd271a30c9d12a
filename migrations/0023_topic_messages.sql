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

-- When the day a sign-in counted for ends, as the group counted days at that moment. A sign-in is allowed
-- only after that instant, so moving the time zone or reset hour (/settz, /setreset) cannot start a new
-- sign-in day early; NULL for sign-ins made before this column existed.
ALTER TABLE checkins ADD COLUMN ends_at INTEGER;
