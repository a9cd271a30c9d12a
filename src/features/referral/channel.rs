//! `/channel new <name>` and `/channel list`: the channel links admins make, and how many joined, passed
//! the gate, stayed and spoke through each.

use super::links::{bot_cannot_invite, create_link};
use super::rules::{self, ChannelAsk};
use super::store::{self, LinkKind};
use super::{attribute, require_admin};
use crate::fargs;
use crate::services::Call;
use crate::telegram::admins::Right;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;

/// `/channel new <name>` or `/channel list`.
pub(super) async fn channel(call: &Call<'_>, args: &str) -> HandlerResult {
    match rules::parse_channel(args) {
        Some(ChannelAsk::New(name)) => channel_new(call, name).await,
        Some(ChannelAsk::List) => channel_list(call).await,
        None => {
            call.say(call.t("referral-channel-usage"));
            Ok(())
        }
    }
}

/// Makes a channel link named `name` for an admin who may invite.
async fn channel_new(call: &Call<'_>, name: &str) -> HandlerResult {
    let ctx = call.ctx;
    if !call.allowed(Right::Invite).await? {
        return Ok(());
    }
    if !rules::valid_channel_name(name) {
        call.say(call.t("referral-channel-bad-name"));
        return Ok(());
    }
    {
        let mut conn = ctx.storage.read.acquire().await?;
        if store::channel_name_taken(&mut conn, call.chat_id, name).await? {
            call.say(call.ta(
                "referral-channel-taken",
                &fargs! {"name" => name.to_string()},
            ));
            return Ok(());
        }
    }
    if bot_cannot_invite(call).await? {
        return Ok(());
    }
    let Some(url) = create_link(call, name).await? else {
        return Ok(());
    };
    let creator = call
        .message
        .from
        .as_ref()
        .map_or(call.chat_id, |user| user.id.0 as i64);
    let mut conn = ctx.storage.write.acquire().await?;
    store::insert_link(
        &mut conn,
        call.chat_id,
        &url,
        LinkKind::Channel,
        creator,
        name,
        ctx.now(),
    )
    .await?;
    call.say_html(call.ta(
        "referral-channel-created",
        &fargs! {"name" => escape(name), "link" => escape(&url)},
    ));
    Ok(())
}

/// The funnel of every channel link of the group.
async fn channel_list(call: &Call<'_>) -> HandlerResult {
    if !require_admin(call).await? {
        return Ok(());
    }
    let ctx = call.ctx;
    // Joins the ticker has not read yet are counted too.
    ctx.activity.flush().await;
    attribute::attribute_joins(ctx).await?;
    let mut conn = ctx.storage.read.acquire().await?;
    let rows = store::channel_funnel(&mut conn, call.chat_id, ctx.now()).await?;
    if rows.is_empty() {
        call.say(call.t("referral-channel-none"));
        return Ok(());
    }
    let mut text = format!("<b>{}</b>\n", call.t_html("referral-channel-title"));
    for row in rows {
        text.push_str(&call.ta(
            "referral-channel-line",
            &fargs! {
                "name" => escape(&row.name), "link" => escape(&row.url), "joins" => row.joins,
                "verified" => row.verified, "stayed" => row.stayed, "spoke" => row.spoke
            },
        ));
        text.push('\n');
    }
    call.say_html(text);
    Ok(())
}
