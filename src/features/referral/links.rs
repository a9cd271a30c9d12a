//! Making invite links through Telegram, for members and channels.

use super::*;

impl Call<'_> {
    /// Says that the bot lacks the right to create invite links, if it does.
    pub(super) async fn bot_cannot_invite(&self) -> crate::Result<bool> {
        if let Some(text) = self
            .ctx
            .bot_lacks(self.chat_id, &[Right::Invite], self.lang)
            .await?
        {
            self.say(text);
            return Ok(true);
        }
        Ok(false)
    }

    pub(super) fn say_cannot_invite(&self) {
        self.say(self.ctx.ta(
            self.lang,
            "bot-missing-right",
            &fargs! {"right" => self.ctx.t(self.lang, "right-invite")},
        ));
    }

    /// Creates an invite link named `name`; `None` (after saying why) when Telegram refuses.
    pub(super) async fn create_link(&self, name: &str) -> crate::Result<Option<String>> {
        match self
            .ctx
            .bot
            .create_chat_invite_link(ChatId(self.chat_id))
            .name(name.to_string())
            .await
        {
            Ok(link) => Ok(Some(link.invite_link)),
            Err(RequestError::Api(err)) => {
                tracing::info!(chat_id = self.chat_id, %err, "invite link refused");
                self.ctx.admins.invalidate(self.chat_id);
                self.say_cannot_invite();
                Ok(None)
            }
            Err(err) => Err(err.into()),
        }
    }
}
