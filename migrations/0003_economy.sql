-- The points economy: a double-entry ledger per group, daily sign-in, per-member economy state, and per-group
-- economy choices (reset hour, custom level titles). Every table carries chat_id so that a supergroup upgrade
-- moves a group's economy with storage::move_chat.

-- One row per account of a group's economy. kind is 'mint' (the group's source of points, the only account
-- allowed below zero: its negative balance is the total of points ever created), 'wallet' (a member; ref is
-- the user id) or the kind of an escrow such as 'packet' or 'lottery' (ref is the packet's or lottery's id).
-- The mint's ref is 0. The sum of balance over one chat_id is always zero.
CREATE TABLE economy_accounts (
    id       INTEGER PRIMARY KEY,
    chat_id  INTEGER NOT NULL,
    kind     TEXT    NOT NULL CHECK (kind <> ''),
    ref      INTEGER NOT NULL,
    balance  INTEGER NOT NULL DEFAULT 0 CHECK (typeof(balance) = 'integer'),
    CHECK (kind = 'mint' OR balance >= 0),
    UNIQUE (chat_id, kind, ref)
);
CREATE INDEX economy_accounts_rank ON economy_accounts (chat_id, kind, balance);

-- Every movement of points: amount leaves from_account and arrives in to_account (ids of economy_accounts of
-- the same chat). reason is a short machine word ('checkin', 'admin_give', 'transfer', 'packet', …); actor is
-- the user who caused it when that is not the owner (an admin's give/take); reference ties it to a game
-- object or a day ('checkin:20000', 'packet:17').
CREATE TABLE economy_journal (
    id            INTEGER PRIMARY KEY,
    chat_id       INTEGER NOT NULL,
    at            INTEGER NOT NULL,          -- unix seconds
    from_account  INTEGER NOT NULL,
    to_account    INTEGER NOT NULL,
    amount        INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount > 0),
    reason        TEXT    NOT NULL,
    actor         INTEGER,
    reference     TEXT,
    CHECK (from_account <> to_account)
);
CREATE INDEX economy_journal_from ON economy_journal (from_account, at);
CREATE INDEX economy_journal_to ON economy_journal (to_account, at);
CREATE INDEX economy_journal_chat ON economy_journal (chat_id, at);
CREATE INDEX economy_journal_reference ON economy_journal (chat_id, reference) WHERE reference IS NOT NULL;

-- One row per member per sign-in day. The UNIQUE constraint, not a read before the write, is what makes a
-- second sign-in on the same day impossible. day is the group's local day index (see economy::streak);
-- position is the member's place among that day's sign-ins (1 = first).
CREATE TABLE checkins (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    day         INTEGER NOT NULL,
    at          INTEGER NOT NULL,            -- unix seconds
    streak      INTEGER NOT NULL CHECK (streak >= 1),
    reward      INTEGER NOT NULL CHECK (reward >= 0),
    position    INTEGER NOT NULL CHECK (position >= 1),
    grace_used  INTEGER NOT NULL DEFAULT 0,  -- 1 when a grace card bridged a missed day
    UNIQUE (chat_id, user_id, day)
);
CREATE INDEX checkins_day ON checkins (chat_id, day);

-- Economy state of one member that is not a balance: grace cards (补签卡) earned by streaks.
CREATE TABLE economy_members (
    chat_id      INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    grace_cards  INTEGER NOT NULL DEFAULT 0 CHECK (grace_cards >= 0),
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;

-- A group's own economy choices; NULL means the configured default. The time zone lives in groups.timezone.
CREATE TABLE economy_groups (
    chat_id     INTEGER PRIMARY KEY,
    reset_hour  INTEGER CHECK (reset_hour BETWEEN 0 AND 23)
);

-- Custom level thresholds and titles of a group (`/setlevels`); a group without rows uses the defaults.
CREATE TABLE economy_levels (
    chat_id    INTEGER NOT NULL,
    threshold  INTEGER NOT NULL CHECK (threshold >= 0),
    title      TEXT    NOT NULL CHECK (title <> ''),
    PRIMARY KEY (chat_id, threshold)
) WITHOUT ROWID;
