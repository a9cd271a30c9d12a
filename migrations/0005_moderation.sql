-- Moderation I: each group's rules (keywords, regexes, allowed domains, locks, modes, flood), approved
-- members, violations on the escalation ladder (with undo for false positives), and the explanations the
-- bot posted and will delete.

CREATE TABLE moderation_groups (
    chat_id        INTEGER PRIMARY KEY,
    default_pack   INTEGER NOT NULL DEFAULT 1 CHECK (default_pack IN (0, 1)),
    flood_count    INTEGER CHECK (flood_count IS NULL OR flood_count >= 0),   -- NULL: the configured default
    flood_seconds  INTEGER CHECK (flood_seconds IS NULL OR flood_seconds >= 0),
    flood_action   TEXT,
    ladder         TEXT,                                                         -- NULL: the configured ladder
    updated_at     INTEGER NOT NULL
);

CREATE TABLE moderation_filters (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('keyword', 'regex')),
    pattern     TEXT    NOT NULL CHECK (length(pattern) > 0),
    action      TEXT,                                                            -- NULL: the rule's action
    created_by  INTEGER,
    created_at  INTEGER NOT NULL,
    UNIQUE (chat_id, kind, pattern)
);

CREATE TABLE moderation_domains (
    chat_id   INTEGER NOT NULL,
    domain    TEXT    NOT NULL,
    added_by  INTEGER,
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, domain)
) WITHOUT ROWID;

CREATE TABLE moderation_locks (
    chat_id  INTEGER NOT NULL,
    lock     TEXT    NOT NULL,
    PRIMARY KEY (chat_id, lock)
) WITHOUT ROWID;

CREATE TABLE moderation_modes (
    chat_id  INTEGER NOT NULL,
    rule     TEXT    NOT NULL,
    mode     TEXT    NOT NULL CHECK (mode IN ('on', 'off', 'shadow')),
    action   TEXT,
    PRIMARY KEY (chat_id, rule)
) WITHOUT ROWID;

CREATE TABLE moderation_approved (
    chat_id      INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    approved_by  INTEGER,
    approved_at  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;

CREATE TABLE moderation_violations (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    rule        TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    shadow      INTEGER NOT NULL DEFAULT 0 CHECK (shadow IN (0, 1)),
    excerpt     TEXT    NOT NULL DEFAULT '',
    at          INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    appealed_at INTEGER,
    undone_by   INTEGER,                                                         -- set: a false positive
    undone_at   INTEGER
);
CREATE INDEX moderation_violations_member ON moderation_violations (chat_id, user_id, expires_at);

CREATE TABLE moderation_explanations (
    id            INTEGER PRIMARY KEY,
    chat_id       INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    violation_id  INTEGER NOT NULL REFERENCES moderation_violations (id),
    message_id    INTEGER,
    posted_at     INTEGER NOT NULL,
    delete_at     INTEGER NOT NULL,
    deleted       INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);
CREATE INDEX moderation_explanations_due ON moderation_explanations (deleted, delete_at);
CREATE INDEX moderation_explanations_member ON moderation_explanations (chat_id, user_id, posted_at);
