-- Fair play. An automatic removal the bot could not explain at once (the group's explanation budget was
-- spent, or a raid was on) is marked owed, and the next explanation in the group names it too. The rows
-- already follow a group's move and purge with the rest of moderation_violations.
ALTER TABLE moderation_violations ADD COLUMN owed INTEGER NOT NULL DEFAULT 0 CHECK (owed IN (0, 1));
CREATE INDEX moderation_violations_owed ON moderation_violations (chat_id, at) WHERE owed = 1;

-- A lottery draw leaves out entries of members who are banned, gone or muted, or whose message was removed
-- as an ad while the lottery was open; the reason is kept on the entry so /verify shows who was left out
-- and why, and recomputes the draw over the others. Entries of draws before this column stay NULL (drawn).
ALTER TABLE lottery_entries ADD COLUMN excluded TEXT
    CHECK (excluded IS NULL OR excluded IN ('banned', 'left', 'muted', 'ad'));
