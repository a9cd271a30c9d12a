//! Creating a lottery from its one-line definition, and the announcement that shows it.

use super::parse::{ParseError, Prize, Spec};
use super::store::{self, Lottery};
use super::{display, group_tz, local_time, GroupZone, BUTTON_PREFIX};
use super::{keywords, parse};
use crate::fairness::{self, Kind, Seed};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Call, Ctx};
use crate::telegram::admins::Right;
use crate::telegram::outbound::{Priority, Text};
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

/// The localized refusal of a definition line: what is wrong, and an example.
pub(super) fn parse_refusal(ctx: &Ctx, lang: Lang, err: &ParseError) -> String {
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
            fargs! {"part" => part.clone(), "max" => ctx.duration(lang, ctx.config.lottery.max_ahead.get())},
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
        ParseError::TitleTooLong => (
            "lottery-title-too-long",
            fargs! {"max" => super::parse::MAX_TITLE_CHARS},
        ),
    };
    format!(
        "{}\n\n{}",
        ctx.ta(lang, id, &args),
        ctx.t(lang, "lottery-example")
    )
}

pub(super) async fn create(call: &Call<'_>, line: &str) -> HandlerResult {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    if !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let chat_id = message.chat.id.0;
    let now = ctx.now();
    let tz = group_tz(ctx, chat_id).await;
    let spec: Spec = match parse::parse(line, now, tz.zone, &ctx.config.lottery.limits()) {
        Ok(spec) => spec,
        Err(err) => {
            call.say(parse_refusal(ctx, lang, &err));
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
            call.say(ctx.ta(
                lang,
                "lottery-keyword-taken",
                &fargs! {"keyword" => keyword.clone()},
            ));
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
    // A redelivery of this command after a crash is recognised and creates no second lottery.
    crate::storage::handled::record(&mut tx, "lottery_create", now).await?;
    tx.commit().await?;
    keywords::forget(ctx, chat_id);

    let text = announcement(ctx, lang, tz, &lottery, &tiers, 0, None);
    let pending = ctx.outbound.send_text(
        Text::html(chat_id, text)
            .reply_to(message)
            .markup(join_button(ctx, lang, id))
            .priority(Priority::Game),
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
pub(super) fn prize_name(prize: &Prize, lang: Lang, ctx: &Ctx) -> String {
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

pub(super) fn join_button(ctx: &Ctx, lang: Lang, id: i64) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        ctx.t(lang, "lottery-join-button"),
        format!("{BUTTON_PREFIX}{id}"),
    )]])
}

/// The draw rule in words.
pub(super) fn rule_text(ctx: &Ctx, lang: Lang, tz: GroupZone, lottery: &Lottery) -> String {
    match (lottery.threshold, lottery.draw_at) {
        (Some(n), Some(at)) => ctx.ta(
            lang,
            "lottery-rule-either",
            &fargs! {"count" => n, "time" => local_time(tz.zone, at), "zone" => tz.words(ctx, lang, at)},
        ),
        (Some(n), None) => ctx.ta(lang, "lottery-rule-threshold", &fargs! {"count" => n}),
        (None, Some(at)) => ctx.ta(
            lang,
            "lottery-rule-time",
            &fargs! {"time" => local_time(tz.zone, at), "zone" => tz.words(ctx, lang, at)},
        ),
        (None, None) => String::new(),
    }
}

/// The eligibility conditions in words.
pub(super) fn eligibility_text(ctx: &Ctx, lang: Lang, lottery: &Lottery) -> String {
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
pub(super) fn announcement(
    ctx: &Ctx,
    lang: Lang,
    tz: GroupZone,
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
        let (label, prize) = super::tier_label(ctx, lang, tier.tier, &tier.name);
        text.push_str(&ctx.ta(
            lang,
            "lottery-announce-tier-labelled",
            &fargs! {"label" => label, "prize" => prize, "count" => tier.count},
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

/// Replaces the announcement's text with its final state and removes the Join button (one edit).
pub(super) fn close_announcement(
    ctx: &Ctx,
    lang: Lang,
    tz: GroupZone,
    lottery: &Lottery,
    tiers: &[store::PrizeRow],
    count: i64,
    closed: &str,
) {
    if let Some(message_id) = lottery.message_id {
        let text = announcement(ctx, lang, tz, lottery, tiers, count, Some(closed));
        ctx.outbound.edit_text_as(
            Priority::Game,
            lottery.chat_id,
            MessageId(message_id as i32),
            text,
            true,
            Some(InlineKeyboardMarkup::default()),
        );
    }
}

/// Shows a new participant count on an open lottery's announcement, and records it as shown at `now`.
pub(super) async fn refresh_count(ctx: &Ctx, id: i64, count: i64, now: i64) -> crate::Result<()> {
    let mut conn = ctx.storage.write.acquire().await?;
    let Some(lottery) = store::get(&mut conn, id).await? else {
        return Ok(());
    };
    let tiers = store::prizes(&mut conn, id).await?;
    store::set_shown_count(&mut conn, id, count, now).await?;
    drop(conn);
    let (Some(message_id), lang) = (lottery.message_id, ctx.group_lang(lottery.chat_id).await)
    else {
        return Ok(());
    };
    let tz = group_tz(ctx, lottery.chat_id).await;
    let text = announcement(ctx, lang, tz, &lottery, &tiers, count, None);
    ctx.outbound.edit_text_as(
        Priority::Game,
        lottery.chat_id,
        MessageId(message_id as i32),
        text,
        true,
        Some(join_button(ctx, lang, id)),
    );
    Ok(())
}
