//! `/start`: the private greeting with a button that adds the bot to a group, and the deep links that
//! open the full help or a packet's verification.

use crate::fargs;
use crate::services::Call;
use crate::telegram::outbound::Text;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// `/start`: in private, a greeting with a button that adds the bot to a group, the full help when it
/// comes from the short help's button (`start=help`), or a packet's verification when it comes from the
/// packet's Verify button (`start=verify_P17`); in a group, `/help`.
pub(super) async fn start(call: &Call<'_>, payload: &str) -> HandlerResult {
    if !call.message.chat.is_private() || payload == super::help::HELP_PAYLOAD {
        return super::help::help(call).await;
    }
    // A packet's Verify button links here: the full verification, as `/verify P17` answers in private.
    if let Some(id) = payload.strip_prefix(crate::features::redpacket::VERIFY_PAYLOAD) {
        return crate::features::redpacket::verify::answer(call.ctx, call.message, call.lang, id)
            .await;
    }
    let ctx = call.ctx;
    let username = ctx.me.username.clone().unwrap_or_default();
    let text = call.ta(
        "start-private",
        &fargs! {"bot" => escape(&ctx.me.first_name)},
    );
    let mut markup = InlineKeyboardMarkup::default();
    if let Ok(url) = format!("https://t.me/{username}?startgroup=true").parse() {
        markup = markup.append_row(vec![InlineKeyboardButton::url(
            call.t("start-add-button"),
            url,
        )]);
    }
    ctx.outbound.send_text(
        Text::html(call.chat_id, text)
            .reply_to(call.message)
            .markup(markup),
    );
    Ok(())
}
