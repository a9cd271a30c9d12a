//! `/lottery list`, `/lottery cancel` and `/lottery draw`: what is open, and closing it by hand.

use super::create::{close_announcement, rule_text};
use super::keywords;
use super::run_draw::run_draw;
use super::store::{self, Lottery, Status};
use super::{display, group_tz, lottery_id};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::Right;
use crate::telegram::text::{escape, split, MAX_TEXT};
use crate::telegram::HandlerResult;
use teloxide::prelude::*;

pub(super) async fn list(ctx: &Ctx, message: &Message, lang: Lang) -> HandlerResult {
    let chat_id = message.chat.id.0;
    let tz = group_tz(ctx, chat_id).await;
    let mut conn = ctx.storage.read.acquire().await?;
    let open = store::open_in_chat(&mut conn, chat_id).await?;
    if open.is_empty() {
        ctx.reply(message, ctx.t(lang, "lottery-list-empty"));
        return Ok(());
    }
    let mut text = format!("<b>{}</b>\n", ctx.t_html(lang, "lottery-list-title"));
    for lottery in &open {
        let count = store::entry_count(&mut conn, lottery.id).await?;
        text.push_str(&ctx.ta(
            lang,
            "lottery-list-row",
            &fargs! {
                "id" => display(lottery.id),
                "title" => escape(&lottery.title),
                "count" => count,
                "rule" => rule_text(ctx, lang, tz, lottery),
            },
        ));
        text.push('\n');
    }
    for piece in split(&text, MAX_TEXT) {
        ctx.reply_html(message, piece);
    }
    Ok(())
}

/// Finds an open lottery of this group by the typed id, or replies why not.
pub(super) async fn open_lottery_of(
    ctx: &Ctx,
    message: &Message,
    lang: Lang,
    arg: &str,
) -> crate::Result<Option<Lottery>> {
    let Some(id) = lottery_id(arg) else {
        ctx.reply(message, ctx.t(lang, "lottery-need-id"));
        return Ok(None);
    };
    let mut conn = ctx.storage.read.acquire().await?;
    match store::get(&mut conn, id).await? {
        Some(lottery) if lottery.chat_id == message.chat.id.0 && lottery.status == Status::Open => {
            Ok(Some(lottery))
        }
        Some(lottery) if lottery.chat_id == message.chat.id.0 => {
            ctx.reply(
                message,
                ctx.ta(lang, "lottery-not-open", &fargs! {"id" => display(id)}),
            );
            Ok(None)
        }
        _ => {
            ctx.reply(
                message,
                ctx.ta(lang, "lottery-unknown", &fargs! {"id" => display(id)}),
            );
            Ok(None)
        }
    }
}

pub(super) async fn cancel(ctx: &Ctx, message: &Message, lang: Lang, arg: &str) -> HandlerResult {
    if let Some(refusal) = ctx.refusal(message, Right::ChangeInfo, lang).await? {
        ctx.reply(message, refusal);
        return Ok(());
    }
    let Some(lottery) = open_lottery_of(ctx, message, lang, arg).await? else {
        return Ok(());
    };
    let mut conn = ctx.storage.write.acquire().await?;
    if !store::cancel(&mut conn, lottery.id, ctx.now()).await? {
        ctx.reply(
            message,
            ctx.ta(
                lang,
                "lottery-not-open",
                &fargs! {"id" => display(lottery.id)},
            ),
        );
        return Ok(());
    }
    keywords::forget(ctx, lottery.chat_id);
    let count = store::entry_count(&mut conn, lottery.id).await?;
    let tiers = store::prizes(&mut conn, lottery.id).await?;
    drop(conn);
    let tz = group_tz(ctx, lottery.chat_id).await;
    close_announcement(
        ctx,
        lang,
        tz,
        &lottery,
        &tiers,
        count,
        "lottery-closed-cancelled",
    );
    ctx.reply(
        message,
        ctx.ta(
            lang,
            "lottery-cancelled",
            &fargs! {"id" => display(lottery.id), "title" => lottery.title.clone()},
        ),
    );
    Ok(())
}

pub(super) async fn draw_now(ctx: &Ctx, message: &Message, lang: Lang, arg: &str) -> HandlerResult {
    if let Some(refusal) = ctx.refusal(message, Right::ChangeInfo, lang).await? {
        ctx.reply(message, refusal);
        return Ok(());
    }
    let Some(lottery) = open_lottery_of(ctx, message, lang, arg).await? else {
        return Ok(());
    };
    run_draw(ctx, lottery.id, ctx.now(), false).await
}
