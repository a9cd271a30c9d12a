//! Admin commands sent in private: the bot asks which group the command is for, listing the groups where
//! the sender is an admin (read from Telegram's admin lists), as buttons. A press reads the admin's rights
//! in that group anew, then runs the kept command through the handler tree as if it had been sent in the
//! group, and its answers come back to the private chat. Commands that only work as a reply to a group
//! message say so in private instead.

use crate::i18n::Lang;
use crate::services::replies::answering_in_private;
use crate::services::Ctx;
use crate::storage::confirmations;
use crate::telegram::commands::Audience;
use crate::telegram::outbound::Text;
use crate::telegram::text::escape;
use crate::telegram::{callbacks_with_prefix, Handler, HandlerResult};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, Update, UpdateId, UpdateKind};

/// The callback data prefix of the group buttons: `pg:<kept command id>:<group id>`.
const PREFIX: &str = "pg:";

/// What the kept command is stored as in the confirmations table (it needs no one right: the command
/// checks its own when it runs).
const KEPT_AS: &str = "pick_group";

/// The most groups offered as buttons.
const MAX_GROUPS: usize = 20;

/// Admin commands that act on a replied-to group message and so cannot be sent in private.
const REPLY_ONLY: &[&str] = &["del", "purge", "spam", "report"];

/// An admin command sent in a private chat, by its name.
#[derive(Clone)]
struct PrivateAdminCommand(&'static str);

/// The branch: admin commands in private chats, and presses of the group buttons.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(callbacks_with_prefix(PREFIX).endpoint(on_press))
        .branch(
            Update::filter_message()
                .filter_map(|ctx: Ctx, message: Message| admin_command_in_private(&ctx, &message))
                .endpoint(ask),
        )
}

/// The admin command a private message is, if it is one (`/name`, `/name@bot`, with or without
/// arguments).
fn admin_command_in_private(ctx: &Ctx, message: &Message) -> Option<PrivateAdminCommand> {
    if !message.chat.is_private() {
        return None;
    }
    let word = message
        .text()?
        .strip_prefix('/')?
        .split_whitespace()
        .next()?;
    let (name, addressed) = match word.split_once('@') {
        Some((name, to)) => (name, Some(to)),
        None => (word, None),
    };
    if addressed.is_some_and(|to| {
        !ctx.me
            .username
            .as_deref()
            .is_some_and(|me| me.eq_ignore_ascii_case(to))
    }) {
        return None;
    }
    ctx.commands
        .iter()
        .find(|c| c.audience == Audience::Admins && c.name.eq_ignore_ascii_case(name))
        .map(|c| PrivateAdminCommand(c.name))
}

/// Asks which group the command is for, or says why it cannot run from here.
async fn ask(ctx: Ctx, message: Message, command: PrivateAdminCommand) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    let Some(user) = message.from.as_ref().map(|u| u.id.0) else {
        return Ok(());
    };
    if REPLY_ONLY.contains(&command.0) {
        ctx.reply(&message, ctx.t(lang, "pick-group-reply-only"));
        return Ok(());
    }
    let groups = crate::facts::admin_groups(&ctx, user, MAX_GROUPS).await?;
    if groups.is_empty() {
        ctx.reply(&message, ctx.t(lang, "pick-group-none"));
        return Ok(());
    }
    let stored = serde_json::to_string(&message)
        .map_err(|err| crate::Error::Config(format!("cannot keep the command's message: {err}")))?;
    let id = {
        let mut conn = ctx.storage.write.acquire().await?;
        confirmations::insert(&mut conn, message.chat.id.0, KEPT_AS, &stored, ctx.now()).await?
    };
    let rows = groups.into_iter().map(|(chat_id, title)| {
        [InlineKeyboardButton::callback(
            title,
            format!("{PREFIX}{id}:{chat_id}"),
        )]
    });
    ctx.outbound.send_text(
        Text::plain(message.chat.id.0, ctx.t(lang, "pick-group-ask"))
            .reply_to(&message)
            .markup(InlineKeyboardMarkup::new(rows)),
    );
    Ok(())
}

/// A press on a group button: the presser must be who sent the command and an admin of that group now;
/// then the command runs for the group and answers here.
async fn on_press(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let Some(prompt) = query.regular_message().cloned() else {
        return Ok(());
    };
    let private = prompt.chat.id.0;
    let lang = Lang::from_telegram(query.from.language_code.as_deref())
        .unwrap_or_else(|| ctx.default_lang());
    let parsed = query
        .data
        .as_deref()
        .and_then(|data| data.strip_prefix(PREFIX))
        .and_then(|rest| rest.split_once(':'))
        .and_then(|(id, chat)| Some((id.parse::<i64>().ok()?, chat.parse::<i64>().ok()?)));
    let waiting = match parsed {
        Some((id, _)) => {
            let mut conn = ctx.storage.read.acquire().await?;
            confirmations::waiting(&mut conn, private, id).await?
        }
        None => None,
    };
    let (Some((id, group)), Some(waiting)) = (parsed, waiting) else {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "anonymous-admin-gone"), true);
        return Ok(());
    };
    let mut message: serde_json::Value = match serde_json::from_str(&waiting.message) {
        Ok(message) => message,
        Err(err) => {
            tracing::warn!(%err, id, "a kept private command could not be read; dropped");
            ctx.outbound
                .answer_press(&query, ctx.t(lang, "anonymous-admin-gone"), true);
            return Ok(());
        }
    };
    let sender = message["from"]["id"].as_u64();
    ctx.admins.invalidate(group);
    let admin = ctx.admins.rights(group, query.from.id.0).await?.is_some();
    if sender != Some(query.from.id.0) || group >= 0 || !admin {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "refuse-not-admin"), true);
        return Ok(());
    }
    let Some(record) = ctx.groups.get(&ctx.storage, group).await? else {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "anonymous-admin-gone"), true);
        return Ok(());
    };
    let mut conn = ctx.storage.write.acquire().await?;
    let first = confirmations::confirm(&mut conn, id, query.from.id.0 as i64).await?;
    drop(conn);
    if !first {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "anonymous-admin-gone"), true);
        return Ok(());
    }
    let kind = if record.kind == "group" {
        "group"
    } else {
        "supergroup"
    };
    message["chat"] = serde_json::json!({"id": group, "type": kind, "title": record.title});
    let message: Message = match serde_json::to_string(&message)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
    {
        Some(message) => message,
        None => {
            ctx.outbound
                .answer_press(&query, ctx.t(lang, "anonymous-admin-gone"), true);
            return Ok(());
        }
    };
    ctx.outbound.answer_press(
        &query,
        ctx.ta(
            lang,
            "pick-group-running",
            &crate::fargs! {"group" => record.title.clone()},
        ),
        false,
    );
    ctx.outbound.edit_text(
        private,
        prompt.id,
        format!(
            "{}\n<b>{}</b>",
            ctx.t_html(lang, "pick-group-ask"),
            escape(&record.title)
        ),
        true,
        None,
    );
    if let Some(redispatch) = ctx.redispatch.get() {
        let update = Update {
            id: UpdateId(0),
            kind: UpdateKind::Message(message),
        };
        answering_in_private(group, private, redispatch(update)).await;
    }
    Ok(())
}
