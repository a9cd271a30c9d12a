//! `/help`: a short list with a button to the full help in a group, every command in private.

use crate::services::{Call, Lasting};
use crate::telegram::commands::{Audience, CommandInfo};
use crate::telegram::outbound::Text;
use crate::telegram::HandlerResult;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// The deep-link payload of the short help's button: `/start help` in private shows the full help.
pub(super) const HELP_PAYLOAD: &str = "help";

/// The commands the short help in a group names, in this order, when the group has them: what members
/// use most, then (for admins) what admins use most.
const SHORT_HELP_MEMBERS: &[&str] = &[
    "checkin", "me", "rank", "hongbao", "lottery", "rules", "help",
];
const SHORT_HELP_ADMINS: &[&str] = &["ban", "mute", "warn", "lock", "lang"];

/// `/help`: in a group a short list (the commands used most, for the sender's view) with a button that
/// opens the full help in private; in private every command, the admins' under their own title.
pub(super) async fn help(call: &Call<'_>) -> HandlerResult {
    let (ctx, message) = (call.ctx, call.message);
    let private = message.chat.is_private();
    // When Telegram cannot say who the admins are, the member's view is shown rather than nothing.
    let is_admin = !private
        && match ctx.admins.sender_rights(message).await {
            Ok(rights) => rights.is_some(),
            Err(err) => {
                tracing::warn!(%err, chat_id = call.chat_id, "admin list unavailable; /help shows the member view");
                false
            }
        };
    let visible = |audience: Audience| match audience {
        Audience::Everyone => true,
        Audience::Admins => is_admin,
        Audience::Private => private,
        Audience::Unlisted => false,
    };
    let title = if private {
        "help-title-private"
    } else {
        "help-title-group"
    };
    let line = |command: &CommandInfo, admin: bool| {
        format!(
            "/{} — {}\n",
            command.name,
            call.t_html(crate::features::description(command, admin))
        )
    };
    let mut text = format!("<b>{}</b>\n", call.t_html(title));
    if private {
        // The full help: every command a member can use anywhere, then the admins' under their own title.
        for command in ctx
            .commands
            .iter()
            .filter(|c| visible(c.audience) || c.audience == Audience::Everyone)
            .filter(|c| {
                c.audience != Audience::Admins && crate::features::offered(&ctx.config, c, false)
            })
        {
            text.push_str(&line(command, false));
        }
        text.push_str(&format!("\n<b>{}</b>\n", call.t_html("help-admins-title")));
        for command in ctx.commands.iter().filter(|c| {
            c.audience == Audience::Admins && crate::features::offered(&ctx.config, c, false)
        }) {
            text.push_str(&line(command, true));
        }
        call.say_html(text);
        return Ok(());
    }
    let names = SHORT_HELP_MEMBERS
        .iter()
        .chain(SHORT_HELP_ADMINS.iter().filter(|_| is_admin));
    for name in names {
        if let Some(command) = ctx.commands.iter().find(|c| {
            c.name == *name
                && visible(c.audience)
                && crate::features::offered(&ctx.config, c, false)
        }) {
            text.push_str(&line(command, is_admin));
        }
    }
    if !is_admin {
        text.push_str(&format!("\n{}", call.t_html("help-admins-see-more")));
    }
    text.push_str(&format!("\n{}", call.t_html("help-short-more")));
    let username = ctx.me.username.as_deref().unwrap_or_default();
    let mut request = Text::html(call.chat_id, text).reply_to(call.message);
    if let Ok(url) = format!("https://t.me/{username}?start={HELP_PAYLOAD}").parse() {
        request = request.markup(InlineKeyboardMarkup::new([[InlineKeyboardButton::url(
            call.t("help-full-button"),
            url,
        )]]));
    }
    ctx.send_lasting(request, Some(call.message), Lasting::Brief);
    Ok(())
}
