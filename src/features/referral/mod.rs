//! Referral links (裂变), channel links (渠道码) and the review numbers (复盘).
//!
//! The rooms:
//! - [`rules`]    pure referral rules: pending / valid / void, periods, channel names
//! - [`stats`]    pure review numbers: the summary, the daily series and the CSV files
//! - [`chart`]    the PNG chart of daily joins, leaves and active members (embedded font)
//! - [`settings`] the `[referral]` settings
//! - [`store`]    the SQL of links, joins, referrals and the reads behind the review numbers
//!
//! One file per flow:
//! - `invite`    `/invite` (a member's personal link), `/invites` (own counts) and deleting the link notices
//! - `rank`      `/rank invites [week|month|all]` (the leaderboard of valid referrals; `/invites top …` too)
//! - `channel`   `/channel new <name>` and `/channel list` (admins)
//! - `review`    `/stats [7d|30d|90d]` and its chart (admins)
//! - `export`    `/export [7d|30d|90d]`, the CSV files (admins)
//! - `attribute` the ticker's reading of joins through the bot's links, and voiding both legs of an invite
//!   ring (taking a paid reward back through the ledger)
//! - `settle`    the ticker's settling of the pending referrals that are due, paying the inviter once
//! - `links`     making invite links through Telegram, for `invite` and `channel`
//!
//! This file routes the commands to them and runs the tick hook.

mod attribute;
mod channel;
pub mod chart;
mod export;
mod invite;
mod links;
mod rank;
mod review;
pub mod rules;
pub mod settings;
mod settle;
pub mod stats;
pub mod store;

use crate::services::{Call, Ctx};
use crate::telegram::{Handler, HandlerResult};
use futures::future::BoxFuture;
use futures::FutureExt;
use rules::Board;
use teloxide::prelude::*;

crate::feature_commands! {
    /// The referral commands.
    enum Command in COMMANDS {
        Invite = "invite", "referral-cmd-invite", Everyone;
        Invites(String) = "invites", "referral-cmd-invites", Everyone;
        Channel(String) = "channel", "referral-cmd-channel", Admins;
        Stats(String) = "stats", "referral-cmd-stats", Admins;
        Export(String) = "export", "referral-cmd-export", Admins;
    }
}

crate::feature_commands! {
    /// `/rank`: the economy answers every `/rank` but `/rank invites …`, which comes here. The economy lists
    /// `/rank` in `/help`, so this list stays out of it.
    enum RankCommand in RANK_COMMANDS {
        Rank(String) = "rank", "referral-cmd-invites", Unlisted;
    }
}

/// This feature's branch of the handler tree: its commands, and `/rank invites …`.
pub fn handler() -> Handler {
    Update::filter_message()
        .branch(
            dptree::entry()
                .filter_command::<Command>()
                .endpoint(on_command),
        )
        .branch(
            dptree::entry()
                .filter_command::<RankCommand>()
                .filter_map(|command: RankCommand| match command {
                    RankCommand::Rank(args) => rules::parse_rank_invites(&args),
                })
                .endpoint(on_rank_invites),
        )
}

/// `/rank invites [week|month|all]`; `board` is `None` when the period was not understood.
async fn on_rank_invites(ctx: Ctx, message: Message, board: Option<Board>) -> HandlerResult {
    let call = Call::new(&ctx, &message).await;
    if call.chat_id >= 0 {
        call.say(call.t("group-only"));
        return Ok(());
    }
    match board {
        Some(board) => rank::top_invites(&call, board).await,
        None => {
            call.say(call.t("referral-invites-usage"));
            Ok(())
        }
    }
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let call = Call::new(&ctx, &message).await;
    if call.chat_id >= 0 {
        call.say(call.t("group-only"));
        return Ok(());
    }
    match command {
        Command::Invite => invite::invite(&call).await,
        Command::Invites(args) => invite::invites(&call, args.trim()).await,
        Command::Channel(args) => channel::channel(&call, args.trim()).await,
        Command::Stats(args) => review::stats(&call, args.trim()).await,
        Command::Export(args) => export::export(&call, args.trim()).await,
    }
}

/// The sender as a member (not an anonymous admin, channel or bot).
fn member<'a>(call: &Call<'a>) -> Option<&'a teloxide::types::User> {
    call.message
        .from
        .as_ref()
        .filter(|user| !user.is_bot && call.message.sender_chat.is_none())
}

/// Whether the sender is an admin of the group; says so when not.
async fn require_admin(call: &Call<'_>) -> crate::Result<bool> {
    if call.ctx.admins.sender_rights(call.message).await?.is_some() {
        return Ok(true);
    }
    call.say(call.t("refuse-not-admin"));
    Ok(false)
}

/// A member's display name, or their id when the bot never saw them.
async fn name_of(conn: &mut sqlx::SqliteConnection, user_id: i64) -> crate::Result<String> {
    Ok(crate::storage::members::get_user(conn, user_id)
        .await?
        .map(|user| user.full_name())
        .unwrap_or_else(|| user_id.to_string()))
}

/// The periodic work: attribute new joins, settle pending referrals, delete expired link notices.
pub fn tick(ctx: Ctx) -> BoxFuture<'static, crate::Result<()>> {
    async move {
        // The three jobs are independent: one that fails does not keep the others from running.
        let jobs = [
            ("attribution", 0u8),
            ("settlement", 1),
            ("notice clean-up", 2),
        ];
        super::each_due(&ctx, "referral", "job", jobs, |job| {
            let ctx = &ctx;
            async move {
                match job {
                    0 => attribute::attribute_joins(ctx).await,
                    1 => settle::settle_pending(ctx).await,
                    _ => invite::delete_notices(ctx).await,
                }
            }
        })
        .await;
        Ok(())
    }
    .boxed()
}
