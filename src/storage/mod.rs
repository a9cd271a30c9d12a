//! SQLite: pool set-up with explicit pragmas, migrations, the batched activity writer, and the small read
//! and write functions every feature may use (groups, members, users). Features keep their own SQL in their
//! own `store.rs`; what lives here is shared by all of them.
//!
//! There is one writer connection (all writes queue on it, so transactions never fight over locks) and a
//! small read pool. WAL lets readers run while the writer writes.

pub mod activity;
pub mod groups;
pub mod members;
pub mod raid;

use crate::config::StorageSettings;
use crate::error::Result;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Row, SqliteConnection, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// The migrations under `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The database: one writer connection and a read pool over the same file.
#[derive(Clone, Debug)]
pub struct Storage {
    /// Exactly one connection: every write and every transaction goes here.
    pub write: SqlitePool,
    /// Connections for reads that may run beside the writer.
    pub read: SqlitePool,
}

impl Storage {
    /// Opens (creating if needed) the database named by the settings, with WAL, `synchronous=NORMAL`,
    /// a busy timeout and foreign keys on. The folder of the file is created too. Does not migrate.
    pub async fn open(settings: &StorageSettings) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(&settings.database_url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(settings.busy_timeout.get())
            .foreign_keys(true);
        let file = options.get_filename();
        if let Some(parent) = file.parent() {
            if !parent.as_os_str().is_empty() && file.to_string_lossy() != ":memory:" {
                std::fs::create_dir_all(parent)?;
            }
        }
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(settings.read_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self { write, read })
    }

    /// Wraps one pool for both reads and writes (used by `#[sqlx::test]` tests).
    pub fn from_pool(pool: SqlitePool) -> Self {
        Self {
            write: pool.clone(),
            read: pool,
        }
    }

    /// Applies every migration not yet applied.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.write).await?;
        Ok(())
    }

    /// Closes both pools, waiting for running statements to finish.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// Moves every row of a group to its new id after a basic group became a supergroup. Every table with a
/// `chat_id` column is moved, so features that add tables need no code here. Rows already present under
/// the new id (from updates that arrived for the supergroup first) are replaced by the group's history,
/// except in `groups`, where the old record wins outright. Runs inside the caller's transaction.
pub async fn move_chat(conn: &mut SqliteConnection, from: i64, to: i64) -> Result<u64> {
    let tables: Vec<String> = sqlx::query(
        "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND p.name = 'chat_id' AND m.name NOT LIKE 'sqlite_%'
         AND m.name NOT LIKE '_sqlx%' ORDER BY m.name",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| row.get::<String, _>(0))
    .collect();
    sqlx::query("DELETE FROM groups WHERE chat_id = ?")
        .bind(to)
        .execute(&mut *conn)
        .await?;
    let mut moved = 0;
    for table in tables {
        // Table names come from sqlite_master, not from users; values stay bound.
        let sql = format!("UPDATE OR REPLACE \"{table}\" SET chat_id = ? WHERE chat_id = ?");
        moved += sqlx::query(AssertSqlSafe(sql))
            .bind(to)
            .bind(from)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test]
    async fn move_chat_moves_every_table(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        groups::upsert_on_join(
            &mut conn,
            &groups::NewGroup {
                chat_id: -10,
                kind: "group",
                title: "old",
                username: None,
                language: "en",
                added_by: Some(7),
                now: 100,
            },
        )
        .await
        .unwrap();
        members::record_join(&mut conn, -10, 7, 100).await.unwrap();
        let moved = move_chat(&mut conn, -10, -1001).await.unwrap();
        assert!(moved >= 2);
        let group = groups::get(&mut conn, -1001).await.unwrap().unwrap();
        assert_eq!(group.title, "old");
        assert!(groups::get(&mut conn, -10).await.unwrap().is_none());
        let member = members::get(&mut conn, -1001, 7).await.unwrap().unwrap();
        assert_eq!(member.joined_at, Some(100));
    }

    #[tokio::test]
    async fn open_creates_folder_sets_pragmas_and_migrates() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}/nested/dir/test.db?mode=rwc",
            dir.path().display()
        );
        let settings = StorageSettings {
            database_url: url,
            ..Default::default()
        };
        let storage = Storage::open(&settings).await.unwrap();
        storage.migrate().await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&storage.write)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&storage.write)
            .await
            .unwrap();
        assert_eq!(sync, 1, "synchronous=NORMAL");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&storage.write)
            .await
            .unwrap();
        assert_eq!(fk, 1);
        // A second open and migrate is a no-op.
        storage.close().await;
        let again = Storage::open(&settings).await.unwrap();
        again.migrate().await.unwrap();
        assert!(dir.path().join("nested/dir/test.db").exists());
    }
}
