-- The one scheduler's table: every timed item, with the instant it falls due. The ticker reads only the
-- rows whose `due_at` has come (by the index, a few at a time), claims each with a conditional UPDATE that
-- names the claiming worker and how long its claim holds, and settles it (deletes it, or moves it to its
-- next due time) in the same transaction as the item's effect, on the condition that the claim is still
-- its own. `kind` says which component runs the item; `payload` is that component's (usually an id).
CREATE TABLE timers (
    id INTEGER PRIMARY KEY,
    due_at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    payload TEXT NOT NULL DEFAULT '',
    claimed_by TEXT,
    claimed_until INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX timers_due ON timers (due_at);
CREATE INDEX timers_chat ON timers (chat_id, kind);

-- Scheduled posts: what to post (the message's content, copied, not a reference to it), when (`rule`: a
-- cron expression in the group's time zone, `once`, or `every` with `every_secs` anchored at `anchor_at`),
-- and how (pin, delete after). `timer_id` is the pending run in `timers` (NULL while paused or finished).
CREATE TABLE schedules (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    thread_id INTEGER,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    written TEXT NOT NULL,
    rule TEXT NOT NULL,
    cron TEXT,
    once_at INTEGER,
    every_secs INTEGER,
    anchor_at INTEGER NOT NULL,
    until_at INTEGER,
    max_runs INTEGER,
    runs INTEGER NOT NULL DEFAULT 0,
    pin INTEGER NOT NULL DEFAULT 0,
    delete_after INTEGER,
    content_kind TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    entities TEXT NOT NULL DEFAULT '[]',
    file_id TEXT,
    markup TEXT,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'finished')),
    timer_id INTEGER,
    last_message_id INTEGER
);
CREATE INDEX schedules_chat ON schedules (chat_id, status);

-- One row per occurrence of a schedule that ran: written (with its timer's settlement) before the post is
-- sent, so a restart never posts one occurrence twice. `occurrence` is the planned instant; a press on
-- "run now" is its own occurrence at the press's time. `late` marks a post sent after its time.
CREATE TABLE schedule_runs (
    schedule_id INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    chat_id INTEGER NOT NULL,
    occurrence INTEGER NOT NULL,
    ran_at INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('posted', 'late', 'missed', 'manual')),
    message_id INTEGER,
    PRIMARY KEY (schedule_id, occurrence)
);
