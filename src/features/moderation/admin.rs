//! The admins' commands: `/ban`, `/unban`, `/kick`, `/mute`, `/unmute`, `/warn`, `/unwarn`, `/warns`,
//! `/del`, `/purge`, `/approve`, `/unapprove`, `/report`, `/spam`, `/modlog`, `/setlog`. This file checks who
//! may run them and hands each to its flow. What the flows share (the subject a command acts on, found from a
//! reply, an @username seen in the group or a numeric id; the log entry) is in `subject.rs`. Every action
//! goes into the moderation log.

use super::{approve, log_channel, modlog, punish_commands, purge, report};
use crate::services::{Call, Ctx, Lasting};
use crate::telegram::admins::Right;
use crate::telegram::HandlerResult;
use teloxide::prelude::*;

crate::feature_commands! {
    /// The admins' commands (and `/report`, which any member may use).
    pub(super) enum AdminCommand in COMMANDS {
        Ban(String) = "ban", "moderation-cmd-ban", Admins;
        Unban(String) = "unban", "moderation-cmd-unban", Admins;
        Kick(String) = "kick", "moderation-cmd-kick", Admins;
        Mute(String) = "mute", "moderation-cmd-mute", Admins;
        Unmute(String) = "unmute", "moderation-cmd-unmute", Admins;
        Warn(String) = "warn", "moderation-cmd-warn", Admins;
        Unwarn(String) = "unwarn", "moderation-cmd-unwarn", Admins;
        Warns(String) = "warns", "moderation-cmd-warns", Admins;
        Del(String) = "del", "moderation-cmd-del", Admins;
        Purge(String) = "purge", "moderation-cmd-purge", Admins;
        Approve(String) = "approve", "moderation-cmd-approve", Admins;
        Unapprove(String) = "unapprove", "moderation-cmd-unapprove", Admins;
        Report(String) = "report", "moderation-cmd-report", Everyone;
        Spam(String) = "spam", "moderation-cmd-spam", Admins;
        Modlog(String) = "modlog", "moderation-cmd-modlog", Admins;
        Setlog(String) = "setlog", "moderation-cmd-setlog", Admins;
    }
}

impl AdminCommand {
    /// The right an admin needs; `None` for `/report`, which any member may use.
    fn right(&self) -> Option<Right> {
        match self {
            AdminCommand::Report(_) => None,
            AdminCommand::Del(_) | AdminCommand::Purge(_) => Some(Right::Delete),
            AdminCommand::Setlog(_) => Some(Right::ChangeInfo),
            _ => Some(Right::Restrict),
        }
    }

    /// The rights the bot itself needs to carry the command out.
    fn bot_needs(&self) -> &'static [Right] {
        match self {
            AdminCommand::Del(_) | AdminCommand::Purge(_) => &[Right::Delete],
            AdminCommand::Spam(_) => &[Right::Delete, Right::Restrict],
            AdminCommand::Ban(_)
            | AdminCommand::Unban(_)
            | AdminCommand::Kick(_)
            | AdminCommand::Mute(_)
            | AdminCommand::Unmute(_) => &[Right::Restrict],
            _ => &[],
        }
    }

    /// Where and how long the command's answer stays: what an action did stays in the group (a
    /// moderation notice); the moderation log and another member's warnings go to the admin in private;
    /// the rest (usage, confirmations of deletions, reports) is brief.
    async fn answered(&self, call: &Call<'_>) -> crate::Result<Answered> {
        Ok(match self {
            AdminCommand::Ban(_)
            | AdminCommand::Unban(_)
            | AdminCommand::Kick(_)
            | AdminCommand::Mute(_)
            | AdminCommand::Unmute(_)
            | AdminCommand::Warn(_)
            | AdminCommand::Unwarn(_)
            | AdminCommand::Spam(_) => Answered::Group(Lasting::Kept),
            AdminCommand::Modlog(_) => Answered::Admin,
            AdminCommand::Warns(args) => {
                let own = match call.ctx.resolve_target(call.message, args).await {
                    Ok((Some(target), _)) => target.user_id == call.sender_id(),
                    _ => true,
                };
                if own {
                    Answered::Group(Lasting::Brief)
                } else {
                    Answered::Admin
                }
            }
            _ => Answered::Group(Lasting::Brief),
        })
    }

    fn name(&self) -> &'static str {
        match self {
            AdminCommand::Ban(_) => "ban",
            AdminCommand::Unban(_) => "unban",
            AdminCommand::Kick(_) => "kick",
            AdminCommand::Mute(_) => "mute",
            AdminCommand::Unmute(_) => "unmute",
            AdminCommand::Warn(_) => "warn",
            AdminCommand::Unwarn(_) => "unwarn",
            AdminCommand::Warns(_) => "warns",
            AdminCommand::Del(_) => "del",
            AdminCommand::Purge(_) => "purge",
            AdminCommand::Approve(_) => "approve",
            AdminCommand::Unapprove(_) => "unapprove",
            AdminCommand::Report(_) => "report",
            AdminCommand::Spam(_) => "spam",
            AdminCommand::Modlog(_) => "modlog",
            AdminCommand::Setlog(_) => "setlog",
        }
    }
}

/// Where an admin command's answer goes.
enum Answered {
    /// Into the group, staying as long as this says.
    Group(Lasting),
    /// To the admin in private (see [`Call::say_html_to_admin`]).
    Admin,
}

/// Checks who may run an admin command and whether the bot can carry it out, then hands it to its flow
/// and sends the flow's answer.
pub(super) async fn on_command(ctx: Ctx, message: Message, command: AdminCommand) -> HandlerResult {
    let call = Call::new(&ctx, &message).await;
    if message.chat.is_private() {
        call.say(call.t("group-only"));
        return Ok(());
    }
    if let Some(right) = command.right() {
        if !super::permitted(&call, right).await? {
            return Ok(());
        }
    }
    if let Some(lacks) = ctx
        .bot_lacks(call.chat_id, command.bot_needs(), call.lang)
        .await?
    {
        call.say(lacks);
        return Ok(());
    }
    let name = command.name();
    let answered = command.answered(&call).await?;
    let call = &call;
    let html = match command {
        AdminCommand::Ban(args) => punish_commands::ban_command(call, &args, name).await?,
        AdminCommand::Kick(args) => punish_commands::kick_command(call, &args, name).await?,
        AdminCommand::Mute(args) => punish_commands::mute_command(call, &args, name).await?,
        AdminCommand::Warn(args) => punish_commands::warn_command(call, &args, name).await?,
        AdminCommand::Spam(args) => punish_commands::spam_command(call, &args, name).await?,
        AdminCommand::Unban(args) => punish_commands::unban_command(call, &args, name).await?,
        AdminCommand::Unmute(args) => punish_commands::unmute_command(call, &args, name).await?,
        AdminCommand::Unwarn(args) => punish_commands::unwarn_command(call, &args, name).await?,
        AdminCommand::Warns(args) => punish_commands::warns_command(call, &args, name).await?,
        AdminCommand::Approve(args) => approve::approve_command(call, &args, name, true).await?,
        AdminCommand::Unapprove(args) => approve::approve_command(call, &args, name, false).await?,
        AdminCommand::Del(reason) => purge::del_command(call, reason.trim()).await?,
        AdminCommand::Purge(reason) => purge::purge_command(call, reason.trim()).await?,
        AdminCommand::Report(reason) => report::report_command(call, reason.trim()).await?,
        AdminCommand::Modlog(args) => modlog::modlog_command(call, &args).await?,
        AdminCommand::Setlog(args) => log_channel::setlog_command(call, &args).await?,
    };
    if let Some(html) = html {
        match answered {
            Answered::Group(lasting) => call.say_html_as(lasting, html),
            Answered::Admin => call.say_html_to_admin(html).await,
        }
    }
    Ok(())
}
