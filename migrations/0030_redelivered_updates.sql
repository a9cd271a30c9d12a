-- Updates taken from Telegram and not yet handled, written here when one slow handler holds back the
-- `getUpdates` offset: once they are stored, the offset is confirmed past them and polling goes on. Each
-- row is deleted when its update has been handled; rows left after a crash are handled at the next start,
-- in id order (so in order per chat), before new updates. `raw` is the update's JSON text as Telegram sent
-- it; `chat_id` is the chat it is ordered by (the user's id for updates without a chat), so the rows
-- follow a group's move to its supergroup id and the purge of removed groups.
CREATE TABLE queued_updates (
    update_id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    raw TEXT NOT NULL,
    queued_at INTEGER NOT NULL
);
CREATE INDEX queued_updates_chat ON queued_updates (chat_id);

-- The update (a button press) that confirmed a kept command. When Telegram sends that press again after
-- a crash, before the command's own effects were committed, the press finds the command still its own
-- and runs it; any other press finds it taken.
ALTER TABLE admin_confirmations ADD COLUMN confirmed_update INTEGER;

-- The update that recorded a member's latest join. A second copy of one join (the `chat_member` update
-- and the service message) is another update and is passed over; the same update sent again after a
-- crash is let through, so the newcomer's check still happens.
ALTER TABLE welcome_joins ADD COLUMN update_id INTEGER;
