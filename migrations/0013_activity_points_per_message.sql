-- Activity points, settled per stored message instead of per local day, and the secret of the sign-in bonus.
--
-- The activity writer adds long messages to activity_minutes; the triggers below queue exactly what each
-- write added in economy_activity_pending, however late a message arrives. The economy ticker pays the queue
-- and deletes the rows it settled in the same transaction, so every stored long message is settled once.
-- What was paid is kept per member and message minute in economy_activity_paid: the daily cap sums the
-- minutes of a day as the group cuts its days now, so a /settz or /setreset can neither pay a message again
-- nor let a day pass its cap again. Every table carries chat_id so a supergroup upgrade moves it.

CREATE TABLE economy_activity_pending (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: the ticker settles rows up to an id
    chat_id   INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    minute    INTEGER NOT NULL,                   -- unix seconds / 60 of the messages
    messages  INTEGER NOT NULL CHECK (messages > 0)
);

CREATE TRIGGER economy_activity_new_minute AFTER INSERT ON activity_minutes
    WHEN NEW.long_messages > 0
BEGIN
    INSERT INTO economy_activity_pending (chat_id, user_id, minute, messages)
    VALUES (NEW.chat_id, NEW.user_id, NEW.minute, NEW.long_messages);
END;

CREATE TRIGGER economy_activity_more_in_minute AFTER UPDATE OF long_messages ON activity_minutes
    WHEN NEW.long_messages > OLD.long_messages
BEGIN
    INSERT INTO economy_activity_pending (chat_id, user_id, minute, messages)
    VALUES (NEW.chat_id, NEW.user_id, NEW.minute, NEW.long_messages - OLD.long_messages);
END;

-- Points paid to a member for the long messages of one minute.
CREATE TABLE economy_activity_paid (
    chat_id  INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    minute   INTEGER NOT NULL,
    points   INTEGER NOT NULL CHECK (points > 0),
    PRIMARY KEY (chat_id, user_id, minute)
) WITHOUT ROWID;
CREATE INDEX economy_activity_paid_minute ON economy_activity_paid (minute);

-- The per-day totals and the wall-clock marks of the earlier scheme are replaced by the two tables above.
DROP TABLE economy_activity;
DROP TABLE economy_activity_marks;
DROP INDEX activity_minutes_long;

-- Secrets of this deployment, drawn once from the OS's random source on first use. 'checkin' keys the
-- random sign-in bonus, so members cannot compute it from the group, their id and the day.
CREATE TABLE economy_secrets (
    name   TEXT PRIMARY KEY,
    value  BLOB NOT NULL CHECK (length(value) = 32)
);
