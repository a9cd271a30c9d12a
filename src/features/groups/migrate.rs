//! A basic group becoming a supergroup: its data moves to the new chat id.

use crate::services::Ctx;
use crate::storage;
use crate::telegram::HandlerResult;
use teloxide::prelude::*;

/// A basic group became a supergroup: everything kept under the old id moves to the new one, points
/// through the ledger.
pub(super) async fn on_migrate(ctx: Ctx, message: Message) -> HandlerResult {
    let from = message.chat.id.0;
    let Some(to) = message.migrate_to_chat_id().map(|id| id.0) else {
        return Ok(());
    };
    // Events of the old id still waiting in the activity writer are written first, so they move too.
    ctx.activity.flush().await;
    let mut tx = ctx.storage.write.begin().await?;
    // Points move only through the ledger: it folds any accounts the new id already has into the old ones.
    crate::features::economy::ledger::fold_before_move(&mut tx, from, to).await?;
    let moved = storage::move_chat(&mut tx, from, to).await?;
    sqlx::query("UPDATE groups SET kind = 'supergroup' WHERE chat_id = ?")
        .bind(to)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    ctx.groups.forget(from);
    ctx.groups.forget(to);
    ctx.admins.invalidate(from);
    ctx.admins.invalidate(to);
    tracing::info!(
        from,
        to,
        rows = moved,
        "group upgraded to a supergroup; its data moved"
    );
    Ok(())
}
