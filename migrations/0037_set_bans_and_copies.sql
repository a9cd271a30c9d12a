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

-- Settings copied from a template group to the groups of a set (`/set apply`): the copy, and per group the
-- changes it plans or made (a JSON list of setting, value before and value after, so `/set revert` puts
-- the values before back) with what became of them.
CREATE TABLE group_set_copies (
    copy_id INTEGER PRIMARY KEY,
    set_id INTEGER NOT NULL REFERENCES group_sets (set_id) ON DELETE CASCADE,
    template_chat_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'applied', 'reverted')),
    created_at INTEGER NOT NULL
);

CREATE TABLE group_set_copy_groups (
    copy_id INTEGER NOT NULL REFERENCES group_set_copies (copy_id) ON DELETE CASCADE,
    chat_id INTEGER NOT NULL,
    changes TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('planned', 'applied', 'refused', 'reverted')),
    PRIMARY KEY (copy_id, chat_id)
);
