//! Whether a group is in raid mode, for features other than welcome (which owns raid mode and writes
//! it): moderation folds its explanations while a raid is on, so the bot never adds to the flood.

use crate::error::Result;
use sqlx::SqliteConnection;

/// Whether raid mode is on in a group at `now` (unix seconds).
pub async fn is_on(conn: &mut SqliteConnection, chat_id: i64, now: i64) -> Result<bool> {
    let until: Option<i64> =
        sqlx::query_scalar("SELECT raid_until FROM welcome_settings WHERE chat_id = ?")
            .bind(chat_id)
            .fetch_optional(conn)
            .await?;
    Ok(until.is_some_and(|until| until > now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    #[sqlx::test]
    async fn raid_mode_is_on_until_its_end(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        assert!(!is_on(&mut conn, -1, 100).await.unwrap(), "no row: off");
        sqlx::query("INSERT INTO welcome_settings (chat_id, raid_until) VALUES (-1, 200)")
            .execute(&mut *conn)
            .await
            .unwrap();
        assert!(is_on(&mut conn, -1, 199).await.unwrap());
        assert!(!is_on(&mut conn, -1, 200).await.unwrap());
    }
}
