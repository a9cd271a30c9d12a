//! One economy command call and the helpers its flows share.

use crate::args::ArgError;
use crate::fargs;
use crate::services::{Call, Target, TargetError};
use std::ops::Deref;
use teloxide::prelude::*;

/// One economy command call: the shared [`Call`] and whose wallet it is about. That is the sender, or for
/// an anonymous admin's admin command the group it speaks as (recorded as the actor of `/give` and `/take`).
pub(super) struct EconomyCall<'a> {
    pub(super) call: Call<'a>,
    pub(super) sender_id: i64,
}

impl<'a> Deref for EconomyCall<'a> {
    type Target = Call<'a>;

    fn deref(&self) -> &Call<'a> {
        &self.call
    }
}

/// The sender's name as Telegram shows it.
pub(super) fn display_name(message: &Message) -> String {
    message
        .from
        .as_ref()
        .map(crate::telegram::text::full_name)
        .unwrap_or_default()
}

impl EconomyCall<'_> {
    /// Why an amount was refused, in the call's language.
    pub(super) fn amount_error(&self, error: &ArgError) -> String {
        match error {
            ArgError::NotANumber(text) => self.ta(
                "economy-amount-not-number",
                &fargs! {"text" => text.clone()},
            ),
            ArgError::NotPositive => self.t("economy-amount-not-positive"),
            ArgError::TooLarge { max } => {
                self.ta("economy-amount-too-large", &fargs! {"max" => *max})
            }
            _ => self.t("economy-amount-not-positive"),
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
                    self.say(self.t("economy-target-bot"));
                    return Ok(None);
                }
                // A replied-to author is here; an @username or id must belong to someone seen here.
                if crate::telegram::replied_message(self.message).is_none() {
                    let mut conn = self.ctx.storage.read.acquire().await?;
                    let known =
                        crate::storage::members::get(&mut conn, self.chat_id, target.user_id)
                            .await?
                            .is_some();
                    if !known {
                        self.say(
                            self.ta("economy-unknown-member", &fargs! {"id" => target.user_id}),
                        );
                        return Ok(None);
                    }
                }
                Ok(Some((target, rest)))
            }
            Ok((None, _)) => {
                self.say(self.t(usage));
                Ok(None)
            }
            Err(TargetError::UnknownUsername(name)) => {
                self.say(self.ta("economy-unknown-user", &fargs! {"username" => name}));
                Ok(None)
            }
            Err(TargetError::Storage(err)) => Err(err),
        }
    }
}
