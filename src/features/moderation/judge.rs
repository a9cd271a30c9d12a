//! Judging a message: gather the facts the rules need (its content, the author, whether they are a
//! newcomer, flood counts, the ad detector's verdict, which mentions are outside chats) and ask the rules
//! engine for a verdict.

use super::cache;
use super::content::{content, is_command, Author};
use super::detection::{self, Detail};
use super::detector::{Band, DetectorVerdict, ThresholdSet};
use super::normalize::normalize;
use super::rules::{self, Action, Facts, Mode, RuleKind, RuleSet, Verdict};
use super::store;
use crate::services::Ctx;
use crate::telegram::admins::GROUP_ANONYMOUS_BOT;
use std::hash::{Hash, Hasher};
use teloxide::types::Message;

/// How long a `getChat` lookup of an @username is trusted.
pub(super) const CHAT_LOOKUP_TTL: i64 = 86_400;

/// A message the rules looked at closely: the verdict (possibly empty), who wrote it, and what the
/// action and explanation need.
pub(super) struct Judged {
    pub(super) verdict: Verdict,
    pub(super) author: Author,
    pub(super) ladder: Vec<Action>,
    pub(super) text: String,
    pub(super) newcomer: bool,
    /// Unknown @usernames that may be outside channels or groups, to look up.
    pub(super) unresolved: Vec<String>,
    /// What decided the detector's verdict, as the log stores it, when the detector removes the message
    /// or finds it suspicious.
    pub(super) detail: Option<Detail>,
    /// Whether the detector found the message suspicious for this sender (it stays, and the admins are
    /// asked); only when no rule acts on it.
    pub(super) suspicious: bool,
}

/// The text after a command word must have at least this many letters and digits for the detector to
/// judge it.
const MIN_COMMAND_TEXT_CHARS: usize = 10;

/// Whether a command (`/warn@groupops_bot x`, `/me`) is one of this bot's commands: a name some feature
/// declares, not addressed to another bot.
fn is_own_command(ctx: &Ctx, text: &str) -> bool {
    let word = text.split_whitespace().next().unwrap_or_default();
    let mut parts = word.trim_start_matches('/').splitn(2, '@');
    let name = parts.next().unwrap_or_default().to_ascii_lowercase();
    if let Some(addressee) = parts.next() {
        let me = ctx.me.username.as_deref().unwrap_or_default();
        if !addressee.eq_ignore_ascii_case(me) {
            return false;
        }
    }
    ctx.commands.iter().any(|c| c.name == name)
}

/// Whether a message is a command of this bot from a member who is not an admin, past
/// `moderation.member_command_rate` in the group. Such a command is not answered (the screen ends its
/// journey silently) and counts toward flood; one within the rate is answered and does not count toward
/// flood, whatever command it is. The call counts the command. Admins are exempt; when the admin list
/// cannot be read, nobody is held back here.
pub(super) async fn command_past_rate(ctx: &Ctx, message: &Message, edited: bool) -> bool {
    let settings = &ctx.config.moderation;
    if !settings.enabled
        || edited
        || !(message.chat.is_group() || message.chat.is_supergroup())
        || !crate::telegram::is_member_post(message)
        || message.is_automatic_forward()
        || !is_command(message)
        || !message.text().is_some_and(|text| is_own_command(ctx, text))
    {
        return false;
    }
    let Some(author) = Author::of(message) else {
        return false;
    };
    let chat_id = message.chat.id.0;
    if author.id == ctx.me.id.0 as i64 || author.id == GROUP_ANONYMOUS_BOT as i64 {
        return false;
    }
    let rate = settings.member_command_rate;
    let within = cache::may_command(
        ctx,
        chat_id,
        author.id,
        ctx.now(),
        rate.count as usize,
        rate.window.as_secs() as i64,
    );
    // Only a command past the rate asks whether its sender is an admin, so ordinary commands cost no
    // look at the admin list.
    !within
        && (author.channel
            || matches!(
                ctx.admins.is_admin(chat_id, author.id as u64).await,
                Ok(false)
            ))
}

fn text_hash(squashed: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    squashed.hash(&mut hasher);
    hasher.finish()
}

/// Looks at one message: `None` when nothing is to be done (moderation off, an exempt author, no rule
/// could hit), else the verdict with what acting on it needs. `count_flood` records the message for the
/// flood rules (a second look at the same message must not count it again); `past_rate` says the message
/// is a member's command past their command rate (see [`command_past_rate`]).
pub(super) async fn judge(
    ctx: &Ctx,
    message: &Message,
    edited: bool,
    count_flood: bool,
    past_rate: bool,
) -> crate::Result<Option<Judged>> {
    let settings = &ctx.config.moderation;
    if !settings.enabled
        || !(message.chat.is_group() || message.chat.is_supergroup())
        || !crate::telegram::is_member_post(message)
        || message.is_automatic_forward()
    {
        return Ok(None);
    }
    let Some(author) = Author::of(message) else {
        return Ok(None);
    };
    if author.id == ctx.me.id.0 as i64
        || author.id == GROUP_ANONYMOUS_BOT as i64
        || author.id == 777_000
    {
        return Ok(None);
    }
    let chat_id = message.chat.id.0;
    let user_id = author.id;
    let command = is_command(message);
    // An admin's command configures the bot (`/filter add 兼职`) and is never checked. Everyone else's
    // commands are checked like any message before a feature answers them, so an ad hidden behind a
    // command is removed.
    // When the admin list cannot be read, the command is checked like a member's: the strictest reading
    // below removes nothing that is not an ad.
    if command && !author.channel {
        match ctx.admins.is_admin(chat_id, author.id as u64).await {
            Ok(true) => return Ok(None),
            Ok(false) => {}
            Err(err) => {
                tracing::warn!(%err, chat_id, "admin list unreadable; the command is checked like a member's")
            }
        }
    }
    let now = ctx.now();
    let compiled = cache::rules_for(ctx, chat_id).await?;
    let found = content(message);
    let normalized = normalize(&found.text);
    let mut detected = detect(ctx, chat_id, &found.text, &normalized.folded, command).await?;
    // A group's own game inputs (a lottery's join keyword, a packet's phrase, a quiz answer, a sign-in
    // word) are never judged by the detector or its similarity layers; the admins' own rules still
    // apply. The features are asked only when the detector would act, so ordinary messages cost nothing.
    if detected
        .as_ref()
        .is_some_and(|(v, _)| v.band != Band::Clean)
        && is_game_input(ctx, message).await
    {
        detected = None;
    }
    let classified = detected
        .as_ref()
        .is_some_and(|(v, set)| detection::removes(set, v, true));
    // A message that may be suspicious (for a newcomer, the strictest reading) is looked at further even
    // when no rule could hit it.
    let maybe_suspicious = detected
        .as_ref()
        .is_some_and(|(v, set)| detection::band(set, v, true) == Band::Suspicious);
    // A member's commands within their command rate (`/checkin`, `/me`, even `/ban`, whose refusal is
    // said once per refusal window) are answered or ignored without spending much of the send budget, and
    // a sign-in wave is not a flood; the commands past the rate are ignored and count as flood like any
    // message.
    let counts_as_flood = !command || past_rate;
    let mut flood = if count_flood && !edited && counts_as_flood {
        count_flood_hits(
            ctx,
            &compiled.rules,
            chat_id,
            user_id,
            &normalized.squashed,
            command,
            now,
        )
    } else {
        Vec::new()
    };
    if classified {
        flood.push(RuleKind::Classifier);
    }
    // First the strictest reading (as if a newcomer mentioned only outside channels): most messages hit
    // nothing and never touch the database.
    let strictest = Facts {
        text: &found.text,
        urls: &found.urls,
        media: found.media,
        foreign_forward: found.foreign_forward,
        unknown_mentions: found.mentions.clone(),
        chat_mentions: found.mentions.clone(),
        newcomer: true,
    };
    if !maybe_suspicious
        && compiled
            .rules
            .evaluate_normalized(&strictest, &normalized, &flood)
            .hits
            .is_empty()
    {
        return Ok(None);
    }
    if settings.exempt_admins
        && !author.channel
        && ctx.admins.is_admin(chat_id, author.id as u64).await?
    {
        return Ok(None);
    }
    let mut conn = ctx.storage.read.acquire().await?;
    if settings.exempt_approved && store::is_approved(&mut conn, chat_id, user_id).await? {
        return Ok(None);
    }
    // A channel posting in the group has no membership to go by: it counts as a newcomer.
    let newcomer = author.channel || is_newcomer(ctx, &mut conn, chat_id, user_id, now).await?;
    // Settled members have their own (higher) remove threshold, and are not judged by the detector at
    // all when it acts only on newcomers.
    let member_removed = detected
        .as_ref()
        .is_some_and(|(v, set)| detection::removes(set, v, newcomer));
    if classified && !newcomer && (settings.classifier_newcomers_only || !member_removed) {
        flood.retain(|kind| *kind != RuleKind::Classifier);
    }
    let mut unknown_mentions = Vec::new();
    if newcomer {
        for name in &found.mentions {
            let known = crate::storage::members::find_by_username(&mut conn, chat_id, name)
                .await?
                .is_some();
            if !known {
                unknown_mentions.push(name.clone());
            }
        }
    }
    drop(conn);
    // Unknown names are outside chats only when a lookup said so; bots are known by their names.
    let chat_mentions: Vec<String> = unknown_mentions
        .iter()
        .filter(|name| cache::known_chat(ctx, name, now, CHAT_LOOKUP_TTL) == Some(true))
        .cloned()
        .collect();
    let unresolved: Vec<String> = if compiled.rules.mode(RuleKind::Mention) == Mode::Off {
        Vec::new()
    } else {
        unknown_mentions
            .iter()
            .filter(|name| {
                !rules::looks_like_bot(name)
                    && cache::known_chat(ctx, name, now, CHAT_LOOKUP_TTL).is_none()
            })
            .cloned()
            .collect()
    };
    let facts = Facts {
        unknown_mentions,
        chat_mentions,
        newcomer,
        ..strictest
    };
    let mut verdict = compiled
        .rules
        .evaluate_normalized(&facts, &normalized, &flood);
    // The detector's band for this sender: settled members are asked about only when the detector acts
    // on them at all, and a message some rule acts on is not asked about.
    let sender_band = detected
        .as_ref()
        .map_or(Band::Clean, |(v, set)| detection::band(set, v, newcomer));
    let suspicious = sender_band == Band::Suspicious
        && (newcomer || !settings.classifier_newcomers_only)
        && compiled.rules.mode(RuleKind::Classifier) == Mode::On
        && verdict.hits.is_empty();
    let detail = match &detected {
        Some((v, _))
            if suspicious || verdict.hits.iter().any(|h| h.kind == RuleKind::Classifier) =>
        {
            Some(detection::detail(ctx, chat_id, v).await?)
        }
        _ => None,
    };
    if let Some(detail) = &detail {
        for hit in &mut verdict.hits {
            if hit.kind == RuleKind::Classifier {
                hit.detail = detail.encode();
            }
        }
    }
    // The detector goes first so that, at equal severity, an explicit rule is the one explained.
    verdict
        .hits
        .sort_by_key(|hit| hit.kind != RuleKind::Classifier);
    Ok(Some(Judged {
        verdict,
        author,
        ladder: compiled.ladder.clone(),
        text: found.text,
        newcomer,
        unresolved,
        detail,
        suspicious,
    }))
}

/// Records a message in the flood tracker and returns the flood rules it trips: too many messages from
/// one member in the group, or the same text from one member in several groups. A command repeated in
/// several groups (`/checkin` everywhere) is not a cross-group flood.
fn count_flood_hits(
    ctx: &Ctx,
    rules: &RuleSet,
    chat_id: i64,
    user_id: i64,
    squashed: &str,
    command: bool,
    now: i64,
) -> Vec<RuleKind> {
    let settings = &ctx.config.moderation;
    let mut flood = Vec::new();
    let state = cache::state(ctx);
    let mut tracker = state.flood.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((count, seconds)) = rules.flood {
        if tracker.message(chat_id, user_id, now, count, seconds) {
            flood.push(RuleKind::Flood);
        }
    }
    if !command
        && settings.cross_group_count > 1
        && squashed.chars().count() >= settings.cross_group_min_chars
        && tracker.text(
            chat_id,
            user_id,
            text_hash(squashed),
            now,
            settings.cross_group_count as usize,
            settings.cross_group_window.get().as_secs() as i64,
        )
    {
        flood.push(RuleKind::FloodGroups);
    }
    flood
}

/// Whether any feature says the message is an input to one of its games.
async fn is_game_input(ctx: &Ctx, message: &Message) -> bool {
    for check in &ctx.game_inputs {
        if check(ctx, message).await {
            return true;
        }
    }
    false
}

/// The detector's verdict on a message with the group's thresholds (`None` when the detector is off).
/// This is the one place a
/// judgement consults the detector. The model learned from ads and chat, not from bot commands: of a
/// command it judges the text after the command word (`/ban 兼职刷单 加V` is judged by `兼职刷单 加V`), and
/// a few words of arguments (`/invites top week`) say too little to judge.
async fn detect(
    ctx: &Ctx,
    chat_id: i64,
    text: &str,
    folded: &str,
    command: bool,
) -> crate::Result<Option<(DetectorVerdict, ThresholdSet)>> {
    if !ctx.config.moderation.classifier_enabled {
        return Ok(None);
    }
    if !command {
        return Ok(Some(detection::verdict(ctx, chat_id, folded).await?));
    }
    let rest = text
        .split_once(char::is_whitespace)
        .map_or("", |(_, rest)| rest);
    let rest = normalize(rest);
    if rest.squashed.chars().count() >= MIN_COMMAND_TEXT_CHARS {
        Ok(Some(detection::verdict(ctx, chat_id, &rest.folded).await?))
    } else {
        Ok(None)
    }
}

/// A member is a newcomer when the bot saw them join (after the bot itself arrived) and they joined less
/// than `newcomer_period` ago or have sent fewer than `newcomer_messages` messages since. Members whose
/// join the bot did not see were there before it (or joined unseen) and are not newcomers.
async fn is_newcomer(
    ctx: &Ctx,
    conn: &mut sqlx::SqliteConnection,
    chat_id: i64,
    user_id: i64,
    now: i64,
) -> crate::Result<bool> {
    let settings = &ctx.config.moderation;
    let Some(member) = crate::storage::members::get(conn, chat_id, user_id).await? else {
        return Ok(false);
    };
    let Some(joined_at) = member.joined_at.filter(|_| member.seen_join) else {
        return Ok(false);
    };
    let bot_arrived = ctx
        .groups
        .get(&ctx.storage, chat_id)
        .await?
        .map_or(i64::MIN, |g| g.added_at);
    if joined_at < bot_arrived {
        return Ok(false);
    }
    let recent = now - joined_at < settings.newcomer_period.get().as_secs() as i64;
    Ok(recent || member.messages < settings.newcomer_messages)
}
