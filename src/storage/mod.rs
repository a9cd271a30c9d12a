//! SQLite: pool set-up with explicit pragmas, migrations, the batched activity writer, the records of
//! handled updates (`handled`), the durable queue of updates held back from the offset (`queued`), and
//! the small read and write functions every feature may use (groups, members, users, who started the bot
//! in private). Features keep their own SQL in their own `store.rs`; what lives here is shared by all of
//! them.
//!
//! There is one writer connection (all writes queue on it, so transactions never fight over locks) and a
//! small read pool. WAL lets readers run while the writer writes. Handlers on the hot paths hand their
//! writes to the writer as units of work ([`Storage::commit`], see [`commit`]), which it runs many at a
//! time in one transaction.

pub mod activity;
pub mod commit;
pub mod confirmations;
pub mod groups;
pub mod handled;
pub mod members;
pub mod privacy;
pub mod private_chats;
pub mod queued;
pub mod raid;
pub mod reply_deletions;
pub mod set_bans;
pub mod settings_log;

use crate::config::{StorageSettings, SyncMode};
use crate::error::Result;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Row, SqliteConnection, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// The migrations under `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The database: one writer connection, the group-commit writer that batches units of work on it, and a
/// read pool over the same file.
#[derive(Clone, Debug)]
pub struct Storage {
    /// Exactly one connection: every write and every transaction goes here.
    pub write: SqlitePool,
    /// Connections for reads that may run beside the writer.
    pub read: SqlitePool,
    /// Runs units of work in batches on the writer connection ([`Storage::commit`]).
    committer: commit::Committer,
}

/// The writer connection's page cache, in KiB, as SQLite's `cache_size` takes it (negative = KiB).
const WRITER_CACHE_KIB: i64 = -8_192;

/// WAL pages written before the writer checkpoints them into the database file.
const WAL_CHECKPOINT_PAGES: u32 = 10_000;

impl Storage {
    /// Opens (creating if needed) the database named by the settings, with WAL, `storage.synchronous`
    /// (`NORMAL` by default), a busy timeout and foreign keys on, and for the writer a larger page cache
    /// and a less frequent WAL checkpoint. The folder of the file is created too, and a new database file
    /// is created readable by its owner only (SQLite gives its WAL and shared-memory files the same
    /// permissions). Does not migrate.
    pub async fn open(settings: &StorageSettings) -> Result<Self> {
        let synchronous = match settings.synchronous {
            SyncMode::Normal => SqliteSynchronous::Normal,
            SyncMode::Full => SqliteSynchronous::Full,
        };
        let options = SqliteConnectOptions::from_str(&settings.database_url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(settings.busy_timeout.get())
            .foreign_keys(true);
        if let Some(file) = crate::ops::database_file(&settings.database_url)? {
            if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            if !file.exists() {
                crate::ops::create_private_file(&file)?;
            }
        }
        // The writer keeps a larger page cache and lets the WAL grow to about 40 MB before it checkpoints:
        // the batched activity writer touches rows all over the activity tables, and checkpointing every
        // 4 MB cost it a quarter of its speed.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(
                options
                    .clone()
                    .pragma("cache_size", WRITER_CACHE_KIB.to_string())
                    .pragma("wal_autocheckpoint", WAL_CHECKPOINT_PAGES.to_string()),
            )
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(settings.read_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true))
            .await?;
        let committer = commit::Committer::new(
            write.clone(),
            commit::CommitSettings {
                batch: settings.commit_batch,
                wait: settings.commit_wait.get(),
            },
        );
        Ok(Self {
            write,
            read,
            committer,
        })
    }

    /// Wraps one pool for both reads and writes (used by `#[sqlx::test]` tests), with the default
    /// group-commit settings.
    pub fn from_pool(pool: SqlitePool) -> Self {
        Self {
            committer: commit::Committer::new(pool.clone(), commit::CommitSettings::default()),
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

/// How the rows of one table that exist under both ids are combined when a group moves: for tables whose
/// rows count things, the counts of the two rows are added up instead of one row replacing the other.
struct Merge {
    /// The table.
    table: &'static str,
    /// The columns that, with `chat_id`, identify a row.
    key: &'static [&'static str],
    /// Assignments that fold the old row (`o`) into the new one (`n`).
    set: &'static str,
}

/// The tables whose rows add up. Counts are summed; for members the first sighting is the earlier one and
/// the latest state (last seen, status, the latest join) is the newer one.
const MERGES: &[Merge] = &[
    Merge {
        table: "members",
        key: &["user_id"],
        set: "messages = n.messages + o.messages,
              first_seen = MIN(n.first_seen, o.first_seen),
              last_seen = MAX(n.last_seen, o.last_seen),
              joined_at = COALESCE(n.joined_at, o.joined_at),
              seen_join = MAX(n.seen_join, o.seen_join),
              verified_at = COALESCE(MIN(n.verified_at, o.verified_at), n.verified_at, o.verified_at)",
    },
    Merge {
        table: "activity_minutes",
        key: &["minute", "user_id"],
        set: "messages = n.messages + o.messages, chars = n.chars + o.chars,
              long_messages = n.long_messages + o.long_messages",
    },
    Merge {
        table: "economy_activity_paid",
        key: &["user_id", "minute"],
        set: "points = n.points + o.points",
    },
    Merge {
        table: "economy_members",
        key: &["user_id"],
        set: "grace_cards = n.grace_cards + o.grace_cards",
    },
];

/// Columns other than `chat_id` that name a group and move with it: `(table, column)`.
const OTHER_CHAT_COLUMNS: &[(&str, &str)] = &[("group_set_copies", "template_chat_id")];

/// Moves every row of a group to its new id after a basic group became a supergroup. Every table with a
/// `chat_id` column is moved, so features that add tables need no code here. Runs inside the caller's
/// transaction; the caller first folds the ledger's accounts (`economy::ledger::fold_before_move`) and
/// flushes the activity writer, so no event of the old id is written after the move.
///
/// Rows already present under the new id (from updates that arrived for the supergroup first) are combined
/// with the group's history: in the tables whose rows count things (`MERGES`) the counts are added up; a
/// member's live referral link under the new id supersedes the basic group's (which is marked revoked), and
/// a basic group's channel link whose name is already used under the new id is renamed `<name> #<id>`; in
/// every other table the group's history replaces the newer row, and in `groups` the old record wins
/// outright.
///
/// Columns that name the chat a message was posted in (`welcome_gates.message_chat`) keep the old id: the
/// message stays in the deactivated basic group, and the supergroup numbers its messages afresh, so the
/// same message id under the new id would be some other message. Other columns that name the group itself
/// ([`OTHER_CHAT_COLUMNS`], such as a settings copy's template group) move with it.
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
    for merge in MERGES
        .iter()
        .filter(|m| tables.iter().any(|t| t == m.table))
    {
        let matching: String = merge
            .key
            .iter()
            .map(|column| format!(" AND o.\"{column}\" = n.\"{column}\""))
            .collect();
        // Table and column names are constants of this file; values stay bound.
        let fold = format!(
            "UPDATE \"{table}\" AS n SET {set} FROM \"{table}\" AS o
             WHERE n.chat_id = ?1 AND o.chat_id = ?2{matching}",
            table = merge.table,
            set = merge.set,
        );
        moved += sqlx::query(AssertSqlSafe(fold))
            .bind(to)
            .bind(from)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        let matching: String = merge
            .key
            .iter()
            .map(|column| format!(" AND n.\"{column}\" = \"{}\".\"{column}\"", merge.table))
            .collect();
        let folded = format!(
            "DELETE FROM \"{table}\" WHERE chat_id = ?2
             AND EXISTS (SELECT 1 FROM \"{table}\" AS n WHERE n.chat_id = ?1{matching})",
            table = merge.table,
        );
        sqlx::query(AssertSqlSafe(folded))
            .bind(to)
            .bind(from)
            .execute(&mut *conn)
            .await?;
    }
    if tables.iter().any(|t| t == "referral_links") {
        make_room_for_referral_links(conn, from, to).await?;
    }
    for (table, column) in OTHER_CHAT_COLUMNS {
        // Constants of this file; values stay bound.
        let sql = format!("UPDATE \"{table}\" SET \"{column}\" = ? WHERE \"{column}\" = ?");
        moved += sqlx::query(AssertSqlSafe(sql))
            .bind(to)
            .bind(from)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
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

/// Referral links are referenced by the joins they brought, so a clash must not replace (delete) one: a
/// member's live link of the basic group is marked revoked when the member already has a live link under
/// the new id, and a channel link whose name is taken under the new id gets its id appended to its name.
async fn make_room_for_referral_links(
    conn: &mut SqliteConnection,
    from: i64,
    to: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE referral_links SET revoked_at = n.created_at FROM referral_links AS n
         WHERE referral_links.chat_id = ?2 AND referral_links.kind = 'member'
         AND referral_links.revoked_at IS NULL
         AND n.chat_id = ?1 AND n.kind = 'member' AND n.revoked_at IS NULL
         AND n.owner_id = referral_links.owner_id",
    )
    .bind(to)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE referral_links SET name = name || ' #' || id
         WHERE chat_id = ?2 AND kind = 'channel'
         AND EXISTS (SELECT 1 FROM referral_links AS n
                     WHERE n.chat_id = ?1 AND n.kind = 'channel' AND n.name = referral_links.name)",
    )
    .bind(to)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

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

    /// Runs statements that take no values (test fixtures).
    async fn exec(conn: &mut SqliteConnection, statements: &[&str]) {
        for sql in statements {
            sqlx::query(AssertSqlSafe(sql.to_string()))
                .execute(&mut *conn)
                .await
                .unwrap_or_else(|err| panic!("{sql}: {err}"));
        }
    }

    #[sqlx::test]
    async fn move_chat_adds_up_counts_already_under_the_new_id(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        for (chat_id, title) in [(-10, "old"), (-1001, "new")] {
            groups::upsert_on_join(
                &mut conn,
                &groups::NewGroup {
                    chat_id,
                    kind: "group",
                    title,
                    username: None,
                    language: "en",
                    added_by: Some(7),
                    now: 100,
                },
            )
            .await
            .unwrap();
        }
        exec(
            &mut conn,
            &[
                // Member 7 was seen in both; member 8 only in the basic group.
                "INSERT INTO members (chat_id, user_id, first_seen, last_seen, joined_at, seen_join, status, messages, verified_at)
                 VALUES (-10, 7, 100, 200, 100, 1, 'member', 5, 150),
                        (-1001, 7, 300, 400, NULL, 0, 'member', 2, NULL),
                        (-10, 8, 100, 100, NULL, 0, 'member', 1, NULL)",
                "INSERT INTO activity_minutes (chat_id, minute, user_id, messages, chars, long_messages)
                 VALUES (-10, 1000, 7, 3, 30, 1), (-1001, 1000, 7, 2, 10, 0), (-10, 999, 7, 1, 4, 0)",
                "INSERT INTO economy_activity_pending (chat_id, minute, user_id, messages) VALUES (-10, 1000, 7, 1)",
                "INSERT INTO economy_activity_paid (chat_id, user_id, minute, points) VALUES (-10, 7, 1000, 10), (-1001, 7, 1000, 4)",
                "INSERT INTO economy_members (chat_id, user_id, grace_cards) VALUES (-10, 7, 1), (-1001, 7, 2)",
                "INSERT INTO welcome_settings (chat_id, welcome_text) VALUES (-10, 'old welcome'), (-1001, 'new welcome')",
                "INSERT INTO welcome_gates (chat_id, user_id, user_name, kind, message_chat, message_id, options, answer, deadline, created_at)
                 VALUES (-10, 9, 'Nine', 'button', -10, 55, 'ok', 0, 1000, 100)",
                // Member 7 has a live personal link in both; both links brought a join. Both groups have a
                // channel link named 'ads'.
                "INSERT INTO referral_links (id, chat_id, url, kind, owner_id, name, created_at)
                 VALUES (1, -10, 'https://t.me/+old7', 'member', 7, 'Seven', 100),
                        (2, -1001, 'https://t.me/+new7', 'member', 7, 'Seven', 300),
                        (3, -10, 'https://t.me/+oldads', 'channel', 1, 'ads', 100),
                        (4, -1001, 'https://t.me/+newads', 'channel', 1, 'ads', 300)",
                "INSERT INTO referral_joins (event_id, chat_id, link_id, user_id, joined_at)
                 VALUES (1, -10, 1, 20, 150), (2, -1001, 2, 21, 350)",
            ],
        )
        .await;

        let mut tx = conn.begin().await.unwrap();
        move_chat(&mut tx, -10, -1001).await.unwrap();
        tx.commit().await.unwrap();

        let member: (i64, i64, i64, Option<i64>, i64, Option<i64>) = sqlx::query_as(
            "SELECT messages, first_seen, last_seen, joined_at, seen_join, verified_at
             FROM members WHERE chat_id = -1001 AND user_id = 7",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(member, (7, 100, 400, Some(100), 1, Some(150)));
        let only_old: i64 = sqlx::query_scalar(
            "SELECT messages FROM members WHERE chat_id = -1001 AND user_id = 8",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(only_old, 1);
        let minutes: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT minute, messages, chars, long_messages FROM activity_minutes
             WHERE chat_id = -1001 ORDER BY minute",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        assert_eq!(minutes, vec![(999, 1, 4, 0), (1000, 5, 40, 1)]);
        let scalars: Vec<i64> = sqlx::query_scalar(
            "SELECT points FROM economy_activity_paid WHERE chat_id = -1001
             UNION ALL SELECT grace_cards FROM economy_members WHERE chat_id = -1001",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        assert_eq!(scalars, vec![14, 3], "points paid per minute, grace cards");
        // The basic group's long message was queued for activity points when it was stored; it moves with
        // the group, and folding its minute into the supergroup's row queues nothing more.
        let queued: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT chat_id, minute, messages FROM economy_activity_pending ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        assert_eq!(queued, vec![(-1001, 1000, 1)]);
        let welcome: String =
            sqlx::query_scalar("SELECT welcome_text FROM welcome_settings WHERE chat_id = -1001")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(welcome, "old welcome", "the group's own settings win");
        let group = groups::get(&mut conn, -1001).await.unwrap().unwrap();
        assert_eq!(group.title, "old");
        let gate: (i64, i64) =
            sqlx::query_as("SELECT chat_id, message_chat FROM welcome_gates WHERE user_id = 9")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(
            gate,
            (-1001, -10),
            "the gate belongs to the supergroup; its question stays where it was posted"
        );
        let links: Vec<(i64, i64, String, Option<i64>)> =
            sqlx::query_as("SELECT id, chat_id, name, revoked_at FROM referral_links ORDER BY id")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        assert_eq!(
            links,
            vec![
                (1, -1001, "Seven".to_string(), Some(300)),
                (2, -1001, "Seven".to_string(), None),
                (3, -1001, "ads #3".to_string(), None),
                (4, -1001, "ads".to_string(), None),
            ],
            "no link is lost: the joins still point at them"
        );
        let joins: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM referral_joins WHERE chat_id = -1001")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(joins, 2);

        // Nothing is left under the old id, in any table with a chat_id column.
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND p.name = 'chat_id'",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        assert!(tables.len() > 30, "found the tables: {tables:?}");
        for table in tables {
            let left: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM \"{table}\" WHERE chat_id = -10"
            )))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
            assert_eq!(left, 0, "{table} still has rows of the old id");
        }
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
