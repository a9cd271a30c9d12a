//! Activity points: the periodic crediting of points for long messages.

use super::store;
use crate::facts::GroupDay;
use crate::fargs;
use crate::services::Ctx;
use crate::telegram::outbound::{Priority, Text};
use crate::telegram::text::{escape, split, MAX_TEXT};
use std::collections::{BTreeMap, HashMap};

/// The most pending activity rows one pass of the ticker settles; the rest waits for the next pass.
pub(super) const ACTIVITY_BATCH: u32 = 10_000;
/// How long what was paid per message minute is kept. Telegram keeps undelivered updates for a day, so no
/// message older than this can still arrive; pending messages older than this are not paid (their day's
/// cap could no longer be checked).
pub(super) const ACTIVITY_HISTORY_MINUTES: i64 = 7 * 24 * 60;

/// A group's new long messages: (member, day) → (minute → messages).
pub(super) type GroupActivity = BTreeMap<(i64, i64), BTreeMap<i64, i64>>;

/// Settles the queue of stored long messages (see `store::PendingActivity`): per group and member, each
/// message's minute falls in a day as the group cuts its days now, and each day pays up to its cap.
pub(super) async fn pay_activity(ctx: &Ctx) -> crate::Result<()> {
    let settings = &ctx.config.economy;
    let now = ctx.now();
    let oldest = now.div_euclid(60) - ACTIVITY_HISTORY_MINUTES;
    let pending = {
        let mut conn = ctx.storage.write.acquire().await?;
        let pending = store::pending_activity(&mut conn, ACTIVITY_BATCH).await?;
        let Some(through) = pending.iter().map(|row| row.id).max() else {
            return Ok(());
        };
        if settings.activity_points_per_message == 0 || settings.activity_daily_cap == 0 {
            // Activity points are off: nothing stored now is owed later either.
            store::clear_pending_activity(&mut conn, None, through).await?;
            return Ok(());
        }
        store::prune_activity_paid(&mut conn, oldest).await?;
        pending
    };
    let through = pending.iter().map(|row| row.id).max().unwrap_or_default();
    let mut work: BTreeMap<i64, GroupActivity> = BTreeMap::new();
    let mut clocks: HashMap<i64, GroupDay> = HashMap::new();
    for row in &pending {
        let days = work.entry(row.chat_id).or_default();
        if row.minute < oldest {
            continue;
        }
        let clock = match clocks.get(&row.chat_id) {
            Some(clock) => *clock,
            None => {
                let clock = crate::facts::group_day(ctx, row.chat_id).await?;
                clocks.insert(row.chat_id, clock);
                clock
            }
        };
        *days
            .entry((row.user_id, clock.today(row.minute * 60)))
            .or_default()
            .entry(row.minute)
            .or_default() += row.messages;
    }
    let mut conn = ctx.storage.write.acquire().await?;
    for (chat_id, days) in work {
        let days: Vec<store::ActivityDay> = days
            .into_iter()
            .map(|((user_id, day), minutes)| {
                let clock = clocks[&chat_id];
                store::ActivityDay {
                    user_id,
                    day,
                    from_minute: clock.start(day).div_euclid(60),
                    to_minute: clock.start(day + 1).div_euclid(60),
                    new: minutes.into_iter().collect(),
                }
            })
            .collect();
        let payments = store::settle_activity(
            &mut conn,
            chat_id,
            &days,
            settings.activity_points_per_message,
            settings.activity_daily_cap,
            through,
            now,
        )
        .await?;
        let mut lines = Vec::new();
        let mut levels = None;
        for payment in payments {
            if payment.earned_after <= payment.earned_before {
                continue;
            }
            let levels = match &levels {
                Some(levels) => levels,
                None => levels.insert(crate::facts::levels(&mut conn, chat_id).await?),
            };
            let (old, _) = levels.level_for(payment.earned_before);
            let (new, title) = levels.level_for(payment.earned_after);
            if new <= old {
                continue;
            }
            let (level, title) = (new + 1, title.to_owned());
            let lang = ctx.group_lang(chat_id).await;
            let name = crate::storage::members::get_user(&mut conn, payment.user_id)
                .await?
                .map(|u| u.full_name())
                .unwrap_or_else(|| payment.user_id.to_string());
            lines.push(ctx.ta(
                lang,
                "economy-levelup",
                &fargs! {"name" => escape(&name), "level" => level, "title" => escape(&title)},
            ));
        }
        for piece in split(&lines.join("\n"), MAX_TEXT) {
            ctx.outbound
                .send_text(Text::html(chat_id, piece).priority(Priority::Game));
        }
    }
    Ok(())
}
