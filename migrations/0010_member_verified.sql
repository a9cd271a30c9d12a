-- When a member passed the group's entry gate (or joined while no gate applied). NULL: not verified
-- (still pending, failed, or joined before the bot kept this record). Read by referral validity and the
-- conversion funnel; written by the entry gate.
ALTER TABLE members ADD COLUMN verified_at INTEGER;
