-- The gates of one group that wait to be asked, oldest first. Forming a group's next captcha batch and
-- asking whether one waits used the deadline index, which holds every waiting gate of every group: each
-- join cost a walk over all groups' newcomers. This index finds one group's waiting gates directly.
CREATE INDEX welcome_gates_unasked ON welcome_gates (chat_id, batch_id, deadline, created_at);
