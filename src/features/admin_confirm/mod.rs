//! Anonymous admins: a command sent as the group itself that needs an admin right is kept, and the bot asks
//! under it for an admin who holds that right to confirm it is theirs ([`crate::services::Services::permit`]).
//! The press of that button is handled here: the admin's rights are read anew, and the kept command runs
//! through the handler tree in the confirming admin's name, so every log names who did it.

use crate::i18n::Lang;
use crate::services::Ctx;
use crate::storage::confirmations;
use crate::telegram::admins::{Right, CONFIRM_PREFIX};
use crate::telegram::{callbacks_with_prefix, Handler, HandlerResult};
use teloxide::prelude::*;
use teloxide::types::{MessageId, Update, UpdateId, UpdateKind};

/// The branch for presses of the confirmation button.
pub fn handler() -> Handler {
    callbacks_with_prefix(CONFIRM_PREFIX).endpoint(on_press)
}

async fn on_press(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let Some(prompt) = query.regular_message().cloned() else {
        return Ok(());
    };
    let chat_id = prompt.chat.id.0;
    let lang = ctx.group_lang(chat_id).await;
    let id = query
        .data
        .as_deref()
        .and_then(|data| data.strip_prefix(CONFIRM_PREFIX))
        .and_then(|id| id.parse::<i64>().ok());
    let mut conn = ctx.storage.read.acquire().await?;
    let waiting = match id {
        Some(id) => confirmations::waiting(&mut conn, chat_id, id).await?,
        None => None,
    };
    drop(conn);
    let (Some(id), Some(waiting)) = (id, waiting) else {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "anonymous-admin-gone"), true);
        return Ok(());
    };
    let right = Right::from_name(&waiting.right_name).unwrap_or(Right::ChangeInfo);
    if let Some(refusal) = refusal(&ctx, chat_id, query.from.id.0, right, lang).await? {
        ctx.outbound.answer_press(&query, refusal, true);
        return Ok(());
    }
    let mut message: Message = match serde_json::from_str(&waiting.message) {
        Ok(message) => message,
        Err(err) => {
            tracing::warn!(%err, chat_id, id, "a kept command could not be read; dropped");
            ctx.outbound
                .answer_press(&query, ctx.t(lang, "anonymous-admin-gone"), true);
            return Ok(());
        }
    };
    let mut conn = ctx.storage.write.acquire().await?;
    let first = confirmations::confirm(&mut conn, id, query.from.id.0 as i64).await?;
    drop(conn);
    if !first {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "anonymous-admin-gone"), true);
        return Ok(());
    }
    ctx.outbound
        .answer_press(&query, ctx.t(lang, "anonymous-admin-done"), false);
    ctx.outbound.delete(chat_id, MessageId(prompt.id.0));
    message.from = Some(query.from.clone());
    message.sender_chat = None;
    if let Some(redispatch) = ctx.redispatch.get() {
        redispatch(Update {
            id: UpdateId(0),
            kind: UpdateKind::Message(message),
        })
        .await;
    }
    Ok(())
}

/// Why the admin who pressed may not run a command that needs `right`, or `None` when they may. Their
/// rights are read from Telegram anew, not from the cache.
async fn refusal(
    ctx: &Ctx,
    chat_id: i64,
    user_id: u64,
    right: Right,
    lang: Lang,
) -> crate::Result<Option<String>> {
    ctx.admins.invalidate(chat_id);
    Ok(match ctx.admins.rights(chat_id, user_id).await? {
        None => Some(ctx.t(lang, "refuse-not-admin")),
        Some(rights) if !rights.has(right) => Some(ctx.missing_right(right, lang)),
        Some(_) => None,
    })
}
