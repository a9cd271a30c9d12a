//! Lotteries (抽奖): admins create one with a single line, members join by button or keyword, and a
//! commit-reveal draw anyone can recompute picks the winners of each tier at the set time or once enough members
//! joined. Points prizes are credited from the group's mint through the ledger; other prizes carry a redemption
//! code (核销码) sent privately and marked used with `/redeem`. `/verify L<id>` recomputes a draw.
//!
//! The rooms:
//! - [`parse`]    the pure parser of the one-line definition, and redemption-code spelling
//! - [`draw`]     the pure draw: (participants, tiers, seed, id) → winners, reproducibly
//! - [`keywords`] the open lotteries' join keywords per group, in memory (no SQL for ordinary messages)
//! - [`store`]    the SQL
//! - [`settings`] the `[lottery]` settings
//!
//! Draws and the announcement's participant count are resolved by [`tick`], so a draw that fell due while the
//! bot was down — its time passed, or its threshold was reached — happens right after start and says it came
//! late. Nobody joins once the draw time has passed, so a late draw has the participants an on-time draw
//! would have had. `/verify L<id>` answers in the lottery's own group, and in private to its participants
//! and the group's admins.

pub mod draw;
pub mod keywords;
pub mod parse;
pub mod settings;
pub mod store;

use crate::fairness::{self, Kind, Seed};
use crate::fargs;
use crate::features::economy::ledger;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::Right;
use crate::telegram::commands::{Audience, CommandInfo};
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, mention_html, split, MAX_TEXT};
use crate::telegram::{Handler, HandlerResult};
use chrono::TimeZone;
use chrono_tz::Tz;
use futures::future::BoxFuture;
use futures::FutureExt;
use parse::{ParseError, Prize, Spec};
use store::Lottery;
use teloxide::prelude::*;
use teloxide::types::{
    InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageId, ReactionType,
    ReplyParameters, ThreadId,
};
use teloxide::utils::command::BotCommands;

/// The commands of this feature.
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "lottery",
        description: "lottery-cmd-lottery",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "redeem",
        description: "lottery-cmd-redeem",
        audience: Audience::Admins,
    },
];

#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
enum Command {
    Lottery(String),
    Redeem(String),
}

/// The prefix of the Join button's callback data (`lt:<id>`).
const BUTTON_PREFIX: &str = "lt:";

/// The journal reason of points prizes.
const LEDGER_REASON: &str = "lottery";

/// `/verify` prints a participant list up to this many characters inline; a longer one is attached as a file.
const INLINE_LIST_MAX: usize = 3_000;

/// Winner mentions per line of a result message.
const MENTIONS_PER_LINE: usize = 10;

/// Winner ids per line of a `/verify` answer.
const IDS_PER_LINE: usize = 50;

/// This feature's branch of the handler tree. It takes `/lottery`, `/redeem`, `/verify L<digits>` (any other
/// `/verify` falls through, e.g. to red packets), presses of its own Join buttons, and group messages that are
/// exactly the join keyword of an open lottery there.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(crate::telegram::callbacks_with_prefix(BUTTON_PREFIX).endpoint(on_button))
        .branch(
            Update::filter_message()
                .branch(
                    dptree::entry()
                        .filter_command::<Command>()
                        .endpoint(on_command),
                )
                .branch(
                    dptree::filter_map(|m: Message| m.text().and_then(verify_target))
                        .endpoint(on_verify),
                )
                .branch(dptree::filter_map_async(keyword_lottery).endpoint(on_keyword)),
        )
}

/// The lottery id of a `/verify L<digits>` message (`/verify@bot L5` too); `None` for anything else.
pub fn verify_target(text: &str) -> Option<i64> {
    let rest = text.strip_prefix("/verify")?;
    let rest = match rest.strip_prefix('@') {
        Some(mention) => mention.split_once(char::is_whitespace)?.1,
        None if rest.starts_with(char::is_whitespace) => rest,
        None => return None,
    };
    match fairness::parse_display_id(rest)? {
        (Kind::Lottery, id) => Some(id),
        (Kind::Packet, _) => None,
    }
}

/// A lottery id as typed: `L5`, `l5` or `5`.
fn lottery_id(text: &str) -> Option<i64> {
    let text = text.trim();
    match fairness::parse_display_id(text) {
        Some((Kind::Lottery, id)) => Some(id),
        Some((Kind::Packet, _)) => None,
        None => text.parse().ok().filter(|id: &i64| *id > 0),
    }
}

fn display(id: i64) -> String {
    fairness::display_id(Kind::Lottery, id)
}

/// A ledger refusal as the crate error. Prizes are credited from the mint, which never runs short, so anything
/// but a database error (an overflowing wallet) is surfaced as a failed draw that the ticker retries.
fn ledger_error(err: ledger::LedgerError) -> crate::Error {
    match err {
        ledger::LedgerError::Database(err) => crate::Error::Database(err),
        other => crate::Error::Database(sqlx::Error::Protocol(format!("ledger: {other}"))),
    }
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    match command {
        Command::Lottery(_) if message.chat.is_private() => my_codes(&ctx, &message, lang).await,
        Command::Lottery(args) => {
            let args = args.trim();
            match parse::subcommand(args) {
                _ if args.is_empty() => help(&ctx, &message, lang),
                Some(word) if !args.contains(['|', '｜']) => {
                    let rest = args
                        .split_once(char::is_whitespace)
                        .map_or("", |(_, rest)| rest.trim());
                    match word.as_str() {
                        "list" => list(&ctx, &message, lang).await,
                        "cancel" => cancel(&ctx, &message, lang, rest).await,
                        "draw" => draw_now(&ctx, &message, lang, rest).await,
                        _ => help(&ctx, &message, lang),
                    }
                }
                _ => create(&ctx, &message, lang, args).await,
            }
        }
        Command::Redeem(_) if message.chat.is_private() => {
            ctx.reply(&message, ctx.t(lang, "group-only"));
            Ok(())
        }
        Command::Redeem(code) => redeem(&ctx, &message, lang, code.trim()).await,
    }
}

fn help(ctx: &Ctx, message: &Message, lang: Lang) -> HandlerResult {
    ctx.reply_html(message, ctx.t(lang, "lottery-help"));
    Ok(())
}

/// The group's time zone, else the configured one.
async fn group_tz(ctx: &Ctx, chat_id: i64) -> Tz {
    crate::facts::group_zone(ctx, chat_id)
        .await
        .unwrap_or_else(|_| ctx.config.economy.tz())
}

/// The localized refusal of a definition line: what is wrong, and an example.
fn parse_refusal(ctx: &Ctx, lang: Lang, err: &ParseError) -> String {
    let (id, args) = match err {
        ParseError::Shape => ("lottery-bad-shape", fargs! {}),
        ParseError::EmptyTitle => ("lottery-bad-title", fargs! {}),
        ParseError::ReservedTitle(word) => {
            ("lottery-reserved-title", fargs! {"word" => word.clone()})
        }
        ParseError::EmptyPrize => ("lottery-bad-prize", fargs! {}),
        ParseError::BadCount(part) => ("lottery-bad-count", fargs! {"part" => part.clone()}),
        ParseError::BadPoints(part) => (
            "lottery-bad-points",
            fargs! {"part" => part.clone(), "max" => ctx.config.lottery.max_points},
        ),
        ParseError::TooManyPrizes(max) => (
            "lottery-too-many-prizes",
            fargs! {"max" => *max, "tiers" => ctx.config.lottery.max_tiers},
        ),
        ParseError::BadRule(part) => ("lottery-bad-rule", fargs! {"part" => part.clone()}),
        ParseError::BadTime(part) => ("lottery-bad-time", fargs! {"part" => part.clone()}),
        ParseError::PastTime(part) => ("lottery-past-time", fargs! {"part" => part.clone()}),
        ParseError::TooFarAhead(part) => (
            "lottery-too-far",
            fargs! {"part" => part.clone(), "max" => crate::args::format_duration(ctx.config.lottery.max_ahead.get())},
        ),
        ParseError::BadThreshold(part) => (
            "lottery-bad-threshold",
            fargs! {"part" => part.clone(), "max" => ctx.config.lottery.max_participants},
        ),
        ParseError::ThresholdBelowPrizes { threshold, prizes } => (
            "lottery-threshold-below-prizes",
            fargs! {"threshold" => *threshold, "prizes" => *prizes},
        ),
        ParseError::UnknownOption(key) => {
            ("lottery-unknown-option", fargs! {"part" => key.clone()})
        }
        ParseError::BadOption(part) => ("lottery-bad-option", fargs! {"part" => part.clone()}),
    };
    format!(
        "{}\n\n{}",
        ctx.ta(lang, id, &args),
        ctx.t(lang, "lottery-example")
    )
}

async fn create(ctx: &Ctx, message: &Message, lang: Lang, line: &str) -> HandlerResult {
    if let Some(refusal) = ctx.refusal(message, Right::ChangeInfo, lang).await? {
        ctx.reply(message, refusal);
        return Ok(());
    }
    let chat_id = message.chat.id.0;
    let now = ctx.now();
    let tz = group_tz(ctx, chat_id).await;
    let spec: Spec = match parse::parse(line, now, tz, &ctx.config.lottery.limits()) {
        Ok(spec) => spec,
        Err(err) => {
            ctx.reply(message, parse_refusal(ctx, lang, &err));
            return Ok(());
        }
    };
    let creator = message.from.as_ref().map(|u| u.id.0 as i64).unwrap_or(0);
    let prizes: Vec<(String, Option<i64>, i64)> = spec
        .tiers
        .iter()
        .map(|tier| {
            (
                prize_name(&tier.prize, lang, ctx),
                tier.prize.points(),
                i64::from(tier.count),
            )
        })
        .collect();
    let floor_name = spec.floor.as_ref().map(|p| prize_name(p, lang, ctx));
    let mut tx = ctx.storage.write.begin().await?;
    if let Some(keyword) = &spec.join_keyword {
        if store::open_by_keyword(&mut tx, chat_id, keyword)
            .await?
            .is_some()
        {
            drop(tx);
            ctx.reply(
                message,
                ctx.ta(
                    lang,
                    "lottery-keyword-taken",
                    &fargs! {"keyword" => keyword.clone()},
                ),
            );
            return Ok(());
        }
    }
    let new = store::NewLottery {
        chat_id,
        title: &spec.title,
        creator,
        now,
        draw_at: spec.draw_at,
        threshold: spec.threshold.map(i64::from),
        join_keyword: spec.join_keyword.as_deref(),
        min_level: spec.eligibility.min_level.map(i64::from),
        min_days: spec.eligibility.min_days.map(i64::from),
        need_spoke: spec.eligibility.spoke,
        floor: floor_name
            .as_deref()
            .map(|name| (name, spec.floor.as_ref().and_then(Prize::points))),
        thread_id: message
            .thread_id
            .filter(|_| message.is_topic_message)
            .map(|t| i64::from(t.0 .0)),
        prizes: &prizes,
    };
    let seed = Seed::generate();
    let id = store::insert(&mut tx, &new, |id| {
        let commitment = fairness::commitment(&fairness::tag(Kind::Lottery, id), &seed);
        (seed.to_hex(), commitment)
    })
    .await?;
    let lottery = store::get(&mut tx, id)
        .await?
        .ok_or(crate::Error::Database(sqlx::Error::RowNotFound))?;
    let tiers = store::prizes(&mut tx, id).await?;
    tx.commit().await?;
    keywords::forget(ctx, chat_id);

    let text = announcement(ctx, lang, tz, &lottery, &tiers, 0, None);
    let pending = ctx.outbound.send_text(
        Text::html(chat_id, text)
            .reply_to(message)
            .markup(join_button(ctx, lang, id)),
    );
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        match pending.wait().await {
            Ok(sent) => {
                let result = async {
                    let mut conn = ctx.storage.write.acquire().await?;
                    store::set_message(&mut conn, id, i64::from(sent.id.0)).await
                }
                .await;
                if let Err(err) = result {
                    tracing::warn!(%err, lottery = id, "could not record the announcement");
                }
            }
            Err(err) => tracing::warn!(%err, lottery = id, "could not announce the lottery"),
        }
    });
    Ok(())
}

/// How a prize is shown and stored: points prizes in the group's wording, items as written.
fn prize_name(prize: &Prize, lang: Lang, ctx: &Ctx) -> String {
    match prize {
        Prize::Points {
            points,
            label: None,
        } => ctx.ta(lang, "lottery-points", &fargs! {"points" => *points}),
        Prize::Points {
            points,
            label: Some(label),
        } => ctx.ta(
            lang,
            "lottery-points-labelled",
            &fargs! {"label" => label.clone(), "points" => *points},
        ),
        Prize::Item(name) => name.clone(),
    }
}

fn join_button(ctx: &Ctx, lang: Lang, id: i64) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        ctx.t(lang, "lottery-join-button"),
        format!("{BUTTON_PREFIX}{id}"),
    )]])
}

fn local_time(tz: Tz, at: i64) -> String {
    match tz.timestamp_opt(at, 0).single() {
        Some(time) => time.format("%Y-%m-%d %H:%M").to_string(),
        None => at.to_string(),
    }
}

/// The draw rule in words.
fn rule_text(ctx: &Ctx, lang: Lang, tz: Tz, lottery: &Lottery) -> String {
    match (lottery.threshold, lottery.draw_at) {
        (Some(n), Some(at)) => ctx.ta(
            lang,
            "lottery-rule-either",
            &fargs! {"count" => n, "time" => local_time(tz, at), "zone" => tz.name()},
        ),
        (Some(n), None) => ctx.ta(lang, "lottery-rule-threshold", &fargs! {"count" => n}),
        (None, Some(at)) => ctx.ta(
            lang,
            "lottery-rule-time",
            &fargs! {"time" => local_time(tz, at), "zone" => tz.name()},
        ),
        (None, None) => String::new(),
    }
}

/// The eligibility conditions in words.
fn eligibility_text(ctx: &Ctx, lang: Lang, lottery: &Lottery) -> String {
    let mut parts = Vec::new();
    if let Some(level) = lottery.min_level {
        parts.push(ctx.ta(lang, "lottery-cond-level", &fargs! {"level" => level}));
    }
    if let Some(days) = lottery.min_days {
        parts.push(ctx.ta(lang, "lottery-cond-days", &fargs! {"days" => days}));
    }
    if lottery.need_spoke {
        parts.push(ctx.t(lang, "lottery-cond-spoke"));
    }
    if parts.is_empty() {
        ctx.t(lang, "lottery-cond-none")
    } else {
        parts.join(ctx.t(lang, "lottery-cond-separator").as_str())
    }
}

/// The announcement (HTML). `closed` is the wording id of the closing line once drawn or cancelled.
fn announcement(
    ctx: &Ctx,
    lang: Lang,
    tz: Tz,
    lottery: &Lottery,
    tiers: &[store::PrizeRow],
    count: i64,
    closed: Option<&str>,
) -> String {
    let mut text = ctx.ta(
        lang,
        "lottery-announce-title",
        &fargs! {"id" => display(lottery.id), "title" => escape(&lottery.title)},
    );
    text.push('\n');
    for tier in tiers {
        text.push_str(&ctx.ta(
            lang,
            "lottery-announce-tier",
            &fargs! {"tier" => tier.tier, "prize" => escape(&tier.name), "count" => tier.count},
        ));
        text.push('\n');
    }
    if let Some(floor) = &lottery.floor_name {
        text.push_str(&ctx.ta(
            lang,
            "lottery-announce-floor",
            &fargs! {"prize" => escape(floor)},
        ));
        text.push('\n');
    }
    text.push_str(&ctx.ta(
        lang,
        "lottery-announce-rule",
        &fargs! {"rule" => rule_text(ctx, lang, tz, lottery)},
    ));
    text.push('\n');
    text.push_str(&ctx.ta(
        lang,
        "lottery-announce-eligibility",
        &fargs! {"conditions" => eligibility_text(ctx, lang, lottery)},
    ));
    text.push('\n');
    let how = match &lottery.join_keyword {
        Some(keyword) => ctx.ta(
            lang,
            "lottery-announce-how-keyword",
            &fargs! {"keyword" => escape(keyword)},
        ),
        None => ctx.t(lang, "lottery-announce-how-button"),
    };
    text.push_str(&how);
    text.push('\n');
    text.push_str(&ctx.ta(lang, "lottery-announce-count", &fargs! {"count" => count}));
    text.push('\n');
    text.push_str(&ctx.ta(
        lang,
        "lottery-announce-commitment",
        &fargs! {"commitment" => lottery.commitment.clone(), "id" => display(lottery.id)},
    ));
    if let Some(closed) = closed {
        text.push_str("\n\n");
        text.push_str(&ctx.t(lang, closed));
    }
    text
}

async fn list(ctx: &Ctx, message: &Message, lang: Lang) -> HandlerResult {
    let chat_id = message.chat.id.0;
    let tz = group_tz(ctx, chat_id).await;
    let mut conn = ctx.storage.read.acquire().await?;
    let open = store::open_in_chat(&mut conn, chat_id).await?;
    if open.is_empty() {
        ctx.reply(message, ctx.t(lang, "lottery-list-empty"));
        return Ok(());
    }
    let mut text = format!("<b>{}</b>\n", escape(&ctx.t(lang, "lottery-list-title")));
    for lottery in &open {
        let count = store::entry_count(&mut conn, lottery.id).await?;
        text.push_str(&ctx.ta(
            lang,
            "lottery-list-row",
            &fargs! {
                "id" => display(lottery.id),
                "title" => escape(&lottery.title),
                "count" => count,
                "rule" => rule_text(ctx, lang, tz, lottery),
            },
        ));
        text.push('\n');
    }
    for piece in split(&text, MAX_TEXT) {
        ctx.reply_html(message, piece);
    }
    Ok(())
}

/// Finds an open lottery of this group by the typed id, or replies why not.
async fn open_lottery_of(
    ctx: &Ctx,
    message: &Message,
    lang: Lang,
    arg: &str,
) -> crate::Result<Option<Lottery>> {
    let Some(id) = lottery_id(arg) else {
        ctx.reply(message, ctx.t(lang, "lottery-need-id"));
        return Ok(None);
    };
    let mut conn = ctx.storage.read.acquire().await?;
    match store::get(&mut conn, id).await? {
        Some(lottery) if lottery.chat_id == message.chat.id.0 && lottery.status == "open" => {
            Ok(Some(lottery))
        }
        Some(lottery) if lottery.chat_id == message.chat.id.0 => {
            ctx.reply(
                message,
                ctx.ta(lang, "lottery-not-open", &fargs! {"id" => display(id)}),
            );
            Ok(None)
        }
        _ => {
            ctx.reply(
                message,
                ctx.ta(lang, "lottery-unknown", &fargs! {"id" => display(id)}),
            );
            Ok(None)
        }
    }
}

async fn cancel(ctx: &Ctx, message: &Message, lang: Lang, arg: &str) -> HandlerResult {
    if let Some(refusal) = ctx.refusal(message, Right::ChangeInfo, lang).await? {
        ctx.reply(message, refusal);
        return Ok(());
    }
    let Some(lottery) = open_lottery_of(ctx, message, lang, arg).await? else {
        return Ok(());
    };
    let mut conn = ctx.storage.write.acquire().await?;
    if !store::cancel(&mut conn, lottery.id, ctx.now()).await? {
        ctx.reply(
            message,
            ctx.ta(
                lang,
                "lottery-not-open",
                &fargs! {"id" => display(lottery.id)},
            ),
        );
        return Ok(());
    }
    keywords::forget(ctx, lottery.chat_id);
    let count = store::entry_count(&mut conn, lottery.id).await?;
    let tiers = store::prizes(&mut conn, lottery.id).await?;
    drop(conn);
    let tz = group_tz(ctx, lottery.chat_id).await;
    close_announcement(
        ctx,
        lang,
        tz,
        &lottery,
        &tiers,
        count,
        "lottery-closed-cancelled",
    );
    ctx.reply(
        message,
        ctx.ta(
            lang,
            "lottery-cancelled",
            &fargs! {"id" => display(lottery.id), "title" => lottery.title.clone()},
        ),
    );
    Ok(())
}

async fn draw_now(ctx: &Ctx, message: &Message, lang: Lang, arg: &str) -> HandlerResult {
    if let Some(refusal) = ctx.refusal(message, Right::ChangeInfo, lang).await? {
        ctx.reply(message, refusal);
        return Ok(());
    }
    let Some(lottery) = open_lottery_of(ctx, message, lang, arg).await? else {
        return Ok(());
    };
    run_draw(ctx, lottery.id, ctx.now(), false).await
}

/// Replaces the announcement's text with its final state and removes the Join button (one edit).
fn close_announcement(
    ctx: &Ctx,
    lang: Lang,
    tz: Tz,
    lottery: &Lottery,
    tiers: &[store::PrizeRow],
    count: i64,
    closed: &str,
) {
    if let Some(message_id) = lottery.message_id {
        let text = announcement(ctx, lang, tz, lottery, tiers, count, Some(closed));
        ctx.outbound.edit_text(
            lottery.chat_id,
            MessageId(message_id as i32),
            text,
            true,
            Some(InlineKeyboardMarkup::default()),
        );
    }
}

/// Why a member may not join.
enum JoinOutcome {
    Joined,
    Already,
    Closed,
    TooLate,
    Full,
    Ineligible(String),
}

/// Whether a join made at `at` (unix seconds) comes too late: the lottery's draw time has come. The draw
/// takes exactly the members who joined before it, whenever the ticker gets to it.
fn past_draw_time(lottery: &Lottery, at: i64) -> bool {
    lottery.draw_at.is_some_and(|draw_at| at >= draw_at)
}

/// Checks eligibility and adds the member to the lottery. `at` is when the member asked: the message's
/// date for a keyword, the time of the press for the button.
async fn try_join(
    ctx: &Ctx,
    lang: Lang,
    lottery: &Lottery,
    user_id: i64,
    at: i64,
) -> crate::Result<JoinOutcome> {
    if lottery.status != "open" {
        return Ok(JoinOutcome::Closed);
    }
    if past_draw_time(lottery, at) {
        return Ok(JoinOutcome::TooLate);
    }
    let now = ctx.now();
    let mut conn = ctx.storage.write.acquire().await?;
    if store::has_joined(&mut conn, lottery.id, user_id).await? {
        return Ok(JoinOutcome::Already);
    }
    let count = store::entry_count(&mut conn, lottery.id).await?;
    let cap = lottery
        .threshold
        .unwrap_or(i64::MAX)
        .min(i64::from(ctx.config.lottery.max_participants));
    if count >= cap {
        return Ok(JoinOutcome::Full);
    }
    let member = crate::storage::members::get(&mut conn, lottery.chat_id, user_id).await?;
    if let Some(level) = lottery.min_level {
        let (have, title) = crate::facts::member_level(&mut conn, lottery.chat_id, user_id).await?;
        if have < level {
            return Ok(JoinOutcome::Ineligible(ctx.ta(
                lang,
                "lottery-miss-level",
                &fargs! {"level" => level, "have" => have, "title" => title.to_string()},
            )));
        }
    }
    if let Some(days) = lottery.min_days {
        let since = member
            .as_ref()
            .map(|m| m.joined_at.unwrap_or(m.first_seen))
            .unwrap_or(now);
        let have = (now - since).max(0) / 86_400;
        if have < days {
            return Ok(JoinOutcome::Ineligible(ctx.ta(
                lang,
                "lottery-miss-days",
                &fargs! {"days" => days, "have" => have},
            )));
        }
    }
    if lottery.need_spoke && member.as_ref().is_none_or(|m| m.messages == 0) {
        return Ok(JoinOutcome::Ineligible(ctx.t(lang, "lottery-miss-spoke")));
    }
    Ok(if store::join(&mut conn, lottery, user_id, now).await? {
        JoinOutcome::Joined
    } else if store::has_joined(&mut conn, lottery.id, user_id).await? {
        JoinOutcome::Already
    } else {
        // Drawn or cancelled between the look-up and now.
        JoinOutcome::Closed
    })
}

fn outcome_text(ctx: &Ctx, lang: Lang, lottery: &Lottery, outcome: &JoinOutcome) -> String {
    let args = fargs! {"id" => display(lottery.id), "title" => lottery.title.clone()};
    match outcome {
        JoinOutcome::Joined => ctx.ta(lang, "lottery-joined", &args),
        JoinOutcome::Already => ctx.ta(lang, "lottery-already-in", &args),
        JoinOutcome::Closed => ctx.ta(lang, "lottery-not-open", &args),
        JoinOutcome::TooLate => ctx.ta(lang, "lottery-too-late", &args),
        JoinOutcome::Full => ctx.ta(lang, "lottery-full", &args),
        JoinOutcome::Ineligible(why) => ctx.ta(
            lang,
            "lottery-ineligible",
            &fargs! {"id" => display(lottery.id), "reason" => why.clone()},
        ),
    }
}

async fn on_button(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let data = query.data.clone().unwrap_or_default();
    let chat_id = query.message.as_ref().map(|m| m.chat().id.0);
    let lang = match chat_id {
        Some(chat) => ctx.group_lang(chat).await,
        None => ctx.default_lang(),
    };
    let found = match data[BUTTON_PREFIX.len()..].parse::<i64>() {
        Ok(id) => {
            let mut conn = ctx.storage.read.acquire().await?;
            store::get(&mut conn, id).await?
        }
        Err(_) => None,
    };
    let (text, alert) = match found {
        Some(lottery) if Some(lottery.chat_id) == chat_id => {
            let outcome = try_join(&ctx, lang, &lottery, query.from.id.0 as i64, ctx.now()).await?;
            let alert = !matches!(outcome, JoinOutcome::Joined);
            (outcome_text(&ctx, lang, &lottery, &outcome), alert)
        }
        _ => (ctx.t(lang, "lottery-button-stale"), true),
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

/// The open lottery a group message joins by its keyword, if the message is exactly one.
async fn keyword_lottery(ctx: Ctx, message: Message) -> Option<Lottery> {
    if !(message.chat.is_group() || message.chat.is_supergroup()) {
        return None;
    }
    let text = message.text()?.trim();
    if text.is_empty() || text.starts_with('/') || text.chars().count() > 32 {
        return None;
    }
    message.from.as_ref().filter(|u| !u.is_bot)?;
    let chat_id = message.chat.id.0;
    // Most messages are no keyword: they are answered from memory, and only a match reads the database.
    match keywords::is_keyword(&ctx, chat_id, text).await {
        Ok(true) => {}
        Ok(false) => return None,
        Err(err) => {
            tracing::warn!(%err, "could not load the lottery keywords");
            return None;
        }
    }
    let mut conn = ctx.storage.read.acquire().await.ok()?;
    match store::open_by_keyword(&mut conn, chat_id, text).await {
        Ok(found) => found,
        Err(err) => {
            tracing::warn!(%err, "could not look up a lottery keyword");
            None
        }
    }
}

/// A member typed a lottery's keyword: a joined member gets a 🎉 reaction and a member already in gets 👌
/// (no message, so a busy group is not flooded); a refusal is a short reply that names the reason.
async fn on_keyword(ctx: Ctx, message: Message, lottery: Lottery) -> HandlerResult {
    let Some(user) = message.from.as_ref() else {
        return Ok(());
    };
    let lang = ctx.lang_for(&message).await;
    let asked_at = message.date.timestamp();
    let outcome = try_join(&ctx, lang, &lottery, user.id.0 as i64, asked_at).await?;
    let emoji = match outcome {
        JoinOutcome::Joined => "🎉",
        JoinOutcome::Already => "👌",
        _ => {
            ctx.reply(&message, outcome_text(&ctx, lang, &lottery, &outcome));
            return Ok(());
        }
    };
    let (chat, id) = (message.chat.id, message.id);
    ctx.outbound
        .immediate_in(chat.0, "setMessageReaction", move |bot| {
            bot.set_message_reaction(chat, id)
                .reaction(vec![ReactionType::Emoji {
                    emoji: emoji.to_string(),
                }])
                .send()
                .boxed()
        });
    Ok(())
}

/// Draws lottery `id` at `now`, once: credits points prizes through the ledger, records wins and codes, then
/// announces the result, closes the announcement and sends the codes privately. `forced_late` marks a draw
/// as late whatever the times say.
async fn run_draw(ctx: &Ctx, id: i64, now: i64, forced_late: bool) -> HandlerResult {
    let mut tx = ctx.storage.write.begin().await?;
    let Some(lottery) = store::get(&mut tx, id).await? else {
        return Ok(());
    };
    if lottery.status != "open" {
        return Ok(());
    }
    let Some(seed) = Seed::from_hex(&lottery.seed) else {
        tracing::error!(
            lottery = id,
            "stored seed is not 64 hex digits; not drawing"
        );
        return Ok(());
    };
    let tiers = store::prizes(&mut tx, id).await?;
    let people = store::participants(&mut tx, id).await?;
    let counts: Vec<u32> = tiers
        .iter()
        .map(|t| u32::try_from(t.count).unwrap_or(0))
        .collect();
    let result = draw::draw(&people, &counts, lottery.floor_name.is_some(), &seed, id);
    // The moment it fell due: its time, or when its threshold-th member joined, whichever came first.
    let reached = match lottery.threshold {
        Some(threshold) => store::threshold_reached_at(&mut tx, id, threshold).await?,
        None => None,
    };
    let fell_due = [lottery.draw_at, reached].into_iter().flatten().min();
    let late_after = i64::try_from(ctx.config.lottery.late_after.get().as_secs()).unwrap_or(60);
    let late = forced_late || fell_due.is_some_and(|at| now - at >= late_after);
    if !store::mark_drawn(&mut tx, id, now, late, &result.list_hash).await? {
        return Ok(());
    }
    let reference = fairness::tag(Kind::Lottery, id);
    let floor = lottery
        .floor_name
        .as_ref()
        .map(|name| (0i64, name.clone(), lottery.floor_points));
    let awards = tiers
        .iter()
        .zip(&result.winners)
        .flat_map(|(tier, winners)| {
            winners
                .iter()
                .map(move |&user| (user, tier.tier, tier.name.clone(), tier.points))
        })
        .chain(result.floor.iter().filter_map(|&user| {
            floor
                .clone()
                .map(|(tier, name, points)| (user, tier, name, points))
        }))
        .collect::<Vec<_>>();
    for (user, tier, prize, points) in awards {
        if let Some(points) = points {
            ledger::transfer(
                &mut tx,
                &ledger::Move {
                    chat_id: lottery.chat_id,
                    from: ledger::Account::Mint,
                    to: ledger::Account::Wallet(user),
                    amount: points,
                    reason: LEDGER_REASON,
                    actor: Some(lottery.creator),
                    reference: Some(&reference),
                    at: now,
                },
            )
            .await
            .map_err(ledger_error)?;
        }
        let mut win = store::Win {
            lottery_id: id,
            chat_id: lottery.chat_id,
            user_id: user,
            tier,
            prize,
            points,
            code: None,
            redeemed_at: None,
        };
        loop {
            if points.is_none() {
                win.code = Some(new_code());
            }
            if store::insert_win(&mut tx, &win).await? {
                break;
            }
        }
    }
    let count = people.len() as i64;
    tx.commit().await?;
    keywords::forget(ctx, lottery.chat_id);

    let lang = ctx.group_lang(lottery.chat_id).await;
    let tz = group_tz(ctx, lottery.chat_id).await;
    // Names of members who joined moments ago may still be in the activity writer's batch.
    ctx.activity.flush().await;
    let mut conn = ctx.storage.read.acquire().await?;
    let wins = store::wins(&mut conn, id).await?;
    let mut names = std::collections::HashMap::new();
    for win in wins.iter().filter(|w| w.tier > 0) {
        let name = crate::storage::members::get_user(&mut conn, win.user_id)
            .await?
            .map(|u| u.full_name())
            .unwrap_or_else(|| win.user_id.to_string());
        names.insert(win.user_id, name);
    }
    drop(conn);

    let thread = lottery.thread_id.map(|t| ThreadId(MessageId(t as i32)));
    let text = result_text(
        ctx, lang, &lottery, &tiers, &wins, &names, count, late, &seed,
    );
    let mut announced = Vec::new();
    for piece in split(&text, MAX_TEXT) {
        let mut out = Text::html(lottery.chat_id, piece);
        out.thread_id = thread;
        out.reply_to = lottery.message_id.map(|m| MessageId(m as i32));
        announced.push(ctx.outbound.send_text(out));
    }
    close_announcement(
        ctx,
        lang,
        tz,
        &lottery,
        &tiers,
        count,
        "lottery-closed-drawn",
    );
    send_codes(ctx, lang, &lottery, wins, thread, announced);
    Ok(())
}

/// A fresh redemption code from the operating system's random generator.
fn new_code() -> String {
    use rand::TryRngCore;
    loop {
        let mut bytes = [0u8; 32];
        if rand::rngs::OsRng.try_fill_bytes(&mut bytes).is_err() {
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        }
        if let Some(code) = parse::code_from_bytes(&bytes) {
            return code;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn result_text(
    ctx: &Ctx,
    lang: Lang,
    lottery: &Lottery,
    tiers: &[store::PrizeRow],
    wins: &[store::Win],
    names: &std::collections::HashMap<i64, String>,
    count: i64,
    late: bool,
    seed: &Seed,
) -> String {
    let mut text = ctx.ta(
        lang,
        "lottery-result-title",
        &fargs! {"id" => display(lottery.id), "title" => escape(&lottery.title)},
    );
    text.push('\n');
    if late {
        text.push_str(&ctx.t(lang, "lottery-result-late"));
        text.push('\n');
    }
    if count == 0 {
        text.push_str(&ctx.t(lang, "lottery-result-nobody"));
        text.push('\n');
    }
    for tier in tiers {
        let winners: Vec<String> = wins
            .iter()
            .filter(|w| w.tier == tier.tier)
            .map(|w| {
                mention_html(
                    w.user_id,
                    names.get(&w.user_id).map(String::as_str).unwrap_or("?"),
                )
            })
            .collect();
        let list = if winners.is_empty() {
            ctx.t(lang, "lottery-result-no-winner")
        } else {
            in_lines(&winners, MENTIONS_PER_LINE)
        };
        text.push_str(&ctx.ta(
            lang,
            "lottery-result-tier",
            &fargs! {"tier" => tier.tier, "prize" => escape(&tier.name), "winners" => list},
        ));
        text.push('\n');
    }
    let floor_count = wins.iter().filter(|w| w.tier == 0).count();
    if let (Some(floor), true) = (&lottery.floor_name, floor_count > 0) {
        text.push_str(&ctx.ta(
            lang,
            "lottery-result-floor",
            &fargs! {"prize" => escape(floor), "count" => floor_count},
        ));
        text.push('\n');
    }
    if wins.iter().any(|w| w.code.is_some()) {
        text.push_str(&ctx.t(lang, "lottery-result-codes"));
        text.push('\n');
    }
    text.push_str(&ctx.ta(
        lang,
        "lottery-result-proof",
        &fargs! {
            "count" => count,
            "seed" => seed.to_hex(),
            "commitment" => lottery.commitment.clone(),
            "id" => display(lottery.id),
        },
    ));
    text
}

/// Sends each redemption code privately, once the result is out in the group (`announced`). Members the bot
/// cannot write to (they never started it, or blocked it: the Bot API refuses with an error) are named in one
/// group message that tells them to start the bot and send `/lottery` there to see their codes.
fn send_codes(
    ctx: &Ctx,
    lang: Lang,
    lottery: &Lottery,
    wins: Vec<store::Win>,
    thread: Option<ThreadId>,
    announced: Vec<crate::telegram::outbound::Pending<Message>>,
) {
    if wins.iter().all(|w| w.code.is_none()) {
        return;
    }
    let ctx = ctx.clone();
    let (chat_id, id, title) = (lottery.chat_id, lottery.id, lottery.title.clone());
    ctx.tasks.clone().spawn(async move {
        for sent in announced {
            if let Err(err) = sent.wait().await {
                tracing::warn!(%err, lottery = id, "the draw result was not sent");
            }
        }
        let mut pending = Vec::new();
        for win in &wins {
            let Some(code) = &win.code else { continue };
            let text = ctx.ta(
                lang,
                "lottery-code-dm",
                &fargs! {
                    "id" => display(id),
                    "title" => escape(&title),
                    "prize" => escape(&win.prize),
                    "code" => code.clone(),
                },
            );
            pending.push((
                win.user_id,
                ctx.outbound.send_text(Text::html(win.user_id, text)),
            ));
        }
        let mut unreachable = Vec::new();
        for (user, sent) in pending {
            match sent.wait().await {
                Ok(_) => {}
                Err(crate::Error::Telegram(teloxide::RequestError::Api(err))) => {
                    tracing::info!(user, %err, "winner cannot be written to privately");
                    unreachable.push(user);
                }
                Err(err) => tracing::warn!(user, %err, "could not send a redemption code"),
            }
        }
        if unreachable.is_empty() {
            return;
        }
        let mut mentions = Vec::new();
        if let Ok(mut conn) = ctx.storage.read.acquire().await {
            for user in &unreachable {
                let name = crate::storage::members::get_user(&mut conn, *user)
                    .await
                    .ok()
                    .flatten()
                    .map(|u| u.full_name())
                    .unwrap_or_else(|| user.to_string());
                mentions.push(mention_html(*user, &name));
            }
        }
        let bot = ctx.me.username.clone().unwrap_or_default();
        let text = ctx.ta(
            lang,
            "lottery-code-start-bot",
            &fargs! {"members" => mentions.join(", "), "bot" => escape(&bot)},
        );
        let mut out = Text::html(chat_id, text);
        out.thread_id = thread;
        ctx.outbound.send_text(out);
    });
}

/// In a private chat, `/lottery` lists the member's unredeemed codes of every group.
async fn my_codes(ctx: &Ctx, message: &Message, lang: Lang) -> HandlerResult {
    let Some(user) = message.from.as_ref() else {
        return Ok(());
    };
    let mut conn = ctx.storage.read.acquire().await?;
    let codes = store::open_codes_of(&mut conn, user.id.0 as i64).await?;
    if codes.is_empty() {
        ctx.reply(message, ctx.t(lang, "lottery-my-codes-none"));
        return Ok(());
    }
    let mut text = format!(
        "<b>{}</b>\n",
        escape(&ctx.t(lang, "lottery-my-codes-title"))
    );
    for store::OwnedCode { win, title } in codes {
        text.push_str(&ctx.ta(
            lang,
            "lottery-my-codes-row",
            &fargs! {
                "id" => display(win.lottery_id),
                "title" => escape(&title),
                "prize" => escape(&win.prize),
                "code" => win.code.unwrap_or_default(),
            },
        ));
        text.push('\n');
    }
    for piece in split(&text, MAX_TEXT) {
        ctx.reply_html(message, piece);
    }
    Ok(())
}

async fn redeem(ctx: &Ctx, message: &Message, lang: Lang, arg: &str) -> HandlerResult {
    if let Some(refusal) = ctx.refusal(message, Right::ChangeInfo, lang).await? {
        ctx.reply(message, refusal);
        return Ok(());
    }
    let code = parse::normalize_code(arg);
    if code.is_empty() {
        ctx.reply(message, ctx.t(lang, "lottery-redeem-usage"));
        return Ok(());
    }
    let chat_id = message.chat.id.0;
    let by = message.from.as_ref().map(|u| u.id.0 as i64).unwrap_or(0);
    let now = ctx.now();
    let mut conn = ctx.storage.write.acquire().await?;
    let Some(win) = store::win_by_code(&mut conn, chat_id, &code).await? else {
        ctx.reply(
            message,
            ctx.ta(lang, "lottery-redeem-unknown", &fargs! {"code" => code}),
        );
        return Ok(());
    };
    if let Some(at) = win.redeemed_at {
        let tz = group_tz(ctx, chat_id).await;
        ctx.reply(
            message,
            ctx.ta(
                lang,
                "lottery-redeem-used",
                &fargs! {"code" => code, "time" => local_time(tz, at)},
            ),
        );
        return Ok(());
    }
    if !store::redeem(&mut conn, chat_id, &code, by, now).await? {
        ctx.reply(
            message,
            ctx.ta(lang, "lottery-redeem-unknown", &fargs! {"code" => code}),
        );
        return Ok(());
    }
    let name = crate::storage::members::get_user(&mut conn, win.user_id)
        .await?
        .map(|u| u.full_name())
        .unwrap_or_else(|| win.user_id.to_string());
    ctx.reply_html(
        message,
        ctx.ta(
            lang,
            "lottery-redeemed",
            &fargs! {
                "code" => code,
                "id" => display(win.lottery_id),
                "prize" => escape(&win.prize),
                "winner" => mention_html(win.user_id, &name),
            },
        ),
    );
    Ok(())
}

/// Who may see `/verify` of a lottery where the command was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VerifyAccess {
    /// In the lottery's own group, or in private by a participant or an admin of its group.
    Granted,
    /// In private by someone who is neither.
    NotYours,
    /// In another group: as if the lottery did not exist there.
    Elsewhere,
}

/// `/verify` shows participant ids: it answers in the lottery's group, and in private to the lottery's
/// participants and its group's admins, never in another group.
async fn verify_access(
    ctx: &Ctx,
    conn: &mut sqlx::SqliteConnection,
    message: &Message,
    lottery: &Lottery,
) -> crate::Result<VerifyAccess> {
    if message.chat.id.0 == lottery.chat_id {
        return Ok(VerifyAccess::Granted);
    }
    if !message.chat.is_private() {
        return Ok(VerifyAccess::Elsewhere);
    }
    let Some(user) = message.from.as_ref() else {
        return Ok(VerifyAccess::NotYours);
    };
    if store::has_joined(conn, lottery.id, user.id.0 as i64).await?
        || ctx.admins.is_admin(lottery.chat_id, user.id.0).await?
    {
        Ok(VerifyAccess::Granted)
    } else {
        Ok(VerifyAccess::NotYours)
    }
}

/// `/verify L<id>`: the commitment, the revealed seed, the participant list and its hash, and the winners
/// recomputed from them, compared with the stored result.
async fn on_verify(ctx: Ctx, message: Message, id: i64) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    let mut conn = ctx.storage.read.acquire().await?;
    let unknown = || ctx.ta(lang, "lottery-unknown", &fargs! {"id" => display(id)});
    let Some(lottery) = store::get(&mut conn, id).await? else {
        ctx.reply(&message, unknown());
        return Ok(());
    };
    match verify_access(&ctx, &mut conn, &message, &lottery).await? {
        VerifyAccess::Granted => {}
        VerifyAccess::Elsewhere => {
            ctx.reply(&message, unknown());
            return Ok(());
        }
        VerifyAccess::NotYours => {
            ctx.reply(
                &message,
                ctx.ta(
                    lang,
                    "lottery-verify-not-yours",
                    &fargs! {"id" => display(id)},
                ),
            );
            return Ok(());
        }
    }
    let people = store::participants(&mut conn, id).await?;
    let tag = fairness::tag(Kind::Lottery, id);
    let head = ctx.ta(
        lang,
        "lottery-verify-head",
        &fargs! {
            "id" => display(id),
            "title" => escape(&lottery.title),
            "tag" => tag.clone(),
            "commitment" => lottery.commitment.clone(),
        },
    );
    if lottery.status != "drawn" {
        let id_word = if lottery.status == "open" {
            "lottery-verify-open"
        } else {
            "lottery-verify-cancelled"
        };
        let text = format!(
            "{head}\n{}",
            ctx.ta(lang, id_word, &fargs! {"count" => people.len()})
        );
        ctx.reply_html(&message, text);
        return Ok(());
    }
    let Some(seed) = Seed::from_hex(&lottery.seed) else {
        return Ok(());
    };
    let tiers = store::prizes(&mut conn, id).await?;
    let wins = store::wins(&mut conn, id).await?;
    drop(conn);
    let counts: Vec<u32> = tiers
        .iter()
        .map(|t| u32::try_from(t.count).unwrap_or(0))
        .collect();
    let stored_winners: Vec<Vec<i64>> = tiers
        .iter()
        .map(|tier| {
            wins.iter()
                .filter(|w| w.tier == tier.tier)
                .map(|w| w.user_id)
                .collect()
        })
        .collect();
    let stored_floor: Vec<i64> = wins
        .iter()
        .filter(|w| w.tier == 0)
        .map(|w| w.user_id)
        .collect();
    let check = draw::verify(
        &people,
        &counts,
        lottery.floor_name.is_some(),
        &seed,
        id,
        &draw::Published {
            commitment: &lottery.commitment,
            list_hash: lottery.list_hash.as_deref().unwrap_or_default(),
            winners: &stored_winners,
            floor: &stored_floor,
        },
    );
    let again = &check.recomputed;
    let list = fairness::participant_list(&people);
    let file_name = format!("lottery-{}-participants.txt", display(id));
    let participants = if list.len() <= INLINE_LIST_MAX {
        ctx.ta(
            lang,
            "lottery-verify-list",
            &fargs! {"count" => people.len(), "list" => list.clone()},
        )
    } else {
        ctx.ta(
            lang,
            "lottery-verify-list-file",
            &fargs! {"count" => people.len(), "file" => file_name.clone()},
        )
    };
    let mut text = head;
    text.push('\n');
    text.push_str(&ctx.ta(
        lang,
        "lottery-verify-drawn",
        &fargs! {
            "seed" => seed.to_hex(),
            "list_hash" => again.list_hash.clone(),
            "participants" => participants,
        },
    ));
    text.push('\n');
    for (index, tier) in again.winners.iter().enumerate() {
        let ids: Vec<String> = tier.iter().map(i64::to_string).collect();
        text.push_str(&ctx.ta(
            lang,
            "lottery-verify-tier",
            &fargs! {"tier" => index + 1, "winners" => if ids.is_empty() { "-".to_string() } else { in_lines(&ids, IDS_PER_LINE) }},
        ));
        text.push('\n');
    }
    if lottery.floor_name.is_some() {
        text.push_str(&ctx.ta(
            lang,
            "lottery-verify-floor",
            &fargs! {"count" => again.floor.len()},
        ));
        text.push('\n');
    }
    let verdict = if check.commitment_ok && check.result_ok {
        "lottery-verify-ok"
    } else {
        "lottery-verify-mismatch"
    };
    text.push_str(&ctx.t(lang, verdict));
    for piece in split(&text, MAX_TEXT) {
        ctx.reply_html(&message, piece);
    }
    if list.len() > INLINE_LIST_MAX {
        send_list_file(&ctx, &message, file_name, list.into_bytes());
    }
    Ok(())
}

/// Sends a long participant list as a text file in reply to `message` (budgeted like a send).
fn send_list_file(ctx: &Ctx, message: &Message, name: String, bytes: Vec<u8>) {
    let (chat, reply_to) = (message.chat.id, message.id);
    let thread = message.thread_id.filter(|_| message.is_topic_message);
    ctx.outbound.budgeted(chat.0, "sendDocument", move |bot| {
        let mut request = bot
            .send_document(
                chat,
                InputFile::memory(bytes.clone()).file_name(name.clone()),
            )
            .reply_parameters(ReplyParameters::new(reply_to).allow_sending_without_reply());
        if let Some(thread) = thread {
            request = request.message_thread_id(thread);
        }
        request.send().boxed()
    });
}

/// Joins items with ", ", starting a new line after every `per_line` items, so that no line of a long list
/// is cut in the middle of an HTML tag when the text is split into messages.
fn in_lines(items: &[String], per_line: usize) -> String {
    items
        .chunks(per_line.max(1))
        .map(|chunk| chunk.join(", "))
        .collect::<Vec<_>>()
        .join(",\n")
}

/// The periodic work: draws every lottery that fell due (late ones say so), then refreshes announcement
/// counts that changed, at most once per `count_edit_interval` per lottery.
pub fn tick(ctx: Ctx) -> BoxFuture<'static, crate::Result<()>> {
    async move {
        let now = ctx.now();
        let due = {
            let mut conn = ctx.storage.read.acquire().await?;
            store::due(&mut conn, now).await?
        };
        // One lottery that cannot be drawn (it is retried next tick) must not hold up the others.
        let mut first_failure = None;
        for id in due {
            if let Err(err) = run_draw(&ctx, id, now, false).await {
                tracing::error!(lottery = id, %err, "draw failed; retrying next tick");
                first_failure.get_or_insert(err);
            }
        }
        let interval =
            i64::try_from(ctx.config.lottery.count_edit_interval.get().as_secs()).unwrap_or(10);
        let stale = {
            let mut conn = ctx.storage.read.acquire().await?;
            store::stale_counts(&mut conn, now - interval).await?
        };
        for (id, count) in stale {
            let mut conn = ctx.storage.write.acquire().await?;
            let Some(lottery) = store::get(&mut conn, id).await? else {
                continue;
            };
            let tiers = store::prizes(&mut conn, id).await?;
            store::set_shown_count(&mut conn, id, count, now).await?;
            drop(conn);
            let (Some(message_id), lang) =
                (lottery.message_id, ctx.group_lang(lottery.chat_id).await)
            else {
                continue;
            };
            let tz = group_tz(&ctx, lottery.chat_id).await;
            let text = announcement(&ctx, lang, tz, &lottery, &tiers, count, None);
            ctx.outbound.edit_text(
                lottery.chat_id,
                MessageId(message_id as i32),
                text,
                true,
                Some(join_button(&ctx, lang, id)),
            );
        }
        match first_failure {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_takes_only_lottery_ids() {
        assert_eq!(verify_target("/verify L5"), Some(5));
        assert_eq!(verify_target("/verify l12 "), Some(12));
        assert_eq!(verify_target("/verify@groupops_bot L7"), Some(7));
        assert_eq!(verify_target("/verify P17"), None, "packets are not ours");
        assert_eq!(verify_target("/verify"), None);
        assert_eq!(verify_target("/verifyL5"), None);
        assert_eq!(verify_target("/verify L5x"), None);
        assert_eq!(verify_target("hello /verify L5"), None);
    }

    #[test]
    fn lottery_ids_are_read_with_or_without_the_letter() {
        assert_eq!(lottery_id("L5"), Some(5));
        assert_eq!(lottery_id(" 42 "), Some(42));
        assert_eq!(lottery_id("P5"), None);
        assert_eq!(lottery_id("0"), None);
        assert_eq!(lottery_id("five"), None);
    }
}
