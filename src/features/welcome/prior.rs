//! A newcomer's earlier restriction survives the gate: before the gate restricts them, whatever
//! restricted them before (an admin's `/mute`, the ladder's or flood's mute, or one set in Telegram's own
//! UI) is saved, read from the `chat_member` update that reported the join or asked with `getChatMember`;
//! when they pass, it is applied again with its original end instead of being lifted. Leaving, rejoining
//! and answering the captcha therefore never ends a mute early. What is saved lives in SQL, so it holds
//! across restarts.

use super::gate::{self, Lift, Prior};
use super::store;
use crate::services::Ctx;
use futures::FutureExt;
use teloxide::prelude::*;
use teloxide::types::{ChatMemberKind, ChatPermissions, UntilDate};

/// What the update that reported a join says about the newcomer's earlier restriction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Known {
    /// The `chat_member` update showed it (`None`: they had none).
    Seen(Option<Prior>),
    /// The update does not say (a service message, or a join handled again later): ask Telegram.
    Unknown,
}

impl Known {
    /// What a `chat_member` update says: a member who left while restricted is reported as `restricted`
    /// with their restriction's end, and so is one who comes back still restricted.
    pub(super) fn from_change(old: &ChatMemberKind, new: &ChatMemberKind) -> Known {
        Known::Seen(restriction_of(old).or_else(|| restriction_of(new)))
    }
}

/// The restriction a member's status carries, if it takes anything away.
fn restriction_of(kind: &ChatMemberKind) -> Option<Prior> {
    let ChatMemberKind::Restricted(r) = kind else {
        return None;
    };
    let pairs = [
        (r.can_send_messages, ChatPermissions::SEND_MESSAGES),
        (r.can_send_audios, ChatPermissions::SEND_AUDIOS),
        (r.can_send_documents, ChatPermissions::SEND_DOCUMENTS),
        (r.can_send_photos, ChatPermissions::SEND_PHOTOS),
        (r.can_send_videos, ChatPermissions::SEND_VIDEOS),
        (r.can_send_video_notes, ChatPermissions::SEND_VIDEO_NOTES),
        (r.can_send_voice_notes, ChatPermissions::SEND_VOICE_NOTES),
        (r.can_send_polls, ChatPermissions::SEND_POLLS),
        (
            r.can_send_other_messages,
            ChatPermissions::SEND_OTHER_MESSAGES,
        ),
        (
            r.can_add_web_page_previews,
            ChatPermissions::ADD_WEB_PAGE_PREVIEWS,
        ),
        (r.can_change_info, ChatPermissions::CHANGE_INFO),
        (r.can_invite_users, ChatPermissions::INVITE_USERS),
        (r.can_pin_messages, ChatPermissions::PIN_MESSAGES),
        (r.can_manage_topics, ChatPermissions::MANAGE_TOPICS),
    ];
    let permissions = pairs
        .into_iter()
        .filter(|(granted, _)| *granted)
        .fold(ChatPermissions::empty(), |all, (_, flag)| all | flag);
    if permissions == ChatPermissions::all() {
        return None;
    }
    let until = match r.until_date {
        UntilDate::Forever => 0,
        UntilDate::Date(date) => date.timestamp(),
    };
    Some(Prior {
        permissions: permissions.bits(),
        until,
    })
}

/// Saves what a newcomer had before the gate, unless it is saved already (from before an earlier gate:
/// what Telegram shows now may be that gate's own restriction). When the update did not say, Telegram is
/// asked; when that fails too, no earlier restriction is saved, so the gate's own restriction can never be
/// taken for one later and keep a member muted for good.
pub(super) async fn save_before_gate(
    ctx: &Ctx,
    chat_id: i64,
    user_id: i64,
    known: Known,
) -> crate::Result<()> {
    {
        let mut conn = ctx.storage.read.acquire().await?;
        if store::has_prior(&mut conn, chat_id, user_id).await? {
            return Ok(());
        }
    }
    let prior = match known {
        Known::Seen(prior) => prior,
        Known::Unknown => {
            let asked = ctx
                .outbound
                .immediate_in(chat_id, "getChatMember", move |bot| {
                    bot.get_chat_member(ChatId(chat_id), UserId(user_id as u64))
                        .send()
                        .boxed()
                })
                .wait()
                .await;
            match asked {
                Ok(member) => restriction_of(&member.kind),
                Err(err) => {
                    tracing::warn!(%err, chat_id, user_id, "could not read a newcomer's earlier restriction; none is assumed");
                    None
                }
            }
        }
    };
    if prior.is_some() {
        tracing::info!(
            chat_id,
            user_id,
            ?prior,
            "a newcomer was restricted before the gate"
        );
    }
    let mut conn = ctx.storage.write.acquire().await?;
    store::save_prior(&mut conn, chat_id, user_id, prior, ctx.now()).await
}

/// Ends the gate's (or a raid's) restriction of a member who passed: every permission true, so the group's
/// defaults apply, or, when an earlier restriction is still live, that restriction with its original end
/// in one call, so they are never free in between.
pub(super) async fn let_in(ctx: &Ctx, chat_id: i64, user_id: i64) -> crate::Result<()> {
    let prior = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::take_prior(&mut conn, chat_id, user_id).await?
    };
    match gate::lift(prior, ChatPermissions::all().bits(), ctx.now()) {
        Lift::Free => {
            ctx.outbound
                .unrestrict(chat_id, user_id, ChatPermissions::all());
        }
        Lift::Restore { permissions, until } => {
            tracing::info!(
                chat_id,
                user_id,
                until,
                "the gate passed; the earlier restriction goes on"
            );
            let until = (until > 0)
                .then(|| chrono::DateTime::from_timestamp(until, 0))
                .flatten();
            ctx.outbound.restrict(
                chat_id,
                user_id,
                ChatPermissions::from_bits_truncate(permissions),
                until,
            );
        }
    }
    Ok(())
}

/// Forgets what a member had before the gate (an admin let them in by hand and decided for themselves).
pub(super) async fn forget(ctx: &Ctx, chat_id: i64, user_id: i64) -> crate::Result<()> {
    let mut conn = ctx.storage.write.acquire().await?;
    store::take_prior(&mut conn, chat_id, user_id).await?;
    Ok(())
}
