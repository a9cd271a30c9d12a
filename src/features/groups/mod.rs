//! The group record and the bot's basic manners, one file per flow: [`membership`] (added, removed,
//! promoted: the record, the hello and the thanks), [`migrate`] (a basic group's data moves to its
//! supergroup), [`per_group`] (the group's own settings for the settings model), [`start`], [`help`] and
//! [`lang`] (the commands), [`private_chat`] (who has started the bot in private) and [`private_hint`] (a
//! hint to `/help` for a private message no feature took). This file routes updates to them.

mod help;
mod lang;
mod membership;
mod migrate;
pub mod per_group;
mod private_chat;
mod private_hint;
mod start;

use crate::services::{Call, Ctx};
use crate::telegram::{Handler, HandlerResult};
use teloxide::prelude::*;

crate::feature_commands! {
    /// The bot's basic commands.
    enum Command in COMMANDS {
        Start(String) = "start", "cmd-start", Private;
        Help = "help", "cmd-help", Everyone;
        Lang(String) = "lang", "cmd-lang", Admins;
    }
}

/// This feature's branch of the handler tree.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(Update::filter_my_chat_member().endpoint(membership::on_bot_membership))
        .branch(
            Update::filter_message()
                .branch(
                    dptree::filter(|m: Message| m.migrate_to_chat_id().is_some())
                        .endpoint(migrate::on_migrate),
                )
                .branch(
                    dptree::entry()
                        .filter_command::<Command>()
                        .endpoint(on_command),
                ),
        )
}

/// The first step of the handler tree, which handles nothing: a private message from a person records that
/// they have started the bot in private.
pub fn private_chat_seen() -> Handler {
    dptree::entry().inspect_async(private_chat::note_private_chat)
}

/// The last branch of the handler tree: a private message no feature took (plain text, an unknown command)
/// gets a hint to `/help`, so a private chat never stays silent.
pub fn private_hint() -> Handler {
    Update::filter_message()
        .filter(|m: Message| {
            m.chat.is_private()
                && m.from.as_ref().is_some_and(|u| !u.is_bot)
                && crate::telegram::is_member_post(&m)
        })
        .endpoint(private_hint::on_private_unhandled)
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let call = Call::new(&ctx, &message).await;
    match command {
        Command::Start(payload) => start::start(&call, payload.trim()).await,
        Command::Help => help::help(&call).await,
        Command::Lang(arg) => lang::lang(&call, arg.trim()).await,
    }
}
