//! Screening a group message: judge it, act on a verdict (or flag a suspicious message for the admins),
//! and look up the @usernames a newcomer mentioned that may be outside channels or groups (then judge the
//! message again with what was found).

use super::cache;
use super::enforce::act;
use super::judge::{command_past_rate, judge};
use crate::services::Ctx;
use futures::FutureExt;
use teloxide::prelude::*;

/// Checks a message; returns `true` when it was removed or is a member's command past their command rate
/// (its journey ends here). Failures are logged and
/// let the message through: moderation must never make the bot deaf.
pub(super) async fn screen(ctx: &Ctx, message: &Message, edited: bool) -> bool {
    match screen_inner(ctx, message, edited).await {
        Ok(removed) => removed,
        Err(err) => {
            tracing::error!(%err, chat_id = message.chat.id.0, "moderation check failed");
            if let Some(hook) = &ctx.error_hook {
                hook(format!("moderation: {err}"));
            }
            false
        }
    }
}

async fn screen_inner(ctx: &Ctx, message: &Message, edited: bool) -> crate::Result<bool> {
    // A member's command past their command rate ends here unanswered, whatever the rules say of it.
    let past_rate = command_past_rate(ctx, message, edited).await;
    let Some(judged) = judge(ctx, message, edited, true, past_rate).await? else {
        return Ok(past_rate);
    };
    if judged.verdict.hits.is_empty() {
        if judged.suspicious {
            super::suspicious::flag(ctx, message, &judged).await?;
        }
        if !judged.unresolved.is_empty() {
            let (ctx, message) = (ctx.clone(), message.clone());
            ctx.tasks.clone().spawn(async move {
                if let Err(err) =
                    resolve_and_recheck(&ctx, &message, edited, judged.unresolved).await
                {
                    tracing::warn!(%err, chat_id = message.chat.id.0, "mention lookup failed");
                }
            });
        }
        return Ok(past_rate);
    }
    let judged_removes = judged.verdict.removes();
    act(ctx, message, &judged).await?;
    Ok(judged_removes || past_rate)
}

/// At most this many unknown @usernames of one message are looked up.
const MAX_LOOKUPS: usize = 3;

/// Looks up @usernames a newcomer mentioned that the bot knows nothing about (a quiet member, or a public
/// channel or group); when one turns out to be a channel or group, the message is checked again, now
/// with that fact, and acted on. This runs beside the shard, so the message has already gone on.
async fn resolve_and_recheck(
    ctx: &Ctx,
    message: &Message,
    edited: bool,
    names: Vec<String>,
) -> crate::Result<()> {
    let mut found_chat = false;
    let state = cache::state(ctx);
    for name in names.into_iter().take(MAX_LOOKUPS) {
        // Look-ups share a few places over all groups; with none free the rest of this message's names
        // are left unknown, so a flood of mentions can never crowd out deletes.
        let Some(_place) = state.lookup_permit() else {
            tracing::debug!(
                chat_id = message.chat.id.0,
                "mention look-ups busy; skipped"
            );
            break;
        };
        let username = format!("@{name}");
        let looked_up = ctx
            .outbound
            .immediate("getChat", move |bot| {
                bot.get_chat(teloxide::types::Recipient::ChannelUsername(
                    username.clone(),
                ))
                .send()
                .boxed()
            })
            .wait()
            .await;
        // A person's @username cannot be looked up by a bot: the lookup fails, which means "not a chat".
        let is_chat = looked_up.is_ok_and(|chat| {
            chat.id != message.chat.id
                && (chat.is_channel() || chat.is_group() || chat.is_supergroup())
        });
        cache::remember_chat(ctx, &name, is_chat, ctx.now());
        found_chat |= is_chat;
    }
    if !found_chat {
        return Ok(());
    }
    if let Some(judged) = judge(ctx, message, edited, false, false).await? {
        if !judged.verdict.hits.is_empty() {
            act(ctx, message, &judged).await?;
        }
    }
    Ok(())
}
