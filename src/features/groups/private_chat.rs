//! Remembers who has started the bot in private: a private message from a person records them (see
//! `storage::private_chats`), so long answers to their commands in a group can go to them there.

use crate::services::Ctx;
use teloxide::types::{Update, UpdateKind};

/// Records the sender of a private message from a person as having started the bot, when not recorded
/// yet (a read first, so their later messages cost no write); every other update passes untouched. A
/// failed look-up or write is logged: the member then gets long answers in the group, as before.
pub(super) async fn note_private_chat(ctx: Ctx, update: Update) {
    let UpdateKind::Message(message) = &update.kind else {
        return;
    };
    let Some(user) = message.from.as_ref() else {
        return;
    };
    if !message.chat.is_private() || user.is_bot {
        return;
    }
    let user_id = user.id.0 as i64;
    let noted = async {
        let mut conn = ctx.storage.read.acquire().await?;
        if crate::storage::private_chats::has_started(&mut conn, user_id).await? {
            return Ok(());
        }
        drop(conn);
        let mut conn = ctx.storage.write.acquire().await?;
        crate::storage::private_chats::record(&mut conn, user_id, ctx.now()).await
    };
    if let Err(err) = noted.await {
        tracing::warn!(%err, user_id, "could not record a private chat");
    }
}
