//! The rules engine that removes ad posters. Every group message (and every edit) from a member who is not
//! exempt is checked against the group's compiled rules — keywords, regexes, links, invite links, contact
//! ads, mentions, forwards, locked media, flood, the default ad pack — with stricter defaults for newcomers.
//! A hit deletes the message and takes an action (warn, mute, kick, ban, or the next step of the group's
//! escalation ladder), explained once to the member with an appeal button; an admin undoes a false
//! positive with one press. Messages the rules do not act on continue to the other features.
//!
//! The flows, one file each:
//! - [`screen`]: every message is judged and acted on; unknown @mentions are looked up and judged again
//! - [`content`]: what a message carries and who posted it; [`judge`]: the facts and the verdict
//! - [`enforce`]: deleting, the action [`enforcement::plan`] decides, the log entry and the explanation
//! - [`buttons`]: appeal and undo; [`report`]: `/report` and the admins' decision on it
//! - [`shared_bans`]: a member's ban spreads to the other groups of the group's sets that share bans
//! - [`suspicious`]: a message the detector is unsure about stays, and the admins answer a folded notice
//! - [`config_commands`]: `/filter`, `/allowdomain`, `/lock`, `/unlock`, `/locks`, `/flood`, `/rulemode`,
//!   `/ladder`
//! - [`admin`] checks and dispatches the admins' commands: [`punish_commands`] (`/ban`, `/kick`, `/mute`,
//!   `/warn`, `/spam` and their reversals), [`approve`], [`purge`] (`/del`, `/purge`), [`modlog`],
//!   [`log_channel`] (`/setlog`)
//! - [`night_mode`]: `/nightmode`, the group closed every night by its default permissions (pure core:
//!   [`night`])
//!
//! Every action is one row of the moderation log ([`log`]); the trained ad detector ([`detector`], held
//! per bot by [`detection`]) adds the `classifier` rule, which by default acts only on newcomers and
//! channels. The pure cores are
//! [`rules`] and [`enforcement`]; [`store`] holds the SQL and [`cache`] the in-memory state.

pub mod admin;
mod approve;
mod buttons;
pub mod cache;
pub mod check_cli;
mod config_commands;
mod content;
pub mod detection;
pub mod detector;
mod enforce;
mod enforcement;
mod judge;
pub mod log;
mod log_channel;
mod modlog;
pub mod night;
pub mod night_mode;
pub mod normalize;
pub mod per_group;
mod punish_commands;
mod purge;
mod report;
pub mod rules;
mod screen;
pub mod settings;
pub mod shared_bans;
pub mod store;
mod subject;
mod suspicious;

use crate::services::{Call, Ctx};
use crate::telegram::admins::Right;
use crate::telegram::commands::CommandInfo;
use crate::telegram::Handler;
use futures::future::BoxFuture;
use futures::FutureExt;
use teloxide::prelude::*;
use teloxide::types::CallbackQuery;

/// This feature's commands in the order `/help` lists them: the rules' settings, then the admins' commands.
pub const COMMANDS: &[CommandInfo] = &concat::<
    { config_commands::COMMANDS.len() + admin::COMMANDS.len() },
>(config_commands::COMMANDS, admin::COMMANDS);

/// Two command lists as one, at compile time (`N` is the sum of their lengths).
const fn concat<const N: usize>(first: &[CommandInfo], second: &[CommandInfo]) -> [CommandInfo; N] {
    let mut all = [first[0]; N];
    let mut i = 0;
    while i < second.len() {
        all[first.len() + i] = second[i];
        i += 1;
    }
    let mut i = 1;
    while i < first.len() {
        all[i] = first[i];
        i += 1;
    }
    all
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
                .filter_command::<config_commands::Command>()
                .endpoint(config_commands::on_command),
        )
        .branch(
            Update::filter_message()
                .filter_command::<admin::AdminCommand>()
                .endpoint(admin::on_command),
        )
        .branch(
            Update::filter_message()
                .filter_command::<night_mode::Command>()
                .endpoint(night_mode::on_command),
        )
}

/// Whether the sender of a command may run it when it needs `right`; when not, they are told why.
/// Admins who lack the right hear it every time; members who are not admins hear it once per
/// `refusal_window` and their repeats are ignored silently, so refusals never spend the group's send
/// budget.
pub(crate) async fn permitted(call: &Call<'_>, right: Right) -> crate::Result<bool> {
    call.allowed(right).await
}

/// A message the rules removed (log entry `violation_id`, when the record kept it) came back from
/// Telegram after a crash: it is deleted again and the removal's mute or ban asked for again (see
/// [`enforce::act_again`]); nothing else happens.
pub async fn removal_sent_again(
    ctx: &Ctx,
    chat_id: i64,
    message_id: teloxide::types::MessageId,
    violation_id: Option<i64>,
) {
    ctx.outbound.delete(chat_id, message_id);
    let Some(violation_id) = violation_id else {
        return;
    };
    if let Err(err) = enforce::act_again(ctx, chat_id, violation_id).await {
        tracing::warn!(%err, chat_id, violation_id, "a removal's sanction was not asked again");
    }
}

/// Deletes the explanations whose time is up, posts the folded suspicious-message notices whose window
/// has passed, teaches each group's layer the automatic removals nobody undid in time, and sums up the
/// log lines folded in log channels whose window is over. Each part runs in its own error scope.
pub fn tick(ctx: Ctx) -> BoxFuture<'static, crate::Result<()>> {
    async move {
        log::flush_folded(&ctx);
        let notices = suspicious::post_waiting(&ctx).await;
        let learned = enforce::learn_due(&ctx).await;
        let explanations = delete_explanations(&ctx).await;
        notices.and(learned).and(explanations)
    }
    .boxed()
}

/// Deletes the explanations whose time is up.
async fn delete_explanations(ctx: &Ctx) -> crate::Result<()> {
    let due = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::due_explanations(&mut conn, ctx.now()).await?
    };
    if due.is_empty() {
        return Ok(());
    }
    // Each explanation in its own error scope: one that fails never holds up the others.
    let due = due
        .into_iter()
        .map(|(id, chat_id, message_id)| (id, (id, chat_id, message_id)));
    super::each_due(
        ctx,
        "moderation",
        "explanation",
        due,
        |(id, chat_id, message_id)| async move {
            ctx.outbound
                .delete(chat_id, teloxide::types::MessageId(message_id));
            let mut conn = ctx.storage.write.acquire().await?;
            store::mark_explanation_deleted(&mut conn, id).await
        },
    )
    .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::COMMANDS;

    #[test]
    fn help_lists_the_settings_then_the_admins_commands() {
        let names: Vec<_> = COMMANDS.iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                "filter",
                "allowdomain",
                "lock",
                "unlock",
                "locks",
                "flood",
                "rulemode",
                "ladder",
                "ban",
                "unban",
                "kick",
                "mute",
                "unmute",
                "warn",
                "unwarn",
                "warns",
                "del",
                "purge",
                "approve",
                "unapprove",
                "report",
                "spam",
                "modlog",
                "setlog"
            ]
        );
    }
}
