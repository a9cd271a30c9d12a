//! Referral links (裂变), channel links (渠道码) and the review numbers (复盘).
//!
//! The rooms:
//! - [`rules`]    pure referral rules: pending / valid / void, periods, channel names
//! - [`stats`]    pure review numbers: the summary, the daily series and the CSV files
//! - [`chart`]    the PNG chart of daily joins, leaves and active members (embedded font)
//! - [`settings`] the `[referral]` settings
//! - [`store`]    the SQL of links, joins, referrals and the reads behind the review numbers
//!
//! This file is the Telegram glue: `/invite` (a member's personal link), `/invites` (own counts),
//! `/rank invites [week|month|all]` (the leaderboard of valid referrals; `/invites top …` is the same), the
//! admin commands `/channel new <name>`, `/channel list`, `/stats [7d|30d|90d]` and
//! `/export [7d|30d|90d]`; plus the ticker that attributes joins through the bot's links (read from the
//! activity writer's member_events), voids both legs of an invite ring (taking a paid reward back through the
//! ledger), settles the pending referrals that are due, pays the inviter through the ledger once, and
//! deletes links it posted in the group.

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

use crate::fargs;
use crate::features::economy::ledger;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::Right;
use crate::telegram::commands::{Audience, CommandInfo};
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, mention_html};
use crate::telegram::{Handler, HandlerResult};
use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use futures::future::BoxFuture;
use futures::FutureExt;
use ledger::{Account, Move};
use rules::{Board, Resolution};
use teloxide::prelude::*;
use teloxide::types::{InputFile, MessageId};
use teloxide::utils::command::BotCommands;
use teloxide::RequestError;

/// The commands of this feature.
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "invite",
        description: "referral-cmd-invite",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "invites",
        description: "referral-cmd-invites",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "channel",
        description: "referral-cmd-channel",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "stats",
        description: "referral-cmd-stats",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "export",
        description: "referral-cmd-export",
        audience: Audience::Admins,
    },
];

#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
enum Command {
    Invite,
    Invites(String),
    Channel(String),
    Stats(String),
    Export(String),
}

/// `/rank`: the economy answers every `/rank` but `/rank invites …`, which comes here.
#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
enum RankCommand {
    Rank(String),
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
    let lang = ctx.lang_for(&message).await;
    if message.chat.id.0 >= 0 {
        ctx.reply(&message, ctx.t(lang, "group-only"));
        return Ok(());
    }
    let call = Call {
        ctx: &ctx,
        message: &message,
        lang,
        chat_id: message.chat.id.0,
    };
    match board {
        Some(board) => call.top_invites(board).await,
        None => {
            call.say(ctx.t(lang, "referral-invites-usage"));
            Ok(())
        }
    }
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    if message.chat.id.0 >= 0 {
        ctx.reply(&message, ctx.t(lang, "group-only"));
        return Ok(());
    }
    let call = Call {
        ctx: &ctx,
        message: &message,
        lang,
        chat_id: message.chat.id.0,
    };
    match command {
        Command::Invite => call.invite().await,
        Command::Invites(args) => call.invites(args.trim()).await,
        Command::Channel(args) => call.channel(args.trim()).await,
        Command::Stats(args) => call.stats(args.trim()).await,
        Command::Export(args) => call.export(args.trim()).await,
    }
}

/// One command call: where, by whom, in which language.
struct Call<'a> {
    ctx: &'a Ctx,
    message: &'a Message,
    lang: Lang,
    chat_id: i64,
}

impl Call<'_> {
    fn say(&self, text: String) {
        self.ctx.reply(self.message, text);
    }

    fn say_html(&self, html: String) {
        self.ctx.reply_html(self.message, html);
    }

    /// The sender as a member (not an anonymous admin, channel or bot).
    fn member(&self) -> Option<&teloxide::types::User> {
        self.message
            .from
            .as_ref()
            .filter(|user| !user.is_bot && self.message.sender_chat.is_none())
    }

    /// Whether the sender is an admin of the group; says so when not.
    async fn require_admin(&self) -> crate::Result<bool> {
        if self.ctx.admins.sender_rights(self.message).await?.is_some() {
            return Ok(true);
        }
        self.say(self.ctx.t(self.lang, "refuse-not-admin"));
        Ok(false)
    }
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
        attribute::attribute_joins(&ctx).await?;
        settle::settle_pending(&ctx).await?;
        invite::delete_notices(&ctx).await
    }
    .boxed()
}
