//! Housekeeping beside the ticker: once a day, old raw activity, unconfirmed anonymous-admin commands,
//! records of updates handled over a day ago, forum messages older than 48 hours (which `/purge` can no longer delete) and groups that removed the bot longer than `storage.inactive_retention` ago are deleted; on
//! `storage.backup_schedule`, the database is backed up into `storage.backup_dir`. Each job is spawned
//! beside the ticker rather than run on its path, so a long clean-up or backup never delays deadlines,
//! and a job that fails is logged and tried again at its next time.

use crate::services::Ctx;
use crate::storage::{activity, privacy};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// When the housekeeping jobs last ran and next run.
#[derive(Default)]
pub(super) struct Housekeeping {
    /// When the daily clean-up last started.
    last_prune: Option<i64>,
    /// When the next scheduled backup is due (computed at the first pass).
    next_backup: Option<i64>,
    /// True while a backup runs, so a slow one is never started twice.
    backing_up: Arc<AtomicBool>,
}

impl Housekeeping {
    /// Starts every job that is due at `ctx.now()`.
    pub(super) fn run(&mut self, ctx: &Ctx) {
        self.prune_daily(ctx);
        self.backup_when_due(ctx);
    }

    /// Once a day (and once at start), starts the clean-up.
    fn prune_daily(&mut self, ctx: &Ctx) {
        let now = ctx.now();
        if self.last_prune.is_some_and(|at| now - at < 86_400) {
            return;
        }
        self.last_prune = Some(now);
        let cutoff = now - ctx.config.activity.retention.get().as_secs() as i64;
        let inactive_before = now - ctx.config.storage.inactive_retention.get().as_secs() as i64;
        let job_ctx = ctx.clone();
        ctx.tasks.spawn(async move {
            let storage = &job_ctx.storage;
            match activity::prune(storage, cutoff).await {
                Ok(rows) => tracing::info!(rows, "old activity removed"),
                Err(err) => {
                    tracing::warn!(%err, "activity clean-up failed; will try again tomorrow")
                }
            }
            let unconfirmed = async {
                let mut conn = storage.write.acquire().await?;
                crate::storage::confirmations::prune(&mut conn, now - 86_400).await
            };
            if let Err(err) = unconfirmed.await {
                tracing::warn!(%err, "clean-up of unconfirmed commands failed; will try again tomorrow");
            }
            // Telegram keeps an unconfirmed update for at most a day, so older records can never match.
            match crate::storage::handled::prune(storage, now - 86_400).await {
                Ok(rows) => tracing::info!(rows, "old records of handled updates removed"),
                Err(err) => tracing::warn!(
                    %err,
                    "clean-up of handled updates failed; will try again tomorrow"
                ),
            }
            // Telegram lets bots delete messages for 48 hours; forum messages older than that are of no use.
            if let Err(err) = activity::prune_topic_messages(storage, now - 48 * 3600).await {
                tracing::warn!(%err, "clean-up of forum messages failed; will try again tomorrow");
            }
            if let Err(err) = purge_inactive_groups(&job_ctx, inactive_before).await {
                tracing::warn!(%err, "purge of removed groups failed; will try again tomorrow");
            }
        });
    }

    /// Starts a scheduled backup when one is due and none is running.
    fn backup_when_due(&mut self, ctx: &Ctx) {
        let settings = &ctx.config.storage;
        if settings.backup_schedule.trim().is_empty() {
            return;
        }
        let Ok(schedule) = crate::ops::backup::parse_schedule(&settings.backup_schedule) else {
            return;
        };
        let now = ctx.now();
        let Some(due) = self.next_backup else {
            self.next_backup = crate::ops::backup::next_run(&schedule, now);
            return;
        };
        if now < due || self.backing_up.swap(true, Ordering::SeqCst) {
            return;
        }
        self.next_backup = crate::ops::backup::next_run(&schedule, now);
        let running = self.backing_up.clone();
        let job_ctx = ctx.clone();
        ctx.tasks.spawn(async move {
            let outcome = async {
                let mut conn = job_ctx.storage.read.acquire().await?;
                crate::ops::backup::scheduled_backup(&mut conn, &job_ctx.config.storage, now).await
            }
            .await;
            match outcome {
                Ok((report, removed)) => tracing::info!(
                    file = %report.path.display(),
                    bytes = report.bytes,
                    old_deleted = removed.len(),
                    "scheduled backup written"
                ),
                Err(err) => {
                    tracing::error!(%err, "scheduled backup failed; will try at the next time");
                    if let Some(hook) = &job_ctx.error_hook {
                        hook(format!("scheduled backup: {err}"));
                    }
                }
            }
            running.store(false, Ordering::SeqCst);
        });
    }
}

/// Deletes the data of every group that removed the bot before `before`, one group per transaction.
async fn purge_inactive_groups(ctx: &Ctx, before: i64) -> crate::Result<()> {
    let groups = {
        let mut conn = ctx.storage.read.acquire().await?;
        privacy::inactive_groups(&mut conn, before).await?
    };
    for chat_id in groups {
        let mut tx = ctx.storage.write.begin().await?;
        let rows = privacy::purge_chat(&mut tx, chat_id).await?;
        tx.commit().await?;
        ctx.groups.forget(chat_id);
        ctx.admins.invalidate(chat_id);
        tracing::info!(
            chat_id,
            rows,
            "data of a group that removed the bot long ago deleted"
        );
    }
    Ok(())
}
