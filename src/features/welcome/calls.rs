//! The Telegram calls of the welcome feature: restricting, letting in, removing and banning members,
//! and answering button presses.

use crate::services::Ctx;
use futures::FutureExt;
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, ChatPermissions};

pub(super) fn restrict(ctx: &Ctx, chat_id: i64, user_id: i64) {
    ctx.outbound
        .immediate_in(chat_id, "restrictChatMember", move |bot| {
            bot.restrict_chat_member(
                ChatId(chat_id),
                UserId(user_id as u64),
                ChatPermissions::empty(),
            )
            .send()
            .boxed()
        });
}

/// What a member may do once let in: every kind of message and media (the group's own defaults still
/// apply on top).
pub(super) fn member_permissions() -> ChatPermissions {
    ChatPermissions::SEND_MESSAGES
        | ChatPermissions::SEND_MEDIA_MESSAGES
        | ChatPermissions::SEND_POLLS
        | ChatPermissions::SEND_OTHER_MESSAGES
        | ChatPermissions::ADD_WEB_PAGE_PREVIEWS
}

pub(super) fn unrestrict(ctx: &Ctx, chat_id: i64, user_id: i64) {
    ctx.outbound
        .immediate_in(chat_id, "restrictChatMember", move |bot| {
            bot.restrict_chat_member(
                ChatId(chat_id),
                UserId(user_id as u64),
                member_permissions(),
            )
            .send()
            .boxed()
        });
}

/// Removes a member who may come back: a ban that ends in a minute (an `until_date` under 30 s would be
/// forever), then an unban that only lifts bans.
pub(super) fn kick(ctx: &Ctx, chat_id: i64, user_id: i64) {
    let until = ctx.clock.now() + chrono::Duration::seconds(60);
    let ban = ctx
        .outbound
        .immediate_in(chat_id, "banChatMember", move |bot| {
            bot.ban_chat_member(ChatId(chat_id), UserId(user_id as u64))
                .until_date(until)
                .send()
                .boxed()
        });
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        if let Err(err) = ban.wait().await {
            tracing::warn!(%err, chat_id, user_id, "could not remove a member");
            return;
        }
        let unban = ctx.outbound.unban(chat_id, user_id as u64);
        if let Err(err) = unban.wait().await {
            tracing::warn!(%err, chat_id, user_id, "could not lift a kick's ban");
        }
    });
}

pub(super) fn ban(ctx: &Ctx, chat_id: i64, user_id: i64) {
    ctx.outbound
        .immediate_in(chat_id, "banChatMember", move |bot| {
            bot.ban_chat_member(ChatId(chat_id), UserId(user_id as u64))
                .send()
                .boxed()
        });
}

pub(super) fn answer_press(ctx: &Ctx, query: &CallbackQuery, text: String, alert: bool) {
    let id = query.id.clone();
    ctx.outbound.immediate("answerCallbackQuery", move |bot| {
        bot.answer_callback_query(id.clone())
            .text(text.clone())
            .show_alert(alert)
            .send()
            .boxed()
    });
}

/// Answers a press by opening a link in the member's app (a deep link into a private chat with the bot).
pub(super) fn answer_press_url(ctx: &Ctx, query: &CallbackQuery, url: reqwest::Url) {
    let id = query.id.clone();
    ctx.outbound.immediate("answerCallbackQuery", move |bot| {
        bot.answer_callback_query(id.clone())
            .url(url.clone())
            .send()
            .boxed()
    });
}
