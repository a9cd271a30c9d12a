//! Red packets (红包): a member puts points into a packet, the packet is split into shares when it is
//! created, and members grab the shares one by one with the button under the packet's message.
//!
//! - `/hongbao <total> <count> [wish]` (also `/redpacket`, and plain `发红包 <total> <count>`): a lucky packet.
//! - `/hongbao equal <total> <count> [wish]`: equal shares.
//! - `/hongbao <@user | id | reply> <amount> [wish]`: an exclusive packet only that member can open. Two
//!   leading numbers make a lucky packet; a first number above `max_total` is read as a user id.
//! - `/hongbao mint …` (admins with the "change group info" right): the same, paid from the group's mint.
//! - `/verify P17`: the commitment, and once the packet has ended its seed and the recomputed shares.
//! - `/hongbao pass <total> <count> <口令>`: members claim by typing the phrase; `/hongbao quiz <total>
//!   <count> <question> | <answer>`: members claim by replying to the packet's message with the answer (a
//!   wrong answer starts a cool-down; plain messages are never taken as answers).
//! - `/hongbao rules` and `/hongbao set <key> <value>` (change-info right): the group's claim rules, checked
//!   for every packet kind except exclusive ones.
//! - `/relay <total> <count> [deadline]`, `/relay stop`, `/relay stats`: 红包接龙.
//!
//! The rooms: [`split`] (the pure split), [`eligibility`] (the claim rules and answer normalizing),
//! [`relay_core`] (relay decisions and sums), [`store`] (the SQL), [`runtime`] (in-memory guards rebuilt from
//! SQL: which groups have open typed packets, which packet messages have an edit on its way), [`settings`].
//! The ticker expires packets (refunding what is left), edits packet messages (at most once per
//! `edit_interval` while members grab, at once when a packet ends, and never while an earlier edit of the
//! same message is still queued), posts the `+N` lines of 口令/答题 claims, asks each finished relay round's
//! best luck to send the next one, and ends (or reminds once) relays whose deadline passed.

pub mod eligibility;
pub mod relay_core;
pub mod runtime;
pub mod settings;
pub mod split;
pub mod store;

use crate::fairness::{self, Kind, Seed};
use crate::fargs;
use crate::i18n::{I18n, Lang};
use crate::services::{Ctx, TargetError};
use crate::telegram::admins::Right;
use crate::telegram::commands::{Audience, CommandInfo};
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, full_name, MAX_TEXT};
use crate::telegram::{Handler, HandlerResult};
use eligibility::Refusal;
use futures::future::BoxFuture;
use futures::FutureExt;
use split::SplitError;
use store::{ClaimMode, CreateError, Grab, NewPacket, Packet, PacketKind};
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
        name: "relay",
        description: "redpacket-cmd-relay",
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
    Relay(String),
    Verify(String),
}

/// This feature's branch of the handler tree: its commands, the `发红包` trigger, and Grab presses.
/// `/verify L…` (a lottery id) is left to other branches.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(crate::telegram::callbacks_with_prefix(CALLBACK_PREFIX).endpoint(on_grab))
        .branch(crate::telegram::callbacks_with_prefix(RELAY_PREFIX).endpoint(on_relay_press))
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
                )
                .branch(dptree::filter_map_async(attempt_of).endpoint(on_attempt)),
        )
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    match command {
        Command::Hongbao(args) | Command::Redpacket(args) => send(&ctx, &message, &args).await,
        Command::Relay(args) => relay_command(&ctx, &message, &args).await,
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
    match normalized.parse::<i128>() {
        Ok(value) => Some(value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64),
        // More digits than any integer holds is still a number, just far too large (or small).
        Err(_) => {
            let (negative, digits) = match normalized.strip_prefix('-') {
                Some(digits) => (true, digits),
                None => (false, normalized.strip_prefix('+').unwrap_or(&normalized)),
            };
            (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
                .then_some(if negative { i64::MIN } else { i64::MAX })
        }
    }
}

/// A share count as typed, clamped into `u32` (the split check reports a zero or too large count).
fn count_of(value: i64) -> u32 {
    value.clamp(0, i64::from(u32::MAX)) as u32
}

/// Reads `/hongbao` arguments (without `mint`). A first number above `max_total` cannot be a total, so it is
/// read as a user id (and answered as a total above the maximum when nobody with that id was seen here).
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
type Parsed<'a> = (
    PacketKind,
    i64,
    u32,
    &'a str,
    Option<crate::services::Target>,
);

/// Checks the split, creates the packet with its escrow, and posts its message.
async fn send_packet(
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

/// A text's length as Telegram limits it, in UTF-16 code units. For HTML this is an upper bound: tags and
/// escapes do not count once Telegram has parsed them.
fn text_units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// As many of `lines` (each starting with its line break) as fit in `budget` units, in order; when some had
/// to be left out, `more(n)` (also starting with a line break) says how many. The result never exceeds
/// `budget`: when not even the `more` line fits, it is empty.
fn fit_lines(lines: &[String], budget: usize, more: impl Fn(usize) -> String) -> String {
    if lines.iter().map(|line| text_units(line)).sum::<usize>() <= budget {
        return lines.concat();
    }
    // The `more` line with the largest count it could show is the longest one.
    let reserve = text_units(&more(lines.len()));
    let mut out = String::new();
    let mut used = 0;
    let mut shown = 0;
    for line in lines {
        let units = text_units(line);
        if used + units + reserve > budget {
            break;
        }
        out.push_str(line);
        used += units;
        shown += 1;
    }
    if used + reserve <= budget {
        out.push_str(&more(lines.len() - shown));
    }
    out
}

/// The `+N` line of one claim.
fn claim_line(claim: &store::Claim) -> String {
    format!("\n{} +{}", short_name(&claim.user_name), claim.amount)
}

/// The line that stands for the claims a message had no room for.
fn more_claims(ctx: &Ctx, lang: Lang, hidden: usize) -> String {
    format!(
        "\n{}",
        ctx.ta(
            lang,
            "redpacket-more-claims",
            &fargs! {"count" => hidden.to_string()}
        )
    )
}

/// The packet message: who sent what, the progress or the final list, and the commitment (and the seed
/// once the packet has ended). The list of claims is cut short ("… and N more") so the message stays within
/// Telegram's 4096 characters; the total, the best luck and the commitment are always shown.
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
    match (packet.mode.as_str(), &packet.phrase, &packet.question) {
        ("pass", Some(phrase), _) => {
            html.push('\n');
            html.push_str(&ctx.ta(
                lang,
                "redpacket-pass-hint",
                &fargs! {"phrase" => escape(phrase)},
            ));
        }
        ("quiz", _, Some(question)) => {
            html.push('\n');
            html.push_str(&ctx.ta(
                lang,
                "redpacket-quiz-hint",
                &fargs! {"question" => escape(question)},
            ));
        }
        _ => {}
    }
    if let (Some(relay), Some(round)) = (packet.relay_id, packet.relay_round) {
        html.push('\n');
        html.push_str(&ctx.ta(
            lang,
            "redpacket-relay-round",
            &fargs! {"id" => relay.to_string(), "round" => round.to_string()},
        ));
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
    let mut lines = Vec::new();
    let mut tail = String::new();
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
            lines = claims.iter().map(claim_line).collect();
            let order: Vec<(u32, i64)> = claims
                .iter()
                .map(|c| (c.position as u32, c.amount))
                .collect();
            if status == "exhausted" && packet.count > 1 {
                if let Some(best) = split::best_luck(&order) {
                    tail.push('\n');
                    tail.push_str(&ctx.ta(
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
    tail.push('\n');
    tail.push_str(&ctx.ta(
        lang,
        "redpacket-commitment",
        &fargs! {"commitment" => packet.commitment.clone()},
    ));
    if !packet.is_open() {
        tail.push('\n');
        tail.push_str(&ctx.ta(
            lang,
            "redpacket-seed",
            &fargs! {
                "seed" => packet.seed.clone(),
                "id" => fairness::display_id(Kind::Packet, packet.id),
            },
        ));
    }
    let budget = MAX_TEXT.saturating_sub(text_units(&html) + text_units(&tail));
    html.push_str(&fit_lines(&lines, budget, |hidden| {
        more_claims(ctx, lang, hidden)
    }));
    html.push_str(&tail);
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
            // A packet has no participant list: its list is empty, and so is the list the stream is keyed by.
            "list_hash" => fairness::list_hash(""),
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
/// whose claims moved on, paced by `edit_interval` (ended packets at once). A packet whose previous edit is
/// still queued at the outbound component is left for a later tick, so edits of one message never pile up
/// in the group's send budget; the edit is noted as done once it went out (or failed for good).
pub fn tick(ctx: Ctx) -> BoxFuture<'static, crate::Result<()>> {
    async move {
        let now = ctx.now();
        let runtime = runtime::of(&ctx);
        for id in store::expire_due(&ctx.storage.write, now)
            .await
            .map_err(internal)?
        {
            runtime.packet_ended(None, id);
        }
        announce_tick(&ctx, now).await?;
        relay_tick(&ctx, now).await?;
        let interval = ctx.config.redpacket.edit_interval.get().as_secs() as i64;
        let mut conn = ctx.storage.write.acquire().await?;
        for packet in store::due_edits(&mut conn, now, interval).await? {
            let Some(message_id) = packet.announce_id else {
                continue;
            };
            if !runtime.start_edit(packet.id) {
                continue;
            }
            let claims = store::claims(&mut conn, packet.id).await?;
            let lang = ctx.group_lang(packet.chat_id).await;
            let html = render(&ctx, lang, &packet, &claims);
            let markup = if packet.is_open() && packet.mode == "grab" {
                grab_button(&ctx, lang, packet.id)
            } else {
                InlineKeyboardMarkup::default()
            };
            let pending = ctx.outbound.edit_text(
                packet.chat_id,
                MessageId(message_id as i32),
                html,
                true,
                Some(markup),
            );
            let (ctx, runtime) = (ctx.clone(), runtime.clone());
            let (id, shown, status) = (packet.id, claims.len() as i64, packet.status.clone());
            ctx.tasks.clone().spawn(async move {
                if let Err(err) = pending.wait().await {
                    tracing::warn!(%err, packet = id, "the packet message could not be edited");
                }
                // Shown, or given up on: either way this state needs no other edit, and a newer claim
                // marks the packet again.
                let marked = async {
                    let mut conn = ctx.storage.write.acquire().await?;
                    store::mark_edited(&mut conn, id, shown, &status, ctx.now()).await?;
                    Ok::<(), crate::Error>(())
                };
                if let Err(err) = marked.await {
                    tracing::warn!(%err, packet = id, "could not note the packet's edit");
                }
                runtime.edit_done(id);
            });
        }
        Ok(())
    }
    .boxed()
}

// ---- Red packets II: eligibility, pass and quiz packets, relays ----

/// The prefix of a relay button's callback data: `rl:<relay id>:<round>`.
const RELAY_PREFIX: &str = "rl:";

/// The eligibility refusal for `user` claiming a share of `packet`, as a localized sentence, or `None` when
/// they may claim. Exclusive packets are not gated: their sender chose the member.
async fn ineligible(
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

/// `/hongbao rules`: the group's eligibility rules.
async fn show_rules(ctx: &Ctx, message: &Message, lang: Lang) -> HandlerResult {
    let mut conn = ctx.storage.read.acquire().await?;
    let rules = store::rules(
        &mut conn,
        message.chat.id.0,
        ctx.config.redpacket.default_rules(),
    )
    .await?;
    let on_off = |on: bool| ctx.t(lang, if on { "redpacket-on" } else { "redpacket-off" });
    ctx.reply_html(
        message,
        ctx.ta(
            lang,
            "redpacket-rules",
            &fargs! {
                "hours" => rules.min_member_hours.to_string(),
                "spoken" => on_off(rules.require_spoken),
                "level" => rules.min_level.to_string(),
                "sender" => on_off(rules.sender_may_claim),
                "daily" => rules.max_claims_per_day.to_string(),
            },
        ),
    );
    Ok(())
}

/// `/hongbao set <key> <value>` (admins with the change-info right): changes one eligibility rule.
async fn set_rule(ctx: &Ctx, message: &Message, lang: Lang, args: &str) -> HandlerResult {
    if let Some(refusal) = ctx.refusal(message, Right::ChangeInfo, lang).await? {
        ctx.reply(message, refusal);
        return Ok(());
    }
    let (key, value) = first_word(args);
    let key = key.to_lowercase();
    if !eligibility::RULE_KEYS.contains(&key.as_str()) {
        ctx.reply_html(
            message,
            ctx.ta(
                lang,
                "redpacket-set-usage",
                &fargs! {"keys" => eligibility::RULE_KEYS.join(", ")},
            ),
        );
        return Ok(());
    }
    let Some(parsed) = eligibility::parse_rule(&key, value) else {
        ctx.reply(
            message,
            ctx.ta(
                lang,
                "redpacket-set-bad-value",
                &fargs! {"key" => key.clone(), "value" => value.to_string()},
            ),
        );
        return Ok(());
    };
    let mut conn = ctx.storage.write.acquire().await?;
    store::set_rule(&mut conn, message.chat.id.0, &key, parsed).await?;
    drop(conn);
    show_rules(ctx, message, lang).await
}

/// The words after `/hongbao pass` or `/hongbao quiz`: total, count and the rest.
fn split_typed(args: &str) -> Option<(i64, u32, &str)> {
    let (total, rest) = first_word(args);
    let (count, rest) = first_word(rest);
    Some((integer(total)?, count_of(integer(count)?), rest.trim()))
}

/// Reads the claim mode of `/hongbao pass …` and `/hongbao quiz … | …`; `None` means the usage text.
fn typed_mode(quiz: bool, rest: &str) -> Option<ClaimMode> {
    if quiz {
        let (question, answer) = rest.split_once(['|', '｜'])?;
        let (question, answer) = (question.trim(), eligibility::normalize(answer));
        (!question.is_empty() && !answer.is_empty()).then(|| ClaimMode::Quiz {
            question: question.chars().take(300).collect(),
            answer,
        })
    } else {
        let phrase = rest.trim();
        (!phrase.is_empty() && !phrase.starts_with('/') && phrase.chars().count() <= 100).then(
            || ClaimMode::Pass {
                phrase: phrase.to_string(),
            },
        )
    }
}

/// A group text message that is an attempt at an open pass or quiz packet.
#[derive(Debug, Clone)]
struct Attempt {
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
async fn attempt_of(ctx: Ctx, message: Message) -> Option<Attempt> {
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
async fn on_attempt(ctx: Ctx, message: Message, attempt: Attempt) -> HandlerResult {
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

/// `/relay <total> <count> [deadline]`, `/relay stop`, `/relay stats`.
async fn relay_command(ctx: &Ctx, message: &Message, args: &str) -> HandlerResult {
    let lang = ctx.lang_for(message).await;
    if message.chat.is_private() {
        ctx.reply(message, ctx.t(lang, "redpacket-group-only"));
        return Ok(());
    }
    let from = message
        .from
        .as_ref()
        .filter(|_| message.sender_chat.is_none());
    let (word, rest) = first_word(args);
    match word.to_lowercase().as_str() {
        "stop" | "停止" => {
            return relay_stop(ctx, message, lang, from.map(|f| f.id.0 as i64)).await
        }
        "stats" | "统计" => return relay_stats(ctx, message, lang).await,
        _ => {}
    }
    let Some(from) = from else {
        ctx.reply(message, ctx.t(lang, "redpacket-no-sender"));
        return Ok(());
    };
    let user = from.id.0 as i64;
    let chat = message.chat.id.0;
    let settings = &ctx.config.redpacket;
    let (count_word, rest) = first_word(rest);
    let (deadline_word, _) = first_word(rest);
    let (Some(total), Some(count)) = (integer(word), integer(count_word)) else {
        ctx.reply_html(message, ctx.t(lang, "redpacket-relay-usage"));
        return Ok(());
    };
    let count = count_of(count);
    let deadline = if deadline_word.is_empty() {
        settings.relay_deadline.get().as_secs() as i64
    } else {
        match crate::args::parse_duration(deadline_word) {
            Ok(d) if (10..=7 * 24 * 3600).contains(&d.as_secs()) => d.as_secs() as i64,
            _ => {
                ctx.reply(message, ctx.t(lang, "redpacket-relay-bad-deadline"));
                return Ok(());
            }
        }
    };
    if let Err(err) = split::check(total, count, &settings.limits()) {
        ctx.reply(message, split_refusal(ctx, lang, &err));
        return Ok(());
    }
    let mut tx = ctx.storage.write.begin().await?;
    if store::live_relay(&mut tx, chat).await?.is_some() {
        drop(tx);
        ctx.reply(message, ctx.t(lang, "redpacket-relay-running"));
        return Ok(());
    }
    let now = ctx.now();
    let name = full_name(from);
    let new = store::NewRelay {
        chat_id: chat,
        starter: user,
        starter_name: &name,
        total,
        count,
        deadline_secs: deadline,
        thread_id: message
            .thread_id
            .filter(|_| message.is_topic_message)
            .map(|t| i64::from(t.0 .0)),
        now,
        expires_at: now.saturating_add(settings.expiry.get().as_secs() as i64),
        min_share: settings.min_share,
    };
    let (relay, packet) = match store::start_relay(&mut tx, &new, &Seed::generate()).await {
        Ok(found) => found,
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
    ctx.reply(
        message,
        ctx.ta(
            lang,
            "redpacket-relay-started",
            &fargs! {
                "id" => relay.id.to_string(),
                "total" => total.to_string(),
                "count" => count.to_string(),
                "deadline" => duration_words(&ctx.i18n, lang, deadline),
            },
        ),
    );
    announce_packet(ctx, lang, &packet, Some(message));
    Ok(())
}

/// A duration in words of the group's language, largest units first ("1 小时 30 分钟", "10 minutes").
fn duration_words(i18n: &I18n, lang: Lang, secs: i64) -> String {
    let mut rest = secs.max(0);
    let mut parts = Vec::new();
    for (id, size) in [
        ("redpacket-duration-days", 86_400),
        ("redpacket-duration-hours", 3_600),
        ("redpacket-duration-minutes", 60),
        ("redpacket-duration-seconds", 1),
    ] {
        if rest >= size {
            parts.push(i18n.ta(lang, id, &fargs! {"n" => rest / size}));
            rest %= size;
        }
    }
    if parts.is_empty() {
        parts.push(i18n.ta(lang, "redpacket-duration-seconds", &fargs! {"n" => 0}));
    }
    parts.join(" ")
}

/// Posts a packet's message (with the Grab button for grab packets) and remembers its id.
fn announce_packet(ctx: &Ctx, lang: Lang, packet: &Packet, reply_to: Option<&Message>) {
    let html = render(ctx, lang, packet, &[]);
    let mut text = Text::html(packet.chat_id, html);
    if let Some(message) = reply_to {
        text = text.reply_to(message);
    }
    if packet.mode == "grab" {
        text = text.markup(grab_button(ctx, lang, packet.id));
    }
    let pending = ctx.outbound.send_text(text);
    let ctx = ctx.clone();
    let id = packet.id;
    ctx.tasks.clone().spawn(async move {
        match pending.wait().await {
            Ok(sent) => {
                let stored = async {
                    let mut conn = ctx.storage.write.acquire().await?;
                    store::set_announcement(&mut conn, id, i64::from(sent.id.0)).await
                };
                if let Err(err) = stored.await {
                    tracing::warn!(%err, packet = id, "could not remember the packet message");
                }
            }
            Err(err) => tracing::warn!(%err, packet = id, "the packet message was not sent"),
        }
    });
}

/// `/relay stop`: the starter, or any admin of the group (an anonymous admin too), ends the live relay.
async fn relay_stop(ctx: &Ctx, message: &Message, lang: Lang, user: Option<i64>) -> HandlerResult {
    let chat = message.chat.id.0;
    let mut conn = ctx.storage.read.acquire().await?;
    let Some(relay) = store::live_relay(&mut conn, chat).await? else {
        ctx.reply(message, ctx.t(lang, "redpacket-relay-none"));
        return Ok(());
    };
    drop(conn);
    let allowed = user == Some(relay.starter) || ctx.admins.sender_rights(message).await?.is_some();
    if !allowed {
        ctx.reply(message, ctx.t(lang, "redpacket-relay-stop-refused"));
        return Ok(());
    }
    let mut conn = ctx.storage.write.acquire().await?;
    if !store::end_relay(&mut conn, relay.id, "stopped", ctx.now()).await? {
        ctx.reply(message, ctx.t(lang, "redpacket-relay-none"));
        return Ok(());
    }
    ctx.reply(
        message,
        ctx.ta(
            lang,
            "redpacket-relay-stopped",
            &fargs! {"id" => relay.id.to_string(), "rounds" => relay.round.to_string()},
        ),
    );
    Ok(())
}

async fn relay_stats(ctx: &Ctx, message: &Message, lang: Lang) -> HandlerResult {
    let mut conn = ctx.storage.read.acquire().await?;
    let Some(relay) = store::latest_relay(&mut conn, message.chat.id.0).await? else {
        ctx.reply(message, ctx.t(lang, "redpacket-relay-none"));
        return Ok(());
    };
    let rows = store::relay_claims(&mut conn, relay.id).await?;
    let mut names = std::collections::HashMap::new();
    for (sender, sender_name, claimer, claimer_name, _) in &rows {
        names.entry(*sender).or_insert_with(|| sender_name.clone());
        names.insert(*claimer, claimer_name.clone());
    }
    let triples: Vec<(i64, i64, i64)> = rows.iter().map(|r| (r.0, r.2, r.4)).collect();
    let status = ctx.t(lang, &format!("redpacket-relay-status-{}", relay.status));
    let mut html = ctx.ta(
        lang,
        "redpacket-relay-stats-head",
        &fargs! {
            "id" => relay.id.to_string(),
            "rounds" => relay.round.to_string(),
            "total" => relay.total.to_string(),
            "count" => relay.count.to_string(),
            "status" => status,
        },
    );
    for line in relay_core::sums(&triples) {
        let name = names
            .get(&line.user_id)
            .map(|n| short_name(n))
            .unwrap_or_else(|| line.user_id.to_string());
        html.push('\n');
        html.push_str(&ctx.ta(
            lang,
            "redpacket-relay-stats-line",
            &fargs! {
                "name" => name,
                "sent" => line.sent.to_string(),
                "received" => line.received.to_string(),
                "net" => format!("{:+}", line.net()),
            },
        ));
    }
    ctx.reply_html(message, html);
    Ok(())
}

fn relay_button(ctx: &Ctx, lang: Lang, relay: i64, round: i64, total: i64) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        ctx.ta(
            lang,
            "redpacket-relay-button",
            &fargs! {"total" => total.to_string()},
        ),
        format!("{RELAY_PREFIX}{relay}:{round}"),
    )]])
}

/// The relay button: only the asked member's press sends the next round, from their own wallet.
async fn on_relay_press(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let data = query.data.as_deref().unwrap_or_default();
    let parsed = data.strip_prefix(RELAY_PREFIX).and_then(|rest| {
        let (id, round) = rest.split_once(':')?;
        Some((id.parse::<i64>().ok()?, round.parse::<i64>().ok()?))
    });
    let chat_message = query.regular_message().cloned();
    let chat_id = chat_message.as_ref().map(|m| m.chat.id.0);
    let lang = match chat_id {
        Some(chat) => ctx.group_lang(chat).await,
        None => ctx.default_lang(),
    };
    let settings = &ctx.config.redpacket;
    let now = ctx.now();
    let outcome = match parsed {
        Some((id, round)) => {
            let mut conn = ctx.storage.read.acquire().await?;
            let same_chat = store::get_relay(&mut conn, id)
                .await?
                .is_some_and(|r| Some(r.chat_id) == chat_id);
            drop(conn);
            if same_chat {
                store::press_relay(
                    &ctx.storage.write,
                    id,
                    round,
                    query.from.id.0 as i64,
                    &full_name(&query.from),
                    now,
                    now.saturating_add(settings.expiry.get().as_secs() as i64),
                    settings.min_share,
                    &Seed::generate(),
                )
                .await
                .map_err(internal)?
            } else {
                store::RelayPress::Gone
            }
        }
        None => store::RelayPress::Gone,
    };
    let (text, alert) = match &outcome {
        store::RelayPress::Sent(..) => (ctx.t(lang, "redpacket-relay-alert-sent"), false),
        store::RelayPress::Gone => (ctx.t(lang, "redpacket-relay-alert-gone"), true),
        store::RelayPress::NotYou => (ctx.t(lang, "redpacket-relay-alert-not-you"), true),
        store::RelayPress::Insufficient { balance } => (
            ctx.ta(
                lang,
                "redpacket-relay-alert-poor",
                &fargs! {"balance" => balance.to_string()},
            ),
            true,
        ),
    };
    let id = query.id.clone();
    ctx.outbound.immediate("answerCallbackQuery", move |bot| {
        bot.answer_callback_query(id.clone())
            .text(text.clone())
            .show_alert(alert)
            .send()
            .boxed()
    });
    if let store::RelayPress::Sent(sent) = outcome {
        let (relay, packet) = *sent;
        if let Some(asked) = chat_message {
            ctx.outbound.edit_text(
                relay.chat_id,
                asked.id,
                ctx.ta(
                    lang,
                    "redpacket-relay-answered",
                    &fargs! {"name" => escape(&packet.sender_name), "round" => relay.round.to_string()},
                ),
                true,
                Some(InlineKeyboardMarkup::default()),
            );
        }
        announce_packet(&ctx, lang, &packet, None);
    }
    Ok(())
}

/// The relay part of the ticker: ask the best luck of every ended round, then resolve missed deadlines.
async fn relay_tick(ctx: &Ctx, now: i64) -> crate::Result<()> {
    let mut conn = ctx.storage.write.acquire().await?;
    for (relay, packet) in store::relays_with_ended_packet(&mut conn).await? {
        let lang = ctx.group_lang(relay.chat_id).await;
        let claims = store::claims(&mut conn, packet.id).await?;
        let order: Vec<(u32, i64)> = claims
            .iter()
            .map(|c| (c.position as u32, c.amount))
            .collect();
        let best = (packet.status == "exhausted")
            .then(|| split::best_luck(&order))
            .flatten();
        let Some(best) = best else {
            if store::end_relay(&mut conn, relay.id, "ended", now).await? {
                send_relay_text(
                    ctx,
                    &relay,
                    ctx.ta(
                        lang,
                        "redpacket-relay-expired",
                        &fargs! {"id" => relay.id.to_string(), "rounds" => relay.round.to_string()},
                    ),
                    None,
                );
            }
            continue;
        };
        let winner = &claims[best];
        let due = now + relay.deadline_secs;
        if store::ask(&mut conn, relay.id, winner.user_id, &winner.user_name, due).await? {
            send_relay_text(
                ctx,
                &relay,
                ctx.ta(
                    lang,
                    "redpacket-relay-ask",
                    &fargs! {
                        "name" => crate::telegram::text::mention_html(winner.user_id, &winner.user_name),
                        "amount" => winner.amount.to_string(),
                        "total" => relay.total.to_string(),
                        "count" => relay.count.to_string(),
                        "round" => (relay.round + 1).to_string(),
                        "deadline" => duration_words(&ctx.i18n, lang, relay.deadline_secs),
                    },
                ),
                Some(relay_button(ctx, lang, relay.id, relay.round + 1, relay.total)),
            );
        }
    }
    let ping_once = ctx.config.redpacket.relay_ping_once;
    for relay in store::overdue_relays(&mut conn, now).await? {
        let lang = ctx.group_lang(relay.chat_id).await;
        let name = relay.next_name.clone().unwrap_or_default();
        let user = relay.next_user.unwrap_or_default();
        match relay_core::overdue(ping_once, relay.pinged) {
            relay_core::Overdue::Ping => {
                store::mark_pinged(&mut conn, relay.id, now + relay.deadline_secs).await?;
                send_relay_text(
                    ctx,
                    &relay,
                    ctx.ta(
                        lang,
                        "redpacket-relay-ping",
                        &fargs! {"name" => crate::telegram::text::mention_html(user, &name)},
                    ),
                    Some(relay_button(
                        ctx,
                        lang,
                        relay.id,
                        relay.round + 1,
                        relay.total,
                    )),
                );
            }
            relay_core::Overdue::End => {
                if store::end_relay(&mut conn, relay.id, "ended", now).await? {
                    send_relay_text(
                        ctx,
                        &relay,
                        ctx.ta(
                            lang,
                            "redpacket-relay-missed",
                            &fargs! {
                                "id" => relay.id.to_string(),
                                "name" => escape(&name),
                                "rounds" => relay.round.to_string(),
                            },
                        ),
                        None,
                    );
                }
            }
        }
    }
    Ok(())
}

fn send_relay_text(
    ctx: &Ctx,
    relay: &store::Relay,
    html: String,
    markup: Option<InlineKeyboardMarkup>,
) {
    let mut text = Text::html(relay.chat_id, html);
    text.thread_id = relay
        .thread_id
        .map(|t| teloxide::types::ThreadId(MessageId(t as i32)));
    if let Some(markup) = markup {
        text = text.markup(markup);
    }
    ctx.outbound.send_text(text);
}

/// The announcement part of the ticker: the `+N` lines of pass and quiz claims, one message per packet per
/// `announce_interval`.
async fn announce_tick(ctx: &Ctx, now: i64) -> crate::Result<()> {
    let interval = ctx.config.redpacket.announce_interval.get().as_secs() as i64;
    let mut conn = ctx.storage.write.acquire().await?;
    for packet in store::due_announcements(&mut conn, now, interval).await? {
        let claims = store::take_unannounced(&mut conn, packet.id, now).await?;
        if claims.is_empty() {
            continue;
        }
        let lang = ctx.group_lang(packet.chat_id).await;
        let mut html = ctx.ta(
            lang,
            "redpacket-claims-head",
            &fargs! {"id" => fairness::display_id(Kind::Packet, packet.id)},
        );
        let lines: Vec<String> = claims.iter().map(claim_line).collect();
        let budget = MAX_TEXT.saturating_sub(text_units(&html));
        html.push_str(&fit_lines(&lines, budget, |hidden| {
            more_claims(ctx, lang, hidden)
        }));
        let mut text = Text::html(packet.chat_id, html);
        text.thread_id = packet
            .thread_id
            .map(|t| teloxide::types::ThreadId(MessageId(t as i32)));
        ctx.outbound.send_text(text);
    }
    Ok(())
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
        assert_eq!(
            parse_request("2000000 5", 1_000_000),
            Request::Exclusive("2000000 5")
        );
        assert_eq!(
            parse_request("99999999999999999999999999999999999999999 5", i64::MAX),
            Request::Split {
                kind: PacketKind::Lucky,
                total: i64::MAX,
                count: 5,
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

    #[test]
    fn numbers_too_long_for_any_integer_are_still_numbers() {
        assert_eq!(integer("123"), Some(123));
        assert_eq!(
            integer("99999999999999999999999999999999999999999"),
            Some(i64::MAX)
        );
        assert_eq!(
            integer("-99999999999999999999999999999999999999999"),
            Some(i64::MIN)
        );
        assert_eq!(integer("12a"), None);
        assert_eq!(integer("-"), None);
    }

    #[test]
    fn long_lists_are_cut_with_a_count_and_fit_the_budget() {
        let lines: Vec<String> = (0..10).map(|i| format!("\nline {i}")).collect();
        let more = |n: usize| format!("\n… {n} more");
        assert_eq!(fit_lines(&lines, 1000, more), lines.concat());
        let cut = fit_lines(&lines, 40, more);
        assert!(text_units(&cut) <= 40, "{cut}");
        let shown = cut.matches("\nline ").count();
        assert!(shown >= 1, "{cut}");
        assert!(cut.ends_with(&format!("\n… {} more", 10 - shown)), "{cut}");
        assert!(cut.starts_with("\nline 0\nline 1"), "{cut}");
        assert_eq!(fit_lines(&lines, 3, more), "");
        // Every budget gives a result within it.
        for budget in 0..100 {
            assert!(text_units(&fit_lines(&lines, budget, more)) <= budget);
        }
    }

    #[test]
    fn durations_are_written_in_words_of_the_language() {
        let i18n = I18n::shipped();
        assert_eq!(duration_words(&i18n, Lang::Zh, 600), "10 分钟");
        assert_eq!(duration_words(&i18n, Lang::Zh, 5400), "1 小时 30 分钟");
        assert_eq!(duration_words(&i18n, Lang::En, 600), "10 minutes");
        assert_eq!(
            duration_words(&i18n, Lang::En, 86_400 + 1),
            "1 day 1 second"
        );
        assert_eq!(duration_words(&i18n, Lang::En, 0), "0 seconds");
    }
}
