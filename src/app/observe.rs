//! The first look at every update, before any feature: it records who was seen, messages, joins, leaves and
//! the invite links of join requests through the activity writer (never waiting on SQLite), and drops a
//! group's cached admin list when someone's admin status changes.

use crate::services::Services;
use crate::storage::activity::ActivityEvent;
use crate::storage::members::UserProfile;
use teloxide::types::{ChatJoinRequest, ChatMemberUpdated, Message, Update, UpdateKind, User};

/// Records what an update tells about members. Never fails: a missed record is logged, not fatal.
pub async fn observe(services: &Services, update: &Update) {
    let now = services.clock.unix();
    match &update.kind {
        UpdateKind::Message(message) => observe_message(services, message, now).await,
        UpdateKind::EditedMessage(message) => {
            if let Some(user) = real_user(message.from.as_ref()) {
                profile(services, user, now);
            }
        }
        UpdateKind::ChatMember(change) => observe_member_change(services, change, now),
        UpdateKind::CallbackQuery(query) => profile(services, &query.from, now),
        UpdateKind::ChatJoinRequest(request) => observe_join_request(services, request, now),
        _ => {}
    }
}

fn real_user(user: Option<&User>) -> Option<&User> {
    user.filter(|u| u.id.0 != crate::telegram::admins::GROUP_ANONYMOUS_BOT && u.id.0 != 777_000)
}

fn profile(services: &Services, user: &User, now: i64) {
    services.activity.record(ActivityEvent::Profile {
        profile: UserProfile::from(user),
        at: now,
    });
}

async fn observe_message(services: &Services, message: &Message, now: i64) {
    let chat_id = message.chat.id.0;
    if !(message.chat.is_group() || message.chat.is_supergroup()) {
        if let Some(user) = real_user(message.from.as_ref()) {
            profile(services, user, now);
        }
        return;
    }
    if crate::telegram::topic::is_forum(&message.chat) {
        // The topic of every forum message is kept, so `/purge` stays inside one topic.
        services.activity.record(ActivityEvent::TopicMessage {
            chat_id,
            message_id: message.id.0 as i64,
            thread_id: crate::telegram::topic::thread_key(message),
            at: message.date.timestamp(),
        });
    }
    if let Some(user) = real_user(message.from.as_ref()) {
        profile(services, user, now);
        if crate::telegram::is_member_post(message) && !user.is_bot && message.sender_chat.is_none()
        {
            // A bot command is no conversation: the member is seen, but it counts in no total, ranking
            // or activity points (an admin's commands do not make them the top talker).
            let user_id = user.id.0 as i64;
            if message.text().is_some_and(|t| t.starts_with('/')) {
                services.activity.record(ActivityEvent::Command {
                    chat_id,
                    user_id,
                    at: now,
                });
            } else {
                services.activity.record(ActivityEvent::Message {
                    chat_id,
                    user_id,
                    at: now,
                    chars: crate::telegram::counted_chars(message),
                });
            }
        }
    }
    // When the bot is an admin, joins and leaves arrive as chat_member updates (with the invite link);
    // the service messages are then only a second copy, so they count only where the bot is no admin.
    let service_counts = match message
        .new_chat_members()
        .or(message.left_chat_member().map(std::slice::from_ref))
    {
        Some(_) => !bot_is_admin(services, chat_id).await,
        None => false,
    };
    if !service_counts {
        return;
    }
    if let Some(members) = message.new_chat_members() {
        let adder = message.from.as_ref().map(|u| u.id.0 as i64);
        for member in members.iter().filter(|m| m.id != services.me.id) {
            profile(services, member, now);
            let user_id = member.id.0 as i64;
            services.activity.record(ActivityEvent::Join {
                chat_id,
                user_id,
                at: now,
                invite_link: None,
                added_by: adder.filter(|a| *a != user_id),
                via_request: false,
            });
        }
    }
    if let Some(member) = message
        .left_chat_member()
        .filter(|m| m.id != services.me.id)
    {
        services.activity.record(ActivityEvent::Leave {
            chat_id,
            user_id: member.id.0 as i64,
            at: now,
        });
    }
}

/// Whether the bot is an admin of a group: its group record says so, or, for a group it has no record of
/// (added while it was not running), the admin list does. When neither can be read it counts as no admin,
/// so a join is rather counted twice than not at all.
async fn bot_is_admin(services: &Services, chat_id: i64) -> bool {
    match services.groups.get(&services.storage, chat_id).await {
        Ok(Some(group)) => return group.bot_status == "administrator",
        Ok(None) => {}
        Err(err) => tracing::warn!(%err, chat_id, "group record unreadable"),
    }
    match services.admins.is_admin(chat_id, services.me.id.0).await {
        Ok(admin) => admin,
        Err(err) => {
            tracing::warn!(%err, chat_id, "admin list unavailable; counting the service message");
            false
        }
    }
}

fn observe_member_change(services: &Services, change: &ChatMemberUpdated, now: i64) {
    let chat_id = change.chat.id.0;
    let user = &change.new_chat_member.user;
    let (was, is) = (&change.old_chat_member.kind, &change.new_chat_member.kind);
    // Any change that touches an owner or an admin (promotion, demotion, new rights, an ownership
    // transfer) makes the cached admin list stale.
    if was.is_privileged() || is.is_privileged() {
        services.admins.invalidate(chat_id);
    }
    profile(services, user, now);
    let user_id = user.id.0 as i64;
    match (was.is_present(), is.is_present()) {
        (false, true) => {
            // Only links the bot created are stored: links of other admins come back masked.
            let invite_link = change
                .invite_link
                .as_ref()
                .filter(|link| link.creator.id == services.me.id)
                .map(|link| link.invite_link.clone());
            let adder = change.from.id.0 as i64;
            services.activity.record(ActivityEvent::Join {
                chat_id,
                user_id,
                at: now,
                invite_link,
                added_by: (adder != user_id).then_some(adder),
                via_request: change.via_join_request,
            });
        }
        (true, false) => {
            services.activity.record(ActivityEvent::Leave {
                chat_id,
                user_id,
                at: now,
            });
        }
        _ => {}
    }
}

/// A join request: the requester's profile, and the request's invite link when the bot created it (links of
/// other admins come back masked). The approved join that follows takes this link when Telegram reports it
/// without one.
fn observe_join_request(services: &Services, request: &ChatJoinRequest, now: i64) {
    profile(services, &request.from, now);
    let invite_link = request
        .invite_link
        .as_ref()
        .filter(|link| link.creator.id == services.me.id)
        .map(|link| link.invite_link.clone());
    services.activity.record(ActivityEvent::JoinRequest {
        chat_id: request.chat.id.0,
        user_id: request.from.id.0 as i64,
        at: now,
        invite_link,
    });
}
