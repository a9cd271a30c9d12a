//! Sending a packet: `/hongbao …` (and `发红包 …`) is parsed, the split is checked, the packet is created with
//! its escrow, and its message is posted.

use super::request::{first_word, integer, parse_request, split_typed, typed_mode, Request};
use super::rules::{set_rule, show_rules};
use super::view::announce_packet;
use super::{runtime, split, store};
use crate::fairness::Seed;
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Ctx, TargetError};
use crate::telegram::admins::Right;
use crate::telegram::text::full_name;
use crate::telegram::HandlerResult;
use split::SplitError;
use store::{ClaimMode, CreateError, NewPacket, PacketKind};
use teloxide::prelude::*;

/// Where a command came from, for replies.
pub(super) struct Sender {
    id: i64,
    name: String,
}

pub(super) async fn send(ctx: &Ctx, message: &Message, args: &str) -> HandlerResult {
    let lang = ctx.lang_for(message).await;
    if message.chat.is_private() {
        ctx.reply(message, ctx.t(lang, "redpacket-group-only"));
        return Ok(());
    }
    // The rules commands need no paying sender, so anonymous admins may use them too.
    let (word, rest) = first_word(args);
    match word.to_lowercase().as_str() {
        "rules" | "规则" => return show_rules(ctx, message, lang).await,
        "set" | "设置" => return set_rule(ctx, message, lang, rest).await,
        _ => {}
    }
    let Some(from) = message
        .from
        .as_ref()
        .filter(|_| message.sender_chat.is_none())
    else {
        ctx.reply(message, ctx.t(lang, "redpacket-no-sender"));
        return Ok(());
    };
    let sender = Sender {
        id: from.id.0 as i64,
        name: full_name(from),
    };
    let (word, after) = first_word(args);
    let (from_mint, args) = if word.eq_ignore_ascii_case("mint") {
        if let Some(refusal) = ctx.refusal(message, Right::ChangeInfo, lang).await? {
            ctx.reply(message, refusal);
            return Ok(());
        }
        (true, after)
    } else {
        (false, args)
    };
    let settings = &ctx.config.redpacket;
    let (word, rest) = first_word(args);
    let args = match word.to_lowercase().as_str() {
        "pass" | "口令" | "quiz" | "答题" => {
            let quiz = matches!(word.to_lowercase().as_str(), "quiz" | "答题");
            let typed = split_typed(rest)
                .and_then(|(total, count, rest)| Some((total, count, typed_mode(quiz, rest)?)));
            let Some((total, count, typed)) = typed else {
                ctx.reply_html(
                    message,
                    ctx.t(
                        lang,
                        if quiz {
                            "redpacket-quiz-usage"
                        } else {
                            "redpacket-pass-usage"
                        },
                    ),
                );
                return Ok(());
            };
            // The phrase or question is shown by the packet itself, so the split reads only the numbers.
            return send_packet(
                ctx,
                message,
                lang,
                &sender,
                from_mint,
                (PacketKind::Lucky, total, count, "", None),
                typed,
            )
            .await;
        }
        _ => args,
    };
    let (kind, total, count, wish, target) = match parse_request(args, settings.max_total) {
        Request::Usage => {
            ctx.reply_html(message, ctx.t(lang, "redpacket-usage"));
            return Ok(());
        }
        Request::Split {
            kind,
            total,
            count,
            wish,
        } => (kind, total, count, wish, None),
        Request::Exclusive(text) => {
            let (target, rest) = match ctx.resolve_target(message, text).await {
                Ok(found) => found,
                Err(TargetError::UnknownUsername(name)) => {
                    ctx.reply(
                        message,
                        ctx.ta(lang, "redpacket-unknown-user", &fargs! {"name" => name}),
                    );
                    return Ok(());
                }
                Err(TargetError::Storage(err)) => return Err(err),
            };
            let Some(target) = target else {
                ctx.reply_html(message, ctx.t(lang, "redpacket-usage"));
                return Ok(());
            };
            // A bare id must belong to someone seen in this group, so points never go to a typo. A number
            // above the largest total that is nobody here was a total, too large: say that.
            if let (Some(crate::args::TargetSpec::Id(id)), _) = crate::args::split_target(text) {
                let mut conn = ctx.storage.read.acquire().await?;
                let chat_id = message.chat.id.0;
                if crate::storage::members::get(&mut conn, chat_id, id)
                    .await?
                    .is_none()
                {
                    let refusal = if id > settings.max_total {
                        ctx.ta(
                            lang,
                            "redpacket-total-above-max",
                            &fargs! {"max" => settings.max_total.to_string()},
                        )
                    } else {
                        ctx.ta(
                            lang,
                            "redpacket-unknown-id",
                            &fargs! {"id" => id.to_string()},
                        )
                    };
                    ctx.reply(message, refusal);
                    return Ok(());
                }
            }
            let (amount, wish) = first_word(rest);
            let Some(amount) = integer(amount) else {
                ctx.reply_html(message, ctx.t(lang, "redpacket-usage"));
                return Ok(());
            };
            if target.is_bot {
                ctx.reply(message, ctx.t(lang, "redpacket-not-bot"));
                return Ok(());
            }
            if target.user_id == sender.id {
                ctx.reply(message, ctx.t(lang, "redpacket-not-self"));
                return Ok(());
            }
            (PacketKind::Exclusive, amount, 1, wish, Some(target))
        }
    };
    send_packet(
        ctx,
        message,
        lang,
        &sender,
        from_mint,
        (kind, total, count, wish, target),
        ClaimMode::Grab,
    )
    .await
}

/// What a `/hongbao` request asks for once parsed: kind, total, count, wish and the exclusive target.
pub(super) type Parsed<'a> = (
    PacketKind,
    i64,
    u32,
    &'a str,
    Option<crate::services::Target>,
);

/// Checks the split, creates the packet with its escrow, and posts its message.
pub(super) async fn send_packet(
    ctx: &Ctx,
    message: &Message,
    lang: Lang,
    sender: &Sender,
    from_mint: bool,
    (kind, total, count, wish, target): Parsed<'_>,
    mode: ClaimMode,
) -> HandlerResult {
    let settings = &ctx.config.redpacket;
    // Lucky and equal shares respect the group's minimum; an exclusive packet is one chosen amount.
    let min_share = match kind {
        PacketKind::Lucky | PacketKind::Equal => settings.min_share,
        PacketKind::Exclusive => 1,
    };
    let limits = split::SplitLimits {
        min_share,
        ..settings.limits()
    };
    if let Err(err) = split::check(total, count, &limits) {
        ctx.reply(message, split_refusal(ctx, lang, &err));
        return Ok(());
    }
    let wish: String = wish.chars().take(200).collect();
    let now = ctx.now();
    let new = NewPacket {
        chat_id: message.chat.id.0,
        sender: sender.id,
        sender_name: &sender.name,
        kind,
        total,
        count,
        min_share,
        target: target.as_ref().map(|t| (t.user_id, t.name.as_str())),
        message: &wish,
        from_mint,
        thread_id: message
            .thread_id
            .filter(|_| message.is_topic_message)
            .map(|t| i64::from(t.0 .0)),
        now,
        expires_at: now.saturating_add(settings.expiry.get().as_secs() as i64),
        mode,
        relay: None,
    };
    let mut tx = ctx.storage.write.begin().await?;
    let packet = match store::create(&mut tx, &new, &Seed::generate()).await {
        Ok(packet) => packet,
        Err(CreateError::Insufficient { balance }) => {
            drop(tx);
            ctx.reply(
                message,
                ctx.ta(
                    lang,
                    "redpacket-insufficient",
                    &fargs! {"balance" => balance.to_string(), "total" => total.to_string()},
                ),
            );
            return Ok(());
        }
        Err(CreateError::Split(err)) => {
            drop(tx);
            ctx.reply(message, split_refusal(ctx, lang, &err));
            return Ok(());
        }
        Err(err) => return Err(internal(err)),
    };
    tx.commit().await?;
    if packet.mode != "grab" {
        runtime::of(ctx).typed_created(packet.chat_id, packet.id, packet.expires_at);
    }
    if from_mint {
        tracing::info!(
            chat_id = packet.chat_id,
            admin = sender.id,
            packet = packet.id,
            total,
            "an admin sent a red packet from the group's mint"
        );
    }
    announce_packet(ctx, lang, &packet, Some(message));
    Ok(())
}

/// A failure that is not the member's to fix, as the crate error.
pub(super) fn internal(err: CreateError) -> crate::Error {
    match err {
        CreateError::Database(err) => crate::Error::Database(err),
        other => crate::Error::Database(sqlx::Error::Protocol(other.to_string())),
    }
}

pub(super) fn split_refusal(ctx: &Ctx, lang: Lang, err: &SplitError) -> String {
    match err {
        SplitError::CountZero => ctx.t(lang, "redpacket-count-zero"),
        SplitError::CountAboveMax { max, .. } => ctx.ta(
            lang,
            "redpacket-count-above-max",
            &fargs! {"max" => max.to_string()},
        ),
        SplitError::MinShareBelowOne { .. } | SplitError::TotalBelowMinimum { .. } => {
            let (count, min) = match err {
                SplitError::TotalBelowMinimum {
                    count, min_share, ..
                } => (*count, *min_share),
                _ => (1, 1),
            };
            ctx.ta(
                lang,
                "redpacket-total-below-minimum",
                &fargs! {"count" => count.to_string(), "min" => min.to_string(),
                "needed" => (i128::from(count) * i128::from(min)).to_string()},
            )
        }
        SplitError::TotalAboveMax { max, .. } => ctx.ta(
            lang,
            "redpacket-total-above-max",
            &fargs! {"max" => max.to_string()},
        ),
    }
}
