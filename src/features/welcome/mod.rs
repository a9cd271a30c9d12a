//! Welcome and goodbye, the entry gate (captcha, the owner's quiz, join requests), group rules and
//! anti-raid.
//!
//! A join arrives as a `chat_member` update (when the bot is an admin) and/or a "X joined" service
//! message; the first copy is handled and the second is recognized by the recent-joins table. A newcomer
//! who is not exempt (an admin, added by an admin, or a join requester who passed in private) is
//! restricted and waits for a question. One captcha message asks everyone waiting in the group the same
//! question, and at most one such message goes out per message gap (a quarter of the group's send
//! budget), so a wave of joins costs a few messages; each member's time limit starts when the message was
//! actually sent. Gates live in SQL, so a press after a restart and a timeout during one still resolve.
//! Passing lifts the restriction and queues the member for the next welcome; the ticker posts one
//! welcome naming everyone queued, at most one per message gap, and in clean mode deletes the previous
//! one. Too many joins at once switch raid mode on: newcomers (and those still waiting for their question)
//! are restricted (or removed) silently, welcomes stop, and one notice tells the admins. When it ends, one
//! message lists the held members; each answers the group's own check in a private chat with the bot.

pub mod gate;
pub mod settings;
pub mod store;
pub mod template;

use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::Right;
use crate::telegram::commands::{Audience, CommandInfo};
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, full_name, mention_html};
use crate::telegram::{Handler, HandlerResult};
use futures::future::BoxFuture;
use futures::FutureExt;
use gate::{Challenge, Mode, Quiz};
use settings::{FailAction, RaidAction, Undeliverable};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use store::{Batch, Choice, Column, Gate, GroupChoices, NewBatch, Queued, Slot, UNASKED};
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQuery, Chat, ChatJoinRequest, ChatMemberUpdated, ChatPermissions, InlineKeyboardButton,
    InlineKeyboardMarkup, MessageId, User,
};
use teloxide::utils::command::BotCommands;

/// The commands of this feature.
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "rules",
        description: "welcome-cmd-rules",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "welcome",
        description: "welcome-cmd-welcome",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "setwelcome",
        description: "welcome-cmd-setwelcome",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "goodbye",
        description: "welcome-cmd-goodbye",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "setgoodbye",
        description: "welcome-cmd-setgoodbye",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "cleanwelcome",
        description: "welcome-cmd-cleanwelcome",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "captcha",
        description: "welcome-cmd-captcha",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "setquiz",
        description: "welcome-cmd-setquiz",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "setrules",
        description: "welcome-cmd-setrules",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "antiraid",
        description: "welcome-cmd-antiraid",
        audience: Audience::Admins,
    },
];

#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
enum Command {
    Rules,
    Welcome(String),
    SetWelcome(String),
    Goodbye(String),
    SetGoodbye(String),
    CleanWelcome(String),
    Captcha(String),
    SetQuiz(String),
    SetRules(String),
    AntiRaid(String),
}

/// A second copy of the same join (service message after `chat_member`) within this many seconds is
/// ignored.
const JOIN_DEDUPE_SECS: i64 = 60;
/// A join request's passed check exempts the member's join for this long after it was passed.
const REQUEST_PASS_SECS: i64 = 86_400;
/// The "I cannot gate here" notice is repeated at most this often.
const WARN_GAP_SECS: i64 = 3600;
/// The longest rules text, in characters.
const MAX_RULES_CHARS: usize = 3500;
/// The deep-link payload prefix that opens a group's rules in a private chat.
const RULES_PAYLOAD: &str = "rules_";

/// This feature's branch of the handler tree. It takes only joins and leaves, join requests, presses on
/// gate buttons, its own commands and `/start rules_…` deep links; everything else falls through.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(
            Update::filter_chat_member()
                .filter(|change: ChatMemberUpdated| {
                    is_group(&change.chat)
                        && change.old_chat_member.is_present()
                            != change.new_chat_member.is_present()
                })
                .endpoint(on_member_change),
        )
        .branch(
            Update::filter_chat_member()
                .filter(|change: ChatMemberUpdated| {
                    is_group(&change.chat)
                        && change.old_chat_member.kind.is_restricted()
                        && (change.new_chat_member.kind.is_member()
                            || change.new_chat_member.kind.is_privileged())
                })
                .filter_async(|ctx: Ctx, change: ChatMemberUpdated| async move {
                    if change.from.id == ctx.me.id {
                        return false;
                    }
                    let user_id = change.new_chat_member.user.id.0 as i64;
                    match ctx.storage.write.acquire().await {
                        Ok(mut conn) => store::is_waiting(&mut conn, change.chat.id.0, user_id)
                            .await
                            .unwrap_or(false),
                        Err(_) => false,
                    }
                })
                .endpoint(on_let_in_by_admin),
        )
        .branch(Update::filter_chat_join_request().endpoint(on_join_request))
        .branch(
            Update::filter_callback_query()
                .filter(|query: CallbackQuery| {
                    query.data.as_deref().is_some_and(|data| {
                        gate::parse_callback(data).is_some()
                            || gate::parse_batch_callback(data).is_some()
                    })
                })
                .endpoint(on_gate_press),
        )
        .branch(
            Update::filter_callback_query()
                .filter(|query: CallbackQuery| query.data.as_deref() == Some(gate::RELEASE_DATA))
                .endpoint(on_release_press),
        )
        .branch(
            Update::filter_message()
                .branch(
                    dptree::filter(|m: Message| {
                        is_group(&m.chat)
                            && (m.new_chat_members().is_some() || m.left_chat_member().is_some())
                    })
                    .endpoint(on_service_message),
                )
                .branch(
                    dptree::filter(|m: Message| {
                        m.chat.is_private()
                            && m.text().is_some_and(|t| {
                                t.strip_prefix("/start ")
                                    .is_some_and(|p| p.trim().starts_with(RULES_PAYLOAD))
                            })
                    })
                    .endpoint(on_rules_deep_link),
                )
                .branch(
                    dptree::filter(|m: Message| {
                        m.chat.is_private()
                            && m.text().is_some_and(|t| {
                                t.strip_prefix("/start ")
                                    .is_some_and(|p| p.trim().starts_with(gate::RELEASE_PAYLOAD))
                            })
                    })
                    .endpoint(on_release_deep_link),
                )
                .branch(
                    dptree::entry()
                        .filter_command::<Command>()
                        .endpoint(on_command),
                ),
        )
}

fn is_group(chat: &Chat) -> bool {
    chat.is_group() || chat.is_supergroup()
}

// ---------------------------------------------------------------------------------------------------
// Telegram calls

fn restrict(ctx: &Ctx, chat_id: i64, user_id: i64) {
    ctx.outbound
        .immediate_in(chat_id, "restrictChatMember", move |bot| {
            bot.restrict_chat_member(
                ChatId(chat_id),
                UserId(user_id as u64),
                ChatPermissions::empty(),
            )
            .send()
            .boxed()
        });
}

/// What a member may do once let in: every kind of message and media (the group's own defaults still
/// apply on top).
fn member_permissions() -> ChatPermissions {
    ChatPermissions::SEND_MESSAGES
        | ChatPermissions::SEND_MEDIA_MESSAGES
        | ChatPermissions::SEND_POLLS
        | ChatPermissions::SEND_OTHER_MESSAGES
        | ChatPermissions::ADD_WEB_PAGE_PREVIEWS
}

fn unrestrict(ctx: &Ctx, chat_id: i64, user_id: i64) {
    ctx.outbound
        .immediate_in(chat_id, "restrictChatMember", move |bot| {
            bot.restrict_chat_member(
                ChatId(chat_id),
                UserId(user_id as u64),
                member_permissions(),
            )
            .send()
            .boxed()
        });
}

/// Removes a member who may come back: a ban that ends in a minute (an `until_date` under 30 s would be
/// forever), then an unban that only lifts bans.
fn kick(ctx: &Ctx, chat_id: i64, user_id: i64) {
    let until = ctx.clock.now() + chrono::Duration::seconds(60);
    let ban = ctx
        .outbound
        .immediate_in(chat_id, "banChatMember", move |bot| {
            bot.ban_chat_member(ChatId(chat_id), UserId(user_id as u64))
                .until_date(until)
                .send()
                .boxed()
        });
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        if let Err(err) = ban.wait().await {
            tracing::warn!(%err, chat_id, user_id, "could not remove a member");
            return;
        }
        let unban = ctx.outbound.unban(chat_id, user_id as u64);
        if let Err(err) = unban.wait().await {
            tracing::warn!(%err, chat_id, user_id, "could not lift a kick's ban");
        }
    });
}

fn ban(ctx: &Ctx, chat_id: i64, user_id: i64) {
    ctx.outbound
        .immediate_in(chat_id, "banChatMember", move |bot| {
            bot.ban_chat_member(ChatId(chat_id), UserId(user_id as u64))
                .send()
                .boxed()
        });
}

fn answer_press(ctx: &Ctx, query: &CallbackQuery, text: String, alert: bool) {
    let id = query.id.clone();
    ctx.outbound.immediate("answerCallbackQuery", move |bot| {
        bot.answer_callback_query(id.clone())
            .text(text.clone())
            .show_alert(alert)
            .send()
            .boxed()
    });
}

/// Answers a press by opening a link in the member's app (a deep link into a private chat with the bot).
fn answer_press_url(ctx: &Ctx, query: &CallbackQuery, url: reqwest::Url) {
    let id = query.id.clone();
    ctx.outbound.immediate("answerCallbackQuery", move |bot| {
        bot.answer_callback_query(id.clone())
            .url(url.clone())
            .send()
            .boxed()
    });
}

/// The deep link that asks a member held during a raid the group's check in a private chat.
fn release_link(ctx: &Ctx, chat_id: i64) -> Option<reqwest::Url> {
    let username = ctx.me.username.as_deref()?;
    format!(
        "https://t.me/{username}?start={}{chat_id}",
        gate::RELEASE_PAYLOAD
    )
    .parse()
    .ok()
}

/// How long joins are collected before one captcha message (or one welcome) names them together.
fn window_of(ctx: &Ctx) -> i64 {
    ctx.config.welcome.coalesce_window.get().as_secs() as i64
}

/// The shortest time in seconds between two captcha messages, and between two welcomes, of one group.
fn gap_of(ctx: &Ctx) -> i64 {
    let budget = ctx.config.limits.per_group;
    gate::message_gap(
        budget.count,
        budget.window.as_secs().max(1),
        ctx.config.welcome.message_gap.get().as_secs(),
    ) as i64
}

/// The batches this running bot has handed to the outbound queue.
#[derive(Default)]
struct QueuedBatches(Mutex<HashSet<i64>>);

/// The batches this running bot has handed to the outbound queue. It starts empty, so after a restart
/// the batches whose message was never confirmed sent are sent again.
fn queued_batches(ctx: &Ctx) -> Arc<QueuedBatches> {
    ctx.local(QueuedBatches::default)
}

fn rules_link(ctx: &Ctx, chat_id: i64) -> Option<reqwest::Url> {
    let username = ctx.me.username.as_deref()?;
    format!("https://t.me/{username}?start={RULES_PAYLOAD}{chat_id}")
        .parse()
        .ok()
}

// ---------------------------------------------------------------------------------------------------
// Settings a group may have changed

fn mode_of(ctx: &Ctx, choices: &GroupChoices) -> Mode {
    choices
        .captcha_mode
        .as_deref()
        .and_then(Mode::parse)
        .or_else(|| Mode::parse(&ctx.config.welcome.captcha))
        .unwrap_or(Mode::Button)
}

fn timeout_of(ctx: &Ctx, choices: &GroupChoices) -> i64 {
    choices
        .captcha_timeout
        .unwrap_or(ctx.config.welcome.captcha_timeout.get().as_secs() as i64)
}

fn raid_rule_of(ctx: &Ctx, choices: &GroupChoices) -> (i64, i64) {
    (
        choices
            .raid_joins
            .unwrap_or(ctx.config.welcome.raid_joins as i64),
        choices
            .raid_window
            .unwrap_or(ctx.config.welcome.raid_window.get().as_secs() as i64),
    )
}

fn quiz_of(choices: &GroupChoices) -> Option<Quiz> {
    Quiz::from_stored(
        choices.quiz_question.as_deref()?,
        choices.quiz_answers.as_deref()?,
    )
}

async fn load_choices(ctx: &Ctx, chat_id: i64) -> crate::Result<GroupChoices> {
    let mut conn = ctx.storage.write.acquire().await?;
    store::choices(&mut conn, chat_id).await
}

async fn save(ctx: &Ctx, chat_id: i64, column: Column, value: Choice) -> crate::Result<()> {
    let mut conn = ctx.storage.write.acquire().await?;
    store::set(&mut conn, chat_id, column, value).await
}

// ---------------------------------------------------------------------------------------------------
// Joins and leaves

async fn on_member_change(ctx: Ctx, change: ChatMemberUpdated) -> HandlerResult {
    let user = &change.new_chat_member.user;
    if change.new_chat_member.is_present() {
        on_join(&ctx, &change.chat, user, &change.from).await
    } else {
        forget_join(&ctx, change.chat.id.0, user).await?;
        on_leave(&ctx, &change.chat, user, &change.from).await
    }
}

/// An admin lifted the restriction of a member who was still being checked (or held since a raid): the
/// check ends as passed, its question is deleted, and they join the next welcome.
async fn on_let_in_by_admin(ctx: Ctx, change: ChatMemberUpdated) -> HandlerResult {
    let chat_id = change.chat.id.0;
    let user = &change.new_chat_member.user;
    let user_id = user.id.0 as i64;
    let gate = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::unhold(&mut conn, chat_id, user_id).await?;
        store::close_gate_of(&mut conn, chat_id, user_id).await?
    };
    if let Some(gate) = gate {
        finish_question(&ctx, &gate).await?;
    }
    tracing::info!(
        chat_id,
        user_id,
        "an admin let a member in before the check ended"
    );
    enqueue_welcome(&ctx, chat_id, &queued(user)).await
}

/// Notes that a member left: their next join is a new one (and gated again), and a check they had
/// pending in the group ends without action, its question deleted.
async fn forget_join(ctx: &Ctx, chat_id: i64, member: &User) -> crate::Result<()> {
    let user_id = member.id.0 as i64;
    let closed = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::record_leave(&mut conn, chat_id, user_id).await?;
        store::unhold(&mut conn, chat_id, user_id).await?;
        match store::gate_of(&mut conn, chat_id, user_id).await? {
            Some(gate) if !gate.via_request => store::close_gate(&mut conn, gate.id).await?,
            _ => None,
        }
    };
    if let Some(gate) = closed {
        finish_question(ctx, &gate).await?;
    }
    Ok(())
}

async fn on_service_message(ctx: Ctx, message: Message) -> HandlerResult {
    let chat_id = message.chat.id.0;
    if ctx.config.welcome.delete_service_messages {
        let lang = ctx.group_lang(chat_id).await;
        match ctx.bot_lacks(chat_id, &[Right::Delete], lang).await? {
            Some(lack) => warn_rarely(&ctx, chat_id, lack).await?,
            None => {
                ctx.outbound.delete(chat_id, message.id);
            }
        }
    }
    let Some(from) = message.from.as_ref() else {
        return Ok(());
    };
    if let Some(members) = message.new_chat_members() {
        for member in members {
            on_join(&ctx, &message.chat, member, from).await?;
        }
    }
    if let Some(member) = message.left_chat_member() {
        forget_join(&ctx, chat_id, member).await?;
        // When the bot is an admin the same leave also arrives as a chat_member update; say goodbye once.
        let bot_is_admin = ctx
            .groups
            .get(&ctx.storage, chat_id)
            .await?
            .is_some_and(|g| g.bot_status == "administrator");
        if !bot_is_admin {
            on_leave(&ctx, &message.chat, member, from).await?;
        }
    }
    Ok(())
}

fn queued(user: &User) -> Queued {
    Queued {
        user_id: user.id.0 as i64,
        first_name: user.first_name.clone(),
        full_name: full_name(user),
        username: user.username.clone(),
    }
}

/// A member is in: they passed the gate, were let in, or joined where no gate applies. Records that on the
/// member (referral validity and the conversion funnel read it) and queues them for the next welcome.
async fn enqueue_welcome(ctx: &Ctx, chat_id: i64, member: &Queued) -> crate::Result<()> {
    let mut conn = ctx.storage.write.acquire().await?;
    crate::storage::members::mark_verified(&mut conn, chat_id, member.user_id, ctx.now()).await?;
    store::enqueue(&mut conn, chat_id, member, ctx.now()).await
}

async fn on_join(ctx: &Ctx, chat: &Chat, member: &User, adder: &User) -> HandlerResult {
    let chat_id = chat.id.0;
    let user_id = member.id.0 as i64;
    if member.id == ctx.me.id {
        return Ok(());
    }
    let now = ctx.now();
    let settings = &ctx.config.welcome;
    let (choices, raid_started) = {
        let mut tx = ctx.storage.write.begin().await?;
        if !store::record_join(&mut tx, chat_id, user_id, now, JOIN_DEDUPE_SECS).await? {
            return Ok(());
        }
        let mut choices = store::choices(&mut tx, chat_id).await?;
        let mut raid_started = false;
        if choices.raid_until <= now && !member.is_bot {
            let (joins, window) = raid_rule_of(ctx, &choices);
            let times = store::join_times(&mut tx, chat_id, now - window).await?;
            if gate::is_raid(&times, now, joins as u32, window) {
                choices.raid_until = now + settings.raid_duration.get().as_secs() as i64;
                store::set(
                    &mut tx,
                    chat_id,
                    Column::RaidUntil,
                    Choice::Int(choices.raid_until),
                )
                .await?;
                store::clear_queue(&mut tx, chat_id).await?;
                // Newcomers still waiting for their question are held like the raid's joiners: their
                // question would only add to the flood.
                for waiting in store::take_unasked(&mut tx, chat_id).await? {
                    let member = Queued {
                        user_id: waiting.user_id,
                        first_name: waiting.user_name.clone(),
                        full_name: waiting.user_name,
                        username: None,
                    };
                    store::hold(&mut tx, chat_id, &member, now).await?;
                }
                raid_started = true;
            }
        }
        tx.commit().await?;
        (choices, raid_started)
    };
    let lang = ctx.group_lang(chat_id).await;
    if raid_started {
        let (joins, window) = raid_rule_of(ctx, &choices);
        tracing::warn!(chat_id, joins, window, "raid mode switched on");
        let minutes = settings.raid_duration.get().as_secs() / 60;
        ctx.outbound.send_text(Text::html(
            chat_id,
            ctx.ta(
                lang,
                "welcome-raid-on",
                &fargs! {"joins" => joins, "seconds" => window, "minutes" => minutes},
            ),
        ));
    }
    let added_by_other = adder.id != member.id;
    let adder_is_admin = added_by_other
        && (adder.id == ctx.me.id || ctx.admins.is_admin(chat_id, adder.id.0).await?);
    if member.is_bot {
        if settings.remove_bots_added_by_members && !adder_is_admin {
            if let Some(lack) = ctx.bot_lacks(chat_id, &[Right::Restrict], lang).await? {
                warn_rarely(ctx, chat_id, lack).await?;
                return Ok(());
            }
            tracing::info!(chat_id, user_id, "removing a bot a member added");
            kick(ctx, chat_id, user_id);
        }
        return Ok(());
    }
    // A join request answered in a private chat ends here: whoever approved it, they are in now. A
    // requester who passed the check in private is not checked again, whichever copy of the join
    // (service message or chat_member update) comes first.
    let (request_gate, passed_request) = {
        let mut conn = ctx.storage.write.acquire().await?;
        let gate = match store::gate_of(&mut conn, chat_id, user_id).await? {
            Some(gate) if gate.via_request => store::close_gate(&mut conn, gate.id).await?,
            _ => None,
        };
        let passed =
            store::take_request_pass(&mut conn, chat_id, user_id, now - REQUEST_PASS_SECS).await?;
        (gate, passed)
    };
    if let Some(gate) = request_gate {
        finish_question(ctx, &gate).await?;
    }
    let exempt =
        adder_is_admin || passed_request || ctx.admins.is_admin(chat_id, user_id as u64).await?;
    if choices.raid_until > now && !exempt {
        if !chat.is_supergroup() {
            // A basic group cannot restrict anyone: the raid only silences the welcomes there.
            return Ok(());
        }
        match settings.raid_action {
            RaidAction::Restrict => {
                restrict(ctx, chat_id, user_id);
                let mut conn = ctx.storage.write.acquire().await?;
                store::hold(&mut conn, chat_id, &queued(member), now).await?;
            }
            RaidAction::Kick => kick(ctx, chat_id, user_id),
        }
        return Ok(());
    }
    let mode = mode_of(ctx, &choices);
    if exempt || mode == Mode::Off {
        return enqueue_welcome(ctx, chat_id, &queued(member)).await;
    }
    if !chat.is_supergroup() {
        warn_rarely(ctx, chat_id, ctx.t(lang, "welcome-needs-supergroup")).await?;
        return enqueue_welcome(ctx, chat_id, &queued(member)).await;
    }
    if let Some(lack) = ctx.bot_lacks(chat_id, &[Right::Restrict], lang).await? {
        warn_rarely(ctx, chat_id, lack).await?;
        return enqueue_welcome(ctx, chat_id, &queued(member)).await;
    }
    // The gate waits for its question: the group's next captcha message asks everyone who joined within
    // the same collection window (and those who waited for the captcha gap).
    let name = full_name(member);
    let id = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::open_gate(
            &mut conn,
            &store::NewGate {
                chat_id,
                user_id,
                user_name: &name,
                kind: mode.name(),
                via_request: false,
                message_chat: chat_id,
                options: &[],
                answer: 0,
                deadline: UNASKED,
                now,
            },
        )
        .await?
    };
    if id.is_none() {
        return Ok(());
    }
    restrict(ctx, chat_id, user_id);
    ask_waiting(ctx, chat_id).await
}

/// Asks the group's newcomers who wait for their question, all in one message, once the first of them
/// has waited `coalesce_window` (joins in that window are asked together) and the group's captcha gap
/// allows it; otherwise they keep waiting and a later tick asks them (with those who join meanwhile).
/// Nothing is asked while raid mode is on.
async fn ask_waiting(ctx: &Ctx, chat_id: i64) -> crate::Result<()> {
    let now = ctx.now();
    let choices = load_choices(ctx, chat_id).await?;
    if choices.raid_until > now {
        return Ok(());
    }
    let lang = ctx.group_lang(chat_id).await;
    // A group that switched its check off while members waited still asks them the plain button.
    let mode = match mode_of(ctx, &choices) {
        Mode::Off => Mode::Button,
        mode => mode,
    };
    let challenge = challenge_for(mode, &choices, lang, ctx);
    let kind = if challenge.question.is_empty() {
        Mode::Button
    } else {
        mode
    };
    let formed = {
        let mut tx = ctx.storage.write.begin().await?;
        if !store::has_unasked(&mut tx, chat_id, now - window_of(ctx)).await?
            || !store::claim_slot(&mut tx, chat_id, Slot::Captcha, now, gap_of(ctx)).await?
        {
            return Ok(());
        }
        let formed = store::form_batch(
            &mut tx,
            &NewBatch {
                chat_id,
                kind: kind.name(),
                question: &challenge.question,
                options: &challenge.options,
                answer: challenge.answer,
                timeout: timeout_of(ctx, &choices),
                limit: gate::MAX_PER_BATCH,
                now,
            },
        )
        .await?;
        tx.commit().await?;
        formed
    };
    if let Some((batch, gates)) = formed {
        send_batch(ctx, &batch, &gates, lang);
    }
    Ok(())
}

/// Sends a batch's captcha message without holding up the shard. Once Telegram confirms it, the listed
/// members' time limits start; when every listed member was resolved before that, the message is
/// deleted again. When Telegram refuses the message for good, the bot cannot ask, so the members are let
/// in rather than punished for a question they never saw.
fn send_batch(ctx: &Ctx, batch: &Batch, gates: &[Gate], lang: Lang) {
    let separator = match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    };
    let mentions: Vec<String> = gates
        .iter()
        .map(|g| mention_html(g.user_id, &g.user_name))
        .collect();
    let challenge = Challenge {
        question: batch.question.clone(),
        options: batch.options.lines().map(String::from).collect(),
        answer: batch.answer as usize,
    };
    let mode = Mode::parse(&batch.kind).unwrap_or(Mode::Button);
    let text = gate_text(
        ctx,
        lang,
        mode,
        &mentions.join(separator),
        &challenge,
        batch.timeout,
    );
    let mut markup = InlineKeyboardMarkup::default();
    let buttons: Vec<InlineKeyboardButton> = challenge
        .options
        .iter()
        .enumerate()
        .map(|(i, label)| {
            InlineKeyboardButton::callback(label.clone(), gate::batch_callback_data(batch.id, i))
        })
        .collect();
    for row in buttons.chunks(2) {
        markup = markup.append_row(row.to_vec());
    }
    queued_batches(ctx)
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(batch.id);
    let pending = ctx
        .outbound
        .send_text(Text::html(batch.chat_id, text).markup(markup));
    let (ctx, id, chat_id) = (ctx.clone(), batch.id, batch.chat_id);
    ctx.tasks.clone().spawn(async move {
        let result = async {
            match pending.wait().await {
                Ok(sent) => {
                    let mut conn = ctx.storage.write.acquire().await?;
                    let open =
                        store::batch_sent(&mut conn, id, sent.id.0 as i64, ctx.now()).await?;
                    if open.unwrap_or(0) == 0 {
                        store::drop_batch(&mut conn, id).await?;
                        ctx.outbound.delete(chat_id, sent.id);
                    }
                }
                // Shutting down: the next start sends the batch again.
                Err(crate::Error::OutboundClosed) => {}
                Err(err) => {
                    tracing::warn!(%err, chat_id, batch = id, "a captcha message could not be sent; letting its members in");
                    let closed = {
                        let mut conn = ctx.storage.write.acquire().await?;
                        let closed = store::close_batch(&mut conn, id).await?;
                        store::drop_batch(&mut conn, id).await?;
                        closed
                    };
                    for gate in closed {
                        unrestrict(&ctx, gate.chat_id, gate.user_id);
                    }
                }
            }
            Ok::<(), crate::Error>(())
        }
        .await;
        if let Err(err) = result {
            tracing::error!(%err, chat_id, batch = id, "captcha message bookkeeping failed");
        }
    });
}

/// Sends again the batches whose message a previous run queued but never saw sent.
async fn resend_unsent(ctx: &Ctx) -> crate::Result<()> {
    let unsent = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::unsent_batches(&mut conn).await?
    };
    let queued = queued_batches(ctx);
    for batch in unsent {
        if queued
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&batch.id)
        {
            continue;
        }
        let gates = {
            let mut conn = ctx.storage.write.acquire().await?;
            let gates = store::gates_of_batch(&mut conn, batch.id).await?;
            if gates.is_empty() {
                store::drop_batch(&mut conn, batch.id).await?;
            }
            gates
        };
        if gates.is_empty() {
            continue;
        }
        let lang = ctx.group_lang(batch.chat_id).await;
        send_batch(ctx, &batch, &gates, lang);
    }
    Ok(())
}

async fn warn_rarely(ctx: &Ctx, chat_id: i64, text: String) -> crate::Result<()> {
    let mut conn = ctx.storage.write.acquire().await?;
    if store::may_warn(&mut conn, chat_id, ctx.now(), WARN_GAP_SECS).await? {
        ctx.outbound.send_text(Text::plain(chat_id, text));
    }
    Ok(())
}

fn challenge_for(mode: Mode, choices: &GroupChoices, lang: Lang, ctx: &Ctx) -> Challenge {
    let mut rng = rand::rng();
    match mode {
        Mode::Math => gate::math_challenge(&mut rng),
        Mode::Quiz => match quiz_of(choices) {
            Some(quiz) => quiz.challenge(&mut rng),
            None => {
                tracing::warn!(
                    chat_id = choices.chat_id,
                    "quiz gate without a quiz; using the button"
                );
                button_challenge(ctx, lang)
            }
        },
        Mode::Button | Mode::Off => button_challenge(ctx, lang),
    }
}

fn button_challenge(ctx: &Ctx, lang: Lang) -> Challenge {
    Challenge {
        question: String::new(),
        options: vec![ctx.t(lang, "welcome-button-human")],
        answer: 0,
    }
}

fn gate_text(
    ctx: &Ctx,
    lang: Lang,
    mode: Mode,
    mention: &str,
    challenge: &Challenge,
    timeout: i64,
) -> String {
    if challenge.question.is_empty() || mode == Mode::Button {
        ctx.ta(
            lang,
            "welcome-gate-button",
            &fargs! {"mention" => mention, "seconds" => timeout},
        )
    } else {
        ctx.ta(
            lang,
            "welcome-gate-question",
            &fargs! {"mention" => mention, "seconds" => timeout, "question" => escape(&challenge.question)},
        )
    }
}

fn gate_keyboard(id: i64, challenge: &Challenge) -> InlineKeyboardMarkup {
    let buttons: Vec<InlineKeyboardButton> = challenge
        .options
        .iter()
        .enumerate()
        .map(|(i, label)| InlineKeyboardButton::callback(label.clone(), gate::callback_data(id, i)))
        .collect();
    let mut markup = InlineKeyboardMarkup::default();
    for row in buttons.chunks(2) {
        markup = markup.append_row(row.to_vec());
    }
    markup
}

/// Posts a gate's question without holding up the shard, and stores its message id. When the gate was
/// resolved before the question went out (a timeout while the group's send budget was spent), the
/// question is deleted again. `on_undelivered` runs when the question could not be sent at all.
fn post_question(
    ctx: &Ctx,
    id: i64,
    text: Text,
    on_undelivered: Option<Box<dyn FnOnce(Ctx, Gate) + Send>>,
) {
    let pending = ctx.outbound.send_text(text);
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        let result = async {
            match pending.wait().await {
                Ok(sent) => {
                    let mut conn = ctx.storage.write.acquire().await?;
                    store::set_gate_message(&mut conn, id, sent.id.0 as i64).await?;
                    if store::gate(&mut conn, id).await?.is_none() {
                        ctx.outbound.delete(sent.chat.id.0, sent.id);
                    }
                }
                Err(err) => {
                    tracing::warn!(%err, gate = id, "could not post a gate question");
                    if let Some(fallback) = on_undelivered {
                        let mut conn = ctx.storage.write.acquire().await?;
                        if let Some(gate) = store::close_gate(&mut conn, id).await? {
                            drop(conn);
                            fallback(ctx.clone(), gate);
                        }
                    }
                }
            }
            Ok::<(), crate::Error>(())
        }
        .await;
        if let Err(err) = result {
            tracing::error!(%err, gate = id, "gate question bookkeeping failed");
        }
    });
}

/// Takes a closed gate's question away: its own message, or the batch's message once every member the
/// batch asked is resolved (the others still need its buttons). Call it with no connection held.
async fn finish_question(ctx: &Ctx, gate: &Gate) -> crate::Result<()> {
    let Some(batch_id) = gate.batch_id else {
        if let Some(message_id) = gate.message_id {
            ctx.outbound
                .delete(gate.message_chat, MessageId(message_id as i32));
        }
        return Ok(());
    };
    let mut conn = ctx.storage.write.acquire().await?;
    if store::open_in_batch(&mut conn, batch_id).await? > 0 {
        return Ok(());
    }
    if let Some(batch) = store::batch(&mut conn, batch_id).await? {
        // A batch not sent yet is dropped now; its confirmation then finds it gone and deletes the message.
        store::drop_batch(&mut conn, batch_id).await?;
        if let Some(message_id) = batch.message_id {
            ctx.outbound
                .delete(batch.chat_id, MessageId(message_id as i32));
        }
    }
    Ok(())
}

async fn on_leave(ctx: &Ctx, chat: &Chat, member: &User, by: &User) -> HandlerResult {
    let chat_id = chat.id.0;
    if member.id == ctx.me.id || member.is_bot || by.id == ctx.me.id {
        return Ok(());
    }
    let choices = load_choices(ctx, chat_id).await?;
    if !choices.goodbye_on || choices.raid_until > ctx.now() {
        return Ok(());
    }
    let lang = ctx.group_lang(chat_id).await;
    let needs_count = choices
        .goodbye_text
        .as_deref()
        .is_some_and(template::needs_count);
    let title = chat.title().unwrap_or_default();
    let values = group_values(ctx, chat_id, title, &[queued(member)], lang, needs_count).await;
    let (html, buttons) = match &choices.goodbye_text {
        Some(text) => {
            let rendered = template::render(text, &values);
            (rendered.html, rendered.buttons)
        }
        None => (
            ctx.ta(
                lang,
                "welcome-goodbye-default",
                &fargs! {"name" => values.name.clone()},
            ),
            Vec::new(),
        ),
    };
    let mut text = Text::html(chat_id, html);
    if let Some(markup) = url_buttons(buttons) {
        text = text.markup(markup);
    }
    ctx.outbound.send_text(text);
    Ok(())
}

/// The `[label](https://…)` lines of a text as URL buttons, one per row; `None` when there are none.
fn url_buttons(buttons: Vec<(String, String)>) -> Option<InlineKeyboardMarkup> {
    let mut markup = InlineKeyboardMarkup::default();
    let mut any = false;
    for (label, url) in buttons {
        if let Ok(url) = url.parse() {
            markup = markup.append_row(vec![InlineKeyboardButton::url(label, url)]);
            any = true;
        }
    }
    any.then_some(markup)
}

// ---------------------------------------------------------------------------------------------------
// Join requests

async fn on_join_request(ctx: Ctx, request: ChatJoinRequest) -> HandlerResult {
    let chat_id = request.chat.id.0;
    let user = &request.from;
    let user_id = user.id.0 as i64;
    let now = ctx.now();
    let choices = load_choices(&ctx, chat_id).await?;
    let mode = mode_of(&ctx, &choices);
    if mode == Mode::Off || choices.raid_until > now {
        // No gate (or a raid going on): the request waits for the admins.
        return Ok(());
    }
    let lang =
        Lang::from_telegram(user.language_code.as_deref()).unwrap_or(ctx.group_lang(chat_id).await);
    let group_lang = ctx.group_lang(chat_id).await;
    if let Some(lack) = ctx.bot_lacks(chat_id, &[Right::Invite], group_lang).await? {
        // Without the right to approve, the request stays for the admins; they hear why once in a while.
        warn_rarely(&ctx, chat_id, lack).await?;
        return Ok(());
    }
    let challenge = challenge_for(mode, &choices, lang, &ctx);
    let timeout = timeout_of(&ctx, &choices).min(gate::MAX_REQUEST_TIMEOUT as i64);
    let name = full_name(user);
    let dm = request.user_chat_id.0;
    let id = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::open_gate(
            &mut conn,
            &store::NewGate {
                chat_id,
                user_id,
                user_name: &name,
                kind: mode.name(),
                via_request: true,
                message_chat: dm,
                options: &challenge.options,
                answer: challenge.answer,
                deadline: now + timeout,
                now,
            },
        )
        .await?
    };
    let Some(id) = id else {
        return Ok(());
    };
    let title = request.chat.title().unwrap_or_default();
    let text = format!(
        "{}\n\n{}",
        ctx.ta(
            lang,
            "welcome-request-intro",
            &fargs! {"group" => escape(title)}
        ),
        gate_text(
            &ctx,
            lang,
            mode,
            &mention_html(user_id, &name),
            &challenge,
            timeout
        )
    );
    let undeliverable = ctx.config.welcome.request_undeliverable;
    post_question(
        &ctx,
        id,
        Text::html(dm, text).markup(gate_keyboard(id, &challenge)),
        Some(Box::new(move |ctx: Ctx, gate: Gate| {
            tracing::warn!(
                chat_id = gate.chat_id,
                user_id = gate.user_id,
                ?undeliverable,
                "join request gate undeliverable"
            );
            answer_request(&ctx, &gate, undeliverable == Undeliverable::Approve);
        })),
    );
    Ok(())
}

fn answer_request(ctx: &Ctx, gate: &Gate, approve: bool) {
    let (chat_id, user_id) = (gate.chat_id, UserId(gate.user_id as u64));
    if approve {
        ctx.outbound
            .immediate("approveChatJoinRequest", move |bot| {
                bot.approve_chat_join_request(ChatId(chat_id), user_id)
                    .send()
                    .boxed()
            });
    } else {
        ctx.outbound
            .immediate("declineChatJoinRequest", move |bot| {
                bot.decline_chat_join_request(ChatId(chat_id), user_id)
                    .send()
                    .boxed()
            });
    }
}

// ---------------------------------------------------------------------------------------------------
// Gate presses and outcomes

async fn on_gate_press(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let data = query.data.as_deref().unwrap_or_default();
    let lang = Lang::from_telegram(query.from.language_code.as_deref())
        .unwrap_or_else(|| ctx.default_lang());
    let presser = query.from.id.0 as i64;
    let mut conn = ctx.storage.write.acquire().await?;
    // A press under a message that asks several members counts for the presser's own gate in it.
    let (found, choice) = if let Some((batch_id, choice)) = gate::parse_batch_callback(data) {
        match store::gate_in_batch(&mut conn, batch_id, presser).await? {
            Some(found) => (found, choice),
            None => {
                let listed_others = store::open_in_batch(&mut conn, batch_id).await? > 0;
                let (text, alert) = if listed_others {
                    ("welcome-gate-not-yours", true)
                } else {
                    ("welcome-gate-expired", false)
                };
                answer_press(&ctx, &query, ctx.t(lang, text), alert);
                return Ok(());
            }
        }
    } else {
        let Some((id, choice)) = gate::parse_callback(data) else {
            return Ok(());
        };
        match store::gate(&mut conn, id).await? {
            Some(found) if found.user_id == presser => (found, choice),
            Some(_) => {
                answer_press(&ctx, &query, ctx.t(lang, "welcome-gate-not-yours"), true);
                return Ok(());
            }
            None => {
                answer_press(&ctx, &query, ctx.t(lang, "welcome-gate-expired"), false);
                return Ok(());
            }
        }
    };
    let Some(closed) = store::close_gate(&mut conn, found.id).await? else {
        answer_press(&ctx, &query, ctx.t(lang, "welcome-gate-expired"), false);
        return Ok(());
    };
    drop(conn);
    if choice as i64 == closed.answer {
        answer_press(&ctx, &query, ctx.t(lang, "welcome-gate-passed"), false);
        pass(&ctx, &closed, &query.from).await
    } else {
        answer_press(&ctx, &query, ctx.t(lang, "welcome-gate-wrong"), true);
        fail(&ctx, &closed).await
    }
}

/// A press on the button posted when raid mode ended: a member held during the raid is sent into a
/// private chat with the bot, where the group's own check asks them (so a raid never lets anyone in
/// with one press); anyone else is told it is not for them. The group comes from the pressed message.
async fn on_release_press(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let lang = Lang::from_telegram(query.from.language_code.as_deref())
        .unwrap_or_else(|| ctx.default_lang());
    let Some(chat_id) = query.message.as_ref().map(|m| m.chat().id.0) else {
        answer_press(&ctx, &query, ctx.t(lang, "welcome-held-not-held"), true);
        return Ok(());
    };
    let user_id = query.from.id.0 as i64;
    let held = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::is_released(&mut conn, chat_id, user_id).await?
    };
    if !held {
        answer_press(&ctx, &query, ctx.t(lang, "welcome-held-not-held"), true);
        return Ok(());
    }
    match release_link(&ctx, chat_id) {
        Some(url) => answer_press_url(&ctx, &query, url),
        None => {
            // Without a username the bot cannot be opened by link: the member waits for the group's
            // next captcha message instead.
            let member = {
                let mut conn = ctx.storage.write.acquire().await?;
                store::release(&mut conn, chat_id, user_id).await?
            };
            if let Some(member) = member {
                answer_press(&ctx, &query, ctx.t(lang, "welcome-held-asked"), false);
                let mut conn = ctx.storage.write.acquire().await?;
                let opened = store::open_gate(
                    &mut conn,
                    &store::NewGate {
                        chat_id,
                        user_id,
                        user_name: &member.full_name,
                        kind: "button",
                        via_request: false,
                        message_chat: chat_id,
                        options: &[],
                        answer: 0,
                        deadline: UNASKED,
                        now: ctx.now(),
                    },
                )
                .await?;
                drop(conn);
                if opened.is_some() {
                    ask_waiting(&ctx, chat_id).await?;
                }
            }
        }
    }
    Ok(())
}

/// `/start gate_<group>` in a private chat: a member held during the group's raid gets the group's own
/// check here; passing lets them in, failing or timing out applies the group's fail action.
async fn on_release_deep_link(ctx: Ctx, message: Message) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    let Some(user) = message.from.as_ref() else {
        return Ok(());
    };
    let chat_id = message
        .text()
        .and_then(|t| t.strip_prefix("/start "))
        .map(str::trim)
        .and_then(|p| p.strip_prefix(gate::RELEASE_PAYLOAD))
        .and_then(|id| id.parse::<i64>().ok());
    let user_id = user.id.0 as i64;
    let released = match chat_id {
        Some(chat_id) => {
            let mut conn = ctx.storage.write.acquire().await?;
            store::release(&mut conn, chat_id, user_id)
                .await?
                .map(|member| (chat_id, member))
        }
        None => None,
    };
    let Some((chat_id, member)) = released else {
        ctx.reply(&message, ctx.t(lang, "welcome-held-not-held"));
        return Ok(());
    };
    let now = ctx.now();
    let choices = load_choices(&ctx, chat_id).await?;
    let mode = mode_of(&ctx, &choices);
    if mode == Mode::Off {
        tracing::info!(chat_id, user_id, "member held during a raid let in");
        ctx.reply(&message, ctx.t(lang, "welcome-gate-passed"));
        unrestrict(&ctx, chat_id, user_id);
        return enqueue_welcome(&ctx, chat_id, &member).await;
    }
    let challenge = challenge_for(mode, &choices, lang, &ctx);
    let timeout = timeout_of(&ctx, &choices);
    let dm = message.chat.id.0;
    let id = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::open_gate(
            &mut conn,
            &store::NewGate {
                chat_id,
                user_id,
                user_name: &member.full_name,
                kind: mode.name(),
                via_request: false,
                message_chat: dm,
                options: &challenge.options,
                answer: challenge.answer,
                deadline: now + timeout,
                now,
            },
        )
        .await?
    };
    let Some(id) = id else {
        return Ok(());
    };
    let title = ctx
        .groups
        .get(&ctx.storage, chat_id)
        .await?
        .map(|g| g.title.clone())
        .unwrap_or_default();
    let text = format!(
        "{}\n\n{}",
        ctx.ta(
            lang,
            "welcome-release-intro",
            &fargs! {"group" => escape(&title)}
        ),
        gate_text(
            &ctx,
            lang,
            mode,
            &mention_html(user_id, &member.full_name),
            &challenge,
            timeout
        )
    );
    post_question(
        &ctx,
        id,
        Text::html(dm, text).markup(gate_keyboard(id, &challenge)),
        None,
    );
    Ok(())
}

async fn pass(ctx: &Ctx, gate: &Gate, user: &User) -> crate::Result<()> {
    tracing::info!(
        chat_id = gate.chat_id,
        user_id = gate.user_id,
        "entry gate passed"
    );
    finish_question(ctx, gate).await?;
    if gate.via_request {
        // The welcome follows when the approved member's join arrives; that join is not checked again.
        let mut conn = ctx.storage.write.acquire().await?;
        let now = ctx.now();
        crate::storage::members::mark_verified(&mut conn, gate.chat_id, gate.user_id, now).await?;
        store::record_request_pass(&mut conn, gate.chat_id, gate.user_id, now).await?;
        answer_request(ctx, gate, true);
        return Ok(());
    }
    unrestrict(ctx, gate.chat_id, gate.user_id);
    enqueue_welcome(ctx, gate.chat_id, &queued(user)).await
}

async fn fail(ctx: &Ctx, gate: &Gate) -> crate::Result<()> {
    tracing::info!(
        chat_id = gate.chat_id,
        user_id = gate.user_id,
        "entry gate failed or timed out"
    );
    finish_question(ctx, gate).await?;
    if gate.via_request {
        answer_request(ctx, gate, false);
        return Ok(());
    }
    match ctx.config.welcome.fail_action {
        FailAction::Kick => kick(ctx, gate.chat_id, gate.user_id),
        FailAction::Ban => ban(ctx, gate.chat_id, gate.user_id),
        FailAction::Mute => {}
    }
    Ok(())
}

/// The ticker: resolves gates whose time is up (also those that expired while the bot was down), asks
/// the newcomers waiting for their question when their group's captcha gap allows, sends again the
/// captcha messages a previous run never saw sent, posts the welcomes whose collection window has closed
/// (one per message gap), lets members held during a raid answer once it is over, and forgets old joins.
pub fn tick(ctx: Ctx) -> BoxFuture<'static, crate::Result<()>> {
    async move {
        let now = ctx.now();
        let expired = {
            let mut conn = ctx.storage.write.acquire().await?;
            store::close_expired(&mut conn, now).await?
        };
        for gate in &expired {
            fail(&ctx, gate).await?;
        }
        let waiting = {
            let mut conn = ctx.storage.read.acquire().await?;
            store::groups_with_unasked(&mut conn, now - window_of(&ctx)).await?
        };
        for chat_id in waiting {
            ask_waiting(&ctx, chat_id).await?;
        }
        resend_unsent(&ctx).await?;
        let window = ctx.config.welcome.coalesce_window.get().as_secs() as i64;
        let due = {
            let mut conn = ctx.storage.write.acquire().await?;
            store::prune_joins(&mut conn, now - 86_400).await?;
            store::prune_request_passes(&mut conn, now - REQUEST_PASS_SECS).await?;
            store::due_queues(&mut conn, now - window).await?
        };
        for chat_id in due {
            post_welcome(&ctx, chat_id).await?;
        }
        let releases = {
            let mut conn = ctx.storage.write.acquire().await?;
            store::take_releases(&mut conn, now).await?
        };
        for (chat_id, _) in releases {
            release_held(&ctx, chat_id).await?;
        }
        Ok(())
    }
    .boxed()
}

/// Raid mode is over in a group that holds members: without an entry check they are simply let in (and
/// greeted together); otherwise one message names them, and its button sends each of them into a
/// private chat with the bot to answer the group's own check.
async fn release_held(ctx: &Ctx, chat_id: i64) -> crate::Result<()> {
    let choices = load_choices(ctx, chat_id).await?;
    if mode_of(ctx, &choices) == Mode::Off {
        let members = {
            let mut conn = ctx.storage.write.acquire().await?;
            store::release_all(&mut conn, chat_id).await?
        };
        for member in &members {
            unrestrict(ctx, chat_id, member.user_id);
            enqueue_welcome(ctx, chat_id, member).await?;
        }
        return Ok(());
    }
    let lang = ctx.group_lang(chat_id).await;
    let (shown, count) = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::held_members(&mut conn, chat_id, ctx.config.welcome.names_per_welcome).await?
    };
    if count == 0 {
        return Ok(());
    }
    let separator = match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    };
    let listed: Vec<String> = shown
        .iter()
        .map(|m| mention_html(m.user_id, &m.full_name))
        .collect();
    let mut names = listed.join(separator);
    if count as usize > shown.len() {
        names.push(' ');
        names.push_str(&ctx.ta(lang, "welcome-names-more", &fargs! {"count" => count}));
    }
    let markup = InlineKeyboardMarkup::default().append_row(vec![InlineKeyboardButton::callback(
        ctx.t(lang, "welcome-button-check"),
        gate::RELEASE_DATA,
    )]);
    ctx.outbound.send_text(
        Text::html(
            chat_id,
            ctx.ta(
                lang,
                "welcome-held-release",
                &fargs! {"count" => count, "members" => names},
            ),
        )
        .markup(markup),
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// Welcomes

async fn group_values(
    ctx: &Ctx,
    chat_id: i64,
    title: &str,
    members: &[Queued],
    lang: Lang,
    count: bool,
) -> template::Values {
    let shown = ctx.config.welcome.names_per_welcome;
    let separator = match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    };
    let more = |n: usize| {
        format!(
            " {}",
            ctx.ta(lang, "welcome-names-more", &fargs! {"count" => n})
        )
    };
    let list = |f: &dyn Fn(&Queued) -> String| {
        let items: Vec<String> = members.iter().map(f).collect();
        template::join_names(&items, shown, separator, more)
    };
    let member_count = if count {
        match ctx.bot.get_chat_member_count(ChatId(chat_id)).await {
            Ok(n) => n.to_string(),
            Err(err) => {
                tracing::warn!(%err, chat_id, "member count unavailable");
                "?".into()
            }
        }
    } else {
        String::new()
    };
    template::Values {
        name: list(&|m| escape(&m.full_name)),
        first: list(&|m| escape(&m.first_name)),
        mention: list(&|m| mention_html(m.user_id, &m.full_name)),
        username: list(&|m| match &m.username {
            Some(name) => format!("@{}", escape(name)),
            None => mention_html(m.user_id, &m.full_name),
        }),
        id: list(&|m| m.user_id.to_string()),
        group: escape(title),
        count: member_count,
    }
}

/// The welcome for `members`: its HTML and buttons.
async fn welcome_message(
    ctx: &Ctx,
    chat_id: i64,
    choices: &GroupChoices,
    members: &[Queued],
    lang: Lang,
) -> crate::Result<(String, InlineKeyboardMarkup)> {
    let title = ctx
        .groups
        .get(&ctx.storage, chat_id)
        .await?
        .map(|g| g.title.clone())
        .unwrap_or_default();
    let needs_count = choices
        .welcome_text
        .as_deref()
        .is_some_and(template::needs_count);
    let values = group_values(ctx, chat_id, &title, members, lang, needs_count).await;
    let rendered = match &choices.welcome_text {
        Some(text) => template::render(text, &values),
        None => template::Rendered {
            html: ctx.ta(
                lang,
                "welcome-default",
                &fargs! {"mention" => values.mention.clone(), "group" => values.group.clone()},
            ),
            buttons: Vec::new(),
            rules_button: choices.rules.is_some(),
        },
    };
    let mut markup = InlineKeyboardMarkup::default();
    for (label, url) in rendered.buttons {
        if let Ok(url) = url.parse() {
            markup = markup.append_row(vec![InlineKeyboardButton::url(label, url)]);
        }
    }
    if rendered.rules_button && choices.rules.is_some() {
        if let Some(url) = rules_link(ctx, chat_id) {
            markup = markup.append_row(vec![InlineKeyboardButton::url(
                ctx.t(lang, "welcome-rules-button"),
                url,
            )]);
        }
    }
    Ok((rendered.html, markup))
}

/// Posts the group's next welcome, naming everyone queued, when its welcome gap allows (otherwise they
/// stay queued and more may join them). With welcomes off, or during a raid, the queue is dropped.
async fn post_welcome(ctx: &Ctx, chat_id: i64) -> crate::Result<()> {
    let now = ctx.now();
    let (members, choices) = {
        let mut tx = ctx.storage.write.begin().await?;
        let choices = store::choices(&mut tx, chat_id).await?;
        let silent = !choices.welcome_on || choices.raid_until > now;
        if !silent && !store::claim_slot(&mut tx, chat_id, Slot::Welcome, now, gap_of(ctx)).await? {
            return Ok(());
        }
        let members = store::take_queue(&mut tx, chat_id).await?;
        tx.commit().await?;
        if silent {
            return Ok(());
        }
        (members, choices)
    };
    if members.is_empty() {
        return Ok(());
    }
    let lang = ctx.group_lang(chat_id).await;
    let (html, markup) = welcome_message(ctx, chat_id, &choices, &members, lang).await?;
    let pending = ctx
        .outbound
        .send_text(Text::html(chat_id, html).markup(markup));
    let clean = choices.clean_welcome;
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        let result = async {
            let sent = pending.wait().await?;
            let previous = {
                let mut conn = ctx.storage.write.acquire().await?;
                store::swap_last_welcome(&mut conn, chat_id, sent.id.0 as i64).await?
            };
            if let (true, Some(previous)) = (clean, previous) {
                // Clean mode needs the delete right; without it the admins hear so once in a while.
                match ctx.bot_lacks(chat_id, &[Right::Delete], lang).await? {
                    Some(lack) => warn_rarely(&ctx, chat_id, lack).await?,
                    None => {
                        ctx.outbound.delete(chat_id, MessageId(previous as i32));
                    }
                }
            }
            Ok::<(), crate::Error>(())
        }
        .await;
        if let Err(err) = result {
            tracing::warn!(%err, chat_id, "welcome not posted");
        }
    });
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// Rules in private

async fn on_rules_deep_link(ctx: Ctx, message: Message) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    let payload = message
        .text()
        .and_then(|t| t.strip_prefix("/start "))
        .map(str::trim)
        .and_then(|p| p.strip_prefix(RULES_PAYLOAD))
        .unwrap_or_default();
    let Ok(chat_id) = payload.parse::<i64>() else {
        ctx.reply(&message, ctx.t(lang, "welcome-rules-none"));
        return Ok(());
    };
    let choices = load_choices(&ctx, chat_id).await?;
    let title = ctx
        .groups
        .get(&ctx.storage, chat_id)
        .await?
        .map(|g| g.title.clone())
        .unwrap_or_default();
    match choices.rules {
        Some(rules) => ctx.reply_html(
            &message,
            format!(
                "<b>{}</b>\n\n{}",
                escape(&ctx.ta(lang, "welcome-rules-title", &fargs! {"group" => title})),
                escape(&rules)
            ),
        ),
        None => ctx.reply(&message, ctx.t(lang, "welcome-rules-none")),
    };
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// Commands

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    if !is_group(&message.chat) {
        ctx.reply(&message, ctx.t(lang, "group-only"));
        return Ok(());
    }
    // Every setting of the group needs the change-info right (the creator has every right).
    let right = match &command {
        Command::Rules => None,
        _ => Some(Right::ChangeInfo),
    };
    if let Some(right) = right {
        if let Some(refusal) = ctx.refusal(&message, right, lang).await? {
            ctx.reply(&message, refusal);
            return Ok(());
        }
    }
    let chat_id = message.chat.id.0;
    let reply = match command {
        Command::Rules => return show_rules(&ctx, &message, lang).await,
        Command::Welcome(arg) => match arg.trim() {
            "" => return preview(&ctx, &message, lang).await,
            arg => toggle(&ctx, chat_id, arg, &WELCOME_SWITCH, lang).await?,
        },
        Command::Goodbye(arg) => toggle(&ctx, chat_id, arg.trim(), &GOODBYE_SWITCH, lang).await?,
        Command::CleanWelcome(arg) => {
            toggle(&ctx, chat_id, arg.trim(), &CLEAN_SWITCH, lang).await?
        }
        Command::SetWelcome(text) => {
            set_text(
                &ctx,
                chat_id,
                &text,
                Column::WelcomeText,
                lang,
                "welcome-set",
            )
            .await?
        }
        Command::SetGoodbye(text) => {
            set_text(
                &ctx,
                chat_id,
                &text,
                Column::GoodbyeText,
                lang,
                "welcome-goodbye-set",
            )
            .await?
        }
        Command::SetRules(text) => set_rules(&ctx, chat_id, &text, lang).await?,
        Command::SetQuiz(text) => set_quiz(&ctx, chat_id, &text, lang).await?,
        Command::Captcha(args) => captcha(&ctx, &message, &args, lang).await?,
        Command::AntiRaid(args) => antiraid(&ctx, chat_id, &args, lang).await?,
    };
    ctx.reply_html(&message, reply);
    Ok(())
}

fn on_off(arg: &str) -> Option<bool> {
    match arg.to_ascii_lowercase().as_str() {
        "on" | "yes" | "开" | "开启" => Some(true),
        "off" | "no" | "关" | "关闭" => Some(false),
        _ => None,
    }
}

/// An on/off choice: its column and the wording of its answers.
struct Switch {
    column: Column,
    on: &'static str,
    off: &'static str,
    usage: &'static str,
}

const WELCOME_SWITCH: Switch = Switch {
    column: Column::WelcomeOn,
    on: "welcome-on",
    off: "welcome-off",
    usage: "welcome-usage",
};

const GOODBYE_SWITCH: Switch = Switch {
    column: Column::GoodbyeOn,
    on: "welcome-goodbye-on",
    off: "welcome-goodbye-off",
    usage: "welcome-goodbye-usage",
};

const CLEAN_SWITCH: Switch = Switch {
    column: Column::CleanWelcome,
    on: "welcome-clean-on",
    off: "welcome-clean-off",
    usage: "welcome-clean-usage",
};

async fn toggle(
    ctx: &Ctx,
    chat_id: i64,
    arg: &str,
    switch: &Switch,
    lang: Lang,
) -> crate::Result<String> {
    let Some(wanted) = on_off(arg) else {
        return Ok(escape(&ctx.t(lang, switch.usage)));
    };
    save(ctx, chat_id, switch.column, Choice::Int(wanted as i64)).await?;
    let id = if wanted { switch.on } else { switch.off };
    Ok(escape(&ctx.t(lang, id)))
}

fn template_error(ctx: &Ctx, lang: Lang, err: template::TemplateError) -> String {
    use template::TemplateError as E;
    escape(&match err {
        E::Empty => ctx.t(lang, "welcome-text-empty"),
        E::TooLong => ctx.ta(
            lang,
            "welcome-text-too-long",
            &fargs! {"max" => template::MAX_TEMPLATE_CHARS},
        ),
        E::UnknownPlaceholder(name) => ctx.ta(
            lang,
            "welcome-text-unknown-placeholder",
            &fargs! {"name" => name, "known" => template::PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(" ")},
        ),
        E::Unclosed => ctx.t(lang, "welcome-text-unclosed"),
    })
}

async fn set_text(
    ctx: &Ctx,
    chat_id: i64,
    text: &str,
    column: Column,
    lang: Lang,
    done: &str,
) -> crate::Result<String> {
    let text = text.trim();
    if let Err(err) = template::validate(text) {
        return Ok(template_error(ctx, lang, err));
    }
    save(ctx, chat_id, column, Choice::Text(Some(text.to_string()))).await?;
    Ok(escape(&ctx.t(lang, done)))
}

async fn set_rules(ctx: &Ctx, chat_id: i64, text: &str, lang: Lang) -> crate::Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(escape(&ctx.t(lang, "welcome-rules-empty")));
    }
    if text.chars().count() > MAX_RULES_CHARS {
        return Ok(escape(&ctx.ta(
            lang,
            "welcome-text-too-long",
            &fargs! {"max" => MAX_RULES_CHARS},
        )));
    }
    save(
        ctx,
        chat_id,
        Column::Rules,
        Choice::Text(Some(text.to_string())),
    )
    .await?;
    Ok(escape(&ctx.t(lang, "welcome-rules-set")))
}

async fn set_quiz(ctx: &Ctx, chat_id: i64, text: &str, lang: Lang) -> crate::Result<String> {
    use gate::QuizError as E;
    let quiz = match gate::parse_quiz(text) {
        Ok(quiz) => quiz,
        Err(err) => {
            let id = match err {
                E::NoQuestion => "welcome-quiz-no-question",
                E::NoRightAnswer => "welcome-quiz-no-right",
                E::NoWrongAnswer => "welcome-quiz-no-wrong",
                E::TooManyAnswers => "welcome-quiz-too-many",
                E::AnswerTooLong | E::QuestionTooLong => "welcome-quiz-too-long",
                E::DuplicateAnswer => "welcome-quiz-duplicate",
            };
            return Ok(format!(
                "{}\n{}",
                escape(&ctx.t(lang, id)),
                escape(&ctx.t(lang, "welcome-quiz-usage"))
            ));
        }
    };
    let mut tx = ctx.storage.write.begin().await?;
    store::set(
        &mut tx,
        chat_id,
        Column::QuizQuestion,
        Choice::Text(Some(quiz.question.clone())),
    )
    .await?;
    store::set(
        &mut tx,
        chat_id,
        Column::QuizAnswers,
        Choice::Text(Some(quiz.stored_answers())),
    )
    .await?;
    tx.commit().await?;
    Ok(escape(&ctx.ta(
        lang,
        "welcome-quiz-set",
        &fargs! {"count" => quiz.wrong.len() + 1},
    )))
}

async fn captcha(ctx: &Ctx, message: &Message, args: &str, lang: Lang) -> crate::Result<String> {
    let chat_id = message.chat.id.0;
    let words: Vec<&str> = args.split_whitespace().collect();
    let choices = load_choices(ctx, chat_id).await?;
    if words.is_empty() {
        let mode = mode_of(ctx, &choices);
        return Ok(escape(&ctx.ta(
            lang,
            "welcome-captcha-status",
            &fargs! {"mode" => ctx.t(lang, &format!("welcome-mode-{}", mode.name())), "seconds" => timeout_of(ctx, &choices)},
        )));
    }
    let usage = || escape(&ctx.t(lang, "welcome-captcha-usage"));
    let Some(mode) = Mode::parse(words[0]) else {
        return Ok(usage());
    };
    if words.len() > 2 {
        return Ok(usage());
    }
    let timeout = match words.get(1) {
        None => None,
        Some(text) => match gate::parse_timeout(text) {
            Some(secs) => Some(secs as i64),
            None => return Ok(escape(&ctx.t(lang, "welcome-timeout-range"))),
        },
    };
    if mode != Mode::Off {
        if !message.chat.is_supergroup() {
            return Ok(escape(&ctx.t(lang, "welcome-needs-supergroup")));
        }
        if let Some(lack) = ctx.bot_lacks(chat_id, &[Right::Restrict], lang).await? {
            return Ok(escape(&lack));
        }
        if mode == Mode::Quiz && quiz_of(&choices).is_none() {
            return Ok(format!(
                "{}\n{}",
                escape(&ctx.t(lang, "welcome-captcha-no-quiz")),
                escape(&ctx.t(lang, "welcome-quiz-usage"))
            ));
        }
    }
    let mut tx = ctx.storage.write.begin().await?;
    store::set(
        &mut tx,
        chat_id,
        Column::CaptchaMode,
        Choice::Text(Some(mode.name().into())),
    )
    .await?;
    if let Some(secs) = timeout {
        store::set(&mut tx, chat_id, Column::CaptchaTimeout, Choice::Int(secs)).await?;
    }
    tx.commit().await?;
    if mode == Mode::Off {
        return Ok(escape(&ctx.t(lang, "welcome-captcha-off")));
    }
    Ok(escape(&ctx.ta(
        lang,
        "welcome-captcha-set",
        &fargs! {"mode" => ctx.t(lang, &format!("welcome-mode-{}", mode.name())), "seconds" => timeout.unwrap_or(timeout_of(ctx, &choices))},
    )))
}

async fn antiraid(ctx: &Ctx, chat_id: i64, args: &str, lang: Lang) -> crate::Result<String> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let now = ctx.now();
    let choices = load_choices(ctx, chat_id).await?;
    let usage = || escape(&ctx.t(lang, "welcome-antiraid-usage"));
    match words.as_slice() {
        [] => {
            let (joins, seconds) = raid_rule_of(ctx, &choices);
            let state = if choices.raid_until > now {
                ctx.ta(
                    lang,
                    "welcome-raid-status-on",
                    &fargs! {"minutes" => (choices.raid_until - now + 59) / 60},
                )
            } else {
                ctx.t(lang, "welcome-raid-status-off")
            };
            Ok(escape(&format!(
                "{state}\n{}",
                ctx.ta(
                    lang,
                    "welcome-raid-rule",
                    &fargs! {"joins" => joins, "seconds" => seconds}
                )
            )))
        }
        ["on"] | ["on", _] => {
            let minutes = match words.get(1) {
                None => (ctx.config.welcome.raid_duration.get().as_secs() / 60) as i64,
                Some(text) => match text.trim_end_matches('m').parse::<i64>() {
                    Ok(m) if (1..=1440).contains(&m) => m,
                    _ => return Ok(escape(&ctx.t(lang, "welcome-raid-minutes-range"))),
                },
            };
            save(
                ctx,
                chat_id,
                Column::RaidUntil,
                Choice::Int(now + minutes * 60),
            )
            .await?;
            Ok(escape(&ctx.ta(
                lang,
                "welcome-raid-manual-on",
                &fargs! {"minutes" => minutes},
            )))
        }
        ["off"] => {
            save(ctx, chat_id, Column::RaidUntil, Choice::Int(0)).await?;
            Ok(escape(&ctx.t(lang, "welcome-raid-off")))
        }
        ["auto", joins, seconds] => {
            let joins = joins.parse::<i64>().ok().filter(|j| (2..=1000).contains(j));
            let seconds = seconds
                .trim_end_matches('s')
                .parse::<i64>()
                .ok()
                .filter(|s| (5..=3600).contains(s));
            let (Some(joins), Some(seconds)) = (joins, seconds) else {
                return Ok(escape(&ctx.t(lang, "welcome-raid-auto-range")));
            };
            let mut tx = ctx.storage.write.begin().await?;
            store::set(&mut tx, chat_id, Column::RaidJoins, Choice::Int(joins)).await?;
            store::set(&mut tx, chat_id, Column::RaidWindow, Choice::Int(seconds)).await?;
            tx.commit().await?;
            Ok(escape(&ctx.ta(
                lang,
                "welcome-raid-rule",
                &fargs! {"joins" => joins, "seconds" => seconds},
            )))
        }
        _ => Ok(usage()),
    }
}

async fn show_rules(ctx: &Ctx, message: &Message, lang: Lang) -> HandlerResult {
    let chat_id = message.chat.id.0;
    let choices = load_choices(ctx, chat_id).await?;
    let Some(rules) = choices.rules else {
        ctx.reply(message, ctx.t(lang, "welcome-rules-none"));
        return Ok(());
    };
    let big = match ctx.bot.get_chat_member_count(ChatId(chat_id)).await {
        Ok(count) => count >= ctx.config.welcome.rules_private_from,
        Err(err) => {
            tracing::warn!(%err, chat_id, "member count unavailable; showing the rules here");
            false
        }
    };
    if let (true, Some(url)) = (big, rules_link(ctx, chat_id)) {
        let markup = InlineKeyboardMarkup::default().append_row(vec![InlineKeyboardButton::url(
            ctx.t(lang, "welcome-rules-button"),
            url,
        )]);
        ctx.outbound.send_text(
            Text::plain(chat_id, ctx.t(lang, "welcome-rules-in-private"))
                .reply_to(message)
                .markup(markup),
        );
        return Ok(());
    }
    let title = message.chat.title().unwrap_or_default();
    ctx.reply_html(
        message,
        format!(
            "<b>{}</b>\n\n{}",
            escape(&ctx.ta(lang, "welcome-rules-title", &fargs! {"group" => title})),
            escape(&rules)
        ),
    );
    Ok(())
}

async fn preview(ctx: &Ctx, message: &Message, lang: Lang) -> HandlerResult {
    let chat_id = message.chat.id.0;
    let choices = load_choices(ctx, chat_id).await?;
    let Some(sender) = message.from.as_ref() else {
        return Ok(());
    };
    let (html, markup) = welcome_message(ctx, chat_id, &choices, &[queued(sender)], lang).await?;
    let flag = |on: bool| {
        ctx.t(
            lang,
            if on {
                "welcome-state-on"
            } else {
                "welcome-state-off"
            },
        )
    };
    let status = ctx.ta(
        lang,
        "welcome-status",
        &fargs! {
            "welcome" => flag(choices.welcome_on),
            "goodbye" => flag(choices.goodbye_on),
            "clean" => flag(choices.clean_welcome),
            "mode" => ctx.t(lang, &format!("welcome-mode-{}", mode_of(ctx, &choices).name())),
            "seconds" => timeout_of(ctx, &choices),
        },
    );
    ctx.outbound.send_text(
        Text::html(chat_id, format!("{}\n\n{html}", escape(&status)))
            .reply_to(message)
            .markup(markup),
    );
    Ok(())
}
