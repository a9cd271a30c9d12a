//! Shared bans of group sets, read and written by moderation (a ban spreads to the other groups of every
//! set of the group that shares bans) and by the entry gate (a member banned in a set is refused in each
//! of its groups), and the per-set allowlist that shared bans never reach.

use crate::error::Result;
use sqlx::SqliteConnection;

/// Records that `user_id`, banned in `chat_id` (by `actor`, or by the bot's own ladder), is banned in
/// every set of that group that shares bans and does not allow them, and returns the other groups of
/// those sets to ban them in (each once, sorted). A set that had them banned already adds nothing, so a
/// ban asked again after a restart spreads no further.
pub async fn spread(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    actor: Option<i64>,
    now: i64,
) -> Result<Vec<i64>> {
    let sets: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO group_set_bans (set_id, user_id, origin_chat_id, actor_id, at)
         SELECT s.set_id, ?2, ?1, ?3, ?4 FROM group_sets s
         JOIN group_set_groups g ON g.set_id = s.set_id AND g.chat_id = ?1
         WHERE s.share_bans = 1
           AND NOT EXISTS (SELECT 1 FROM group_set_allowed a WHERE a.set_id = s.set_id AND a.user_id = ?2)
         ON CONFLICT (set_id, user_id) DO NOTHING
         RETURNING set_id",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(actor)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let mut groups = Vec::new();
    for set_id in sets {
        let members: Vec<i64> = sqlx::query_scalar(
            "SELECT chat_id FROM group_set_groups WHERE set_id = ? AND chat_id <> ?",
        )
        .bind(set_id)
        .bind(chat_id)
        .fetch_all(&mut *conn)
        .await?;
        groups.extend(members);
    }
    groups.sort_unstable();
    groups.dedup();
    Ok(groups)
}

/// Whether `user_id` is banned in a set of `chat_id` that shares bans (and does not allow them).
pub async fn banned_in_a_set_of(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM group_set_bans b
         JOIN group_sets s ON s.set_id = b.set_id AND s.share_bans = 1
         JOIN group_set_groups g ON g.set_id = b.set_id AND g.chat_id = ?1
         WHERE b.user_id = ?2
           AND NOT EXISTS (SELECT 1 FROM group_set_allowed a WHERE a.set_id = b.set_id AND a.user_id = ?2))",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_one(conn)
    .await?)
}

/// Allows `user_id` in a set: its shared bans no longer reach them, and a shared ban they had is
/// dropped. Returns false when they were allowed already.
pub async fn allow(
    conn: &mut SqliteConnection,
    set_id: i64,
    user_id: i64,
    by: i64,
) -> Result<bool> {
    let added = sqlx::query(
        "INSERT INTO group_set_allowed (set_id, user_id, added_by) VALUES (?, ?, ?)
         ON CONFLICT (set_id, user_id) DO NOTHING",
    )
    .bind(set_id)
    .bind(user_id)
    .bind(by)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0;
    sqlx::query("DELETE FROM group_set_bans WHERE set_id = ? AND user_id = ?")
        .bind(set_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(added)
}

/// The sets whose shared ban of `user_id` started in `chat_id`.
pub async fn started_in(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT set_id FROM group_set_bans WHERE origin_chat_id = ? AND user_id = ? ORDER BY set_id",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_all(conn)
    .await?)
}

/// Lifts the shared bans of `user_id` that started in `chat_id` and returns the other groups of those
/// sets (each once, sorted), where the member is to be unbanned.
pub async fn lift(conn: &mut SqliteConnection, chat_id: i64, user_id: i64) -> Result<Vec<i64>> {
    let sets = started_in(conn, chat_id, user_id).await?;
    let mut groups = Vec::new();
    for set_id in sets {
        let members: Vec<i64> = sqlx::query_scalar(
            "SELECT chat_id FROM group_set_groups WHERE set_id = ? AND chat_id <> ?",
        )
        .bind(set_id)
        .bind(chat_id)
        .fetch_all(&mut *conn)
        .await?;
        groups.extend(members);
        sqlx::query("DELETE FROM group_set_bans WHERE set_id = ? AND user_id = ?")
            .bind(set_id)
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    }
    groups.sort_unstable();
    groups.dedup();
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    async fn set(conn: &mut SqliteConnection, name: &str, share: bool, groups: &[i64]) -> i64 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO group_sets (name, share_bans, created_by, created_at) VALUES (?, ?, 1, 0)
             RETURNING set_id",
        )
        .bind(name)
        .bind(share)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        for chat in groups {
            sqlx::query("INSERT INTO group_set_groups VALUES (?, ?, 1, 0)")
                .bind(id)
                .bind(chat)
                .execute(&mut *conn)
                .await
                .unwrap();
        }
        id
    }

    #[sqlx::test]
    async fn a_ban_spreads_once_to_sharing_sets_only_and_not_to_the_allowed(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let shared = set(&mut conn, "一", true, &[-1, -2, -3]).await;
        set(&mut conn, "二", true, &[-1, -3, -4]).await;
        set(&mut conn, "三", false, &[-1, -5]).await;
        assert_eq!(
            spread(&mut conn, -1, 7, Some(9), 10).await.unwrap(),
            [-4, -3, -2]
        );
        assert!(spread(&mut conn, -1, 7, Some(9), 11)
            .await
            .unwrap()
            .is_empty());
        assert!(banned_in_a_set_of(&mut conn, -2, 7).await.unwrap());
        assert!(!banned_in_a_set_of(&mut conn, -5, 7).await.unwrap());
        assert!(!banned_in_a_set_of(&mut conn, -2, 8).await.unwrap());
        assert!(allow(&mut conn, shared, 8, 1).await.unwrap());
        assert!(spread(&mut conn, -2, 8, None, 12).await.unwrap().is_empty());
        assert!(!banned_in_a_set_of(&mut conn, -3, 8).await.unwrap());
        assert!(
            lift(&mut conn, -2, 7).await.unwrap().is_empty(),
            "not its origin"
        );
        assert_eq!(lift(&mut conn, -1, 7).await.unwrap(), [-4, -3, -2]);
        assert!(!banned_in_a_set_of(&mut conn, -2, 7).await.unwrap());
        assert!(started_in(&mut conn, -1, 7).await.unwrap().is_empty());
    }
}
