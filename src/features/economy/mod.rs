//! The points economy: a double-entry ledger per group, daily sign-in with streaks and grace cards,
//! activity points and levels.
//!
//! The rooms:
//! - [`ledger`]   the only way any feature moves points: accounts, journal, balances (used by red packets
//!   and lotteries too)
//! - `checkin`    sign-in: `/checkin`, the plain words 签到 / 打卡, `/checkin month`, replies gathered in waves
//! - `profile`    `/me` and `/levels`
//! - `rank`       `/rank` (`/rank invites` is left to the referral feature)
//! - `ledger_view` `/ledger`
//! - `transfer`   `/transfer`, a member paying another
//! - `adjust`     `/give` and `/take`, admins moving points between the mint and a member
//! - `group_settings` `/settz`, `/setreset` and `/setlevels`
//! - `activity_points` the periodic crediting of points for the long messages the batched writer stored (a
//!   trigger queues each write's long messages, and [`tick`] settles the queue, so no wall-clock mark decides
//!   what counts)
//! - `call`       the command call the flows share, and their shared helpers (targets, amounts)
//! - [`streak`]   pure sign-in rules: streaks, grace cards, the reward, the month calendar
//! - [`wave`]     pure rules of coalescing sign-in replies and rank periods
//! - [`store`]    the SQL of sign-ins, grace cards, per-group reset hour, levels and activity points
//! - [`settings`] the `[economy]` settings
//!
//! The group's day and a member's level come from [`crate::facts`].

mod activity_points;
mod adjust;
mod call;
mod checkin;
mod group_settings;
pub mod ledger;
mod ledger_view;
pub mod per_group;
mod profile;
mod rank;
pub mod settings;
pub mod store;
pub mod streak;
mod transfer;
pub mod wave;

pub use checkin::wave_is_open;

use crate::services::Call;
use crate::services::Ctx;
use crate::telegram::{Handler, HandlerResult};
use call::EconomyCall;
use checkin::checkin;
use futures::future::BoxFuture;
use futures::FutureExt;
use teloxide::prelude::*;

crate::feature_commands! {
    /// The economy's commands.
    enum Command in COMMANDS {
        Checkin(String) = "checkin", "economy-cmd-checkin", Everyone;
        Me = "me", "economy-cmd-me", Everyone;
        Rank(String) = "rank", "economy-cmd-rank", Everyone;
        Levels = "levels", "economy-cmd-levels", Everyone;
        Ledger(String) = "ledger", "economy-cmd-ledger", Everyone;
        Transfer(String) = "transfer", "economy-cmd-transfer", Everyone;
        Give(String) = "give", "economy-cmd-give", Admins;
        Take(String) = "take", "economy-cmd-take", Admins;
        Settz(String) = "settz", "economy-cmd-settz", Admins;
        Setreset(String) = "setreset", "economy-cmd-setreset", Admins;
        Setlevels(String) = "setlevels", "economy-cmd-setlevels", Admins;
    }
}

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

/// Whether a group message is a sign-in word (a game input the ad detector must not judge).
pub fn is_game_input<'a>(_: &'a Ctx, message: &'a Message) -> futures::future::BoxFuture<'a, bool> {
    Box::pin(std::future::ready(is_checkin_word(message)))
}

fn is_checkin_word(message: &Message) -> bool {
    message.chat.id.0 < 0
        && message.from.as_ref().is_some_and(|user| !user.is_bot)
        && message.text().is_some_and(streak::is_checkin_text)
}

async fn on_checkin_word(ctx: Ctx, message: Message) -> HandlerResult {
    checkin(&ctx, &message).await
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    if message.chat.id.0 >= 0 {
        ctx.reply_brief(&message, ctx.t(lang, "group-only"));
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
            ctx.reply_brief(&message, ctx.t(lang, "economy-no-wallet"));
            return Ok(());
        }
    };
    let call = EconomyCall {
        call: Call::in_lang(&ctx, &message, lang),
        sender_id,
    };
    match command {
        Command::Checkin(arg) => match arg.trim() {
            "" => checkin(&ctx, &message).await,
            "month" | "月" | "本月" => call.month().await,
            _ => {
                call.say(call.t("economy-checkin-usage"));
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

/// How often the economy's periodic work runs: every `economy.activity_interval`.
pub fn tick_every(config: &crate::config::Config) -> std::time::Duration {
    config.economy.activity_interval.get()
}

/// The economy's periodic work: pays activity points for the long messages the activity writer stored
/// since the last run, and announces level-ups, one message per group.
pub fn tick(ctx: Ctx) -> BoxFuture<'static, crate::Result<()>> {
    async move { activity_points::pay_activity(&ctx).await }.boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{I18n, Lang};
    use std::collections::BTreeSet;

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
}
