//! Welcome and goodbye, the entry gate (captcha, the owner's quiz, join requests), group rules and
//! anti-raid.
//!
//! A join arrives as a `chat_member` update (when the bot is an admin) and/or a "X joined" service
//! message; the first copy is handled and the second is recognized by the recent-joins table. A newcomer
//! who is not exempt (an admin, added by an admin, or a join requester who passed in private) is
//! restricted and waits for a question. One captcha message asks everyone waiting in the group the same
//! question, and at most one such message goes out per message gap (a quarter of the group's send
//! budget), so a wave of joins costs a few messages; each member's time limit starts when the message was
//! actually sent. Gates live in SQL, so a press after a restart and a timeout during one still resolve.
//! A restriction the newcomer had before the gate is saved first, and passing applies it again with its
//! original end instead of lifting it ([`prior`]); a join whose facts cannot be read keeps the newcomer
//! restricted and is handled again by the ticker. Passing lifts the restriction and queues the member for
//! the next welcome; the ticker posts one welcome naming everyone queued, at most one per message gap, and
//! in clean mode deletes the previous one. Too many joins at once switch raid mode on: newcomers (and those still waiting for their question)
//! are restricted (or removed) silently, welcomes stop, and one notice tells the admins. When it ends, one
//! message lists the held members; each answers the group's own check in a private chat with the bot.

mod captcha;
mod choices;
mod commands;
pub mod gate;
mod greeting;
mod joins;
pub mod per_group;
mod presses;
mod prior;
mod requests;
mod rules;
pub mod settings;
pub mod store;
pub mod template;

use crate::services::Ctx;
use crate::telegram::Handler;
use captcha::{ask_waiting, resend_unsent};
use choices::window_of;
use commands::on_command;
use futures::future::BoxFuture;
use futures::FutureExt;
use greeting::post_welcome;
use joins::{
    on_let_in_by_admin, on_member_change, on_service_message, retry_joins, REQUEST_PASS_SECS,
};
use presses::{fail, on_gate_press, on_release_deep_link, on_release_press, release_held};
use requests::on_join_request;
use rules::{on_rules_deep_link, RULES_PAYLOAD};
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, Chat, ChatMemberUpdated};

crate::feature_commands! {
    /// The welcome feature's commands: `/rules` for everyone, the rest for admins who may change the
    /// group's info.
    enum Command in COMMANDS {
        Rules = "rules", "welcome-cmd-rules", Everyone;
        Welcome(String) = "welcome", "welcome-cmd-welcome", Admins;
        SetWelcome(String) = "setwelcome", "welcome-cmd-setwelcome", Admins;
        Goodbye(String) = "goodbye", "welcome-cmd-goodbye", Admins;
        SetGoodbye(String) = "setgoodbye", "welcome-cmd-setgoodbye", Admins;
        CleanWelcome(String) = "cleanwelcome", "welcome-cmd-cleanwelcome", Admins;
        Captcha(String) = "captcha", "welcome-cmd-captcha", Admins;
        SetQuiz(String) = "setquiz", "welcome-cmd-setquiz", Admins;
        SetRules(String) = "setrules", "welcome-cmd-setrules", Admins;
        AntiRaid(String) = "antiraid", "welcome-cmd-antiraid", Admins;
    }
}

/// This feature's branch of the handler tree. It takes only joins and leaves, join requests, presses on
/// gate buttons, its own commands and `/start rules_…` deep links; everything else falls through.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(
            Update::filter_chat_member()
                .filter(|change: ChatMemberUpdated| {
                    is_group(&change.chat)
                        && change.old_chat_member.is_present()
                            != change.new_chat_member.is_present()
                })
                .endpoint(on_member_change),
        )
        .branch(
            Update::filter_chat_member()
                .filter(|change: ChatMemberUpdated| {
                    is_group(&change.chat)
                        && change.old_chat_member.kind.is_restricted()
                        && (change.new_chat_member.kind.is_member()
                            || change.new_chat_member.kind.is_privileged())
                })
                .filter_async(|ctx: Ctx, change: ChatMemberUpdated| async move {
                    if change.from.id == ctx.me.id {
                        return false;
                    }
                    let user_id = change.new_chat_member.user.id.0 as i64;
                    match ctx.storage.write.acquire().await {
                        Ok(mut conn) => store::is_waiting(&mut conn, change.chat.id.0, user_id)
                            .await
                            .unwrap_or(false),
                        Err(_) => false,
                    }
                })
                .endpoint(on_let_in_by_admin),
        )
        .branch(Update::filter_chat_join_request().endpoint(on_join_request))
        .branch(
            Update::filter_callback_query()
                .filter(|query: CallbackQuery| {
                    query.data.as_deref().is_some_and(|data| {
                        gate::parse_callback(data).is_some()
                            || gate::parse_batch_callback(data).is_some()
                    })
                })
                .endpoint(on_gate_press),
        )
        .branch(
            Update::filter_callback_query()
                .filter(|query: CallbackQuery| query.data.as_deref() == Some(gate::RELEASE_DATA))
                .endpoint(on_release_press),
        )
        .branch(
            Update::filter_message()
                .branch(
                    dptree::filter(|m: Message| {
                        is_group(&m.chat)
                            && (m.new_chat_members().is_some() || m.left_chat_member().is_some())
                    })
                    .endpoint(on_service_message),
                )
                .branch(
                    dptree::filter(|m: Message| {
                        m.chat.is_private()
                            && m.text().is_some_and(|t| {
                                t.strip_prefix("/start ")
                                    .is_some_and(|p| p.trim().starts_with(RULES_PAYLOAD))
                            })
                    })
                    .endpoint(on_rules_deep_link),
                )
                .branch(
                    dptree::filter(|m: Message| {
                        m.chat.is_private()
                            && m.text().is_some_and(|t| {
                                t.strip_prefix("/start ")
                                    .is_some_and(|p| p.trim().starts_with(gate::RELEASE_PAYLOAD))
                            })
                    })
                    .endpoint(on_release_deep_link),
                )
                .branch(
                    dptree::entry()
                        .filter_command::<Command>()
                        .endpoint(on_command),
                ),
        )
}

fn is_group(chat: &Chat) -> bool {
    chat.is_group() || chat.is_supergroup()
}

/// The ticker: resolves gates whose time is up (also those that expired while the bot was down), asks
/// the newcomers waiting for their question when their group's captcha gap allows, sends again the
/// captcha messages a previous run never saw sent, posts the welcomes whose collection window has closed
/// (one per message gap), lets members held during a raid answer once it is over, and forgets old joins.
pub fn tick(ctx: Ctx) -> BoxFuture<'static, crate::Result<()>> {
    async move {
        let now = ctx.now();
        let expired = {
            let mut conn = ctx.storage.write.acquire().await?;
            store::close_expired(&mut conn, now).await?
        };
        // Each gate, group and release in its own error scope: one that fails never holds up the others.
        let expired: Vec<(i64, store::Gate)> =
            expired.into_iter().map(|gate| (gate.id, gate)).collect();
        super::each_due(&ctx, "welcome", "expired gate", expired, |gate| {
            let ctx = &ctx;
            async move { fail(ctx, &gate).await }
        })
        .await;
        if let Err(err) = retry_joins(&ctx).await {
            tracing::warn!(%err, "kept joins could not be read; they are tried on the next tick");
        }
        let waiting = {
            let mut conn = ctx.storage.read.acquire().await?;
            store::groups_with_unasked(&mut conn, now - window_of(&ctx)).await?
        };
        let waiting = waiting.into_iter().map(|chat_id| (chat_id, chat_id));
        super::each_due(
            &ctx,
            "welcome",
            "gate questions of group",
            waiting,
            |chat_id| ask_waiting(&ctx, chat_id),
        )
        .await;
        if let Err(err) = resend_unsent(&ctx).await {
            tracing::error!(%err, "captcha messages not sent again; trying next tick");
        }
        let window = ctx.config.welcome.coalesce_window.get().as_secs() as i64;
        let due = {
            let mut conn = ctx.storage.write.acquire().await?;
            store::prune_joins(&mut conn, now - 86_400).await?;
            store::prune_request_passes(&mut conn, now - REQUEST_PASS_SECS).await?;
            store::due_queues(&mut conn, now - window).await?
        };
        // A welcome may ask Telegram for the member count, so each group's is posted beside the ticker,
        // in its own task and error scope, never on the ticker's path.
        for chat_id in due {
            let ctx = ctx.clone();
            ctx.tasks.clone().spawn(async move {
                let one = [(chat_id, chat_id)];
                super::each_due(&ctx, "welcome", "welcome of group", one, |chat_id| {
                    post_welcome(&ctx, chat_id)
                })
                .await;
            });
        }
        let releases = {
            let mut conn = ctx.storage.write.acquire().await?;
            store::take_releases(&mut conn, now).await?
        };
        let releases = releases.into_iter().map(|(chat_id, _)| (chat_id, chat_id));
        super::each_due(
            &ctx,
            "welcome",
            "raid release of group",
            releases,
            |chat_id| release_held(&ctx, chat_id),
        )
        .await;
        Ok(())
    }
    .boxed()
}
