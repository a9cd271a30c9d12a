//! Commands that anonymous admins sent and an admin must confirm before they run (see
//! [`crate::services::Services::permit`]): stored with the command's message, marked once confirmed, with
//! the update that confirmed it. The same update sent again after a crash (see
//! [`crate::storage::handled`]) still finds the command waiting for it and confirms it again, so a command
//! whose effects did not commit before the crash runs then; any other update finds it taken.

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

/// The command waiting under `id` in `chat_id`, if it is still waiting, or was confirmed by the update
/// being handled (a press sent again).
pub async fn waiting(
    conn: &mut SqliteConnection,
    chat_id: i64,
    id: i64,
) -> Result<Option<Pending>> {
    let row: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT chat_id, right_name, message FROM admin_confirmations
         WHERE id = ? AND chat_id = ? AND (confirmed_by IS NULL OR confirmed_update = ?)",
    )
    .bind(id)
    .bind(chat_id)
    .bind(crate::storage::handled::current())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(chat_id, right_name, message)| Pending {
        chat_id,
        right_name,
        message,
    }))
}

/// Marks the command under `id` confirmed by `admin` with the update being handled; `false` when
/// another press confirmed it first. The same press sent again confirms it again.
pub async fn confirm(conn: &mut SqliteConnection, id: i64, admin: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE admin_confirmations SET confirmed_by = ?1, confirmed_update = ?2
         WHERE id = ?3 AND (confirmed_by IS NULL OR (confirmed_by = ?1 AND confirmed_update = ?2))",
    )
    .bind(admin)
    .bind(crate::storage::handled::current())
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

    #[sqlx::test]
    async fn the_press_that_confirmed_finds_the_command_again_when_sent_again(pool: SqlitePool) {
        use crate::storage::handled::CURRENT_UPDATE;
        let mut conn = pool.acquire().await.unwrap();
        let id = insert(&mut conn, -5, "restrict", "{}", 100).await.unwrap();
        CURRENT_UPDATE
            .scope(900, async {
                assert!(confirm(&mut conn, id, 7).await.unwrap());
            })
            .await;
        // Telegram sends press 900 again after a crash: the command is still its own.
        CURRENT_UPDATE
            .scope(900, async {
                assert!(waiting(&mut conn, -5, id).await.unwrap().is_some());
                assert!(confirm(&mut conn, id, 7).await.unwrap());
            })
            .await;
        // Another press, by anyone, finds it taken; so does work outside an update.
        CURRENT_UPDATE
            .scope(901, async {
                assert_eq!(waiting(&mut conn, -5, id).await.unwrap(), None);
                assert!(!confirm(&mut conn, id, 7).await.unwrap());
                assert!(!confirm(&mut conn, id, 8).await.unwrap());
            })
            .await;
        assert_eq!(waiting(&mut conn, -5, id).await.unwrap(), None);
        assert!(!confirm(&mut conn, id, 7).await.unwrap());
    }
}
