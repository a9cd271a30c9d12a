-- Shared bans of group sets. A row of `group_set_bans` says a member is banned in every group of a set
-- that shares bans: where the ban started (`origin_chat_id`) and which admin gave it (`actor_id`, none for
-- the bot's own ladder). `group_set_allowed` lists members a set's shared bans never reach.
CREATE TABLE group_set_bans (
    set_id INTEGER NOT NULL REFERENCES group_sets (set_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    origin_chat_id INTEGER NOT NULL,
    actor_id INTEGER,
    at INTEGER NOT NULL,
    PRIMARY KEY (set_id, user_id)
);

CREATE TABLE group_set_allowed (
    set_id INTEGER NOT NULL REFERENCES group_sets (set_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    added_by INTEGER NOT NULL,
    PRIMARY KEY (set_id, user_id)
);
