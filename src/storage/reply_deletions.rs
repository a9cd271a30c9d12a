//! The queue of messages the bot deletes later (its short answers to members' commands, and the commands),
//! kept in the database so a restart deletes them all the same.

use crate::error::Result;
use sqlx::{Row, SqliteConnection};

/// Telegram deletes messages younger than 48 hours only.
pub const DELETABLE_FOR_SECS: i64 = 48 * 3600;

/// One message to delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queued {
    /// The chat the message was posted in.
    pub chat_id: i64,
    /// The message.
    pub message_id: i32,
    /// Whether the bot sent it (the bot may always delete its own messages; members' messages only with
    /// the right to delete messages).
    pub own: bool,
}

/// Queues messages to be deleted at `due_at`. A message queued twice keeps its earlier due time.
pub async fn queue(
    conn: &mut SqliteConnection,
    messages: &[Queued],
    sent_at: i64,
    due_at: i64,
) -> Result<()> {
    for message in messages {
        sqlx::query(
            "INSERT INTO reply_deletions (message_chat, message_id, own, sent_at, due_at)
             VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(message.chat_id)
        .bind(message.message_id)
        .bind(message.own)
        .bind(sent_at)
        .bind(due_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Takes (reads and removes) at most `limit` messages due at `now`, oldest due first. Messages Telegram no
/// longer deletes (sent 48 hours ago or earlier) are removed without being returned.
pub async fn take_due(conn: &mut SqliteConnection, now: i64, limit: i64) -> Result<Vec<Queued>> {
    let rows = sqlx::query(
        "DELETE FROM reply_deletions WHERE (message_chat, message_id) IN (
             SELECT message_chat, message_id FROM reply_deletions WHERE due_at <= ?1
             ORDER BY due_at LIMIT ?2)
         RETURNING message_chat, message_id, own, sent_at",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|row| row.get::<i64, _>(3) > now - DELETABLE_FOR_SECS)
        .map(|row| Queued {
            chat_id: row.get(0),
            message_id: row.get(1),
            own: row.get(2),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    fn message(chat_id: i64, message_id: i32) -> Queued {
        Queued {
            chat_id,
            message_id,
            own: true,
        }
    }

    #[sqlx::test]
    async fn due_messages_are_taken_once_and_stale_ones_dropped(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        queue(&mut conn, &[message(-1, 10), message(-1, 11)], 1_000, 1_180)
            .await
            .unwrap();
        queue(&mut conn, &[message(-2, 5)], 1_000, 2_000)
            .await
            .unwrap();
        // Queued again with a later due time: the first one holds.
        queue(&mut conn, &[message(-1, 10)], 1_100, 9_000)
            .await
            .unwrap();
        assert!(take_due(&mut conn, 1_179, 100).await.unwrap().is_empty());
        let due = take_due(&mut conn, 1_180, 100).await.unwrap();
        assert_eq!(due, vec![message(-1, 10), message(-1, 11)]);
        assert!(take_due(&mut conn, 1_180, 100).await.unwrap().is_empty());
        // Two days later the other message can no longer be deleted: it leaves the queue unreturned.
        let later = 1_000 + DELETABLE_FOR_SECS;
        assert!(take_due(&mut conn, later, 100).await.unwrap().is_empty());
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reply_deletions")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(left, 0);
    }

    #[sqlx::test]
    async fn the_limit_takes_the_earliest_due(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        queue(&mut conn, &[message(-1, 2)], 0, 20).await.unwrap();
        queue(&mut conn, &[message(-1, 1)], 0, 10).await.unwrap();
        let due = take_due(&mut conn, 30, 1).await.unwrap();
        assert_eq!(due, vec![message(-1, 1)]);
    }
}
