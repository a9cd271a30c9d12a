-- Red packets II: packets claimed by typing a phrase (口令) or answering a question (答题), per-group
-- eligibility rules, and relays (红包接龙). Every table carries chat_id so a supergroup upgrade moves it.

-- How a packet is claimed: 'grab' (the button), 'pass' (typing `phrase` exactly) or 'quiz' (answering
-- `question`; `phrase` holds the normalized answer). relay_id/relay_round tie a packet to its relay.
-- announced_at is when the ticker last posted the `+N` lines of a pass or quiz packet.
ALTER TABLE redpackets ADD COLUMN mode TEXT NOT NULL DEFAULT 'grab' CHECK (mode IN ('grab', 'pass', 'quiz'));
ALTER TABLE redpackets ADD COLUMN phrase TEXT;
ALTER TABLE redpackets ADD COLUMN question TEXT;
ALTER TABLE redpackets ADD COLUMN relay_id INTEGER;
ALTER TABLE redpackets ADD COLUMN relay_round INTEGER;
ALTER TABLE redpackets ADD COLUMN announced_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX redpackets_typed_open ON redpackets (chat_id) WHERE status = 'open' AND mode <> 'grab';
CREATE INDEX redpackets_relay ON redpackets (relay_id, relay_round) WHERE relay_id IS NOT NULL;

-- Whether a claim's `+N` line was posted. Grabs are answered at once by their button alert, so their claims
-- are written as announced; pass and quiz claims wait for the ticker, which posts them in batches.
ALTER TABLE redpacket_claims ADD COLUMN announced INTEGER NOT NULL DEFAULT 0;
UPDATE redpacket_claims SET announced = 1;
CREATE INDEX redpacket_claims_unannounced ON redpacket_claims (packet_id) WHERE announced = 0;
CREATE INDEX redpacket_claims_by_member ON redpacket_claims (chat_id, user_id, claimed_at);

-- A group's own eligibility rules; a missing row or NULL value means the configured default.
CREATE TABLE redpacket_rules (
    chat_id             INTEGER PRIMARY KEY,
    min_member_hours    INTEGER CHECK (min_member_hours BETWEEN 0 AND 100000),
    require_spoken      INTEGER CHECK (require_spoken IN (0, 1)),
    min_level           INTEGER CHECK (min_level BETWEEN 0 AND 1000),
    sender_may_claim    INTEGER CHECK (sender_may_claim IN (0, 1)),
    max_claims_per_day  INTEGER CHECK (max_claims_per_day BETWEEN 0 AND 100000)
);

-- The last wrong quiz answer (or refused claim) of a member: the member may answer again, and is told
-- again, once wrong_at + the cool-down has passed.
CREATE TABLE redpacket_quiz_wrong (
    packet_id  INTEGER NOT NULL,
    chat_id    INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    wrong_at   INTEGER NOT NULL,
    PRIMARY KEY (packet_id, user_id)
) WITHOUT ROWID;

-- One row per relay. status: 'running' (its current packet is being grabbed), 'asking' (next_user is asked
-- to send round `round + 1` before due_at), 'ended' (deadline missed or the packet expired), 'stopped'.
CREATE TABLE redpacket_relays (
    id             INTEGER PRIMARY KEY,
    chat_id        INTEGER NOT NULL,
    starter        INTEGER NOT NULL,
    starter_name   TEXT    NOT NULL,
    total          INTEGER NOT NULL CHECK (total > 0),
    count          INTEGER NOT NULL CHECK (count >= 1),
    deadline_secs  INTEGER NOT NULL CHECK (deadline_secs > 0),
    round          INTEGER NOT NULL DEFAULT 1 CHECK (round >= 1),
    packet_id      INTEGER,
    status         TEXT    NOT NULL DEFAULT 'running'
                   CHECK (status IN ('running', 'asking', 'ended', 'stopped')),
    next_user      INTEGER,
    next_name      TEXT,
    due_at         INTEGER,
    pinged         INTEGER NOT NULL DEFAULT 0 CHECK (pinged IN (0, 1)),
    thread_id      INTEGER,
    created_at     INTEGER NOT NULL,
    ended_at       INTEGER,
    CHECK (status <> 'asking' OR (next_user IS NOT NULL AND due_at IS NOT NULL))
);
CREATE INDEX redpacket_relays_live ON redpacket_relays (status) WHERE status IN ('running', 'asking');
CREATE INDEX redpacket_relays_chat ON redpacket_relays (chat_id, id);
