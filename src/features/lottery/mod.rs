//! Lotteries (抽奖): admins create one with a single line, members join by button or keyword, and a
//! commit-reveal draw anyone can recompute picks the winners of each tier at the set time or once enough members
//! joined. Points prizes are credited from the group's mint through the ledger; other prizes carry a redemption
//! code (核销码) sent privately and marked used with `/redeem`. `/verify L<id>` recomputes a draw.
//!
//! The rooms:
//! - `create`     creating a lottery from its one-line definition, and its announcement
//! - `list`       `/lottery list`, `cancel` and `draw`
//! - `join`       joining by the Join button or the keyword
//! - `run_draw`   the draw: winners, prizes credited or given a code, the result in the group
//! - `codes`      redemption codes: sending them, `/lottery` in private, `/redeem`
//! - [`verify`]   `/verify L<id>`, recomputing a draw
//! - [`parse`]    the pure parser of the one-line definition, and redemption-code spelling
//! - [`draw`]     the pure draw: (participants, tiers, seed, id) → winners → awards, reproducibly
//! - [`keywords`] the open lotteries' join keywords per group, in memory (no SQL for ordinary messages)
//! - [`store`]    the SQL; statuses are [`store::Status`]
//! - [`settings`] the `[lottery]` settings
//!
//! Draws and the announcement's participant count are resolved by [`tick`], so a draw that fell due while the
//! bot was down — its time passed, or its threshold was reached — happens right after start and says it came
//! late. Nobody joins once the draw time has passed, so a late draw has the participants an on-time draw
//! would have had. `/verify L<id>` answers in the lottery's own group, and in private to its participants
//! and the group's admins.

mod codes;
mod create;
pub mod draw;
mod join;
pub mod keywords;
mod list;
pub mod parse;
mod run_draw;
pub mod settings;
pub mod store;
pub mod verify;

use crate::fairness::{self, Kind};
use crate::services::{Call, Ctx};
use crate::telegram::{Handler, HandlerResult};
use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use codes::{my_codes, redeem};
use create::create;
use futures::future::BoxFuture;
use futures::FutureExt;
use join::{keyword_lottery, on_button, on_keyword};
use list::{cancel, draw_now, list};
use run_draw::run_draw;
use teloxide::prelude::*;

crate::feature_commands! {
    /// The lottery's commands.
    enum Command in COMMANDS {
        Lottery(String) = "lottery", "lottery-cmd-lottery", Everyone;
        Redeem(String) = "redeem", "lottery-cmd-redeem", Admins;
    }
}

/// The prefix of the Join button's callback data (`lt:<id>`).
const BUTTON_PREFIX: &str = "lt:";

/// Whether a group message is the join keyword of an open lottery (a game input the ad detector must
/// not judge).
pub fn is_game_input<'a>(ctx: &'a Ctx, message: &'a Message) -> BoxFuture<'a, bool> {
    async move {
        join::keyword_lottery(ctx.clone(), message.clone())
            .await
            .is_some()
    }
    .boxed()
}

/// This feature's branch of the handler tree. It takes `/lottery`, `/redeem`, presses of its own Join
/// buttons, and group messages that are exactly the join keyword of an open lottery there. (`/verify L…`
/// comes through [`crate::features::verify`].)
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
                .branch(dptree::filter_map_async(keyword_lottery).endpoint(on_keyword)),
        )
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

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let call = Call::new(&ctx, &message).await;
    match command {
        // In private, a bare /lottery lists the member's codes; anything more is for the group.
        Command::Lottery(args) if message.chat.is_private() && !args.trim().is_empty() => {
            call.say(call.t("lottery-private-in-group"));
            Ok(())
        }
        Command::Lottery(_) if message.chat.is_private() => my_codes(&call).await,
        Command::Lottery(args) => {
            let args = args.trim();
            match parse::subcommand(args) {
                _ if args.is_empty() => help(&call),
                Some(word) if !args.contains(['|', '｜']) => {
                    let rest = args
                        .split_once(char::is_whitespace)
                        .map_or("", |(_, rest)| rest.trim());
                    match word.as_str() {
                        "list" => list(&call).await,
                        "cancel" => cancel(&call, rest).await,
                        "draw" => draw_now(&call, rest).await,
                        _ => help(&call),
                    }
                }
                _ => create(&call, args).await,
            }
        }
        Command::Redeem(_) if message.chat.is_private() => {
            call.say(call.t("group-only"));
            Ok(())
        }
        Command::Redeem(code) => redeem(&call, code.trim()).await,
    }
}

fn help(call: &Call<'_>) -> HandlerResult {
    call.say_html(call.t("lottery-help"));
    Ok(())
}

/// A group's time zone for lottery times, and whether the group chose it with `/settz`.
#[derive(Debug, Clone, Copy)]
pub(super) struct GroupZone {
    /// The zone times are read and shown in.
    pub zone: Tz,
    /// Whether the group set it; otherwise it is the configured default (`economy.timezone`).
    pub chosen: bool,
}

impl GroupZone {
    /// The zone as a draw rule names it. A zone the group chose is named as `/settz` shows it. The
    /// configured default is named by its name in a Chinese group (北京时间 for the shipped Asia/Shanghai),
    /// and in any other language by its UTC offset at `at` with a pointer to `/settz`, so a group that never
    /// chose a zone is not told a city's time zone it never asked for.
    pub fn words(&self, ctx: &Ctx, lang: crate::i18n::Lang, at: i64) -> String {
        if self.chosen || lang == crate::i18n::Lang::Zh {
            return crate::facts::zones::display(self.zone, lang);
        }
        let offset = self
            .zone
            .timestamp_opt(at, 0)
            .single()
            .map_or(0, |time| time.offset().fix().local_minus_utc());
        ctx.ta(
            lang,
            "lottery-zone-default",
            &crate::fargs! {"offset" => utc_offset(offset)},
        )
    }
}

/// An offset from UTC in seconds written as `UTC+8`, `UTC-3:30` or `UTC`.
fn utc_offset(seconds: i32) -> String {
    if seconds == 0 {
        return "UTC".to_owned();
    }
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    match minutes % 60 {
        0 => format!("UTC{sign}{}", minutes / 60),
        rest => format!("UTC{sign}{}:{rest:02}", minutes / 60),
    }
}

/// The group's time zone, else the configured one, and whether the group chose it.
async fn group_tz(ctx: &Ctx, chat_id: i64) -> GroupZone {
    let chosen = match ctx.groups.get(&ctx.storage, chat_id).await {
        Ok(group) => group
            .and_then(|group| group.timezone.clone())
            .is_some_and(|zone| zone.parse::<Tz>().is_ok()),
        Err(_) => false,
    };
    let zone = crate::facts::group_zone(ctx, chat_id)
        .await
        .unwrap_or_else(|_| ctx.config.economy.tz());
    GroupZone { zone, chosen }
}

fn local_time(tz: Tz, at: i64) -> String {
    match tz.timestamp_opt(at, 0).single() {
        Some(time) => time.format("%Y-%m-%d %H:%M").to_string(),
        None => at.to_string(),
    }
}

/// Joins items with ", ", starting a new line after every `per_line` items, so that no line of a long list
/// is cut in the middle of an HTML tag when the text is split into messages.
fn in_lines(items: &[String], per_line: usize, separator: &str) -> String {
    items
        .chunks(per_line.max(1))
        .map(|chunk| chunk.join(separator))
        .collect::<Vec<_>>()
        .join(&format!("{}\n", separator.trim_end()))
}

/// A tier's label and prize as shown: the label the admin wrote before the prize (`一等奖 亚瑟士跑鞋`), else
/// the tier's own name in the group's language (`一等奖`, `Tier 1`); both HTML-escaped.
fn tier_label(ctx: &Ctx, lang: crate::i18n::Lang, tier: i64, name: &str) -> (String, String) {
    match parse::split_label(name) {
        Some((label, prize)) => (
            crate::telegram::text::escape(label),
            crate::telegram::text::escape(prize),
        ),
        None => (
            ctx.ta(lang, "lottery-tier-label", &crate::fargs! {"tier" => tier}),
            crate::telegram::text::escape(name),
        ),
    }
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
        let due = due.into_iter().map(|id| (id, id));
        super::each_due(&ctx, "lottery", "draw of lottery", due, |id| {
            run_draw(&ctx, id, now, false)
        })
        .await;
        let interval =
            i64::try_from(ctx.config.lottery.count_edit_interval.get().as_secs()).unwrap_or(10);
        let stale = {
            let mut conn = ctx.storage.read.acquire().await?;
            store::stale_counts(&mut conn, now - interval).await?
        };
        let stale = stale.into_iter().map(|(id, count)| (id, (id, count)));
        super::each_due(&ctx, "lottery", "count of lottery", stale, |(id, count)| {
            create::refresh_count(&ctx, id, count, now)
        })
        .await;
        Ok(())
    }
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_offsets_are_written_in_hours_and_minutes() {
        assert_eq!(utc_offset(8 * 3600), "UTC+8");
        assert_eq!(utc_offset(-(3 * 3600 + 1800)), "UTC-3:30");
        assert_eq!(utc_offset(5 * 3600 + 45 * 60), "UTC+5:45");
        assert_eq!(utc_offset(0), "UTC");
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
