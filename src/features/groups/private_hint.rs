//! A private message no feature took (plain text, an unknown command) gets a hint to `/help`, so a private
//! chat never stays silent.

use crate::services::{Call, Ctx};
use crate::telegram::HandlerResult;
use teloxide::prelude::*;

pub(super) async fn on_private_unhandled(ctx: Ctx, message: Message) -> HandlerResult {
    let call = Call::new(&ctx, &message).await;
    call.say(call.t("private-help-hint"));
    Ok(())
}
