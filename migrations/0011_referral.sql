-- Referral links (裂变), channel links (渠道码) and the referrals they brought. Joins are attributed from
-- member_events (written by the activity writer) by the referral ticker, which remembers how far it has read.

-- Invite links the bot created: one live personal link per member (kind 'member', owner_id = the member) and
-- named links for promotion channels (kind 'channel', owner_id = the admin who made it). Stored by full URL,
-- the only form in which Telegram reports the link a member used.
CREATE TABLE referral_links (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    url         TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL CHECK (kind IN ('member', 'channel')),
    owner_id    INTEGER NOT NULL,
    name        TEXT    NOT NULL CHECK (name <> ''),
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER                      -- set when the link turned out revoked outside the bot
);
CREATE UNIQUE INDEX referral_links_live_member ON referral_links (chat_id, owner_id)
    WHERE kind = 'member' AND revoked_at IS NULL;
CREATE UNIQUE INDEX referral_links_channel_name ON referral_links (chat_id, name) WHERE kind = 'channel';

-- Every join through one of the bot's links, one row per member_events row (so a replay never counts twice).
CREATE TABLE referral_joins (
    event_id   INTEGER PRIMARY KEY,          -- member_events.id of the join
    chat_id    INTEGER NOT NULL,
    link_id    INTEGER NOT NULL REFERENCES referral_links (id),
    user_id    INTEGER NOT NULL,
    joined_at  INTEGER NOT NULL
);
CREATE INDEX referral_joins_link ON referral_joins (link_id, user_id);
CREATE INDEX referral_joins_member ON referral_joins (chat_id, user_id, joined_at);

-- One referral per invitee and group: pending at join, then valid (rewarded once) or void with a reason
-- ('self', 'known', 'ring', 'left', 'unverified').
CREATE TABLE referrals (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL,
    link_id      INTEGER NOT NULL REFERENCES referral_links (id),
    inviter_id   INTEGER NOT NULL,
    invitee_id   INTEGER NOT NULL,
    joined_at    INTEGER NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'valid', 'void')),
    reason       TEXT,
    resolved_at  INTEGER,
    reward       INTEGER NOT NULL DEFAULT 0 CHECK (typeof(reward) = 'integer' AND reward >= 0),
    CHECK ((status = 'pending') = (resolved_at IS NULL)),
    CHECK (status <> 'void' OR reason IS NOT NULL),
    UNIQUE (chat_id, invitee_id)
);
CREATE INDEX referrals_inviter ON referrals (chat_id, inviter_id, status);
CREATE INDEX referrals_pending ON referrals (joined_at) WHERE status = 'pending';
CREATE INDEX referrals_resolved ON referrals (chat_id, status, resolved_at);

-- How far the referral ticker has read member_events (a single row; not per group).
CREATE TABLE referral_cursor (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    event_id  INTEGER NOT NULL
);

-- Messages the bot posted in a group that it deletes at delete_at (an /invite link shown in the group).
CREATE TABLE referral_cleanup (
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    delete_at   INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
) WITHOUT ROWID;
CREATE INDEX referral_cleanup_due ON referral_cleanup (delete_at);
