//! Red packets (红包): a member puts points into a packet, the packet is split into shares when it is
//! created, and members grab the shares one by one with the button under the packet's message.
//!
//! - `/hongbao <total> <count> [wish]` (also `/redpacket`, and plain `发红包 <total> <count>`): a lucky packet.
//! - `/hongbao equal <total> <count> [wish]`: equal shares.
//! - `/hongbao <@user | id | reply> <amount> [wish]`: an exclusive packet only that member can open. Two
//!   leading numbers make a lucky packet; a first number above `max_total` is read as a user id.
//! - `/hongbao mint …` (admins with the "change group info" right): the same, paid from the group's mint.
//! - `/verify P17`: the commitment, and once the packet has ended its seed and the recomputed shares. The
//!   packet message shows the commitment's first 12 hex digits and a Verify button that opens the same
//!   answer in a private chat (`/start verify_P17`).
//! - `/hongbao pass <total> <count> <口令>`: members claim by typing the phrase; `/hongbao quiz <total>
//!   <count> <question> | <answer>`: members claim by replying to the packet's message with the answer (a
//!   wrong answer starts a cool-down; plain messages are never taken as answers).
//! - `/hongbao rules` and `/hongbao set <key> <value>` (change-info right): the group's claim rules, checked
//!   for every packet kind except exclusive ones.
//! - `/relay <total> <count> [deadline]`, `/relay stop`, `/relay stats`: 红包接龙.
//!
//! The rooms:
//! - this file routes: the command list, the handler branch (commands, the `发红包` trigger, Grab and relay
//!   presses, typed 口令/答题 attempts) and the tick hook;
//! - flows, one per thing a member or admin does: [`create`] (`/hongbao`: parse, check, escrow, announce),
//!   [`grab`] (button grabs, 口令 and 答题 claims), [`rules`] (`/hongbao rules` and `set`), [`relay`] (`/relay`,
//!   its button and its deadlines), [`verify`] (`/verify P…`), [`view`] (the packet message and the claim
//!   lists), [`tick`] (expiry with refunds, paced edits, the `+N` lines of typed claims);
//! - pure cores with their tests: [`request`] (reading `/hongbao`), [`split`] (the shares), [`claim`] (what a
//!   press or a typed attempt leads to), [`eligibility`] (the claim rules and answer normalizing),
//!   [`relay_core`] (relay rounds, deadlines and sums);
//! - [`store`] (the SQL; statuses and kinds are enums there), [`runtime`] (in-memory guards rebuilt from SQL:
//!   which groups have open typed packets, which packet messages have an edit on its way), [`settings`].
//!
//! The ticker expires packets (refunding what is left), edits packet messages (at most once per
//! `edit_interval` while members grab, at once when a packet ends, and never while an earlier edit of the
//! same message is still queued), posts the `+N` lines of 口令/答题 claims, asks each finished relay round's
//! best luck to send the next one, and ends (or reminds once) relays whose deadline passed.

pub mod claim;
mod create;
pub mod eligibility;
mod grab;
pub mod per_group;
mod relay;
pub mod relay_core;
mod request;
mod rules;
pub mod runtime;
pub mod settings;
pub mod split;
pub mod store;
mod tick;
pub mod verify;
mod view;
pub use view::VERIFY_PAYLOAD;

use crate::services::Ctx;
use crate::telegram::{Handler, HandlerResult};
use futures::future::BoxFuture;
use teloxide::prelude::*;

crate::feature_commands! {
    /// The red-packet commands.
    enum Command in COMMANDS {
        Hongbao(String) = "hongbao", "redpacket-cmd-hongbao", Everyone;
        Redpacket(String) = "redpacket", "redpacket-cmd-hongbao", Unlisted;
        Relay(String) = "relay", "redpacket-cmd-relay", Everyone;
    }
}

/// The prefix of the Grab button's callback data: `rp:<packet id>`.
const CALLBACK_PREFIX: &str = "rp:";

/// The prefix of a relay button's callback data: `rl:<relay id>:<round>`.
const RELAY_PREFIX: &str = "rl:";

/// The Chinese text trigger for a lucky packet.
const TEXT_TRIGGER: &str = "发红包";

/// Whether a group message is an open 口令 packet's phrase or a reply to an open quiz packet (a game
/// input the ad detector must not judge). Groups known to have no open typed packet answer from memory.
pub fn is_game_input<'a>(ctx: &'a Ctx, message: &'a Message) -> BoxFuture<'a, bool> {
    Box::pin(async move {
        if runtime::of(ctx).typed_open(message.chat.id.0, ctx.now()) == Some(false) {
            return false;
        }
        grab::attempt_of(ctx.clone(), message.clone())
            .await
            .is_some()
    })
}

/// This feature's branch of the handler tree: its commands, the `发红包` trigger, and Grab presses.
/// (`/verify P…` comes through [`crate::features::verify`].)
pub fn handler() -> Handler {
    dptree::entry()
        .branch(crate::telegram::callbacks_with_prefix(CALLBACK_PREFIX).endpoint(grab::on_press))
        .branch(crate::telegram::callbacks_with_prefix(RELAY_PREFIX).endpoint(relay::on_press))
        .branch(
            Update::filter_message()
                .branch(
                    dptree::entry()
                        .filter_command::<Command>()
                        .endpoint(on_command),
                )
                .branch(
                    dptree::filter_map(|m: Message| {
                        let rest = m.text()?.trim_start().strip_prefix(TEXT_TRIGGER)?;
                        (rest.is_empty() || rest.starts_with(char::is_whitespace))
                            .then(|| rest.trim().to_string())
                    })
                    .endpoint(
                        |ctx: Ctx, message: Message, args: String| async move {
                            create::send(&ctx, &message, &args).await
                        },
                    ),
                )
                .branch(dptree::filter_map_async(grab::attempt_of).endpoint(grab::on_attempt)),
        )
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    match command {
        Command::Hongbao(args) | Command::Redpacket(args) => {
            create::send(&ctx, &message, &args).await
        }
        Command::Relay(args) => relay::command(&ctx, &message, &args).await,
    }
}

/// The ticker's work: expire due packets (refunding what is left), post the `+N` lines of typed claims, move
/// relays on, then edit the packet messages whose claims moved on (see [`tick`]).
pub fn tick(ctx: Ctx) -> BoxFuture<'static, crate::Result<()>> {
    Box::pin(async move { tick::run(&ctx).await })
}
