//! The moderation log as the bot writes it: every action (automatic or by an admin) is stored in the one
//! log table and mirrored as a line into the group's log channel when one is set; outcomes Telegram refused
//! are marked failed. Moderators' decisions also teach the classifier here.

use super::classifier::Label;
use super::normalize::normalize;
use super::{cache, store};
use crate::fargs;
use crate::services::Ctx;
use crate::telegram::outbound::{Pending, Text};
use crate::telegram::text::escape;

/// Records an entry, mirrors it into the log channel, and returns its id.
pub async fn record(ctx: &Ctx, entry: &store::LogEntry<'_>) -> crate::Result<i64> {
    let id = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::record_action(&mut conn, entry).await?
    };
    mirror(ctx, id, entry).await?;
    Ok(id)
}

/// Sends one line about an entry into the group's log channel, if it has one.
pub async fn mirror(ctx: &Ctx, id: i64, entry: &store::LogEntry<'_>) -> crate::Result<()> {
    let channel = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::log_channel(&mut conn, entry.chat_id).await?
    };
    let Some(channel) = channel else {
        return Ok(());
    };
    let lang = ctx.group_lang(entry.chat_id).await;
    let actor = match entry.actor_id {
        Some(admin) => admin.to_string(),
        None => ctx.t(lang, "moderation-log-automatic"),
    };
    let line = ctx.ta(
        lang,
        "moderation-log-line",
        &fargs! {
            "id" => id,
            "group" => entry.chat_id,
            "action" => entry.action.to_string(),
            "target" => entry.user_id,
            "actor" => actor,
            "rule" => entry.rule.to_string(),
            "detail" => entry.detail.to_string(),
            "excerpt" => entry.excerpt.chars().take(80).collect::<String>(),
        },
    );
    ctx.outbound.send_text(Text::html(channel, escape(&line)));
    Ok(())
}

/// Marks the entry failed when the Telegram call behind it fails (checked in the background).
pub fn watch<T: Send + 'static>(ctx: &Ctx, id: i64, pending: Pending<T>) {
    let ctx = ctx.clone();
    tokio::spawn(async move {
        if let Err(err) = pending.wait().await {
            tracing::warn!(%err, id, "a moderation action failed");
            let marked = async {
                let mut conn = ctx.storage.write.acquire().await?;
                store::mark_failed(&mut conn, id).await
            };
            if let Err(err) = marked.await {
                tracing::warn!(%err, id, "could not mark the action failed");
            }
        }
    });
}

/// Teaches the classifier a moderator's decision: stores the sample (shared by every group) and updates
/// the loaded model. Text that normalizes to nothing teaches nothing.
pub async fn learn(
    ctx: &Ctx,
    chat_id: i64,
    text: &str,
    label: Label,
    source: &str,
    by: Option<i64>,
) -> crate::Result<()> {
    let squashed = normalize(text).squashed;
    if squashed.is_empty() {
        return Ok(());
    }
    {
        let mut conn = ctx.storage.write.acquire().await?;
        store::add_sample(
            &mut conn,
            chat_id,
            label.name(),
            &squashed,
            source,
            by,
            ctx.now(),
        )
        .await?;
    }
    cache::classifier_learn(ctx, &squashed, label).await?;
    tracing::info!(
        chat_id,
        label = label.name(),
        source,
        "the classifier learned a sample"
    );
    Ok(())
}
