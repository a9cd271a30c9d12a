//! An admin punishes or pardons a member (or a channel that posted): `/ban`, `/kick`, `/mute`, `/warn`,
//! `/spam`, and their reversals `/unban`, `/unmute`, `/unwarn`, with `/warns` to count a member's warnings.

use super::detection;
use super::store::LayerLabel;
use super::subject::{entry, excerpt_of_reply, message_text, protected, subject, Answer, Subject};
use super::{log, store};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Call, Ctx};
use crate::telegram::admins::Right;
use crate::telegram::text::escape;
use teloxide::prelude::*;
use teloxide::types::ChatPermissions;

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
        Err(err) if crate::args::looks_like_duration(word) => Err(err),
        _ => Ok((None, text)),
    }
}

/// Why a mute or ban length was refused: one Telegram would make forever, or a word that looks like a
/// length but cannot be read.
fn duration_refusal(call: &Call<'_>, err: &crate::args::ArgError) -> String {
    match err {
        crate::args::ArgError::BadDuration(word) => call.ta(
            "moderation-duration-unreadable",
            &fargs! {"word" => escape(word)},
        ),
        _ => call.t_html("moderation-duration-range"),
    }
}

fn until(now: i64, duration: Option<std::time::Duration>) -> Option<chrono::DateTime<chrono::Utc>> {
    duration.and_then(|d| chrono::DateTime::from_timestamp(now + d.as_secs() as i64, 0))
}

/// Bans a member (until a time, or for good) or a channel; the call is watched for its outcome. A member's
/// ban spreads to the group's sets that share bans (see [`super::shared_bans`]).
pub(super) fn ban(
    ctx: &Ctx,
    chat_id: i64,
    subject: &Subject,
    until_date: Option<chrono::DateTime<chrono::Utc>>,
    log_id: i64,
) {
    let pending = if subject.channel {
        ctx.outbound.ban_sender_chat(chat_id, subject.id)
    } else {
        super::shared_bans::spread(ctx, chat_id, subject.id, until_date, log_id);
        ctx.outbound.ban(chat_id, subject.id, until_date)
    };
    log::watch(ctx, log_id, pending);
}

/// Lifts a ban on a member (only if banned, so a present member is never removed) or a channel.
fn unban(ctx: &Ctx, chat_id: i64, subject: &Subject) {
    if subject.channel {
        ctx.outbound.unban_sender_chat(chat_id, subject.id);
    } else {
        ctx.outbound.unban(chat_id, subject.id as u64);
    }
}

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

/// Says a member is banned (by the moderation log: a ban not lifted since), for the commands that make no
/// sense on them (`/mute`, `/unmute`); `None` when they are not.
async fn banned_refusal(
    ctx: &Ctx,
    message: &Message,
    subject: &Subject,
    lang: Lang,
) -> crate::Result<Option<String>> {
    let standing = {
        let mut conn = ctx.storage.read.acquire().await?;
        crate::facts::standing::exclusions(
            &mut conn,
            message.chat.id.0,
            &[subject.id],
            0,
            ctx.now(),
        )
        .await?
    };
    let banned = standing
        .iter()
        .any(|(_, why)| *why == crate::facts::standing::Exclusion::Banned);
    Ok(banned.then(|| {
        ctx.ta(
            lang,
            "moderation-target-banned",
            &fargs! {"target" => subject.mention()},
        )
    }))
}

pub(super) async fn ban_command(call: &Call<'_>, args: &str, name: &str) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let (subject, rest) = match punishable(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(refusal)),
    };
    let (duration, reason) = match split_duration(rest) {
        Ok(found) => found,
        Err(err) => return Ok(Some(duration_refusal(call, &err))),
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
    let mut html = match duration.filter(|_| !subject.channel) {
        Some(d) => ctx.ta(
            lang,
            "moderation-banned-for",
            &fargs! {"target" => subject.mention(), "duration" => escape(&ctx.duration(lang, d))},
        ),
        None => ctx.ta(
            lang,
            "moderation-banned",
            &fargs! {"target" => subject.mention()},
        ),
    };
    push_reason(&mut html, reason);
    Ok(Some(html))
}

fn push_reason(html: &mut String, reason: &str) {
    if !reason.is_empty() {
        html.push_str(&format!(" — {}", escape(reason)));
    }
}

pub(super) async fn kick_command(call: &Call<'_>, args: &str, name: &str) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let (subject, reason) = match punishable(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(refusal)),
    };
    if subject.channel {
        return Ok(Some(ctx.t_html(lang, "moderation-channel-ban-only")));
    }
    let excerpt = excerpt_of_reply(message);
    let id = log::record(
        ctx,
        &entry(message, &subject, "kick", reason, &excerpt, ctx.now()),
    )
    .await?;
    let (chat_id, user_id) = (message.chat.id.0, subject.id);
    let banned = ctx.outbound.ban(chat_id, user_id, None);
    let task_ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        if banned.wait().await.is_ok() {
            let lifted = task_ctx.outbound.unban(chat_id, user_id as u64);
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

pub(super) async fn mute_command(call: &Call<'_>, args: &str, name: &str) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let (subject, rest) = match punishable(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(refusal)),
    };
    if subject.channel {
        return Ok(Some(ctx.t_html(lang, "moderation-channel-ban-only")));
    }
    if let Some(refusal) = banned_refusal(ctx, message, &subject, lang).await? {
        return Ok(Some(refusal));
    }
    let (duration, reason) = match split_duration(rest) {
        Ok(found) => found,
        Err(err) => return Ok(Some(duration_refusal(call, &err))),
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
    let pending = ctx
        .outbound
        .mute(message.chat.id.0, subject.id, until(now, duration));
    log::watch(ctx, id, pending);
    let mut html = match duration {
        Some(d) => ctx.ta(
            lang,
            "moderation-muted",
            &fargs! {"target" => subject.mention(), "duration" => escape(&ctx.duration(lang, d))},
        ),
        None => ctx.ta(
            lang,
            "moderation-muted-forever",
            &fargs! {"target" => subject.mention()},
        ),
    };
    push_reason(&mut html, reason);
    Ok(Some(html))
}

pub(super) async fn warn_command(call: &Call<'_>, args: &str, name: &str) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let (subject, reason) = match punishable(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(refusal)),
    };
    if subject.channel {
        return Ok(Some(ctx.t_html(lang, "moderation-channel-ban-only")));
    }
    let settings = &ctx.config.moderation;
    let now = ctx.now();
    let excerpt = excerpt_of_reply(message);
    let mut warning = entry(message, &subject, "warn", reason, &excerpt, now);
    warning.expires_at = now + settings.violation_ttl.get().as_secs() as i64;
    // The limit counts the admins' warnings only; automatic removals climb the ladder apart. Whether
    // this warning reaches it is known before the write, so the bot's rights are asked outside the
    // transaction.
    let chat_id = message.chat.id.0;
    let (live_before, _) = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::live_warnings_apart(&mut conn, chat_id, subject.id, now).await?
    };
    let reaches_limit = settings.warn_limit > 0 && live_before + 1 >= settings.warn_limit;
    let lacks = if reaches_limit {
        ctx.bot_lacks(chat_id, &[Right::Restrict], lang).await?
    } else {
        None
    };
    // The warning and the ban it leads to are one transaction with the record of this update: a /warn
    // sent again after a crash warns (and bans) once.
    let limit_ban = entry(message, &subject, "ban", "warn limit", &excerpt, now);
    let (warning_id, ban_id, live, automatic) = {
        let mut tx = ctx.storage.write.begin().await?;
        let warning_id = log::record_in(&mut tx, &warning).await?;
        let ban_id = match (reaches_limit, &lacks) {
            (true, None) => Some(log::record_in(&mut tx, &limit_ban).await?),
            _ => None,
        };
        let (live, automatic) =
            store::live_warnings_apart(&mut tx, chat_id, subject.id, now).await?;
        tx.commit().await?;
        (warning_id, ban_id, live, automatic)
    };
    log::mirror(ctx, warning_id, &warning).await?;
    let mut html = ctx.ta(
        lang,
        "moderation-warned",
        &fargs! {"target" => subject.mention(), "count" => live, "limit" => settings.warn_limit},
    );
    push_reason(&mut html, reason);
    push_automatic(ctx, lang, &mut html, automatic);
    if let Some(lacks) = lacks {
        html.push('\n');
        html.push_str(&escape(&lacks));
        return Ok(Some(html));
    }
    if let Some(id) = ban_id {
        log::mirror(ctx, id, &limit_ban).await?;
        ban(ctx, chat_id, &subject, None, id);
        html.push('\n');
        html.push_str(&ctx.ta(
            lang,
            "moderation-warn-limit-why",
            &fargs! {"target" => subject.mention(), "limit" => settings.warn_limit},
        ));
    }
    Ok(Some(html))
}

pub(super) async fn spam_command(call: &Call<'_>, args: &str, name: &str) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let Some(replied) = crate::telegram::replied_message(message) else {
        return Ok(Some(ctx.t_html(lang, "moderation-spam-usage")));
    };
    let (subject, _) = match punishable(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(refusal)),
    };
    let text = message_text(replied);
    ctx.outbound.delete(message.chat.id.0, replied.id);
    // The log's reason is written in the group's language, like one an admin types.
    let reason = ctx.t(lang, "moderation-spam-reason");
    let id = log::record(
        ctx,
        &entry(message, &subject, "ban", &reason, &text, ctx.now()),
    )
    .await?;
    ban(ctx, message.chat.id.0, &subject, None, id);
    let by = message.from.as_ref().map(|u| u.id.0 as i64);
    detection::teach(
        ctx,
        message.chat.id.0,
        &text,
        LayerLabel::Spam,
        "spam_command",
        by,
    )
    .await?;
    Ok(Some(ctx.ta(
        lang,
        "moderation-spammed",
        &fargs! {"target" => subject.mention()},
    )))
}

/// Records a reversal of `original` (if there is one) and marks the original undone; an automatic action
/// undone by an admin teaches the group's detector layer that it is not spam.
async fn reverse(
    ctx: &Ctx,
    message: &Message,
    subject: &Subject,
    action: &str,
    original: Option<store::LogRow>,
) -> crate::Result<()> {
    let now = ctx.now();
    let by = message.from.as_ref().map_or(0, |u| u.id.0 as i64);
    let mut reversal = entry(message, subject, action, "", "", now);
    reversal.reverses_id = original.as_ref().map(|o| o.id);
    // The original stops counting in the same transaction that logs the reversal and records this
    // update, so the command sent again after a crash neither logs a second reversal nor loses one.
    let reversal_id = {
        let mut tx = ctx.storage.write.begin().await?;
        if let Some(original) = &original {
            store::undo_violation(&mut tx, original.id, by, now).await?;
        }
        let id = log::record_in(&mut tx, &reversal).await?;
        tx.commit().await?;
        id
    };
    log::mirror(ctx, reversal_id, &reversal).await?;
    if let Some(original) = original.filter(|o| o.actor_id.is_none()) {
        detection::teach(
            ctx,
            message.chat.id.0,
            &original.excerpt,
            LayerLabel::NotSpam,
            action,
            Some(by),
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn unban_command(call: &Call<'_>, args: &str, name: &str) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let (subject, _) = match subject(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(escape(&refusal))),
    };
    let original = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::latest_reversible(&mut conn, message.chat.id.0, subject.id, "ban").await?
    };
    unban(ctx, message.chat.id.0, &subject);
    reverse(ctx, message, &subject, "unban", original).await?;
    if !subject.channel {
        super::shared_bans::offer_unban_everywhere(ctx, message, subject.id, lang).await?;
    }
    Ok(Some(ctx.ta(
        lang,
        "moderation-unbanned",
        &fargs! {"target" => subject.mention()},
    )))
}

pub(super) async fn unmute_command(call: &Call<'_>, args: &str, name: &str) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let (subject, _) = match subject(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(escape(&refusal))),
    };
    if subject.channel {
        return Ok(Some(ctx.t_html(lang, "moderation-channel-ban-only")));
    }
    if let Some(refusal) = banned_refusal(ctx, message, &subject, lang).await? {
        return Ok(Some(refusal));
    }
    let original = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::latest_reversible(&mut conn, message.chat.id.0, subject.id, "mute").await?
    };
    ctx.outbound
        .unrestrict(message.chat.id.0, subject.id, ChatPermissions::all());
    reverse(ctx, message, &subject, "unmute", original).await?;
    Ok(Some(ctx.ta(
        lang,
        "moderation-unmuted",
        &fargs! {"target" => subject.mention()},
    )))
}

pub(super) async fn unwarn_command(call: &Call<'_>, args: &str, name: &str) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
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
    let (live, _) = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::live_warnings_apart(&mut conn, message.chat.id.0, subject.id, now).await?
    };
    Ok(Some(ctx.ta(
        lang,
        "moderation-unwarned",
        &fargs! {"target" => subject.mention(), "count" => live},
    )))
}

pub(super) async fn warns_command(call: &Call<'_>, args: &str, name: &str) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let (subject, _) = match subject(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(escape(&refusal))),
    };
    let (live, automatic) = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::live_warnings_apart(&mut conn, message.chat.id.0, subject.id, ctx.now()).await?
    };
    let mut html = ctx.ta(
        lang,
        "moderation-warns-count",
        &fargs! {"target" => subject.mention(), "count" => live, "limit" => ctx.config.moderation.warn_limit},
    );
    push_automatic(ctx, lang, &mut html, automatic);
    Ok(Some(html))
}

/// Adds the line counting a member's automatic removals apart from the admins' warnings, when they have any.
fn push_automatic(ctx: &Ctx, lang: Lang, html: &mut String, automatic: i64) {
    if automatic > 0 {
        html.push('\n');
        html.push_str(&ctx.ta(
            lang,
            "moderation-warns-automatic",
            &fargs! {"count" => automatic},
        ));
    }
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
        assert_eq!(
            split_duration("1天 广告"),
            Ok((Some(Duration::from_secs(86_400)), "广告"))
        );
        assert_eq!(
            split_duration("1年 广告"),
            Err(crate::args::ArgError::BadDuration("1年".into())),
            "a length that cannot be read is refused, not taken as the reason"
        );
    }
}
