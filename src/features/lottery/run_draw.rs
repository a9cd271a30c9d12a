//! Drawing a lottery: the winners, their prizes, and the result in the group.

use super::codes::{new_code, send_codes};
use super::create::close_announcement;
use super::store::{self, Lottery, Status};
use super::{display, group_tz, in_lines};
use super::{draw, keywords};
use crate::fairness::{self, Kind, Seed};
use crate::fargs;
use crate::features::economy::ledger;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::outbound::{Priority, Text};
use crate::telegram::text::{escape, mention_html, split, MAX_TEXT};
use crate::telegram::HandlerResult;
use teloxide::types::{MessageId, ThreadId};

/// The journal reason of points prizes.
pub(super) const LEDGER_REASON: &str = "lottery";

/// Winner mentions per line of a result message.
pub(super) const MENTIONS_PER_LINE: usize = 10;

/// A ledger refusal as the crate error. Prizes are credited from the mint, which never runs short, so anything
/// but a database error (an overflowing wallet) is surfaced as a failed draw that the ticker retries.
pub(super) fn ledger_error(err: ledger::LedgerError) -> crate::Error {
    match err {
        ledger::LedgerError::Database(err) => crate::Error::Database(err),
        other => crate::Error::Database(sqlx::Error::Protocol(format!("ledger: {other}"))),
    }
}

/// Draws lottery `id` at `now`, once: credits points prizes through the ledger, records wins and codes, then
/// announces the result, closes the announcement and sends the codes privately. `forced_late` marks a draw
/// as late whatever the times say.
pub(super) async fn run_draw(ctx: &Ctx, id: i64, now: i64, forced_late: bool) -> HandlerResult {
    let mut tx = ctx.storage.write.begin().await?;
    let Some(lottery) = store::get(&mut tx, id).await? else {
        return Ok(());
    };
    if lottery.status != Status::Open {
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
    // Members banned, gone or muted, or removed for an ad while the lottery was open, are left out; the
    // reason is kept on their entry, and the committed list is the others.
    let entries = store::participants(&mut tx, id).await?;
    let excluded = crate::facts::standing::exclusions(
        &mut tx,
        lottery.chat_id,
        &entries,
        lottery.created_at,
        now,
    )
    .await?;
    for (user_id, why) in &excluded {
        store::exclude(&mut tx, id, *user_id, *why).await?;
    }
    let people: Vec<i64> = entries
        .iter()
        .copied()
        .filter(|user| !excluded.iter().any(|(out, _)| out == user))
        .collect();
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
    let prizes: Vec<draw::TierPrize> = tiers
        .iter()
        .map(|tier| draw::TierPrize {
            tier: tier.tier,
            name: tier.name.clone(),
            points: tier.points,
        })
        .collect();
    let floor = lottery.floor_name.as_ref().map(|name| draw::TierPrize {
        tier: 0,
        name: name.clone(),
        points: lottery.floor_points,
    });
    for award in draw::awards(&prizes, &result, floor.as_ref()) {
        record_award(&mut tx, &lottery, award, now).await?;
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
    let mut text = result_text(
        ctx, lang, &lottery, &tiers, &wins, &names, count, late, &seed,
    );
    if !excluded.is_empty() {
        text.push('\n');
        text.push_str(&excluded_line(ctx, lang, &excluded));
    }
    let mut announced = Vec::new();
    for piece in split(&text, MAX_TEXT) {
        let mut out = Text::html(lottery.chat_id, piece);
        out.thread_id = thread;
        out.reply_to = lottery.message_id.map(|m| MessageId(m as i32));
        announced.push(ctx.outbound.send_text(out.priority(Priority::Game)));
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

/// The line saying how many entries the draw left out and why (the ids are shown by `/verify`).
pub(super) fn excluded_line(
    ctx: &Ctx,
    lang: Lang,
    excluded: &[(i64, crate::facts::standing::Exclusion)],
) -> String {
    let mut reasons: Vec<crate::facts::standing::Exclusion> =
        excluded.iter().map(|(_, why)| *why).collect();
    reasons.sort();
    reasons.dedup();
    let reasons: Vec<String> = reasons
        .into_iter()
        .map(|why| {
            ctx.ta(
                lang,
                &format!("lottery-excluded-{}", why.name()),
                &fargs! {"count" => excluded.iter().filter(|(_, w)| *w == why).count()},
            )
        })
        .collect();
    ctx.ta(
        lang,
        "lottery-result-excluded",
        &fargs! {"count" => excluded.len(), "reasons" => reasons.join(&ctx.t(lang, "list-separator"))},
    )
}

/// Records one award of a draw: credits a points prize from the group's mint, and stores the win, with a
/// fresh redemption code for any other prize.
async fn record_award(
    tx: &mut sqlx::SqliteConnection,
    lottery: &Lottery,
    award: draw::Award,
    now: i64,
) -> crate::Result<()> {
    let draw::Award { user_id, prize } = award;
    if let Some(points) = prize.points {
        let reference = fairness::tag(Kind::Lottery, lottery.id);
        ledger::transfer(
            tx,
            &ledger::Move {
                chat_id: lottery.chat_id,
                from: ledger::Account::Mint,
                to: ledger::Account::Wallet(user_id),
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
        lottery_id: lottery.id,
        chat_id: lottery.chat_id,
        user_id,
        tier: prize.tier,
        points: prize.points,
        prize: prize.name,
        code: None,
        redeemed_at: None,
    };
    loop {
        if win.points.is_none() {
            win.code = Some(new_code());
        }
        if store::insert_win(tx, &win).await? {
            return Ok(());
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn result_text(
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
            in_lines(&winners, MENTIONS_PER_LINE, &ctx.t(lang, "list-separator"))
        };
        let (label, prize) = super::tier_label(ctx, lang, tier.tier, &tier.name);
        text.push_str(&ctx.ta(
            lang,
            "lottery-result-tier-labelled",
            &fargs! {"label" => label, "prize" => prize, "winners" => list},
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
