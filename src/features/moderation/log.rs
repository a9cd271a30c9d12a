//! The moderation log as the bot writes it: every action (automatic or by an admin) is stored in the one
//! log table and mirrored as a line into the group's log channel when one is set; outcomes Telegram refused
//! are marked failed. A log channel gets at most `moderation.log_mirror_rate` lines per window: the lines
//! beyond it are counted and folded into one summary line, sent when the window is over (by the next line
//! or by the ticker), so a busy group never floods the channel nor spends its send budget there.

use super::rules::RuleKind;
use super::store;
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::outbound::{Pending, Text};
use crate::telegram::text::escape;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

/// What `handled_updates` says of a message that the rules removed, followed by `:` and the log entry's
/// id: when Telegram sends that message again after a crash, the bot deletes it again and asks again for
/// the mute or ban of that entry (either may not have reached Telegram before the crash), and does nothing
/// else (see [`removal_of`]).
pub const AUTO_REMOVAL: &str = "auto_removal";

/// The record kind of an automatic removal logged as entry `id`.
fn removal_kind(id: i64) -> String {
    format!("{AUTO_REMOVAL}:{id}")
}

/// Whether a handled-update record's kind is an automatic removal: `Some` with the log entry's id, or
/// `Some(None)` for a record written before the id was kept; `None` for any other kind.
pub fn removal_of(kind: &str) -> Option<Option<i64>> {
    let rest = kind.strip_prefix(AUTO_REMOVAL)?;
    if rest.is_empty() {
        return Some(None);
    }
    rest.strip_prefix(':')?.parse().ok().map(Some)
}

/// Records an entry in its own transaction, mirrors it into the log channel, and returns its id. The
/// update being handled is recorded with it (see [`record_in`]).
pub async fn record(ctx: &Ctx, entry: &store::LogEntry<'_>) -> crate::Result<i64> {
    let id = {
        let mut tx = ctx.storage.write.begin().await?;
        let id = record_in(&mut tx, entry).await?;
        tx.commit().await?;
        id
    };
    mirror(ctx, id, entry).await?;
    Ok(id)
}

/// Records an entry on `conn`, inside the caller's transaction, with the id of the update being handled
/// (see [`crate::storage::handled`]): an action, a warning or a reversal commits together with the record
/// that its update was handled, so the same update sent again after a crash adds no second entry (a
/// warning or a step on the ladder counts once). An automatic entry (no actor) records the update as
/// [`AUTO_REMOVAL`] with the entry's id. The caller mirrors the entry once it committed.
pub async fn record_in(
    conn: &mut sqlx::SqliteConnection,
    entry: &store::LogEntry<'_>,
) -> crate::Result<i64> {
    let id = store::record_action(conn, entry).await?;
    let kind = if entry.actor_id.is_none() {
        removal_kind(id)
    } else {
        "moderation".to_owned()
    };
    crate::storage::handled::record(conn, &kind, entry.at).await?;
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
            "detail" => super::detection::stored_words(ctx, lang, entry.detail),
            "excerpt" => entry.excerpt.chars().take(80).collect::<String>(),
        },
    );
    let now = ctx.now();
    let rate = ctx.config.moderation.log_mirror_rate;
    let (summary, admitted) = {
        let windows = ctx.local(MirrorWindows::default);
        let mut windows = windows.0.lock().unwrap_or_else(|e| e.into_inner());
        let window = windows.entry(channel).or_default();
        let summary = window.roll(now, rate.window.as_secs() as i64);
        let admitted = window.admit(rate.count, entry.chat_id, lang);
        (summary, admitted)
    };
    if let Some(summary) = summary {
        send_folded(ctx, channel, summary);
    }
    if admitted {
        ctx.outbound.send_text(Text::html(channel, escape(&line)));
    }
    Ok(())
}

/// The lines folded in one log channel's window that is over: how many, of which groups, in whose language.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Folded {
    count: u64,
    groups: BTreeSet<i64>,
    lang: Lang,
}

/// One log channel's current window: when it started, how many lines went out in it, and what was folded.
#[derive(Debug, Default)]
struct MirrorWindow {
    start: i64,
    sent: u32,
    folded: Option<Folded>,
}

impl MirrorWindow {
    /// Starts a new window when the current one (of `window` seconds) is over at `now`, and hands back what
    /// the old one folded. The summary line goes out in the new window and counts in it.
    fn roll(&mut self, now: i64, window: i64) -> Option<Folded> {
        if now < self.start + window.max(1) {
            return None;
        }
        let folded = self.folded.take();
        self.start = now;
        self.sent = u32::from(folded.is_some());
        folded
    }

    /// Counts one line of group `chat_id`: `true` when it may go out as a line of its own, else it is
    /// folded into the window's summary.
    fn admit(&mut self, count: u32, chat_id: i64, lang: Lang) -> bool {
        if self.sent < count {
            self.sent += 1;
            return true;
        }
        let folded = self.folded.get_or_insert_with(|| Folded {
            count: 0,
            groups: BTreeSet::new(),
            lang,
        });
        folded.count += 1;
        folded.groups.insert(chat_id);
        folded.lang = lang;
        false
    }
}

/// The mirror windows of every log channel this bot posts into.
#[derive(Default)]
struct MirrorWindows(Mutex<HashMap<i64, MirrorWindow>>);

/// Sends the summary of the lines folded in a log channel's window.
fn send_folded(ctx: &Ctx, channel: i64, folded: Folded) {
    let groups: Vec<String> = folded.groups.iter().map(i64::to_string).collect();
    let line = ctx.ta(
        folded.lang,
        "moderation-log-folded",
        &fargs! {"count" => folded.count, "groups" => groups.join(", ")},
    );
    ctx.outbound.send_text(Text::html(channel, escape(&line)));
}

/// Sends the summaries of the log channels whose window is over and folded lines (called by the ticker,
/// so the last lines of a burst are summed up even when no line follows them).
pub fn flush_folded(ctx: &Ctx) {
    let now = ctx.now();
    let window = ctx.config.moderation.log_mirror_rate.window.as_secs() as i64;
    let due: Vec<(i64, Folded)> = {
        let windows = ctx.local(MirrorWindows::default);
        let mut windows = windows.0.lock().unwrap_or_else(|e| e.into_inner());
        windows.retain(|_, w| w.folded.is_some() || now < w.start + window.max(1));
        windows
            .iter_mut()
            .filter(|(_, w)| w.folded.is_some())
            .filter_map(|(channel, w)| w.roll(now, window).map(|f| (*channel, f)))
            .collect()
    };
    for (channel, folded) in due {
        send_folded(ctx, channel, folded);
    }
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

/// The rule a ban spread over a group set is logged under (see `shared_bans`).
pub const SHARED_BAN_RULE: &str = "shared";

/// The rules the log stores besides the engine's rule kinds.
const OTHER_RULES: &[&str] = &["manual", "report", SHARED_BAN_RULE];

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removal_record_names_its_log_entry_and_other_kinds_are_not_removals() {
        assert_eq!(removal_of(&removal_kind(42)), Some(Some(42)));
        assert_eq!(
            removal_of(AUTO_REMOVAL),
            Some(None),
            "a record kept before ids"
        );
        assert_eq!(removal_of("moderation"), None);
        assert_eq!(removal_of("transfer"), None);
        assert_eq!(removal_of("auto_removal:x"), None);
        assert_eq!(removal_of("auto_removals"), None);
    }

    #[test]
    fn lines_past_the_rate_are_folded_and_summed_up_once_the_window_is_over() {
        let mut window = MirrorWindow::default();
        assert_eq!(
            window.roll(1_000, 60),
            None,
            "the first line starts a window"
        );
        assert!(window.admit(2, -1, Lang::En));
        assert!(window.admit(2, -1, Lang::En));
        assert!(!window.admit(2, -1, Lang::En), "the third line is folded");
        assert!(!window.admit(2, -2, Lang::En));
        assert_eq!(window.roll(1_059, 60), None, "still the same window");
        let folded = window.roll(1_060, 60).expect("the window is over");
        assert_eq!(folded.count, 2);
        assert_eq!(folded.groups, BTreeSet::from([-2, -1]));
        assert!(
            window.admit(2, -1, Lang::En),
            "the summary took one place of two"
        );
        assert!(!window.admit(2, -1, Lang::En));
        assert_eq!(window.roll(1_200, 60).map(|f| f.count), Some(1));
        assert_eq!(window.roll(1_400, 60), None, "nothing was folded since");
    }
}
