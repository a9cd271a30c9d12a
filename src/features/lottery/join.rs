//! Joining a lottery: by its Join button or by typing its keyword in the group.

use super::keywords;
use super::store::{self, Lottery, Status};
use super::{display, BUTTON_PREFIX};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::HandlerResult;
use teloxide::prelude::*;

/// Why a member may not join.
pub(super) enum JoinOutcome {
    Joined,
    Already,
    Closed,
    TooLate,
    Full,
    Ineligible(String),
}

/// Whether a join made at `at` (unix seconds) comes too late: the lottery's draw time has come. The draw
/// takes exactly the members who joined before it, whenever the ticker gets to it.
pub(super) fn past_draw_time(lottery: &Lottery, at: i64) -> bool {
    lottery.draw_at.is_some_and(|draw_at| at >= draw_at)
}

/// Checks eligibility and adds the member to the lottery. `at` is when the member asked: the message's
/// date for a keyword, the time of the press for the button.
pub(super) async fn try_join(
    ctx: &Ctx,
    lang: Lang,
    lottery: &Lottery,
    user_id: i64,
    at: i64,
) -> crate::Result<JoinOutcome> {
    if lottery.status != Status::Open {
        return Ok(JoinOutcome::Closed);
    }
    if past_draw_time(lottery, at) {
        return Ok(JoinOutcome::TooLate);
    }
    let now = ctx.now();
    let mut conn = ctx.storage.write.acquire().await?;
    if store::has_joined(&mut conn, lottery.id, user_id).await? {
        return Ok(JoinOutcome::Already);
    }
    let count = store::entry_count(&mut conn, lottery.id).await?;
    let cap = lottery
        .threshold
        .unwrap_or(i64::MAX)
        .min(i64::from(ctx.config.lottery.max_participants));
    if count >= cap {
        return Ok(JoinOutcome::Full);
    }
    let member = crate::storage::members::get(&mut conn, lottery.chat_id, user_id).await?;
    if let Some(level) = lottery.min_level {
        let (have, title) = crate::facts::member_level(&mut conn, lottery.chat_id, user_id).await?;
        if have < level {
            return Ok(JoinOutcome::Ineligible(ctx.ta(
                lang,
                "lottery-miss-level",
                &fargs! {"level" => level, "have" => have, "title" => title.to_string()},
            )));
        }
    }
    if let Some(days) = lottery.min_days {
        let since = member
            .as_ref()
            .map(|m| m.joined_at.unwrap_or(m.first_seen))
            .unwrap_or(now);
        let have = (now - since).max(0) / 86_400;
        if have < days {
            return Ok(JoinOutcome::Ineligible(ctx.ta(
                lang,
                "lottery-miss-days",
                &fargs! {"days" => days, "have" => have},
            )));
        }
    }
    if lottery.need_spoke && member.as_ref().is_none_or(|m| m.messages == 0) {
        return Ok(JoinOutcome::Ineligible(ctx.t(lang, "lottery-miss-spoke")));
    }
    Ok(if store::join(&mut conn, lottery, user_id, now).await? {
        JoinOutcome::Joined
    } else if store::has_joined(&mut conn, lottery.id, user_id).await? {
        JoinOutcome::Already
    } else {
        // Drawn or cancelled between the look-up and now.
        JoinOutcome::Closed
    })
}

pub(super) fn outcome_text(
    ctx: &Ctx,
    lang: Lang,
    lottery: &Lottery,
    outcome: &JoinOutcome,
) -> String {
    let args = fargs! {"id" => display(lottery.id), "title" => lottery.title.clone()};
    match outcome {
        JoinOutcome::Joined => ctx.ta(lang, "lottery-joined", &args),
        JoinOutcome::Already => ctx.ta(lang, "lottery-already-in", &args),
        JoinOutcome::Closed => ctx.ta(lang, "lottery-not-open", &args),
        JoinOutcome::TooLate => ctx.ta(lang, "lottery-too-late", &args),
        JoinOutcome::Full => ctx.ta(lang, "lottery-full", &args),
        JoinOutcome::Ineligible(why) => ctx.ta(
            lang,
            "lottery-ineligible",
            &fargs! {"id" => display(lottery.id), "reason" => why.clone()},
        ),
    }
}

pub(super) async fn on_button(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let data = query.data.clone().unwrap_or_default();
    let chat_id = query.message.as_ref().map(|m| m.chat().id.0);
    let lang = match chat_id {
        Some(chat) => ctx.group_lang(chat).await,
        None => ctx.default_lang(),
    };
    let found = match data[BUTTON_PREFIX.len()..].parse::<i64>() {
        Ok(id) => {
            let mut conn = ctx.storage.read.acquire().await?;
            store::get(&mut conn, id).await?
        }
        Err(_) => None,
    };
    let (text, alert) = match found {
        Some(lottery) if Some(lottery.chat_id) == chat_id => {
            let outcome = try_join(&ctx, lang, &lottery, query.from.id.0 as i64, ctx.now()).await?;
            let alert = !matches!(outcome, JoinOutcome::Joined);
            (outcome_text(&ctx, lang, &lottery, &outcome), alert)
        }
        _ => (ctx.t(lang, "lottery-button-stale"), true),
    };
    ctx.outbound.answer_press(&query, text, alert);
    Ok(())
}

/// The open lottery a group message joins by its keyword, if the message is exactly one (compared in
/// [`keywords::fold`]ed form).
pub(super) async fn keyword_lottery(ctx: Ctx, message: Message) -> Option<Lottery> {
    if !(message.chat.is_group() || message.chat.is_supergroup()) {
        return None;
    }
    let text = message.text()?.trim();
    if text.is_empty() || text.starts_with('/') || text.chars().count() > 32 {
        return None;
    }
    message.from.as_ref().filter(|u| !u.is_bot)?;
    let chat_id = message.chat.id.0;
    // Most messages are no keyword: they are answered from memory, and only a match reads the database.
    let keyword = match keywords::matching(&ctx, chat_id, text).await {
        Ok(Some(keyword)) => keyword,
        Ok(None) => return None,
        Err(err) => {
            tracing::warn!(%err, "could not load the lottery keywords");
            return None;
        }
    };
    let mut conn = ctx.storage.read.acquire().await.ok()?;
    match store::open_by_keyword(&mut conn, chat_id, &keyword).await {
        Ok(found) => found,
        Err(err) => {
            tracing::warn!(%err, "could not look up a lottery keyword");
            None
        }
    }
}

/// A member typed a lottery's keyword: a joined member gets a 🎉 reaction and a member already in gets 👌
/// (no message, so a busy group is not flooded); a refusal is a short reply that names the reason.
pub(super) async fn on_keyword(ctx: Ctx, message: Message, lottery: Lottery) -> HandlerResult {
    let Some(user) = message.from.as_ref() else {
        return Ok(());
    };
    let lang = ctx.lang_for(&message).await;
    let asked_at = message.date.timestamp();
    let outcome = try_join(&ctx, lang, &lottery, user.id.0 as i64, asked_at).await?;
    let emoji = match outcome {
        JoinOutcome::Joined => "🎉",
        JoinOutcome::Already => "👌",
        _ => {
            ctx.reply_brief(&message, outcome_text(&ctx, lang, &lottery, &outcome));
            return Ok(());
        }
    };
    ctx.outbound.react(message.chat.id.0, message.id, emoji);
    Ok(())
}
