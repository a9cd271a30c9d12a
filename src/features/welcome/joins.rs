//! A member joins or leaves: joins are deduplicated, raids detected, and each newcomer is let in,
//! checked, held or removed. When the facts a decision needs cannot be read (the admin list), the
//! newcomer is restricted at once and the join is kept and handled again by the ticker (after 30 s, then
//! twice as long each time, at most ten minutes), so the gate never fails open, not even when the second
//! copy of the join is recognized as a duplicate.

use super::gate::{Admission, JoinFacts, Mode};
use super::prior::{self, Known};
use super::settings::RaidAction;
use super::store::{Choice, Column, GroupChoices, Queued, UNASKED};
use super::{captcha::*, choices::*, greeting::*};
use super::{gate, store};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::Right;
use crate::telegram::outbound::{Priority, Text};
use crate::telegram::text::full_name;
use crate::telegram::HandlerResult;
use teloxide::prelude::*;
use teloxide::types::{Chat, ChatMemberUpdated, User};

/// A second copy of the same join (service message after `chat_member`) within this many seconds is
/// ignored.
pub(super) const JOIN_DEDUPE_SECS: i64 = 60;

/// A join request's passed check exempts the member's join for this long after it was passed.
pub(super) const REQUEST_PASS_SECS: i64 = 86_400;

pub(super) async fn on_member_change(ctx: Ctx, change: ChatMemberUpdated) -> HandlerResult {
    let user = &change.new_chat_member.user;
    if change.new_chat_member.is_present() {
        let known = Known::from_change(&change.old_chat_member.kind, &change.new_chat_member.kind);
        on_join(&ctx, &change.chat, user, &change.from, known).await
    } else {
        forget_join(&ctx, change.chat.id.0, user).await?;
        on_leave(&ctx, &change.chat, user, &change.from).await
    }
}

/// An admin lifted the restriction of a member who was still being checked (or held since a raid): the
/// check ends as passed, its question is deleted, and they join the next welcome.
pub(super) async fn on_let_in_by_admin(ctx: Ctx, change: ChatMemberUpdated) -> HandlerResult {
    let chat_id = change.chat.id.0;
    let user = &change.new_chat_member.user;
    let user_id = user.id.0 as i64;
    let gate = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::unhold(&mut conn, chat_id, user_id).await?;
        store::forget_join_retry(&mut conn, chat_id, user_id).await?;
        store::close_gate_of(&mut conn, chat_id, user_id).await?
    };
    prior::forget(&ctx, chat_id, user_id).await?;
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
pub(super) async fn forget_join(ctx: &Ctx, chat_id: i64, member: &User) -> crate::Result<()> {
    let user_id = member.id.0 as i64;
    let closed = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::record_leave(&mut conn, chat_id, user_id).await?;
        store::unhold(&mut conn, chat_id, user_id).await?;
        store::forget_join_retry(&mut conn, chat_id, user_id).await?;
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

pub(super) async fn on_service_message(ctx: Ctx, message: Message) -> HandlerResult {
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
            on_join(&ctx, &message.chat, member, from, Known::Unknown).await?;
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

/// A member joined: the join is recorded (a second copy of it is ignored) and may start raid mode;
/// a member banned in a group set of this group that shares bans is banned here at once; anyone else is
/// admitted (see [`admit`]). `known` is what the update says of an earlier
/// restriction.
pub(super) async fn on_join(
    ctx: &Ctx,
    chat: &Chat,
    member: &User,
    adder: &User,
    known: Known,
) -> HandlerResult {
    let chat_id = chat.id.0;
    if member.id == ctx.me.id {
        return Ok(());
    }
    let now = ctx.now();
    let Some((choices, raid_started)) = record_join(ctx, chat_id, member, now).await? else {
        return Ok(());
    };
    if raid_started {
        let lang = ctx.group_lang(chat_id).await;
        announce_raid(ctx, chat_id, &choices, lang);
    }
    let banned_in_a_set = {
        let mut conn = ctx.storage.read.acquire().await?;
        crate::storage::set_bans::banned_in_a_set_of(&mut conn, chat_id, member.id.0 as i64).await?
    };
    if banned_in_a_set {
        tracing::info!(
            chat_id,
            user_id = member.id.0,
            "a member banned in a group set of this group joined; banned here too"
        );
        ctx.outbound.ban(chat_id, member.id.0 as i64, None);
        return Ok(());
    }
    admit(ctx, chat, member, adder, known, &choices, false).await
}

/// Gathers the facts about a newcomer, lets [`gate::admit`] decide and carries the decision out. When
/// the facts cannot be read, the newcomer is restricted and the join kept to be handled again;
/// `held_for_retry` says this is such a retry, so a newcomer let in without a check is freed again.
async fn admit(
    ctx: &Ctx,
    chat: &Chat,
    member: &User,
    adder: &User,
    known: Known,
    choices: &GroupChoices,
    held_for_retry: bool,
) -> HandlerResult {
    let chat_id = chat.id.0;
    let user_id = member.id.0 as i64;
    let now = ctx.now();
    let lang = ctx.group_lang(chat_id).await;
    let gathered = async {
        let facts = join_facts(ctx, chat, member, adder, choices, now).await?;
        let mut admission = gate::admit(&facts);
        if admission.needs_restrict_right() {
            if let Some(lack) = ctx.bot_lacks(chat_id, &[Right::Restrict], lang).await? {
                warn_rarely(ctx, chat_id, lack).await?;
                admission = admission.without_restrict_right();
            }
        }
        crate::Result::Ok(admission)
    };
    let admission = match gathered.await {
        Ok(admission) => admission,
        Err(err) => return keep_for_retry(ctx, chat, member, adder, known, err).await,
    };
    if held_for_retry {
        let mut conn = ctx.storage.write.acquire().await?;
        store::forget_join_retry(&mut conn, chat_id, user_id).await?;
    }
    let freed = held_for_retry && chat.is_supergroup();
    match admission {
        Admission::Ignore => {
            if freed {
                prior::let_in(ctx, chat_id, user_id).await?;
            }
            Ok(())
        }
        Admission::RemoveBot => {
            tracing::info!(chat_id, user_id, "removing a bot a member added");
            ctx.outbound.kick(chat_id, user_id, ctx.clock.now());
            Ok(())
        }
        Admission::Hold => {
            prior::save_before_gate(ctx, chat_id, user_id, known).await?;
            ctx.outbound.mute(chat_id, user_id, None);
            let mut conn = ctx.storage.write.acquire().await?;
            store::hold(&mut conn, chat_id, &queued(member), now).await
        }
        Admission::Kick => {
            ctx.outbound.kick(chat_id, user_id, ctx.clock.now());
            Ok(())
        }
        Admission::Welcome => {
            if freed {
                prior::let_in(ctx, chat_id, user_id).await?;
            }
            enqueue_welcome(ctx, chat_id, &queued(member)).await
        }
        Admission::Unguarded => {
            warn_rarely(ctx, chat_id, ctx.t(lang, "welcome-needs-supergroup")).await?;
            enqueue_welcome(ctx, chat_id, &queued(member)).await
        }
        Admission::Gate(mode) => open_gate(ctx, chat_id, member, mode, known, now).await,
    }
}

/// The facts about a newcomer could not be read: they are restricted now (in a supergroup, where the
/// bot can), what they had before is saved, and the join is kept for the ticker to handle again.
async fn keep_for_retry(
    ctx: &Ctx,
    chat: &Chat,
    member: &User,
    adder: &User,
    known: Known,
    err: crate::Error,
) -> HandlerResult {
    let chat_id = chat.id.0;
    let user_id = member.id.0 as i64;
    let encode = |value: serde_json::Result<String>| {
        value.map_err(|err| crate::Error::Config(format!("cannot keep a join: {err}")))
    };
    let (chat_json, member_json, adder_json) = (
        encode(serde_json::to_string(chat))?,
        encode(serde_json::to_string(member))?,
        encode(serde_json::to_string(adder))?,
    );
    if chat.is_supergroup() {
        prior::save_before_gate(ctx, chat_id, user_id, known).await?;
        ctx.outbound.mute(chat_id, user_id, None);
    }
    let now = ctx.now();
    let attempts = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::keep_join_retry(
            &mut conn,
            chat_id,
            user_id,
            &chat_json,
            &member_json,
            &adder_json,
            |attempts| next_try(attempts as u32, now),
        )
        .await?
    };
    tracing::warn!(%err, chat_id, user_id, attempts, "a join's facts could not be read; the newcomer stays restricted and the join is tried again");
    Ok(())
}

/// Handles again the joins whose facts could not be read, once their time has come (by the ticker).
pub(super) async fn retry_joins(ctx: &Ctx) -> crate::Result<()> {
    let due = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::due_join_retries(&mut conn, ctx.now()).await?
    };
    for kept in due {
        let decoded = (
            serde_json::from_str::<Chat>(&kept.chat),
            serde_json::from_str::<User>(&kept.member),
            serde_json::from_str::<User>(&kept.adder),
        );
        let (Ok(chat), Ok(member), Ok(adder)) = decoded else {
            tracing::warn!(
                chat_id = kept.chat_id,
                user_id = kept.user_id,
                "a kept join could not be read; dropped"
            );
            let mut conn = ctx.storage.write.acquire().await?;
            store::forget_join_retry(&mut conn, kept.chat_id, kept.user_id).await?;
            continue;
        };
        // Each kept join has its own error scope: one that fails stays kept and the others go on.
        let handled = async {
            let choices = load_choices(ctx, kept.chat_id).await?;
            admit(ctx, &chat, &member, &adder, Known::Unknown, &choices, true).await
        };
        if let Err(err) = handled.await {
            tracing::warn!(%err, chat_id = kept.chat_id, user_id = kept.user_id, "a kept join could not be handled; it is tried again");
        }
    }
    Ok(())
}

/// Records a join and returns the group's choices, and whether this join switched raid mode on; `None`
/// for the second copy of a join. Enough joins within the group's raid window switch raid mode on: the
/// welcome queue is dropped and newcomers still waiting for their question are held.
async fn record_join(
    ctx: &Ctx,
    chat_id: i64,
    member: &User,
    now: i64,
) -> crate::Result<Option<(GroupChoices, bool)>> {
    let duration = ctx.config.welcome.raid_duration.get().as_secs() as i64;
    let (user_id, is_bot) = (member.id.0 as i64, member.is_bot);
    let ctx = ctx.clone();
    // The join, the raid count and what a raid switches on are one unit of work on the writer.
    ctx.storage
        .clone()
        .commit(move |tx| {
            Box::pin(async move {
                if !store::record_join(&mut *tx, chat_id, user_id, now, JOIN_DEDUPE_SECS).await? {
                    return Ok(None);
                }
                let mut choices = store::choices(&mut *tx, chat_id).await?;
                let (joins, window) = raid_rule_of(&ctx, &choices);
                let raid_started = choices.raid_until <= now
                    && !is_bot
                    && gate::is_raid(
                        &store::join_times(&mut *tx, chat_id, now - window).await?,
                        now,
                        joins as u32,
                        window,
                    );
                if raid_started {
                    choices.raid_until = now + duration;
                    store::set(
                        &mut *tx,
                        chat_id,
                        Column::RaidUntil,
                        Choice::Int(choices.raid_until),
                    )
                    .await?;
                    store::clear_queue(&mut *tx, chat_id).await?;
                    // Newcomers still waiting for their question are held like the raid's
                    // joiners: their question would only add to the flood.
                    for waiting in store::take_unasked(&mut *tx, chat_id).await? {
                        let held = Queued {
                            user_id: waiting.user_id,
                            first_name: waiting.user_name.clone(),
                            full_name: waiting.user_name,
                            username: None,
                        };
                        store::hold(&mut *tx, chat_id, &held, now).await?;
                    }
                }
                Ok(Some((choices, raid_started)))
            })
        })
        .await
}

/// Tells the group that raid mode switched on by itself, and for how long.
fn announce_raid(ctx: &Ctx, chat_id: i64, choices: &GroupChoices, lang: Lang) {
    let (joins, window) = raid_rule_of(ctx, choices);
    tracing::warn!(chat_id, joins, window, "raid mode switched on");
    let minutes = ctx.config.welcome.raid_duration.get().as_secs() / 60;
    ctx.outbound.send_text(
        Text::html(
            chat_id,
            ctx.ta(
                lang,
                "welcome-raid-on",
                &fargs! {"joins" => joins, "seconds" => window, "minutes" => minutes},
            ),
        )
        .priority(Priority::Moderation)
        .in_general(),
    );
}

/// What [`gate::admit`] needs to know about a newcomer. For a person, this is also where a join request
/// answered in a private chat ends: whoever approved it, they are in now, and a requester who passed the
/// check in private is not checked again, whichever copy of the join (service message or `chat_member`
/// update) comes first.
async fn join_facts(
    ctx: &Ctx,
    chat: &Chat,
    member: &User,
    adder: &User,
    choices: &GroupChoices,
    now: i64,
) -> crate::Result<JoinFacts> {
    let chat_id = chat.id.0;
    let user_id = member.id.0 as i64;
    let settings = &ctx.config.welcome;
    let added_by_admin = adder.id != member.id
        && (adder.id == ctx.me.id || ctx.admins.is_admin(chat_id, adder.id.0).await?);
    let mut facts = JoinFacts {
        is_bot: member.is_bot,
        remove_bots: settings.remove_bots_added_by_members,
        added_by_admin,
        passed_request: false,
        is_admin: false,
        raid: choices.raid_until > now,
        raid_kicks: settings.raid_action == RaidAction::Kick,
        supergroup: chat.is_supergroup(),
        mode: mode_of(ctx, choices),
    };
    if member.is_bot {
        return Ok(facts);
    }
    // Most newcomers came without a join request: whether there is a request's gate or pass to settle
    // is read beside the writer, and only then are they settled on it.
    let from_request = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::gate_of(&mut conn, chat_id, user_id)
            .await?
            .is_some_and(|gate| gate.via_request)
            || store::has_request_pass(&mut conn, chat_id, user_id).await?
    };
    let (request_gate, passed_request) = if from_request {
        let since = now - REQUEST_PASS_SECS;
        ctx.storage
            .commit(move |conn| {
                Box::pin(async move {
                    let gate = match store::gate_of(conn, chat_id, user_id).await? {
                        Some(gate) if gate.via_request => store::close_gate(conn, gate.id).await?,
                        _ => None,
                    };
                    let passed = store::take_request_pass(conn, chat_id, user_id, since).await?;
                    Ok::<_, crate::Error>((gate, passed))
                })
            })
            .await?
    } else {
        (None, false)
    };
    if let Some(gate) = request_gate {
        finish_question(ctx, &gate).await?;
    }
    facts.passed_request = passed_request;
    // Whether the newcomer is an admin only matters when nothing else exempts them.
    facts.is_admin =
        !added_by_admin && !passed_request && ctx.admins.is_admin(chat_id, user_id as u64).await?;
    Ok(facts)
}

/// Opens a newcomer's check, saves what they had before and restricts them. The check waits for its question: the group's next
/// captcha message asks everyone who joined within the same collection window (and those who waited
/// for the captcha gap).
async fn open_gate(
    ctx: &Ctx,
    chat_id: i64,
    member: &User,
    mode: Mode,
    known: Known,
    now: i64,
) -> crate::Result<()> {
    let user_id = member.id.0 as i64;
    let name = full_name(member);
    let id = ctx
        .storage
        .commit(move |conn| {
            Box::pin(async move {
                store::open_gate(
                    conn,
                    &store::NewGate {
                        chat_id,
                        user_id,
                        user_name: &name,
                        kind: mode,
                        via_request: false,
                        message_chat: chat_id,
                        options: &[],
                        answer: 0,
                        deadline: UNASKED,
                        now,
                    },
                )
                .await
            })
        })
        .await?;
    if id.is_none() {
        // The member's check is already open: this is the same join sent again after a crash, which may
        // have come between storing the check and restricting them. A member under check is always
        // restricted, so the restriction is asked for again (the same request twice is harmless).
        ctx.outbound.mute(chat_id, user_id, None);
        return Ok(());
    }
    prior::save_before_gate(ctx, chat_id, user_id, known).await?;
    ctx.outbound.mute(chat_id, user_id, None);
    ask_waiting(ctx, chat_id).await
}
