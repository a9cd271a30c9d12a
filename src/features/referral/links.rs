//! Making invite links through Telegram, for members' personal links and admins' channel links.

use crate::fargs;
use crate::services::Call;
use crate::telegram::admins::Right;
use teloxide::prelude::*;
use teloxide::RequestError;

/// Says that the bot lacks the right to create invite links, if it does.
pub(super) async fn bot_cannot_invite(call: &Call<'_>) -> crate::Result<bool> {
    if let Some(text) = call
        .ctx
        .bot_lacks(call.chat_id, &[Right::Invite], call.lang)
        .await?
    {
        call.say(text);
        return Ok(true);
    }
    Ok(false)
}

/// Creates an invite link named `name`; `None` (after saying why) when Telegram refuses.
pub(super) async fn create_link(call: &Call<'_>, name: &str) -> crate::Result<Option<String>> {
    match call
        .ctx
        .bot
        .create_chat_invite_link(ChatId(call.chat_id))
        .name(name.to_string())
        .await
    {
        Ok(link) => Ok(Some(link.invite_link)),
        Err(RequestError::Api(err)) => {
            tracing::info!(chat_id = call.chat_id, %err, "invite link refused");
            call.ctx.admins.invalidate(call.chat_id);
            call.say(call.ta(
                "bot-missing-right",
                &fargs! {"right" => call.t("right-invite")},
            ));
            Ok(None)
        }
        Err(err) => Err(err.into()),
    }
}
