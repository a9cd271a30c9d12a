-- The detector's wiring in each group: what admins taught keeps a short excerpt of the message (so an
-- explanation can quote the known spam a near-duplicate matched), a group's own detector thresholds
-- (`/rulemode classifier`), the messages the detector found suspicious with the folded notices that asked
-- the admins about them, and the automatic removals waiting for their undo window to pass before the
-- group's layer learns them. Every table has a chat_id column so a supergroup upgrade carries its rows.
ALTER TABLE moderation_detector_layers ADD COLUMN excerpt TEXT NOT NULL DEFAULT '';

CREATE TABLE moderation_detector_thresholds (
    chat_id INTEGER PRIMARY KEY,
    remove REAL NOT NULL CHECK (remove > 0 AND remove <= 1),
    suspicious REAL NOT NULL CHECK (suspicious > 0 AND suspicious < remove),
    set_by INTEGER NOT NULL,
    at INTEGER NOT NULL
);

CREATE TABLE moderation_suspicious_notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    -- Where the notice was posted (the log channel or the group itself); it keeps its id on an upgrade.
    posted_in INTEGER NOT NULL,
    message_id INTEGER,
    at INTEGER NOT NULL
);
CREATE INDEX moderation_suspicious_notices_chat ON moderation_suspicious_notices (chat_id, at);

CREATE TABLE moderation_suspicious (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    is_channel INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    probability REAL NOT NULL,
    detail TEXT NOT NULL,
    at INTEGER NOT NULL,
    notice_id INTEGER REFERENCES moderation_suspicious_notices (id),
    decision TEXT CHECK (decision IN ('delete', 'ban', 'not_spam')),
    decided_by INTEGER,
    decided_at INTEGER,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX moderation_suspicious_waiting ON moderation_suspicious (notice_id, chat_id);

CREATE TABLE moderation_detector_learn (
    violation_id INTEGER PRIMARY KEY REFERENCES moderation_violations (id),
    chat_id INTEGER NOT NULL,
    due_at INTEGER NOT NULL
);
CREATE INDEX moderation_detector_learn_due ON moderation_detector_learn (due_at);
