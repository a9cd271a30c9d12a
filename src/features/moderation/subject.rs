//! What the admin commands share: the member or channel a command acts on (found from a reply, an
//! @username or an id), the protection of the bot and of admins, the excerpt of the replied message, the
//! log entry of a manual action, and the answer a command flow returns.

use super::store;
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Ctx, TargetError};
use crate::telegram::text::{escape, mention_html};
use teloxide::prelude::*;

/// What an admin command flow returns: the HTML to answer with, if any.
pub(super) type Answer = crate::Result<Option<String>>;

/// Who a command acts on: a member, or a channel whose post was replied to.
#[derive(Debug, Clone)]
pub(super) struct Subject {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) channel: bool,
}

impl Subject {
    pub(super) fn mention(&self) -> String {
        if self.channel {
            format!("<b>{}</b>", escape(&self.name))
        } else {
            mention_html(self.id, &self.name)
        }
    }
}

pub(super) fn message_text(message: &Message) -> String {
    message
        .text()
        .or(message.caption())
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

/// The channel a replied-to post was made as (not the group itself posting as anonymous admin).
pub(super) fn replied_channel(message: &Message) -> Option<Subject> {
    let replied = crate::telegram::replied_message(message)?;
    let chat = replied.sender_chat.as_ref()?;
    if chat.id == message.chat.id {
        return None;
    }
    Some(Subject {
        id: chat.id.0,
        name: chat.title().unwrap_or_default().to_string(),
        channel: true,
    })
}

/// Resolves the subject of a command, or the localized reason there is none.
pub(super) async fn subject<'a>(
    ctx: &Ctx,
    message: &Message,
    args: &'a str,
    lang: Lang,
    command: &str,
) -> crate::Result<Result<(Subject, &'a str), String>> {
    if crate::args::split_target(args).0.is_none() {
        if let Some(channel) = replied_channel(message) {
            return Ok(Ok((channel, args.trim())));
        }
    }
    // The bot itself is never "unseen": naming it by @username reaches the refusal to act on itself.
    if let (Some(crate::args::TargetSpec::Username(name)), rest) = crate::args::split_target(args) {
        if ctx
            .me
            .username
            .as_deref()
            .is_some_and(|me| me.eq_ignore_ascii_case(&name))
        {
            let me = Subject {
                id: ctx.me.id.0 as i64,
                name: ctx.me.first_name.clone(),
                channel: false,
            };
            return Ok(Ok((me, rest.trim())));
        }
    }
    match ctx.resolve_target(message, args).await {
        Ok((Some(target), rest)) => Ok(Ok((
            Subject {
                id: target.user_id,
                name: target.name,
                channel: false,
            },
            rest.trim(),
        ))),
        Ok((None, _)) => Ok(Err(ctx.ta(
            lang,
            "moderation-target-usage",
            &fargs! {"command" => command.to_string()},
        ))),
        Err(TargetError::UnknownUsername(name)) => Ok(Err(ctx.ta(
            lang,
            "moderation-target-unknown",
            &fargs! {"name" => name},
        ))),
        Err(TargetError::Storage(err)) => Err(err),
    }
}

/// Refuses acting on the bot itself or on an admin.
pub(super) async fn protected(
    ctx: &Ctx,
    chat_id: i64,
    subject: &Subject,
    lang: Lang,
) -> crate::Result<Option<String>> {
    if subject.channel {
        return Ok(None);
    }
    if subject.id == ctx.me.id.0 as i64 {
        return Ok(Some(ctx.t(lang, "moderation-target-bot")));
    }
    if subject.id > 0 && ctx.admins.is_admin(chat_id, subject.id as u64).await? {
        return Ok(Some(ctx.t(lang, "moderation-target-admin")));
    }
    Ok(None)
}

pub(super) fn excerpt_of_reply(message: &Message) -> String {
    crate::telegram::replied_message(message)
        .map(message_text)
        .unwrap_or_default()
}

pub(super) fn entry<'a>(
    message: &Message,
    subject: &Subject,
    action: &'a str,
    detail: &'a str,
    excerpt: &'a str,
    now: i64,
) -> store::LogEntry<'a> {
    store::LogEntry {
        chat_id: message.chat.id.0,
        user_id: subject.id,
        is_channel: subject.channel,
        rule: "manual",
        detail,
        action,
        excerpt,
        actor_id: Some(message.from.as_ref().map_or(0, |u| u.id.0 as i64)),
        reverses_id: None,
        at: now,
        expires_at: now,
    }
}
