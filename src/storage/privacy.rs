//! Deleting data: what the bot forgets about one member (`/forgetme`, `groupops forget-user`), and the
//! purge of a group that removed the bot long ago (`storage.inactive_retention`).
//!
//! Forgetting a member deletes their profile (names, username, language), the record that they started the
//! bot in private, the names copied into packets, relays and gates, the excerpts of their messages kept by moderation and reports, their join and invite
//! history (join events with the links they used, join-request links, referral joins, the referrals they
//! made once settled, the names of their links), their activity counts, the names and excerpts kept with
//! suspicious messages, and the detector samples they added. It keeps the ids that carry a promise to
//! someone else: ledger rows (every group's sums stay exact), sign-ins (so a member cannot sign in twice
//! in one day by forgetting), committed packet and draw lists (so `/verify` keeps recomputing them), the
//! referrals that rewarded whoever invited them, membership records (gate and claim rules read them),
//! moderation actions and saved mutes (forgetting never lifts a ban or a mute; only the excerpt is
//! erased), and the settings changes an admin made (the group's audit trail); the settings menu's open
//! question and unconfirmed imports of theirs are deleted.

use crate::error::Result;
use sqlx::SqliteConnection;

/// A group where the bot holds data about a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldIn {
    /// The group.
    pub chat_id: i64,
    /// Its title as last seen (empty when unknown).
    pub title: String,
}

/// The groups where the bot holds data about `user_id`: membership, points, sign-ins, join history or
/// moderation records. Sorted by title.
pub async fn groups_holding(conn: &mut SqliteConnection, user_id: i64) -> Result<Vec<HeldIn>> {
    let rows: Vec<(i64, Option<String>)> = sqlx::query_as(
        "SELECT h.chat_id, g.title FROM (
             SELECT chat_id FROM members WHERE user_id = ?1
             UNION SELECT chat_id FROM member_events WHERE user_id = ?1
             UNION SELECT chat_id FROM economy_accounts WHERE kind = 'wallet' AND ref = ?1
             UNION SELECT chat_id FROM checkins WHERE user_id = ?1
             UNION SELECT chat_id FROM moderation_violations WHERE user_id = ?1
             UNION SELECT chat_id FROM activity_minutes WHERE user_id = ?1
         ) h LEFT JOIN groups g ON g.chat_id = h.chat_id
         ORDER BY COALESCE(g.title, ''), h.chat_id",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(chat_id, title)| HeldIn {
            chat_id,
            title: title.unwrap_or_default(),
        })
        .collect())
}

/// How many rows forgetting a member deleted and blanked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    /// Rows deleted.
    pub deleted: u64,
    /// Rows whose names or excerpts were erased.
    pub erased: u64,
}

impl Forgotten {
    /// Whether anything was there to forget.
    pub fn is_empty(&self) -> bool {
        self.deleted == 0 && self.erased == 0
    }
}

/// Statements that delete a member's rows; `?1` is the member.
const DELETES: &[&str] = &[
    "DELETE FROM users WHERE user_id = ?1",
    "DELETE FROM private_chats WHERE user_id = ?1",
    "DELETE FROM welcome_held WHERE user_id = ?1",
    "DELETE FROM welcome_queue WHERE user_id = ?1",
    "DELETE FROM member_events WHERE user_id = ?1",
    "DELETE FROM join_request_links WHERE user_id = ?1",
    "DELETE FROM referral_joins WHERE user_id = ?1",
    "DELETE FROM referrals WHERE inviter_id = ?1 AND status <> 'pending'",
    "DELETE FROM activity_minutes WHERE user_id = ?1",
    "DELETE FROM moderation_classifier_samples WHERE added_by = ?1",
    "DELETE FROM settings_prompts WHERE user_id = ?1",
    "DELETE FROM settings_imports WHERE user_id = ?1",
];

/// Statements that erase names and excerpts but keep the row (and its ids); `?1` is the member.
const ERASES: &[&str] = &[
    "UPDATE redpacket_claims SET user_name = '' WHERE user_id = ?1 AND user_name <> ''",
    "UPDATE redpackets SET sender_name = '' WHERE sender = ?1 AND sender_name <> ''",
    "UPDATE redpackets SET target_name = NULL WHERE target = ?1 AND target_name IS NOT NULL",
    "UPDATE redpacket_relays SET starter_name = '' WHERE starter = ?1 AND starter_name <> ''",
    "UPDATE redpacket_relays SET next_name = NULL WHERE next_user = ?1 AND next_name IS NOT NULL",
    "UPDATE welcome_gates SET user_name = '' WHERE user_id = ?1 AND user_name <> ''",
    "UPDATE moderation_violations SET excerpt = '' WHERE user_id = ?1 AND excerpt <> ''",
    "UPDATE moderation_reports SET excerpt = '' WHERE reported_user_id = ?1 AND excerpt <> ''",
    "UPDATE referral_links SET name = '' WHERE owner_id = ?1 AND name <> ''",
    "UPDATE moderation_suspicious SET name = '', excerpt = ''
     WHERE user_id = ?1 AND is_channel = 0 AND (name <> '' OR excerpt <> '')",
];

/// Forgets what the bot holds about `user_id` (see the module's description), inside the caller's
/// transaction so it happens whole or not at all.
pub async fn forget_user(conn: &mut SqliteConnection, user_id: i64) -> Result<Forgotten> {
    let mut done = Forgotten::default();
    for statement in DELETES {
        done.deleted += sqlx::query(sqlx::AssertSqlSafe(*statement))
            .bind(user_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    for statement in ERASES {
        done.erased += sqlx::query(sqlx::AssertSqlSafe(*statement))
            .bind(user_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(done)
}

/// Groups that removed the bot before `before` (unix seconds) and were not added back since.
pub async fn inactive_groups(conn: &mut SqliteConnection, before: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT chat_id FROM groups WHERE active = 0 AND updated_at < ? ORDER BY chat_id",
    )
    .bind(before)
    .fetch_all(&mut *conn)
    .await?)
}

/// Deletes every row of a group: every table with a `chat_id` column (so tables features add later are
/// covered without code here), then its group record. Runs inside the caller's transaction; the group's
/// ledger goes whole, so every other group's sums are untouched. Returns the rows deleted.
pub async fn purge_chat(conn: &mut SqliteConnection, chat_id: i64) -> Result<u64> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND p.name = 'chat_id' AND m.name NOT LIKE 'sqlite_%'
         AND m.name NOT LIKE '_sqlx%' AND m.name <> 'groups' ORDER BY m.name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut deleted = 0;
    // Rows that other rows of the same group point at are deleted last: retry tables a foreign key held
    // back until a pass deletes nothing more.
    let mut pending = tables;
    while !pending.is_empty() {
        let mut blocked = Vec::new();
        for table in pending.iter() {
            let statement = format!("DELETE FROM \"{table}\" WHERE chat_id = ?");
            match sqlx::query(sqlx::AssertSqlSafe(statement))
                .bind(chat_id)
                .execute(&mut *conn)
                .await
            {
                Ok(done) => deleted += done.rows_affected(),
                Err(sqlx::Error::Database(err)) if err.is_foreign_key_violation() => {
                    blocked.push(table.clone())
                }
                Err(err) => return Err(err.into()),
            }
        }
        if blocked.len() == pending.len() {
            return Err(crate::Error::Operation(format!(
                "the rows of group {chat_id} in {} are still referenced; the purge was rolled back",
                blocked.join(", ")
            )));
        }
        pending = blocked;
    }
    deleted += sqlx::query("DELETE FROM groups WHERE chat_id = ?")
        .bind(chat_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    async fn seed(conn: &mut SqliteConnection) {
        for statement in [
            "INSERT INTO groups (chat_id, kind, title, language, active, added_at, updated_at)
             VALUES (-1, 'supergroup', '跑步群', 'zh-CN', 1, 0, 0), (-2, 'supergroup', 'Rust', 'en', 0, 0, 10)",
            "INSERT INTO users (user_id, first_name, last_name, username, is_bot, updated_at)
             VALUES (7, '张', '三', 'zhang3', 0, 0), (8, 'Bob', NULL, 'bob', 0, 0)",
            "INSERT INTO members (chat_id, user_id, first_seen, last_seen, status, messages)
             VALUES (-1, 7, 0, 0, 'member', 3), (-2, 7, 0, 0, 'member', 1), (-1, 8, 0, 0, 'member', 1)",
            "INSERT INTO member_events (chat_id, user_id, at, kind, invite_link) VALUES (-1, 7, 0, 'join', 'https://t.me/+x')",
            "INSERT INTO moderation_violations (chat_id, user_id, rule, detail, action, shadow, excerpt, at, expires_at)
             VALUES (-1, 7, 'keyword', 'x', 'ban', 0, '加我微信 abc', 0, 0)",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&mut *conn)
                .await
                .unwrap();
        }
    }

    #[sqlx::test]
    async fn forgetting_erases_profile_and_excerpts_but_keeps_the_ban_record(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        seed(&mut conn).await;
        let held = groups_holding(&mut conn, 7).await.unwrap();
        assert_eq!(
            held.iter().map(|h| h.title.as_str()).collect::<Vec<_>>(),
            ["Rust", "跑步群"]
        );
        crate::storage::private_chats::record(&mut conn, 7, 5)
            .await
            .unwrap();
        let done = forget_user(&mut conn, 7).await.unwrap();
        assert_eq!(
            done,
            Forgotten {
                deleted: 3,
                erased: 1
            }
        );
        assert!(
            !crate::storage::private_chats::has_started(&mut conn, 7)
                .await
                .unwrap(),
            "the bot no longer knows they started it"
        );
        let (users, events): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM users WHERE user_id = 7), (SELECT COUNT(*) FROM member_events WHERE user_id = 7)",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!((users, events), (0, 0));
        let (action, excerpt): (String, String) =
            sqlx::query_as("SELECT action, excerpt FROM moderation_violations WHERE user_id = 7")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!((action.as_str(), excerpt.as_str()), ("ban", ""));
        let bob: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE user_id = 8")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(bob, 1, "another member is untouched");
        assert!(forget_user(&mut conn, 7).await.unwrap().is_empty());
    }

    #[sqlx::test]
    async fn a_purge_removes_every_row_of_one_group_only(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        seed(&mut conn).await;
        assert_eq!(inactive_groups(&mut conn, 11).await.unwrap(), vec![-2]);
        assert!(inactive_groups(&mut conn, 10).await.unwrap().is_empty());
        let deleted = purge_chat(&mut conn, -2).await.unwrap();
        assert_eq!(deleted, 2, "one member row and the group record");
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(left, 2);
        let groups: Vec<i64> = sqlx::query_scalar("SELECT chat_id FROM groups")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        assert_eq!(groups, vec![-1]);
    }
}
