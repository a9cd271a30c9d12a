//! Group sets (群组集合): an operator runs many groups as one. `/set new <name>` creates a set (in a group
//! the group joins it), `/set add <name>` sent inside a group adds that group, `/set remove`, `/set list`,
//! `/set show`, `/set delete`, `/set manager add|remove` for the people who run it, `/set sharebans` (a
//! ban in one group bans in all; the moderation feature spreads it) and `/set allow` (a member the shared
//! bans never reach). A set has owners (its creator, who may name managers) and managers (who add and
//! remove groups); a group may be in several sets. Every operation that touches a group checks, at that
//! moment, the caller's right in that group through the admin cache: "change group info" to add or
//! remove it, "ban users" in every group to turn shared bans on.
//!
//! The rooms (this file routes `/set` to them):
//! - `groups`  `/set new`, `add`, `remove`, `delete`; `view` `/set list` and `show`; `managers` `/set manager`
//! - `bans`    `/set sharebans` and `/set allow`; `access` the caller's set and role, rights now, labels
//! - `copy`    `/set apply` and `/set revert`: settings copied from a template group, diff first, revertible
//! - [`parse`] the pure core: the verbs, their arguments, which names a set may have
//! - [`store`] the SQL

mod access;
mod bans;
mod copy;
mod groups;
mod managers;
pub mod parse;
pub mod store;
mod view;

use crate::services::{Call, Ctx};
use crate::telegram::{Handler, HandlerResult};
use parse::{ParseError, SetCommand};
use teloxide::prelude::*;

crate::feature_commands! {
    /// The group sets' command.
    enum Command in COMMANDS {
        Set(String) = "set", "sets-cmd-set", Admins;
    }
}

/// This feature's branch of the handler tree: `/set`, in groups and in private.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(crate::telegram::callbacks_with_prefix(copy::PREFIX).endpoint(copy::on_press))
        .branch(
            Update::filter_message()
                .filter_command::<Command>()
                .endpoint(on_command),
        )
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let Command::Set(args) = command;
    let call = Call::new(&ctx, &message).await;
    let command = match parse::parse(&args) {
        Ok(command) => command,
        Err(ParseError::Usage) => {
            call.say_html(call.t("sets-usage"));
            return Ok(());
        }
        Err(ParseError::BadName(name)) => {
            call.say(call.ta(
                "sets-bad-name",
                &crate::fargs! {"name" => name, "max" => parse::MAX_NAME_CHARS},
            ));
            return Ok(());
        }
        Err(ParseError::BadGroup(group)) => {
            call.say(call.ta("sets-bad-group", &crate::fargs! {"group" => group}));
            return Ok(());
        }
        Err(ParseError::BadSection(section)) => {
            call.say(call.ta("sets-bad-section", &crate::fargs! {"section" => section}));
            return Ok(());
        }
    };
    match command {
        SetCommand::Help => {
            call.say_html(call.t("sets-usage"));
            Ok(())
        }
        SetCommand::New(name) => groups::new(&call, &name).await,
        SetCommand::Add(name) => groups::add(&call, &name).await,
        SetCommand::Remove(name, group) => groups::remove(&call, &name, group).await,
        SetCommand::Delete(name) => groups::delete(&call, &name).await,
        SetCommand::List => view::list(&call).await,
        SetCommand::Show(name) => view::show(&call, &name).await,
        SetCommand::Manager { add, name, user } => {
            managers::manager(&call, add, &name, &user).await
        }
        SetCommand::ShareBans(name, on) => bans::share_bans(&call, &name, on).await,
        SetCommand::Allow(name, user) => bans::allow(&call, &name, &user).await,
        SetCommand::Apply {
            template,
            name,
            sections,
        } => copy::apply(&call, template, &name, &sections).await,
        SetCommand::Revert(id) => copy::revert(&call, id).await,
    }
}
