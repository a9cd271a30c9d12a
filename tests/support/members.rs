//! Builders for the people of a test group: its owner, and administrators holding a chosen set of rights.

use serde_json::{json, Value};

use super::updates::user_with;

/// Every right a group administrator can hold, by its ChatMember field name.
pub const ALL_RIGHTS: &[&str] = &[
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
];

/// The group's owner Olivia (@olivia) with user id `id`, whose app speaks English.
pub fn owner(id: i64) -> Value {
    user_with(id, "Olivia", Some("olivia"), Some("en"))
}

/// The group's owner Olivia (@olivia) with user id `id`, whose profile has no language code.
pub fn owner_without_language(id: i64) -> Value {
    user_with(id, "Olivia", Some("olivia"), None)
}

/// A ChatMember object for `user` as an administrator (not anonymous, not editable by the bot) who may
/// manage the chat and holds exactly `rights` (field names from [`ALL_RIGHTS`]); every other right is off.
pub fn admin_with(user: Value, rights: &[&str]) -> Value {
    let mut admin = json!({
        "status": "administrator",
        "user": user,
        "can_be_edited": false,
        "is_anonymous": false,
        "can_manage_chat": true,
    });
    let fields = admin.as_object_mut().expect("an admin is an object");
    for right in ALL_RIGHTS {
        fields.insert((*right).into(), json!(rights.contains(right)));
    }
    admin
}
