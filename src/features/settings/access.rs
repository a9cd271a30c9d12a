//! Who may change a group's settings: the admin's rights read from Telegram at the moment of a change.

use crate::services::Ctx;
use crate::telegram::admins::AdminRights;
use teloxide::prelude::*;

/// The admin's rights in a group right now, from `getChatMember`; `None` when not an admin (or when
/// Telegram cannot say).
pub(super) async fn rights_now(ctx: &Ctx, chat_id: i64, user_id: u64) -> Option<AdminRights> {
    if chat_id >= 0 {
        return None;
    }
    match ctx
        .bot
        .get_chat_member(ChatId(chat_id), UserId(user_id))
        .await
    {
        Ok(member) => AdminRights::from_member(&member),
        Err(err) => {
            tracing::info!(chat_id, user_id, %err, "admin status unknown; treated as no admin");
            None
        }
    }
}
