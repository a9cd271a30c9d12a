//! The durable queue of updates: updates taken from Telegram but not yet handled, stored so the
//! `getUpdates` offset may be confirmed past them while one slow handler would otherwise hold it back
//! (see `telegram::watermark`). Polling stores a whole set in one transaction ([`store`]); each row is
//! deleted once its update has been handled ([`delete`]); at start-up the rows left by a crash are read
//! back in id order ([`load`]) and handled before new updates.
//!
//! The ordinary path writes nothing here: rows are written only while the offset is held back.

use crate::error::Result;
use sqlx::SqlitePool;

/// One update in the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedUpdate {
    /// Telegram's update id.
    pub update_id: i64,
    /// The chat the update is ordered by (the user for updates without a chat).
    pub chat_id: i64,
    /// The update's JSON text as Telegram sent it.
    pub raw: String,
}

/// Rows per INSERT statement (four binds each, well below SQLite's limit of bound values).
const ROWS_PER_INSERT: usize = 500;

/// Stores `updates` at `now` (Unix seconds) in one transaction: all of them or none. An update stored
/// before keeps its row.
pub async fn store(pool: &SqlitePool, updates: &[QueuedUpdate], now: i64) -> Result<()> {
    let mut tx = pool.begin().await?;
    for chunk in updates.chunks(ROWS_PER_INSERT) {
        let mut insert = sqlx::QueryBuilder::new(
            "INSERT INTO queued_updates (update_id, chat_id, raw, queued_at) ",
        );
        insert.push_values(chunk, |mut row, update| {
            row.push_bind(update.update_id)
                .push_bind(update.chat_id)
                .push_bind(update.raw.as_str())
                .push_bind(now);
        });
        insert.push(" ON CONFLICT (update_id) DO NOTHING");
        insert.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes the rows of the handled updates `ids`; returns how many there were.
pub async fn delete(pool: &SqlitePool, ids: &[i64]) -> Result<u64> {
    let mut deleted = 0;
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let mut statement =
            sqlx::QueryBuilder::new("DELETE FROM queued_updates WHERE update_id IN (");
        let mut list = statement.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        statement.push(")");
        deleted += statement.build().execute(pool).await?.rows_affected();
    }
    Ok(deleted)
}

/// Every queued update, oldest first (Telegram's ids grow, so this is the order they arrived in, and
/// the order of each chat's own updates).
pub async fn load(pool: &SqlitePool) -> Result<Vec<QueuedUpdate>> {
    let rows: Vec<(i64, i64, String)> =
        sqlx::query_as("SELECT update_id, chat_id, raw FROM queued_updates ORDER BY update_id")
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(update_id, chat_id, raw)| QueuedUpdate {
            update_id,
            chat_id,
            raw,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(update_id: i64, chat_id: i64) -> QueuedUpdate {
        QueuedUpdate {
            update_id,
            chat_id,
            raw: format!(r#"{{"update_id":{update_id}}}"#),
        }
    }

    #[sqlx::test]
    async fn updates_are_stored_whole_read_in_id_order_and_deleted_when_handled(pool: SqlitePool) {
        store(&pool, &[update(12, -1), update(10, -2)], 100)
            .await
            .unwrap();
        // A set stored again after a partial failure keeps the rows already there.
        let many: Vec<QueuedUpdate> = (11..=1_200).map(|id| update(id, -1)).collect();
        store(&pool, &many, 101).await.unwrap();
        let loaded = load(&pool).await.unwrap();
        assert_eq!(loaded.len(), 1_191);
        assert_eq!(loaded[0], update(10, -2));
        assert!(loaded.windows(2).all(|w| w[0].update_id < w[1].update_id));
        let handled: Vec<i64> = (10..=1_000).collect();
        assert_eq!(delete(&pool, &handled).await.unwrap(), 991);
        assert_eq!(delete(&pool, &handled).await.unwrap(), 0, "already gone");
        let left = load(&pool).await.unwrap();
        assert_eq!(left.first().map(|u| u.update_id), Some(1_001));
        assert_eq!(left.len(), 200);
    }

    #[sqlx::test]
    async fn queued_updates_follow_a_move_to_the_supergroup_and_the_purge(pool: SqlitePool) {
        store(&pool, &[update(1, -10), update(2, -20)], 0)
            .await
            .unwrap();
        let mut conn = pool.acquire().await.unwrap();
        crate::storage::move_chat(&mut conn, -10, -1_001)
            .await
            .unwrap();
        let chats: Vec<i64> = load(&pool)
            .await
            .unwrap()
            .iter()
            .map(|u| u.chat_id)
            .collect();
        assert_eq!(chats, [-1_001, -20]);
        crate::storage::privacy::purge_chat(&mut conn, -1_001)
            .await
            .unwrap();
        let left: Vec<i64> = load(&pool)
            .await
            .unwrap()
            .iter()
            .map(|u| u.update_id)
            .collect();
        assert_eq!(left, [2], "only the other group's update stays");
    }

    #[sqlx::test]
    async fn a_failing_store_leaves_nothing(pool: SqlitePool) {
        sqlx::query("CREATE TRIGGER refuse BEFORE INSERT ON queued_updates WHEN NEW.update_id = 3 BEGIN SELECT RAISE(ABORT, 'no'); END")
            .execute(&pool)
            .await
            .unwrap();
        let result = store(&pool, &[update(1, -1), update(2, -1), update(3, -1)], 0).await;
        assert!(result.is_err());
        assert!(load(&pool).await.unwrap().is_empty(), "all or nothing");
    }
}
