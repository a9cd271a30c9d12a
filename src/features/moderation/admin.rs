//! The admins' commands: `/ban`, `/unban`, `/kick`, `/mute`, `/unmute`, `/warn`, `/unwarn`, `/warns`,
//! `/del`, `/purge`, `/approve`, `/unapprove`, `/report`, `/spam`, `/modlog`, `/setlog`. This file checks who
//! may run them and hands each to its flow; it also finds a command's subject. Targets come from a reply, an
//! @username seen in the group, or a numeric id; a reply to a post made as a channel targets that channel.
//! Every action goes into the moderation log.

use super::{approve, log_channel, modlog, punish_commands, purge, report, store};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Call, Ctx, TargetError};
use crate::telegram::admins::Right;
use crate::telegram::text::{escape, mention_html};
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

/// Who a command acts on: a member, or a channel whose post was replied to.
#[derive(Debug, Clone)]
pub(super) struct Subject {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) channel: bool,
}

impl Subject {
    pub(super) fn mention(&self) -> String {
        if self.channel {
            format!("<b>{}</b>", escape(&self.name))
        } else {
            mention_html(self.id, &self.name)
        }
    }
}

pub(super) fn message_text(message: &Message) -> String {
    message
        .text()
        .or(message.caption())
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

/// The channel a replied-to post was made as (not the group itself posting as anonymous admin).
pub(super) fn replied_channel(message: &Message) -> Option<Subject> {
    let replied = message.reply_to_message()?;
    let chat = replied.sender_chat.as_ref()?;
    if chat.id == message.chat.id {
        return None;
    }
    Some(Subject {
        id: chat.id.0,
        name: chat.title().unwrap_or_default().to_string(),
        channel: true,
    })
}

/// Resolves the subject of a command, or the localized reason there is none.
pub(super) async fn subject<'a>(
    ctx: &Ctx,
    message: &Message,
    args: &'a str,
    lang: Lang,
    command: &str,
) -> crate::Result<Result<(Subject, &'a str), String>> {
    if crate::args::split_target(args).0.is_none() {
        if let Some(channel) = replied_channel(message) {
            return Ok(Ok((channel, args.trim())));
        }
    }
    match ctx.resolve_target(message, args).await {
        Ok((Some(target), rest)) => Ok(Ok((
            Subject {
                id: target.user_id,
                name: target.name,
                channel: false,
            },
            rest.trim(),
        ))),
        Ok((None, _)) => Ok(Err(ctx.ta(
            lang,
            "moderation-target-usage",
            &fargs! {"command" => command.to_string()},
        ))),
        Err(TargetError::UnknownUsername(name)) => Ok(Err(ctx.ta(
            lang,
            "moderation-target-unknown",
            &fargs! {"name" => name},
        ))),
        Err(TargetError::Storage(err)) => Err(err),
    }
}

/// Refuses acting on the bot itself or on an admin.
pub(super) async fn protected(
    ctx: &Ctx,
    chat_id: i64,
    subject: &Subject,
    lang: Lang,
) -> crate::Result<Option<String>> {
    if subject.channel {
        return Ok(None);
    }
    if subject.id == ctx.me.id.0 as i64 {
        return Ok(Some(ctx.t(lang, "moderation-target-bot")));
    }
    if subject.id > 0 && ctx.admins.is_admin(chat_id, subject.id as u64).await? {
        return Ok(Some(ctx.t(lang, "moderation-target-admin")));
    }
    Ok(None)
}

pub(super) fn excerpt_of_reply(message: &Message) -> String {
    message
        .reply_to_message()
        .map(message_text)
        .unwrap_or_default()
}

pub(super) fn entry<'a>(
    message: &Message,
    subject: &Subject,
    action: &'a str,
    detail: &'a str,
    excerpt: &'a str,
    now: i64,
) -> store::LogEntry<'a> {
    store::LogEntry {
        chat_id: message.chat.id.0,
        user_id: subject.id,
        is_channel: subject.channel,
        rule: "manual",
        detail,
        action,
        excerpt,
        actor_id: Some(message.from.as_ref().map_or(0, |u| u.id.0 as i64)),
        reverses_id: None,
        at: now,
        expires_at: now,
    }
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
        call.say_html(html);
    }
    Ok(())
}

pub(super) type Answer = crate::Result<Option<String>>;
