//! Claiming a share: a press on the Grab button, a typed 口令, or a reply with the answer to a 答题 packet.

use super::create::internal;
use super::{eligibility, runtime, store, CALLBACK_PREFIX};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::text::full_name;
use crate::telegram::HandlerResult;
use eligibility::Refusal;
use futures::FutureExt;
use store::{Grab, Packet, PacketKind};
use teloxide::prelude::*;

pub(super) async fn on_grab(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
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
        // Pass and quiz packets have no button: a crafted press on one is treated as an unknown packet.
        // The claim rules apply only to a packet that can still be grabbed: a packet past its expiry (even
        // before the ticker swept it) is answered as expired by the grab below.
        let now = ctx.now();
        let refusal = match &packet {
            Some(packet) if packet.mode != "grab" => Some(ctx.t(lang, "redpacket-alert-unknown")),
            Some(packet) if packet.is_open() && now < packet.expires_at && !already => {
                ineligible(&ctx, lang, packet, user).await?
            }
            _ => None,
        };
        if let Some(reason) = refusal {
            let query_id = query.id.clone();
            ctx.outbound.immediate("answerCallbackQuery", move |bot| {
                bot.answer_callback_query(query_id.clone())
                    .text(reason.clone())
                    .show_alert(true)
                    .send()
                    .boxed()
            });
            return Ok(());
        }
    }
    let outcome = match (packet_id, chat_id) {
        (Some(id), Some(chat)) => store::grab(
            &ctx.storage.write,
            chat,
            id,
            query.from.id.0 as i64,
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
    let id = query.id.clone();
    ctx.outbound.immediate("answerCallbackQuery", move |bot| {
        bot.answer_callback_query(id.clone())
            .text(text.clone())
            .show_alert(alert)
            .send()
            .boxed()
    });
    Ok(())
}

/// The eligibility refusal for `user` claiming a share of `packet`, as a localized sentence, or `None` when
/// they may claim. Exclusive packets are not gated: their sender chose the member.
pub(super) async fn ineligible(
    ctx: &Ctx,
    lang: Lang,
    packet: &Packet,
    user: i64,
) -> crate::Result<Option<String>> {
    if packet.packet_kind() == PacketKind::Exclusive {
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
pub(super) struct Attempt {
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
pub(super) async fn attempt_of(ctx: Ctx, message: Message) -> Option<Attempt> {
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
    let replied = message.reply_to_message().map(|m| i64::from(m.id.0));
    open.iter().find_map(|packet| match packet.mode.as_str() {
        "pass" => (text.trim() == packet.phrase).then_some(Attempt {
            packet_id: packet.id,
            correct: true,
        }),
        _ => (replied.is_some() && packet.announce_id == replied).then(|| Attempt {
            packet_id: packet.id,
            correct: eligibility::normalize(text) == packet.phrase,
        }),
    })
}

/// A member typed a phrase or an answer: check the cool-down and the rules, then claim a share.
pub(super) async fn on_attempt(ctx: Ctx, message: Message, attempt: Attempt) -> HandlerResult {
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
    if store::claimed(&mut conn, packet.id, user).await?.is_some() {
        // A member repeating the phrase after their claim gets nothing and no reply.
        return Ok(());
    }
    let cooldown = ctx.config.redpacket.quiz_cooldown.get().as_secs() as i64;
    let wrong_at = store::quiz_wrong_at(&mut conn, packet.id, user).await?;
    drop(conn);
    let cooling = wrong_at.is_some_and(|at| now < at + cooldown);
    if packet.mode == "quiz" && cooling {
        // The member was told about the cool-down when it started; stay quiet until it ends.
        return Ok(());
    }
    if !attempt.correct {
        let mut conn = ctx.storage.write.acquire().await?;
        store::set_quiz_wrong(&mut conn, packet.id, chat, user, now).await?;
        ctx.reply(
            &message,
            ctx.ta(
                lang,
                "redpacket-quiz-wrong",
                &fargs! {"seconds" => cooldown.to_string()},
            ),
        );
        return Ok(());
    }
    if let Some(reason) = ineligible(&ctx, lang, &packet, user).await? {
        // One reply per member per cool-down, so repeating the phrase does not flood the group.
        if !cooling {
            let mut conn = ctx.storage.write.acquire().await?;
            store::set_quiz_wrong(&mut conn, packet.id, chat, user, now).await?;
            ctx.reply(&message, reason);
        }
        return Ok(());
    }
    let outcome = store::grab(
        &ctx.storage.write,
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
        if packet.mode == "pass" && ctx.config.redpacket.delete_phrase {
            let message_id = message.id;
            ctx.outbound
                .immediate_in(chat, "deleteMessage", move |bot| {
                    bot.delete_message(ChatId(chat), message_id)
                        .send()
                        .map(|r| r.map(|_| ()))
                        .boxed()
                });
        }
    }
    Ok(())
}
