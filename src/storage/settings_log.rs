//! The audit trail of per-group settings: every change made through the settings model (from a command,
//! the `/settings` menu or an imported file), with its value before and after, who made it and when.

use crate::error::Result;
use sqlx::{FromRow, SqliteConnection};

/// Records one change made through the settings model.
#[allow(clippy::too_many_arguments)]
pub async fn log_change(
    conn: &mut SqliteConnection,
    chat_id: i64,
    key: &str,
    old_value: &str,
    new_value: &str,
    by: i64,
    source: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings_changes (chat_id, key, old_value, new_value, changed_by, source, at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(chat_id)
    .bind(key)
    .bind(old_value)
    .bind(new_value)
    .bind(by)
    .bind(source)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A logged change: key, old and new value (JSON), who, from where.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct LoggedChange {
    pub key: String,
    pub old_value: String,
    pub new_value: String,
    pub changed_by: i64,
    pub source: String,
}

/// A group's logged changes, oldest first.
pub async fn changes(conn: &mut SqliteConnection, chat_id: i64) -> Result<Vec<LoggedChange>> {
    Ok(sqlx::query_as(
        "SELECT key, old_value, new_value, changed_by, source FROM settings_changes
         WHERE chat_id = ? ORDER BY id",
    )
    .bind(chat_id)
    .fetch_all(conn)
    .await?)
}
