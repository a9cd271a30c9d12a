//! The group's rules: shown in the group, or in a private chat through a deep link when the group is big.

use super::choices::*;
use crate::fargs;
use crate::services::{Call, Ctx};
use crate::telegram::outbound::Text;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// The deep-link payload prefix that opens a group's rules in a private chat.
pub(super) const RULES_PAYLOAD: &str = "rules_";

/// The deep link that opens a group's rules in a private chat with the bot.
pub(super) fn rules_link(ctx: &Ctx, chat_id: i64) -> Option<reqwest::Url> {
    let username = ctx.me.username.as_deref()?;
    format!("https://t.me/{username}?start={RULES_PAYLOAD}{chat_id}")
        .parse()
        .ok()
}

/// `/start rules_<group>` in a private chat: the group's rules, for members of the group (anyone, for a
/// public group).
pub(super) async fn on_rules_deep_link(ctx: Ctx, message: Message) -> HandlerResult {
    let call = Call::new(&ctx, &message).await;
    let payload = message
        .text()
        .and_then(|t| t.strip_prefix("/start "))
        .map(str::trim)
        .and_then(|p| p.strip_prefix(RULES_PAYLOAD))
        .unwrap_or_default();
    let Ok(chat_id) = payload.parse::<i64>() else {
        call.say(call.t("welcome-rules-none"));
        return Ok(());
    };
    // The link carries any group id: the rules are shown only to who could read them in the group.
    if !ctx.may_see_group(chat_id, call.sender_id()).await? {
        call.say(call.t("welcome-rules-not-member"));
        return Ok(());
    }
    let choices = load_choices(&ctx, chat_id).await?;
    let title = ctx
        .groups
        .get(&ctx.storage, chat_id)
        .await?
        .map(|g| g.title.clone())
        .unwrap_or_default();
    match choices.rules {
        Some(rules) => say_rules(&call, &title, &rules),
        None => {
            call.say(call.t("welcome-rules-none"));
        }
    }
    Ok(())
}

/// `/rules` in a group: the rules, or in a big group a button that opens them in a private chat.
pub(super) async fn show_rules(call: &Call<'_>) -> HandlerResult {
    let (ctx, chat_id) = (call.ctx, call.chat_id);
    let choices = load_choices(ctx, chat_id).await?;
    let Some(rules) = choices.rules else {
        call.say(call.t("welcome-rules-none"));
        return Ok(());
    };
    let big = match ctx.bot.get_chat_member_count(ChatId(chat_id)).await {
        Ok(count) => count >= ctx.config.welcome.rules_private_from,
        Err(err) => {
            tracing::warn!(%err, chat_id, "member count unavailable; showing the rules here");
            false
        }
    };
    if let (true, Some(url)) = (big, rules_link(ctx, chat_id)) {
        let markup = InlineKeyboardMarkup::default().append_row(vec![InlineKeyboardButton::url(
            call.t("welcome-rules-button"),
            url,
        )]);
        ctx.outbound.send_text(
            Text::plain(chat_id, call.t("welcome-rules-in-private"))
                .reply_to(call.message)
                .markup(markup),
        );
        return Ok(());
    }
    say_rules(call, call.message.chat.title().unwrap_or_default(), &rules);
    Ok(())
}

/// Answers with the rules under their title, in one message: the rules' length is checked before
/// escaping, and Telegram counts the text as shown, so it is not split like a long list.
fn say_rules(call: &Call<'_>, title: &str, rules: &str) {
    call.ctx.reply_html_brief(
        call.message,
        format!(
            "<b>{}</b>\n\n{}",
            escape(&call.ta("welcome-rules-title", &fargs! {"group" => title})),
            escape(rules)
        ),
    );
}
