//! `/invite` (a member's personal link), `/invites` (own counts, or the leaderboard with `top`) and the
//! deletion of the link notices posted in the group.

use super::links::{bot_cannot_invite, create_link};
use super::rules::{self, InvitesAsk};
use super::store::{self, LinkKind};
use super::{member, rank};
use crate::fargs;
use crate::services::{Call, Ctx};
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, full_name, mention_html};
use crate::telegram::HandlerResult;
use teloxide::prelude::*;
use teloxide::types::MessageId;
use teloxide::RequestError;

/// `/invite`: sends the member their personal link, in private when they have started the bot, else in the
/// group (that notice is deleted after `referral.group_link_lifetime`).
pub(super) async fn invite(call: &Call<'_>) -> HandlerResult {
    let Some(user) = member(call) else {
        call.say(call.t("referral-not-a-member"));
        return Ok(());
    };
    if bot_cannot_invite(call).await? {
        return Ok(());
    }
    let user_id = user.id.0 as i64;
    let Some(url) = personal_link(call, user_id).await? else {
        return Ok(());
    };
    let group = escape(call.message.chat.title().unwrap_or_default());
    let private = call.ta(
        "referral-invite-private",
        &fargs! {"group" => group, "link" => escape(&url)},
    );
    let public = call.ta(
        "referral-invite-public",
        &fargs! {"member" => mention_html(user_id, &full_name(user)), "link" => escape(&url)},
    );
    let sent_privately = call.t("referral-invite-sent-private");
    let ctx = call.ctx.clone();
    let message = call.message.clone();
    let chat_id = call.chat_id;
    let delete_at = ctx.now() + ctx.config.referral.group_link_lifetime.get().as_secs() as i64;
    // The member gets the link in private when they have started the bot; otherwise it is posted in
    // the group and deleted after a while. Waiting for the private send happens off the shard.
    ctx.tasks.clone().spawn(async move {
        let direct = ctx
            .outbound
            .send_text(Text::html(user_id, private))
            .wait()
            .await;
        let notice = match direct {
            Ok(_) => Text::plain(chat_id, sent_privately),
            Err(_) => Text::html(chat_id, public),
        };
        match ctx
            .outbound
            .send_text(notice.reply_to(&message))
            .wait()
            .await
        {
            Ok(sent) => {
                let stored = async {
                    let mut conn = ctx.storage.write.acquire().await?;
                    store::schedule_delete(&mut conn, chat_id, sent.id.0, delete_at).await
                };
                if let Err(err) = stored.await {
                    tracing::warn!(%err, chat_id, "could not schedule the link's deletion");
                }
            }
            Err(err) => tracing::warn!(%err, chat_id, "could not post the invite notice"),
        }
    });
    Ok(())
}

/// The member's live personal link: the stored one while Telegram still accepts it, else a new one.
async fn personal_link(call: &Call<'_>, user_id: i64) -> crate::Result<Option<String>> {
    let ctx = call.ctx;
    let existing = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::member_link(&mut conn, call.chat_id, user_id).await?
    };
    if let Some(link) = existing {
        // Editing the link with its own name tells whether an admin revoked it outside the bot.
        match ctx
            .bot
            .edit_chat_invite_link(ChatId(call.chat_id), link.url.clone())
            .name(link.name.clone())
            .await
        {
            Ok(current) if !current.is_revoked => return Ok(Some(link.url)),
            Ok(_) | Err(RequestError::Api(_)) => {
                tracing::info!(
                    chat_id = call.chat_id,
                    user_id,
                    "personal link revoked; making a new one"
                );
                let mut conn = ctx.storage.write.acquire().await?;
                store::mark_revoked(&mut conn, link.id, ctx.now()).await?;
            }
            Err(err) => return Err(err.into()),
        }
    }
    let name = format!("ref:{user_id}");
    let Some(url) = create_link(call, &name).await? else {
        return Ok(None);
    };
    let mut conn = ctx.storage.write.acquire().await?;
    store::insert_link(
        &mut conn,
        call.chat_id,
        &url,
        LinkKind::Member,
        user_id,
        &name,
        ctx.now(),
    )
    .await?;
    Ok(Some(url))
}

/// `/invites` (own counts) or `/invites top [week|month|all]` (the leaderboard).
pub(super) async fn invites(call: &Call<'_>, args: &str) -> HandlerResult {
    match rules::parse_invites(args) {
        Some(InvitesAsk::Own) => own_invites(call).await,
        Some(InvitesAsk::Top(board)) => rank::top_invites(call, board).await,
        None => {
            call.say(call.t("referral-invites-usage"));
            Ok(())
        }
    }
}

/// The sender's referrals by state and the points they earned.
async fn own_invites(call: &Call<'_>) -> HandlerResult {
    let Some(user) = member(call) else {
        call.say(call.t("referral-not-a-member"));
        return Ok(());
    };
    let ctx = call.ctx;
    let mut conn = ctx.storage.read.acquire().await?;
    let counts = store::invite_counts(&mut conn, call.chat_id, user.id.0 as i64).await?;
    let valid_after = ctx.duration(call.lang, ctx.config.referral.valid_after.get());
    call.say(call.ta(
        "referral-invites-own",
        &fargs! {
            "pending" => counts.pending, "valid" => counts.valid, "void" => counts.void,
            "reward" => counts.reward, "days" => valid_after
        },
    ));
    Ok(())
}

/// Deletes the `/invite` notices whose time in the group is over.
pub(super) async fn delete_notices(ctx: &Ctx) -> crate::Result<()> {
    let due = {
        let mut conn = ctx.storage.read.acquire().await?;
        if !store::any_delete_due(&mut conn, ctx.now()).await? {
            return Ok(());
        }
        drop(conn);
        let mut conn = ctx.storage.write.acquire().await?;
        store::take_due_deletes(&mut conn, ctx.now()).await?
    };
    for (chat_id, message_id) in due {
        ctx.outbound.delete(chat_id, MessageId(message_id));
    }
    Ok(())
}
