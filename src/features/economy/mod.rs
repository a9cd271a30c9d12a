//! The points economy: a double-entry ledger per group, daily sign-in with streaks and grace cards,
//! activity points and levels.
//!
//! The rooms:
//! - [`ledger`]   the only way any feature moves points: accounts, journal, balances (used by red packets
//!   and lotteries too)
//! - [`streak`]   pure sign-in rules: the local day, streaks, grace cards, the reward, the month calendar
//! - [`levels`]   pure level thresholds and titles, and the `/setlevels` parser
//! - [`wave`]     pure rules of coalescing sign-in replies and rank periods
//! - [`settings`] the `[economy]` settings
//! - [`store`]    the SQL of sign-ins, grace cards, per-group reset hour, levels and activity points
//!
//! This file is the Telegram glue: `/checkin` (and the plain words 签到 / 打卡), `/me`, `/rank`, `/levels`,
//! `/ledger`, `/transfer`, and the admin commands `/give`, `/take`, `/settz`, `/setreset`, `/setlevels`;
//! plus the ticker that pays activity points for the long messages the batched writer stored (a trigger
//! queues each write's long messages, and the ticker settles the queue, so no wall-clock mark decides
//! what counts).

pub mod ledger;
pub mod settings;
pub mod store;
pub mod streak;
pub mod wave;

use crate::args::ArgError;
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Ctx, Target, TargetError};
use crate::storage::groups as records;
use crate::telegram::admins::Right;
use crate::telegram::commands::{Audience, CommandInfo};
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, split, MAX_TEXT};
use crate::telegram::{Handler, HandlerResult};
use chrono_tz::Tz;
use futures::future::BoxFuture;
use futures::FutureExt;
use ledger::{Account, LedgerError, Move};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;
use store::CheckinOutcome;
use teloxide::prelude::*;
use teloxide::types::{ChatKind, PublicChatKind};
use teloxide::utils::command::BotCommands;
use wave::{Period, RankKind};

/// The commands of this feature.
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "checkin",
        description: "economy-cmd-checkin",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "me",
        description: "economy-cmd-me",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "rank",
        description: "economy-cmd-rank",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "levels",
        description: "economy-cmd-levels",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "ledger",
        description: "economy-cmd-ledger",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "transfer",
        description: "economy-cmd-transfer",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "give",
        description: "economy-cmd-give",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "take",
        description: "economy-cmd-take",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "settz",
        description: "economy-cmd-settz",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "setreset",
        description: "economy-cmd-setreset",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "setlevels",
        description: "economy-cmd-setlevels",
        audience: Audience::Admins,
    },
];

#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
enum Command {
    Checkin(String),
    Me,
    Rank(String),
    Levels,
    Ledger(String),
    Transfer(String),
    Give(String),
    Take(String),
    Settz(String),
    Setreset(String),
    Setlevels(String),
}

/// How many entries `/ledger` shows.
const LEDGER_ENTRIES: u32 = 20;
/// How many members `/rank` lists.
const RANK_TOP: usize = 10;
/// The most pending activity rows one pass of the ticker settles; the rest waits for the next pass.
const ACTIVITY_BATCH: u32 = 10_000;
/// How long what was paid per message minute is kept. Telegram keeps undelivered updates for a day, so no
/// message older than this can still arrive; pending messages older than this are not paid (their day's
/// cap could no longer be checked).
const ACTIVITY_HISTORY_MINUTES: i64 = 7 * 24 * 60;

/// This feature's branch of the handler tree: its commands, and the plain words 签到 / 打卡 in groups.
/// `/rank invites …` is left to the referral feature (the update goes on to the branches after this one).
pub fn handler() -> Handler {
    Update::filter_message()
        .branch(
            dptree::entry()
                .filter_command::<Command>()
                .filter(|command: Command| !matches!(&command, Command::Rank(args) if ranks_invites(args)))
                .endpoint(on_command),
        )
        .branch(dptree::filter(|m: Message| is_checkin_word(&m)).endpoint(on_checkin_word))
}

/// Whether `/rank` arguments ask for the invite leaderboard (`invites` or 邀请 first), which is not ours.
fn ranks_invites(args: &str) -> bool {
    args.split_whitespace()
        .next()
        .is_some_and(|word| matches!(word.to_lowercase().as_str(), "invites" | "invite" | "邀请"))
}

fn is_checkin_word(message: &Message) -> bool {
    message.chat.id.0 < 0
        && message.from.as_ref().is_some_and(|user| !user.is_bot)
        && message
            .text()
            .is_some_and(|text| matches!(text.trim(), "签到" | "打卡"))
}

async fn on_checkin_word(ctx: Ctx, message: Message) -> HandlerResult {
    checkin(&ctx, &message).await
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    if message.chat.id.0 >= 0 {
        ctx.reply(&message, ctx.t(lang, "group-only"));
        return Ok(());
    }
    let admin_command = matches!(
        command,
        Command::Give(_)
            | Command::Take(_)
            | Command::Settz(_)
            | Command::Setreset(_)
            | Command::Setlevels(_)
    );
    let sender_id = match message.from.as_ref().filter(|user| !user.is_bot) {
        Some(sender) => sender.id.0 as i64,
        // An anonymous admin acts as the group (its id is recorded as the actor of give and take).
        None if admin_command => message.sender_chat.as_ref().map_or(0, |chat| chat.id.0),
        // Anonymous admins and channels have no wallet.
        None => {
            ctx.reply(&message, ctx.t(lang, "economy-no-wallet"));
            return Ok(());
        }
    };
    let call = Call {
        ctx: &ctx,
        message: &message,
        lang,
        chat_id: message.chat.id.0,
        sender_id,
    };
    match command {
        Command::Checkin(arg) => match arg.trim() {
            "" => checkin(&ctx, &message).await,
            "month" | "月" | "本月" => call.month().await,
            _ => {
                call.say(ctx.t(lang, "economy-checkin-usage"));
                Ok(())
            }
        },
        Command::Me => call.me().await,
        Command::Rank(arg) => call.rank(&arg).await,
        Command::Levels => call.levels().await,
        Command::Ledger(arg) => call.ledger(&arg).await,
        Command::Transfer(arg) => call.transfer(&arg).await,
        Command::Give(arg) => call.adjust(&arg, true).await,
        Command::Take(arg) => call.adjust(&arg, false).await,
        Command::Settz(arg) => call.settz(arg.trim()).await,
        Command::Setreset(arg) => call.setreset(arg.trim()).await,
        Command::Setlevels(arg) => call.setlevels(arg.trim()).await,
    }
}

/// One command call: who, where, in which language.
struct Call<'a> {
    ctx: &'a Ctx,
    message: &'a Message,
    lang: Lang,
    chat_id: i64,
    sender_id: i64,
}

/// A group's sign-in day: its time zone and reset hour.
type DayClock = crate::facts::GroupDay;

async fn day_clock(ctx: &Ctx, chat_id: i64) -> crate::Result<DayClock> {
    crate::facts::group_day(ctx, chat_id).await
}

fn display_name(message: &Message) -> String {
    message
        .from
        .as_ref()
        .map(crate::telegram::text::full_name)
        .unwrap_or_default()
}

/// Sign-in replies waiting to be sent as one message, per group, for one running bot (a restarted bot
/// in the same process starts its own waves).
#[derive(Default)]
struct Waves(Mutex<HashMap<i64, wave::Wave>>);

/// This bot's open sign-in waves.
fn waves(ctx: &Ctx) -> std::sync::Arc<Waves> {
    ctx.local(Waves::default)
}

/// How long a sign-in wave gathers replies in this deployment (see [`wave::wave_window`]: a wave uses at
/// most half of the group's send limit, and gathers at least `economy.min_wave_window`).
fn wave_window(ctx: &Ctx) -> Duration {
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
        .contains_key(&chat_id)
}

/// Sends a sign-in reply: the first of a wave at once as a reply, later ones within the wave's window
/// (see [`wave_window`]) gathered and sent together when the window closes.
fn send_checkin_reply(ctx: &Ctx, message: &Message, line: String) {
    let chat_id = message.chat.id.0;
    let waves = waves(ctx);
    let decision = waves
        .0
        .lock()
        .expect("waves lock")
        .entry(chat_id)
        .or_default()
        .offer(line);
    match decision {
        wave::Offer::SendNow(line) => {
            ctx.outbound
                .send_text(Text::html(chat_id, line).reply_to(message));
            let ctx = ctx.clone();
            let window = wave_window(&ctx);
            ctx.tasks.clone().spawn(async move {
                tokio::time::sleep(window).await;
                // The gathered lines are queued before the lock is released, so whoever sees the wave
                // closed (see [`wave_is_open`]) knows its message is already on its way.
                let mut open = waves.0.lock().expect("waves lock");
                let lines = open
                    .remove(&chat_id)
                    .map(|mut wave| wave.close())
                    .unwrap_or_default();
                if !lines.is_empty() {
                    for piece in split(&lines.join("\n"), MAX_TEXT) {
                        ctx.outbound.send_text(Text::html(chat_id, piece));
                    }
                }
            });
        }
        wave::Offer::Gathered => {}
    }
}

async fn checkin(ctx: &Ctx, message: &Message) -> HandlerResult {
    let lang = ctx.lang_for(message).await;
    let chat_id = message.chat.id.0;
    let Some(user) = message.from.as_ref().filter(|user| !user.is_bot) else {
        return Ok(());
    };
    let user_id = user.id.0 as i64;
    let now = ctx.now();
    let clock = day_clock(ctx, chat_id).await?;
    let today = clock.today(now);
    let settings = &ctx.config.economy;
    let name = escape(&display_name(message));
    let mut conn = ctx.storage.write.acquire().await?;
    let earned_before = crate::facts::earned(&mut conn, chat_id, user_id).await?;
    // The bonus roll needs the deployment's secret only when there is a random bonus at all.
    let roll = if settings.checkin_random_max > 0 {
        let fresh = *crate::fairness::Seed::generate().as_bytes();
        let secret = store::checkin_secret(&mut conn, fresh).await?;
        wave::checkin_roll(&secret, chat_id, user_id, today)
    } else {
        0
    };
    let outcome = store::check_in(&mut conn, chat_id, user_id, today, now, settings, roll).await?;
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
            let earned_after = crate::facts::earned(&mut conn, chat_id, user_id).await?;
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
    drop(conn);
    send_checkin_reply(ctx, message, line);
    Ok(())
}

/// The new level (shown number and title) when `after` reaches a higher level than `before`.
async fn level_up(
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

impl Call<'_> {
    fn say(&self, text: String) {
        self.ctx.reply(self.message, text);
    }

    fn say_html(&self, html: String) {
        for piece in split(&html, MAX_TEXT) {
            self.ctx.reply_html(self.message, piece);
        }
    }

    fn amount_error(&self, error: &ArgError) -> String {
        match error {
            ArgError::NotANumber(text) => self.ctx.ta(
                self.lang,
                "economy-amount-not-number",
                &fargs! {"text" => text.clone()},
            ),
            ArgError::NotPositive => self.ctx.t(self.lang, "economy-amount-not-positive"),
            ArgError::TooLarge { max } => self.ctx.ta(
                self.lang,
                "economy-amount-too-large",
                &fargs! {"max" => *max},
            ),
            _ => self.ctx.t(self.lang, "economy-amount-not-positive"),
        }
    }

    /// Resolves the target of a command; on failure tells the member why and returns `None`.
    async fn target<'b>(
        &self,
        args: &'b str,
        usage: &str,
    ) -> crate::Result<Option<(Target, &'b str)>> {
        match self.ctx.resolve_target(self.message, args).await {
            Ok((Some(target), rest)) => {
                if target.is_bot {
                    self.say(self.ctx.t(self.lang, "economy-target-bot"));
                    return Ok(None);
                }
                // A replied-to author is here; an @username or id must belong to someone seen here.
                if self.message.reply_to_message().is_none() {
                    let mut conn = self.ctx.storage.read.acquire().await?;
                    let known =
                        crate::storage::members::get(&mut conn, self.chat_id, target.user_id)
                            .await?
                            .is_some();
                    if !known {
                        self.say(self.ctx.ta(
                            self.lang,
                            "economy-unknown-member",
                            &fargs! {"id" => target.user_id},
                        ));
                        return Ok(None);
                    }
                }
                Ok(Some((target, rest)))
            }
            Ok((None, _)) => {
                self.say(self.ctx.t(self.lang, usage));
                Ok(None)
            }
            Err(TargetError::UnknownUsername(name)) => {
                self.say(self.ctx.ta(
                    self.lang,
                    "economy-unknown-user",
                    &fargs! {"username" => name},
                ));
                Ok(None)
            }
            Err(TargetError::Storage(err)) => Err(err),
        }
    }

    async fn month(&self) -> HandlerResult {
        let clock = day_clock(self.ctx, self.chat_id).await?;
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
        let labels_text = self.ctx.t(self.lang, "economy-weekdays");
        let labels: Vec<&str> = labels_text.split_whitespace().collect();
        let labels: [&str; 7] = labels
            .try_into()
            .unwrap_or(["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]);
        let title = self.ctx.ta(
            self.lang,
            "economy-month-title",
            &fargs! {"name" => escape(&display_name(self.message)), "count" => grid.signed_count()},
        );
        self.say_html(format!(
            "{title}\n<pre>{}</pre>",
            escape(&grid.render(&labels))
        ));
        Ok(())
    }

    async fn me(&self) -> HandlerResult {
        let clock = day_clock(self.ctx, self.chat_id).await?;
        let now = self.ctx.now();
        let today = clock.today(now);
        let mut conn = self.ctx.storage.read.acquire().await?;
        let balance =
            ledger::balance(&mut conn, self.chat_id, Account::Wallet(self.sender_id)).await?;
        let earned = crate::facts::earned(&mut conn, self.chat_id, self.sender_id).await?;
        let levels = crate::facts::levels(&mut conn, self.chat_id).await?;
        let (level, title) = levels.level_for(earned);
        let last = store::last_checkin(&mut conn, self.chat_id, self.sender_id).await?;
        let cards = store::grace_cards(&mut conn, self.chat_id, self.sender_id).await?;
        let streak_now = streak::live_streak(
            last.as_ref().map(|l| l.day),
            last.as_ref()
                .map_or(0, |l| u32::try_from(l.streak).unwrap_or(u32::MAX)),
            today,
            cards,
        );
        let rank = ledger::wallet_rank(&mut conn, self.chat_id, self.sender_id).await?;
        let week_minute = (now - 7 * 86_400).div_euclid(60);
        let messages = store::messages_since(&mut conn, self.chat_id, week_minute)
            .await?
            .into_iter()
            .find(|(user, _)| *user == self.sender_id)
            .map_or(0, |(_, n)| n);
        let next = levels
            .next_level(earned)
            .map(|next| {
                self.ctx.ta(
                    self.lang,
                    "economy-me-next",
                    &fargs! {"left" => next.threshold - earned, "title" => escape(&next.title)},
                )
            })
            .unwrap_or_default();
        self.say_html(self.ctx.ta(
            self.lang,
            "economy-me",
            &fargs! {
                "name" => escape(&display_name(self.message)),
                "balance" => balance,
                "level" => level + 1,
                "title" => escape(title),
                "next" => next,
                "streak" => streak_now,
                "cards" => cards,
                "rank" => rank,
                "messages" => messages,
            },
        ));
        Ok(())
    }

    async fn rank(&self, args: &str) -> HandlerResult {
        let Some((kind, period)) = wave::parse_rank_args(args) else {
            self.say(self.ctx.t(self.lang, "economy-rank-usage"));
            return Ok(());
        };
        let clock = day_clock(self.ctx, self.chat_id).await?;
        let now = self.ctx.now();
        let today = clock.today(now);
        let first_day = wave::period_first_day(period, today);
        let mut conn = self.ctx.storage.read.acquire().await?;
        let rows = match (kind, first_day) {
            (RankKind::Points, None) => {
                let mut rows =
                    ledger::top_wallets(&mut conn, self.chat_id, RANK_TOP as u32).await?;
                let own = ledger::balance(&mut conn, self.chat_id, Account::Wallet(self.sender_id))
                    .await?;
                let position = ledger::wallet_rank(&mut conn, self.chat_id, self.sender_id).await?;
                rows.truncate(RANK_TOP);
                let own = (own > 0).then_some((position, own));
                return self.show_rank(&mut conn, kind, period, rows, own).await;
            }
            (RankKind::Points, Some(first)) => {
                store::points_gained_since(&mut conn, self.chat_id, clock.start(first)).await?
            }
            (RankKind::Checkin, first) => {
                store::all_checkin_counts(&mut conn, self.chat_id, first.unwrap_or(i64::MIN), today)
                    .await?
            }
            (RankKind::Messages, first) => {
                let since = first.map_or(i64::MIN, |first| clock.start(first).div_euclid(60));
                store::messages_since(&mut conn, self.chat_id, since).await?
            }
        };
        let own = rows
            .iter()
            .position(|(user, _)| *user == self.sender_id)
            .map(|index| (index as i64 + 1, rows[index].1));
        let top: Vec<(i64, i64)> = rows.into_iter().take(RANK_TOP).collect();
        self.show_rank(&mut conn, kind, period, top, own).await
    }

    async fn show_rank(
        &self,
        conn: &mut sqlx::SqliteConnection,
        kind: RankKind,
        period: Period,
        top: Vec<(i64, i64)>,
        own: Option<(i64, i64)>,
    ) -> HandlerResult {
        let title = self.ctx.ta(
            self.lang,
            "economy-rank-title",
            &fargs! {
                "kind" => self.ctx.t(self.lang, &format!("economy-rank-kind-{}", kind.word())),
                "period" => self.ctx.t(self.lang, &format!("economy-rank-period-{}", period.word())),
            },
        );
        let mut text = format!("<b>{}</b>\n", escape(&title));
        if top.is_empty() {
            text.push_str(&escape(&self.ctx.t(self.lang, "economy-rank-empty")));
            text.push('\n');
        }
        for (index, (user, value)) in top.iter().enumerate() {
            let name = crate::storage::members::get_user(conn, *user)
                .await?
                .map(|u| u.full_name())
                .unwrap_or_else(|| user.to_string());
            text.push_str(&format!("{}. {} — {value}\n", index + 1, escape(&name)));
        }
        text.push_str(&escape(&match own {
            Some((position, value)) => self.ctx.ta(
                self.lang,
                "economy-rank-you",
                &fargs! {"position" => position, "value" => value},
            ),
            None => self.ctx.t(self.lang, "economy-rank-you-none"),
        }));
        self.say_html(text);
        Ok(())
    }

    async fn levels(&self) -> HandlerResult {
        let mut conn = self.ctx.storage.read.acquire().await?;
        let levels = crate::facts::levels(&mut conn, self.chat_id).await?;
        let mut text = format!(
            "<b>{}</b>\n",
            escape(&self.ctx.t(self.lang, "economy-levels-title"))
        );
        for (index, level) in levels.as_slice().iter().enumerate() {
            text.push_str(&format!(
                "LV{} {} — {}\n",
                index + 1,
                escape(&level.title),
                level.threshold
            ));
        }
        text.push_str(&escape(&self.ctx.t(self.lang, "economy-levels-basis")));
        self.say_html(text);
        Ok(())
    }

    async fn setlevels(&self, arg: &str) -> HandlerResult {
        if let Some(refusal) = self
            .ctx
            .refusal(self.message, Right::ChangeInfo, self.lang)
            .await?
        {
            self.say(refusal);
            return Ok(());
        }
        if arg.is_empty() {
            let mut conn = self.ctx.storage.read.acquire().await?;
            let current = crate::facts::levels(&mut conn, self.chat_id).await?;
            self.say(self.ctx.ta(
                self.lang,
                "economy-setlevels-usage",
                &fargs! {"current" => current.to_command_text()},
            ));
            return Ok(());
        }
        let chosen = if matches!(arg, "default" | "reset" | "默认") {
            None
        } else {
            match crate::facts::levels::Levels::parse(arg) {
                Ok(levels) => Some(levels),
                Err(err) => {
                    self.say(self.ctx.ta(
                        self.lang,
                        "economy-setlevels-bad",
                        &fargs! {"why" => levels_error_text(&self.ctx.i18n, self.lang, &err)},
                    ));
                    return Ok(());
                }
            }
        };
        let mut conn = self.ctx.storage.write.acquire().await?;
        store::set_levels(&mut conn, self.chat_id, chosen.as_ref()).await?;
        let now = crate::facts::levels(&mut conn, self.chat_id).await?;
        self.say(self.ctx.ta(
            self.lang,
            "economy-setlevels-done",
            &fargs! {"levels" => now.to_command_text()},
        ));
        Ok(())
    }

    async fn ledger(&self, args: &str) -> HandlerResult {
        let args = args.trim();
        let wants_other = !args.is_empty() || self.message.reply_to_message().is_some();
        let (user_id, name) = if wants_other {
            let Some((target, _)) = self.target(args, "economy-ledger-usage").await? else {
                return Ok(());
            };
            if target.user_id != self.sender_id
                && self.ctx.admins.sender_rights(self.message).await?.is_none()
            {
                self.say(self.ctx.t(self.lang, "economy-ledger-own-only"));
                return Ok(());
            }
            (target.user_id, target.name)
        } else {
            (self.sender_id, display_name(self.message))
        };
        let clock = day_clock(self.ctx, self.chat_id).await?;
        let mut conn = self.ctx.storage.read.acquire().await?;
        let entries = ledger::entries_for(&mut conn, self.chat_id, user_id, LEDGER_ENTRIES).await?;
        let balance = ledger::balance(&mut conn, self.chat_id, Account::Wallet(user_id)).await?;
        let mut text = format!(
            "<b>{}</b>\n",
            escape(&self.ctx.ta(
                self.lang,
                "economy-ledger-title",
                &fargs! {"name" => name, "balance" => balance},
            ))
        );
        if entries.is_empty() {
            text.push_str(&escape(&self.ctx.t(self.lang, "economy-ledger-empty")));
        }
        for entry in &entries {
            let delta = entry.delta_for(Account::Wallet(user_id));
            let when = chrono::DateTime::from_timestamp(entry.at, 0)
                .map(|t| t.with_timezone(&clock.tz).format("%m-%d %H:%M").to_string())
                .unwrap_or_default();
            let reason_id = format!("economy-reason-{}", entry.reason);
            let mut reason = self.ctx.t(self.lang, &reason_id);
            if reason == reason_id {
                reason = entry.reason.clone();
            }
            let note = entry
                .reference
                .as_deref()
                .and_then(|r| r.strip_prefix("note:"))
                .map(|note| format!(" · {note}"))
                .unwrap_or_default();
            text.push_str(&format!(
                "{when} {delta:+} {}{}\n",
                escape(&reason),
                escape(&note)
            ));
        }
        self.say_html(text);
        Ok(())
    }

    async fn adjust(&self, args: &str, give: bool) -> HandlerResult {
        if let Some(refusal) = self
            .ctx
            .refusal(self.message, Right::Restrict, self.lang)
            .await?
        {
            self.say(refusal);
            return Ok(());
        }
        let usage = if give {
            "economy-give-usage"
        } else {
            "economy-take-usage"
        };
        let Some((target, rest)) = self.target(args, usage).await? else {
            return Ok(());
        };
        let (amount_text, note) = match rest.trim().split_once(char::is_whitespace) {
            Some((amount, note)) => (amount, note.trim()),
            None => (rest.trim(), ""),
        };
        if amount_text.is_empty() {
            self.say(self.ctx.t(self.lang, usage));
            return Ok(());
        }
        let amount =
            match crate::args::parse_amount(amount_text, self.ctx.config.economy.max_amount) {
                Ok(amount) => amount,
                Err(err) => {
                    self.say(self.amount_error(&err));
                    return Ok(());
                }
            };
        let note: String = note.chars().take(100).collect();
        let reference = (!note.is_empty()).then(|| format!("note:{note}"));
        let (from, to, reason) = if give {
            (
                Account::Mint,
                Account::Wallet(target.user_id),
                ledger::reason::ADMIN_GIVE,
            )
        } else {
            (
                Account::Wallet(target.user_id),
                Account::Mint,
                ledger::reason::ADMIN_TAKE,
            )
        };
        let mut tx = self.ctx.storage.write.begin().await?;
        let earned_before = crate::facts::earned(&mut tx, self.chat_id, target.user_id).await?;
        let moved = ledger::transfer(
            &mut tx,
            &Move {
                chat_id: self.chat_id,
                from,
                to,
                amount,
                reason,
                actor: Some(self.sender_id),
                reference: reference.as_deref(),
                at: self.ctx.now(),
            },
        )
        .await;
        match moved {
            Ok(_) => {}
            Err(LedgerError::Insufficient { balance }) => {
                tx.rollback().await?;
                self.say_html(self.ctx.ta(
                    self.lang,
                    "economy-take-short",
                    &fargs! {"target" => target.mention_html(), "balance" => balance, "amount" => amount},
                ));
                return Ok(());
            }
            Err(LedgerError::Overflow) => {
                tx.rollback().await?;
                self.say(self.ctx.t(self.lang, "economy-overflow"));
                return Ok(());
            }
            Err(err) => return Err(err.into()),
        }
        let balance =
            ledger::balance(&mut tx, self.chat_id, Account::Wallet(target.user_id)).await?;
        let earned_after = crate::facts::earned(&mut tx, self.chat_id, target.user_id).await?;
        let up = level_up(&mut tx, self.chat_id, earned_before, earned_after).await?;
        tx.commit().await?;
        let mut text = self.ctx.ta(
            self.lang,
            if give {
                "economy-give-done"
            } else {
                "economy-take-done"
            },
            &fargs! {
                "admin" => crate::telegram::text::mention_html(self.sender_id, &display_name(self.message)),
                "target" => target.mention_html(),
                "amount" => amount,
                "balance" => balance,
            },
        );
        if !note.is_empty() {
            text.push('\n');
            text.push_str(&self.ctx.ta(
                self.lang,
                "economy-note",
                &fargs! {"note" => escape(&note)},
            ));
        }
        if let Some((level, title)) = up {
            text.push('\n');
            text.push_str(&self.ctx.ta(
                self.lang,
                "economy-levelup",
                &fargs! {"name" => escape(&target.name), "level" => level, "title" => escape(&title)},
            ));
        }
        self.say_html(text);
        Ok(())
    }

    async fn transfer(&self, args: &str) -> HandlerResult {
        let settings = &self.ctx.config.economy;
        if !settings.transfer_enabled {
            self.say(self.ctx.t(self.lang, "economy-transfer-off"));
            return Ok(());
        }
        let Some((target, rest)) = self.target(args, "economy-transfer-usage").await? else {
            return Ok(());
        };
        if target.user_id == self.sender_id {
            self.say(self.ctx.t(self.lang, "economy-transfer-self"));
            return Ok(());
        }
        let amount_text = rest.split_whitespace().next().unwrap_or("");
        if amount_text.is_empty() {
            self.say(self.ctx.t(self.lang, "economy-transfer-usage"));
            return Ok(());
        }
        let amount = match crate::args::parse_amount(amount_text, settings.max_amount) {
            Ok(amount) => amount,
            Err(err) => {
                self.say(self.amount_error(&err));
                return Ok(());
            }
        };
        let clock = day_clock(self.ctx, self.chat_id).await?;
        let now = self.ctx.now();
        let since = clock.start(clock.today(now));
        let mut tx = self.ctx.storage.write.begin().await?;
        if settings.transfer_daily_limit > 0 {
            let sent = ledger::sent_since(
                &mut tx,
                self.chat_id,
                self.sender_id,
                ledger::reason::TRANSFER,
                since,
            )
            .await?;
            if sent + amount > settings.transfer_daily_limit {
                tx.rollback().await?;
                self.say(self.ctx.ta(
                    self.lang,
                    "economy-transfer-limit",
                    &fargs! {
                        "limit" => settings.transfer_daily_limit,
                        "left" => (settings.transfer_daily_limit - sent).max(0),
                    },
                ));
                return Ok(());
            }
        }
        let moved = ledger::transfer(
            &mut tx,
            &Move {
                chat_id: self.chat_id,
                from: Account::Wallet(self.sender_id),
                to: Account::Wallet(target.user_id),
                amount,
                reason: ledger::reason::TRANSFER,
                actor: None,
                reference: None,
                at: now,
            },
        )
        .await;
        match moved {
            Ok(_) => {}
            Err(LedgerError::Insufficient { balance }) => {
                tx.rollback().await?;
                self.say(self.ctx.ta(
                    self.lang,
                    "economy-transfer-short",
                    &fargs! {"balance" => balance, "amount" => amount},
                ));
                return Ok(());
            }
            Err(LedgerError::Overflow) => {
                tx.rollback().await?;
                self.say(self.ctx.t(self.lang, "economy-overflow"));
                return Ok(());
            }
            Err(err) => return Err(err.into()),
        }
        let balance =
            ledger::balance(&mut tx, self.chat_id, Account::Wallet(self.sender_id)).await?;
        tx.commit().await?;
        self.say_html(self.ctx.ta(
            self.lang,
            "economy-transfer-done",
            &fargs! {"target" => target.mention_html(), "amount" => amount, "balance" => balance},
        ));
        Ok(())
    }

    /// Makes sure the group has a record (the bot may have been added while it was not running).
    async fn ensure_group(&self, conn: &mut sqlx::SqliteConnection) -> crate::Result<()> {
        if records::get(conn, self.chat_id).await?.is_none() {
            let kind = match &self.message.chat.kind {
                ChatKind::Public(public) if matches!(public.kind, PublicChatKind::Group) => "group",
                _ => "supergroup",
            };
            records::upsert_on_join(
                conn,
                &records::NewGroup {
                    chat_id: self.chat_id,
                    kind,
                    title: self.message.chat.title().unwrap_or_default(),
                    username: self.message.chat.username(),
                    language: self.lang.code(),
                    added_by: None,
                    now: self.ctx.now(),
                },
            )
            .await?;
        }
        Ok(())
    }

    async fn settz(&self, arg: &str) -> HandlerResult {
        if let Some(refusal) = self
            .ctx
            .refusal(self.message, Right::ChangeInfo, self.lang)
            .await?
        {
            self.say(refusal);
            return Ok(());
        }
        if arg.is_empty() {
            let clock = day_clock(self.ctx, self.chat_id).await?;
            self.say(self.ctx.ta(
                self.lang,
                "economy-settz-usage",
                &fargs! {"zone" => clock.tz.name().to_owned()},
            ));
            return Ok(());
        }
        let Ok(zone) = arg.parse::<Tz>() else {
            self.say(self.ctx.ta(
                self.lang,
                "economy-settz-bad",
                &fargs! {"zone" => arg.to_owned()},
            ));
            return Ok(());
        };
        let mut conn = self.ctx.storage.write.acquire().await?;
        self.ensure_group(&mut conn).await?;
        records::set_timezone(&mut conn, self.chat_id, Some(zone.name())).await?;
        if let Some(record) = records::get(&mut conn, self.chat_id).await? {
            self.ctx.groups.put(record);
        }
        self.say(self.ctx.ta(
            self.lang,
            "economy-settz-done",
            &fargs! {"zone" => zone.name().to_owned()},
        ));
        Ok(())
    }

    async fn setreset(&self, arg: &str) -> HandlerResult {
        if let Some(refusal) = self
            .ctx
            .refusal(self.message, Right::ChangeInfo, self.lang)
            .await?
        {
            self.say(refusal);
            return Ok(());
        }
        let hour = match arg.parse::<u8>() {
            Ok(hour) if hour <= 23 => hour,
            _ => {
                self.say(self.ctx.t(self.lang, "economy-setreset-usage"));
                return Ok(());
            }
        };
        let mut conn = self.ctx.storage.write.acquire().await?;
        store::set_reset_hour(&mut conn, self.chat_id, Some(hour)).await?;
        self.say(
            self.ctx
                .ta(self.lang, "economy-setreset-done", &fargs! {"hour" => hour}),
        );
        Ok(())
    }
}

/// Why a `/setlevels` text was refused, in the group's language (each [`crate::facts::levels::LevelsError`] has its own
/// message; the English `Display` is for logs).
fn levels_error_text(
    i18n: &crate::i18n::I18n,
    lang: Lang,
    err: &crate::facts::levels::LevelsError,
) -> String {
    use crate::facts::levels::LevelsError as E;
    match err {
        E::Empty => i18n.t(lang, "economy-levels-error-empty"),
        E::BadEntry(entry) => i18n.ta(
            lang,
            "economy-levels-error-bad-entry",
            &fargs! {"entry" => entry.clone()},
        ),
        E::NotFromZero(points) => i18n.ta(
            lang,
            "economy-levels-error-not-from-zero",
            &fargs! {"points" => *points},
        ),
        E::Unsorted { previous, next } => i18n.ta(
            lang,
            "economy-levels-error-unsorted",
            &fargs! {"previous" => *previous, "next" => *next},
        ),
        E::Duplicate(points) => i18n.ta(
            lang,
            "economy-levels-error-duplicate",
            &fargs! {"points" => *points},
        ),
        E::EmptyTitle(points) => i18n.ta(
            lang,
            "economy-levels-error-empty-title",
            &fargs! {"points" => *points},
        ),
        E::TitleTooLong(points) => i18n.ta(
            lang,
            "economy-levels-error-title-too-long",
            &fargs! {"points" => *points, "max" => crate::facts::levels::MAX_TITLE_CHARS},
        ),
        E::TooMany => i18n.ta(
            lang,
            "economy-levels-error-too-many",
            &fargs! {"max" => crate::facts::levels::MAX_LEVELS},
        ),
    }
}

/// How often the economy's periodic work runs: every `economy.activity_interval`.
pub fn tick_every(config: &crate::config::Config) -> std::time::Duration {
    config.economy.activity_interval.get()
}

/// The economy's periodic work: pays activity points for the long messages the activity writer stored
/// since the last run, and announces level-ups, one message per group.
pub fn tick(ctx: Ctx) -> BoxFuture<'static, crate::Result<()>> {
    async move { pay_activity(&ctx).await }.boxed()
}

/// A group's new long messages: (member, day) → (minute → messages).
type GroupActivity = BTreeMap<(i64, i64), BTreeMap<i64, i64>>;

/// Settles the queue of stored long messages (see `store::PendingActivity`): per group and member, each
/// message's minute falls in a day as the group cuts its days now, and each day pays up to its cap.
async fn pay_activity(ctx: &Ctx) -> crate::Result<()> {
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
    let mut clocks: HashMap<i64, DayClock> = HashMap::new();
    for row in &pending {
        let days = work.entry(row.chat_id).or_default();
        if row.minute < oldest {
            continue;
        }
        let clock = match clocks.get(&row.chat_id) {
            Some(clock) => *clock,
            None => {
                let clock = day_clock(ctx, row.chat_id).await?;
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
            ctx.outbound.send_text(Text::html(chat_id, piece));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::I18n;

    /// Every journal reason written anywhere in the features, found in the sources: `reason: "…"` fields
    /// and `…REASON…: &str = "…"` constants outside test modules, plus the economy's own constants.
    fn journal_reasons() -> BTreeSet<String> {
        let mut reasons: BTreeSet<String> = [
            ledger::reason::CHECKIN,
            ledger::reason::ADMIN_GIVE,
            ledger::reason::ADMIN_TAKE,
            ledger::reason::TRANSFER,
            ledger::reason::ACTIVITY,
        ]
        .iter()
        .map(|r| r.to_string())
        .collect();
        let field = regex::Regex::new(r#"reason: "([a-z_]+)""#).unwrap();
        let constant = regex::Regex::new(r#"REASON[A-Z_]*: &str = "([a-z_]+)""#).unwrap();
        let mut folders =
            vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/features")];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let source = std::fs::read_to_string(&path).unwrap();
                let code = source.split("#[cfg(test)]").next().unwrap_or_default();
                for pattern in [&field, &constant] {
                    for found in pattern.captures_iter(code) {
                        reasons.insert(found[1].to_string());
                    }
                }
            }
        }
        reasons
    }

    #[test]
    fn every_journal_reason_has_wording_in_every_language() {
        let reasons = journal_reasons();
        for expected in ["packet", "packet_refund", "lottery", "referral"] {
            assert!(
                reasons.contains(expected),
                "{expected} not found: {reasons:?}"
            );
        }
        let i18n = I18n::shipped();
        for lang in Lang::ALL {
            for reason in &reasons {
                let id = format!("economy-reason-{reason}");
                assert!(i18n.has(lang, &id), "{id} is missing in {}", lang.code());
            }
        }
    }

    #[test]
    fn every_levels_error_is_worded_in_every_language() {
        use crate::facts::levels::LevelsError as E;
        let i18n = I18n::shipped();
        let errors = [
            E::Empty,
            E::BadEntry("x".into()),
            E::NotFromZero(5),
            E::Unsorted {
                previous: 50,
                next: 20,
            },
            E::Duplicate(50),
            E::EmptyTitle(50),
            E::TitleTooLong(50),
            E::TooMany,
        ];
        for lang in Lang::ALL {
            let texts: BTreeSet<String> = errors
                .iter()
                .map(|err| levels_error_text(&i18n, lang, err))
                .collect();
            assert_eq!(texts.len(), errors.len(), "{texts:?}");
            for text in &texts {
                assert!(!text.contains("economy-"), "{text}");
            }
        }
        let zh = levels_error_text(
            &i18n,
            Lang::Zh,
            &E::Unsorted {
                previous: 50,
                next: 20,
            },
        );
        assert!(
            zh.contains("50") && zh.contains("20") && !zh.contains("rising"),
            "{zh}"
        );
    }
}
