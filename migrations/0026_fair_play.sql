-- Fair play. An automatic removal the bot could not explain at once (the group's explanation budget was
-- spent, or a raid was on) is marked owed, and the next explanation in the group names it too. The rows
-- already follow a group's move and purge with the rest of moderation_violations.
ALTER TABLE moderation_violations ADD COLUMN owed INTEGER NOT NULL DEFAULT 0 CHECK (owed IN (0, 1));
CREATE INDEX moderation_violations_owed ON moderation_violations (chat_id, at) WHERE owed = 1;
