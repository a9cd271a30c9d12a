//! One economy command call and the helpers its flows share.

use crate::args::ArgError;
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Ctx, Target, TargetError};
use crate::telegram::text::{split, MAX_TEXT};
use teloxide::prelude::*;

/// One command call: who, where, in which language.
pub(super) struct Call<'a> {
    pub(super) ctx: &'a Ctx,
    pub(super) message: &'a Message,
    pub(super) lang: Lang,
    pub(super) chat_id: i64,
    pub(super) sender_id: i64,
}

pub(super) fn display_name(message: &Message) -> String {
    message
        .from
        .as_ref()
        .map(crate::telegram::text::full_name)
        .unwrap_or_default()
}

impl Call<'_> {
    pub(super) fn say(&self, text: String) {
        self.ctx.reply(self.message, text);
    }

    pub(super) fn say_html(&self, html: String) {
        for piece in split(&html, MAX_TEXT) {
            self.ctx.reply_html(self.message, piece);
        }
    }

    pub(super) fn amount_error(&self, error: &ArgError) -> String {
        match error {
            ArgError::NotANumber(text) => self.ctx.ta(
                self.lang,
                "economy-amount-not-number",
                &fargs! {"text" => text.clone()},
            ),
            ArgError::NotPositive => self.ctx.t(self.lang, "economy-amount-not-positive"),
            ArgError::TooLarge { max } => self.ctx.ta(
                self.lang,
                "economy-amount-too-large",
                &fargs! {"max" => *max},
            ),
            _ => self.ctx.t(self.lang, "economy-amount-not-positive"),
        }
    }

    /// Resolves the target of a command; on failure tells the member why and returns `None`.
    pub(super) async fn target<'b>(
        &self,
        args: &'b str,
        usage: &str,
    ) -> crate::Result<Option<(Target, &'b str)>> {
        match self.ctx.resolve_target(self.message, args).await {
            Ok((Some(target), rest)) => {
                if target.is_bot {
                    self.say(self.ctx.t(self.lang, "economy-target-bot"));
                    return Ok(None);
                }
                // A replied-to author is here; an @username or id must belong to someone seen here.
                if self.message.reply_to_message().is_none() {
                    let mut conn = self.ctx.storage.read.acquire().await?;
                    let known =
                        crate::storage::members::get(&mut conn, self.chat_id, target.user_id)
                            .await?
                            .is_some();
                    if !known {
                        self.say(self.ctx.ta(
                            self.lang,
                            "economy-unknown-member",
                            &fargs! {"id" => target.user_id},
                        ));
                        return Ok(None);
                    }
                }
                Ok(Some((target, rest)))
            }
            Ok((None, _)) => {
                self.say(self.ctx.t(self.lang, usage));
                Ok(None)
            }
            Err(TargetError::UnknownUsername(name)) => {
                self.say(self.ctx.ta(
                    self.lang,
                    "economy-unknown-user",
                    &fargs! {"username" => name},
                ));
                Ok(None)
            }
            Err(TargetError::Storage(err)) => Err(err),
        }
    }
}
