//! Redemption codes (核销码): new codes, sending them to winners, `/lottery` in private and `/redeem`.

use super::parse;
use super::store::{self, Lottery};
use super::{display, group_tz, local_time};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Call, Ctx};
use crate::telegram::admins::Right;
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, mention_html};
use crate::telegram::HandlerResult;
use teloxide::prelude::*;
use teloxide::types::ThreadId;

/// A fresh redemption code from the operating system's random generator.
pub(super) fn new_code() -> String {
    use rand::TryRngCore;
    loop {
        let mut bytes = [0u8; 32];
        if rand::rngs::OsRng.try_fill_bytes(&mut bytes).is_err() {
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        }
        if let Some(code) = parse::code_from_bytes(&bytes) {
            return code;
        }
    }
}

/// Sends each redemption code privately, once the result is out in the group (`announced`). Members the bot
/// cannot write to (they never started it, or blocked it: the Bot API refuses with an error) are named in one
/// group message that tells them to start the bot and send `/lottery` there to see their codes.
pub(super) fn send_codes(
    ctx: &Ctx,
    lang: Lang,
    lottery: &Lottery,
    wins: Vec<store::Win>,
    thread: Option<ThreadId>,
    announced: Vec<crate::telegram::outbound::Pending<Message>>,
) {
    if wins.iter().all(|w| w.code.is_none()) {
        return;
    }
    let ctx = ctx.clone();
    let (chat_id, id, title) = (lottery.chat_id, lottery.id, lottery.title.clone());
    ctx.tasks.clone().spawn(async move {
        for sent in announced {
            if let Err(err) = sent.wait().await {
                tracing::warn!(%err, lottery = id, "the draw result was not sent");
            }
        }
        let mut pending = Vec::new();
        for win in &wins {
            let Some(code) = &win.code else { continue };
            let text = ctx.ta(
                lang,
                "lottery-code-dm",
                &fargs! {
                    "id" => display(id),
                    "title" => escape(&title),
                    "prize" => escape(&win.prize),
                    "code" => code.clone(),
                },
            );
            pending.push((
                win.user_id,
                ctx.outbound.send_text(Text::html(win.user_id, text)),
            ));
        }
        let mut unreachable = Vec::new();
        for (user, sent) in pending {
            match sent.wait().await {
                Ok(_) => {}
                Err(crate::Error::Telegram(teloxide::RequestError::Api(err))) => {
                    tracing::info!(user, %err, "winner cannot be written to privately");
                    unreachable.push(user);
                }
                Err(err) => tracing::warn!(user, %err, "could not send a redemption code"),
            }
        }
        if unreachable.is_empty() {
            return;
        }
        let mut mentions = Vec::new();
        if let Ok(mut conn) = ctx.storage.read.acquire().await {
            for user in &unreachable {
                let name = crate::storage::members::get_user(&mut conn, *user)
                    .await
                    .ok()
                    .flatten()
                    .map(|u| u.full_name())
                    .unwrap_or_else(|| user.to_string());
                mentions.push(mention_html(*user, &name));
            }
        }
        let bot = ctx.me.username.clone().unwrap_or_default();
        let text = ctx.ta(
            lang,
            "lottery-code-start-bot",
            &fargs! {"members" => mentions.join(", "), "bot" => escape(&bot)},
        );
        let mut out = Text::html(chat_id, text);
        out.thread_id = thread;
        ctx.outbound.send_text(out);
    });
}

/// In a private chat, `/lottery` lists the member's unredeemed codes of every group.
pub(super) async fn my_codes(call: &Call<'_>) -> HandlerResult {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let Some(user) = message.from.as_ref() else {
        return Ok(());
    };
    let mut conn = ctx.storage.read.acquire().await?;
    let codes = store::open_codes_of(&mut conn, user.id.0 as i64).await?;
    if codes.is_empty() {
        call.say(ctx.t(lang, "lottery-my-codes-none"));
        return Ok(());
    }
    let mut text = format!("<b>{}</b>\n", ctx.t_html(lang, "lottery-my-codes-title"));
    for store::OwnedCode { win, title } in codes {
        text.push_str(&ctx.ta(
            lang,
            "lottery-my-codes-row",
            &fargs! {
                "id" => display(win.lottery_id),
                "title" => escape(&title),
                "prize" => escape(&win.prize),
                "code" => win.code.unwrap_or_default(),
            },
        ));
        text.push('\n');
    }
    call.say_html(text);
    Ok(())
}

pub(super) async fn redeem(call: &Call<'_>, arg: &str) -> HandlerResult {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    if !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let code = parse::normalize_code(arg);
    if code.is_empty() {
        call.say(ctx.t(lang, "lottery-redeem-usage"));
        return Ok(());
    }
    let chat_id = message.chat.id.0;
    let by = message.from.as_ref().map(|u| u.id.0 as i64).unwrap_or(0);
    let now = ctx.now();
    let mut conn = ctx.storage.write.acquire().await?;
    let Some(win) = store::win_by_code(&mut conn, chat_id, &code).await? else {
        call.say(ctx.ta(lang, "lottery-redeem-unknown", &fargs! {"code" => code}));
        return Ok(());
    };
    if let Some(at) = win.redeemed_at {
        let tz = group_tz(ctx, chat_id).await;
        call.say(ctx.ta(
            lang,
            "lottery-redeem-used",
            &fargs! {"code" => code, "time" => local_time(tz.zone, at)},
        ));
        return Ok(());
    }
    if !store::redeem(&mut conn, chat_id, &code, by, now).await? {
        call.say(ctx.ta(lang, "lottery-redeem-unknown", &fargs! {"code" => code}));
        return Ok(());
    }
    let name = crate::storage::members::get_user(&mut conn, win.user_id)
        .await?
        .map(|u| u.full_name())
        .unwrap_or_else(|| win.user_id.to_string());
    call.say_html(ctx.ta(
        lang,
        "lottery-redeemed",
        &fargs! {
            "code" => code,
            "id" => display(win.lottery_id),
            "prize" => escape(&win.prize),
            "winner" => mention_html(win.user_id, &name),
        },
    ));
    Ok(())
}
