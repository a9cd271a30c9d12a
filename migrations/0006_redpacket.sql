-- Red packets: a member (or an admin from the group's mint) puts points into a packet's escrow, the packet is
-- split into shares when it is created, and members grab the shares in order. Every table carries chat_id so
-- that a supergroup upgrade moves a group's packets with storage::move_chat.

-- One row per packet. seed is the secret of the verifiable split (64 hex digits); it is stored from the start
-- so the packet survives a restart, and shown only once status is no longer 'open'. commitment is
-- hex(SHA-256("groupops-v1|packet:<id>|" + seed)), published at creation. target is the only member who may
-- open an exclusive packet. announce_id is the group message with the Grab button. dirty = 1 means the packet
-- message is behind the claims and the ticker should edit it (at most once per edit interval, or at once when
-- the packet has ended); edited_at is the time of the last edit.
CREATE TABLE redpackets (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL,
    sender       INTEGER NOT NULL,
    sender_name  TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('lucky', 'equal', 'exclusive')),
    total        INTEGER NOT NULL CHECK (typeof(total) = 'integer' AND total > 0),
    count        INTEGER NOT NULL CHECK (count >= 1),
    min_share    INTEGER NOT NULL CHECK (min_share >= 1),
    target       INTEGER,
    target_name  TEXT,
    message      TEXT    NOT NULL DEFAULT '',
    seed         TEXT    NOT NULL CHECK (length(seed) = 64),
    commitment   TEXT    NOT NULL CHECK (length(commitment) = 64),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'exhausted', 'expired')),
    ended_at     INTEGER,
    refunded     INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    announce_id  INTEGER,
    thread_id    INTEGER,
    from_mint    INTEGER NOT NULL DEFAULT 0 CHECK (from_mint IN (0, 1)),
    dirty        INTEGER NOT NULL DEFAULT 0,
    edited_at    INTEGER NOT NULL DEFAULT 0,
    CHECK (kind <> 'exclusive' OR (target IS NOT NULL AND count = 1 AND target <> sender)),
    CHECK (total >= count * min_share)
);
CREATE INDEX redpackets_open ON redpackets (status, expires_at);
CREATE INDEX redpackets_dirty ON redpackets (dirty) WHERE dirty = 1;

-- The share vector computed at creation, in grab order (position 0 is taken by the first grab).
CREATE TABLE redpacket_shares (
    packet_id  INTEGER NOT NULL REFERENCES redpackets (id),
    chat_id    INTEGER NOT NULL,
    position   INTEGER NOT NULL CHECK (position >= 0),
    amount     INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount > 0),
    PRIMARY KEY (packet_id, position)
) WITHOUT ROWID;

-- One row per grab. A member grabs a packet once, and a position is handed out once; both are enforced here,
-- not only by the code that reads before it writes.
CREATE TABLE redpacket_claims (
    packet_id   INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    user_name   TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    amount      INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount > 0),
    claimed_at  INTEGER NOT NULL,
    UNIQUE (packet_id, user_id),
    UNIQUE (packet_id, position),
    FOREIGN KEY (packet_id, position) REFERENCES redpacket_shares (packet_id, position)
);
