//! The buttons under moderation's messages: a member appeals an automatic action, an admin undoes one (a
//! false positive); report buttons are handed to [`super::report`], and the answers to a suspicious message
//! to [`super::suspicious`].

use super::rules::{Action, RuleKind};
use super::store::LayerLabel;
use super::{cache, detection, log, report, store, suspicious, CALLBACK_PREFIX};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::Right;
use crate::telegram::outbound::{Priority, Text};
use crate::telegram::text::{escape, full_name, mention_html};
use crate::telegram::HandlerResult;
use teloxide::types::{CallbackQuery, ChatPermissions, InlineKeyboardButton, InlineKeyboardMarkup};

/// Whether moderation may post one more notice (an appeal, an undo) in a group now: not while raid mode
/// is on, and only from the group's explanation budget (which it then takes from).
async fn may_notice(ctx: &Ctx, chat_id: i64, now: i64) -> crate::Result<bool> {
    let raid = {
        let mut conn = ctx.storage.read.acquire().await?;
        crate::storage::raid::is_on(&mut conn, chat_id, now).await?
    };
    Ok(!raid
        && cache::take_explanation(ctx, chat_id, now, ctx.config.moderation.explain_per_minute))
}

pub(super) async fn on_button(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let data = query.data.clone().unwrap_or_default();
    let rest = data.trim_start_matches(CALLBACK_PREFIX);
    let (verb, id) = rest.split_once(':').unwrap_or((rest, ""));
    let lang = match query.message.as_ref() {
        Some(message) => ctx.group_lang(message.chat().id.0).await,
        None => ctx.default_lang(),
    };
    if report::is_report_button(verb) {
        return report::on_report_button(&ctx, &query, verb, id, lang).await;
    }
    if suspicious::is_suspicious_button(verb) {
        return suspicious::on_press(&ctx, &query, verb, id, lang).await;
    }
    if verb == super::shared_bans::UNBAN_VERB {
        return super::shared_bans::on_unban_press(&ctx, &query, id, lang).await;
    }
    let violation = match id.parse::<i64>() {
        Ok(id) => {
            let mut conn = ctx.storage.read.acquire().await?;
            store::get_violation(&mut conn, id).await?
        }
        Err(_) => None,
    };
    let Some(violation) = violation.filter(|v| {
        query
            .message
            .as_ref()
            .is_none_or(|m| m.chat().id.0 == v.chat_id)
    }) else {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "moderation-button-unknown"), false);
        return Ok(());
    };
    match verb {
        "appeal" => appeal(&ctx, &query, &violation, lang).await,
        "undo" => undo(&ctx, &query, &violation, lang).await,
        _ => {
            ctx.outbound
                .answer_press(&query, ctx.t(lang, "moderation-button-unknown"), false);
            Ok(())
        }
    }
}

async fn appeal(
    ctx: &Ctx,
    query: &CallbackQuery,
    violation: &store::Violation,
    lang: Lang,
) -> HandlerResult {
    if query.from.id.0 as i64 != violation.user_id {
        ctx.outbound
            .answer_press(query, ctx.t(lang, "moderation-appeal-not-yours"), false);
        return Ok(());
    }
    if violation.undone_by.is_some() {
        ctx.outbound
            .answer_press(query, ctx.t(lang, "moderation-undo-already"), false);
        return Ok(());
    }
    // An appeal is a group message: it comes out of the group's explanation budget, and waits while
    // raid mode is on.
    let now = ctx.now();
    if !may_notice(ctx, violation.chat_id, now).await? {
        ctx.outbound
            .answer_press(query, ctx.t(lang, "moderation-appeal-busy"), false);
        return Ok(());
    }
    let first = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::mark_appealed(&mut conn, violation.id, now).await?
    };
    if !first {
        ctx.outbound
            .answer_press(query, ctx.t(lang, "moderation-appeal-already"), false);
        return Ok(());
    }
    ctx.outbound
        .answer_press(query, ctx.t(lang, "moderation-appeal-sent"), false);
    let html = ctx.ta(
        lang,
        "moderation-appeal-posted",
        &fargs! {
            "member" => mention_html(violation.user_id, &full_name(&query.from)),
            "rule" => ctx.t(lang, &format!("moderation-rule-{}", rule_kind_name(&violation.rule))),
            "detail" => escape(&violation.detail),
            "action" => escape(&super::log::action_name(ctx, lang, &violation.action)),
        },
    );
    let markup = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        ctx.t(lang, "moderation-button-undo"),
        format!("{CALLBACK_PREFIX}undo:{}", violation.id),
    )]]);
    let mut text = Text::html(violation.chat_id, html).markup(markup);
    if let Some(message) = query.message.as_ref().and_then(|m| m.regular_message()) {
        text = text.reply_to(message);
    }
    ctx.outbound.send_text(text.priority(Priority::Moderation));
    Ok(())
}

/// The rule kind of a stored rule id (`lock:photo` belongs to `media`).
fn rule_kind_name(rule: &str) -> &'static str {
    if rule.starts_with("lock:") {
        return RuleKind::Media.name();
    }
    RuleKind::parse(rule).unwrap_or(RuleKind::Keyword).name()
}

async fn undo(
    ctx: &Ctx,
    query: &CallbackQuery,
    violation: &store::Violation,
    lang: Lang,
) -> HandlerResult {
    let rights = ctx
        .admins
        .rights(violation.chat_id, query.from.id.0)
        .await?;
    if !rights.is_some_and(|r| r.has(Right::Restrict)) {
        ctx.outbound
            .answer_press(query, ctx.t(lang, "moderation-undo-admins-only"), false);
        return Ok(());
    }
    let now = ctx.now();
    let by = query.from.id.0 as i64;
    let undo = store::LogEntry {
        chat_id: violation.chat_id,
        user_id: violation.user_id,
        is_channel: violation.is_channel,
        rule: &violation.rule,
        detail: "",
        action: "undo",
        excerpt: "",
        actor_id: Some(by),
        reverses_id: Some(violation.id),
        at: now,
        expires_at: now,
    };
    // Undone and logged in one transaction with the record of this press: the press sent again after a
    // crash finds it done, and the log never misses the undo.
    let undone = {
        let mut tx = ctx.storage.write.begin().await?;
        if store::undo_violation(&mut tx, violation.id, by, now).await? {
            let id = log::record_in(&mut tx, &undo).await?;
            tx.commit().await?;
            Some(id)
        } else {
            None
        }
    };
    let Some(undo_id) = undone else {
        ctx.outbound
            .answer_press(query, ctx.t(lang, "moderation-undo-already"), false);
        return Ok(());
    };
    log::mirror(ctx, undo_id, &undo).await?;
    if violation.actor_id.is_none() {
        detection::teach(
            ctx,
            violation.chat_id,
            &violation.excerpt,
            LayerLabel::NotSpam,
            "undo",
            Some(by),
        )
        .await?;
    }
    let (chat_id, user_id) = (violation.chat_id, violation.user_id);
    match Action::parse(&violation.action) {
        Some(Action::Ban | Action::Kick) if violation.is_channel => {
            ctx.outbound.unban_sender_chat(chat_id, user_id);
        }
        Some(Action::Mute(_)) if !violation.is_channel => {
            ctx.outbound
                .unrestrict(chat_id, user_id, ChatPermissions::all());
        }
        Some(Action::Ban | Action::Kick) => {
            ctx.outbound.unban(chat_id, user_id as u64);
        }
        _ => {}
    }
    tracing::info!(
        chat_id = violation.chat_id,
        user_id = violation.user_id,
        rule = %violation.rule,
        "an admin undid an automatic action (false positive)"
    );
    ctx.outbound
        .answer_press(query, ctx.t(lang, "moderation-undo-done"), false);
    // The notice in the group comes out of the explanation budget and is left out during a raid; the
    // admin who pressed already has the answer above.
    if !may_notice(ctx, violation.chat_id, now).await? {
        return Ok(());
    }
    let name = {
        let mut conn = ctx.storage.read.acquire().await?;
        crate::storage::members::get_user(&mut conn, violation.user_id)
            .await?
            .map(|u| u.full_name())
            .unwrap_or_else(|| violation.user_id.to_string())
    };
    ctx.outbound.send_text(
        Text::html(
            violation.chat_id,
            ctx.ta(
                lang,
                "moderation-undo-posted",
                &fargs! {
                    "member" => mention_html(violation.user_id, &name),
                    "admin" => mention_html(query.from.id.0 as i64, &full_name(&query.from)),
                },
            ),
        )
        .priority(Priority::Moderation),
    );
    Ok(())
}
