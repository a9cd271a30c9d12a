//! An admin removes messages: `/del` (the replied message) and `/purge` (everything from the replied
//! message to the command; in a forum, only the messages of the topic the command was sent in). `/purge`
//! reports how many messages were in the batches Telegram accepted.

use super::log;
use super::subject::{entry, message_text, replied_channel, Answer, Subject};
use crate::fargs;
use crate::services::Call;
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, full_name};
use teloxide::types::MessageId;

/// Telegram lets bots delete messages up to this old.
const PURGE_WINDOW_SECS: i64 = 48 * 3600;
/// `deleteMessages` takes at most this many ids.
const PURGE_BATCH: usize = 100;
/// `/purge` removes at most this many message ids at once.
const PURGE_MAX: i32 = 5_000;

/// The message ids `/purge` deletes, from the replied message to the command, in batches.
pub fn purge_batches(from: i32, to: i32) -> Vec<Vec<i32>> {
    let ids: Vec<i32> = (from.min(to)..=from.max(to)).collect();
    ids.chunks(PURGE_BATCH).map(<[i32]>::to_vec).collect()
}

pub(super) async fn del_command(call: &Call<'_>, reason: &str) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let Some(replied) = crate::telegram::replied_message(message) else {
        return Ok(Some(ctx.t_html(lang, "moderation-del-usage")));
    };
    let chat_id = message.chat.id.0;
    ctx.outbound.delete(chat_id, replied.id);
    ctx.outbound.delete(chat_id, message.id);
    let subject = match replied_channel(message) {
        Some(channel) => channel,
        None => Subject {
            id: replied.from.as_ref().map_or(0, |u| u.id.0 as i64),
            name: replied.from.as_ref().map(full_name).unwrap_or_default(),
            channel: false,
        },
    };
    let excerpt = message_text(replied);
    log::record(
        ctx,
        &entry(message, &subject, "delete", reason, &excerpt, ctx.now()),
    )
    .await?;
    Ok(None)
}

pub(super) async fn purge_command(call: &Call<'_>, reason: &str) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let Some(replied) = crate::telegram::replied_message(message) else {
        return Ok(Some(ctx.t_html(lang, "moderation-purge-usage")));
    };
    let now = ctx.now();
    if now - replied.date.timestamp() > PURGE_WINDOW_SECS {
        return Ok(Some(ctx.t_html(lang, "moderation-purge-too-old")));
    }
    if message.id.0 - replied.id.0 >= PURGE_MAX {
        return Ok(Some(escape(&ctx.ta(
            lang,
            "moderation-purge-too-many",
            &fargs! {"max" => PURGE_MAX},
        ))));
    }
    let chat_id = message.chat.id.0;
    let batches = if crate::telegram::topic::is_forum(&message.chat) {
        // In a forum only the messages recorded in the command's own topic are deleted, never another
        // topic's; the writer is flushed first so the latest ones are there.
        ctx.activity.flush().await;
        let ids = crate::storage::activity::topic_messages_between(
            &ctx.storage,
            chat_id,
            crate::telegram::topic::thread_key(message),
            i64::from(replied.id.0.min(message.id.0)),
            i64::from(replied.id.0.max(message.id.0)),
        )
        .await?;
        let ids: Vec<i32> = ids.into_iter().map(|id| id as i32).collect();
        ids.chunks(PURGE_BATCH).map(<[i32]>::to_vec).collect()
    } else {
        purge_batches(replied.id.0, message.id.0)
    };
    let sent: Vec<_> = batches
        .into_iter()
        .map(|batch| {
            let size = batch.len();
            let pending = ctx
                .outbound
                .delete_many(chat_id, batch.into_iter().map(MessageId).collect());
            (size, pending)
        })
        .collect();
    // Only the batches Telegram accepted count as deleted.
    let mut count = 0;
    for (size, pending) in sent {
        match pending.wait().await {
            Ok(_) => count += size,
            Err(err) => tracing::warn!(chat_id, %err, "a /purge batch was refused"),
        }
    }
    let subject = Subject {
        id: message.chat.id.0,
        name: String::new(),
        channel: true,
    };
    let action = format!("purge {count}");
    log::record(ctx, &entry(message, &subject, &action, reason, "", now)).await?;
    ctx.outbound.send_text(Text::plain(
        chat_id,
        ctx.ta(lang, "moderation-purged", &fargs! {"count" => count}),
    ));
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_batches_hold_at_most_one_hundred_ids() {
        let batches = purge_batches(10, 260);
        assert_eq!(batches.len(), 3);
        assert_eq!(batches[0].len(), 100);
        assert_eq!(batches[2].len(), 51);
        assert_eq!(batches[0][0], 10);
        assert_eq!(*batches[2].last().unwrap(), 260);
        assert_eq!(purge_batches(5, 5), vec![vec![5]]);
    }
}
