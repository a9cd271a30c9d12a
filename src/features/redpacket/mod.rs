//! Red packets (红包): a member puts points into a packet, the packet is split into shares when it is
//! created, and members grab the shares one by one with the button under the packet's message.
//!
//! - `/hongbao <total> <count> [wish]` (also `/redpacket`, and plain `发红包 <total> <count>`): a lucky packet.
//! - `/hongbao equal <total> <count> [wish]`: equal shares.
//! - `/hongbao <@user | id | reply> <amount> [wish]`: an exclusive packet only that member can open. Two
//!   leading numbers make a lucky packet; a first number above `max_total` is read as a user id.
//! - `/hongbao mint …` (admins with the "change group info" right): the same, paid from the group's mint.
//! - `/verify P17`: the commitment, and once the packet has ended its seed and the recomputed shares.
//!
//! The rooms: [`split`] (the pure split), [`store`] (the SQL: create, grab, expire), [`settings`]. The
//! ticker expires packets (refunding what is left) and edits packet messages, at most once per
//! `edit_interval` while members grab, and at once when a packet ends.

pub mod settings;
pub mod split;
pub mod store;

use super::{Audience, CommandInfo};
use crate::fairness::{self, Kind, Seed};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Ctx, TargetError};
use crate::telegram::admins::Right;
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, full_name};
use crate::telegram::{Handler, HandlerResult};
use futures::future::BoxFuture;
use futures::FutureExt;
use split::SplitError;
use store::{CreateError, Grab, NewPacket, Packet, PacketKind};
use teloxide::prelude::*;
use teloxide::requests::Request as _;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};
use teloxide::utils::command::BotCommands;

/// The commands of this feature.
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "hongbao",
        description: "redpacket-cmd-hongbao",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "redpacket",
        description: "redpacket-cmd-hongbao",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "verify",
        description: "redpacket-cmd-verify",
        audience: Audience::Everyone,
    },
];

/// The prefix of the Grab button's callback data: `rp:<packet id>`.
const CALLBACK_PREFIX: &str = "rp:";

/// The Chinese text trigger for a lucky packet.
const TEXT_TRIGGER: &str = "发红包";

/// Longest member name shown in a packet's claim list, so that 100 claims fit one message.
const NAME_CHARS: usize = 16;

#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
enum Command {
    Hongbao(String),
    Redpacket(String),
    Verify(String),
}

/// This feature's branch of the handler tree: its commands, the `发红包` trigger, and Grab presses.
/// `/verify L…` (a lottery id) is left to other branches.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(
            Update::filter_callback_query()
                .filter(|q: CallbackQuery| {
                    q.data
                        .as_deref()
                        .is_some_and(|d| d.starts_with(CALLBACK_PREFIX))
                })
                .endpoint(on_grab),
        )
        .branch(
            Update::filter_message()
                .branch(
                    dptree::entry()
                        .filter_command::<Command>()
                        .filter(|command: Command| match command {
                            Command::Verify(arg) => !arg.trim_start().starts_with(['L', 'l']),
                            _ => true,
                        })
                        .endpoint(on_command),
                )
                .branch(
                    dptree::filter_map(|m: Message| {
                        let rest = m.text()?.trim_start().strip_prefix(TEXT_TRIGGER)?;
                        (rest.is_empty() || rest.starts_with(char::is_whitespace))
                            .then(|| rest.trim().to_string())
                    })
                    .endpoint(
                        |ctx: Ctx, message: Message, args: String| async move {
                            send(&ctx, &message, &args).await
                        },
                    ),
                ),
        )
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    match command {
        Command::Hongbao(args) | Command::Redpacket(args) => send(&ctx, &message, &args).await,
        Command::Verify(args) => verify(&ctx, &message, args.trim()).await,
    }
}

/// What the words after `/hongbao` ask for, before any target is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Request<'a> {
    /// `<total> <count> [wish]`, lucky or equal.
    Split {
        kind: PacketKind,
        total: i64,
        count: u32,
        wish: &'a str,
    },
    /// `<target> <amount> [wish]`: the text starting at the target.
    Exclusive(&'a str),
    /// Nothing usable.
    Usage,
}

/// Splits off the first word.
fn first_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(at) => (&text[..at], text[at..].trim_start()),
        None => (text, ""),
    }
}

/// A whole number as typed (full-width digits allowed), of any sign.
fn integer(word: &str) -> Option<i64> {
    let normalized: String = word
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '－' => '-',
            _ => c,
        })
        .collect();
    let value: i128 = normalized.parse().ok()?;
    Some(value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// A share count as typed, clamped into `u32` (the split check reports a zero or too large count).
fn count_of(value: i64) -> u32 {
    value.clamp(0, i64::from(u32::MAX)) as u32
}

/// Reads `/hongbao` arguments (without `mint`). A first number above `max_total` cannot be a total, so it is
/// read as a user id.
fn parse_request(args: &str, max_total: i64) -> Request<'_> {
    let (first, rest) = first_word(args);
    if first.is_empty() {
        return Request::Usage;
    }
    if first.eq_ignore_ascii_case("equal") || first == "平分" {
        let (total, rest) = first_word(rest);
        let (count, wish) = first_word(rest);
        return match (integer(total), integer(count)) {
            (Some(total), Some(count)) => Request::Split {
                kind: PacketKind::Equal,
                total,
                count: count_of(count),
                wish,
            },
            _ => Request::Usage,
        };
    }
    let (second, wish) = first_word(rest);
    match (integer(first), integer(second)) {
        (Some(total), Some(count)) if total <= max_total => Request::Split {
            kind: PacketKind::Lucky,
            total,
            count: count_of(count),
            wish,
        },
        _ => Request::Exclusive(args.trim()),
    }
}

/// Where a command came from, for replies.
struct Sender {
    id: i64,
    name: String,
}

async fn send(ctx: &Ctx, message: &Message, args: &str) -> HandlerResult {
    let lang = ctx.lang_for(message).await;
    if message.chat.is_private() {
        ctx.reply(message, ctx.t(lang, "redpacket-group-only"));
        return Ok(());
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
            // A bare id must belong to someone seen in this group, so points never go to a typo.
            if let (Some(crate::args::TargetSpec::Id(id)), _) = crate::args::split_target(text) {
                let mut conn = ctx.storage.read.acquire().await?;
                let chat_id = message.chat.id.0;
                if crate::storage::members::get(&mut conn, chat_id, id)
                    .await?
                    .is_none()
                {
                    ctx.reply(
                        message,
                        ctx.ta(
                            lang,
                            "redpacket-unknown-id",
                            &fargs! {"id" => id.to_string()},
                        ),
                    );
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
    let min_share = match kind {
        PacketKind::Lucky => settings.min_share,
        _ => 1,
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
    if from_mint {
        tracing::info!(
            chat_id = packet.chat_id,
            admin = sender.id,
            packet = packet.id,
            total,
            "an admin sent a red packet from the group's mint"
        );
    }
    let html = render(ctx, lang, &packet, &[]);
    let pending = ctx.outbound.send_text(
        Text::html(packet.chat_id, html)
            .reply_to(message)
            .markup(grab_button(ctx, lang, packet.id)),
    );
    let ctx = ctx.clone();
    tokio::spawn(async move {
        match pending.wait().await {
            Ok(sent) => {
                let stored = async {
                    let mut conn = ctx.storage.write.acquire().await?;
                    store::set_announcement(&mut conn, packet.id, i64::from(sent.id.0)).await
                };
                if let Err(err) = stored.await {
                    tracing::warn!(%err, packet = packet.id, "could not remember the packet message");
                }
            }
            Err(err) => tracing::warn!(%err, packet = packet.id, "the packet message was not sent"),
        }
    });
    Ok(())
}

/// A failure that is not the member's to fix, as the crate error.
fn internal(err: CreateError) -> crate::Error {
    match err {
        CreateError::Database(err) => crate::Error::Database(err),
        other => crate::Error::Database(sqlx::Error::Protocol(other.to_string())),
    }
}

fn split_refusal(ctx: &Ctx, lang: Lang, err: &SplitError) -> String {
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

fn grab_button(ctx: &Ctx, lang: Lang, id: i64) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        ctx.t(lang, "redpacket-button"),
        format!("{CALLBACK_PREFIX}{id}"),
    )]])
}

/// A name cut to [`NAME_CHARS`] characters and escaped for HTML.
fn short_name(name: &str) -> String {
    let mut short: String = name.chars().take(NAME_CHARS).collect();
    if name.chars().count() > NAME_CHARS {
        short.push('…');
    }
    escape(&short)
}

/// The packet message: who sent what, the progress or the final list, and the commitment (and the seed
/// once the packet has ended).
fn render(ctx: &Ctx, lang: Lang, packet: &Packet, claims: &[store::Claim]) -> String {
    let kind = ctx.t(lang, &format!("redpacket-kind-{}", packet.kind));
    let mut html = ctx.ta(
        lang,
        "redpacket-title",
        &fargs! {
            "sender" => escape(&packet.sender_name),
            "kind" => kind,
            "id" => fairness::display_id(Kind::Packet, packet.id),
        },
    );
    if !packet.message.is_empty() {
        html.push_str(&format!("\n<i>{}</i>", escape(&packet.message)));
    }
    if let (Some(target), Some(name)) = (packet.target, &packet.target_name) {
        html.push('\n');
        html.push_str(&ctx.ta(
            lang,
            "redpacket-for",
            &fargs! {"target" => crate::telegram::text::mention_html(target, name)},
        ));
    }
    html.push('\n');
    html.push_str(&ctx.ta(
        lang,
        "redpacket-summary",
        &fargs! {
            "total" => packet.total.to_string(),
            "count" => packet.count.to_string(),
            "claimed" => claims.len().to_string(),
        },
    ));
    match packet.status.as_str() {
        "open" => {}
        status => {
            html.push('\n');
            if status == "expired" {
                let to = if packet.from_mint {
                    ctx.t(lang, "redpacket-to-mint")
                } else {
                    escape(&packet.sender_name)
                };
                html.push_str(&ctx.ta(
                    lang,
                    "redpacket-expired",
                    &fargs! {"amount" => packet.refunded.to_string(), "to" => to},
                ));
            } else {
                html.push_str(&ctx.t(lang, "redpacket-exhausted"));
            }
            for claim in claims {
                html.push_str(&format!(
                    "\n{} +{}",
                    short_name(&claim.user_name),
                    claim.amount
                ));
            }
            let order: Vec<(u32, i64)> = claims
                .iter()
                .map(|c| (c.position as u32, c.amount))
                .collect();
            if status == "exhausted" && packet.count > 1 {
                if let Some(best) = split::best_luck(&order) {
                    html.push('\n');
                    html.push_str(&ctx.ta(
                        lang,
                        "redpacket-best-luck",
                        &fargs! {
                            "name" => short_name(&claims[best].user_name),
                            "amount" => claims[best].amount.to_string(),
                        },
                    ));
                }
            }
        }
    }
    html.push('\n');
    html.push_str(&ctx.ta(
        lang,
        "redpacket-commitment",
        &fargs! {"commitment" => packet.commitment.clone()},
    ));
    if !packet.is_open() {
        html.push('\n');
        html.push_str(&ctx.ta(
            lang,
            "redpacket-seed",
            &fargs! {
                "seed" => packet.seed.clone(),
                "id" => fairness::display_id(Kind::Packet, packet.id),
            },
        ));
    }
    html
}

async fn on_grab(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
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

async fn verify(ctx: &Ctx, message: &Message, arg: &str) -> HandlerResult {
    let lang = ctx.lang_for(message).await;
    let Some((Kind::Packet, id)) = fairness::parse_display_id(arg) else {
        ctx.reply(message, ctx.t(lang, "redpacket-verify-usage"));
        return Ok(());
    };
    let mut conn = ctx.storage.read.acquire().await?;
    let packet = store::get(&mut conn, id)
        .await?
        .filter(|p| message.chat.is_private() || p.chat_id == message.chat.id.0);
    let Some(packet) = packet else {
        ctx.reply(
            message,
            ctx.ta(
                lang,
                "redpacket-verify-unknown",
                &fargs! {"id" => fairness::display_id(Kind::Packet, id)},
            ),
        );
        return Ok(());
    };
    let display = fairness::display_id(Kind::Packet, id);
    let kind = ctx.t(lang, &format!("redpacket-kind-{}", packet.kind));
    let mut html = ctx.ta(
        lang,
        "redpacket-verify-head",
        &fargs! {
            "id" => display.clone(),
            "kind" => kind,
            "total" => packet.total.to_string(),
            "count" => packet.count.to_string(),
            "min" => packet.min_share.to_string(),
            "commitment" => packet.commitment.clone(),
        },
    );
    html.push('\n');
    if packet.is_open() {
        html.push_str(&ctx.t(lang, "redpacket-verify-secret"));
    } else {
        let stored = store::shares(&mut conn, id).await?;
        let seed = Seed::from_hex(&packet.seed);
        let recomputed = seed.as_ref().and_then(|seed| {
            store::compute_shares(
                packet.packet_kind(),
                id,
                packet.total,
                count_of(packet.count),
                packet.min_share,
                seed,
            )
            .ok()
        });
        let commitment_ok = seed.as_ref().is_some_and(|seed| {
            fairness::commitment(&fairness::tag(Kind::Packet, id), seed) == packet.commitment
        });
        let shares = recomputed
            .as_ref()
            .map(|s| s.iter().map(i64::to_string).collect::<Vec<_>>().join(", "))
            .unwrap_or_default();
        html.push_str(&ctx.ta(
            lang,
            "redpacket-verify-revealed",
            &fargs! {"seed" => packet.seed.clone(), "shares" => shares},
        ));
        html.push('\n');
        let ok = commitment_ok && recomputed.as_deref() == Some(stored.as_slice());
        html.push_str(&ctx.t(
            lang,
            if ok {
                "redpacket-verify-ok"
            } else {
                "redpacket-verify-mismatch"
            },
        ));
    }
    ctx.reply_html(message, html);
    Ok(())
}

/// The ticker's work: expire due packets (refunding their remainder), then edit the messages of packets
/// whose claims moved on, paced by `edit_interval` (ended packets at once).
pub fn tick(ctx: Ctx) -> BoxFuture<'static, crate::Result<()>> {
    async move {
        let now = ctx.now();
        store::expire_due(&ctx.storage.write, now)
            .await
            .map_err(internal)?;
        let interval = ctx.config.redpacket.edit_interval.get().as_secs() as i64;
        let mut conn = ctx.storage.write.acquire().await?;
        for packet in store::due_edits(&mut conn, now, interval).await? {
            let claims = store::claims(&mut conn, packet.id).await?;
            store::mark_edited(
                &mut conn,
                packet.id,
                claims.len() as i64,
                &packet.status,
                now,
            )
            .await?;
            let Some(message_id) = packet.announce_id else {
                continue;
            };
            let lang = ctx.group_lang(packet.chat_id).await;
            let html = render(&ctx, lang, &packet, &claims);
            let markup = if packet.is_open() {
                grab_button(&ctx, lang, packet.id)
            } else {
                InlineKeyboardMarkup::default()
            };
            ctx.outbound.edit_text(
                packet.chat_id,
                MessageId(message_id as i32),
                html,
                true,
                Some(markup),
            );
        }
        Ok(())
    }
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_read_as_documented() {
        assert_eq!(
            parse_request("100 5 恭喜发财", 1000),
            Request::Split {
                kind: PacketKind::Lucky,
                total: 100,
                count: 5,
                wish: "恭喜发财"
            }
        );
        assert_eq!(
            parse_request("equal 100 3", 1000),
            Request::Split {
                kind: PacketKind::Equal,
                total: 100,
                count: 3,
                wish: ""
            }
        );
        assert_eq!(
            parse_request("@bob 50 hi", 1000),
            Request::Exclusive("@bob 50 hi")
        );
        assert_eq!(
            parse_request("50 thanks", 1000),
            Request::Exclusive("50 thanks")
        );
        assert_eq!(
            parse_request("123456789 50", 1000),
            Request::Exclusive("123456789 50")
        );
        assert_eq!(
            parse_request("100 0", 1000),
            Request::Split {
                kind: PacketKind::Lucky,
                total: 100,
                count: 0,
                wish: ""
            }
        );
        assert_eq!(parse_request("", 1000), Request::Usage);
        assert_eq!(parse_request("equal 5", 1000), Request::Usage);
        assert_eq!(
            parse_request("１００ ５", 1000),
            Request::Split {
                kind: PacketKind::Lucky,
                total: 100,
                count: 5,
                wish: ""
            }
        );
    }
}
