//! `/forgetme`: a member asks, in private, what the bot holds about them and has it deleted. The bot lists
//! the groups where it holds data, says what is deleted and what is kept (and why), and deletes only after
//! the member presses the confirm button. What is deleted and kept is
//! [`crate::storage::privacy::forget_user`]'s; the operator's `groupops forget-user` does the same.

use crate::fargs;
use crate::services::{Call, Ctx};
use crate::storage::privacy;
use crate::telegram::outbound::Text;
use crate::telegram::text::escape;
use crate::telegram::{callbacks_with_prefix, Handler, HandlerResult};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

crate::feature_commands! {
    /// The member's privacy commands.
    enum Command in COMMANDS {
        ForgetMe = "forgetme", "cmd-forgetme", Private;
    }
}

/// The prefix of the confirm and cancel buttons.
const PRESS_PREFIX: &str = "fm:";

/// This feature's branch of the handler tree.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(callbacks_with_prefix(PRESS_PREFIX).endpoint(on_press))
        .branch(
            Update::filter_message()
                .filter_command::<Command>()
                .endpoint(on_command),
        )
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let call = Call::new(&ctx, &message).await;
    match command {
        Command::ForgetMe => forget_me(&call).await,
    }
}

/// `/forgetme`: in a group, a pointer to the private chat (nothing about the member is said in the group);
/// in private, the groups holding data, what is deleted and kept, and the confirm button.
async fn forget_me(call: &Call<'_>) -> HandlerResult {
    if !call.message.chat.is_private() {
        call.say(call.t("forgetme-private-only"));
        return Ok(());
    }
    let user_id = call.sender_id();
    let mut conn = call.ctx.storage.read.acquire().await?;
    let groups = privacy::groups_holding(&mut conn, user_id).await?;
    let has_profile: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE user_id = ?)")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?;
    drop(conn);
    if groups.is_empty() && !has_profile {
        call.say(call.t("forgetme-nothing"));
        return Ok(());
    }
    let unnamed = call.t("forgetme-unnamed-group");
    let list = groups
        .iter()
        .map(|g| {
            let title = if g.title.is_empty() {
                unnamed.clone()
            } else {
                g.title.clone()
            };
            format!("• {}", escape(&title))
        })
        .collect::<Vec<_>>()
        .join("\n");
    let text = call.ta(
        "forgetme-ask",
        &fargs! {"count" => groups.len() as i64, "groups" => list},
    );
    let markup = InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::callback(
            call.t("forgetme-confirm-button"),
            format!("{PRESS_PREFIX}yes"),
        ),
        InlineKeyboardButton::callback(
            call.t("forgetme-cancel-button"),
            format!("{PRESS_PREFIX}no"),
        ),
    ]]);
    call.ctx
        .outbound
        .send_text(Text::html(call.chat_id, text).markup(markup));
    Ok(())
}

/// The confirm or cancel press under the question. Only the member's own private chat can carry it, so
/// the presser is the member whose data is deleted.
async fn on_press(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let Some(question) = query.regular_message().cloned() else {
        return Ok(());
    };
    let lang = crate::i18n::Lang::from_telegram(query.from.language_code.as_deref())
        .unwrap_or(ctx.default_lang());
    let user_id = query.from.id.0 as i64;
    if question.chat.id.0 != user_id {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "forgetme-not-yours"), true);
        return Ok(());
    }
    let confirmed = query.data.as_deref() == Some("fm:yes");
    let text = if confirmed {
        let mut tx = ctx.storage.write.begin().await?;
        let done = privacy::forget_user(&mut tx, user_id).await?;
        tx.commit().await?;
        tracing::info!(
            user_id,
            deleted = done.deleted,
            erased = done.erased,
            "a member had the bot forget them"
        );
        if done.is_empty() {
            ctx.t(lang, "forgetme-already")
        } else {
            ctx.t(lang, "forgetme-done")
        }
    } else {
        ctx.t(lang, "forgetme-cancelled")
    };
    ctx.outbound.answer_press(&query, String::new(), false);
    ctx.outbound.edit_text(
        question.chat.id.0,
        MessageId(question.id.0),
        text,
        false,
        None,
    );
    Ok(())
}
