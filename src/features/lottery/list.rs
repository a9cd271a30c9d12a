//! `/lottery list`, `/lottery cancel` and `/lottery draw`: what is open, and closing it by hand.

use super::create::{close_announcement, rule_text};
use super::keywords;
use super::run_draw::run_draw;
use super::store::{self, Lottery, Status};
use super::{display, group_tz, lottery_id};
use crate::fargs;
use crate::services::Call;
use crate::telegram::admins::Right;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;

/// `/lottery list`: the group's open lotteries, with their participants and draw rules.
pub(super) async fn list(call: &Call<'_>) -> HandlerResult {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let chat_id = message.chat.id.0;
    let tz = group_tz(ctx, chat_id).await;
    let mut conn = ctx.storage.read.acquire().await?;
    let open = store::open_in_chat(&mut conn, chat_id).await?;
    if open.is_empty() {
        call.say(ctx.t(lang, "lottery-list-empty"));
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
    call.say_html(text);
    Ok(())
}

/// Finds an open lottery of this group by the typed id, or replies why not.
pub(super) async fn open_lottery_of(call: &Call<'_>, arg: &str) -> crate::Result<Option<Lottery>> {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let Some(id) = lottery_id(arg) else {
        call.say(ctx.t(lang, "lottery-need-id"));
        return Ok(None);
    };
    let mut conn = ctx.storage.read.acquire().await?;
    match store::get(&mut conn, id).await? {
        Some(lottery) if lottery.chat_id == message.chat.id.0 && lottery.status == Status::Open => {
            Ok(Some(lottery))
        }
        Some(lottery) if lottery.chat_id == message.chat.id.0 => {
            call.say(ctx.ta(lang, "lottery-not-open", &fargs! {"id" => display(id)}));
            Ok(None)
        }
        _ => {
            call.say(ctx.ta(lang, "lottery-unknown", &fargs! {"id" => display(id)}));
            Ok(None)
        }
    }
}

/// `/lottery cancel L<id>`: an admin cancels an open lottery; its announcement says so and loses its button.
pub(super) async fn cancel(call: &Call<'_>, arg: &str) -> HandlerResult {
    let (ctx, lang) = (call.ctx, call.lang);
    if !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let Some(lottery) = open_lottery_of(call, arg).await? else {
        return Ok(());
    };
    let mut conn = ctx.storage.write.acquire().await?;
    if !store::cancel(&mut conn, lottery.id, ctx.now()).await? {
        call.say(ctx.ta(
            lang,
            "lottery-not-open",
            &fargs! {"id" => display(lottery.id)},
        ));
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
    call.say(ctx.ta(
        lang,
        "lottery-cancelled",
        &fargs! {"id" => display(lottery.id), "title" => lottery.title.clone()},
    ));
    Ok(())
}

/// `/lottery draw L<id>`: an admin draws an open lottery now.
pub(super) async fn draw_now(call: &Call<'_>, arg: &str) -> HandlerResult {
    let ctx = call.ctx;
    if !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let Some(lottery) = open_lottery_of(call, arg).await? else {
        return Ok(());
    };
    run_draw(ctx, lottery.id, ctx.now(), false).await
}
