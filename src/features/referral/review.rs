//! `/stats [7d|30d|90d]`: the review numbers of a period and their chart, for admins. The period and the
//! summary are shared with `/export`. Days before the bot came to the group are left out of the averages
//! and the chart, and the answer says so; the 7-day retention is one plain sentence naming the dates its
//! new members joined between.

use super::{chart, name_of, require_admin, rules, stats, store};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Call, Ctx};
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use chrono::{Datelike, Offset, TimeZone};
use teloxide::prelude::*;
use teloxide::types::ThreadId;

/// How many top talkers `/stats` lists.
const TOP_TALKERS: usize = 5;

/// `/stats`: the summary as text, then the chart as a picture.
pub(super) async fn stats(call: &Call<'_>, args: &str) -> HandlerResult {
    let Some(window) = period(call, args).await? else {
        return Ok(());
    };
    let ctx = call.ctx;
    let members_now = match ctx.bot.get_chat_member_count(ChatId(call.chat_id)).await {
        Ok(count) => i64::from(count),
        Err(err) => {
            tracing::info!(%err, chat_id = call.chat_id, "member count unavailable; using the bot's own");
            let mut conn = ctx.storage.read.acquire().await?;
            store::present_members(&mut conn, call.chat_id).await?
        }
    };
    let summary = compute(ctx, call.chat_id, &window, members_now).await?;
    let mut conn = ctx.storage.read.acquire().await?;
    let mut talkers = Vec::new();
    for (user_id, messages) in &summary.top_talkers {
        let name = name_of(&mut conn, *user_id).await?;
        talkers.push(call.ta(
            "referral-stats-talker",
            &fargs! {"member" => escape(&name), "messages" => *messages},
        ));
    }
    drop(conn);
    let retention = retention_sentence(call, &window, &summary);
    let mut text = call.ta(
        "referral-stats-summary",
        &fargs! {
            "days" => window.days,
            "start" => summary.members_start, "end" => summary.members_end,
            "joins" => summary.joins, "leaves" => summary.leaves, "net" => format!("{:+}", summary.net),
            "dau" => stats::tenths(summary.daily_active_tenths), "wau" => summary.weekly_active,
            "active" => summary.active, "messages" => summary.messages,
            "retention" => retention,
            "talkers" => if talkers.is_empty() { "—".to_string() } else { talkers.join(&call.t("list-separator")) },
            "referrals" => summary.valid_referrals,
            "multiplier" => stats::hundredths(summary.multiplier_hundredths),
            "signed" => summary.signed_in.0, "signrate" => stats::tenths(summary.signed_in.1),
            "grabbers" => summary.packet_grabbers.0, "grabrate" => stats::tenths(summary.packet_grabbers.1),
            "grabs" => summary.packet_grabs,
            "entrants" => summary.lottery_entrants.0, "entrantrate" => stats::tenths(summary.lottery_entrants.1),
            "entries" => summary.lottery_entries
        },
    );
    if summary.observed_days < window.days {
        let since = summary.daily.first().map_or(0, |row| row.day);
        text.push('\n');
        text.push_str(&call.ta(
            "referral-stats-partial",
            &fargs! {
                "since" => local_date(call, since),
                "days" => window.days,
                "observed" => summary.observed_days
            },
        ));
    }
    call.say_html(text);
    let labels = chart_labels(call, window.days, summary.observed_days);
    let daily = summary.daily.clone();
    let png = tokio::task::spawn_blocking(move || chart::render(&daily, &labels))
        .await
        .map_err(|err| std::io::Error::other(format!("chart task: {err}")))?;
    match png {
        Ok(bytes) => {
            ctx.outbound
                .send_photo(call.chat_id, topic(call), "stats.png", bytes);
        }
        Err(err) => tracing::warn!(%err, chat_id = call.chat_id, "chart could not be drawn"),
    }
    Ok(())
}

/// The forum topic the command was sent in, if any: files are sent there.
pub(super) fn topic(call: &Call<'_>) -> Option<ThreadId> {
    call.message
        .thread_id
        .filter(|_| call.message.is_topic_message)
}

/// The group's offset from UTC now, in seconds, in its time zone (`/settz`, else the configured one).
async fn offset(call: &Call<'_>) -> crate::Result<i64> {
    let zone = crate::facts::group_zone(call.ctx, call.chat_id).await?;
    let now = chrono::DateTime::from_timestamp(call.ctx.now(), 0).unwrap_or_default();
    Ok(zone
        .offset_from_utc_datetime(&now.naive_utc())
        .fix()
        .local_minus_utc() as i64)
}

/// Reads the period argument of `/stats` and `/export` after checking the caller; `None` when refused.
pub(super) async fn period(call: &Call<'_>, args: &str) -> crate::Result<Option<stats::Window>> {
    if !require_admin(call).await? {
        return Ok(None);
    }
    let Some(days) = rules::parse_stats_period(args) else {
        call.say(call.t("referral-stats-usage"));
        return Ok(None);
    };
    let offset = offset(call).await?;
    Ok(Some(stats::Window::ending_at(
        call.ctx.now(),
        offset,
        i64::from(days),
    )))
}

/// A local day as the group's language writes a date: `11月20日`, `Nov 20`.
fn local_date(call: &Call<'_>, day: i64) -> String {
    let date = chrono::DateTime::from_timestamp(day * 86_400, 0).unwrap_or_default();
    call.ta(
        "referral-stats-date",
        &fargs! {"month" => date.month(), "day" => date.day()},
    )
}

/// The 7-day retention as one plain sentence: how many of the new members who joined between two dates
/// stayed a week, that none joined then, or that the bot came too recently to tell.
fn retention_sentence(call: &Call<'_>, window: &stats::Window, summary: &stats::Summary) -> String {
    let Some((from, to)) = summary.cohort_span else {
        return call.t("referral-stats-retention-too-new");
    };
    let (from, to) = (
        local_date(call, window.day_of(from)),
        local_date(call, window.day_of(to)),
    );
    let (cohort, stayed) = summary.retention;
    if cohort == 0 {
        return call.ta(
            "referral-stats-retention-none",
            &fargs! {"from" => from, "to" => to},
        );
    }
    call.ta(
        "referral-stats-retention",
        &fargs! {
            "rate" => stats::tenths(stats::per_mille(stayed, cohort)),
            "stayed" => stayed, "cohort" => cohort, "from" => from, "to" => to
        },
    )
}

/// The chart's words in the group's language when an embedded font can draw them, else in English. A
/// chart of fewer days than asked for (the bot came later) is titled by the days since the bot came.
fn chart_labels(call: &Call<'_>, days: i64, observed_days: i64) -> chart::ChartLabels {
    let make = |lang: Lang| chart::ChartLabels {
        title: if observed_days < days {
            call.ctx.ta(
                lang,
                "referral-chart-title-since",
                &fargs! {"days" => observed_days},
            )
        } else {
            call.ctx
                .ta(lang, "referral-chart-title", &fargs! {"days" => days})
        },
        joins: call.ctx.t(lang, "referral-chart-joins"),
        leaves: call.ctx.t(lang, "referral-chart-leaves"),
        active: call.ctx.t(lang, "referral-chart-active"),
    };
    let local = make(call.lang);
    if chart::font_covers(&local) {
        local
    } else {
        make(Lang::En)
    }
}

/// Reads what the summary needs and computes it.
pub(super) async fn compute(
    ctx: &Ctx,
    chat_id: i64,
    window: &stats::Window,
    members_now: i64,
) -> crate::Result<stats::Summary> {
    // Admin commands are rare: writing what the activity writer holds first makes the numbers include
    // everything up to now (the command itself too).
    ctx.activity.flush().await;
    let now = ctx.now();
    let from = window.start();
    // The retention cohort joined in the week before the window's start at the earliest; its leaves are
    // read from then on.
    let cohort_from = from - 7 * 86_400;
    let mut conn = ctx.storage.read.acquire().await?;
    let (packet_grabbers, packet_grabs) =
        crate::facts::packet_grabs(&mut conn, chat_id, from, now).await?;
    let (lottery_entrants, lottery_entries) =
        crate::facts::lottery_entries(&mut conn, chat_id, from, now).await?;
    let input = stats::StatsInput {
        now,
        present_since: store::bot_present_since(&mut conn, chat_id, now).await?,
        members_now,
        activity: store::activity_by_day(&mut conn, chat_id, from, now, window.offset).await?,
        events: store::member_events(&mut conn, chat_id, cohort_from, now).await?,
        new_members: store::new_member_joins(&mut conn, chat_id, cohort_from, now - 7 * 86_400)
            .await?,
        valid_referrals: store::valid_referrals(&mut conn, chat_id, from, now).await?,
        signed_in: crate::facts::signed_in(&mut conn, chat_id, from, now).await?,
        packet_grabbers,
        packet_grabs,
        lottery_entrants,
        lottery_entries,
    };
    Ok(stats::summarize(window, &input, TOP_TALKERS))
}
