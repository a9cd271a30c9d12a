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
    let names = {
        let ids: Vec<i64> = std::iter::once(entry.user_id)
            .chain(entry.actor_id)
            .collect();
        let mut conn = ctx.storage.read.acquire().await?;
        crate::storage::members::names(&mut conn, &ids).await?
    };
    let name = |id: i64| ctx.member_name(lang, id, names.get(&id).map(String::as_str));
    let actor = match entry.actor_id {
        Some(admin) => name(admin),
        None => ctx.t(lang, "moderation-log-automatic"),
    };
    // The member is named with their id too, which an admin reading the channel may need.
    let target = ctx.ta(
        lang,
        "name-with-id",
        &fargs! {"name" => name(entry.user_id), "id" => entry.user_id},
    );
    let line = ctx.ta(
        lang,
        "moderation-log-line",
        &fargs! {
            "id" => id,
            "group" => entry.chat_id,
            "action" => action_name(ctx, lang, entry.action),
            "target" => target,
            "actor" => actor,
            "rule" => rule_name(ctx, lang, entry.rule),
            "detail" => entry.detail.to_string(),
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
        return ctx.t(lang, &format!("moderation-log-action-{verb}"));
    }
    // A stored length (`1h`, `3d`) is shown in words of the language.
    let arg = match crate::args::parse_duration(&arg.join(" ")) {
        Ok(duration) if verb != "purge" => ctx.duration(lang, duration),
        _ => arg.join(" "),
    };
    ctx.ta(
        lang,
        &format!("moderation-log-action-{verb}-for"),
        &fargs! {"arg" => arg},
    )
}

/// The rules the log stores besides the engine's rule kinds.
const OTHER_RULES: &[&str] = &["manual", "report"];

/// A stored rule id (`adpack`, `lock:photo`, `manual`…) as a short name in a language.
pub fn rule_name(ctx: &Ctx, lang: Lang, rule: &str) -> String {
    if let Some(kind) = rule.strip_prefix("lock:") {
        let kind = match super::rules::Lock::parse(kind) {
            Some(lock) => lock_word(ctx, lang, lock),
            None => kind.to_string(),
        };
        return ctx.ta(lang, "moderation-log-rule-lock", &fargs! {"type" => kind});
    }
    if RuleKind::parse(rule).is_some() || OTHER_RULES.contains(&rule) {
        return ctx.t(lang, &format!("moderation-log-rule-{rule}"));
    }
    rule.to_string()
}

/// A lock type in words of a language (`图片`, `photos`).
pub fn lock_word(ctx: &Ctx, lang: Lang, lock: super::rules::Lock) -> String {
    ctx.t(lang, &format!("moderation-lock-name-{}", lock.name()))
}

/// A rule mode in words of a language (`开启`, `shadow (log only)`).
pub fn mode_word(ctx: &Ctx, lang: Lang, mode: super::rules::Mode) -> String {
    ctx.t(lang, &format!("moderation-mode-{}", mode.name()))
}

/// What `text` names among `all`: its command name (`photo`, `on`) or its name in either language
/// (`图片`, `开启`), so admins may type what the bot shows them.
pub fn named<T: Copy>(
    ctx: &Ctx,
    all: &[T],
    code: fn(T) -> &'static str,
    word: fn(&Ctx, Lang, T) -> String,
    text: &str,
) -> Option<T> {
    let text = text.trim();
    all.iter().copied().find(|item| {
        code(*item).eq_ignore_ascii_case(text)
            || Lang::ALL
                .iter()
                .any(|lang| word(ctx, *lang, *item).eq_ignore_ascii_case(text))
    })
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
