//! Commands that anonymous admins sent and an admin must confirm before they run (see
//! [`crate::services::Services::permit`]): stored with the command's message, marked once confirmed.

use crate::error::Result;
use sqlx::SqliteConnection;

/// A command waiting for an admin to confirm it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The group.
    pub chat_id: i64,
    /// The stored name of the admin right the command needs.
    pub right_name: String,
    /// The command's message as Telegram sent it (JSON).
    pub message: String,
}

/// Stores a command that waits for an admin to confirm it; returns its id.
pub async fn insert(
    conn: &mut SqliteConnection,
    chat_id: i64,
    right_name: &str,
    message: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO admin_confirmations (chat_id, right_name, message, created_at)
         VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(chat_id)
    .bind(right_name)
    .bind(message)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// The command waiting under `id` in `chat_id`, if it is still waiting.
pub async fn waiting(
    conn: &mut SqliteConnection,
    chat_id: i64,
    id: i64,
) -> Result<Option<Pending>> {
    let row: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT chat_id, right_name, message FROM admin_confirmations
         WHERE id = ? AND chat_id = ? AND confirmed_by IS NULL",
    )
    .bind(id)
    .bind(chat_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(chat_id, right_name, message)| Pending {
        chat_id,
        right_name,
        message,
    }))
}

/// Marks the command under `id` confirmed by `admin`; `false` when someone confirmed it first.
pub async fn confirm(conn: &mut SqliteConnection, id: i64, admin: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE admin_confirmations SET confirmed_by = ? WHERE id = ? AND confirmed_by IS NULL",
    )
    .bind(admin)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Forgets commands older than `before` (unix seconds), confirmed or not.
pub async fn prune(conn: &mut SqliteConnection, before: i64) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM admin_confirmations WHERE created_at < ?")
            .bind(before)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    #[sqlx::test]
    async fn a_command_is_confirmed_once(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let id = insert(&mut conn, -5, "restrict", "{}", 100).await.unwrap();
        assert_eq!(
            waiting(&mut conn, -6, id).await.unwrap(),
            None,
            "another group's"
        );
        let pending = waiting(&mut conn, -5, id).await.unwrap().unwrap();
        assert_eq!(pending.right_name, "restrict");
        assert!(confirm(&mut conn, id, 7).await.unwrap());
        assert!(
            !confirm(&mut conn, id, 8).await.unwrap(),
            "only the first press counts"
        );
        assert_eq!(waiting(&mut conn, -5, id).await.unwrap(), None);
        assert_eq!(prune(&mut conn, 101).await.unwrap(), 1);
    }
}
