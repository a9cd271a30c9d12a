//! `/schedules`: a group's scheduled posts with their next run in the group's time, and under the list a
//! row of buttons per post to pause or resume it, run it now, or delete it. A press is checked against the
//! presser's real admin rights (change group info) when it arrives, and the list is then redrawn.

use super::store::{self, Outcome, Schedule, Status};
use super::{run, when, BUTTON_PREFIX};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Call, Ctx};
use crate::telegram::admins::Right;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use chrono_tz::Tz;
use teloxide::types::{CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup};

/// The most characters of a post shown in the list.
const PREVIEW_CHARS: usize = 40;

/// `/schedules`.
pub async fn list(call: &Call<'_>) -> HandlerResult {
    if !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let (html, markup) = render(call.ctx, call.chat_id, call.lang).await?;
    let mut text = crate::telegram::outbound::Text::html(call.chat_id, html).reply_to(call.message);
    if let Some(markup) = markup {
        text = text.markup(markup);
    }
    call.ctx.outbound.send_text(text);
    Ok(())
}

/// The list as HTML, and its buttons (none when the list is empty).
async fn render(
    ctx: &Ctx,
    chat_id: i64,
    lang: Lang,
) -> crate::Result<(String, Option<InlineKeyboardMarkup>)> {
    let schedules = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::list(&mut conn, chat_id).await?
    };
    if schedules.is_empty() {
        return Ok((escape(&ctx.t(lang, "schedule-none")), None));
    }
    let tz = crate::facts::group_zone(ctx, chat_id).await?;
    let mut lines = vec![escape(&ctx.ta(
        lang,
        "schedule-list-header",
        &fargs! {"zone" => crate::facts::zones::display(tz, lang)},
    ))];
    let mut rows = Vec::new();
    for schedule in &schedules {
        lines.push(line(ctx, lang, tz, schedule));
        rows.push(buttons(ctx, lang, schedule));
    }
    Ok((lines.join("\n"), Some(InlineKeyboardMarkup::new(rows))))
}

fn line(ctx: &Ctx, lang: Lang, tz: Tz, schedule: &Schedule) -> String {
    let state = match (schedule.status, schedule.next_at) {
        (Status::Paused, _) => ctx.t(lang, "schedule-state-paused"),
        (_, Some(next)) => ctx.ta(
            lang,
            "schedule-state-next",
            &fargs! {"next" => when::local_text(tz, next)},
        ),
        _ => ctx.t(lang, "schedule-state-done"),
    };
    let body = &schedule.content.body;
    let mut preview: String = body.chars().take(PREVIEW_CHARS).collect();
    if body.chars().count() > PREVIEW_CHARS {
        preview.push('…');
    }
    if preview.is_empty() {
        preview = ctx.t(
            lang,
            &format!("schedule-kind-{}", schedule.content.kind.name()),
        );
    }
    format!(
        "<b>#{}</b> <code>{}</code> · {} · {}",
        schedule.id,
        escape(&schedule.written),
        escape(&state),
        escape(&preview)
    )
}

fn buttons(ctx: &Ctx, lang: Lang, schedule: &Schedule) -> Vec<InlineKeyboardButton> {
    let id = schedule.id;
    let data = |verb: &str| format!("{BUTTON_PREFIX}{verb}:{id}");
    let toggle = if schedule.status == Status::Paused {
        ("schedule-button-resume", "resume")
    } else {
        ("schedule-button-pause", "pause")
    };
    [
        toggle,
        ("schedule-button-now", "now"),
        ("schedule-button-delete", "delete"),
    ]
    .into_iter()
    .map(|(label, verb)| {
        InlineKeyboardButton::callback(ctx.ta(lang, label, &fargs! {"id" => id}), data(verb))
    })
    .collect()
}

/// A press on a button under the list.
pub async fn on_press(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let data = query.data.clone().unwrap_or_default();
    let rest = data.trim_start_matches(BUTTON_PREFIX);
    let (verb, id) = rest.split_once(':').unwrap_or((rest, ""));
    let Some(message) = query.message.as_ref() else {
        return Ok(());
    };
    let chat_id = message.chat().id.0;
    let lang = ctx.group_lang(chat_id).await;
    let answer = |id: &str| ctx.outbound.answer_press(&query, ctx.t(lang, id), false);
    let may = ctx
        .admins
        .rights(chat_id, query.from.id.0)
        .await?
        .is_some_and(|rights| rights.has(Right::ChangeInfo));
    if !may {
        answer("schedule-press-not-allowed");
        return Ok(());
    }
    let schedule = match id.parse::<i64>() {
        Ok(id) => {
            let mut conn = ctx.storage.read.acquire().await?;
            store::get(&mut conn, id).await?
        }
        Err(_) => None,
    };
    let Some(schedule) = schedule.filter(|s| s.chat_id == chat_id) else {
        answer("schedule-press-gone");
        return Ok(());
    };
    let now = ctx.now();
    let reply = match verb {
        "pause" => {
            let mut tx = ctx.storage.write.begin().await?;
            store::pause(&mut tx, &schedule).await?;
            tx.commit().await?;
            "schedule-paused"
        }
        "resume" => {
            let tz = crate::facts::group_zone(&ctx, chat_id).await?;
            match when::next_after(&schedule.plan.rule, schedule.anchor_at, now, tz) {
                Some(next) if schedule.plan.until.is_none_or(|until| next <= until) => {
                    let mut tx = ctx.storage.write.begin().await?;
                    store::resume(&mut tx, &schedule, next, now).await?;
                    tx.commit().await?;
                    "schedule-resumed"
                }
                _ => "schedule-resume-over",
            }
        }
        "now" => {
            let fresh = {
                let mut tx = ctx.storage.write.begin().await?;
                let fresh =
                    store::record_run(&mut tx, &schedule, now, now, Outcome::Manual).await?;
                tx.commit().await?;
                fresh
            };
            if fresh {
                run::post(&ctx, schedule.clone(), now);
                "schedule-ran-now"
            } else {
                "schedule-ran-just-now"
            }
        }
        "delete" => {
            let mut tx = ctx.storage.write.begin().await?;
            store::delete(&mut tx, &schedule).await?;
            tx.commit().await?;
            "schedule-deleted"
        }
        _ => "schedule-press-gone",
    };
    answer(reply);
    let (html, markup) = render(&ctx, chat_id, lang).await?;
    ctx.outbound
        .edit_text(chat_id, message.id(), html, true, markup);
    Ok(())
}
