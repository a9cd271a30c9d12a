//! Daily sign-in: `/checkin`, the words 签到 / 打卡, `/checkin month`, and the replies gathered in waves.

use super::call::{display_name, EconomyCall};
use super::{store, streak, wave};
use crate::fargs;
use crate::services::Ctx;
use crate::telegram::outbound::{Priority, Text};
use crate::telegram::text::{escape, split, MAX_TEXT};
use crate::telegram::HandlerResult;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;
use store::CheckinOutcome;
use teloxide::prelude::*;

/// Sign-in replies waiting to be sent as one message, per group and forum topic (the General topic, or no
/// forum, is topic 0), for one running bot (a restarted bot in the same process starts its own waves).
#[derive(Default)]
pub(super) struct Waves(Mutex<HashMap<(i64, i64), wave::Wave>>);

/// This bot's open sign-in waves.
pub(super) fn waves(ctx: &Ctx) -> std::sync::Arc<Waves> {
    ctx.local(Waves::default)
}

/// How long a sign-in wave gathers replies in this deployment (see [`wave::wave_window`]: a wave uses at
/// most half of the group's send limit, and gathers at least `economy.min_wave_window`).
pub(super) fn wave_window(ctx: &Ctx) -> Duration {
    let limit = ctx.config.limits.per_group;
    wave::wave_window(
        limit.window / limit.count.max(1),
        ctx.config.economy.min_wave_window.get(),
    )
}

/// Whether a sign-in wave is open in a group of this running bot: its first reply went out and later
/// ones are being gathered. Once it is closed, the gathered replies have been handed to the send queue.
pub fn wave_is_open(ctx: &Ctx, chat_id: i64) -> bool {
    waves(ctx)
        .0
        .lock()
        .expect("waves lock")
        .keys()
        .any(|(chat, _)| *chat == chat_id)
}

/// Sends a sign-in reply: the first of a wave at once as a reply, later ones within the wave's window
/// (see [`wave_window`]) gathered and sent together, in the same forum topic, when the window closes.
pub(super) fn send_checkin_reply(ctx: &Ctx, message: &Message, line: String) {
    let chat_id = message.chat.id.0;
    let topic = crate::telegram::topic::of_message(message);
    let key = (chat_id, crate::telegram::topic::thread_key(message));
    let waves = waves(ctx);
    let decision = waves
        .0
        .lock()
        .expect("waves lock")
        .entry(key)
        .or_default()
        .offer(line);
    match decision {
        wave::Offer::SendNow(line) => {
            ctx.outbound.send_text(
                Text::html(chat_id, line)
                    .reply_to(message)
                    .priority(Priority::Game),
            );
            let ctx = ctx.clone();
            let window = wave_window(&ctx);
            ctx.tasks.clone().spawn(async move {
                tokio::time::sleep(window).await;
                // The gathered lines are queued before the lock is released, so whoever sees the wave
                // closed (see [`wave_is_open`]) knows its message is already on its way.
                let mut open = waves.0.lock().expect("waves lock");
                let lines = open
                    .remove(&key)
                    .map(|mut wave| wave.close())
                    .unwrap_or_default();
                if !lines.is_empty() {
                    for piece in split(&lines.join("\n"), MAX_TEXT) {
                        let mut text = Text::html(chat_id, piece).priority(Priority::Game);
                        text.thread_id = topic.map(|topic| topic.thread);
                        ctx.outbound.send_text(text);
                    }
                }
            });
        }
        wave::Offer::Gathered => {}
    }
}

pub(super) async fn checkin(ctx: &Ctx, message: &Message) -> HandlerResult {
    let lang = ctx.lang_for(message).await;
    let chat_id = message.chat.id.0;
    let Some(user) = message.from.as_ref().filter(|user| !user.is_bot) else {
        return Ok(());
    };
    let user_id = user.id.0 as i64;
    let now = ctx.now();
    let clock = crate::facts::group_day(ctx, chat_id).await?;
    let today = clock.today(now);
    let settings = &ctx.config.economy;
    let name = escape(&display_name(message));
    // The bonus roll needs the deployment's secret only when there is a random bonus at all.
    let secret = if settings.checkin_random_max > 0 {
        Some(checkin_secret(ctx).await?)
    } else {
        None
    };
    let day = store::SignInDay {
        day: today,
        starts: clock.start(today),
        ends: clock.start(today + 1),
    };
    // The sign-in is one unit of work on the writer; what the member had earned before it is read in
    // the same unit, so the level-up below compares against exactly the points the sign-in added to.
    let unit_ctx = ctx.clone();
    let (earned_before, outcome) = ctx
        .storage
        .commit(move |conn| {
            Box::pin(async move {
                let settings = &unit_ctx.config.economy;
                let roll = secret.map_or(0, |secret| {
                    wave::checkin_roll(&secret, chat_id, user_id, today)
                });
                let earned_before = crate::facts::earned(conn, chat_id, user_id).await?;
                let outcome =
                    store::check_in_on_day(conn, chat_id, user_id, day, now, settings, roll)
                        .await?;
                Ok::<_, crate::Error>((earned_before, outcome))
            })
        })
        .await?;
    let line = match outcome {
        CheckinOutcome::Signed {
            record,
            reward,
            grace_card_used,
            grace_card_earned,
            grace_cards,
            balance,
            ..
        } => {
            let mut line = ctx.ta(
                lang,
                "economy-checkin-done",
                &fargs! {
                    "name" => name.clone(),
                    "gained" => reward.total,
                    "balance" => balance,
                    "streak" => record.streak,
                    "position" => record.position,
                },
            );
            if grace_card_used {
                line.push(' ');
                line.push_str(&ctx.t(lang, "economy-checkin-grace-used"));
            }
            if grace_card_earned {
                line.push(' ');
                line.push_str(&ctx.ta(
                    lang,
                    "economy-checkin-grace-earned",
                    &fargs! {"cards" => grace_cards},
                ));
            }
            let streak_now = u32::try_from(record.streak).unwrap_or(u32::MAX);
            let milestone = streak::next_milestone(streak_now, settings.grace_every);
            if milestone > 0 {
                line.push(' ');
                line.push_str(&ctx.ta(
                    lang,
                    "economy-checkin-milestone",
                    &fargs! {"days" => milestone, "left" => milestone - streak_now},
                ));
            }
            // The sign-in's reward is the only move between the group's mint and the member's wallet
            // in its unit, so it is what they earned by it.
            let earned_after = earned_before + reward.total;
            let mut conn = ctx.storage.read.acquire().await?;
            if let Some(up) = level_up(&mut conn, chat_id, earned_before, earned_after).await? {
                line.push(' ');
                line.push_str(&ctx.ta(
                    lang,
                    "economy-levelup",
                    &fargs! {"name" => name.clone(), "level" => up.0, "title" => escape(&up.1)},
                ));
            }
            line
        }
        CheckinOutcome::AlreadySigned { record, balance } => ctx.ta(
            lang,
            "economy-checkin-already",
            &fargs! {"name" => name, "position" => record.position, "balance" => balance},
        ),
    };
    send_checkin_reply(ctx, message, line);
    Ok(())
}

/// The deployment's secret for the sign-in bonus roll, read (or created, on the first sign-in ever) once
/// per running bot and then kept in memory: it never changes once stored.
async fn checkin_secret(ctx: &Ctx) -> crate::Result<[u8; 32]> {
    let known = ctx.local(std::sync::OnceLock::<[u8; 32]>::new);
    if let Some(secret) = known.get() {
        return Ok(*secret);
    }
    let fresh = *crate::fairness::Seed::generate().as_bytes();
    let secret = ctx
        .storage
        .commit(move |conn| {
            Box::pin(
                async move { Ok::<_, crate::Error>(store::checkin_secret(conn, fresh).await?) },
            )
        })
        .await?;
    Ok(*known.get_or_init(|| secret))
}

/// The new level (shown number and title) when `after` reaches a higher level than `before`.
pub(super) async fn level_up(
    conn: &mut sqlx::SqliteConnection,
    chat_id: i64,
    before: i64,
    after: i64,
) -> crate::Result<Option<(usize, String)>> {
    if after <= before {
        return Ok(None);
    }
    let levels = crate::facts::levels(conn, chat_id).await?;
    let (old, _) = levels.level_for(before);
    let (new, title) = levels.level_for(after);
    Ok((new > old).then(|| (new + 1, title.to_owned())))
}
impl EconomyCall<'_> {
    pub(super) async fn month(&self) -> HandlerResult {
        let clock = crate::facts::group_day(self.ctx, self.chat_id).await?;
        let today = clock.today(self.ctx.now());
        let Some(date) = crate::facts::day::date_of_day(today) else {
            return Ok(());
        };
        use chrono::Datelike;
        let first = crate::facts::day::day_of_date(date.with_day(1).unwrap_or(date));
        let mut conn = self.ctx.storage.read.acquire().await?;
        let days =
            store::signed_days(&mut conn, self.chat_id, self.sender_id, first, first + 31).await?;
        let signed: BTreeSet<i64> = days.into_iter().collect();
        let Some(grid) = streak::month_grid(&signed, date.year(), date.month(), today) else {
            return Ok(());
        };
        let labels_text = self.t("economy-weekdays");
        let labels: Vec<&str> = labels_text.split_whitespace().collect();
        let labels: [&str; 7] = labels
            .try_into()
            .unwrap_or(["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]);
        let title = self.ta(
            "economy-month-title",
            &fargs! {"name" => escape(&display_name(self.message)), "count" => grid.signed_count()},
        );
        let legend = self.ta("economy-month-legend", &fargs! {"day" => date.day()});
        self.say_html_long(format!(
            "{title}\n<pre>{}</pre>\n{legend}",
            escape(&grid.render(&labels))
        ))
        .await?;
        Ok(())
    }
}
