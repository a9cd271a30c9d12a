//! Moderation I: the rules engine that removes ad posters. Every group message (and every edit) from a
//! member who is not exempt is checked against the group's compiled rules — keywords, regexes, links,
//! invite links, contact ads, mentions, forwards, locked media, flood, the default ad pack — with stricter
//! defaults for newcomers. A hit deletes the message and takes an action (warn, mute, kick, ban, or the
//! next step of the group's escalation ladder), explained once to the member with an appeal button; an
//! admin undoes a false positive with one press. Messages the rules do not act on continue to the other
//! features.
//!
//! Admin commands: `/filter`, `/allowdomain`, `/lock`, `/unlock`, `/locks`, `/flood`, `/rulemode`,
//! `/ladder`; Moderation II's `/ban`, `/kick`, `/mute`, `/warn`, `/spam`, `/report`, `/modlog`, `/setlog`…
//! live in [`admin`]. Every action is one row of the moderation log ([`log`]); the learning classifier
//! ([`classifier`]) adds the `classifier` rule, which by default acts only on newcomers and channels.

pub mod admin;
mod approve;
mod buttons;
pub mod cache;
pub mod check_cli;
pub mod classifier;
mod config_commands;
mod content;
mod enforce;
mod enforcement;
mod judge;
pub mod log;
mod log_channel;
mod modlog;
pub mod normalize;
mod punish_commands;
mod purge;
mod report;
pub mod rules;
mod screen;
pub mod settings;
pub mod store;

use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::{Permission, Right};
use crate::telegram::commands::{Audience, CommandInfo};
use crate::telegram::Handler;
use futures::future::BoxFuture;
use futures::FutureExt;
use teloxide::prelude::*;
use teloxide::types::CallbackQuery;
use teloxide::utils::command::BotCommands;

/// The commands of this feature.
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "filter",
        description: "moderation-cmd-filter",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "allowdomain",
        description: "moderation-cmd-allowdomain",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "lock",
        description: "moderation-cmd-lock",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "unlock",
        description: "moderation-cmd-unlock",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "locks",
        description: "moderation-cmd-locks",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "flood",
        description: "moderation-cmd-flood",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "rulemode",
        description: "moderation-cmd-rulemode",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "ladder",
        description: "moderation-cmd-ladder",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "ban",
        description: "moderation-cmd-ban",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "unban",
        description: "moderation-cmd-unban",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "kick",
        description: "moderation-cmd-kick",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "mute",
        description: "moderation-cmd-mute",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "unmute",
        description: "moderation-cmd-unmute",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "warn",
        description: "moderation-cmd-warn",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "unwarn",
        description: "moderation-cmd-unwarn",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "warns",
        description: "moderation-cmd-warns",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "del",
        description: "moderation-cmd-del",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "purge",
        description: "moderation-cmd-purge",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "approve",
        description: "moderation-cmd-approve",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "unapprove",
        description: "moderation-cmd-unapprove",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "report",
        description: "moderation-cmd-report",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "spam",
        description: "moderation-cmd-spam",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "modlog",
        description: "moderation-cmd-modlog",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "setlog",
        description: "moderation-cmd-setlog",
        audience: Audience::Admins,
    },
];

#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
pub(super) enum Command {
    Filter(String),
    Allowdomain(String),
    Lock(String),
    Unlock(String),
    Locks,
    Flood(String),
    Rulemode(String),
    Ladder(String),
}

/// The prefix of this feature's button data.
pub(crate) const CALLBACK_PREFIX: &str = "mod:";

/// This feature's branch of the handler tree. It goes first, and its screen goes before its own commands:
/// every message of a member who is not an admin (commands included) is checked, and a message it removes
/// ends there; every other message continues to the commands and the later branches.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(
            Update::filter_callback_query()
                .filter(|q: CallbackQuery| {
                    q.data
                        .as_deref()
                        .is_some_and(|d| d.starts_with(CALLBACK_PREFIX))
                })
                .endpoint(buttons::on_button),
        )
        .branch(
            Update::filter_message()
                .filter_async(|ctx: Ctx, message: Message| async move {
                    screen::screen(&ctx, &message, false).await
                })
                .endpoint(|| async { Ok(()) }),
        )
        .branch(
            Update::filter_edited_message()
                .filter_async(|ctx: Ctx, message: Message| async move {
                    screen::screen(&ctx, &message, true).await
                })
                .endpoint(|| async { Ok(()) }),
        )
        .branch(
            Update::filter_message()
                .filter_command::<Command>()
                .endpoint(config_commands::on_command),
        )
        .branch(
            Update::filter_message()
                .filter_command::<admin::AdminCommand>()
                .endpoint(admin::on_command),
        )
}

/// Whether the sender of `message` may run a command that needs `right`; when not, they are told why.
/// Admins who lack the right hear it every time; members who are not admins hear it once per
/// `refusal_window` and their repeats are ignored silently, so refusals never spend the group's send
/// budget.
pub(crate) async fn permitted(
    ctx: &Ctx,
    message: &Message,
    right: Right,
    lang: Lang,
) -> crate::Result<bool> {
    match ctx.admins.check_sender(message, right).await? {
        Permission::Granted => Ok(true),
        Permission::NotAdmin => {
            let user_id = message.from.as_ref().map_or(0, |u| u.id.0 as i64);
            let window = ctx.config.moderation.refusal_window.get().as_secs() as i64;
            if cache::first_refusal(ctx, message.chat.id.0, user_id, ctx.now(), window) {
                ctx.reply(message, ctx.t(lang, "refuse-not-admin"));
            }
            Ok(false)
        }
        Permission::Missing(_) => {
            if let Some(refusal) = ctx.refusal(message, right, lang).await? {
                ctx.reply(message, refusal);
            }
            Ok(false)
        }
    }
}

/// Deletes the explanations whose time is up.
pub fn tick(ctx: Ctx) -> BoxFuture<'static, crate::Result<()>> {
    async move {
        let due = {
            let mut conn = ctx.storage.read.acquire().await?;
            store::due_explanations(&mut conn, ctx.now()).await?
        };
        if due.is_empty() {
            return Ok(());
        }
        let mut conn = ctx.storage.write.acquire().await?;
        for (id, chat_id, message_id) in due {
            ctx.outbound
                .delete(chat_id, teloxide::types::MessageId(message_id));
            store::mark_explanation_deleted(&mut conn, id).await?;
        }
        Ok(())
    }
    .boxed()
}
