-- Activity points. The activity writer also counts, per (chat, user, minute), the messages long enough to
-- earn points (economy.activity_min_chars); the economy ticker pays for them from the group's mint and keeps
-- per member and local day how many points it paid, so a recount never pays twice and the daily cap holds.

ALTER TABLE activity_minutes ADD COLUMN long_messages INTEGER NOT NULL DEFAULT 0 CHECK (long_messages >= 0);

-- Activity points paid to one member for one sign-in day (the group's local day, see economy::streak).
CREATE TABLE economy_activity (
    chat_id  INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    day      INTEGER NOT NULL,
    points   INTEGER NOT NULL CHECK (points >= 0),
    PRIMARY KEY (chat_id, user_id, day)
) WITHOUT ROWID;

-- Per group, the first activity minute the economy ticker still looks at; older minutes are settled.
CREATE TABLE economy_activity_marks (
    chat_id  INTEGER PRIMARY KEY,
    minute   INTEGER NOT NULL
);

-- The activity-points pass reads the recent minutes that hold long messages.
CREATE INDEX activity_minutes_long ON activity_minutes (minute) WHERE long_messages > 0;
