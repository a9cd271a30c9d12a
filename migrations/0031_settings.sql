-- The settings menu and its audit trail. Every table carries chat_id (the group), so a supergroup upgrade
-- moves its rows with storage::move_chat and the purge of a removed group deletes them.

-- Every change made through the settings model: which setting, its value before and after (as JSON of the
-- model's value), who made it, from where (`menu`, `import`) and when (unix seconds).
CREATE TABLE settings_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id    INTEGER NOT NULL,
    key        TEXT    NOT NULL,
    old_value  TEXT    NOT NULL,
    new_value  TEXT    NOT NULL,
    changed_by INTEGER NOT NULL,
    source     TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX settings_changes_by_chat ON settings_changes (chat_id, at);

-- A question the menu asked an admin in private (a free-text setting), waiting for the admin's reply.
-- One per admin: a new question replaces the old one. `menu_message_id` is the menu message to bring
-- back once the answer is stored.
CREATE TABLE settings_prompts (
    user_id           INTEGER PRIMARY KEY,
    chat_id           INTEGER NOT NULL,
    key               TEXT    NOT NULL,
    menu_message_id   INTEGER NOT NULL,
    prompt_message_id INTEGER NOT NULL,
    at                INTEGER NOT NULL
);

-- An imported settings file checked and shown to an admin as a diff, waiting for the confirm press. The
-- changes are kept as JSON (key, old value, new value); a press applies them once and deletes the row.
CREATE TABLE settings_imports (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id    INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    changes    TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
