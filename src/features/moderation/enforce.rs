//! Acting on a verdict: record shadow hits, or delete the message, take the action [`plan`] decides (warn,
//! mute, kick, ban, the ladder's step), record it in the moderation log, and explain it to the member with
//! an appeal and an undo button.

use super::content::Author;
use super::enforcement::{self, plan, Enforcement, Sanction, ViolationFacts};
use super::judge::Judged;
use super::rules::{Action, RuleKind, Verdict};
use super::{cache, log, store, CALLBACK_PREFIX};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::Right;
use crate::telegram::outbound::{Pending, Priority, Text};
use crate::telegram::text::escape;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// How often a group is told that the bot lacks a right for its automatic actions.
const RIGHTS_WARNING_GAP_SECS: i64 = 3600;

/// How far back an explanation looks for removals that could not be explained when they happened.
const OWED_WINDOW_SECS: i64 = 3600;

/// The most earlier removals one explanation names besides its own.
const OWED_PER_EXPLANATION: i64 = 10;

/// Deletes the message, takes the action, records the violation and explains it (once per window, within
/// the group's explanation budget, and never while raid mode is on). A removal that cannot be explained
/// because the budget is spent or a raid is on is marked owed, and the next explanation in the group names
/// it too. A member who has not been told of any of their live violations starts at the ladder's first
/// step, so the ladder never bans someone who heard nothing before. When the bot lacks the right an
/// action needs, the log entry is marked failed and the admins are told which right (at most once an
/// hour). A verdict of shadow hits only is recorded and nothing else happens.
pub(super) async fn act(ctx: &Ctx, message: &Message, judged: &Judged) -> crate::Result<()> {
    let settings = &ctx.config.moderation;
    let author = &judged.author;
    let chat_id = message.chat.id.0;
    let user_id = author.id;
    let now = ctx.now();
    let excerpt: String = judged.text.chars().take(200).collect();
    if !judged.verdict.removes() {
        return record_shadow(ctx, chat_id, user_id, &judged.verdict, &excerpt, now).await;
    }
    // What decides the step and whether to explain is read beside the writer: this group's earlier
    // messages were handled (and written) before this one, so the read pool already sees them.
    let window = settings.explain_window.get().as_secs() as i64;
    let (live, heard, raid_on, explained_lately) = {
        let mut conn = ctx.storage.read.acquire().await?;
        (
            store::live_violations(&mut conn, chat_id, user_id, now).await?,
            store::heard_of_live_violation(&mut conn, chat_id, user_id, now).await?,
            crate::storage::raid::is_on(&mut conn, chat_id, now).await?,
            store::explained_since(&mut conn, chat_id, user_id, now - window).await?,
        )
    };
    let Some(decided) = plan(ViolationFacts {
        verdict: &judged.verdict,
        ladder: &judged.ladder,
        live: live as usize,
        heard,
        channel: author.channel,
    }) else {
        return Ok(());
    };
    let Enforcement {
        hit,
        action,
        sanction,
        ..
    } = decided;
    let expires_at = now + settings.violation_ttl.get().as_secs() as i64;
    let action_text = action.to_string();
    let entry = store::LogEntry {
        chat_id,
        user_id,
        is_channel: author.channel,
        rule: &hit.rule,
        detail: &hit.detail,
        action: &action_text,
        excerpt: &excerpt,
        actor_id: None,
        reverses_id: None,
        at: now,
        expires_at,
    };
    // When the admin list cannot be read, the calls are tried anyway (a refusal is recorded by watch).
    let lacks = |right: Right| async move {
        ctx.admins
            .bot_missing(chat_id, &[right])
            .await
            .unwrap_or(None)
            .is_some()
    };
    let lacks_delete = lacks(Right::Delete).await;
    let lacks_restrict = sanction.restricts() && lacks(Right::Restrict).await;
    let lacks_right = lacks_delete || lacks_restrict;
    // A member hears why only when the action happened, not during a raid (the bot must not add to the
    // flood), once per window and within the group's explanation budget.
    let explains = !lacks_right
        && !raid_on
        && !explained_lately
        && cache::take_explanation(ctx, chat_id, now, settings.explain_per_minute);
    // Left unexplained only because the budget is spent or a raid is on: the next explanation names it.
    let owes = !lacks_right && !explains && !explained_lately;
    let delete_at = now + settings.explain_ttl.get().as_secs() as i64;
    // The log entry, its failure, the explanation's row and the owed removals it names are one
    // transaction with the record of this update, so a message sent again after a crash neither climbs
    // the ladder again nor is explained twice.
    // They are one unit of work on the writer (see `crate::storage::commit`), so the message is deleted
    // and the member told only once they are committed.
    let learn_due_at = learns(hit.kind, lacks_delete)
        .then(|| now + settings.detector_learn_after.get().as_secs() as i64);
    let owned = (
        hit.rule.clone(),
        hit.detail.clone(),
        action_text.clone(),
        excerpt.clone(),
    );
    let is_channel = author.channel;
    let (violation_id, explanation_id, owed) = ctx
        .storage
        .commit(move |tx| {
            Box::pin(async move {
                let (rule, detail, action, excerpt) = owned;
                let entry = store::LogEntry {
                    chat_id,
                    user_id,
                    is_channel,
                    rule: &rule,
                    detail: &detail,
                    action: &action,
                    excerpt: &excerpt,
                    actor_id: None,
                    reverses_id: None,
                    at: now,
                    expires_at,
                };
                let violation_id = log::record_in(tx, &entry).await?;
                if lacks_right {
                    store::mark_failed(tx, violation_id).await?;
                }
                if owes {
                    store::mark_owed(tx, violation_id).await?;
                }
                let (explanation_id, owed) = if explains {
                    let id =
                        store::add_explanation(tx, chat_id, user_id, violation_id, now, delete_at)
                            .await?;
                    let owed = store::take_owed(
                        tx,
                        chat_id,
                        now - OWED_WINDOW_SECS,
                        now,
                        OWED_PER_EXPLANATION,
                    )
                    .await?;
                    (Some(id), owed)
                } else {
                    (None, Vec::new())
                };
                if let Some(due_at) = learn_due_at {
                    store::schedule_learning(tx, violation_id, chat_id, due_at).await?;
                }
                Ok::<_, crate::Error>((violation_id, explanation_id, owed))
            })
        })
        .await?;
    if !lacks_delete {
        watch_delete(ctx, violation_id, ctx.outbound.delete(chat_id, message.id));
        // A removed message earns nothing and counts in no total or ranking.
        if !author.channel {
            ctx.activity
                .record(crate::storage::activity::ActivityEvent::Removed {
                    chat_id,
                    user_id,
                    at: now,
                    chars: crate::telegram::counted_chars(message),
                });
        }
    }
    if !lacks_restrict {
        apply(ctx, chat_id, author, sanction, now, violation_id);
    }
    let lang = ctx.group_lang(chat_id).await;
    if lacks_right {
        let missing = if lacks_delete {
            Right::Delete
        } else {
            Right::Restrict
        };
        warn_lacking_right(ctx, chat_id, user_id, missing, lang, now);
    }
    log::mirror(ctx, violation_id, &entry).await?;
    if matches!(hit.kind, RuleKind::Flood) {
        cache::state(ctx)
            .flood
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .reset(chat_id, user_id);
    }
    tracing::info!(chat_id, user_id, rule = %hit.rule, %action, "message removed");
    // When the action did not (fully) happen the admins were told why and the member hears nothing.
    if let Some(explanation_id) = explanation_id {
        let folded = folded_line(ctx, lang, &owed).await?;
        explain(
            ctx,
            message,
            judged,
            &decided,
            (violation_id, explanation_id),
            folded,
            lang,
        );
    }
    Ok(())
}

/// Whether the group's detector layer learns a removal once its undo window passed: only removals the
/// model or the ad pack decided, and only when the message was really deleted.
fn learns(kind: RuleKind, lacks_delete: bool) -> bool {
    matches!(kind, RuleKind::Classifier | RuleKind::Adpack) && !lacks_delete
}

/// How many due removals one tick teaches at most.
const LEARN_BATCH: i64 = 200;

/// Teaches each group's detector layer the automatic removals whose undo window passed without an admin
/// undoing them (source `auto`, that group's layer only); undone ones are dropped. Called by the
/// moderation tick; one removal's failure does not stop the others.
pub(super) async fn learn_due(ctx: &Ctx) -> crate::Result<()> {
    let due = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::due_learning(&mut conn, ctx.now(), LEARN_BATCH).await?
    };
    for item in due {
        let learned = async {
            if !item.undone {
                super::detection::teach(
                    ctx,
                    item.chat_id,
                    &item.excerpt,
                    store::LayerLabel::Spam,
                    store::AUTO_SOURCE,
                    None,
                )
                .await?;
            }
            let mut conn = ctx.storage.write.acquire().await?;
            store::drop_learning(&mut conn, item.violation_id).await
        };
        if let Err(err) = learned.await {
            tracing::warn!(%err, violation_id = item.violation_id, "an automatic removal was not learned");
        }
    }
    Ok(())
}

/// Records every hit of a verdict whose rules are all in shadow mode; nothing happens to the message.
async fn record_shadow(
    ctx: &Ctx,
    chat_id: i64,
    user_id: i64,
    verdict: &Verdict,
    excerpt: &str,
    now: i64,
) -> crate::Result<()> {
    // Shadow hits record no update id: the message goes on to the games, whose own effects must still
    // be able to record it. A message sent again after a crash may count its shadow hits twice.
    let mut tx = ctx.storage.write.begin().await?;
    for hit in &verdict.hits {
        store::record_violation(
            &mut tx,
            &store::NewViolation {
                chat_id,
                user_id,
                rule: &hit.rule,
                detail: &hit.detail,
                action: hit.action,
                shadow: true,
                excerpt,
                at: now,
                expires_at: now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(chat_id, user_id, rules = ?verdict.rule_ids(), "shadow rules matched");
    Ok(())
}

/// Tells a group's admins that an automatic action lacks the bot's `missing` right, at most once an hour.
fn warn_lacking_right(ctx: &Ctx, chat_id: i64, user_id: i64, missing: Right, lang: Lang, now: i64) {
    tracing::warn!(
        chat_id,
        user_id,
        right = missing.name(),
        "an automatic action lacks a right"
    );
    if cache::may_warn_rights(ctx, chat_id, now, RIGHTS_WARNING_GAP_SECS) {
        ctx.outbound.send_text(
            Text::plain(
                chat_id,
                ctx.ta(
                    lang,
                    "moderation-bot-lacks-right",
                    &fargs! {"right" => ctx.t(lang, &format!("right-{}", missing.name()))},
                ),
            )
            .priority(Priority::Moderation),
        );
    }
}

/// Posts the explanation of an action as a reply to the removed message, with the appeal and undo
/// buttons, and stores its message id once sent so the ticker deletes it later.
fn explain(
    ctx: &Ctx,
    message: &Message,
    judged: &Judged,
    decided: &Enforcement<'_>,
    (violation_id, explanation_id): (i64, i64),
    folded: Option<String>,
    lang: Lang,
) {
    let chat_id = message.chat.id.0;
    // A detector removal says what decided it, in the group's language: the model's score with its top
    // features, or a near-duplicate of known spam (which layer, how close, and the known text when this
    // group taught it).
    let rule = match (&judged.detail, decided.hit.kind) {
        (Some(detail), RuleKind::Classifier) => ctx.ta(
            lang,
            "moderation-rule-classifier-why",
            &fargs! {"detail" => detail.words(ctx, lang)},
        ),
        _ => ctx.t(
            lang,
            &enforcement::rule_wording(decided.hit.kind, judged.newcomer),
        ),
    };
    let html = ctx.ta(
        lang,
        "moderation-explain",
        &fargs! {
            "member" => judged.author.mention(),
            "rule" => escape(&rule),
            "action" => action_words(ctx, lang, decided.action),
            "next" => action_words(ctx, lang, decided.next),
        },
    );
    let html = match folded {
        Some(line) => format!("{html}\n{line}"),
        None => html,
    };
    let markup = InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::callback(
            ctx.t(lang, "moderation-button-appeal"),
            format!("{CALLBACK_PREFIX}appeal:{violation_id}"),
        ),
        InlineKeyboardButton::callback(
            ctx.t(lang, "moderation-button-undo"),
            format!("{CALLBACK_PREFIX}undo:{violation_id}"),
        ),
    ]]);
    let pending = ctx.outbound.send_text(
        Text::html(chat_id, html)
            .reply_to(message)
            .markup(markup)
            .priority(Priority::Moderation),
    );
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        let sent = match pending.wait().await {
            Ok(sent) => sent,
            Err(err) => {
                tracing::warn!(%err, chat_id, "explanation not sent");
                return;
            }
        };
        let stored = async {
            let mut conn = ctx.storage.write.acquire().await?;
            store::set_explanation_message(&mut conn, explanation_id, sent.id.0).await
        };
        if let Err(err) = stored.await {
            tracing::warn!(%err, chat_id, "explanation id not stored; it will stay");
        }
    });
}

/// The line naming the earlier removals an explanation folds in (who, why, what was done), or `None` when
/// there are none.
async fn folded_line(ctx: &Ctx, lang: Lang, owed: &[store::Owed]) -> crate::Result<Option<String>> {
    if owed.is_empty() {
        return Ok(None);
    }
    // A member removed several times is named once, with their latest removal.
    let mut latest: Vec<&store::Owed> = Vec::with_capacity(owed.len());
    for row in owed {
        match latest.iter_mut().find(|seen| seen.user_id == row.user_id) {
            Some(seen) => *seen = row,
            None => latest.push(row),
        }
    }
    let mut items = Vec::with_capacity(latest.len());
    let mut conn = ctx.storage.read.acquire().await?;
    for row in latest {
        let name = crate::storage::members::get_user(&mut conn, row.user_id)
            .await?
            .map(|user| user.full_name())
            .unwrap_or_else(|| row.user_id.to_string());
        let member = if row.is_channel {
            format!("<b>{}</b>", crate::telegram::text::escape(&name))
        } else {
            crate::telegram::text::mention_html(row.user_id, &name)
        };
        let rule = match RuleKind::parse(&row.rule) {
            Some(kind) => ctx.t(lang, &enforcement::rule_wording(kind, false)),
            None => crate::telegram::text::escape(&log::rule_name(ctx, lang, &row.rule)),
        };
        let action = Action::parse(&row.action)
            .map(|action| action_words(ctx, lang, action))
            .unwrap_or_else(|| row.action.clone());
        items.push(ctx.ta(
            lang,
            "moderation-explain-folded-item",
            &fargs! {"member" => member, "rule" => rule, "action" => action},
        ));
    }
    let separator = ctx.t(lang, "list-separator");
    Ok(Some(ctx.ta(
        lang,
        "moderation-explain-folded",
        &fargs! {"list" => items.join(&separator), "count" => owed.len() as i64},
    )))
}

/// Watches the delete of an offending message: a delete Telegram did not carry out (a server error, a
/// reset connection, a refusal) marks the log entry failed, so `/modlog` reports it and an admin can act.
/// A message that is already gone counts as deleted.
fn watch_delete(ctx: &Ctx, log_id: i64, pending: Pending<teloxide::types::True>) {
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        match pending.wait().await {
            Ok(_)
            | Err(crate::Error::Telegram(teloxide::RequestError::Api(
                teloxide::ApiError::MessageToDeleteNotFound,
            ))) => {}
            Err(err) => {
                tracing::warn!(%err, log_id, "an automatic delete failed");
                let marked = async {
                    let mut conn = ctx.storage.write.acquire().await?;
                    store::mark_failed(&mut conn, log_id).await
                };
                if let Err(err) = marked.await {
                    tracing::warn!(%err, log_id, "could not mark the delete failed");
                }
            }
        }
    });
}

/// Carries out a sanction on a message's author through the immediate queue (deleting was done
/// already); every call is watched, and one Telegram refuses marks the log entry failed.
/// A removed message that Telegram sent again after a crash: the removal's mute or ban is asked for
/// again (the same request twice is harmless at Telegram, and the first may never have left), with a mute
/// ending when it first would have; a mute already over, a kick (the member may have come back on their
/// own since), an entry an admin undid or reversed, and one Telegram refused are left alone. Nothing is
/// logged, counted or explained again.
pub(super) async fn act_again(ctx: &Ctx, chat_id: i64, violation_id: i64) -> crate::Result<()> {
    let standing = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::standing_removal(&mut conn, violation_id).await?
    };
    let Some((user_id, channel, action, at)) = standing else {
        return Ok(());
    };
    let Some(action) = super::rules::Action::parse(&action) else {
        return Ok(());
    };
    let sanction = match enforcement::sanction(channel, action) {
        Sanction::Kick | Sanction::None => return Ok(()),
        Sanction::Mute(secs) if at + secs as i64 <= ctx.now() => return Ok(()),
        sanction => sanction,
    };
    let author = Author {
        id: user_id,
        name: String::new(),
        channel,
    };
    tracing::info!(
        chat_id,
        user_id,
        violation_id,
        "a removal's sanction asked again after a restart"
    );
    apply(ctx, chat_id, &author, sanction, at, violation_id);
    Ok(())
}

fn apply(ctx: &Ctx, chat_id: i64, author: &Author, sanction: Sanction, now: i64, log_id: i64) {
    match sanction {
        Sanction::None => {}
        Sanction::BanChannel => {
            log::watch(
                ctx,
                log_id,
                ctx.outbound.ban_sender_chat(chat_id, author.id),
            );
        }
        Sanction::Mute(secs) => {
            let until = chrono::DateTime::from_timestamp(now + secs as i64, 0).unwrap_or_default();
            log::watch(
                ctx,
                log_id,
                ctx.outbound.mute(chat_id, author.id, Some(until)),
            );
        }
        Sanction::Kick => {
            let banned = ctx.outbound.ban(chat_id, author.id, None);
            let (ctx, user_id) = (ctx.clone(), author.id as u64);
            ctx.tasks.clone().spawn(async move {
                match banned.wait().await {
                    Ok(_) => {
                        let lifted = ctx.outbound.unban(chat_id, user_id);
                        log::watch(&ctx, log_id, lifted);
                    }
                    Err(err) => {
                        tracing::warn!(%err, log_id, "an automatic kick failed");
                        if let Ok(mut conn) = ctx.storage.write.acquire().await {
                            let _ = store::mark_failed(&mut conn, log_id).await;
                        }
                    }
                }
            });
        }
        Sanction::Ban => {
            super::shared_bans::spread(ctx, chat_id, author.id, None, log_id);
            log::watch(ctx, log_id, ctx.outbound.ban(chat_id, author.id, None));
        }
    }
}

/// An action in words of a language, as the explanations and the settings commands show it.
pub(super) fn action_words(ctx: &Ctx, lang: Lang, action: Action) -> String {
    match action {
        Action::Mute(secs) => ctx.ta(
            lang,
            "moderation-action-mute",
            &fargs! {"duration" => ctx.duration(lang, std::time::Duration::from_secs(secs))},
        ),
        Action::Delete => ctx.t(lang, "moderation-action-delete"),
        Action::Warn => ctx.t(lang, "moderation-action-warn"),
        Action::Kick => ctx.t(lang, "moderation-action-kick"),
        Action::Ban => ctx.t(lang, "moderation-action-ban"),
        Action::Escalate => ctx.t(lang, "moderation-action-ladder"),
    }
}
