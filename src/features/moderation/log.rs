//! The moderation log as the bot writes it: every action (automatic or by an admin) is stored in the one
//! log table and mirrored as a line into the group's log channel when one is set; outcomes Telegram refused
//! are marked failed.

use super::rules::RuleKind;
use super::store;
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::outbound::{Pending, Text};
use crate::telegram::text::escape;

/// Records an entry, mirrors it into the log channel, and returns its id.
pub async fn record(ctx: &Ctx, entry: &store::LogEntry<'_>) -> crate::Result<i64> {
    let id = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::record_action(&mut conn, entry).await?
    };
    mirror(ctx, id, entry).await?;
    Ok(id)
}

/// Sends one line about an entry into the group's log channel, if it has one.
pub async fn mirror(ctx: &Ctx, id: i64, entry: &store::LogEntry<'_>) -> crate::Result<()> {
    let channel = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::log_channel(&mut conn, entry.chat_id).await?
    };
    let Some(channel) = channel else {
        return Ok(());
    };
    let lang = ctx.group_lang(entry.chat_id).await;
    let actor = match entry.actor_id {
        Some(admin) => admin.to_string(),
        None => ctx.t(lang, "moderation-log-automatic"),
    };
    let line = ctx.ta(
        lang,
        "moderation-log-line",
        &fargs! {
            "id" => id,
            "group" => entry.chat_id,
            "action" => action_name(ctx, lang, entry.action),
            "target" => entry.user_id,
            "actor" => actor,
            "rule" => rule_name(ctx, lang, entry.rule),
            "detail" => super::detection::stored_words(ctx, lang, entry.detail),
            "excerpt" => entry.excerpt.chars().take(80).collect::<String>(),
        },
    );
    ctx.outbound.send_text(Text::html(channel, escape(&line)));
    Ok(())
}

/// The actions the log stores, each with its wording id `moderation-log-action-<name>` (and
/// `…-for` with `$arg` when it carries a length or a count, like `mute 1h` or `purge 251`).
const ACTIONS: &[&str] = &[
    "delete",
    "warn",
    "mute",
    "kick",
    "ban",
    "ladder",
    "unban",
    "unmute",
    "unwarn",
    "undo",
    "approve",
    "unapprove",
    "purge",
    "thresholds",
];

/// A stored action (`mute 1h`, `ban`, `purge 251`, `undo`…) in words of a language; an action the
/// wording does not know is shown as stored.
pub fn action_name(ctx: &Ctx, lang: Lang, action: &str) -> String {
    let mut words = action.split_whitespace();
    let verb = words.next().unwrap_or_default();
    let arg: Vec<&str> = words.collect();
    if !ACTIONS.contains(&verb) {
        return action.to_string();
    }
    if arg.is_empty() {
        ctx.t(lang, &format!("moderation-log-action-{verb}"))
    } else {
        ctx.ta(
            lang,
            &format!("moderation-log-action-{verb}-for"),
            &fargs! {"arg" => arg.join(" ")},
        )
    }
}

/// The rules the log stores besides the engine's rule kinds.
const OTHER_RULES: &[&str] = &["manual", "report"];

/// A stored rule id (`adpack`, `lock:photo`, `manual`…) as a short name in a language.
pub fn rule_name(ctx: &Ctx, lang: Lang, rule: &str) -> String {
    if let Some(kind) = rule.strip_prefix("lock:") {
        return ctx.ta(
            lang,
            "moderation-log-rule-lock",
            &fargs! {"type" => kind.to_string()},
        );
    }
    if RuleKind::parse(rule).is_some() || OTHER_RULES.contains(&rule) {
        return ctx.t(lang, &format!("moderation-log-rule-{rule}"));
    }
    rule.to_string()
}

/// An entry's outcome in words of a language.
pub fn outcome_name(ctx: &Ctx, lang: Lang, outcome: store::Outcome) -> String {
    ctx.t(lang, &format!("moderation-log-outcome-{}", outcome.name()))
}

/// Marks the entry failed when the Telegram call behind it fails (checked in the background).
pub fn watch<T: Send + 'static>(ctx: &Ctx, id: i64, pending: Pending<T>) {
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        if let Err(err) = pending.wait().await {
            tracing::warn!(%err, id, "a moderation action failed");
            let marked = async {
                let mut conn = ctx.storage.write.acquire().await?;
                store::mark_failed(&mut conn, id).await
            };
            if let Err(err) = marked.await {
                tracing::warn!(%err, id, "could not mark the action failed");
            }
        }
    });
}
