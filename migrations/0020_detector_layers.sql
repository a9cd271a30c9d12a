-- What moderators taught the ad detector: one fingerprint of a message's normalized text per row, with
-- the group it was taught in, whether it is spam or not, where the teaching came from (`spam_command`,
-- `report`, `undo`, `unban`, `not_spam_button`…), who taught it and when. A group's layer is its own rows;
-- a spam fingerprint reaches every group only when admins of several groups agree or a trusted group
-- taught it. The chat_id column lets a supergroup upgrade carry the rows.
CREATE TABLE moderation_detector_layers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    fingerprint INTEGER NOT NULL,
    label TEXT NOT NULL CHECK (label IN ('spam', 'not_spam')),
    source TEXT NOT NULL,
    taught_by INTEGER,
    at INTEGER NOT NULL
);
CREATE INDEX moderation_detector_layers_chat ON moderation_detector_layers (chat_id, id);
CREATE INDEX moderation_detector_layers_fingerprint ON moderation_detector_layers (fingerprint, chat_id);
