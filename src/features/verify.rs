//! `/verify P17` and `/verify L5`: the one owner of `/verify`. It reads the id's kind and hands the id to the
//! feature that made that draw — red packets recompute their shares, lotteries their winners. An id of
//! neither kind gets the usage.

use super::{lottery, redpacket};
use crate::fairness::{self, Kind};
use crate::services::Ctx;
use crate::telegram::{Handler, HandlerResult};
use teloxide::prelude::*;

crate::feature_commands! {
    /// The `/verify` command.
    enum Command in COMMANDS {
        Verify(String) = "verify", "redpacket-cmd-verify", Everyone;
    }
}

/// The branch that takes `/verify`.
pub fn handler() -> Handler {
    Update::filter_message()
        .filter_command::<Command>()
        .endpoint(on_verify)
}

async fn on_verify(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let Command::Verify(args) = command;
    let lang = ctx.lang_for(&message).await;
    let id = args.trim();
    match fairness::parse_display_id(id) {
        Some((Kind::Lottery, lottery)) => {
            lottery::verify::answer(&ctx, &message, lang, lottery).await
        }
        _ => redpacket::verify::answer(&ctx, &message, lang, id).await,
    }
}
