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
pub mod cache;
pub mod check_cli;
pub mod classifier;
pub mod detector;
pub mod log;
pub mod normalize;
pub mod rules;
pub mod settings;
pub mod store;

use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::{Permission, Right, GROUP_ANONYMOUS_BOT};
use crate::telegram::commands::{Audience, CommandInfo};
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, full_name, mention_html};
use crate::telegram::{Handler, HandlerResult};
use futures::future::BoxFuture;
use futures::FutureExt;
use normalize::normalize;
use rules::{Action, Facts, Lock, Mode, RuleKind, Verdict};
use std::hash::{Hash, Hasher};
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQuery, ChatPermissions, InlineKeyboardButton, InlineKeyboardButtonKind,
    InlineKeyboardMarkup, MessageEntityKind,
};
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
enum Command {
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
                .endpoint(on_button),
        )
        .branch(
            Update::filter_message()
                .filter_async(|ctx: Ctx, message: Message| async move {
                    screen(&ctx, &message, false).await
                })
                .endpoint(|| async { Ok(()) }),
        )
        .branch(
            Update::filter_edited_message()
                .filter_async(|ctx: Ctx, message: Message| async move {
                    screen(&ctx, &message, true).await
                })
                .endpoint(|| async { Ok(()) }),
        )
        .branch(
            Update::filter_message()
                .filter_command::<Command>()
                .endpoint(on_command),
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

/// Checks a message; returns `true` when it was removed (its journey ends here). Failures are logged and
/// let the message through: moderation must never make the bot deaf.
async fn screen(ctx: &Ctx, message: &Message, edited: bool) -> bool {
    match screen_inner(ctx, message, edited).await {
        Ok(removed) => removed,
        Err(err) => {
            tracing::error!(%err, chat_id = message.chat.id.0, "moderation check failed");
            if let Some(hook) = &ctx.error_hook {
                hook(format!("moderation: {err}"));
            }
            false
        }
    }
}

async fn screen_inner(ctx: &Ctx, message: &Message, edited: bool) -> crate::Result<bool> {
    let Some(judged) = judge(ctx, message, edited, true).await? else {
        return Ok(false);
    };
    if judged.verdict.hits.is_empty() {
        if !judged.unresolved.is_empty() {
            let (ctx, message) = (ctx.clone(), message.clone());
            ctx.tasks.clone().spawn(async move {
                if let Err(err) =
                    resolve_and_recheck(&ctx, &message, edited, judged.unresolved).await
                {
                    tracing::warn!(%err, chat_id = message.chat.id.0, "mention lookup failed");
                }
            });
        }
        return Ok(false);
    }
    let judged_removes = judged.verdict.removes();
    act(ctx, message, &judged).await?;
    Ok(judged_removes)
}

/// How long a `getChat` lookup of an @username is trusted.
const CHAT_LOOKUP_TTL: i64 = 86_400;
/// At most this many unknown @usernames of one message are looked up.
const MAX_LOOKUPS: usize = 3;

/// Looks up @usernames a newcomer mentioned that the bot knows nothing about (a quiet member, or a public
/// channel or group); when one turns out to be a channel or group, the message is checked again, now
/// with that fact, and acted on. This runs beside the shard, so the message has already gone on.
async fn resolve_and_recheck(
    ctx: &Ctx,
    message: &Message,
    edited: bool,
    names: Vec<String>,
) -> crate::Result<()> {
    let mut found_chat = false;
    for name in names.into_iter().take(MAX_LOOKUPS) {
        let username = format!("@{name}");
        let looked_up = ctx
            .outbound
            .immediate("getChat", move |bot| {
                bot.get_chat(teloxide::types::Recipient::ChannelUsername(
                    username.clone(),
                ))
                .send()
                .boxed()
            })
            .wait()
            .await;
        // A person's @username cannot be looked up by a bot: the lookup fails, which means "not a chat".
        let is_chat = looked_up.is_ok_and(|chat| {
            chat.id != message.chat.id
                && (chat.is_channel() || chat.is_group() || chat.is_supergroup())
        });
        cache::remember_chat(ctx, &name, is_chat, ctx.now());
        found_chat |= is_chat;
    }
    if !found_chat {
        return Ok(());
    }
    if let Some(judged) = judge(ctx, message, edited, false).await? {
        if !judged.verdict.hits.is_empty() {
            act(ctx, message, &judged).await?;
        }
    }
    Ok(())
}

/// A message the rules looked at closely: the verdict (possibly empty), who wrote it, and what the
/// action and explanation need.
struct Judged {
    verdict: Verdict,
    author: Author,
    ladder: Vec<Action>,
    text: String,
    newcomer: bool,
    /// Unknown @usernames that may be outside channels or groups, to look up.
    unresolved: Vec<String>,
}

/// The content facts of a message that do not need the database.
struct Content {
    text: String,
    urls: Vec<String>,
    mentions: Vec<String>,
    media: Option<Lock>,
    foreign_forward: bool,
}

fn content(message: &Message) -> Content {
    let text = message
        .text()
        .or(message.caption())
        .unwrap_or_default()
        .to_string();
    let mut urls = Vec::new();
    let mut mentions = Vec::new();
    let entities = message
        .parse_entities()
        .or_else(|| message.parse_caption_entities())
        .unwrap_or_default();
    for entity in &entities {
        match entity.kind() {
            MessageEntityKind::Url => urls.push(entity.text().to_string()),
            MessageEntityKind::TextLink { url } => urls.push(url.to_string()),
            MessageEntityKind::Mention => {
                mentions.push(entity.text().trim_start_matches('@').to_string())
            }
            _ => {}
        }
    }
    if let Some(markup) = message.reply_markup() {
        for button in markup.inline_keyboard.iter().flatten() {
            if let InlineKeyboardButtonKind::Url(url) = &button.kind {
                urls.push(url.to_string());
            }
        }
    }
    let media = if message.photo().is_some() {
        Some(Lock::Photo)
    } else if message.video().is_some() || message.video_note().is_some() {
        Some(Lock::Video)
    } else if message.sticker().is_some() {
        Some(Lock::Sticker)
    } else if message.animation().is_some() {
        Some(Lock::Gif)
    } else if message.document().is_some() {
        Some(Lock::Document)
    } else if message.voice().is_some() || message.audio().is_some() {
        Some(Lock::Voice)
    } else if message.poll().is_some() {
        Some(Lock::Poll)
    } else if message.contact().is_some() {
        Some(Lock::Contact)
    } else if message.location().is_some() || message.venue().is_some() {
        Some(Lock::Location)
    } else {
        None
    };
    Content {
        text,
        urls,
        mentions,
        media,
        foreign_forward: message.forward_origin().is_some() && !message.is_automatic_forward(),
    }
}

fn is_command(message: &Message) -> bool {
    message.entities().is_some_and(|entities| {
        entities
            .iter()
            .any(|e| e.offset == 0 && e.kind == MessageEntityKind::BotCommand)
    })
}

/// The text after a command word must have at least this many letters and digits for the classifier to
/// judge it.
const MIN_COMMAND_TEXT_CHARS: usize = 10;

/// Whether a command (`/warn@groupops_bot x`) is one of the commands meant for admins.
fn is_admin_command(ctx: &Ctx, text: &str) -> bool {
    let word = text.split_whitespace().next().unwrap_or_default();
    let name = word
        .trim_start_matches('/')
        .split('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    ctx.commands
        .iter()
        .any(|c| c.name == name && c.audience == Audience::Admins)
}

fn text_hash(squashed: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    squashed.hash(&mut hasher);
    hasher.finish()
}

/// Looks at one message: `None` when nothing is to be done (moderation off, an exempt author, no rule
/// could hit), else the verdict with what acting on it needs. `count_flood` records the message for the
/// flood rules (a second look at the same message must not count it again).
async fn judge(
    ctx: &Ctx,
    message: &Message,
    edited: bool,
    count_flood: bool,
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
    // The classifier learned from ads and chat, not from bot commands: of a command it scores the text
    // after the command word (`/ban 兼职刷单 加V` is judged by `兼职刷单 加V`).
    // A few words of arguments (`/invites top week`) say too little to judge.
    let score = if !settings.classifier_enabled {
        0.0
    } else if command {
        let rest = found
            .text
            .split_once(char::is_whitespace)
            .map_or("", |(_, rest)| rest);
        let rest = normalize(rest).squashed;
        if rest.chars().count() >= MIN_COMMAND_TEXT_CHARS {
            cache::classifier_score(ctx, &rest).await?
        } else {
            0.0
        }
    } else {
        cache::classifier_score(ctx, &normalized.squashed).await?
    };
    let classified = score >= settings.classifier_threshold;
    let mut flood = Vec::new();
    // Members' own commands (`/checkin`, `/hongbao`) are answered by their features within the send
    // budget, and a sign-in wave is not a flood; a member repeating a command meant for admins only
    // spends the group's budget on refusals, so those count as flood like any message.
    let counts_as_flood = !command || is_admin_command(ctx, &found.text);
    if count_flood && !edited && counts_as_flood {
        let state = cache::state(ctx);
        let mut tracker = state.flood.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((count, seconds)) = compiled.rules.flood {
            if tracker.message(chat_id, user_id, now, count, seconds) {
                flood.push(RuleKind::Flood);
            }
        }
        // A command repeated in several groups (`/checkin` everywhere) is not a cross-group flood.
        if !command
            && settings.cross_group_count > 1
            && normalized.squashed.chars().count() >= settings.cross_group_min_chars
            && tracker.text(
                chat_id,
                user_id,
                text_hash(&normalized.squashed),
                now,
                settings.cross_group_count as usize,
                settings.cross_group_window.get().as_secs() as i64,
            )
        {
            flood.push(RuleKind::FloodGroups);
        }
    }
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
    if compiled
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
    if classified && settings.classifier_newcomers_only && !newcomer {
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
    for hit in &mut verdict.hits {
        if hit.kind == RuleKind::Classifier {
            hit.detail = format!("{score:.2}");
        }
    }
    // The classifier goes first so that, at equal severity, an explicit rule is the one explained.
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
    }))
}

/// Who posted a message: a member, or a channel a member posts as.
struct Author {
    id: i64,
    name: String,
    channel: bool,
}

impl Author {
    fn of(message: &Message) -> Option<Author> {
        if let Some(chat) = &message.sender_chat {
            // The group itself is an anonymous admin; anything else is a channel posting here.
            if chat.id == message.chat.id {
                return None;
            }
            return Some(Author {
                id: chat.id.0,
                name: chat.title().unwrap_or_default().to_string(),
                channel: true,
            });
        }
        message.from.as_ref().map(|user| Author {
            id: user.id.0 as i64,
            name: full_name(user),
            channel: false,
        })
    }

    fn mention(&self) -> String {
        if self.channel {
            format!("<b>{}</b>", escape(&self.name))
        } else {
            mention_html(self.id, &self.name)
        }
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

/// Whether moderation may post one more notice (an appeal, an undo) in a group now: not while raid mode
/// is on, and only from the group's explanation budget (which it then takes from).
async fn may_notice(ctx: &Ctx, chat_id: i64, now: i64) -> crate::Result<bool> {
    let raid = {
        let mut conn = ctx.storage.read.acquire().await?;
        crate::storage::raid::is_on(&mut conn, chat_id, now).await?
    };
    Ok(!raid
        && cache::take_explanation(ctx, chat_id, now, ctx.config.moderation.explain_per_minute))
}

/// How often a group is told that the bot lacks a right for its automatic actions.
const RIGHTS_WARNING_GAP_SECS: i64 = 3600;

/// Deletes the message, takes the action, records the violation and explains it (once per window, within
/// the group's explanation budget, and never while raid mode is on). When the bot lacks the right an
/// action needs, the log entry is marked failed and the admins are told which right (at most once an
/// hour).
async fn act(ctx: &Ctx, message: &Message, judged: &Judged) -> crate::Result<()> {
    let settings = &ctx.config.moderation;
    let (author, verdict, ladder) = (&judged.author, &judged.verdict, &judged.ladder);
    let chat_id = message.chat.id.0;
    let user_id = author.id;
    let now = ctx.now();
    let excerpt: String = judged.text.chars().take(200).collect();
    if !verdict.removes() {
        let mut conn = ctx.storage.write.acquire().await?;
        for hit in &verdict.hits {
            store::record_violation(
                &mut conn,
                &store::NewViolation {
                    chat_id,
                    user_id,
                    rule: &hit.rule,
                    detail: &hit.detail,
                    action: hit.action,
                    shadow: true,
                    excerpt: &excerpt,
                    at: now,
                    expires_at: now,
                },
            )
            .await?;
        }
        tracing::info!(chat_id, user_id, rules = ?verdict.rule_ids(), "shadow rules matched");
        return Ok(());
    }
    // What decides the step and whether to explain is read beside the writer: this group's earlier
    // messages were handled (and written) before this one, so the read pool already sees them.
    let window = settings.explain_window.get().as_secs() as i64;
    let (live, raid_on, explained_lately) = {
        let mut conn = ctx.storage.read.acquire().await?;
        (
            store::live_violations(&mut conn, chat_id, user_id, now).await?,
            crate::storage::raid::is_on(&mut conn, chat_id, now).await?,
            store::explained_since(&mut conn, chat_id, user_id, now - window).await?,
        )
    };
    let step = rules::ladder_step(ladder, live as usize);
    let Some((hit, action)) = verdict.decisive(step) else {
        return Ok(());
    };
    let expires_at = now + settings.violation_ttl.get().as_secs() as i64;
    let action_text = action.to_string();
    let entry = store::LogEntry {
        chat_id,
        user_id,
        is_channel: author.channel,
        rule: &hit.rule,
        detail: &hit.detail,
        action: &action_text,
        excerpt: &excerpt,
        actor_id: None,
        reverses_id: None,
        at: now,
        expires_at,
    };
    let restricts = if author.channel {
        matches!(action, Action::Kick | Action::Ban)
    } else {
        matches!(action, Action::Mute(_) | Action::Kick | Action::Ban)
    };
    // When the admin list cannot be read, the calls are tried anyway (a refusal is recorded by watch).
    let lacks = |right: Right| async move {
        ctx.admins
            .bot_missing(chat_id, &[right])
            .await
            .unwrap_or(None)
            .is_some()
    };
    let lacks_delete = lacks(Right::Delete).await;
    let lacks_restrict = restricts && lacks(Right::Restrict).await;
    let lacks_right = lacks_delete || lacks_restrict;
    // A member hears why only when the action happened, not during a raid (the bot must not add to the
    // flood), once per window and within the group's explanation budget.
    let explains = !lacks_right
        && !raid_on
        && !explained_lately
        && cache::take_explanation(ctx, chat_id, now, settings.explain_per_minute);
    let delete_at = now + settings.explain_ttl.get().as_secs() as i64;
    // The log entry, its failure and the explanation's row are written in one turn at the writer.
    let (violation_id, explanation_id) = {
        let mut conn = ctx.storage.write.acquire().await?;
        let violation_id = store::record_action(&mut conn, &entry).await?;
        if lacks_right {
            store::mark_failed(&mut conn, violation_id).await?;
        }
        let explanation_id = if explains {
            Some(
                store::add_explanation(&mut conn, chat_id, user_id, violation_id, now, delete_at)
                    .await?,
            )
        } else {
            None
        };
        (violation_id, explanation_id)
    };
    if !lacks_delete {
        ctx.outbound.delete(chat_id, message.id);
    }
    if !lacks_restrict {
        apply(ctx, chat_id, author, action, now, violation_id);
    }
    let lang = ctx.group_lang(chat_id).await;
    if lacks_right {
        let missing = if lacks_delete {
            Right::Delete
        } else {
            Right::Restrict
        };
        tracing::warn!(
            chat_id,
            user_id,
            right = missing.name(),
            "an automatic action lacks a right"
        );
        if cache::may_warn_rights(ctx, chat_id, now, RIGHTS_WARNING_GAP_SECS) {
            ctx.outbound.send_text(Text::plain(
                chat_id,
                ctx.ta(
                    lang,
                    "moderation-bot-lacks-right",
                    &fargs! {"right" => ctx.t(lang, &format!("right-{}", missing.name()))},
                ),
            ));
        }
    }
    log::mirror(ctx, violation_id, &entry).await?;
    if matches!(hit.kind, RuleKind::Flood) {
        cache::state(ctx)
            .flood
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .reset(chat_id, user_id);
    }
    tracing::info!(chat_id, user_id, rule = %hit.rule, %action, "message removed");
    // When the action did not (fully) happen the admins were told why and the member hears nothing.
    let Some(explanation_id) = explanation_id else {
        return Ok(());
    };
    let next = rules::ladder_step(ladder, live as usize + 1);
    // A link lock applies to everyone: a settled member's link is not "a newcomer's".
    let rule_wording = if hit.kind == RuleKind::Link && !judged.newcomer {
        "moderation-rule-link-locked".to_string()
    } else {
        format!("moderation-rule-{}", hit.kind.name())
    };
    let html = ctx.ta(
        lang,
        "moderation-explain",
        &fargs! {
            "member" => author.mention(),
            "rule" => ctx.t(lang, &rule_wording),
            "action" => action_words(ctx, lang, action),
            "next" => action_words(ctx, lang, next),
        },
    );
    let markup = InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::callback(
            ctx.t(lang, "moderation-button-appeal"),
            format!("{CALLBACK_PREFIX}appeal:{violation_id}"),
        ),
        InlineKeyboardButton::callback(
            ctx.t(lang, "moderation-button-undo"),
            format!("{CALLBACK_PREFIX}undo:{violation_id}"),
        ),
    ]]);
    let pending = ctx
        .outbound
        .send_text(Text::html(chat_id, html).reply_to(message).markup(markup));
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        let sent = match pending.wait().await {
            Ok(sent) => sent,
            Err(err) => {
                tracing::warn!(%err, chat_id, "explanation not sent");
                return;
            }
        };
        let stored = async {
            let mut conn = ctx.storage.write.acquire().await?;
            store::set_explanation_message(&mut conn, explanation_id, sent.id.0).await
        };
        if let Err(err) = stored.await {
            tracing::warn!(%err, chat_id, "explanation id not stored; it will stay");
        }
    });
    Ok(())
}

/// Takes an action on a member (or a channel posting in the group) through the immediate queue
/// (deleting was done already); every call is watched, and one Telegram refuses marks the log entry
/// failed.
fn apply(ctx: &Ctx, chat_id: i64, author: &Author, action: Action, now: i64, log_id: i64) {
    let chat = ChatId(chat_id);
    if author.channel {
        // A channel cannot be muted or warned; removing the post is all, unless it is banned.
        if matches!(action, Action::Kick | Action::Ban) {
            let channel = ChatId(author.id);
            let pending = ctx
                .outbound
                .immediate_in(chat.0, "banChatSenderChat", move |bot| {
                    bot.ban_chat_sender_chat(chat, channel).send().boxed()
                });
            log::watch(ctx, log_id, pending);
        }
        return;
    }
    let user = UserId(author.id as u64);
    match action {
        Action::Delete | Action::Warn | Action::Escalate => {}
        Action::Mute(secs) => {
            let until = chrono::DateTime::from_timestamp(now + secs as i64, 0).unwrap_or_default();
            let pending = ctx
                .outbound
                .immediate_in(chat.0, "restrictChatMember", move |bot| {
                    bot.restrict_chat_member(chat, user, ChatPermissions::empty())
                        .until_date(until)
                        .send()
                        .boxed()
                });
            log::watch(ctx, log_id, pending);
        }
        Action::Kick => {
            let banned = ctx
                .outbound
                .immediate_in(chat.0, "banChatMember", move |bot| {
                    bot.ban_chat_member(chat, user).send().boxed()
                });
            let ctx = ctx.clone();
            ctx.tasks.clone().spawn(async move {
                match banned.wait().await {
                    Ok(_) => {
                        let lifted = ctx.outbound.unban(chat.0, user.0);
                        log::watch(&ctx, log_id, lifted);
                    }
                    Err(err) => {
                        tracing::warn!(%err, log_id, "an automatic kick failed");
                        if let Ok(mut conn) = ctx.storage.write.acquire().await {
                            let _ = store::mark_failed(&mut conn, log_id).await;
                        }
                    }
                }
            });
        }
        Action::Ban => {
            let pending = ctx
                .outbound
                .immediate_in(chat.0, "banChatMember", move |bot| {
                    bot.ban_chat_member(chat, user).send().boxed()
                });
            log::watch(ctx, log_id, pending);
        }
    }
}

fn action_words(ctx: &Ctx, lang: Lang, action: Action) -> String {
    match action {
        Action::Mute(secs) => ctx.ta(
            lang,
            "moderation-action-mute",
            &fargs! {"duration" => crate::args::format_duration(std::time::Duration::from_secs(secs))},
        ),
        Action::Delete => ctx.t(lang, "moderation-action-delete"),
        Action::Warn => ctx.t(lang, "moderation-action-warn"),
        Action::Kick => ctx.t(lang, "moderation-action-kick"),
        Action::Ban => ctx.t(lang, "moderation-action-ban"),
        Action::Escalate => ctx.t(lang, "moderation-action-ladder"),
    }
}

/// Answers a button press (immediate, never waits for the send budget).
pub(crate) fn answer(ctx: &Ctx, query: &CallbackQuery, text: String) {
    let id = query.id.clone();
    ctx.outbound.immediate("answerCallbackQuery", move |bot| {
        bot.answer_callback_query(id.clone())
            .text(text.clone())
            .send()
            .boxed()
    });
}

async fn on_button(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let data = query.data.clone().unwrap_or_default();
    let rest = data.trim_start_matches(CALLBACK_PREFIX);
    let (verb, id) = rest.split_once(':').unwrap_or((rest, ""));
    let lang = match query.message.as_ref() {
        Some(message) => ctx.group_lang(message.chat().id.0).await,
        None => ctx.default_lang(),
    };
    if admin::is_report_button(verb) {
        return admin::on_report_button(&ctx, &query, verb, id, lang).await;
    }
    let violation = match id.parse::<i64>() {
        Ok(id) => {
            let mut conn = ctx.storage.read.acquire().await?;
            store::get_violation(&mut conn, id).await?
        }
        Err(_) => None,
    };
    let Some(violation) = violation.filter(|v| {
        query
            .message
            .as_ref()
            .is_none_or(|m| m.chat().id.0 == v.chat_id)
    }) else {
        answer(&ctx, &query, ctx.t(lang, "moderation-button-unknown"));
        return Ok(());
    };
    match verb {
        "appeal" => appeal(&ctx, &query, &violation, lang).await,
        "undo" => undo(&ctx, &query, &violation, lang).await,
        _ => {
            answer(&ctx, &query, ctx.t(lang, "moderation-button-unknown"));
            Ok(())
        }
    }
}

async fn appeal(
    ctx: &Ctx,
    query: &CallbackQuery,
    violation: &store::Violation,
    lang: Lang,
) -> HandlerResult {
    if query.from.id.0 as i64 != violation.user_id {
        answer(ctx, query, ctx.t(lang, "moderation-appeal-not-yours"));
        return Ok(());
    }
    if violation.undone_by.is_some() {
        answer(ctx, query, ctx.t(lang, "moderation-undo-already"));
        return Ok(());
    }
    // An appeal is a group message: it comes out of the group's explanation budget, and waits while
    // raid mode is on.
    let now = ctx.now();
    if !may_notice(ctx, violation.chat_id, now).await? {
        answer(ctx, query, ctx.t(lang, "moderation-appeal-busy"));
        return Ok(());
    }
    let first = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::mark_appealed(&mut conn, violation.id, now).await?
    };
    if !first {
        answer(ctx, query, ctx.t(lang, "moderation-appeal-already"));
        return Ok(());
    }
    answer(ctx, query, ctx.t(lang, "moderation-appeal-sent"));
    let html = ctx.ta(
        lang,
        "moderation-appeal-posted",
        &fargs! {
            "member" => mention_html(violation.user_id, &full_name(&query.from)),
            "rule" => ctx.t(lang, &format!("moderation-rule-{}", rule_kind_name(&violation.rule))),
            "detail" => escape(&violation.detail),
            "action" => escape(&violation.action),
        },
    );
    let markup = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        ctx.t(lang, "moderation-button-undo"),
        format!("{CALLBACK_PREFIX}undo:{}", violation.id),
    )]]);
    let mut text = Text::html(violation.chat_id, html).markup(markup);
    if let Some(message) = query.message.as_ref().and_then(|m| m.regular_message()) {
        text = text.reply_to(message);
    }
    ctx.outbound.send_text(text);
    Ok(())
}

/// The rule kind of a stored rule id (`lock:photo` belongs to `media`).
fn rule_kind_name(rule: &str) -> &'static str {
    if rule.starts_with("lock:") {
        return RuleKind::Media.name();
    }
    RuleKind::parse(rule).unwrap_or(RuleKind::Keyword).name()
}

async fn undo(
    ctx: &Ctx,
    query: &CallbackQuery,
    violation: &store::Violation,
    lang: Lang,
) -> HandlerResult {
    let rights = ctx
        .admins
        .rights(violation.chat_id, query.from.id.0)
        .await?;
    if !rights.is_some_and(|r| r.has(Right::Restrict)) {
        answer(ctx, query, ctx.t(lang, "moderation-undo-admins-only"));
        return Ok(());
    }
    let first = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::undo_violation(&mut conn, violation.id, query.from.id.0 as i64, ctx.now()).await?
    };
    if !first {
        answer(ctx, query, ctx.t(lang, "moderation-undo-already"));
        return Ok(());
    }
    let chat = ChatId(violation.chat_id);
    let user = UserId(violation.user_id as u64);
    let now = ctx.now();
    let by = query.from.id.0 as i64;
    log::record(
        ctx,
        &store::LogEntry {
            chat_id: violation.chat_id,
            user_id: violation.user_id,
            is_channel: violation.is_channel,
            rule: &violation.rule,
            detail: "",
            action: "undo",
            excerpt: "",
            actor_id: Some(by),
            reverses_id: Some(violation.id),
            at: now,
            expires_at: now,
        },
    )
    .await?;
    if violation.actor_id.is_none() {
        log::learn(
            ctx,
            violation.chat_id,
            &violation.excerpt,
            classifier::Label::Ham,
            "undo",
            Some(by),
        )
        .await?;
    }
    match Action::parse(&violation.action) {
        Some(Action::Ban | Action::Kick) if violation.is_channel => {
            admin::unban(ctx, violation.chat_id, violation.user_id, true);
        }
        Some(Action::Mute(_)) if !violation.is_channel => {
            ctx.outbound
                .immediate_in(chat.0, "restrictChatMember", move |bot| {
                    bot.restrict_chat_member(chat, user, ChatPermissions::all())
                        .send()
                        .boxed()
                });
        }
        Some(Action::Ban | Action::Kick) => {
            ctx.outbound.unban(chat.0, user.0);
        }
        _ => {}
    }
    tracing::info!(
        chat_id = violation.chat_id,
        user_id = violation.user_id,
        rule = %violation.rule,
        "an admin undid an automatic action (false positive)"
    );
    answer(ctx, query, ctx.t(lang, "moderation-undo-done"));
    // The notice in the group comes out of the explanation budget and is left out during a raid; the
    // admin who pressed already has the answer above.
    if !may_notice(ctx, violation.chat_id, now).await? {
        return Ok(());
    }
    let name = {
        let mut conn = ctx.storage.read.acquire().await?;
        crate::storage::members::get_user(&mut conn, violation.user_id)
            .await?
            .map(|u| u.full_name())
            .unwrap_or_else(|| violation.user_id.to_string())
    };
    ctx.outbound.send_text(Text::html(
        violation.chat_id,
        ctx.ta(
            lang,
            "moderation-undo-posted",
            &fargs! {
                "member" => mention_html(violation.user_id, &name),
                "admin" => mention_html(query.from.id.0 as i64, &full_name(&query.from)),
            },
        ),
    ));
    Ok(())
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

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    if message.chat.is_private() {
        ctx.reply(&message, ctx.t(lang, "group-only"));
        return Ok(());
    }
    // Every command here changes (or shows) the group's settings: the change-info right (the creator
    // has every right).
    if !permitted(&ctx, &message, Right::ChangeInfo, lang).await? {
        return Ok(());
    }
    let chat_id = message.chat.id.0;
    let by = message.from.as_ref().map_or(0, |u| u.id.0 as i64);
    let reply = match command {
        Command::Filter(args) => filter(&ctx, chat_id, by, args.trim(), lang).await?,
        Command::Allowdomain(args) => allow_domain(&ctx, chat_id, by, args.trim(), lang).await?,
        Command::Lock(args) => lock(&ctx, chat_id, args.trim(), true, lang).await?,
        Command::Unlock(args) => lock(&ctx, chat_id, args.trim(), false, lang).await?,
        Command::Locks => locks(&ctx, chat_id, lang).await?,
        Command::Flood(args) => flood(&ctx, chat_id, args.trim(), lang).await?,
        Command::Rulemode(args) => rule_mode(&ctx, chat_id, args.trim(), lang).await?,
        Command::Ladder(args) => ladder(&ctx, chat_id, args.trim(), lang).await?,
    };
    let mut html = reply.text;
    if reply.changed {
        cache::reload(&ctx, chat_id).await?;
        if let Some(lacks) = ctx
            .bot_lacks(chat_id, &[Right::Delete, Right::Restrict], lang)
            .await?
        {
            html.push('\n');
            html.push_str(&escape(&lacks));
        }
    }
    for piece in crate::telegram::text::split(&html, crate::telegram::text::MAX_TEXT) {
        ctx.reply_html(&message, piece);
    }
    Ok(())
}

/// A command's answer (HTML) and whether the group's rules changed.
struct Reply {
    text: String,
    changed: bool,
}

impl Reply {
    fn said(text: String) -> Self {
        Reply {
            text,
            changed: false,
        }
    }
    fn changed(text: String) -> Self {
        Reply {
            text,
            changed: true,
        }
    }
}

async fn filter(ctx: &Ctx, chat_id: i64, by: i64, args: &str, lang: Lang) -> crate::Result<Reply> {
    let words = crate::args::split_words(args);
    let usage = || Reply::said(escape(&ctx.t(lang, "moderation-filter-usage")));
    let Some(verb) = words.first().map(|w| w.to_ascii_lowercase()) else {
        return Ok(usage());
    };
    let settings = &ctx.config.moderation;
    match verb.as_str() {
        "list" => {
            let mut conn = ctx.storage.read.acquire().await?;
            let filters = store::list_filters(&mut conn, chat_id).await?;
            if filters.is_empty() {
                return Ok(Reply::said(escape(&ctx.t(lang, "moderation-filter-none"))));
            }
            let mut text = format!(
                "<b>{}</b>\n",
                escape(&ctx.t(lang, "moderation-filter-title"))
            );
            for (kind, pattern, action) in filters {
                let shown = if kind == "regex" {
                    format!("re:{pattern}")
                } else {
                    pattern
                };
                text.push_str(&format!("• <code>{}</code>", escape(&shown)));
                if let Some(action) = action {
                    text.push_str(&format!(" → {}", escape(&action)));
                }
                text.push('\n');
            }
            Ok(Reply::said(text))
        }
        "add" | "del" | "remove" | "rm" => {
            let Some(raw) = words.get(1) else {
                return Ok(usage());
            };
            let (kind, pattern) = match raw.strip_prefix("re:") {
                Some(pattern) => ("regex", pattern.trim().to_string()),
                None => ("keyword", raw.trim().to_string()),
            };
            if pattern.is_empty() {
                return Ok(usage());
            }
            let mut conn = ctx.storage.write.acquire().await?;
            if verb != "add" {
                let removed = store::del_filter(&mut conn, chat_id, kind, &pattern).await?;
                let id = if removed {
                    "moderation-filter-removed"
                } else {
                    "moderation-filter-missing"
                };
                let text = escape(&ctx.ta(lang, id, &fargs! {"pattern" => pattern}));
                return Ok(if removed {
                    Reply::changed(text)
                } else {
                    Reply::said(text)
                });
            }
            let rest: Vec<&str> = words[2..].iter().map(String::as_str).collect();
            let action = if rest.is_empty() {
                None
            } else {
                match Action::parse_words(&rest) {
                    Some((action, used)) if used == rest.len() => Some(action),
                    _ => {
                        return Ok(Reply::said(escape(&ctx.ta(
                            lang,
                            "moderation-bad-action",
                            &fargs! {"action" => rest.join(" ")},
                        ))))
                    }
                }
            };
            let (checked, limit) = if kind == "regex" {
                (
                    rules::check_regex(&pattern, cache::limits(ctx)).map(|_| ()),
                    settings.max_regexes,
                )
            } else {
                (
                    rules::check_keyword(&pattern).map(|_| ()),
                    settings.max_keywords,
                )
            };
            if let Err(err) = checked {
                let text = match err {
                    rules::PatternError::EmptyPhrase => ctx.t(lang, "moderation-filter-empty"),
                    rules::PatternError::BadRegex(reason) => ctx.ta(
                        lang,
                        "moderation-filter-bad-regex",
                        &fargs! {"reason" => reason},
                    ),
                };
                return Ok(Reply::said(escape(&text)));
            }
            if store::count_filters(&mut conn, chat_id, kind).await? >= limit as i64 {
                return Ok(Reply::said(escape(&ctx.ta(
                    lang,
                    "moderation-filter-full",
                    &fargs! {"max" => limit},
                ))));
            }
            let added =
                store::add_filter(&mut conn, chat_id, kind, &pattern, action, by, ctx.now())
                    .await?;
            if !added {
                return Ok(Reply::said(escape(&ctx.ta(
                    lang,
                    "moderation-filter-exists",
                    &fargs! {"pattern" => pattern},
                ))));
            }
            let action_text = action.map_or_else(
                || ctx.t(lang, "moderation-action-ladder"),
                |a| action_words(ctx, lang, a),
            );
            Ok(Reply::changed(escape(&ctx.ta(
                lang,
                "moderation-filter-added",
                &fargs! {"pattern" => pattern, "action" => action_text},
            ))))
        }
        _ => Ok(usage()),
    }
}

async fn allow_domain(
    ctx: &Ctx,
    chat_id: i64,
    by: i64,
    args: &str,
    lang: Lang,
) -> crate::Result<Reply> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let (remove, raw) = match words.as_slice() {
        [] => {
            let mut conn = ctx.storage.read.acquire().await?;
            let domains = store::list_domains(&mut conn, chat_id).await?;
            let text = if domains.is_empty() {
                ctx.t(lang, "moderation-domains-none")
            } else {
                ctx.ta(
                    lang,
                    "moderation-domains-list",
                    &fargs! {"domains" => domains.join(", ")},
                )
            };
            return Ok(Reply::said(escape(&text)));
        }
        [domain] => (false, *domain),
        ["del" | "remove" | "rm", domain] => (true, *domain),
        _ => {
            return Ok(Reply::said(escape(
                &ctx.t(lang, "moderation-domains-usage"),
            )))
        }
    };
    let domain = rules::clean_domain(raw);
    if !rules::is_domain(&domain) {
        return Ok(Reply::said(escape(&ctx.ta(
            lang,
            "moderation-domains-bad",
            &fargs! {"domain" => raw.to_string()},
        ))));
    }
    let mut conn = ctx.storage.write.acquire().await?;
    let changed = if remove {
        store::del_domain(&mut conn, chat_id, &domain).await?
    } else {
        store::add_domain(&mut conn, chat_id, &domain, by, ctx.now()).await?
    };
    let id = match (remove, changed) {
        (false, true) => "moderation-domains-added",
        (false, false) => "moderation-domains-already",
        (true, true) => "moderation-domains-removed",
        (true, false) => "moderation-domains-missing",
    };
    let text = escape(&ctx.ta(lang, id, &fargs! {"domain" => domain}));
    Ok(if changed {
        Reply::changed(text)
    } else {
        Reply::said(text)
    })
}

fn lock_names() -> String {
    Lock::ALL.map(Lock::name).join(", ")
}

async fn lock(
    ctx: &Ctx,
    chat_id: i64,
    args: &str,
    locked: bool,
    lang: Lang,
) -> crate::Result<Reply> {
    let Some(kind) = Lock::parse(args).filter(|_| !args.is_empty()) else {
        return Ok(Reply::said(escape(&ctx.ta(
            lang,
            "moderation-lock-usage",
            &fargs! {"types" => lock_names()},
        ))));
    };
    let mut conn = ctx.storage.write.acquire().await?;
    let changed = store::set_lock(&mut conn, chat_id, kind, locked).await?;
    let id = match (locked, changed) {
        (true, true) => "moderation-locked",
        (true, false) => "moderation-locked-already",
        (false, true) => "moderation-unlocked",
        (false, false) => "moderation-unlocked-already",
    };
    let text = escape(&ctx.ta(lang, id, &fargs! {"type" => kind.name()}));
    Ok(if changed {
        Reply::changed(text)
    } else {
        Reply::said(text)
    })
}

async fn locks(ctx: &Ctx, chat_id: i64, lang: Lang) -> crate::Result<Reply> {
    let mut conn = ctx.storage.read.acquire().await?;
    let locked = store::list_locks(&mut conn, chat_id).await?;
    let text = if locked.is_empty() {
        ctx.t(lang, "moderation-locks-none")
    } else {
        ctx.ta(
            lang,
            "moderation-locks-list",
            &fargs! {"types" => locked.iter().map(|l| l.name()).collect::<Vec<_>>().join(", ")},
        )
    };
    Ok(Reply::said(escape(&format!(
        "{text}\n{}",
        ctx.t(lang, "moderation-locks-newcomers")
    ))))
}

async fn flood(ctx: &Ctx, chat_id: i64, args: &str, lang: Lang) -> crate::Result<Reply> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let settings = &ctx.config.moderation;
    let usage = || Reply::said(escape(&ctx.t(lang, "moderation-flood-usage")));
    if words.is_empty() {
        let compiled = cache::rules_for(ctx, chat_id).await?;
        let text = match compiled.rules.flood {
            Some((count, seconds)) => ctx.ta(
                lang,
                "moderation-flood-current",
                &fargs! {
                    "count" => count,
                    "seconds" => seconds,
                    "action" => action_words(ctx, lang, compiled.rules.action(RuleKind::Flood)),
                },
            ),
            None => ctx.t(lang, "moderation-flood-off"),
        };
        return Ok(Reply::said(escape(&text)));
    }
    let mut conn = ctx.storage.write.acquire().await?;
    if words == ["off"] {
        store::set_flood(&mut conn, chat_id, settings, (0, 0), None, ctx.now()).await?;
        return Ok(Reply::changed(escape(&ctx.t(lang, "moderation-flood-off"))));
    }
    let (Some(count), Some(seconds)) = (
        words.first().and_then(|w| w.parse::<u32>().ok()),
        words.get(1).and_then(|w| w.parse::<u32>().ok()),
    ) else {
        return Ok(usage());
    };
    if !(2..=100).contains(&count) || !(1..=3600).contains(&seconds) {
        return Ok(usage());
    }
    let action = if words.len() > 2 {
        match Action::parse_words(&words[2..]) {
            Some((action, used)) if used == words.len() - 2 => Some(action),
            _ => {
                return Ok(Reply::said(escape(&ctx.ta(
                    lang,
                    "moderation-bad-action",
                    &fargs! {"action" => words[2..].join(" ")},
                ))))
            }
        }
    } else {
        None
    };
    store::set_flood(
        &mut conn,
        chat_id,
        settings,
        (count, seconds),
        action,
        ctx.now(),
    )
    .await?;
    drop(conn);
    let compiled = cache::reload(ctx, chat_id).await?;
    Ok(Reply::changed(escape(&ctx.ta(
        lang,
        "moderation-flood-set",
        &fargs! {
            "count" => count,
            "seconds" => seconds,
            "action" => action_words(ctx, lang, compiled.rules.action(RuleKind::Flood)),
        },
    ))))
}

async fn rule_mode(ctx: &Ctx, chat_id: i64, args: &str, lang: Lang) -> crate::Result<Reply> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let names = RuleKind::ALL.map(RuleKind::name).join(", ");
    let usage = || {
        Reply::said(escape(&ctx.ta(
            lang,
            "moderation-rulemode-usage",
            &fargs! {"rules" => names.clone()},
        )))
    };
    if words.is_empty() {
        let compiled = cache::rules_for(ctx, chat_id).await?;
        let mut text = format!(
            "<b>{}</b>\n",
            escape(&ctx.t(lang, "moderation-rulemode-title"))
        );
        for kind in RuleKind::ALL {
            text.push_str(&format!(
                "{} — {} · {}\n",
                kind.name(),
                compiled.rules.mode(kind).name(),
                escape(&action_words(ctx, lang, compiled.rules.action(kind)))
            ));
        }
        return Ok(Reply::said(text));
    }
    let (Some(kind), Some(mode)) = (
        words.first().and_then(|w| RuleKind::parse(w)),
        words.get(1).and_then(|w| Mode::parse(w)),
    ) else {
        return Ok(usage());
    };
    let action = if words.len() > 2 {
        match Action::parse_words(&words[2..]) {
            Some((action, used)) if used == words.len() - 2 => Some(action),
            _ => {
                return Ok(Reply::said(escape(&ctx.ta(
                    lang,
                    "moderation-bad-action",
                    &fargs! {"action" => words[2..].join(" ")},
                ))))
            }
        }
    } else {
        None
    };
    let mut conn = ctx.storage.write.acquire().await?;
    store::set_mode(&mut conn, chat_id, kind, mode, action).await?;
    Ok(Reply::changed(escape(&ctx.ta(
        lang,
        "moderation-rulemode-set",
        &fargs! {"rule" => kind.name(), "mode" => mode.name()},
    ))))
}

fn ladder_words(ctx: &Ctx, lang: Lang, ladder: &[Action]) -> String {
    ladder
        .iter()
        .map(|step| action_words(ctx, lang, *step))
        .collect::<Vec<_>>()
        .join(" → ")
}

async fn ladder(ctx: &Ctx, chat_id: i64, args: &str, lang: Lang) -> crate::Result<Reply> {
    let settings = &ctx.config.moderation;
    if args.is_empty() {
        let compiled = cache::rules_for(ctx, chat_id).await?;
        return Ok(Reply::said(escape(&ctx.ta(
            lang,
            "moderation-ladder-current",
            &fargs! {"ladder" => ladder_words(ctx, lang, &compiled.ladder)},
        ))));
    }
    let steps = if args.eq_ignore_ascii_case("reset") {
        None
    } else {
        let mut steps = Vec::new();
        for step in args.split([',', '，']).map(str::trim) {
            match Action::parse(step) {
                Some(action) if action != Action::Escalate => steps.push(action),
                _ => {
                    return Ok(Reply::said(escape(&ctx.ta(
                        lang,
                        "moderation-ladder-bad",
                        &fargs! {"step" => step.to_string()},
                    ))))
                }
            }
        }
        if steps.is_empty() || steps.len() > 10 {
            return Ok(Reply::said(escape(&ctx.t(lang, "moderation-ladder-usage"))));
        }
        Some(steps)
    };
    {
        let mut conn = ctx.storage.write.acquire().await?;
        store::set_ladder(&mut conn, chat_id, settings, steps.as_deref(), ctx.now()).await?;
    }
    let compiled = cache::reload(ctx, chat_id).await?;
    Ok(Reply::changed(escape(&ctx.ta(
        lang,
        "moderation-ladder-set",
        &fargs! {"ladder" => ladder_words(ctx, lang, &compiled.ladder)},
    ))))
}
