//! `/schedule <when> [options]`, sent as a reply to the message to post: an admin with "change group info"
//! sets a post. What is stored is the message's content (text and formatting, or a photo, video, file or
//! animation by file id with its caption, and its buttons), not a reference to it, so the post survives the
//! original's deletion. Every refusal says why and stores nothing.

use super::store::{self, Content, ContentKind, NewSchedule};
use super::when::{self, WhenError};
use crate::fargs;
use crate::services::Call;
use crate::telegram::admins::Right;
use crate::telegram::HandlerResult;
use teloxide::prelude::*;
use teloxide::types::{ChatMemberKind, Message};

/// The content of a message to post again, or `None` for a kind of message that cannot be scheduled
/// (stickers, polls, service messages…).
pub fn content_of(message: &Message) -> Option<Content> {
    let entities = |list: Option<&[teloxide::types::MessageEntity]>| {
        serde_json::to_string(list.unwrap_or_default()).unwrap_or_else(|_| "[]".into())
    };
    let markup = message
        .reply_markup()
        .and_then(|markup| serde_json::to_string(markup).ok());
    let caption = message.caption().unwrap_or_default().to_string();
    let media = |kind: ContentKind, file_id: String| Content {
        kind,
        body: caption.clone(),
        entities: entities(message.caption_entities()),
        file_id: Some(file_id),
        markup: markup.clone(),
    };
    if let Some(animation) = message.animation() {
        return Some(media(ContentKind::Animation, animation.file.id.0.clone()));
    }
    if let Some(photo) = message.photo().and_then(|sizes| sizes.last()) {
        return Some(media(ContentKind::Photo, photo.file.id.0.clone()));
    }
    if let Some(video) = message.video() {
        return Some(media(ContentKind::Video, video.file.id.0.clone()));
    }
    if let Some(document) = message.document() {
        return Some(media(ContentKind::Document, document.file.id.0.clone()));
    }
    let text = message.text()?;
    Some(Content {
        kind: ContentKind::Text,
        body: text.to_string(),
        entities: entities(message.entities()),
        file_id: None,
        markup,
    })
}

/// The localized reason a `<when>` or an option was refused.
pub fn refusal(call: &Call<'_>, err: &WhenError) -> String {
    let (id, what) = match err {
        WhenError::Missing => ("schedule-no-when", String::new()),
        WhenError::Unknown(what) => ("schedule-bad-when", what.clone()),
        WhenError::BadTime(what) => ("schedule-bad-time", what.clone()),
        WhenError::Past(what) => ("schedule-past", what.clone()),
        WhenError::BadCron(what) => ("schedule-bad-cron", what.clone()),
        WhenError::ZeroInterval(what) => ("schedule-zero-interval", what.clone()),
        WhenError::ShortInterval(what) => ("schedule-short-interval", what.clone()),
        WhenError::BadDays(what) => ("schedule-bad-days", what.clone()),
        WhenError::BadDayOfMonth(what) => ("schedule-bad-day-of-month", what.clone()),
        WhenError::BadOption(what) => ("schedule-bad-option", what.clone()),
        WhenError::BadDelete(what) => ("schedule-bad-delete", what.clone()),
    };
    call.ta(id, &fargs! {"what" => what})
}

/// Whether the bot may send messages in the group: an admin may; a member unless the group's own
/// permissions forbid it; a restricted bot only with the right to send; a bot that left or was removed not.
async fn bot_can_post(call: &Call<'_>) -> crate::Result<bool> {
    let ctx = call.ctx;
    let member = ctx
        .bot
        .get_chat_member(ChatId(call.chat_id), ctx.me.id)
        .await?;
    Ok(match member.kind {
        ChatMemberKind::Owner(_) | ChatMemberKind::Administrator(_) => true,
        ChatMemberKind::Restricted(restricted) => restricted.can_send_messages,
        ChatMemberKind::Left | ChatMemberKind::Banned(_) => false,
        ChatMemberKind::Member(_) => {
            let chat = ctx.bot.get_chat(ChatId(call.chat_id)).await?;
            chat.permissions().is_none_or(|permissions| {
                permissions.contains(teloxide::types::ChatPermissions::SEND_MESSAGES)
            })
        }
    })
}

/// `/schedule <when> [until=… count=… pin delete=…]`.
pub async fn schedule(call: &Call<'_>, args: &str) -> HandlerResult {
    let ctx = call.ctx;
    if args.trim().is_empty() {
        call.say_html(call.t("schedule-help"));
        return Ok(());
    }
    if !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let Some(replied) = crate::telegram::replied_message(call.message) else {
        call.say(call.t("schedule-need-reply"));
        return Ok(());
    };
    let Some(content) = content_of(replied) else {
        call.say(call.t("schedule-unsupported"));
        return Ok(());
    };
    let now = ctx.now();
    let tz = crate::facts::group_zone(ctx, call.chat_id).await?;
    let plan = match when::parse(args, now, tz) {
        Ok(plan) => plan,
        Err(err) => {
            call.say(refusal(call, &err));
            return Ok(());
        }
    };
    if !bot_can_post(call).await? {
        call.say(call.t("schedule-bot-cannot-post"));
        return Ok(());
    }
    if plan.pin {
        if let Some(lacks) = ctx
            .bot_lacks(call.chat_id, &[Right::Pin], call.lang)
            .await?
        {
            call.say(lacks);
            return Ok(());
        }
    }
    let Some(first_at) = when::next_after(&plan.rule, now, now - 1, tz) else {
        call.say(refusal(call, &WhenError::BadCron(args.to_string())));
        return Ok(());
    };
    let max = ctx.config.schedule.max_per_group;
    let mut tx = ctx.storage.write.begin().await?;
    if store::count_live(&mut tx, call.chat_id).await? >= i64::from(max) {
        drop(tx);
        call.say(call.ta("schedule-too-many", &fargs! {"max" => max}));
        return Ok(());
    }
    let thread_id = call
        .message
        .thread_id
        .filter(|_| call.message.is_topic_message)
        .map(|thread| i64::from(thread.0 .0));
    let id = store::insert(
        &mut tx,
        NewSchedule {
            chat_id: call.chat_id,
            thread_id,
            created_by: call.sender_id(),
            written: args.trim(),
            plan: &plan,
            content: &content,
            now,
            first_at,
        },
    )
    .await?;
    tx.commit().await?;
    call.say_kept(call.ta(
        "schedule-created",
        &fargs! {
            "id" => id,
            "next" => when::local_text(tz, first_at),
            "zone" => crate::facts::zones::display(tz, call.lang),
        },
    ));
    Ok(())
}
