//! The group record: one row per group the bot was added to, with its language, time zone and the bot's own
//! status there. Written by the group lifecycle handlers; read by every feature.

use crate::error::Result;
use sqlx::{FromRow, SqliteConnection};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A group as stored.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct GroupRecord {
    /// The Telegram chat id (negative).
    pub chat_id: i64,
    /// `group` or `supergroup`.
    pub kind: String,
    /// The group's title when last seen.
    pub title: String,
    /// The public @username of the group, if any.
    pub username: Option<String>,
    /// The group's language code (`zh-CN` or `en`).
    pub language: String,
    /// The group's IANA time zone, when an admin set one.
    pub timezone: Option<String>,
    /// False once the bot was removed.
    pub active: bool,
    /// The user who added the bot.
    pub added_by: Option<i64>,
    /// When the bot (last) joined, unix seconds.
    pub added_at: i64,
    /// The bot's status: `member` or `administrator`.
    pub bot_status: String,
    /// The bot's admin rights, comma-separated.
    pub bot_rights: String,
    /// Whether the bot has said hello in this group.
    pub greeted: bool,
}

impl GroupRecord {
    /// True for supergroups, where members can be restricted.
    pub fn is_supergroup(&self) -> bool {
        self.kind == "supergroup"
    }
}

/// What is known about a group when the bot is added to it.
#[derive(Debug, Clone)]
pub struct NewGroup<'a> {
    /// The chat id.
    pub chat_id: i64,
    /// `group` or `supergroup`.
    pub kind: &'a str,
    /// The title.
    pub title: &'a str,
    /// The public username.
    pub username: Option<&'a str>,
    /// The language for a group not seen before.
    pub language: &'a str,
    /// Who added the bot.
    pub added_by: Option<i64>,
    /// Unix seconds.
    pub now: i64,
}

/// Records that the bot is in a group. A group seen before is reactivated and keeps its language and
/// settings; a new group gets `language`.
pub async fn upsert_on_join(
    conn: &mut SqliteConnection,
    group: &NewGroup<'_>,
) -> Result<GroupRecord> {
    sqlx::query(
        "INSERT INTO groups (chat_id, kind, title, username, language, added_by, added_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (chat_id) DO UPDATE SET
             kind = excluded.kind, title = excluded.title, username = excluded.username,
             added_by = CASE WHEN groups.active THEN groups.added_by ELSE excluded.added_by END,
             added_at = CASE WHEN groups.active THEN groups.added_at ELSE excluded.added_at END,
             greeted = CASE WHEN groups.active THEN groups.greeted ELSE 0 END,
             active = 1, updated_at = excluded.updated_at",
    )
    .bind(group.chat_id)
    .bind(group.kind)
    .bind(group.title)
    .bind(group.username)
    .bind(group.language)
    .bind(group.added_by)
    .bind(group.now)
    .execute(&mut *conn)
    .await?;
    Ok(get(conn, group.chat_id)
        .await?
        .expect("row was just written"))
}

/// Keeps the title and kind of an active group current (from any message in it).
pub async fn touch(
    conn: &mut SqliteConnection,
    chat_id: i64,
    kind: &str,
    title: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE groups SET kind = ?2, title = ?3, updated_at = ?4
         WHERE chat_id = ?1 AND (kind <> ?2 OR title <> ?3)",
    )
    .bind(chat_id)
    .bind(kind)
    .bind(title)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The stored record of a group.
pub async fn get(conn: &mut SqliteConnection, chat_id: i64) -> Result<Option<GroupRecord>> {
    Ok(sqlx::query_as::<_, GroupRecord>(
        "SELECT chat_id, kind, title, username, language, timezone, active, added_by, added_at,
                bot_status, bot_rights, greeted FROM groups WHERE chat_id = ?",
    )
    .bind(chat_id)
    .fetch_optional(conn)
    .await?)
}

/// Marks a group inactive after the bot left or was removed.
pub async fn set_inactive(conn: &mut SqliteConnection, chat_id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE groups SET active = 0, bot_status = 'left', bot_rights = '', updated_at = ? WHERE chat_id = ?")
        .bind(now)
        .bind(chat_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the bot's own status and rights in a group.
pub async fn set_bot_status(
    conn: &mut SqliteConnection,
    chat_id: i64,
    status: &str,
    rights: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE groups SET bot_status = ?, bot_rights = ?, updated_at = ? WHERE chat_id = ?",
    )
    .bind(status)
    .bind(rights)
    .bind(now)
    .bind(chat_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Switches a group's language.
pub async fn set_language(conn: &mut SqliteConnection, chat_id: i64, language: &str) -> Result<()> {
    sqlx::query("UPDATE groups SET language = ? WHERE chat_id = ?")
        .bind(language)
        .bind(chat_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets (or with `None` clears) a group's time zone.
pub async fn set_timezone(
    conn: &mut SqliteConnection,
    chat_id: i64,
    timezone: Option<&str>,
) -> Result<()> {
    sqlx::query("UPDATE groups SET timezone = ? WHERE chat_id = ?")
        .bind(timezone)
        .bind(chat_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the hello as said; returns true only the first time, so the bot greets a group once.
pub async fn mark_greeted(conn: &mut SqliteConnection, chat_id: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE groups SET greeted = 1 WHERE chat_id = ? AND greeted = 0")
        .bind(chat_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ids of the groups the bot is currently in.
pub async fn active_ids(conn: &mut SqliteConnection) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT chat_id FROM groups WHERE active = 1 ORDER BY chat_id")
            .fetch_all(conn)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    fn new_group(language: &'static str, now: i64) -> NewGroup<'static> {
        NewGroup {
            chat_id: -5,
            kind: "supergroup",
            title: "T",
            username: None,
            language,
            added_by: Some(1),
            now,
        }
    }

    #[sqlx::test]
    async fn rejoin_keeps_language_and_reactivates(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let first = upsert_on_join(&mut conn, &new_group("en", 10))
            .await
            .unwrap();
        assert_eq!(first.language, "en");
        assert!(first.active);
        set_inactive(&mut conn, -5, 20).await.unwrap();
        assert!(!get(&mut conn, -5).await.unwrap().unwrap().active);
        let again = upsert_on_join(&mut conn, &new_group("zh-CN", 30))
            .await
            .unwrap();
        assert_eq!(again.language, "en");
        assert!(again.active);
        assert_eq!(again.added_at, 30);
        assert!(mark_greeted(&mut conn, -5).await.unwrap());
        assert!(!mark_greeted(&mut conn, -5).await.unwrap());
        set_inactive(&mut conn, -5, 40).await.unwrap();
        upsert_on_join(&mut conn, &new_group("en", 50))
            .await
            .unwrap();
        assert!(
            mark_greeted(&mut conn, -5).await.unwrap(),
            "a group that re-adds the bot is greeted again"
        );
        assert!(!mark_greeted(&mut conn, -5).await.unwrap());
        assert_eq!(active_ids(&mut conn).await.unwrap(), vec![-5]);
    }
}

/// Group records kept in memory, so replies can find a group's language without a query. Every write
/// to a group record goes through the group lifecycle handlers, which refresh the cache.
///
/// A read that misses loads the record from the database; if a `put` or `forget` for that group lands
/// while the read is loading, what the read loaded may be older than that write, so it is handed to its
/// caller but not cached (the write wins).
#[derive(Clone, Default)]
pub struct GroupCache {
    slots: Arc<Mutex<HashMap<i64, CacheSlot>>>,
}

/// What the cache holds for one group.
#[derive(Default)]
struct CacheSlot {
    /// The cached record: `Some(None)` means "no such group", `None` means "not cached".
    record: Option<Option<Arc<GroupRecord>>>,
    /// How many `put`s and `forget`s this group has seen; a read caches only if none landed meanwhile.
    writes: u64,
}

impl GroupCache {
    /// The record of a group (`None` for chats the bot has no record of), read once from the database.
    pub async fn get(
        &self,
        storage: &super::Storage,
        chat_id: i64,
    ) -> Result<Option<Arc<GroupRecord>>> {
        self.get_with(chat_id, || async {
            let mut conn = storage.read.acquire().await?;
            get(&mut conn, chat_id).await
        })
        .await
    }

    /// Like [`GroupCache::get`], loading a missing record with `load`.
    async fn get_with<F, Fut>(&self, chat_id: i64, load: F) -> Result<Option<Arc<GroupRecord>>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Option<GroupRecord>>>,
    {
        let writes_before = {
            let slots = self.slots.lock().expect("group cache lock");
            match slots.get(&chat_id) {
                Some(CacheSlot {
                    record: Some(known),
                    ..
                }) => return Ok(known.clone()),
                Some(slot) => slot.writes,
                None => 0,
            }
        };
        let record = load().await?.map(Arc::new);
        let mut slots = self.slots.lock().expect("group cache lock");
        let slot = slots.entry(chat_id).or_default();
        if slot.writes == writes_before {
            slot.record = Some(record.clone());
        } else if let Some(newer) = &slot.record {
            // A put landed while the database was read: it is at least as new as what was read.
            return Ok(newer.clone());
        }
        Ok(record)
    }

    /// What the cache holds for a group right now, without reading the database: `None` when the group
    /// is not cached, `Some(None)` when it is known to have no record. Tests use it to learn a group's
    /// language at the moment the bot speaks.
    pub fn peek(&self, chat_id: i64) -> Option<Option<Arc<GroupRecord>>> {
        let slots = self.slots.lock().expect("group cache lock");
        slots.get(&chat_id).and_then(|slot| slot.record.clone())
    }

    /// Replaces the cached record after a write.
    pub fn put(&self, record: GroupRecord) {
        let mut slots = self.slots.lock().expect("group cache lock");
        let slot = slots.entry(record.chat_id).or_default();
        slot.writes += 1;
        slot.record = Some(Some(Arc::new(record)));
    }

    /// Forgets a group; the next read goes to the database.
    pub fn forget(&self, chat_id: i64) {
        let mut slots = self.slots.lock().expect("group cache lock");
        let slot = slots.entry(chat_id).or_default();
        slot.writes += 1;
        slot.record = None;
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::sync::Notify;

    fn record(language: &str) -> GroupRecord {
        GroupRecord {
            chat_id: -5,
            kind: "supergroup".into(),
            title: "T".into(),
            username: None,
            language: language.into(),
            timezone: None,
            active: true,
            added_by: None,
            added_at: 0,
            bot_status: "member".into(),
            bot_rights: String::new(),
            greeted: false,
        }
    }

    #[tokio::test]
    async fn a_put_during_a_read_wins_over_what_the_read_loaded() {
        let cache = GroupCache::default();
        let release = &Notify::new();
        // The read loads the record as it was before `/lang en` was written.
        let mut read = Box::pin(cache.get_with(-5, || async move {
            release.notified().await;
            Ok(Some(record("zh-CN")))
        }));
        assert!(futures::poll!(&mut read).is_pending());
        cache.put(record("en"));
        release.notify_one();
        let seen = read.await.unwrap().unwrap();
        assert_eq!(seen.language, "en");
        let cached = cache
            .get_with(-5, || async { panic!("served from the cache") })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(cached.language, "en", "the stale read was not cached");
    }

    #[tokio::test]
    async fn a_forget_during_a_read_keeps_the_read_out_of_the_cache() {
        let cache = GroupCache::default();
        let release = &Notify::new();
        let loads = &AtomicUsize::new(0);
        // The read loads the basic group's record just before its data moves away.
        let mut read = Box::pin(cache.get_with(-5, || async move {
            loads.fetch_add(1, Ordering::SeqCst);
            release.notified().await;
            Ok(Some(record("en")))
        }));
        assert!(futures::poll!(&mut read).is_pending());
        cache.forget(-5);
        release.notify_one();
        assert!(
            read.await.unwrap().is_some(),
            "its caller gets what it read"
        );
        let after = cache
            .get_with(-5, || async move {
                loads.fetch_add(1, Ordering::SeqCst);
                Ok(None)
            })
            .await
            .unwrap();
        assert!(after.is_none(), "the next read went to the database");
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        // That answer ("no record") is cached.
        assert!(cache
            .get_with(-5, || async { panic!("served from the cache") })
            .await
            .unwrap()
            .is_none());
    }
}
