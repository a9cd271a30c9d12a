-- Group sets: named groups of groups that an operator runs as one. A set's name is unique across the bot
-- (compared without case for Latin letters) so every command can name it alone. `share_bans` is the set's
-- shared-ban option (0 or 1).
CREATE TABLE group_sets (
    set_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    share_bans INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

-- Who runs a set: owners (the creator, and anyone an owner makes one) and managers.
CREATE TABLE group_set_roles (
    set_id INTEGER NOT NULL REFERENCES group_sets (set_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'manager')),
    PRIMARY KEY (set_id, user_id)
);

-- The groups of a set; a group may be in several sets. The `chat_id` column makes a row follow the group's
-- move to its supergroup id and go with the purge of a group that removed the bot.
CREATE TABLE group_set_groups (
    set_id INTEGER NOT NULL REFERENCES group_sets (set_id) ON DELETE CASCADE,
    chat_id INTEGER NOT NULL,
    added_by INTEGER NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (set_id, chat_id)
);
CREATE INDEX group_set_groups_by_chat ON group_set_groups (chat_id);
