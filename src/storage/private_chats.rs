//! Who has started the bot in a private chat: a member the bot may write to there. Recorded when a member
//! writes to the bot in private, forgotten when Telegram refuses a private send to them or they ask the bot
//! to forget them.

use crate::error::Result;
use sqlx::SqliteConnection;

/// Records that `user_id` has a private chat with the bot (the first time counts).
pub async fn record(conn: &mut SqliteConnection, user_id: i64, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO private_chats (user_id, started_at) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `user_id` has started the bot in private (and has not blocked it since, as far as the bot saw).
pub async fn has_started(conn: &mut SqliteConnection, user_id: i64) -> Result<bool> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT 1 FROM private_chats WHERE user_id = ?")
            .bind(user_id)
            .fetch_optional(conn)
            .await?
            .is_some(),
    )
}

/// Forgets that `user_id` has a private chat with the bot (Telegram refused a private send to them).
pub async fn forget(conn: &mut SqliteConnection, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM private_chats WHERE user_id = ?")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    #[sqlx::test]
    async fn a_started_chat_is_remembered_once_and_forgotten(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        assert!(!has_started(&mut conn, 7).await.unwrap());
        record(&mut conn, 7, 100).await.unwrap();
        record(&mut conn, 7, 200).await.unwrap();
        assert!(has_started(&mut conn, 7).await.unwrap());
        assert!(!has_started(&mut conn, 8).await.unwrap());
        let started: i64 =
            sqlx::query_scalar("SELECT started_at FROM private_chats WHERE user_id = 7")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(started, 100, "the first time counts");
        forget(&mut conn, 7).await.unwrap();
        assert!(!has_started(&mut conn, 7).await.unwrap());
    }
}
