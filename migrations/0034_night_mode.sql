-- Night mode: a group's nightly window (minutes after local midnight, in the group's time zone) and what it
-- closes (`mute`: nobody sends; `media`: text only, and the link lock on). While the night is on, `active`
-- is 1 and the chat's default permissions from before the night are kept in `saved_permissions` (JSON), with
-- whether night mode turned the link lock on itself (`locked_links`), so the end restores exactly what was
-- there, also after a restart. `timer_id` is the next switch in the scheduler's `timers`.
CREATE TABLE night_modes (
    chat_id INTEGER PRIMARY KEY,
    starts_at_minute INTEGER NOT NULL CHECK (starts_at_minute BETWEEN 0 AND 1439),
    ends_at_minute INTEGER NOT NULL CHECK (ends_at_minute BETWEEN 0 AND 1439),
    mode TEXT NOT NULL CHECK (mode IN ('mute', 'media')),
    set_by INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 0,
    saved_permissions TEXT,
    locked_links INTEGER NOT NULL DEFAULT 0,
    timer_id INTEGER
);
