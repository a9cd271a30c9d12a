//! The group's rules: shown in the group, or in a private chat through a deep link when the group is big.

use super::choices::*;
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::outbound::Text;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// The deep-link payload prefix that opens a group's rules in a private chat.
pub(super) const RULES_PAYLOAD: &str = "rules_";

pub(super) fn rules_link(ctx: &Ctx, chat_id: i64) -> Option<reqwest::Url> {
    let username = ctx.me.username.as_deref()?;
    format!("https://t.me/{username}?start={RULES_PAYLOAD}{chat_id}")
        .parse()
        .ok()
}

pub(super) async fn on_rules_deep_link(ctx: Ctx, message: Message) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    let payload = message
        .text()
        .and_then(|t| t.strip_prefix("/start "))
        .map(str::trim)
        .and_then(|p| p.strip_prefix(RULES_PAYLOAD))
        .unwrap_or_default();
    let Ok(chat_id) = payload.parse::<i64>() else {
        ctx.reply(&message, ctx.t(lang, "welcome-rules-none"));
        return Ok(());
    };
    let choices = load_choices(&ctx, chat_id).await?;
    let title = ctx
        .groups
        .get(&ctx.storage, chat_id)
        .await?
        .map(|g| g.title.clone())
        .unwrap_or_default();
    match choices.rules {
        Some(rules) => ctx.reply_html(
            &message,
            format!(
                "<b>{}</b>\n\n{}",
                escape(&ctx.ta(lang, "welcome-rules-title", &fargs! {"group" => title})),
                escape(&rules)
            ),
        ),
        None => ctx.reply(&message, ctx.t(lang, "welcome-rules-none")),
    };
    Ok(())
}

pub(super) async fn show_rules(ctx: &Ctx, message: &Message, lang: Lang) -> HandlerResult {
    let chat_id = message.chat.id.0;
    let choices = load_choices(ctx, chat_id).await?;
    let Some(rules) = choices.rules else {
        ctx.reply(message, ctx.t(lang, "welcome-rules-none"));
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
            ctx.t(lang, "welcome-rules-button"),
            url,
        )]);
        ctx.outbound.send_text(
            Text::plain(chat_id, ctx.t(lang, "welcome-rules-in-private"))
                .reply_to(message)
                .markup(markup),
        );
        return Ok(());
    }
    let title = message.chat.title().unwrap_or_default();
    ctx.reply_html(
        message,
        format!(
            "<b>{}</b>\n\n{}",
            escape(&ctx.ta(lang, "welcome-rules-title", &fargs! {"group" => title})),
            escape(&rules)
        ),
    );
    Ok(())
}
