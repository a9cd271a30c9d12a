//! People and their membership per group: the read functions features use to resolve `@username` targets
//! and to answer "how long has this member been here", plus the writes the activity writer batches.

use crate::error::Result;
use sqlx::{FromRow, SqliteConnection};

/// A Telegram user as last seen.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct UserRecord {
    /// The user id.
    pub user_id: i64,
    /// First name.
    pub first_name: String,
    /// Last name, if any.
    pub last_name: Option<String>,
    /// @username without the @, if any.
    pub username: Option<String>,
    /// Whether the account is a bot.
    pub is_bot: bool,
    /// The language their Telegram app reports.
    pub language_code: Option<String>,
}

impl UserRecord {
    /// "First Last", or just "First", cleaned for showing (see [`crate::telegram::text::clean_name`]).
    pub fn full_name(&self) -> String {
        match &self.last_name {
            Some(last) if !last.is_empty() => {
                crate::telegram::text::clean_name(&format!("{} {}", self.first_name, last))
            }
            _ => crate::telegram::text::clean_name(&self.first_name),
        }
    }
}

/// One member of one group as recorded.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct MemberRecord {
    /// The group.
    pub chat_id: i64,
    /// The user.
    pub user_id: i64,
    /// First time the bot saw them here, unix seconds.
    pub first_seen: i64,
    /// Last time the bot saw them here.
    pub last_seen: i64,
    /// When they joined, if the bot saw it.
    pub joined_at: Option<i64>,
    /// Whether the bot saw the join itself.
    pub seen_join: bool,
    /// `member`, `left` or `banned`.
    pub status: String,
    /// Messages seen from them in this group.
    pub messages: i64,
}

/// A user's profile fields as they arrive on an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    /// The user id.
    pub user_id: i64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: Option<String>,
    /// @username.
    pub username: Option<String>,
    /// Bot account.
    pub is_bot: bool,
    /// App language.
    pub language_code: Option<String>,
}

impl From<&teloxide::types::User> for UserProfile {
    fn from(user: &teloxide::types::User) -> Self {
        Self {
            user_id: user.id.0 as i64,
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            username: user.username.clone(),
            is_bot: user.is_bot,
            language_code: user.language_code.clone(),
        }
    }
}

/// Stores a user's current profile.
pub async fn upsert_user(conn: &mut SqliteConnection, user: &UserProfile, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (user_id, first_name, last_name, username, is_bot, language_code, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
             username = excluded.username, is_bot = excluded.is_bot,
             language_code = COALESCE(excluded.language_code, users.language_code),
             updated_at = excluded.updated_at",
    )
    .bind(user.user_id)
    .bind(&user.first_name)
    .bind(&user.last_name)
    .bind(&user.username)
    .bind(user.is_bot)
    .bind(&user.language_code)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A user by id.
pub async fn get_user(conn: &mut SqliteConnection, user_id: i64) -> Result<Option<UserRecord>> {
    Ok(sqlx::query_as(
        "SELECT user_id, first_name, last_name, username, is_bot, language_code FROM users WHERE user_id = ?",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await?)
}

/// The shown names ("First Last", cleaned) of the users among `ids` the bot has seen.
pub async fn names(
    conn: &mut SqliteConnection,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>> {
    let mut names = std::collections::HashMap::new();
    for &id in ids {
        if names.contains_key(&id) {
            continue;
        }
        if let Some(user) = get_user(conn, id).await? {
            names.insert(id, user.full_name());
        }
    }
    Ok(names)
}

/// The user with this @username (case-insensitive) who has been seen in this group.
pub async fn find_by_username(
    conn: &mut SqliteConnection,
    chat_id: i64,
    username: &str,
) -> Result<Option<UserRecord>> {
    Ok(sqlx::query_as(
        "SELECT u.user_id, u.first_name, u.last_name, u.username, u.is_bot, u.language_code
         FROM users u JOIN members m ON m.user_id = u.user_id AND m.chat_id = ?
         WHERE u.username = ? COLLATE NOCASE ORDER BY m.last_seen DESC LIMIT 1",
    )
    .bind(chat_id)
    .bind(username.trim_start_matches('@'))
    .fetch_optional(conn)
    .await?)
}

/// The membership record of a user in a group.
pub async fn get(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<Option<MemberRecord>> {
    Ok(sqlx::query_as(
        "SELECT chat_id, user_id, first_seen, last_seen, joined_at, seen_join, status, messages
         FROM members WHERE chat_id = ? AND user_id = ?",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?)
}

/// Records that a member was seen (`messages` new messages, possibly 0) at `at`.
pub async fn record_seen(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    at: i64,
    messages: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO members (chat_id, user_id, first_seen, last_seen, messages) VALUES (?1, ?2, ?3, ?3, ?4)
         ON CONFLICT (chat_id, user_id) DO UPDATE SET
             first_seen = CASE WHEN members.sighted THEN MIN(members.first_seen, excluded.first_seen)
                          ELSE excluded.first_seen END,
             sighted = 1,
             last_seen = MAX(members.last_seen, excluded.last_seen),
             messages = members.messages + excluded.messages,
             status = CASE WHEN excluded.messages > 0 THEN 'member' ELSE members.status END",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(at)
    .bind(messages)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a join the bot saw.
pub async fn record_join(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO members (chat_id, user_id, first_seen, last_seen, joined_at, seen_join, status)
         VALUES (?1, ?2, ?3, ?3, ?3, 1, 'member')
         ON CONFLICT (chat_id, user_id) DO UPDATE SET
             first_seen = CASE WHEN members.sighted THEN members.first_seen ELSE excluded.first_seen END,
             sighted = 1,
             last_seen = MAX(members.last_seen, excluded.last_seen),
             joined_at = excluded.joined_at, seen_join = 1, status = 'member'",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that a member left (or was removed).
pub async fn record_leave(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO members (chat_id, user_id, first_seen, last_seen, status) VALUES (?1, ?2, ?3, ?3, 'left')
         ON CONFLICT (chat_id, user_id) DO UPDATE SET status = 'left',
             first_seen = CASE WHEN members.sighted THEN members.first_seen ELSE excluded.first_seen END,
             sighted = 1,
             last_seen = MAX(members.last_seen, excluded.last_seen)",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that a member passed the group's entry gate (or joined while no gate applied) at `at`. The first
/// verification is kept.
///
/// The gate of a join request is passed in a private chat, before the member is in the group. When no record
/// exists yet, the one made here is not a sighting: it is marked `sighted = 0` and `left` (the approved join
/// makes it `member`), and its `first_seen` holds the verification time only until the first real sighting
/// replaces it, so the member does not count as seen in the group before their join.
pub async fn mark_verified(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO members (chat_id, user_id, first_seen, last_seen, verified_at, status, sighted)
         VALUES (?1, ?2, ?3, ?3, ?3, 'left', 0)
         ON CONFLICT (chat_id, user_id) DO UPDATE SET verified_at = COALESCE(members.verified_at, excluded.verified_at)",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// When a member passed the entry gate, if they did.
pub async fn verified_at(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT verified_at FROM members WHERE chat_id = ? AND user_id = ?")
            .bind(chat_id)
            .bind(user_id)
            .fetch_optional(conn)
            .await?
            .flatten(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    #[sqlx::test]
    async fn username_lookup_is_per_group_and_case_insensitive(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let alice = UserProfile {
            user_id: 42,
            first_name: "Alice".into(),
            last_name: None,
            username: Some("Alice_X".into()),
            is_bot: false,
            language_code: Some("en".into()),
        };
        upsert_user(&mut conn, &alice, 1).await.unwrap();
        assert!(
            find_by_username(&mut conn, -1, "alice_x")
                .await
                .unwrap()
                .is_none(),
            "not seen in the group"
        );
        record_seen(&mut conn, -1, 42, 5, 1).await.unwrap();
        let found = find_by_username(&mut conn, -1, "@ALICE_x")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.user_id, 42);
        assert_eq!(found.full_name(), "Alice");
        record_seen(&mut conn, -1, 42, 3, 2).await.unwrap();
        let member = get(&mut conn, -1, 42).await.unwrap().unwrap();
        assert_eq!(
            (member.first_seen, member.last_seen, member.messages),
            (3, 5, 3)
        );
        record_leave(&mut conn, -1, 42, 9).await.unwrap();
        assert_eq!(
            get(&mut conn, -1, 42).await.unwrap().unwrap().status,
            "left"
        );
        record_join(&mut conn, -1, 42, 10).await.unwrap();
        let member = get(&mut conn, -1, 42).await.unwrap().unwrap();
        assert_eq!(
            (member.status.as_str(), member.joined_at, member.seen_join),
            ("member", Some(10), true)
        );
        assert_eq!(verified_at(&mut conn, -1, 42).await.unwrap(), None);
        mark_verified(&mut conn, -1, 42, 11).await.unwrap();
        mark_verified(&mut conn, -1, 42, 12).await.unwrap();
        assert_eq!(
            verified_at(&mut conn, -1, 42).await.unwrap(),
            Some(11),
            "the first verification is kept"
        );
    }
}
