//! Moderation II's commands: `/ban`, `/unban`, `/kick`, `/mute`, `/unmute`, `/warn`, `/unwarn`, `/warns`,
//! `/del`, `/purge`, `/approve`, `/unapprove`, `/report`, `/spam`, `/modlog`, `/setlog`, and the buttons of
//! reports. Targets come from a reply, an @username seen in the group, or a numeric id; a reply to a post
//! made as a channel targets that channel. Every action goes into the moderation log.

use super::classifier::Label;
use super::{log, store, CALLBACK_PREFIX};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Ctx, TargetError};
use crate::telegram::admins::Right;
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, full_name, mention_html};
use crate::telegram::HandlerResult;
use futures::FutureExt;
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQuery, ChatPermissions, InlineKeyboardButton, InlineKeyboardMarkup, MessageId,
    Recipient,
};
use teloxide::utils::command::BotCommands;

/// Telegram lets bots delete messages up to this old.
const PURGE_WINDOW_SECS: i64 = 48 * 3600;
/// `deleteMessages` takes at most this many ids.
const PURGE_BATCH: usize = 100;
/// `/purge` removes at most this many message ids at once.
const PURGE_MAX: i32 = 5_000;
/// How far back `/modlog` counts per-rule hits and undos.
const STATS_WINDOW_SECS: i64 = 30 * 86_400;

#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
pub(super) enum AdminCommand {
    Ban(String),
    Unban(String),
    Kick(String),
    Mute(String),
    Unmute(String),
    Warn(String),
    Unwarn(String),
    Warns(String),
    Del(String),
    Purge(String),
    Approve(String),
    Unapprove(String),
    Report(String),
    Spam(String),
    Modlog(String),
    Setlog(String),
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
struct Subject {
    id: i64,
    name: String,
    channel: bool,
}

impl Subject {
    fn mention(&self) -> String {
        if self.channel {
            format!("<b>{}</b>", escape(&self.name))
        } else {
            mention_html(self.id, &self.name)
        }
    }
}

/// A mute or ban length at the start of `text`, if its first word is a duration, and the rest. A length
/// Telegram would read as forever (under 30 s, over 366 days; a bare number counts seconds) is
/// [`crate::args::ArgError::RestrictionRange`].
pub fn split_duration(
    text: &str,
) -> Result<(Option<std::time::Duration>, &str), crate::args::ArgError> {
    let text = text.trim();
    let (word, rest) = match text.find(char::is_whitespace) {
        Some(at) => (&text[..at], text[at..].trim_start()),
        None => (text, ""),
    };
    match crate::args::parse_duration(word) {
        Ok(duration) if !word.is_empty() => {
            crate::args::check_restriction(duration).map(|d| (Some(d), rest))
        }
        _ => Ok((None, text)),
    }
}

/// A log channel as typed: a numeric chat id or an @name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelSpec {
    /// `-100…`
    Id(i64),
    /// `@name`, without the `@`.
    Name(String),
    /// `off`: stop mirroring.
    Off,
}

/// Reads `/setlog`'s argument.
pub fn parse_channel(text: &str) -> Option<ChannelSpec> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("off") {
        return Some(ChannelSpec::Off);
    }
    if let Some(name) = text.strip_prefix('@') {
        let valid = name.len() >= 4 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        return valid.then(|| ChannelSpec::Name(name.to_string()));
    }
    match text.parse::<i64>() {
        Ok(id) if id < 0 => Some(ChannelSpec::Id(id)),
        _ => None,
    }
}

/// The message ids `/purge` deletes, from the replied message to the command, in batches.
pub fn purge_batches(from: i32, to: i32) -> Vec<Vec<i32>> {
    let ids: Vec<i32> = (from.min(to)..=from.max(to)).collect();
    ids.chunks(PURGE_BATCH).map(<[i32]>::to_vec).collect()
}

fn message_text(message: &Message) -> String {
    message
        .text()
        .or(message.caption())
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

/// The channel a replied-to post was made as (not the group itself posting as anonymous admin).
fn replied_channel(message: &Message) -> Option<Subject> {
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
async fn subject<'a>(
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
async fn protected(
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

fn excerpt_of_reply(message: &Message) -> String {
    message
        .reply_to_message()
        .map(message_text)
        .unwrap_or_default()
}

fn entry<'a>(
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

fn until(now: i64, duration: Option<std::time::Duration>) -> Option<chrono::DateTime<chrono::Utc>> {
    duration.and_then(|d| chrono::DateTime::from_timestamp(now + d.as_secs() as i64, 0))
}

/// Bans a member (until a time, or for good) or a channel; the call is watched for its outcome.
fn ban(
    ctx: &Ctx,
    chat_id: i64,
    subject: &Subject,
    until_date: Option<chrono::DateTime<chrono::Utc>>,
    log_id: i64,
) {
    let chat = ChatId(chat_id);
    if subject.channel {
        let channel = ChatId(subject.id);
        let pending = ctx
            .outbound
            .immediate_in(chat.0, "banChatSenderChat", move |bot| {
                bot.ban_chat_sender_chat(chat, channel).send().boxed()
            });
        log::watch(ctx, log_id, pending);
        return;
    }
    let user = UserId(subject.id as u64);
    let pending = ctx
        .outbound
        .immediate_in(chat.0, "banChatMember", move |bot| {
            let mut request = bot.ban_chat_member(chat, user);
            if let Some(date) = until_date {
                request = request.until_date(date);
            }
            request.send().boxed()
        });
    log::watch(ctx, log_id, pending);
}

/// Lifts a ban on a member (only if banned, so a present member is never removed) or a channel.
pub(super) fn unban(
    ctx: &Ctx,
    chat_id: i64,
    user_id: i64,
    channel: bool,
) -> crate::telegram::outbound::Pending<teloxide::types::True> {
    let chat = ChatId(chat_id);
    if channel {
        let channel = ChatId(user_id);
        return ctx
            .outbound
            .immediate_in(chat.0, "unbanChatSenderChat", move |bot| {
                bot.unban_chat_sender_chat(chat, channel).send().boxed()
            });
    }
    let user = UserId(user_id as u64);
    ctx.outbound.unban(chat.0, user.0)
}

/// Handles one of this file's commands.
pub(super) async fn on_command(ctx: Ctx, message: Message, command: AdminCommand) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    if message.chat.is_private() {
        ctx.reply(&message, ctx.t(lang, "group-only"));
        return Ok(());
    }
    if let Some(right) = command.right() {
        if !super::permitted(&ctx, &message, right, lang).await? {
            return Ok(());
        }
    }
    let chat_id = message.chat.id.0;
    if let Some(lacks) = ctx.bot_lacks(chat_id, command.bot_needs(), lang).await? {
        ctx.reply(&message, lacks);
        return Ok(());
    }
    let name = command.name();
    let html = match command {
        AdminCommand::Ban(args) => ban_command(&ctx, &message, &args, lang, name).await?,
        AdminCommand::Kick(args) => kick_command(&ctx, &message, &args, lang, name).await?,
        AdminCommand::Mute(args) => mute_command(&ctx, &message, &args, lang, name).await?,
        AdminCommand::Warn(args) => warn_command(&ctx, &message, &args, lang, name).await?,
        AdminCommand::Spam(args) => spam_command(&ctx, &message, &args, lang, name).await?,
        AdminCommand::Unban(args) => unban_command(&ctx, &message, &args, lang, name).await?,
        AdminCommand::Unmute(args) => unmute_command(&ctx, &message, &args, lang, name).await?,
        AdminCommand::Unwarn(args) => unwarn_command(&ctx, &message, &args, lang, name).await?,
        AdminCommand::Warns(args) => warns_command(&ctx, &message, &args, lang, name).await?,
        AdminCommand::Approve(args) => {
            approve_command(&ctx, &message, &args, lang, name, true).await?
        }
        AdminCommand::Unapprove(args) => {
            approve_command(&ctx, &message, &args, lang, name, false).await?
        }
        AdminCommand::Del(reason) => del_command(&ctx, &message, reason.trim(), lang).await?,
        AdminCommand::Purge(reason) => purge_command(&ctx, &message, reason.trim(), lang).await?,
        AdminCommand::Report(reason) => report_command(&ctx, &message, reason.trim(), lang).await?,
        AdminCommand::Modlog(args) => modlog_command(&ctx, &message, &args, lang).await?,
        AdminCommand::Setlog(args) => setlog_command(&ctx, &message, &args, lang).await?,
    };
    if let Some(html) = html {
        for piece in crate::telegram::text::split(&html, crate::telegram::text::MAX_TEXT) {
            ctx.reply_html(&message, piece);
        }
    }
    Ok(())
}

type Answer = crate::Result<Option<String>>;

/// Resolves and guards the subject of a punishing command; `Err(html)` is the refusal to send.
async fn punishable<'a>(
    ctx: &Ctx,
    message: &Message,
    args: &'a str,
    lang: Lang,
    command: &str,
) -> crate::Result<Result<(Subject, &'a str), String>> {
    let (subject, rest) = match subject(ctx, message, args, lang, command).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Err(escape(&refusal))),
    };
    if let Some(refusal) = protected(ctx, message.chat.id.0, &subject, lang).await? {
        return Ok(Err(escape(&refusal)));
    }
    Ok(Ok((subject, rest)))
}

async fn ban_command(ctx: &Ctx, message: &Message, args: &str, lang: Lang, name: &str) -> Answer {
    let (subject, rest) = match punishable(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(refusal)),
    };
    let Ok((duration, reason)) = split_duration(rest) else {
        return Ok(Some(escape(&ctx.t(lang, "moderation-duration-range"))));
    };
    let now = ctx.now();
    let action = match duration.filter(|_| !subject.channel) {
        Some(d) => format!("ban {}", crate::args::format_duration(d)),
        None => "ban".to_string(),
    };
    let excerpt = excerpt_of_reply(message);
    let id = log::record(
        ctx,
        &entry(message, &subject, &action, reason, &excerpt, now),
    )
    .await?;
    ban(
        ctx,
        message.chat.id.0,
        &subject,
        until(now, duration.filter(|_| !subject.channel)),
        id,
    );
    let mut html = ctx.ta(
        lang,
        "moderation-banned",
        &fargs! {"target" => subject.mention(), "action" => escape(&action)},
    );
    push_reason(&mut html, reason);
    Ok(Some(html))
}

fn push_reason(html: &mut String, reason: &str) {
    if !reason.is_empty() {
        html.push_str(&format!(" — {}", escape(reason)));
    }
}

async fn kick_command(ctx: &Ctx, message: &Message, args: &str, lang: Lang, name: &str) -> Answer {
    let (subject, reason) = match punishable(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(refusal)),
    };
    if subject.channel {
        return Ok(Some(escape(&ctx.t(lang, "moderation-channel-ban-only"))));
    }
    let excerpt = excerpt_of_reply(message);
    let id = log::record(
        ctx,
        &entry(message, &subject, "kick", reason, &excerpt, ctx.now()),
    )
    .await?;
    let chat = ChatId(message.chat.id.0);
    let user = UserId(subject.id as u64);
    let banned = ctx
        .outbound
        .immediate_in(chat.0, "banChatMember", move |bot| {
            bot.ban_chat_member(chat, user).send().boxed()
        });
    let task_ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        if banned.wait().await.is_ok() {
            let lifted = unban(&task_ctx, chat.0, user.0 as i64, false);
            log::watch(&task_ctx, id, lifted);
        } else if let Ok(mut conn) = task_ctx.storage.write.acquire().await {
            let _ = store::mark_failed(&mut conn, id).await;
        }
    });
    let mut html = ctx.ta(
        lang,
        "moderation-kicked",
        &fargs! {"target" => subject.mention()},
    );
    push_reason(&mut html, reason);
    Ok(Some(html))
}

async fn mute_command(ctx: &Ctx, message: &Message, args: &str, lang: Lang, name: &str) -> Answer {
    let (subject, rest) = match punishable(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(refusal)),
    };
    if subject.channel {
        return Ok(Some(escape(&ctx.t(lang, "moderation-channel-ban-only"))));
    }
    let Ok((duration, reason)) = split_duration(rest) else {
        return Ok(Some(escape(&ctx.t(lang, "moderation-duration-range"))));
    };
    let now = ctx.now();
    let action = match duration {
        Some(d) => format!("mute {}", crate::args::format_duration(d)),
        None => "mute".to_string(),
    };
    let excerpt = excerpt_of_reply(message);
    let id = log::record(
        ctx,
        &entry(message, &subject, &action, reason, &excerpt, now),
    )
    .await?;
    let chat = ChatId(message.chat.id.0);
    let user = UserId(subject.id as u64);
    let until_date = until(now, duration);
    let pending = ctx
        .outbound
        .immediate_in(chat.0, "restrictChatMember", move |bot| {
            let mut request = bot.restrict_chat_member(chat, user, ChatPermissions::empty());
            if let Some(date) = until_date {
                request = request.until_date(date);
            }
            request.send().boxed()
        });
    log::watch(ctx, id, pending);
    let shown = match duration {
        Some(d) => crate::args::format_duration(d),
        None => ctx.t(lang, "moderation-forever"),
    };
    let mut html = ctx.ta(
        lang,
        "moderation-muted",
        &fargs! {"target" => subject.mention(), "duration" => escape(&shown)},
    );
    push_reason(&mut html, reason);
    Ok(Some(html))
}

async fn warn_command(ctx: &Ctx, message: &Message, args: &str, lang: Lang, name: &str) -> Answer {
    let (subject, reason) = match punishable(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(refusal)),
    };
    if subject.channel {
        return Ok(Some(escape(&ctx.t(lang, "moderation-channel-ban-only"))));
    }
    let settings = &ctx.config.moderation;
    let now = ctx.now();
    let excerpt = excerpt_of_reply(message);
    let mut warning = entry(message, &subject, "warn", reason, &excerpt, now);
    warning.expires_at = now + settings.violation_ttl.get().as_secs() as i64;
    log::record(ctx, &warning).await?;
    let live = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::live_violations(&mut conn, message.chat.id.0, subject.id, now).await?
    };
    let mut html = ctx.ta(
        lang,
        "moderation-warned",
        &fargs! {"target" => subject.mention(), "count" => live, "limit" => settings.warn_limit},
    );
    push_reason(&mut html, reason);
    if settings.warn_limit > 0 && live >= settings.warn_limit {
        if let Some(lacks) = ctx
            .bot_lacks(message.chat.id.0, &[Right::Restrict], lang)
            .await?
        {
            html.push('\n');
            html.push_str(&escape(&lacks));
            return Ok(Some(html));
        }
        let id = log::record(
            ctx,
            &entry(message, &subject, "ban", "warn limit", &excerpt, now),
        )
        .await?;
        ban(ctx, message.chat.id.0, &subject, None, id);
        html.push('\n');
        html.push_str(&ctx.ta(
            lang,
            "moderation-warn-limit",
            &fargs! {"target" => subject.mention()},
        ));
    }
    Ok(Some(html))
}

async fn spam_command(ctx: &Ctx, message: &Message, args: &str, lang: Lang, name: &str) -> Answer {
    let Some(replied) = message.reply_to_message() else {
        return Ok(Some(escape(&ctx.t(lang, "moderation-spam-usage"))));
    };
    let (subject, _) = match punishable(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(refusal)),
    };
    let text = message_text(replied);
    ctx.outbound.delete(message.chat.id.0, replied.id);
    let id = log::record(
        ctx,
        &entry(message, &subject, "ban", "spam", &text, ctx.now()),
    )
    .await?;
    ban(ctx, message.chat.id.0, &subject, None, id);
    let by = message.from.as_ref().map(|u| u.id.0 as i64);
    log::learn(ctx, message.chat.id.0, &text, Label::Spam, "spam", by).await?;
    Ok(Some(ctx.ta(
        lang,
        "moderation-spammed",
        &fargs! {"target" => subject.mention()},
    )))
}

/// Records a reversal of `original` (if there is one) and marks the original undone; an automatic action
/// undone by an admin teaches the classifier ham.
async fn reverse(
    ctx: &Ctx,
    message: &Message,
    subject: &Subject,
    action: &str,
    original: Option<store::LogRow>,
) -> crate::Result<()> {
    let now = ctx.now();
    let by = message.from.as_ref().map_or(0, |u| u.id.0 as i64);
    if let Some(original) = &original {
        let mut conn = ctx.storage.write.acquire().await?;
        store::undo_violation(&mut conn, original.id, by, now).await?;
    }
    let mut reversal = entry(message, subject, action, "", "", now);
    reversal.reverses_id = original.as_ref().map(|o| o.id);
    log::record(ctx, &reversal).await?;
    if let Some(original) = original.filter(|o| o.actor_id.is_none()) {
        log::learn(
            ctx,
            message.chat.id.0,
            &original.excerpt,
            Label::Ham,
            action,
            Some(by),
        )
        .await?;
    }
    Ok(())
}

async fn unban_command(ctx: &Ctx, message: &Message, args: &str, lang: Lang, name: &str) -> Answer {
    let (subject, _) = match subject(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(escape(&refusal))),
    };
    let original = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::latest_reversible(&mut conn, message.chat.id.0, subject.id, "ban").await?
    };
    unban(ctx, message.chat.id.0, subject.id, subject.channel);
    reverse(ctx, message, &subject, "unban", original).await?;
    Ok(Some(ctx.ta(
        lang,
        "moderation-unbanned",
        &fargs! {"target" => subject.mention()},
    )))
}

async fn unmute_command(
    ctx: &Ctx,
    message: &Message,
    args: &str,
    lang: Lang,
    name: &str,
) -> Answer {
    let (subject, _) = match subject(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(escape(&refusal))),
    };
    if subject.channel {
        return Ok(Some(escape(&ctx.t(lang, "moderation-channel-ban-only"))));
    }
    let original = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::latest_reversible(&mut conn, message.chat.id.0, subject.id, "mute").await?
    };
    let chat = ChatId(message.chat.id.0);
    let user = UserId(subject.id as u64);
    ctx.outbound
        .immediate_in(chat.0, "restrictChatMember", move |bot| {
            bot.restrict_chat_member(chat, user, ChatPermissions::all())
                .send()
                .boxed()
        });
    reverse(ctx, message, &subject, "unmute", original).await?;
    Ok(Some(ctx.ta(
        lang,
        "moderation-unmuted",
        &fargs! {"target" => subject.mention()},
    )))
}

async fn unwarn_command(
    ctx: &Ctx,
    message: &Message,
    args: &str,
    lang: Lang,
    name: &str,
) -> Answer {
    let (subject, _) = match subject(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(escape(&refusal))),
    };
    let now = ctx.now();
    let latest = {
        let mut conn = ctx.storage.read.acquire().await?;
        match store::latest_live(&mut conn, message.chat.id.0, subject.id, now).await? {
            Some(id) => store::log_row(&mut conn, id).await?,
            None => None,
        }
    };
    if latest.is_none() {
        return Ok(Some(ctx.ta(
            lang,
            "moderation-warns-none",
            &fargs! {"target" => subject.mention()},
        )));
    }
    reverse(ctx, message, &subject, "unwarn", latest).await?;
    let live = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::live_violations(&mut conn, message.chat.id.0, subject.id, now).await?
    };
    Ok(Some(ctx.ta(
        lang,
        "moderation-unwarned",
        &fargs! {"target" => subject.mention(), "count" => live},
    )))
}

async fn warns_command(ctx: &Ctx, message: &Message, args: &str, lang: Lang, name: &str) -> Answer {
    let (subject, _) = match subject(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(escape(&refusal))),
    };
    let live = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::live_violations(&mut conn, message.chat.id.0, subject.id, ctx.now()).await?
    };
    Ok(Some(ctx.ta(
        lang,
        "moderation-warns-count",
        &fargs! {"target" => subject.mention(), "count" => live, "limit" => ctx.config.moderation.warn_limit},
    )))
}

async fn approve_command(
    ctx: &Ctx,
    message: &Message,
    args: &str,
    lang: Lang,
    name: &str,
    approve: bool,
) -> Answer {
    let (subject, _) = match subject(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(escape(&refusal))),
    };
    if subject.id == ctx.me.id.0 as i64 {
        return Ok(Some(escape(&ctx.t(lang, "moderation-target-bot"))));
    }
    let chat_id = message.chat.id.0;
    let by = message.from.as_ref().map_or(0, |u| u.id.0 as i64);
    let now = ctx.now();
    let changed = {
        let mut conn = ctx.storage.write.acquire().await?;
        if approve {
            store::approve(&mut conn, chat_id, subject.id, by, now).await?
        } else {
            store::unapprove(&mut conn, chat_id, subject.id).await?
        }
    };
    let id = match (approve, changed) {
        (true, true) => "moderation-approved",
        (true, false) => "moderation-approved-already",
        (false, true) => "moderation-unapproved",
        (false, false) => "moderation-unapproved-already",
    };
    if changed {
        let action = if approve { "approve" } else { "unapprove" };
        log::record(ctx, &entry(message, &subject, action, "", "", now)).await?;
    }
    Ok(Some(ctx.ta(
        lang,
        id,
        &fargs! {"target" => subject.mention()},
    )))
}

async fn del_command(ctx: &Ctx, message: &Message, reason: &str, lang: Lang) -> Answer {
    let Some(replied) = message.reply_to_message() else {
        return Ok(Some(escape(&ctx.t(lang, "moderation-del-usage"))));
    };
    let chat_id = message.chat.id.0;
    ctx.outbound.delete(chat_id, replied.id);
    ctx.outbound.delete(chat_id, message.id);
    let subject = match replied_channel(message) {
        Some(channel) => channel,
        None => Subject {
            id: replied.from.as_ref().map_or(0, |u| u.id.0 as i64),
            name: replied.from.as_ref().map(full_name).unwrap_or_default(),
            channel: false,
        },
    };
    let excerpt = message_text(replied);
    log::record(
        ctx,
        &entry(message, &subject, "delete", reason, &excerpt, ctx.now()),
    )
    .await?;
    Ok(None)
}

async fn purge_command(ctx: &Ctx, message: &Message, reason: &str, lang: Lang) -> Answer {
    let Some(replied) = message.reply_to_message() else {
        return Ok(Some(escape(&ctx.t(lang, "moderation-purge-usage"))));
    };
    let now = ctx.now();
    if now - replied.date.timestamp() > PURGE_WINDOW_SECS {
        return Ok(Some(escape(&ctx.t(lang, "moderation-purge-too-old"))));
    }
    if message.id.0 - replied.id.0 >= PURGE_MAX {
        return Ok(Some(escape(&ctx.ta(
            lang,
            "moderation-purge-too-many",
            &fargs! {"max" => PURGE_MAX},
        ))));
    }
    let chat = ChatId(message.chat.id.0);
    let batches = purge_batches(replied.id.0, message.id.0);
    let count: usize = batches.iter().map(Vec::len).sum();
    for batch in batches {
        let ids: Vec<MessageId> = batch.into_iter().map(MessageId).collect();
        ctx.outbound
            .immediate_in(chat.0, "deleteMessages", move |bot| {
                bot.delete_messages(chat, ids.clone()).send().boxed()
            });
    }
    let subject = Subject {
        id: message.chat.id.0,
        name: String::new(),
        channel: true,
    };
    let action = format!("purge {count}");
    log::record(ctx, &entry(message, &subject, &action, reason, "", now)).await?;
    ctx.outbound.send_text(Text::plain(
        chat.0,
        ctx.ta(lang, "moderation-purged", &fargs! {"count" => count}),
    ));
    Ok(None)
}

async fn report_command(ctx: &Ctx, message: &Message, reason: &str, lang: Lang) -> Answer {
    let Some(replied) = message.reply_to_message() else {
        return Ok(Some(escape(&ctx.t(lang, "moderation-report-usage"))));
    };
    let chat_id = message.chat.id.0;
    let reported = replied_channel(message)
        .map(|c| c.id)
        .or(replied.from.as_ref().map(|u| u.id.0 as i64));
    let Some(reported) = reported else {
        return Ok(Some(escape(&ctx.t(lang, "moderation-report-usage"))));
    };
    if reported == ctx.me.id.0 as i64
        || (reported > 0 && ctx.admins.is_admin(chat_id, reported as u64).await?)
    {
        return Ok(Some(escape(&ctx.t(lang, "moderation-report-admin"))));
    }
    let reporter = message.from.as_ref().map_or(0, |u| u.id.0 as i64);
    let excerpt = message_text(replied);
    let report_id = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::add_report(
            &mut conn,
            chat_id,
            replied.id.0,
            reported,
            reporter,
            &excerpt,
            ctx.now(),
        )
        .await?
    };
    let Some(report_id) = report_id else {
        return Ok(Some(escape(&ctx.t(lang, "moderation-report-already"))));
    };
    let admins = ctx.admins.admins(chat_id).await?;
    let mut tags = String::new();
    for admin in admins.keys().filter(|id| **id != ctx.me.id.0).take(20) {
        tags.push_str(&format!("<a href=\"tg://user?id={admin}\">\u{200b}</a>"));
    }
    let html = format!(
        "{}{tags}",
        ctx.ta(
            lang,
            "moderation-report-posted",
            &fargs! {
                "reporter" => message.from.as_ref().map(|u| mention_html(reporter, &full_name(u))).unwrap_or_default(),
                "excerpt" => escape(&excerpt.chars().take(100).collect::<String>()),
            },
        )
    );
    let html = if reason.is_empty() {
        html
    } else {
        format!("{html}\n{}", escape(reason))
    };
    let markup = InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::callback(
            ctx.t(lang, "moderation-button-report-delete"),
            format!("{CALLBACK_PREFIX}rdel:{report_id}"),
        ),
        InlineKeyboardButton::callback(
            ctx.t(lang, "moderation-button-report-ban"),
            format!("{CALLBACK_PREFIX}rban:{report_id}"),
        ),
        InlineKeyboardButton::callback(
            ctx.t(lang, "moderation-button-report-dismiss"),
            format!("{CALLBACK_PREFIX}rok:{report_id}"),
        ),
    ]]);
    ctx.outbound
        .send_text(Text::html(chat_id, html).reply_to(replied).markup(markup));
    Ok(None)
}

/// Whether button data belongs to a report.
pub(super) fn is_report_button(verb: &str) -> bool {
    matches!(verb, "rdel" | "rban" | "rok")
}

/// An admin's decision on a report: delete the message, ban its author (both teach the classifier spam),
/// or dismiss it.
pub(super) async fn on_report_button(
    ctx: &Ctx,
    query: &CallbackQuery,
    verb: &str,
    id: &str,
    lang: Lang,
) -> HandlerResult {
    let report = match id.parse::<i64>() {
        Ok(id) => {
            let mut conn = ctx.storage.read.acquire().await?;
            store::get_report(&mut conn, id).await?
        }
        Err(_) => None,
    };
    let Some(report) = report.filter(|r| {
        query
            .message
            .as_ref()
            .is_none_or(|m| m.chat().id.0 == r.chat_id)
    }) else {
        super::answer(ctx, query, ctx.t(lang, "moderation-button-unknown"));
        return Ok(());
    };
    let needed = if verb == "rdel" {
        Right::Delete
    } else {
        Right::Restrict
    };
    let rights = ctx.admins.rights(report.chat_id, query.from.id.0).await?;
    if !rights.is_some_and(|r| r.has(needed)) {
        super::answer(ctx, query, ctx.t(lang, "moderation-report-admins-only"));
        return Ok(());
    }
    let status = match verb {
        "rdel" => "deleted",
        "rban" => "banned",
        _ => "dismissed",
    };
    let by = query.from.id.0 as i64;
    let now = ctx.now();
    let first = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::decide_report(&mut conn, report.id, status, by, now).await?
    };
    if !first {
        super::answer(ctx, query, ctx.t(lang, "moderation-report-decided"));
        return Ok(());
    }
    let channel = report.reported_user_id < 0;
    let subject = Subject {
        id: report.reported_user_id,
        name: String::new(),
        channel,
    };
    if status != "dismissed" {
        ctx.outbound
            .delete(report.chat_id, MessageId(report.message_id as i32));
        let action = if status == "banned" { "ban" } else { "delete" };
        let log_id = log::record(
            ctx,
            &store::LogEntry {
                chat_id: report.chat_id,
                user_id: report.reported_user_id,
                is_channel: channel,
                rule: "report",
                detail: "",
                action,
                excerpt: &report.excerpt,
                actor_id: Some(by),
                reverses_id: None,
                at: now,
                expires_at: now,
            },
        )
        .await?;
        if status == "banned" {
            ban(ctx, report.chat_id, &subject, None, log_id);
        }
        log::learn(
            ctx,
            report.chat_id,
            &report.excerpt,
            Label::Spam,
            "report",
            Some(by),
        )
        .await?;
    }
    super::answer(ctx, query, ctx.t(lang, "moderation-report-done"));
    if let Some(message) = &query.message {
        let text = ctx.ta(
            lang,
            &format!("moderation-report-{status}"),
            &fargs! {"admin" => mention_html(by, &full_name(&query.from))},
        );
        ctx.outbound
            .edit_text(report.chat_id, message.id(), text, true, None);
    }
    Ok(())
}

async fn modlog_command(ctx: &Ctx, message: &Message, args: &str, lang: Lang) -> Answer {
    let args = args.trim();
    let count = if args.is_empty() {
        10
    } else {
        match args.parse::<i64>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => return Ok(Some(escape(&ctx.t(lang, "moderation-modlog-usage")))),
        }
    };
    let chat_id = message.chat.id.0;
    let now = ctx.now();
    let (rows, stats) = {
        let mut conn = ctx.storage.read.acquire().await?;
        (
            store::recent_log(&mut conn, chat_id, count).await?,
            store::rule_stats(&mut conn, chat_id, now - STATS_WINDOW_SECS).await?,
        )
    };
    let mut html = format!(
        "<b>{}</b>\n",
        escape(&ctx.t(lang, "moderation-modlog-title"))
    );
    if rows.is_empty() {
        html.push_str(&escape(&ctx.t(lang, "moderation-modlog-empty")));
        html.push('\n');
    }
    for row in &rows {
        let actor = match row.actor_id {
            Some(admin) => admin.to_string(),
            None => ctx.t(lang, "moderation-log-automatic"),
        };
        let mut line = format!(
            "#{} {} · {} · {} · {}",
            row.id,
            log::action_name(ctx, lang, &row.action),
            row.user_id,
            actor,
            log::rule_name(ctx, lang, &row.rule)
        );
        if !row.detail.is_empty() {
            line.push_str(&format!(" ({})", row.detail));
        }
        if let Some(reversed) = row.reverses_id {
            line.push_str(&format!(" ↩ #{reversed}"));
        }
        if row.undone_by.is_some() {
            line.push_str(&format!(" · {}", ctx.t(lang, "moderation-modlog-undone")));
        }
        if row.outcome != "done" {
            line.push_str(&format!(
                " · {}",
                log::outcome_name(ctx, lang, &row.outcome)
            ));
        }
        if !row.excerpt.is_empty() {
            line.push_str(&format!(
                " — {}",
                row.excerpt.chars().take(40).collect::<String>()
            ));
        }
        html.push_str(&escape(&line));
        html.push('\n');
    }
    html.push_str(&format!(
        "\n<b>{}</b>\n",
        escape(&ctx.t(lang, "moderation-modlog-rules"))
    ));
    if stats.is_empty() {
        html.push_str(&escape(&ctx.t(lang, "moderation-modlog-empty")));
    }
    for (rule, hits, undos) in stats {
        html.push_str(&escape(&ctx.ta(
            lang,
            "moderation-modlog-rule",
            &fargs! {"rule" => log::rule_name(ctx, lang, &rule), "hits" => hits, "undos" => undos, "percent" => undos * 100 / hits.max(1)},
        )));
        html.push('\n');
    }
    Ok(Some(html))
}

async fn setlog_command(ctx: &Ctx, message: &Message, args: &str, lang: Lang) -> Answer {
    let chat_id = message.chat.id.0;
    let by = message.from.as_ref().map_or(0, |u| u.id.0 as i64);
    let Some(spec) = parse_channel(args) else {
        return Ok(Some(escape(&ctx.t(lang, "moderation-setlog-usage"))));
    };
    if spec == ChannelSpec::Id(chat_id) {
        return Ok(Some(escape(&ctx.t(lang, "moderation-setlog-usage"))));
    }
    if spec == ChannelSpec::Off {
        let mut conn = ctx.storage.write.acquire().await?;
        store::set_log_channel(&mut conn, chat_id, None, by, ctx.now()).await?;
        return Ok(Some(escape(&ctx.t(lang, "moderation-setlog-off"))));
    }
    // Finding the channel and posting a test line wait on Telegram (the post on the send budget): that
    // happens beside the shard, which goes on with the group's next update; the answer follows.
    let (ctx, message) = (ctx.clone(), message.clone());
    ctx.tasks.clone().spawn(async move {
        let answer = confirm_log_channel(&ctx, chat_id, by, spec, lang).await;
        match answer {
            Ok(html) => {
                ctx.reply_html(&message, html);
            }
            Err(err) => tracing::warn!(%err, chat_id, "could not set the log channel"),
        }
    });
    Ok(None)
}

/// Finds a log channel, checks that the bot can post there with a test line, and stores it; returns the
/// answer for the admin.
async fn confirm_log_channel(
    ctx: &Ctx,
    chat_id: i64,
    by: i64,
    spec: ChannelSpec,
    lang: Lang,
) -> crate::Result<String> {
    let cannot_post = || escape(&ctx.t(lang, "moderation-setlog-cannot-post"));
    let channel_id = match spec {
        ChannelSpec::Off => return Ok(escape(&ctx.t(lang, "moderation-setlog-off"))),
        ChannelSpec::Id(id) => id,
        ChannelSpec::Name(name) => {
            let found = ctx
                .outbound
                .immediate("getChat", move |bot| {
                    bot.get_chat(Recipient::ChannelUsername(format!("@{name}")))
                        .send()
                        .boxed()
                })
                .wait()
                .await;
            match found {
                Ok(chat) if chat.id.0 != chat_id => chat.id.0,
                Ok(_) => return Ok(escape(&ctx.t(lang, "moderation-setlog-usage"))),
                Err(_) => return Ok(cannot_post()),
            }
        }
    };
    let test_line = ctx.ta(lang, "moderation-setlog-test", &fargs! {"group" => chat_id});
    if ctx
        .outbound
        .send_text(Text::plain(channel_id, test_line))
        .wait()
        .await
        .is_err()
    {
        return Ok(cannot_post());
    }
    let mut conn = ctx.storage.write.acquire().await?;
    store::set_log_channel(&mut conn, chat_id, Some(channel_id), by, ctx.now()).await?;
    Ok(escape(&ctx.ta(
        lang,
        "moderation-setlog-done",
        &fargs! {"channel" => channel_id},
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations_lead_and_reasons_follow() {
        assert_eq!(
            split_duration("2h spamming links"),
            Ok((Some(Duration::from_secs(7200)), "spamming links"))
        );
        assert_eq!(
            split_duration("3d"),
            Ok((Some(Duration::from_secs(3 * 86_400)), ""))
        );
        assert_eq!(
            split_duration("spamming links"),
            Ok((None, "spamming links"))
        );
        assert_eq!(split_duration(""), Ok((None, "")));
        assert_eq!(
            split_duration("10 flooding"),
            Err(crate::args::ArgError::RestrictionRange),
            "ten seconds would be forever"
        );
        assert_eq!(
            split_duration("0"),
            Err(crate::args::ArgError::RestrictionRange)
        );
        assert_eq!(
            split_duration("400d"),
            Err(crate::args::ArgError::RestrictionRange)
        );
    }

    #[test]
    fn log_channels_parse_ids_names_and_off() {
        assert_eq!(parse_channel("-1001234"), Some(ChannelSpec::Id(-1001234)));
        assert_eq!(
            parse_channel("@mod_log"),
            Some(ChannelSpec::Name("mod_log".into()))
        );
        assert_eq!(parse_channel("OFF"), Some(ChannelSpec::Off));
        assert_eq!(parse_channel("1234"), None, "users are not channels");
        assert_eq!(parse_channel("@x"), None);
        assert_eq!(parse_channel(""), None);
    }

    #[test]
    fn purge_batches_hold_at_most_one_hundred_ids() {
        let batches = purge_batches(10, 260);
        assert_eq!(batches.len(), 3);
        assert_eq!(batches[0].len(), 100);
        assert_eq!(batches[2].len(), 51);
        assert_eq!(batches[0][0], 10);
        assert_eq!(*batches[2].last().unwrap(), 260);
        assert_eq!(purge_batches(5, 5), vec![vec![5]]);
    }
}
