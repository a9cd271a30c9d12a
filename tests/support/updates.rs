//! Builders for Bot API Update objects, as JSON that teloxide 0.17 parses.
//!
//! The builders leave out `update_id`: `FakeApi::push_update` assigns it. Message ids come from
//! one process-wide counter, so messages built in one test never share an id.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::fake_api::bot_user;
use super::members::{admin_with, ALL_RIGHTS};

/// The user id Telegram uses for messages that anonymous group admins send.
pub const GROUP_ANONYMOUS_BOT_ID: i64 = 1087968824;

/// The next message id handed out by the builders.
static NEXT_MESSAGE_ID: AtomicI64 = AtomicI64::new(1);
/// The next callback query id handed out by `callback`.
static NEXT_CALLBACK_ID: AtomicI64 = AtomicI64::new(1);

/// Hands out a fresh message id.
pub fn next_message_id() -> i64 {
    NEXT_MESSAGE_ID.fetch_add(1, Ordering::Relaxed)
}

/// The current Unix time in seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// A human user with a Chinese (simplified) language code and no username.
pub fn user(id: i64, first_name: &str) -> Value {
    user_with(id, first_name, None, Some("zh-hans"))
}

/// A human user with an optional username and language code.
pub fn user_with(id: i64, first_name: &str, username: Option<&str>, lang: Option<&str>) -> Value {
    let mut user = json!({"id": id, "is_bot": false, "first_name": first_name});
    let obj = user.as_object_mut().expect("user is an object");
    if let Some(username) = username {
        obj.insert("username".into(), json!(username));
    }
    if let Some(lang) = lang {
        obj.insert("language_code".into(), json!(lang));
    }
    user
}

/// A supergroup chat object.
pub fn group(chat_id: i64) -> Value {
    json!({"id": chat_id, "type": "supergroup", "title": "Test Group"})
}

/// A basic group chat object.
pub fn basic_group(chat_id: i64) -> Value {
    json!({"id": chat_id, "type": "group", "title": "Test Group"})
}

/// A private chat object with the given user.
pub fn private_chat(user: &Value) -> Value {
    json!({
        "id": user["id"],
        "type": "private",
        "first_name": user["first_name"],
    })
}

/// The chat object for an id: a supergroup for negative ids, a private chat otherwise.
fn chat_for(chat_id: i64) -> Value {
    if chat_id < 0 {
        group(chat_id)
    } else {
        json!({"id": chat_id, "type": "private", "first_name": "User"})
    }
}

/// A text message object in the given chat, with a bot_command entity for a leading /command.
pub fn text_message(chat: Value, from: Value, text: &str) -> Value {
    let mut message = json!({
        "message_id": next_message_id(),
        "date": now(),
        "chat": chat,
        "from": from,
        "text": text,
    });
    if text.starts_with('/') {
        // Entity offsets and lengths count UTF-16 code units, as the Bot API does.
        let command = text.split_whitespace().next().unwrap_or(text);
        let length = command.encode_utf16().count();
        message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": length}]);
    }
    message
}

/// A `message` update with a text message in a supergroup.
pub fn group_message(chat_id: i64, from: Value, text: &str) -> Value {
    json!({"message": text_message(group(chat_id), from, text)})
}

/// A `message` update with a text message in the sender's private chat with the bot.
pub fn private_message(from: Value, text: &str) -> Value {
    let chat = private_chat(&from);
    json!({"message": text_message(chat, from, text)})
}

/// Makes the message in `update` a reply to the message inside the `replied` update.
pub fn reply_to(mut update: Value, replied: Value) -> Value {
    let replied_message = message_of(&replied).clone();
    let key = message_key(&update);
    update[key]["reply_to_message"] = replied_message;
    update
}

/// Turns a `message` update into an `edited_message` update with an `edit_date`.
pub fn edited(update: Value) -> Value {
    let mut message = message_of(&update).clone();
    message["edit_date"] = json!(now());
    json!({"edited_message": message})
}

/// A service message announcing that `from` added `members` to a supergroup (members who join by
/// themselves are added by themselves).
pub fn new_members(chat_id: i64, from: Value, members: Vec<Value>) -> Value {
    json!({"message": {
        "message_id": next_message_id(),
        "date": now(),
        "chat": group(chat_id),
        "from": from,
        "new_chat_members": members,
    }})
}

/// A service message announcing that `member` left a supergroup.
pub fn left_member(chat_id: i64, member: Value) -> Value {
    json!({"message": {
        "message_id": next_message_id(),
        "date": now(),
        "chat": group(chat_id),
        "from": member.clone(),
        "left_chat_member": member,
    }})
}

/// A ChatMember object for `user` with the given status: "member", "left", "kicked",
/// "administrator" (every right granted), "creator" or "restricted" (may not send anything).
pub fn member(user: Value, status: &str) -> Value {
    match status {
        "member" | "left" => json!({"status": status, "user": user}),
        "kicked" => json!({"status": "kicked", "user": user, "until_date": 0}),
        "creator" => json!({"status": "creator", "user": user, "is_anonymous": false}),
        "administrator" => admin_with(user, ALL_RIGHTS),
        "restricted" => json!({
            "status": "restricted",
            "user": user,
            "until_date": 0,
            "is_member": true,
            "can_send_messages": false,
            "can_send_audios": false,
            "can_send_documents": false,
            "can_send_photos": false,
            "can_send_videos": false,
            "can_send_video_notes": false,
            "can_send_voice_notes": false,
            "can_send_polls": false,
            "can_send_other_messages": false,
            "can_add_web_page_previews": false,
            "can_change_info": false,
            "can_invite_users": false,
            "can_pin_messages": false,
            "can_manage_topics": false,
        }),
        other => panic!("unknown chat member status {other:?}"),
    }
}

/// A ChatInviteLink object for a link the bot created.
pub fn invite_link(link: &str) -> Value {
    json!({
        "invite_link": link,
        "creator": bot_user(),
        "creates_join_request": false,
        "is_primary": false,
        "is_revoked": false,
    })
}

/// A `chat_member` update: `from` changed `user`'s status in a supergroup, optionally through
/// an invite link.
pub fn chat_member(
    chat_id: i64,
    from: Value,
    user: Value,
    old_status: &str,
    new_status: &str,
    invite: Option<&str>,
) -> Value {
    let mut updated = json!({
        "chat": group(chat_id),
        "from": from,
        "date": now(),
        "old_chat_member": member(user.clone(), old_status),
        "new_chat_member": member(user, new_status),
    });
    if let Some(link) = invite {
        updated["invite_link"] = invite_link(link);
    }
    json!({"chat_member": updated})
}

/// A `my_chat_member` update: `from` changed the bot's own status in `chat`.
pub fn my_chat_member(chat: Value, from: Value, old_status: &str, new_status: &str) -> Value {
    json!({"my_chat_member": {
        "chat": chat,
        "from": from,
        "date": now(),
        "old_chat_member": member(bot_user(), old_status),
        "new_chat_member": member(bot_user(), new_status),
    }})
}

/// A `callback_query` update: `from` pressed a button with `data` on the bot's message
/// `message_id` in the chat.
pub fn callback(chat_id: i64, from: Value, message_id: i64, data: &str) -> Value {
    let n = NEXT_CALLBACK_ID.fetch_add(1, Ordering::Relaxed);
    json!({"callback_query": {
        "id": format!("cbq-{n}"),
        "from": from,
        "chat_instance": format!("instance{chat_id}"),
        "data": data,
        "message": {
            "message_id": message_id,
            "date": now(),
            "chat": chat_for(chat_id),
            "from": bot_user(),
            "text": "(message with buttons)",
        },
    }})
}

/// A `chat_join_request` update: `from` asked to join a supergroup, optionally through a link.
pub fn join_request(chat_id: i64, from: Value, invite: Option<&str>) -> Value {
    let mut request = json!({
        "chat": group(chat_id),
        "user_chat_id": from["id"],
        "from": from,
        "date": now(),
    });
    if let Some(link) = invite {
        let mut link = invite_link(link);
        link["creates_join_request"] = json!(true);
        request["invite_link"] = link;
    }
    json!({"chat_join_request": request})
}

/// The service message a basic group gets when it is upgraded to the supergroup `new_chat_id`.
pub fn migrate_to(old_chat_id: i64, new_chat_id: i64, from: Value) -> Value {
    json!({"message": {
        "message_id": next_message_id(),
        "date": now(),
        "chat": basic_group(old_chat_id),
        "from": from,
        "migrate_to_chat_id": new_chat_id,
    }})
}

/// The service message the new supergroup gets after an upgrade from the basic group
/// `old_chat_id`.
pub fn migrate_from(new_chat_id: i64, old_chat_id: i64, from: Value) -> Value {
    json!({"message": {
        "message_id": next_message_id(),
        "date": now(),
        "chat": group(new_chat_id),
        "from": from,
        "migrate_from_chat_id": old_chat_id,
    }})
}

/// A text message an anonymous admin sent in a supergroup: it comes from GroupAnonymousBot with
/// the group as `sender_chat`.
pub fn anonymous_admin_message(chat_id: i64, text: &str) -> Value {
    let from = json!({
        "id": GROUP_ANONYMOUS_BOT_ID,
        "is_bot": true,
        "first_name": "Group",
        "username": "GroupAnonymousBot",
    });
    let mut message = text_message(group(chat_id), from, text);
    message["sender_chat"] = group(chat_id);
    json!({"message": message})
}

/// The key of the message inside an update ("message", "edited_message", …).
fn message_key(update: &Value) -> String {
    update
        .as_object()
        .and_then(|o| {
            o.keys()
                .find(|k| k.as_str() != "update_id")
                .map(|k| k.to_string())
        })
        .expect("the update has a message")
}

/// The message object inside an update.
fn message_of(update: &Value) -> &Value {
    let key = message_key(update);
    update
        .get(&key)
        .filter(|m| m.get("message_id").is_some())
        .unwrap_or_else(|| panic!("the update's {key:?} is not a message"))
}

/// A message the bot sent to group `chat_id` with `message_id` and `text`, as an update (for a member to
/// reply to).
pub fn bot_message(chat_id: i64, message_id: i64, text: &str) -> Value {
    json!({"message": {
        "message_id": message_id,
        "date": now(),
        "chat": group(chat_id),
        "from": bot_user(),
        "text": text,
    }})
}
