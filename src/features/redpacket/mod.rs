//! Red packets (红包): a member puts points into a packet, the packet is split into shares when it is
//! created, and members grab the shares one by one with the button under the packet's message.
//!
//! - `/hongbao <total> <count> [wish]` (also `/redpacket`, and plain `发红包 <total> <count>`): a lucky packet.
//! - `/hongbao equal <total> <count> [wish]`: equal shares.
//! - `/hongbao <@user | id | reply> <amount> [wish]`: an exclusive packet only that member can open. Two
//!   leading numbers make a lucky packet; a first number above `max_total` is read as a user id.
//! - `/hongbao mint …` (admins with the "change group info" right): the same, paid from the group's mint.
//! - `/verify P17`: the commitment, and once the packet has ended its seed and the recomputed shares.
//! - `/hongbao pass <total> <count> <口令>`: members claim by typing the phrase; `/hongbao quiz <total>
//!   <count> <question> | <answer>`: members claim by replying to the packet's message with the answer (a
//!   wrong answer starts a cool-down; plain messages are never taken as answers).
//! - `/hongbao rules` and `/hongbao set <key> <value>` (change-info right): the group's claim rules, checked
//!   for every packet kind except exclusive ones.
//! - `/relay <total> <count> [deadline]`, `/relay stop`, `/relay stats`: 红包接龙.
//!
//! The rooms: [`split`] (the pure split), [`eligibility`] (the claim rules and answer normalizing),
//! [`relay_core`] (relay decisions and sums), [`store`] (the SQL), [`runtime`] (in-memory guards rebuilt from
//! SQL: which groups have open typed packets, which packet messages have an edit on its way), [`settings`].
//! The ticker expires packets (refunding what is left), edits packet messages (at most once per
//! `edit_interval` while members grab, at once when a packet ends, and never while an earlier edit of the
//! same message is still queued), posts the `+N` lines of 口令/答题 claims, asks each finished relay round's
//! best luck to send the next one, and ends (or reminds once) relays whose deadline passed.

mod create;
pub mod eligibility;
mod grab;
mod relay;
pub mod relay_core;
mod request;
mod rules;
pub mod runtime;
pub mod settings;
pub mod split;
pub mod store;
mod tick;
mod verify;
mod view;

use crate::services::Ctx;
use crate::telegram::commands::{Audience, CommandInfo};
use crate::telegram::{Handler, HandlerResult};
use teloxide::prelude::*;
use teloxide::utils::command::BotCommands;

use create::send;
use grab::{attempt_of, on_attempt, on_grab};
use relay::{on_relay_press, relay_command, RELAY_PREFIX};
pub use tick::tick;
use verify::verify;

/// The commands of this feature.
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "hongbao",
        description: "redpacket-cmd-hongbao",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "redpacket",
        description: "redpacket-cmd-hongbao",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "relay",
        description: "redpacket-cmd-relay",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "verify",
        description: "redpacket-cmd-verify",
        audience: Audience::Everyone,
    },
];

/// The prefix of the Grab button's callback data: `rp:<packet id>`.
const CALLBACK_PREFIX: &str = "rp:";

/// The Chinese text trigger for a lucky packet.
const TEXT_TRIGGER: &str = "发红包";

#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
enum Command {
    Hongbao(String),
    Redpacket(String),
    Relay(String),
    Verify(String),
}

/// This feature's branch of the handler tree: its commands, the `发红包` trigger, and Grab presses.
/// `/verify L…` (a lottery id) is left to other branches.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(crate::telegram::callbacks_with_prefix(CALLBACK_PREFIX).endpoint(on_grab))
        .branch(crate::telegram::callbacks_with_prefix(RELAY_PREFIX).endpoint(on_relay_press))
        .branch(
            Update::filter_message()
                .branch(
                    dptree::entry()
                        .filter_command::<Command>()
                        .filter(|command: Command| match command {
                            Command::Verify(arg) => !arg.trim_start().starts_with(['L', 'l']),
                            _ => true,
                        })
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
                            send(&ctx, &message, &args).await
                        },
                    ),
                )
                .branch(dptree::filter_map_async(attempt_of).endpoint(on_attempt)),
        )
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    match command {
        Command::Hongbao(args) | Command::Redpacket(args) => send(&ctx, &message, &args).await,
        Command::Relay(args) => relay_command(&ctx, &message, &args).await,
        Command::Verify(args) => verify(&ctx, &message, args.trim()).await,
    }
}
