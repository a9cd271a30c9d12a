//! Sending a packet: `/hongbao …` (and `发红包 …`) is parsed, the split is checked, the packet is created with
//! its escrow, and its message is posted.

use super::request::{self, Hongbao, Order};
use super::rules::{set_rule, show_rules};
use super::view::announce_packet;
use super::{runtime, split, store};
use crate::args::{first_word, parse_integer, split_target, TargetSpec};
use crate::fairness::Seed;
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Call, Ctx, Target, TargetError};
use crate::telegram::admins::Right;
use crate::telegram::text::full_name;
use crate::telegram::HandlerResult;
use split::SplitError;
use store::{ClaimMode, CreateError, Mode, NewPacket, PacketKind};
use teloxide::prelude::*;

/// Who pays for (or, from the mint, sends) a packet.
struct Sender {
    id: i64,
    name: String,
}

/// A packet ready for the split check: everything a `/hongbao` asked for, with the exclusive target found.
struct Wanted<'a> {
    kind: PacketKind,
    total: i64,
    count: u32,
    wish: &'a str,
    target: Option<Target>,
    mode: ClaimMode,
}

/// `/hongbao …`, `/redpacket …` and `发红包 …`: the rules commands, or a new packet.
pub(super) async fn send(ctx: &Ctx, message: &Message, args: &str) -> HandlerResult {
    let call = Call::new(ctx, message).await;
    if message.chat.is_private() {
        call.say(call.t("redpacket-group-only"));
        return Ok(());
    }
    let settings = &ctx.config.redpacket;
    // The rules commands need no paying sender, so anonymous admins may use them too.
    let (from_mint, order) = match request::parse(args, settings.max_total) {
        Hongbao::Rules => return show_rules(&call).await,
        Hongbao::SetRule(rest) => return set_rule(&call, rest).await,
        Hongbao::Send { from_mint, order } => (from_mint, order),
    };
    let Some(from) = message
        .from
        .as_ref()
        .filter(|_| message.sender_chat.is_none())
    else {
        call.say(call.t("redpacket-no-sender"));
        return Ok(());
    };
    let sender = Sender {
        id: from.id.0 as i64,
        name: full_name(from),
    };
    if from_mint && !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let wanted = match order {
        Order::Usage => {
            call.say_html(call.t("redpacket-usage"));
            return Ok(());
        }
        Order::TypedUsage { quiz } => {
            call.say_html(call.t(if quiz {
                "redpacket-quiz-usage"
            } else {
                "redpacket-pass-usage"
            }));
            return Ok(());
        }
        Order::Typed { total, count, mode } => Wanted {
            kind: PacketKind::Lucky,
            total,
            count,
            wish: "",
            target: None,
            mode,
        },
        Order::Split {
            kind,
            total,
            count,
            wish,
        } => Wanted {
            kind,
            total,
            count,
            wish,
            target: None,
            mode: ClaimMode::Grab,
        },
        Order::Exclusive(text) => match exclusive(&call, &sender, text).await? {
            Some(wanted) => wanted,
            None => return Ok(()),
        },
    };
    send_packet(&call, &sender, from_mint, wanted).await
}

/// Finds the member of an exclusive packet and reads its amount; `None` when the sender was told why not.
async fn exclusive<'a>(
    call: &Call<'_>,
    sender: &Sender,
    text: &'a str,
) -> crate::Result<Option<Wanted<'a>>> {
    let (ctx, message) = (call.ctx, call.message);
    let max_total = ctx.config.redpacket.max_total;
    let (target, rest) = match ctx.resolve_target(message, text).await {
        Ok(found) => found,
        Err(TargetError::UnknownUsername(name)) => {
            call.say(call.ta("redpacket-unknown-user", &fargs! {"name" => name}));
            return Ok(None);
        }
        Err(TargetError::Storage(err)) => return Err(err),
    };
    let Some(target) = target else {
        call.say_html(call.t("redpacket-usage"));
        return Ok(None);
    };
    // A bare id must belong to someone seen in this group, so points never go to a typo. A number above the
    // largest total that is nobody here was a total, too large: say that.
    if let (Some(TargetSpec::Id(id)), _) = split_target(text) {
        let mut conn = ctx.storage.read.acquire().await?;
        if crate::storage::members::get(&mut conn, call.chat_id, id)
            .await?
            .is_none()
        {
            let refusal = if id > max_total {
                call.ta(
                    "redpacket-total-above-max",
                    &fargs! {"max" => max_total.to_string()},
                )
            } else {
                call.ta("redpacket-unknown-id", &fargs! {"id" => id.to_string()})
            };
            call.say(refusal);
            return Ok(None);
        }
    }
    let (amount, wish) = first_word(rest);
    let Some(amount) = parse_integer(amount) else {
        call.say_html(call.t("redpacket-usage"));
        return Ok(None);
    };
    if target.is_bot {
        call.say(call.t("redpacket-not-bot"));
        return Ok(None);
    }
    if target.user_id == sender.id {
        call.say(call.t("redpacket-not-self"));
        return Ok(None);
    }
    Ok(Some(Wanted {
        kind: PacketKind::Exclusive,
        total: amount,
        count: 1,
        wish,
        target: Some(target),
        mode: ClaimMode::Grab,
    }))
}

/// Checks the split, creates the packet with its escrow, and posts its message.
async fn send_packet(
    call: &Call<'_>,
    sender: &Sender,
    from_mint: bool,
    wanted: Wanted<'_>,
) -> HandlerResult {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let Wanted {
        kind,
        total,
        count,
        wish,
        target,
        mode,
    } = wanted;
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
        call.say(split_refusal(ctx, lang, &err));
        return Ok(());
    }
    let wish: String = wish.chars().take(200).collect();
    let now = ctx.now();
    let chat_id = message.chat.id.0;
    let sender_id = sender.id;
    let sender_name = sender.name.clone();
    let target = target.as_ref().map(|t| (t.user_id, t.name.clone()));
    let thread_id = message
        .thread_id
        .filter(|_| message.is_topic_message)
        .map(|t| i64::from(t.0 .0));
    let expires_at = now.saturating_add(settings.expiry.get().as_secs() as i64);
    // The packet's creation (its escrow funded from the sender) is one unit of work on the writer: a
    // refusal rolls back whatever the creation had written, and the packet is announced only once it
    // is committed.
    let created = ctx
        .storage
        .commit(move |conn| {
            Box::pin(async move {
                let new = NewPacket {
                    chat_id,
                    sender: sender_id,
                    sender_name: &sender_name,
                    kind,
                    total,
                    count,
                    min_share,
                    target: target.as_ref().map(|(id, name)| (*id, name.as_str())),
                    message: &wish,
                    from_mint,
                    thread_id,
                    now,
                    expires_at,
                    mode,
                    relay: None,
                };
                store::create(conn, &new, &Seed::generate()).await
            })
        })
        .await;
    let packet = match created {
        Ok(packet) => packet,
        Err(CreateError::Insufficient { balance }) => {
            call.say(call.ta(
                "redpacket-insufficient",
                &fargs! {"balance" => balance.to_string(), "total" => total.to_string()},
            ));
            return Ok(());
        }
        Err(CreateError::Split(err)) => {
            call.say(split_refusal(ctx, lang, &err));
            return Ok(());
        }
        Err(err) => return Err(internal(err)),
    };
    if packet.mode != Mode::Grab {
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
    announce_packet(ctx, lang, &packet, Some(message)).await?;
    Ok(())
}

/// A failure that is not the member's to fix, as the crate error.
pub(super) fn internal(err: CreateError) -> crate::Error {
    match err {
        CreateError::Database(err) => crate::Error::Database(err),
        CreateError::Commit(err) => crate::Error::Commit(err),
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
