//! `groupops forget-user ID`: what `/forgetme` does for a member, run by the operator from the command
//! line (see [`crate::storage::privacy`] for what is deleted and what is kept).

use super::database_file;
use crate::config::StorageSettings;
use crate::error::{Error, Result};
use crate::storage::privacy::{self, Forgotten, HeldIn};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

/// What forgetting one member did.
#[derive(Debug, Clone)]
pub struct ForgetReport {
    /// The groups where data about them was held.
    pub groups: Vec<HeldIn>,
    /// Rows deleted and erased.
    pub forgotten: Forgotten,
}

/// Forgets `user_id` in the configured database, in one transaction. An id the database knows nothing
/// about is an error, and nothing is changed.
pub async fn forget_user(settings: &StorageSettings, user_id: i64) -> Result<ForgetReport> {
    let file = database_file(&settings.database_url)?
        .filter(|file| file.is_file())
        .ok_or_else(|| Error::Operation("there is no database to forget anyone in".into()))?;
    let options = SqliteConnectOptions::new()
        .filename(&file)
        .busy_timeout(settings.busy_timeout.get())
        .foreign_keys(true);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let mut tx = conn.begin().await?;
    let groups = privacy::groups_holding(&mut tx, user_id).await?;
    let forgotten = privacy::forget_user(&mut tx, user_id).await?;
    if groups.is_empty() && forgotten.is_empty() {
        tx.rollback().await?;
        return Err(Error::Operation(format!(
            "the database holds no data about user {user_id}; nothing was changed"
        )));
    }
    tx.commit().await?;
    let _ = conn.close().await;
    Ok(ForgetReport { groups, forgotten })
}
