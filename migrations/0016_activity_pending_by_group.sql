-- The activity-points pass settles each group in its own short transaction and then forgets that group's
-- pending rows; without this index every such delete read the whole queue.
CREATE INDEX economy_activity_pending_chat ON economy_activity_pending (chat_id, id);
