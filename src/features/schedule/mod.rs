//! Scheduled posts (定时发送): an admin with "change group info" replies `/schedule <when> [options]` to the
//! message to post, once or on a calendar in the group's time zone; `/schedules` lists them with buttons to
//! pause, resume, run now or delete. Runs are items of the one scheduler ([`crate::scheduler`]), so they
//! survive restarts and never run twice; the missed-run rules are in [`when::fire`].
//!
//! The rooms:
//! - `create`     `/schedule`: what to post, when, checks, storing it
//! - `list`       `/schedules` and its buttons
//! - `run`        a due run: the missed-run rules, the post, pinning, the later deletion
//! - [`when`]     the pure core: reading `<when>` and the options, next runs across daylight saving time
//! - [`store`]    the SQL
//! - [`settings`] the `[schedule]` settings

mod create;
mod list;
mod run;
pub mod settings;
pub mod store;
pub mod when;

use crate::scheduler::Run;
use crate::services::{Call, Ctx};
use crate::telegram::{Handler, HandlerResult};
use teloxide::prelude::*;

crate::feature_commands! {
    /// The scheduled posts' commands.
    enum Command in COMMANDS {
        Schedule(String) = "schedule", "schedule-cmd-schedule", Admins;
        Schedules = "schedules", "schedule-cmd-schedules", Admins;
    }
}

/// The prefix of the list's buttons' callback data (`sc:<verb>:<id>`).
const BUTTON_PREFIX: &str = "sc:";

/// The scheduler kinds this feature runs.
pub const TIMER_KINDS: &[(&str, Run)] = &[
    (store::POST_KIND, run::run_post),
    (store::DELETE_KIND, run::run_delete),
];

/// This feature's branch of the handler tree: its commands and the list's buttons.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(crate::telegram::callbacks_with_prefix(BUTTON_PREFIX).endpoint(list::on_press))
        .branch(
            Update::filter_message()
                .filter_command::<Command>()
                .endpoint(on_command),
        )
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let call = Call::new(&ctx, &message).await;
    if message.chat.is_private() {
        call.say(call.t("group-only"));
        return Ok(());
    }
    match command {
        Command::Schedule(args) => create::schedule(&call, &args).await,
        Command::Schedules => list::list(&call).await,
    }
}
