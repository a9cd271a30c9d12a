//! Running a scheduled post: the scheduler hands over a due run; the missed-run rules decide (see
//! [`super::when::fire`]); the run is recorded and the schedule moved to its next time in one transaction
//! with the scheduler's settlement, and only then is the post sent, so a restart never posts one run twice.
//! (A crash between that commit and the send loses the one post rather than doubling it.) After the send,
//! the post is pinned (and the previous one unpinned) and its deletion scheduled, as the schedule asks.

use super::store::{self, ContentKind, Outcome, Schedule};
use super::when::{self, Fire};
use crate::scheduler::{self, Claimed, Settle};
use crate::services::Ctx;
use crate::telegram::outbound::{Post, PostMedia, Priority, Text};
use futures::future::BoxFuture;
use futures::FutureExt;
use teloxide::types::{InlineKeyboardMarkup, MessageEntity, MessageId, ThreadId};

/// The scheduler's work for a schedule's due run (payload: the schedule id).
pub fn run_post(ctx: Ctx, item: Claimed) -> BoxFuture<'static, crate::Result<()>> {
    async move {
        let Ok(id) = item.payload.parse::<i64>() else {
            return Ok(());
        };
        let tz = crate::facts::group_zone(&ctx, item.chat_id).await?;
        let now = ctx.now();
        let grace = ctx.config.schedule.grace_secs();
        let mut tx = ctx.storage.write.begin().await?;
        let schedule = match store::get(&mut tx, id).await? {
            Some(schedule)
                if schedule.status == store::Status::Active
                    && schedule.timer_id == Some(item.id) =>
            {
                schedule
            }
            // Deleted, paused or superseded meanwhile: the item is simply done.
            _ => {
                scheduler::store::settle(&mut tx, &item, Settle::Done).await?;
                tx.commit().await?;
                return Ok(());
            }
        };
        let (action, next) = when::fire(
            &schedule.plan,
            schedule.anchor_at,
            schedule.runs,
            item.due_at,
            now,
            grace,
            tz,
        );
        let settle = next.map_or(Settle::Done, Settle::Again);
        if !scheduler::store::settle(&mut tx, &item, settle).await? {
            // Another worker took the item over; it does the run.
            return Ok(());
        }
        let (occurrence, outcome) = match action {
            Fire::Post { occurrence, late } => (
                occurrence,
                if late { Outcome::Late } else { Outcome::Posted },
            ),
            Fire::Report { occurrence } => (occurrence, Outcome::Missed),
        };
        let fresh = store::record_run(&mut tx, &schedule, occurrence, now, outcome).await?;
        store::ran(&mut tx, schedule.id, next.is_some()).await?;
        tx.commit().await?;
        if !fresh {
            tracing::info!(
                schedule = id,
                occurrence,
                "this run was recorded before; not posted again"
            );
            return Ok(());
        }
        if outcome == Outcome::Late {
            tracing::info!(schedule = id, occurrence, now, "scheduled post sent late");
        }
        match outcome {
            Outcome::Missed => report_missed(&ctx, schedule, occurrence, tz),
            _ => post(&ctx, schedule, occurrence),
        }
        Ok(())
    }
    .boxed()
}

/// The scheduler's work for removing a sent post (payload: the message id). A post already gone (deleted by
/// an admin) is fine.
pub fn run_delete(ctx: Ctx, item: Claimed) -> BoxFuture<'static, crate::Result<()>> {
    async move {
        let Ok(message_id) = item.payload.parse::<i32>() else {
            return Ok(());
        };
        if let Err(err) = ctx
            .outbound
            .delete(item.chat_id, MessageId(message_id))
            .wait()
            .await
        {
            tracing::info!(%err, chat_id = item.chat_id, message_id, "scheduled post not deleted");
        }
        Ok(())
    }
    .boxed()
}

/// The stored post as a request.
fn as_post(schedule: &Schedule) -> Post {
    let content = &schedule.content;
    let file = content.file_id.clone().unwrap_or_default();
    let media = match content.kind {
        ContentKind::Text => PostMedia::Text,
        ContentKind::Photo => PostMedia::Photo(file),
        ContentKind::Video => PostMedia::Video(file),
        ContentKind::Document => PostMedia::Document(file),
        ContentKind::Animation => PostMedia::Animation(file),
    };
    Post {
        chat_id: schedule.chat_id,
        thread: schedule
            .thread_id
            .and_then(|id| i32::try_from(id).ok())
            .map(|id| ThreadId(MessageId(id))),
        media,
        body: content.body.clone(),
        entities: serde_json::from_str::<Vec<MessageEntity>>(&content.entities).unwrap_or_default(),
        markup: content
            .markup
            .as_deref()
            .and_then(|markup| serde_json::from_str::<InlineKeyboardMarkup>(markup).ok()),
    }
}

/// Sends the post of a recorded run at the bulk priority, then (in the background) notes the message,
/// pins it and unpins the previous one, and schedules its deletion.
pub(super) fn post(ctx: &Ctx, schedule: Schedule, occurrence: i64) {
    let pending = ctx.outbound.send_post(as_post(&schedule), Priority::Bulk);
    let ctx = ctx.clone();
    let tasks = ctx.tasks.clone();
    tasks.spawn(async move {
        let message = match pending.wait().await {
            Ok(message) => message,
            Err(err) => {
                tracing::warn!(%err, schedule = schedule.id, "scheduled post could not be sent");
                return;
            }
        };
        if let Err(err) = after_send(&ctx, &schedule, occurrence, message.id).await {
            tracing::warn!(%err, schedule = schedule.id, "scheduled post sent; its follow-up failed");
            if let Some(hook) = &ctx.error_hook {
                hook(format!("schedule {}: {err}", schedule.id));
            }
        }
    });
}

async fn after_send(
    ctx: &Ctx,
    schedule: &Schedule,
    occurrence: i64,
    message_id: MessageId,
) -> crate::Result<()> {
    let now = ctx.now();
    let previous = {
        let mut tx = ctx.storage.write.begin().await?;
        let previous =
            store::sent(&mut tx, schedule.id, occurrence, i64::from(message_id.0)).await?;
        if let Some(after) = schedule.plan.delete_after {
            scheduler::store::add(
                &mut tx,
                now + after,
                store::DELETE_KIND,
                schedule.chat_id,
                &message_id.0.to_string(),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        previous
    };
    if schedule.plan.pin {
        if let Err(err) = ctx.outbound.pin(schedule.chat_id, message_id).wait().await {
            tracing::info!(%err, schedule = schedule.id, "scheduled post not pinned");
        }
        if let Some(previous) = previous.and_then(|id| i32::try_from(id).ok()) {
            if let Err(err) = ctx
                .outbound
                .unpin(schedule.chat_id, MessageId(previous))
                .wait()
                .await
            {
                tracing::info!(%err, schedule = schedule.id, "previous scheduled post not unpinned");
            }
        }
    }
    Ok(())
}

/// Tells the admin who set a one-time post that it was not sent (the bot was down longer than the
/// grace): in private, else in the group. It runs in the background, so the scheduler never waits for it.
fn report_missed(ctx: &Ctx, schedule: Schedule, occurrence: i64, tz: chrono_tz::Tz) {
    let ctx = ctx.clone();
    let tasks = ctx.tasks.clone();
    tasks.spawn(async move { tell_missed(&ctx, &schedule, occurrence, tz).await });
}

async fn tell_missed(ctx: &Ctx, schedule: &Schedule, occurrence: i64, tz: chrono_tz::Tz) {
    let lang = ctx.group_lang(schedule.chat_id).await;
    let text = ctx.ta(
        lang,
        "schedule-missed",
        &crate::fargs! {
            "id" => schedule.id,
            "time" => when::local_text(tz, occurrence),
            "grace" => ctx.duration(lang, ctx.config.schedule.grace.get()),
        },
    );
    let private = ctx
        .outbound
        .send_text(Text::plain(schedule.created_by, text.clone()).priority(Priority::Bulk))
        .wait()
        .await;
    if private.is_err() {
        ctx.outbound.send_text(
            Text::plain(schedule.chat_id, text)
                .priority(Priority::Bulk)
                .in_general(),
        );
    }
}
