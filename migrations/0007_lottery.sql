-- Lotteries: the definition, the prize tiers, who joined, and who won what (with redemption codes). Every
-- table carries chat_id so that a supergroup upgrade moves a group's lotteries with storage::move_chat.

-- One lottery. seed stays secret (never shown) until status becomes 'drawn'; commitment is published at
-- creation. The draw happens at draw_at, or once threshold members joined, whichever comes first.
CREATE TABLE lotteries (
    id               INTEGER PRIMARY KEY,
    chat_id          INTEGER NOT NULL,
    title            TEXT    NOT NULL CHECK (title <> ''),
    creator          INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,            -- unix seconds
    draw_at          INTEGER,                     -- unix seconds; NULL when only a threshold draws it
    threshold        INTEGER CHECK (threshold IS NULL OR threshold > 0),
    join_keyword     TEXT,
    min_level        INTEGER CHECK (min_level IS NULL OR min_level > 0),
    min_days         INTEGER CHECK (min_days IS NULL OR min_days > 0),
    need_spoke       INTEGER NOT NULL DEFAULT 0,
    floor_name       TEXT,                        -- the floor prize (人人有奖), NULL for none
    floor_points     INTEGER CHECK (floor_points IS NULL OR floor_points > 0),
    seed             TEXT    NOT NULL,            -- 64 hex digits
    commitment       TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'drawn', 'cancelled')),
    closed_at        INTEGER,                     -- when it was drawn or cancelled
    late             INTEGER NOT NULL DEFAULT 0,  -- drawn after the bot was down past draw_at
    list_hash        TEXT,                        -- set by the draw
    message_id       INTEGER,                     -- the announcement, once sent
    thread_id        INTEGER,                     -- the forum topic it was created in
    shown_count      INTEGER NOT NULL DEFAULT 0,  -- the participant count the announcement shows
    count_edited_at  INTEGER NOT NULL DEFAULT 0,
    CHECK (draw_at IS NOT NULL OR threshold IS NOT NULL),
    CHECK (floor_points IS NULL OR floor_name IS NOT NULL)
);
CREATE INDEX lotteries_open ON lotteries (status, draw_at);
CREATE INDEX lotteries_chat ON lotteries (chat_id, status);

-- The prize tiers of a lottery, tier 1 first. points is set for points prizes.
CREATE TABLE lottery_prizes (
    lottery_id  INTEGER NOT NULL REFERENCES lotteries (id),
    chat_id     INTEGER NOT NULL,
    tier        INTEGER NOT NULL CHECK (tier >= 1),
    name        TEXT    NOT NULL CHECK (name <> ''),
    points      INTEGER CHECK (points IS NULL OR points > 0),
    count       INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (lottery_id, tier)
);

-- One row per member who joined; the primary key makes a second entry impossible.
CREATE TABLE lottery_entries (
    lottery_id  INTEGER NOT NULL REFERENCES lotteries (id),
    chat_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    joined_at   INTEGER NOT NULL,
    PRIMARY KEY (lottery_id, user_id)
) WITHOUT ROWID;

-- What each winner won: tier 0 is the floor prize. code is the redemption code (核销码) of a non-points prize,
-- unique across every lottery; redeemed_at is set once, by /redeem.
CREATE TABLE lottery_wins (
    lottery_id   INTEGER NOT NULL REFERENCES lotteries (id),
    chat_id      INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    tier         INTEGER NOT NULL CHECK (tier >= 0),
    prize        TEXT    NOT NULL,
    points       INTEGER CHECK (points IS NULL OR points > 0),
    code         TEXT    UNIQUE,
    redeemed_at  INTEGER,
    redeemed_by  INTEGER,
    PRIMARY KEY (lottery_id, user_id),
    CHECK ((points IS NULL) <> (code IS NULL)),
    CHECK (redeemed_at IS NULL OR code IS NOT NULL)
);
