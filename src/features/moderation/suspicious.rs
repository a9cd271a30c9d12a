//! The detector's suspicious band: a message scored between the group's suspicious and remove thresholds
//! stays, and the admins are asked about it. The question is one notice (in the `/setlog` channel when
//! the group has one, else in the group) with the message's excerpt, its author, the score and what
//! decided it, and a row of Delete / Ban / Not spam buttons. At most one notice is posted per group per
//! `explain_window`: messages flagged inside the window wait and are folded into the next notice (a
//! count and a list), which the moderation tick posts once the window has passed. An admin's press is
//! checked against their rights in the group (deleting messages for Delete and Not spam, banning for
//! Ban), carried out, taught to the group's detector layer, and written into the notice. Everything is
//! stored, so flagged messages and notices survive a restart.

use super::detection::{self, Detail};
use super::judge::Judged;
use super::punish_commands::ban;
use super::store::{self, LayerLabel, Suspicious, SuspiciousDecision};
use super::subject::Subject;
use super::{log, CALLBACK_PREFIX};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::Right;
use crate::telegram::outbound::{Priority, Text};
use crate::telegram::text::{escape, full_name, mention_html};
use crate::telegram::HandlerResult;
use std::collections::HashMap;
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

/// How much of a flagged message a notice quotes.
const EXCERPT_CHARS: usize = 120;

/// The most flagged messages one notice lists with buttons; the rest are counted.
const LISTED: usize = 10;

/// Whether button data belongs to a suspicious-message notice.
pub(super) fn is_suspicious_button(verb: &str) -> bool {
    decision(verb).is_some()
}

fn decision(verb: &str) -> Option<SuspiciousDecision> {
    match verb {
        "sdel" => Some(SuspiciousDecision::Delete),
        "sban" => Some(SuspiciousDecision::Ban),
        "sok" => Some(SuspiciousDecision::NotSpam),
        _ => None,
    }
}

fn verb(decision: SuspiciousDecision) -> &'static str {
    match decision {
        SuspiciousDecision::Delete => "sdel",
        SuspiciousDecision::Ban => "sban",
        SuspiciousDecision::NotSpam => "sok",
    }
}

/// The admin right an answer needs.
fn needed_right(decision: SuspiciousDecision) -> Right {
    match decision {
        SuspiciousDecision::Ban => Right::Restrict,
        SuspiciousDecision::Delete | SuspiciousDecision::NotSpam => Right::Delete,
    }
}

/// Flags a message the detector found suspicious and asks the admins about it now, or folds it into the
/// next notice when one was posted within the window. A message flagged before (an edit) is left alone.
pub(super) async fn flag(ctx: &Ctx, message: &Message, judged: &Judged) -> crate::Result<()> {
    let Some(detail) = &judged.detail else {
        return Ok(());
    };
    let chat_id = message.chat.id.0;
    let now = ctx.now();
    let excerpt: String = judged.text.chars().take(EXCERPT_CHARS).collect();
    let added = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::add_suspicious(
            &mut conn,
            &store::NewSuspicious {
                chat_id,
                message_id: message.id.0,
                user_id: judged.author.id,
                is_channel: judged.author.channel,
                name: &judged.author.name,
                excerpt: &excerpt,
                probability: f64::from(detail.score()),
                detail: &detail.encode(),
                at: now,
            },
        )
        .await?
    };
    if added.is_none() {
        return Ok(());
    }
    tracing::info!(
        chat_id,
        user_id = judged.author.id,
        score = detail.score(),
        "a suspicious message was flagged for the admins"
    );
    post_if_due(ctx, chat_id, now).await
}

/// Posts one notice about every flagged message of a group that waits, unless a notice was posted
/// within `explain_window`, or raid mode is on and the notice would go into the group.
pub(super) async fn post_if_due(ctx: &Ctx, chat_id: i64, now: i64) -> crate::Result<()> {
    let window = ctx.config.moderation.explain_window.get().as_secs() as i64;
    let (channel, raid) = {
        let mut conn = ctx.storage.read.acquire().await?;
        (
            store::log_channel(&mut conn, chat_id).await?,
            crate::storage::raid::is_on(&mut conn, chat_id, now).await?,
        )
    };
    if channel.is_none() && raid {
        return Ok(());
    }
    let posted_in = channel.unwrap_or(chat_id);
    let opened = {
        let mut conn = ctx.storage.write.acquire().await?;
        if store::noticed_since(&mut conn, chat_id, now - window).await? {
            return Ok(());
        }
        store::open_notice(&mut conn, chat_id, posted_in, now).await?
    };
    let Some((notice_id, items)) = opened else {
        return Ok(());
    };
    let lang = ctx.group_lang(chat_id).await;
    let (html, markup) = render(ctx, lang, &items, &HashMap::new());
    let mut text = Text::html(posted_in, html).priority(Priority::Moderation);
    if let Some(markup) = markup {
        text = text.markup(markup);
    }
    let pending = ctx.outbound.send_text(text);
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        let sent = match pending.wait().await {
            Ok(sent) => sent,
            Err(err) => {
                tracing::warn!(%err, chat_id, "a suspicious-message notice was not sent");
                return;
            }
        };
        let stored = async {
            let mut conn = ctx.storage.write.acquire().await?;
            store::set_notice_message(&mut conn, notice_id, sent.id.0).await
        };
        if let Err(err) = stored.await {
            tracing::warn!(%err, chat_id, "the notice's message id was not stored");
        }
    });
    Ok(())
}

/// Posts the folded notices whose window has passed (called by the moderation tick).
pub(super) async fn post_waiting(ctx: &Ctx) -> crate::Result<()> {
    let now = ctx.now();
    let window = ctx.config.moderation.explain_window.get().as_secs() as i64;
    let groups = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::groups_waiting_for_notice(&mut conn, now - window).await?
    };
    for chat_id in groups {
        // One group's failure does not keep the others' notices back.
        if let Err(err) = post_if_due(ctx, chat_id, now).await {
            tracing::warn!(%err, chat_id, "a folded suspicious-message notice failed");
        }
    }
    Ok(())
}

/// A notice's text (HTML) and its buttons (`None` when every listed message was answered).
/// `admins` names the admins who answered (by id when missing).
fn render(
    ctx: &Ctx,
    lang: Lang,
    items: &[Suspicious],
    admins: &HashMap<i64, String>,
) -> (String, Option<InlineKeyboardMarkup>) {
    let mut html = escape(&ctx.ta(
        lang,
        "moderation-suspicious-title",
        &fargs! {"count" => items.len()},
    ));
    let numbered = items.len() > 1;
    let mut rows = Vec::new();
    for (i, item) in items.iter().take(LISTED).enumerate() {
        let n = i + 1;
        let member = if item.is_channel {
            format!("<b>{}</b>", escape(&item.name))
        } else {
            mention_html(item.user_id, &item.name)
        };
        let why = Detail::decode(&item.detail)
            .map(|d| d.words(ctx, lang))
            .unwrap_or_default();
        html.push('\n');
        html.push_str(&ctx.ta(
            lang,
            "moderation-suspicious-item",
            &fargs! {
                "n" => n,
                "member" => member,
                "excerpt" => escape(&item.excerpt),
                "detail" => escape(&why),
            },
        ));
        match item.decision {
            Some((decision, by)) => {
                html.push('\n');
                html.push_str(&ctx.ta(
                    lang,
                    &format!("moderation-suspicious-decided-{}", decision.name()),
                    &fargs! {"admin" => mention_html(by, admins.get(&by).cloned().unwrap_or_else(|| by.to_string()).as_str())},
                ));
            }
            None => {
                let suffix = if numbered {
                    format!(" {n}")
                } else {
                    String::new()
                };
                rows.push(
                    [
                        SuspiciousDecision::Delete,
                        SuspiciousDecision::Ban,
                        SuspiciousDecision::NotSpam,
                    ]
                    .map(|d| {
                        InlineKeyboardButton::callback(
                            format!(
                                "{}{suffix}",
                                ctx.t(lang, &format!("moderation-suspicious-button-{}", d.name()))
                            ),
                            format!("{CALLBACK_PREFIX}{}:{}", verb(d), item.id),
                        )
                    })
                    .to_vec(),
                );
            }
        }
    }
    if items.len() > LISTED {
        html.push('\n');
        html.push_str(&escape(&ctx.ta(
            lang,
            "moderation-suspicious-more",
            &fargs! {"count" => items.len() - LISTED},
        )));
    }
    let markup = (!rows.is_empty()).then(|| InlineKeyboardMarkup::new(rows));
    (html, markup)
}

/// An admin's answer to a flagged message: Delete removes it, Ban removes it and bans its author (both
/// teach the group's layer the message as spam and are logged), Not spam teaches the group's not-spam
/// list. The notice is then edited to say who decided what.
pub(super) async fn on_press(
    ctx: &Ctx,
    query: &CallbackQuery,
    verb: &str,
    id: &str,
    lang: Lang,
) -> HandlerResult {
    let Some(decision) = decision(verb) else {
        return Ok(());
    };
    let found = match id.parse::<i64>() {
        Ok(id) => {
            let mut conn = ctx.storage.read.acquire().await?;
            match store::get_suspicious(&mut conn, id).await? {
                Some(item) => match item.notice_id {
                    Some(notice) => store::notice_place(&mut conn, notice)
                        .await?
                        .map(|place| (item, notice, place.0)),
                    None => None,
                },
                None => None,
            }
        }
        Err(_) => None,
    };
    // The press must come from under the notice that asked about the message.
    let Some((item, notice_id, posted_in)) = found.filter(|(_, _, posted_in)| {
        query
            .message
            .as_ref()
            .is_some_and(|m| m.chat().id.0 == *posted_in)
    }) else {
        ctx.outbound
            .answer_press(query, ctx.t(lang, "moderation-button-unknown"), false);
        return Ok(());
    };
    let lang = ctx.group_lang(item.chat_id).await;
    let right = needed_right(decision);
    match ctx.admins.rights(item.chat_id, query.from.id.0).await? {
        None => {
            ctx.outbound
                .answer_press(query, ctx.t(lang, "refuse-not-admin"), false);
            return Ok(());
        }
        Some(rights) if !rights.has(right) => {
            ctx.outbound
                .answer_press(query, ctx.missing_right(right, lang), false);
            return Ok(());
        }
        Some(_) => {}
    }
    let by = query.from.id.0 as i64;
    let now = ctx.now();
    let chat_id = item.chat_id;
    let removes = matches!(
        decision,
        SuspiciousDecision::Delete | SuspiciousDecision::Ban
    );
    let entry = removes.then(|| store::LogEntry {
        chat_id,
        user_id: item.user_id,
        is_channel: item.is_channel,
        rule: "classifier",
        detail: &item.detail,
        action: if decision == SuspiciousDecision::Ban {
            "ban"
        } else {
            "delete"
        },
        excerpt: &item.excerpt,
        actor_id: Some(by),
        reverses_id: None,
        at: now,
        expires_at: now,
    });
    // The decision and its log entry are one transaction with the record of this press, so a press
    // sent again after a crash finds the message decided and its removal logged once.
    let decided = {
        let mut tx = ctx.storage.write.begin().await?;
        if store::decide_suspicious(&mut tx, item.id, decision, by, now).await? {
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
            .answer_press(query, ctx.t(lang, "moderation-suspicious-already"), false);
        return Ok(());
    };
    match (entry, log_id) {
        (Some(entry), Some(log_id)) => {
            ctx.outbound.delete(chat_id, MessageId(item.message_id));
            log::mirror(ctx, log_id, &entry).await?;
            if decision == SuspiciousDecision::Ban {
                let subject = Subject {
                    id: item.user_id,
                    name: item.name.clone(),
                    channel: item.is_channel,
                };
                ban(ctx, chat_id, &subject, None, log_id);
            }
            detection::teach(
                ctx,
                chat_id,
                &item.excerpt,
                LayerLabel::Spam,
                "suspicious_button",
                Some(by),
            )
            .await?;
        }
        _ => {
            detection::teach(
                ctx,
                chat_id,
                &item.excerpt,
                LayerLabel::NotSpam,
                "not_spam_button",
                Some(by),
            )
            .await?;
        }
    }
    tracing::info!(
        chat_id,
        user_id = item.user_id,
        decision = decision.name(),
        admin = by,
        "an admin answered a suspicious message"
    );
    ctx.outbound
        .answer_press(query, ctx.t(lang, "moderation-suspicious-done"), false);
    let mut admins = HashMap::from([(by, full_name(&query.from))]);
    let items = {
        let mut conn = ctx.storage.read.acquire().await?;
        let items = store::notice_items(&mut conn, notice_id).await?;
        for (_, admin) in items.iter().filter_map(|i| i.decision) {
            if let std::collections::hash_map::Entry::Vacant(entry) = admins.entry(admin) {
                if let Some(user) = crate::storage::members::get_user(&mut conn, admin).await? {
                    entry.insert(user.full_name());
                }
            }
        }
        items
    };
    let (html, markup) = render(ctx, lang, &items, &admins);
    if let Some(message) = &query.message {
        ctx.outbound
            .edit_text(posted_in, message.id(), html, true, markup);
    }
    Ok(())
}
