//! An admin sets the channel the moderation log is mirrored into: `/setlog @channel`, `/setlog -100…`,
//! `/setlog off`. Before storing it, the bot checks that the admin is an admin of the target chat with the
//! right to post there (a channel's admin needs "post messages"; any admin of a group may post), and that
//! the bot itself can post there, with a test line. So an admin of one group cannot make the bot post into
//! a chat they do not run.

use super::store;
use super::subject::Answer;
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Call, Ctx};
use crate::telegram::outbound::Text;
use crate::telegram::text::escape;
use futures::FutureExt;
use teloxide::prelude::*;
use teloxide::types::{ChatMemberKind, Recipient};

/// A log channel as typed: a numeric chat id or an @name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelSpec {
    /// `-100…`
    Id(i64),
    /// `@name`, without the `@`.
    Name(String),
    /// `off`: stop mirroring.
    Off,
}

/// Reads `/setlog`'s argument.
pub fn parse_channel(text: &str) -> Option<ChannelSpec> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("off") {
        return Some(ChannelSpec::Off);
    }
    if let Some(name) = text.strip_prefix('@') {
        let valid = name.len() >= 4 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        return valid.then(|| ChannelSpec::Name(name.to_string()));
    }
    match text.parse::<i64>() {
        Ok(id) if id < 0 => Some(ChannelSpec::Id(id)),
        _ => None,
    }
}

pub(super) async fn setlog_command(call: &Call<'_>, args: &str) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let chat_id = message.chat.id.0;
    let by = message.from.as_ref().map_or(0, |u| u.id.0 as i64);
    let Some(spec) = parse_channel(args) else {
        return Ok(Some(ctx.t_html(lang, "moderation-setlog-usage")));
    };
    if spec == ChannelSpec::Id(chat_id) {
        return Ok(Some(ctx.t_html(lang, "moderation-setlog-usage")));
    }
    if spec == ChannelSpec::Off {
        let mut conn = ctx.storage.write.acquire().await?;
        store::set_log_channel(&mut conn, chat_id, None, by, ctx.now()).await?;
        return Ok(Some(ctx.t_html(lang, "moderation-setlog-off")));
    }
    // Finding the channel and posting a test line wait on Telegram (the post on the send budget): that
    // happens beside the shard, which goes on with the group's next update; the answer follows.
    let (ctx, message) = (ctx.clone(), message.clone());
    ctx.tasks.clone().spawn(async move {
        let answer = confirm_log_channel(&ctx, chat_id, by, spec, lang).await;
        match answer {
            Ok(html) => {
                ctx.reply_html_brief(&message, html);
            }
            Err(err) => tracing::warn!(%err, chat_id, "could not set the log channel"),
        }
    });
    Ok(None)
}

/// Finds a log channel, checks that the admin `by` may post there and that the bot can (with a test
/// line), and stores it; returns the answer for the admin.
async fn confirm_log_channel(
    ctx: &Ctx,
    chat_id: i64,
    by: i64,
    spec: ChannelSpec,
    lang: Lang,
) -> crate::Result<String> {
    let cannot_post = || ctx.t_html(lang, "moderation-setlog-cannot-post");
    let recipient = match spec {
        ChannelSpec::Off => return Ok(ctx.t_html(lang, "moderation-setlog-off")),
        ChannelSpec::Id(id) => Recipient::Id(ChatId(id)),
        ChannelSpec::Name(name) => Recipient::ChannelUsername(format!("@{name}")),
    };
    let found = ctx
        .outbound
        .immediate("getChat", move |bot| {
            bot.get_chat(recipient.clone()).send().boxed()
        })
        .wait()
        .await;
    let (channel_id, is_channel) = match found {
        Ok(chat) if chat.id.0 != chat_id => (chat.id.0, chat.is_channel()),
        Ok(_) => return Ok(ctx.t_html(lang, "moderation-setlog-usage")),
        Err(_) => return Ok(cannot_post()),
    };
    if !caller_may_post(ctx, channel_id, by, is_channel).await {
        tracing::info!(
            chat_id,
            channel_id,
            by,
            "refused a log channel its admin does not run"
        );
        return Ok(ctx.t_html(lang, "moderation-setlog-not-admin"));
    }
    let test_line = ctx.ta(lang, "moderation-setlog-test", &fargs! {"group" => chat_id});
    if ctx
        .outbound
        .send_text(Text::plain(channel_id, test_line))
        .wait()
        .await
        .is_err()
    {
        return Ok(cannot_post());
    }
    let mut conn = ctx.storage.write.acquire().await?;
    store::set_log_channel(&mut conn, chat_id, Some(channel_id), by, ctx.now()).await?;
    Ok(escape(&ctx.ta(
        lang,
        "moderation-setlog-done",
        &fargs! {"channel" => channel_id},
    )))
}

/// Whether `user_id` may post into the chat `target` as Telegram answers now: its owner, or an admin (of a
/// channel: one with the right to post messages). A member, a stranger or an unanswered question is no.
async fn caller_may_post(ctx: &Ctx, target: i64, user_id: i64, is_channel: bool) -> bool {
    if user_id <= 0 {
        return false;
    }
    let member = ctx
        .outbound
        .immediate_in(target, "getChatMember", move |bot| {
            bot.get_chat_member(ChatId(target), UserId(user_id as u64))
                .send()
                .boxed()
        })
        .wait()
        .await;
    match member.map(|m| m.kind) {
        Ok(ChatMemberKind::Owner(_)) => true,
        Ok(ChatMemberKind::Administrator(admin)) => !is_channel || admin.can_post_messages,
        Ok(_) => false,
        Err(err) => {
            tracing::info!(%err, target, user_id, "could not read the admin's membership of the log channel");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_channels_parse_ids_names_and_off() {
        assert_eq!(parse_channel("-1001234"), Some(ChannelSpec::Id(-1001234)));
        assert_eq!(
            parse_channel("@mod_log"),
            Some(ChannelSpec::Name("mod_log".into()))
        );
        assert_eq!(parse_channel("OFF"), Some(ChannelSpec::Off));
        assert_eq!(parse_channel("1234"), None, "users are not channels");
        assert_eq!(parse_channel("@x"), None);
        assert_eq!(parse_channel(""), None);
    }
}
