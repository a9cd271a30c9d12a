//! Asking newcomers: one captcha message per group asks everyone waiting, at most one per message gap;
//! single questions (join requests, raid releases) go to a private chat. Resolved questions are taken away.

use super::choices::*;
use super::gate::{Challenge, Mode};
use super::store::{Batch, Gate, GroupChoices, NewBatch, Slot};
use super::{gate, store};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::outbound::{Priority, Text};
use crate::telegram::text::{escape, mention_html};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

/// The batches this running bot has handed to the outbound queue.
#[derive(Default)]
pub(super) struct QueuedBatches(Mutex<HashSet<i64>>);

/// The batches this running bot has handed to the outbound queue. It starts empty, so after a restart
/// the batches whose message was never confirmed sent are sent again.
pub(super) fn queued_batches(ctx: &Ctx) -> Arc<QueuedBatches> {
    ctx.local(QueuedBatches::default)
}

/// The shortest and the longest wait before a question Telegram refused is tried again.
const FIRST_RETRY_SECS: i64 = 30;
const LONGEST_RETRY_SECS: i64 = 600;

/// Batches whose question Telegram refused: how often, and when to try again (unix seconds).
#[derive(Default)]
struct RefusedBatches(Mutex<HashMap<i64, (u32, i64)>>);

/// When a batch whose question was refused `attempts` times is tried again: after 30 s, then twice as
/// long each time, at most ten minutes.
pub(super) fn next_try(attempts: u32, now: i64) -> i64 {
    let wait = FIRST_RETRY_SECS
        .saturating_mul(1 << attempts.saturating_sub(1).min(8))
        .min(LONGEST_RETRY_SECS);
    now + wait
}

/// Asks the group's newcomers who wait for their question, all in one message, once the first of them
/// has waited `coalesce_window` (joins in that window are asked together) and the group's captcha gap
/// allows it; otherwise they keep waiting and a later tick asks them (with those who join meanwhile).
/// Nothing is asked while raid mode is on.
pub(super) async fn ask_waiting(ctx: &Ctx, chat_id: i64) -> crate::Result<()> {
    let now = ctx.now();
    let choices = load_choices(ctx, chat_id).await?;
    if choices.raid_until > now {
        return Ok(());
    }
    let lang = ctx.group_lang(chat_id).await;
    // A group that switched its check off while members waited still asks them the plain button.
    let mode = match mode_of(ctx, &choices) {
        Mode::Off => Mode::Button,
        mode => mode,
    };
    let challenge = challenge_for(mode, &choices, lang, ctx);
    let kind = if challenge.question.is_empty() {
        Mode::Button
    } else {
        mode
    };
    let formed = {
        let mut tx = ctx.storage.write.begin().await?;
        if !store::has_unasked(&mut tx, chat_id, now - window_of(ctx)).await?
            || !store::claim_slot(&mut tx, chat_id, Slot::Captcha, now, gap_of(ctx)).await?
        {
            return Ok(());
        }
        let formed = store::form_batch(
            &mut tx,
            &NewBatch {
                chat_id,
                kind,
                question: &challenge.question,
                options: &challenge.options,
                answer: challenge.answer,
                timeout: timeout_of(ctx, &choices),
                limit: gate::MAX_PER_BATCH,
                now,
            },
        )
        .await?;
        tx.commit().await?;
        formed
    };
    if let Some((batch, gates)) = formed {
        send_batch(ctx, &batch, &gates, lang);
    }
    Ok(())
}

/// Sends a batch's captcha message without holding up the shard. Once Telegram confirms it, the listed
/// members' time limits start; when every listed member was resolved before that, the message is
/// deleted again. When Telegram refuses the message for good, the bot cannot ask, so the members are let
/// in rather than punished for a question they never saw.
pub(super) fn send_batch(ctx: &Ctx, batch: &Batch, gates: &[Gate], lang: Lang) {
    let separator = match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    };
    let mentions: Vec<String> = gates
        .iter()
        .map(|g| mention_html(g.user_id, &g.user_name))
        .collect();
    let challenge = Challenge {
        question: batch.question.clone(),
        options: batch.options.lines().map(String::from).collect(),
        answer: batch.answer as usize,
    };
    let mode = batch.kind;
    let text = gate_text(
        ctx,
        lang,
        mode,
        &mentions.join(separator),
        &challenge,
        batch.timeout,
    );
    let mut markup = InlineKeyboardMarkup::default();
    let buttons: Vec<InlineKeyboardButton> = challenge
        .options
        .iter()
        .enumerate()
        .map(|(i, label)| {
            InlineKeyboardButton::callback(label.clone(), gate::batch_callback_data(batch.id, i))
        })
        .collect();
    for row in buttons.chunks(2) {
        markup = markup.append_row(row.to_vec());
    }
    queued_batches(ctx)
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(batch.id);
    let pending = ctx.outbound.send_text(
        Text::html(batch.chat_id, text)
            .markup(markup)
            .priority(Priority::Gate)
            .in_general(),
    );
    let (ctx, id, chat_id) = (ctx.clone(), batch.id, batch.chat_id);
    ctx.tasks.clone().spawn(async move {
        let result = async {
            match pending.wait().await {
                Ok(sent) => {
                    ctx.local(RefusedBatches::default)
                        .0
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&id);
                    let mut conn = ctx.storage.write.acquire().await?;
                    let open =
                        store::batch_sent(&mut conn, id, sent.id.0 as i64, ctx.now()).await?;
                    if open.unwrap_or(0) == 0 {
                        store::drop_batch(&mut conn, id).await?;
                        ctx.outbound.delete(chat_id, sent.id);
                    }
                }
                // Shutting down: the next start sends the batch again.
                Err(crate::Error::OutboundClosed) => {}
                // Never fail open: the members stay restricted, their time has not started, and the
                // question is tried again later; the admins hear why (rarely).
                Err(err) => {
                    let attempts = {
                        let refused = ctx.local(RefusedBatches::default);
                        let mut refused = refused.0.lock().unwrap_or_else(|e| e.into_inner());
                        let entry = refused.entry(id).or_insert((0, 0));
                        entry.0 += 1;
                        entry.1 = next_try(entry.0, ctx.now());
                        entry.0
                    };
                    queued_batches(&ctx)
                        .0
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&id);
                    tracing::warn!(%err, chat_id, batch = id, attempts, "a captcha message could not be sent; its members stay restricted and it is tried again");
                    let lang = ctx.group_lang(chat_id).await;
                    warn_rarely(&ctx, chat_id, ctx.t(lang, "welcome-question-unsent")).await?;
                }
            }
            Ok::<(), crate::Error>(())
        }
        .await;
        if let Err(err) = result {
            tracing::error!(%err, chat_id, batch = id, "captcha message bookkeeping failed");
        }
    });
}

/// Sends again the batches whose message a previous run queued but never saw sent.
pub(super) async fn resend_unsent(ctx: &Ctx) -> crate::Result<()> {
    let unsent = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::unsent_batches(&mut conn).await?
    };
    let queued = queued_batches(ctx);
    let refused = ctx.local(RefusedBatches::default);
    let now = ctx.now();
    for batch in unsent {
        if queued
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&batch.id)
        {
            continue;
        }
        let waits = refused
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&batch.id)
            .is_some_and(|(_, next)| *next > now);
        if waits {
            continue;
        }
        let gates = {
            let mut conn = ctx.storage.write.acquire().await?;
            let gates = store::gates_of_batch(&mut conn, batch.id).await?;
            if gates.is_empty() {
                store::drop_batch(&mut conn, batch.id).await?;
            }
            gates
        };
        if gates.is_empty() {
            continue;
        }
        let lang = ctx.group_lang(batch.chat_id).await;
        send_batch(ctx, &batch, &gates, lang);
    }
    Ok(())
}

pub(super) fn challenge_for(
    mode: Mode,
    choices: &GroupChoices,
    lang: Lang,
    ctx: &Ctx,
) -> Challenge {
    let mut rng = rand::rng();
    match mode {
        Mode::Math => gate::math_challenge(&mut rng),
        Mode::Quiz => match quiz_of(choices) {
            Some(quiz) => quiz.challenge(&mut rng),
            None => {
                tracing::warn!(
                    chat_id = choices.chat_id,
                    "quiz gate without a quiz; using the button"
                );
                button_challenge(ctx, lang)
            }
        },
        Mode::Button | Mode::Off => button_challenge(ctx, lang),
    }
}

pub(super) fn button_challenge(ctx: &Ctx, lang: Lang) -> Challenge {
    Challenge {
        question: String::new(),
        options: vec![ctx.t(lang, "welcome-button-human")],
        answer: 0,
    }
}

pub(super) fn gate_text(
    ctx: &Ctx,
    lang: Lang,
    mode: Mode,
    mention: &str,
    challenge: &Challenge,
    timeout: i64,
) -> String {
    if challenge.question.is_empty() || mode == Mode::Button {
        ctx.ta(
            lang,
            "welcome-gate-button",
            &fargs! {"mention" => mention, "seconds" => timeout},
        )
    } else {
        ctx.ta(
            lang,
            "welcome-gate-question",
            &fargs! {"mention" => mention, "seconds" => timeout, "question" => escape(&challenge.question)},
        )
    }
}

pub(super) fn gate_keyboard(id: i64, challenge: &Challenge) -> InlineKeyboardMarkup {
    let buttons: Vec<InlineKeyboardButton> = challenge
        .options
        .iter()
        .enumerate()
        .map(|(i, label)| InlineKeyboardButton::callback(label.clone(), gate::callback_data(id, i)))
        .collect();
    let mut markup = InlineKeyboardMarkup::default();
    for row in buttons.chunks(2) {
        markup = markup.append_row(row.to_vec());
    }
    markup
}

/// Posts a gate's question without holding up the shard, and stores its message id. When the gate was
/// resolved before the question went out (a timeout while the group's send budget was spent), the
/// question is deleted again. `on_undelivered` runs when the question could not be sent at all.
pub(super) fn post_question(
    ctx: &Ctx,
    id: i64,
    text: Text,
    on_undelivered: Option<Box<dyn FnOnce(Ctx, Gate) + Send>>,
) {
    let pending = ctx
        .outbound
        .send_text(text.priority(Priority::Gate).in_general());
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        let result = async {
            match pending.wait().await {
                Ok(sent) => {
                    ctx.local(RefusedBatches::default)
                        .0
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&id);
                    let mut conn = ctx.storage.write.acquire().await?;
                    store::set_gate_message(&mut conn, id, sent.id.0 as i64).await?;
                    if store::gate(&mut conn, id).await?.is_none() {
                        ctx.outbound.delete(sent.chat.id.0, sent.id);
                    }
                }
                Err(err) => {
                    tracing::warn!(%err, gate = id, "could not post a gate question");
                    if let Some(fallback) = on_undelivered {
                        let mut conn = ctx.storage.write.acquire().await?;
                        if let Some(gate) = store::close_gate(&mut conn, id).await? {
                            drop(conn);
                            fallback(ctx.clone(), gate);
                        }
                    }
                }
            }
            Ok::<(), crate::Error>(())
        }
        .await;
        if let Err(err) = result {
            tracing::error!(%err, gate = id, "gate question bookkeeping failed");
        }
    });
}

/// Takes a closed gate's question away: its own message, or the batch's message once every member the
/// batch asked is resolved (the others still need its buttons). Call it with no connection held.
pub(super) async fn finish_question(ctx: &Ctx, gate: &Gate) -> crate::Result<()> {
    let Some(batch_id) = gate.batch_id else {
        if let Some(message_id) = gate.message_id {
            ctx.outbound
                .delete(gate.message_chat, MessageId(message_id as i32));
        }
        return Ok(());
    };
    let mut conn = ctx.storage.write.acquire().await?;
    if store::open_in_batch(&mut conn, batch_id).await? > 0 {
        return Ok(());
    }
    if let Some(batch) = store::batch(&mut conn, batch_id).await? {
        // A batch not sent yet is dropped now; its confirmation then finds it gone and deletes the message.
        store::drop_batch(&mut conn, batch_id).await?;
        if let Some(message_id) = batch.message_id {
            ctx.outbound
                .delete(batch.chat_id, MessageId(message_id as i32));
        }
    }
    Ok(())
}
