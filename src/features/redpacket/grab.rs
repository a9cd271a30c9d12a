//! Claiming a share: a press on the Grab button, a typed 口令, or a reply with the answer to a 答题 packet.

use super::create::internal;
use super::{claim, eligibility, runtime, store, CALLBACK_PREFIX};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::text::full_name;
use crate::telegram::HandlerResult;
use eligibility::Refusal;
use store::{Grab, Mode, Packet, PacketKind};
use teloxide::prelude::*;

/// A press on a packet's Grab button: the claim rules when they apply, then the grab, answered as a notice
/// (claimed) or an alert (anything else).
pub(super) async fn on_press(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let data = query.data.as_deref().unwrap_or_default();
    let packet_id = data
        .strip_prefix(CALLBACK_PREFIX)
        .and_then(|id| id.parse::<i64>().ok());
    let chat_message = query.regular_message();
    let chat_id = chat_message.map(|m| m.chat.id.0);
    let lang = match chat_id {
        Some(chat) => ctx.group_lang(chat).await,
        None => ctx.default_lang(),
    };
    let user = query.from.id.0 as i64;
    if let (Some(id), Some(chat)) = (packet_id, chat_id) {
        let mut conn = ctx.storage.read.acquire().await?;
        let packet = store::get(&mut conn, id)
            .await?
            .filter(|p| p.chat_id == chat);
        let already = store::claimed(&mut conn, id, user).await?.is_some();
        drop(conn);
        let now = ctx.now();
        let facts = packet.as_ref().map(|packet| claim::PressFacts {
            by_button: packet.mode == Mode::Grab,
            open: packet.is_open(),
            exclusive: packet.kind == PacketKind::Exclusive,
            expires_at: packet.expires_at,
            already,
            now,
        });
        let refusal = match (claim::press(facts.as_ref()), &packet) {
            (claim::Press::Unknown, _) => Some(ctx.t(lang, "redpacket-alert-unknown")),
            (claim::Press::CheckRules, Some(packet)) => {
                ineligible(&ctx, lang, packet, user).await?
            }
            _ => None,
        };
        if let Some(reason) = refusal {
            ctx.outbound.answer_press(&query, reason, true);
            return Ok(());
        }
    }
    let outcome = match (packet_id, chat_id) {
        (Some(id), Some(chat)) => store::grab(
            &ctx.storage,
            chat,
            id,
            user,
            &full_name(&query.from),
            chat_message.map(|m| i64::from(m.id.0)),
            ctx.now(),
        )
        .await
        .map_err(internal)?,
        _ => Grab::Unknown,
    };
    let (text, alert) = match outcome {
        Grab::Claimed { amount, .. } => (
            ctx.ta(
                lang,
                "redpacket-alert-claimed",
                &fargs! {"amount" => amount.to_string()},
            ),
            false,
        ),
        Grab::AlreadyGrabbed { amount } => (
            ctx.ta(
                lang,
                "redpacket-alert-already",
                &fargs! {"amount" => amount.to_string()},
            ),
            true,
        ),
        Grab::Finished => (ctx.t(lang, "redpacket-alert-finished"), true),
        Grab::Expired => (ctx.t(lang, "redpacket-alert-expired"), true),
        Grab::NotForYou => (ctx.t(lang, "redpacket-alert-not-for-you"), true),
        Grab::Unknown => (ctx.t(lang, "redpacket-alert-unknown"), true),
    };
    ctx.outbound.answer_press(&query, text, alert);
    Ok(())
}

/// The eligibility refusal for `user` claiming a share of `packet`, as a localized sentence, or `None` when
/// they may claim. Exclusive packets are not gated: their sender chose the member.
async fn ineligible(
    ctx: &Ctx,
    lang: Lang,
    packet: &Packet,
    user: i64,
) -> crate::Result<Option<String>> {
    if packet.kind == PacketKind::Exclusive {
        return Ok(None);
    }
    let now = ctx.now();
    let mut conn = ctx.storage.read.acquire().await?;
    let rules = store::rules(
        &mut conn,
        packet.chat_id,
        ctx.config.redpacket.default_rules(),
    )
    .await?;
    let member = crate::storage::members::get(&mut conn, packet.chat_id, user).await?;
    let level = if rules.min_level > 1 {
        crate::facts::member_level(&mut conn, packet.chat_id, user)
            .await?
            .0
    } else {
        1
    };
    let claims_today = if rules.max_claims_per_day > 0 {
        let day = crate::facts::group_day_in(ctx, &mut conn, packet.chat_id).await?;
        let since = day.start(day.today(now));
        store::claims_since(&mut conn, packet.chat_id, user, since).await?
    } else {
        0
    };
    let facts = eligibility::Facts {
        // A mint packet's sender is the admin who sent it: `sender_may_claim` applies to them too.
        is_sender: packet.sender == user,
        member_since: member.as_ref().map(|m| m.joined_at.unwrap_or(m.first_seen)),
        messages: member.as_ref().map_or(0, |m| m.messages),
        level,
        claims_today,
        now,
    };
    Ok(eligibility::check(&rules, &facts)
        .err()
        .map(|refusal| match refusal {
            Refusal::OwnPacket => ctx.t(lang, "redpacket-gate-own"),
            Refusal::TooNew { hours } => ctx.ta(
                lang,
                "redpacket-gate-new",
                &fargs! {"hours" => hours.to_string()},
            ),
            Refusal::NeverSpoke => ctx.t(lang, "redpacket-gate-silent"),
            Refusal::LevelTooLow { needed, have } => ctx.ta(
                lang,
                "redpacket-gate-level",
                &fargs! {"needed" => needed.to_string(), "have" => have.to_string()},
            ),
            Refusal::DailyLimit { max } => ctx.ta(
                lang,
                "redpacket-gate-daily",
                &fargs! {"max" => max.to_string()},
            ),
        }))
}

/// A group text message that is an attempt at an open pass or quiz packet.
#[derive(Debug, Clone)]
pub(super) struct TypedAttempt {
    packet_id: i64,
    correct: bool,
}

/// The message filter of pass and quiz packets: a text that is exactly an open pass packet's phrase, or a
/// reply to an open quiz packet's message (its answer, right or wrong). Only replies are answers, so every
/// guess at a quiz is judged and a wrong one starts the cool-down; a plain message is never an answer. Any
/// other message falls through to later branches.
///
/// This runs for every group text message, so SQLite is asked only in groups that have (or may have, before
/// their first read since start-up) an open typed packet; see [`runtime`].
pub(super) async fn attempt_of(ctx: Ctx, message: Message) -> Option<TypedAttempt> {
    let text = message.text()?;
    if message.chat.is_private() || text.starts_with('/') || message.from.is_none() {
        return None;
    }
    let chat = message.chat.id.0;
    let now = ctx.now();
    let runtime = runtime::of(&ctx);
    if runtime.typed_open(chat, now) == Some(false) {
        return None;
    }
    let mut conn = ctx.storage.read.acquire().await.ok()?;
    let open = store::open_typed(&mut conn, chat, now).await.ok()?;
    drop(conn);
    runtime.set_typed(chat, open.iter().map(|p| (p.id, p.expires_at)));
    let replied = crate::telegram::replied_message(&message).map(|m| i64::from(m.id.0));
    let typed = eligibility::normalize(text);
    // A reply to one packet's message is about that packet only.
    let replied_packet = open
        .iter()
        .find(|p| replied.is_some() && p.announce_id == replied)
        .map(|p| p.id);
    open.iter().find_map(|packet| match packet.mode {
        Mode::Pass => (replied_packet.is_none_or(|id| id == packet.id)
            && !typed.is_empty()
            && typed == eligibility::normalize(&packet.phrase))
        .then_some(TypedAttempt {
            packet_id: packet.id,
            correct: true,
        }),
        _ => (replied_packet == Some(packet.id)).then(|| TypedAttempt {
            packet_id: packet.id,
            correct: typed == eligibility::normalize(&packet.phrase),
        }),
    })
}

/// The members told how long their quiz cool-down still runs, by (packet, member), with when that
/// cool-down ends; an entry is forgotten once its cool-down is over, so the next cool-down is told again.
#[derive(Default)]
struct CoolingTold(std::sync::Mutex<std::collections::HashMap<(i64, i64), i64>>);

/// A member typed a phrase or an answer: check the cool-down and the rules, then claim a share.
pub(super) async fn on_attempt(ctx: Ctx, message: Message, attempt: TypedAttempt) -> HandlerResult {
    let Some(from) = message.from.as_ref() else {
        return Ok(());
    };
    let user = from.id.0 as i64;
    let chat = message.chat.id.0;
    let lang = ctx.group_lang(chat).await;
    let now = ctx.now();
    let mut conn = ctx.storage.read.acquire().await?;
    let Some(packet) = store::get(&mut conn, attempt.packet_id).await? else {
        return Ok(());
    };
    let claimed = store::claimed(&mut conn, packet.id, user).await?.is_some();
    let wrong_at = if claimed {
        None
    } else {
        store::quiz_wrong_at(&mut conn, packet.id, user).await?
    };
    drop(conn);
    let cooldown = ctx.config.redpacket.quiz_cooldown.get().as_secs() as i64;
    let step = claim::attempt(&claim::AttemptFacts {
        claimed,
        quiz: packet.mode == Mode::Quiz,
        correct: attempt.correct,
        wrong_at,
        cooldown,
        now,
    });
    match step {
        claim::Attempt::Ignore => return Ok(()),
        claim::Attempt::Cooling { left } => {
            // Told once per cool-down: the cool-down is known by when the wrong answer came.
            let told = ctx.local(CoolingTold::default);
            let first = {
                let mut told = told.0.lock().unwrap_or_else(|e| e.into_inner());
                told.retain(|_, until| *until > now);
                told.insert((packet.id, user), now + left).is_none()
            };
            if first {
                ctx.reply_brief(
                    &message,
                    ctx.ta(lang, "redpacket-quiz-cooling", &fargs! {"seconds" => left}),
                );
            }
            return Ok(());
        }
        claim::Attempt::Wrong => {
            let mut conn = ctx.storage.write.acquire().await?;
            store::set_quiz_wrong(&mut conn, packet.id, chat, user, now).await?;
            ctx.reply_brief(
                &message,
                ctx.ta(
                    lang,
                    "redpacket-quiz-wrong",
                    &fargs! {"seconds" => cooldown.to_string()},
                ),
            );
            return Ok(());
        }
        claim::Attempt::CheckRules { tell } => {
            if let Some(reason) = ineligible(&ctx, lang, &packet, user).await? {
                if tell {
                    let mut conn = ctx.storage.write.acquire().await?;
                    store::set_quiz_wrong(&mut conn, packet.id, chat, user, now).await?;
                    ctx.reply_brief(&message, reason);
                }
                return Ok(());
            }
        }
    }
    let outcome = store::grab(
        &ctx.storage,
        chat,
        packet.id,
        user,
        &full_name(from),
        None,
        now,
    )
    .await
    .map_err(internal)?;
    if matches!(
        outcome,
        Grab::Claimed {
            exhausted: true,
            ..
        } | Grab::Finished
            | Grab::Expired
    ) {
        runtime::of(&ctx).packet_ended(Some(chat), packet.id);
    }
    if let Grab::Claimed { .. } = outcome {
        if packet.mode == Mode::Pass && ctx.config.redpacket.delete_phrase {
            ctx.outbound.delete(chat, message.id);
        }
    }
    Ok(())
}
