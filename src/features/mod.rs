//! What members, moderators and owners use, one folder per capability. Each folder has the same rooms:
//! `mod.rs` (the Telegram glue), a pure core, and `store.rs` (its SQL). Features never import each other;
//! anything that moves points goes through `economy::ledger`.
//!
//! - [`changes`]   the one way a per-group setting changes (checked, written, logged), from any of them
//! - [`admin_confirm`] commands anonymous admins send: an admin with the needed right confirms, and they run
//!   in that admin's name
//! - [`economy`]   points ledger, sign-in, activity points, levels, leaderboards, admin adjustments
//! - [`groups`]    the group record (bot added, removed, rights, supergroup upgrade), `/start`, `/help`, `/lang`
//! - [`lottery`]   lotteries: one-line creation, joining by button or keyword, timed and threshold draws
//!   anyone can verify (`/verify L5`), points prizes through the ledger, redemption codes
//! - [`moderation`] the rules engine that removes ad posters: filters, locks, flood, escalation, explanations,
//!   admin commands, reports, the moderation log and log channel, the trained ad detector
//! - [`pick_group`] admin commands sent in private: which group they are for, then run for it, answered in
//!   private
//! - [`privacy`]   `/forgetme`: a member has the bot delete what it holds about them
//! - [`sets`]      group sets: many groups run as one, with owners and managers, shared bans (spread by
//!   moderation) and settings copied from a template group, each change checked against the caller's
//!   rights in that group at that moment
//! - [`settings`]  `/settings`: the menu of a group's settings in private, and settings files to export and
//!   import, all through the settings model
//! - [`referral`]  referral and channel invite links, their validity and rewards, `/stats` and `/export`
//! - [`schedule`]  scheduled posts: once or on a calendar in the group's time zone, restart-safe, through the
//!   one scheduler
//! - [`redpacket`] red packets: lucky, equal, exclusive, 口令 and 答题 packets, claim rules, relays, `/verify P…`
//! - [`verify`]    the one owner of `/verify`: packet ids go to red packets, lottery ids to lotteries
//! - [`welcome`]   welcome and goodbye, the entry gate (captcha, quiz, join requests), rules, anti-raid

pub mod admin_confirm;
pub mod changes;
pub mod economy;
pub mod groups;
pub mod lottery;
pub mod moderation;
pub mod pick_group;
pub mod privacy;
pub mod redpacket;
pub mod referral;
pub mod schedule;
pub mod sets;
pub mod settings;
pub mod verify;
pub mod welcome;

use crate::i18n::Lang;
use crate::services::{Ctx, Services};
use crate::settings_model::{Spec, Value};
use crate::telegram::commands::{Audience, CommandInfo};
use crate::telegram::Handler;
use futures::future::BoxFuture;
use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope};

/// Every command of every feature, in the order `/help` lists them.
pub fn catalog() -> Vec<CommandInfo> {
    groups::COMMANDS
        .iter()
        .chain(moderation::COMMANDS)
        .chain(moderation::night_mode::COMMANDS)
        .chain(welcome::COMMANDS)
        .chain(economy::COMMANDS)
        .chain(redpacket::COMMANDS)
        .chain(verify::COMMANDS)
        .chain(lottery::COMMANDS)
        .chain(referral::COMMANDS)
        .chain(schedule::COMMANDS)
        .chain(privacy::COMMANDS)
        .chain(settings::COMMANDS)
        .chain(sets::COMMANDS)
        .copied()
        .collect()
}

/// The commands that do something in a private chat with the bot; every other command is for groups and is
/// left out of the private menu and the private `/help`.
const WORKS_IN_PRIVATE: &[&str] = &["start", "help", "lottery", "verify"];

/// Whether a command is offered (in the menu and `/help`) where it is asked: not `/transfer` while
/// transfers are off, and in a private chat only the commands that work there.
pub fn offered(config: &crate::config::Config, command: &CommandInfo, private: bool) -> bool {
    if command.name == "transfer" && !config.economy.transfer_enabled {
        return false;
    }
    !private || WORKS_IN_PRIVATE.contains(&command.name)
}

/// The wording id describing a command to someone: members' `/lottery` line names only what members do
/// with it (list, join, their codes), admins' line also creating, cancelling and drawing.
pub fn description(command: &CommandInfo, admin: bool) -> &'static str {
    if command.name == "lottery" && !admin {
        "lottery-cmd-lottery-member"
    } else {
        command.description
    }
}

/// The whole handler tree. Order matters: the first branch that handles an update ends its journey.
pub fn handler() -> Handler {
    dptree::entry()
        .chain(groups::private_chat_seen())
        .branch(admin_confirm::handler())
        .branch(settings::handler())
        .branch(sets::handler())
        .branch(pick_group::handler())
        .branch(moderation::handler())
        .branch(welcome::handler())
        .branch(groups::handler())
        .branch(verify::handler())
        .branch(redpacket::handler())
        .branch(economy::handler())
        .branch(lottery::handler())
        .branch(referral::handler())
        .branch(schedule::handler())
        .branch(privacy::handler())
        .branch(groups::private_hint())
}

/// Every feature's test of whether a group message is an input to one of its games: moderation keeps the
/// ad detector away from them (the admins' own rules still apply).
pub const GAME_INPUTS: &[crate::services::GameInputCheck] = &[
    lottery::is_game_input,
    redpacket::is_game_input,
    economy::is_game_input,
];

/// One feature's per-group settings: their descriptions in the settings model, and how they are read and
/// written through the feature's own store.
pub struct SettingSource {
    /// The settings, in menu order.
    pub specs: &'static [Spec],
    /// Reads a group's value of every one of `specs`, in their order.
    pub read: fn(Ctx, i64) -> BoxFuture<'static, crate::Result<Vec<Value>>>,
    /// Writes one checked value of a group and makes it take effect at once (what the feature keeps in
    /// memory about the group is reloaded or forgotten).
    pub write: fn(Ctx, i64, &'static Spec, Value) -> BoxFuture<'static, crate::Result<()>>,
    /// Whether a value the model accepts may be set in this group as it is now (an entry check needs a
    /// supergroup, a quiz check a quiz); [`any_group`] when every group may.
    pub allow: fn(Ctx, i64, &'static Spec, Value) -> BoxFuture<'static, crate::Result<Allowed>>,
}

/// Whether a group may take a value: yes, or why not.
pub type Allowed = Result<(), crate::settings_model::Invalid>;

/// The check of a feature whose settings every group may take.
pub fn any_group(
    _: Ctx,
    _: i64,
    _: &'static Spec,
    _: Value,
) -> BoxFuture<'static, crate::Result<Allowed>> {
    Box::pin(async { Ok(Ok(())) })
}

/// Every feature's per-group settings, in menu order.
pub const SETTING_SOURCES: &[SettingSource] = &[
    groups::per_group::SOURCE,
    economy::per_group::SOURCE,
    welcome::per_group::SOURCE,
    moderation::per_group::SOURCE,
    redpacket::per_group::SOURCE,
];

/// Every per-group setting, in menu order.
pub fn setting_specs() -> Vec<&'static Spec> {
    SETTING_SOURCES
        .iter()
        .flat_map(|s| s.specs.iter())
        .collect()
}

/// A setting by its key, with the source that reads and writes it.
pub fn setting(key: &str) -> Option<(&'static SettingSource, &'static Spec)> {
    SETTING_SOURCES
        .iter()
        .find_map(|source| Some((source, source.specs.iter().find(|s| s.key == key)?)))
}

/// One feature's periodic work: resolve the deadlines that are due at `ctx.now()`.
pub type Ticker = fn(Ctx) -> BoxFuture<'static, crate::Result<()>>;

/// How long a feature's periodic work may wait between two runs; zero runs it on every tick.
pub type Every = fn(&crate::config::Config) -> std::time::Duration;

fn every_tick(_: &crate::config::Config) -> std::time::Duration {
    std::time::Duration::ZERO
}

/// Every feature's periodic work, run in this order on each `timers.tick` (or less often, by its `Every`).
pub const TICKERS: &[(&str, Ticker, Every)] = &[
    ("moderation", moderation::tick, every_tick),
    ("welcome", welcome::tick, every_tick),
    ("economy", economy::tick, economy::tick_every),
    ("redpacket", redpacket::tick, every_tick),
    ("lottery", lottery::tick, every_tick),
    ("referral", referral::tick, every_tick),
    ("replies", crate::services::replies::tick, every_tick),
    ("scheduler", run_scheduler, every_tick),
];

/// Every kind of timed item the one scheduler runs, with the component that runs it, by feature.
pub const TIMER_KINDS: &[&[(&str, crate::scheduler::Run)]] =
    &[schedule::TIMER_KINDS, moderation::night_mode::TIMER_KINDS];

fn run_scheduler(ctx: Ctx) -> BoxFuture<'static, crate::Result<()>> {
    Box::pin(crate::scheduler::tick(ctx, TIMER_KINDS))
}

/// When each ticker last ran, by its name (in `ctx.now()` seconds); kept by the ticker loop.
pub type LastRuns = std::collections::HashMap<&'static str, i64>;

/// Runs every feature's periodic work that is due (see [`run_tickers`]).
pub async fn tick(ctx: &Ctx, last_runs: &mut LastRuns) {
    run_tickers(ctx, TICKERS, last_runs).await;
}

/// Runs each of `tickers` that is due, one after the other, each in its own error scope: a ticker that
/// fails or panics is logged (and reported to the error hook), and the others still run, now and on
/// every later pass.
pub async fn run_tickers(
    ctx: &Ctx,
    tickers: &[(&'static str, Ticker, Every)],
    last_runs: &mut LastRuns,
) {
    use futures::FutureExt;
    let now = ctx.now();
    for (name, ticker, every) in tickers {
        let every = every(&ctx.config).as_secs() as i64;
        if last_runs.get(name).is_some_and(|at| now - at < every) {
            continue;
        }
        last_runs.insert(name, now);
        let started = std::time::Instant::now();
        let outcome = std::panic::AssertUnwindSafe(ticker(ctx.clone()))
            .catch_unwind()
            .await;
        let took = started.elapsed();
        if took > std::time::Duration::from_millis(100) {
            tracing::info!(ticker = name, ?took, "periodic work took long");
        }
        let failure = match outcome {
            Ok(Ok(())) => continue,
            Ok(Err(err)) => err.to_string(),
            Err(panic) => format!("panicked: {}", crate::error::panic_text(&*panic)),
        };
        tracing::error!(ticker = name, error = %failure, "periodic work failed");
        if let Some(hook) = &ctx.error_hook {
            hook(format!("ticker {name}: {failure}"));
        }
    }
}

pub use crate::scheduler::each_due;

/// Registers the command menu: members see their commands, admins see all. Each scope gets three menus:
/// one without a language code (what clients in any other language see) in `i18n.default_language`, one
/// for `zh` in Chinese and one for `en` in English. A menu Telegram refuses is logged and the others are
/// still registered.
pub async fn register_commands(services: &Services) {
    let catalog = catalog();
    let menus = [
        (None, services.default_lang()),
        (Some("zh"), Lang::Zh),
        (Some("en"), Lang::En),
    ];
    for (language_code, lang) in menus {
        let list = |filter: &dyn Fn(Audience) -> bool, private: bool, admin: bool| {
            catalog
                .iter()
                .filter(|c| c.audience != Audience::Unlisted && filter(c.audience))
                .filter(|c| offered(&services.config, c, private))
                .map(|c| BotCommand::new(c.name, services.t(lang, description(c, admin))))
                .collect::<Vec<BotCommand>>()
        };
        let scopes = [
            (
                BotCommandScope::AllPrivateChats,
                list(&|a| a != Audience::Admins, true, false),
            ),
            (
                BotCommandScope::AllGroupChats,
                list(&|a| a == Audience::Everyone, false, false),
            ),
            (
                BotCommandScope::AllChatAdministrators,
                list(&|a| a != Audience::Private, false, true),
            ),
        ];
        for (scope, commands) in scopes {
            let mut request = services.bot.set_my_commands(commands).scope(scope.clone());
            if let Some(code) = language_code {
                request = request.language_code(code);
            }
            if let Err(err) = request.await {
                tracing::warn!(
                    %err,
                    ?scope,
                    language_code = language_code.unwrap_or("(none)"),
                    "could not register this command menu; registering the others"
                );
            }
        }
    }
}
