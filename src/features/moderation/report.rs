//! A member reports a message with `/report`; the admins are tagged and decide with a button (delete, ban,
//! dismiss).

use super::detection;
use super::punish_commands::ban;
use super::store::LayerLabel;
use super::store::{self, ReportStatus};
use super::subject::{message_text, replied_channel, Answer, Subject};
use super::{log, CALLBACK_PREFIX};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Call, Ctx};
use crate::telegram::admins::Right;
use crate::telegram::outbound::{Priority, Text};
use crate::telegram::text::{escape, full_name, mention_html};
use crate::telegram::HandlerResult;
use teloxide::types::{CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

/// Reports one member may make per window (`REPORT_WINDOW_SECS`); further ones, and repeats of the same
/// report, are ignored silently so `/report` cannot flood the admins or the group.
const REPORTS_PER_WINDOW: usize = 3;
const REPORT_WINDOW_SECS: i64 = 600;

pub(super) async fn report_command(call: &Call<'_>, reason: &str) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    if !super::cache::may_report(
        ctx,
        call.chat_id,
        call.sender_id(),
        ctx.now(),
        REPORTS_PER_WINDOW,
        REPORT_WINDOW_SECS,
    ) {
        return Ok(None);
    }
    let Some(replied) = crate::telegram::replied_message(message) else {
        return Ok(Some(ctx.t_html(lang, "moderation-report-usage")));
    };
    let chat_id = message.chat.id.0;
    let reported = replied_channel(message)
        .map(|c| c.id)
        .or(replied.from.as_ref().map(|u| u.id.0 as i64));
    let Some(reported) = reported else {
        return Ok(Some(ctx.t_html(lang, "moderation-report-usage")));
    };
    if reported == ctx.me.id.0 as i64
        || (reported > 0 && ctx.admins.is_admin(chat_id, reported as u64).await?)
    {
        return Ok(Some(ctx.t_html(lang, "moderation-report-admin")));
    }
    let reporter = message.from.as_ref().map_or(0, |u| u.id.0 as i64);
    let excerpt = message_text(replied);
    let report_id = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::add_report(
            &mut conn,
            chat_id,
            replied.id.0,
            reported,
            reporter,
            &excerpt,
            ctx.now(),
        )
        .await?
    };
    let Some(report_id) = report_id else {
        return Ok(Some(ctx.t_html(lang, "moderation-report-already")));
    };
    let admins = ctx.admins.admins(chat_id).await?;
    let mut tags = String::new();
    for admin in admins.keys().filter(|id| **id != ctx.me.id.0).take(20) {
        tags.push_str(&format!("<a href=\"tg://user?id={admin}\">\u{200b}</a>"));
    }
    // The group is not told who reported: the report row (which admins and the log see) keeps the
    // reporter, and the member's /report itself is deleted where the bot may delete it.
    let html = format!(
        "{}{tags}",
        ctx.ta(
            lang,
            "moderation-report-posted-unnamed",
            &fargs! {"excerpt" => escape(&excerpt.chars().take(100).collect::<String>())},
        )
    );
    if ctx
        .admins
        .bot_missing(chat_id, &[Right::Delete])
        .await?
        .is_none()
    {
        ctx.outbound.delete(chat_id, message.id);
    }
    let html = if reason.is_empty() {
        html
    } else {
        format!("{html}\n{}", escape(reason))
    };
    let markup = InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::callback(
            ctx.t(lang, "moderation-button-report-delete"),
            format!("{CALLBACK_PREFIX}rdel:{report_id}"),
        ),
        InlineKeyboardButton::callback(
            ctx.t(lang, "moderation-button-report-ban"),
            format!("{CALLBACK_PREFIX}rban:{report_id}"),
        ),
        InlineKeyboardButton::callback(
            ctx.t(lang, "moderation-button-report-dismiss"),
            format!("{CALLBACK_PREFIX}rok:{report_id}"),
        ),
    ]]);
    ctx.outbound.send_text(
        Text::html(chat_id, html)
            .reply_to(replied)
            .markup(markup)
            .priority(Priority::Moderation),
    );
    Ok(None)
}

/// The decision a report button stands for: `rdel` deletes, `rban` bans, anything else dismisses.
fn decision(verb: &str) -> ReportStatus {
    match verb {
        "rdel" => ReportStatus::Deleted,
        "rban" => ReportStatus::Banned,
        _ => ReportStatus::Dismissed,
    }
}

/// Whether button data belongs to a report.
pub(super) fn is_report_button(verb: &str) -> bool {
    matches!(verb, "rdel" | "rban" | "rok")
}

/// An admin's decision on a report: delete the message, ban its author (both teach the group's detector layer spam),
/// or dismiss it.
pub(super) async fn on_report_button(
    ctx: &Ctx,
    query: &CallbackQuery,
    verb: &str,
    id: &str,
    lang: Lang,
) -> HandlerResult {
    let report = match id.parse::<i64>() {
        Ok(id) => {
            let mut conn = ctx.storage.read.acquire().await?;
            store::get_report(&mut conn, id).await?
        }
        Err(_) => None,
    };
    let Some(report) = report.filter(|r| {
        query
            .message
            .as_ref()
            .is_none_or(|m| m.chat().id.0 == r.chat_id)
    }) else {
        ctx.outbound
            .answer_press(query, ctx.t(lang, "moderation-button-unknown"), false);
        return Ok(());
    };
    let needed = if verb == "rdel" {
        Right::Delete
    } else {
        Right::Restrict
    };
    let rights = ctx.admins.rights(report.chat_id, query.from.id.0).await?;
    if !rights.is_some_and(|r| r.has(needed)) {
        ctx.outbound
            .answer_press(query, ctx.t(lang, "moderation-report-admins-only"), false);
        return Ok(());
    }
    let status = decision(verb);
    let by = query.from.id.0 as i64;
    let now = ctx.now();
    let channel = report.reported_user_id < 0;
    let subject = Subject {
        id: report.reported_user_id,
        name: String::new(),
        channel,
    };
    let action = match status {
        ReportStatus::Dismissed => None,
        ReportStatus::Banned => Some("ban"),
        _ => Some("delete"),
    };
    let entry = action.map(|action| store::LogEntry {
        chat_id: report.chat_id,
        user_id: report.reported_user_id,
        is_channel: channel,
        rule: "report",
        detail: "",
        action,
        excerpt: &report.excerpt,
        actor_id: Some(by),
        reverses_id: None,
        at: now,
        expires_at: now,
    });
    // The decision and its log entry are one transaction with the record of this press, so a press
    // sent again after a crash finds the report decided and its action logged once.
    let decided = {
        let mut tx = ctx.storage.write.begin().await?;
        if store::decide_report(&mut tx, report.id, status, by, now).await? {
            let log_id = match &entry {
                Some(entry) => Some(log::record_in(&mut tx, entry).await?),
                None => None,
            };
            tx.commit().await?;
            Some(log_id)
        } else {
            None
        }
    };
    let Some(log_id) = decided else {
        ctx.outbound
            .answer_press(query, ctx.t(lang, "moderation-report-decided"), false);
        return Ok(());
    };
    if let (Some(entry), Some(log_id)) = (&entry, log_id) {
        ctx.outbound
            .delete(report.chat_id, MessageId(report.message_id as i32));
        log::mirror(ctx, log_id, entry).await?;
        if status == ReportStatus::Banned {
            ban(ctx, report.chat_id, &subject, None, log_id);
        }
        detection::teach(
            ctx,
            report.chat_id,
            &report.excerpt,
            LayerLabel::Spam,
            "report",
            Some(by),
        )
        .await?;
    }
    ctx.outbound
        .answer_press(query, ctx.t(lang, "moderation-report-done"), false);
    if let Some(message) = &query.message {
        let text = ctx.ta(
            lang,
            &format!("moderation-report-{}", status.name()),
            &fargs! {"admin" => mention_html(by, &full_name(&query.from))},
        );
        ctx.outbound
            .edit_text(report.chat_id, message.id(), text, true, None);
    }
    Ok(())
}
