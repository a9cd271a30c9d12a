//! The SQL of the settings menu: the questions waiting for an admin's reply, and the imports waiting for a
//! confirm press. (The audit trail of changes is `storage::settings_log`: commands write it too.)

use crate::error::Result;
use sqlx::{FromRow, SqliteConnection};

/// A question waiting for an admin's reply.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Prompt {
    pub user_id: i64,
    pub chat_id: i64,
    pub key: String,
    pub menu_message_id: i64,
    pub prompt_message_id: i64,
}

/// Keeps the question asked of `prompt.user_id`, replacing an earlier one.
pub async fn put_prompt(conn: &mut SqliteConnection, prompt: &Prompt, at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings_prompts (user_id, chat_id, key, menu_message_id, prompt_message_id, at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, key = excluded.key,
             menu_message_id = excluded.menu_message_id,
             prompt_message_id = excluded.prompt_message_id, at = excluded.at",
    )
    .bind(prompt.user_id)
    .bind(prompt.chat_id)
    .bind(&prompt.key)
    .bind(prompt.menu_message_id)
    .bind(prompt.prompt_message_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The question waiting for `user_id`'s reply, if any.
pub async fn prompt(conn: &mut SqliteConnection, user_id: i64) -> Result<Option<Prompt>> {
    Ok(sqlx::query_as(
        "SELECT user_id, chat_id, key, menu_message_id, prompt_message_id FROM settings_prompts
         WHERE user_id = ?",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await?)
}

/// Drops the question waiting for `user_id`'s reply.
pub async fn drop_prompt(conn: &mut SqliteConnection, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM settings_prompts WHERE user_id = ?")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Keeps a checked import (its changes as JSON) until it is confirmed; returns its id.
pub async fn put_import(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    changes: &str,
    at: i64,
) -> Result<i64> {
    let done = sqlx::query(
        "INSERT INTO settings_imports (chat_id, user_id, changes, at) VALUES (?, ?, ?, ?)",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(changes)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.last_insert_rowid())
}

/// Takes a waiting import of `user_id` (group and changes as JSON): the row is deleted, so a second press
/// finds nothing.
pub async fn take_import(
    conn: &mut SqliteConnection,
    id: i64,
    user_id: i64,
) -> Result<Option<(i64, String)>> {
    Ok(sqlx::query_as(
        "DELETE FROM settings_imports WHERE id = ? AND user_id = ? RETURNING chat_id, changes",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    #[sqlx::test]
    async fn a_prompt_is_replaced_and_an_import_is_taken_once(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let mut asked = Prompt {
            user_id: 7,
            chat_id: -100,
            key: "welcome.text".into(),
            menu_message_id: 1,
            prompt_message_id: 2,
        };
        put_prompt(&mut conn, &asked, 10).await.unwrap();
        asked.key = "welcome.rules".into();
        put_prompt(&mut conn, &asked, 11).await.unwrap();
        assert_eq!(prompt(&mut conn, 7).await.unwrap(), Some(asked));
        drop_prompt(&mut conn, 7).await.unwrap();
        assert_eq!(prompt(&mut conn, 7).await.unwrap(), None);

        let id = put_import(&mut conn, -100, 7, "[]", 12).await.unwrap();
        assert_eq!(take_import(&mut conn, id, 8).await.unwrap(), None);
        assert_eq!(
            take_import(&mut conn, id, 7).await.unwrap(),
            Some((-100, "[]".into()))
        );
        assert_eq!(take_import(&mut conn, id, 7).await.unwrap(), None);
    }
}
