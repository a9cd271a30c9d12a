//! The updates whose effects were committed, so a redelivered update changes nothing.
//!
//! While an update is being handled, the dispatcher sets it as the task's current update
//! ([`CURRENT_UPDATE`]). Every transaction with effects calls [`record`] on its own connection, which
//! writes the current update's id beside the effects, so both commit together or not at all: the
//! ledger's moves, a lottery's creation and every moderation log entry do. An update's effects are one
//! such transaction; a flow that wrote them in several would keep only the first after a crash, since its
//! record makes the update's second copy skip the rest. Before an update is handled, [`kind_of`] tells
//! whether (and with what) an earlier run already committed its effects; such an update is passed over,
//! and so are its replies. Work that runs outside an update (the ticker's deadlines, tasks a handler
//! spawns) has no current update and records nothing; it is kept exactly-once by its own state changes
//! instead.
//!
//! Every record is one unit of work's id: the group-commit writer ([`crate::storage::commit`]) runs many
//! units in one transaction and keeps this table exact, because each unit runs in its own savepoint with
//! its own update set as the current one, and so writes (or, when it fails, rolls back) its own row.

use crate::error::Result;
use crate::storage::Storage;
use sqlx::SqliteConnection;

tokio::task_local! {
    /// The id of the update the current task is handling.
    pub static CURRENT_UPDATE: i64;
}

/// The id of the update the current task is handling, if any.
pub fn current() -> Option<i64> {
    CURRENT_UPDATE.try_with(|id| *id).ok()
}

/// Records, on `conn` (inside the caller's transaction), that the current update committed effects of
/// `kind` at `at`. Does nothing outside an update. Recording the same update twice (an update with
/// several moves) keeps the first row.
pub async fn record(conn: &mut SqliteConnection, kind: &str, at: i64) -> sqlx::Result<()> {
    let Some(update_id) = current() else {
        return Ok(());
    };
    sqlx::query("INSERT INTO handled_updates (update_id, kind, at) VALUES (?, ?, ?) ON CONFLICT (update_id) DO NOTHING")
        .bind(update_id)
        .bind(kind)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// What the effects of update `update_id` were (the kind recorded first), if they were committed before.
pub async fn kind_of(storage: &Storage, update_id: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT kind FROM handled_updates WHERE update_id = ?")
            .bind(update_id)
            .fetch_optional(&storage.read)
            .await?,
    )
}

/// The highest update id recorded, if any. Updates above it that arrive later in the same run cannot
/// have been recorded before, so only ids up to this one need a look at the table.
pub async fn highest(storage: &Storage) -> Result<Option<i64>> {
    let highest: Option<i64> = sqlx::query_scalar("SELECT MAX(update_id) FROM handled_updates")
        .fetch_one(&storage.read)
        .await?;
    Ok(highest)
}

/// Deletes the records written before `cutoff` (Unix seconds); returns how many.
pub async fn prune(storage: &Storage, cutoff: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM handled_updates WHERE at < ?")
        .bind(cutoff)
        .execute(&storage.write)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    #[sqlx::test]
    async fn a_record_commits_and_rolls_back_with_its_transaction(pool: SqlitePool) {
        let storage = Storage::from_pool(pool.clone());
        // Outside an update nothing is written.
        let mut conn = pool.acquire().await.unwrap();
        record(&mut conn, "transfer", 100).await.unwrap();
        drop(conn);
        assert_eq!(highest(&storage).await.unwrap(), None);

        CURRENT_UPDATE
            .scope(41, async {
                let mut tx = pool.begin().await.unwrap();
                record(&mut tx, "transfer", 100).await.unwrap();
                tx.rollback().await.unwrap();
            })
            .await;
        assert!(
            kind_of(&storage, 41).await.unwrap().is_none(),
            "rolled back with the effects"
        );

        CURRENT_UPDATE
            .scope(42, async {
                let mut tx = pool.begin().await.unwrap();
                record(&mut tx, "transfer", 100).await.unwrap();
                record(&mut tx, "packet", 100).await.unwrap();
                tx.commit().await.unwrap();
            })
            .await;
        assert_eq!(
            kind_of(&storage, 42).await.unwrap().as_deref(),
            Some("transfer"),
            "the first kind recorded"
        );
        assert_eq!(highest(&storage).await.unwrap(), Some(42));

        CURRENT_UPDATE
            .scope(43, async {
                let mut conn = pool.acquire().await.unwrap();
                record(&mut conn, "checkin", 90_000).await.unwrap();
            })
            .await;
        assert_eq!(
            prune(&storage, 90_000).await.unwrap(),
            1,
            "only the old one"
        );
        assert!(kind_of(&storage, 42).await.unwrap().is_none());
        assert!(kind_of(&storage, 43).await.unwrap().is_some());
    }
}
