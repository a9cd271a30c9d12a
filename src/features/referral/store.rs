//! The SQL of referrals, channel links and the review numbers. Review numbers only read: activity and
//! membership from the activity writer's tables; sign-ins, red packet grabs, lottery entries and balances
//! come from [`crate::facts`]. Link kinds and referral statuses are enums here and words in
//! the tables.

use super::rules::{ReferralStatus, VoidReason};
use super::stats::{MemberEvent, MemberRow};
use crate::error::Result;
use sqlx::{FromRow, SqliteConnection};

/// A word in a status or kind column that this version does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown word {0:?} in a referral column")]
pub struct UnknownWord(String);

/// Whose link it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// A member's personal link (`/invite`): joins through it are referrals.
    Member,
    /// A channel link an admin made (`/channel new`): joins through it count for the funnel only.
    Channel,
}

impl LinkKind {
    /// The word stored in `referral_links.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Member => "member",
            LinkKind::Channel => "channel",
        }
    }
}

impl TryFrom<String> for LinkKind {
    type Error = UnknownWord;

    fn try_from(word: String) -> std::result::Result<Self, UnknownWord> {
        match word.as_str() {
            "member" => Ok(LinkKind::Member),
            "channel" => Ok(LinkKind::Channel),
            _ => Err(UnknownWord(word)),
        }
    }
}

impl TryFrom<String> for ReferralStatus {
    type Error = UnknownWord;

    fn try_from(word: String) -> std::result::Result<Self, UnknownWord> {
        match word.as_str() {
            "pending" => Ok(ReferralStatus::Pending),
            "valid" => Ok(ReferralStatus::Valid),
            "void" => Ok(ReferralStatus::Void),
            _ => Err(UnknownWord(word)),
        }
    }
}

/// A word read from a column, as an enum; an unknown word is a decoding error.
fn decode<T: TryFrom<String, Error = UnknownWord>>(word: String) -> Result<T> {
    T::try_from(word).map_err(|err| sqlx::Error::Decode(Box::new(err)).into())
}

/// An invite link the bot created.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct LinkRow {
    pub id: i64,
    pub chat_id: i64,
    /// The full URL.
    pub url: String,
    #[sqlx(try_from = "String")]
    pub kind: LinkKind,
    /// The member (member links) or the admin who made it (channel links).
    pub owner_id: i64,
    pub name: String,
}

/// The live personal link of a member in a group.
pub async fn member_link(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<Option<LinkRow>> {
    Ok(sqlx::query_as(
        "SELECT id, chat_id, url, kind, owner_id, name FROM referral_links
         WHERE chat_id = ? AND owner_id = ? AND kind = 'member' AND revoked_at IS NULL",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?)
}

/// Marks a link as revoked (it was revoked outside the bot); joins through it stay attributed.
pub async fn mark_revoked(conn: &mut SqliteConnection, link_id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE referral_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
        .bind(now)
        .bind(link_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores a link the bot just created; returns its id.
pub async fn insert_link(
    conn: &mut SqliteConnection,
    chat_id: i64,
    url: &str,
    kind: LinkKind,
    owner_id: i64,
    name: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO referral_links (chat_id, url, kind, owner_id, name, created_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(chat_id)
    .bind(url)
    .bind(kind.as_str())
    .bind(owner_id)
    .bind(name)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// Whether the group already has a channel link of this name.
pub async fn channel_name_taken(
    conn: &mut SqliteConnection,
    chat_id: i64,
    name: &str,
) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM referral_links WHERE chat_id = ? AND kind = 'channel' AND name = ?",
    )
    .bind(chat_id)
    .bind(name)
    .fetch_one(conn)
    .await?
        > 0)
}

/// One channel link's conversion funnel.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct FunnelRow {
    /// The link's name.
    pub name: String,
    /// The link.
    pub url: String,
    /// Distinct members who joined through it.
    pub joins: i64,
    /// Of those, members who passed the entry gate.
    pub verified: i64,
    /// Of those who joined at least 7 days ago, members who did not leave within 7 days.
    pub stayed: i64,
    /// Of those, members who sent at least one message after joining.
    pub spoke: i64,
}

/// The funnel of every channel link of a group, oldest link first.
pub async fn channel_funnel(
    conn: &mut SqliteConnection,
    chat_id: i64,
    now: i64,
) -> Result<Vec<FunnelRow>> {
    Ok(sqlx::query_as(
        "WITH firsts AS (
             SELECT j.link_id, j.user_id, MIN(j.joined_at) AS joined_at
             FROM referral_joins j JOIN referral_links l ON l.id = j.link_id
             WHERE l.chat_id = ?1 AND l.kind = 'channel' GROUP BY j.link_id, j.user_id
         )
         SELECT l.name, l.url,
             COUNT(f.user_id) AS joins,
             COALESCE(SUM(m.verified_at IS NOT NULL), 0) AS verified,
             COALESCE(SUM(f.joined_at + 604800 <= ?2 AND NOT EXISTS (
                 SELECT 1 FROM member_events e WHERE e.chat_id = ?1 AND e.user_id = f.user_id
                 AND e.kind = 'leave' AND e.at >= f.joined_at AND e.at <= f.joined_at + 604800)), 0) AS stayed,
             COALESCE(SUM(EXISTS (
                 SELECT 1 FROM activity_minutes a WHERE a.chat_id = ?1 AND a.user_id = f.user_id
                 AND a.minute >= f.joined_at / 60)), 0) AS spoke
         FROM referral_links l
         LEFT JOIN firsts f ON f.link_id = l.id
         LEFT JOIN members m ON m.chat_id = ?1 AND m.user_id = f.user_id
         WHERE l.chat_id = ?1 AND l.kind = 'channel'
         GROUP BY l.id ORDER BY l.id",
    )
    .bind(chat_id)
    .bind(now)
    .fetch_all(conn)
    .await?)
}

/// A member's referrals by state, and the points they earned.
#[derive(Debug, Clone, Copy, Default, FromRow, PartialEq, Eq)]
pub struct InviteCounts {
    /// Still pending.
    pub pending: i64,
    /// Valid.
    pub valid: i64,
    /// Void.
    pub void: i64,
    /// Points earned.
    pub reward: i64,
}

/// A member's referral counts in a group.
pub async fn invite_counts(
    conn: &mut SqliteConnection,
    chat_id: i64,
    inviter_id: i64,
) -> Result<InviteCounts> {
    Ok(sqlx::query_as(
        "SELECT COALESCE(SUM(status = 'pending'), 0) AS pending, COALESCE(SUM(status = 'valid'), 0) AS valid,
             COALESCE(SUM(status = 'void'), 0) AS void, COALESCE(SUM(reward), 0) AS reward
         FROM referrals WHERE chat_id = ? AND inviter_id = ?",
    )
    .bind(chat_id)
    .bind(inviter_id)
    .fetch_one(conn)
    .await?)
}

/// The members with the most valid referrals that became valid since `since`: (member, count).
pub async fn top_inviters(
    conn: &mut SqliteConnection,
    chat_id: i64,
    since: i64,
    limit: i64,
) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT inviter_id, COUNT(*) AS n FROM referrals
         WHERE chat_id = ? AND status = 'valid' AND resolved_at >= ?
         GROUP BY inviter_id ORDER BY n DESC, inviter_id LIMIT ?",
    )
    .bind(chat_id)
    .bind(since)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// How far the ticker has read member_events.
pub async fn cursor(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT event_id FROM referral_cursor WHERE id = 1")
            .fetch_optional(conn)
            .await?
            .unwrap_or(0),
    )
}

/// Moves the cursor.
pub async fn set_cursor(conn: &mut SqliteConnection, event_id: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO referral_cursor (id, event_id) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET event_id = excluded.event_id",
    )
    .bind(event_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The newest member_events id.
pub async fn last_event_id(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM member_events")
            .fetch_one(conn)
            .await?
            .unwrap_or(0),
    )
}

/// A join through one of the bot's links, not yet attributed.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct LinkJoin {
    /// member_events.id.
    pub event_id: i64,
    pub chat_id: i64,
    /// Who joined.
    pub user_id: i64,
    /// When.
    pub at: i64,
    pub link_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: LinkKind,
    /// The link's owner.
    pub owner_id: i64,
}

/// Joins through the bot's links with ids in `(after, upto]`, oldest first.
pub async fn link_joins(
    conn: &mut SqliteConnection,
    after: i64,
    upto: i64,
) -> Result<Vec<LinkJoin>> {
    Ok(sqlx::query_as(
        "SELECT e.id AS event_id, e.chat_id, e.user_id, e.at, l.id AS link_id, l.kind, l.owner_id
         FROM member_events e JOIN referral_links l ON l.url = e.invite_link AND l.chat_id = e.chat_id
         WHERE e.id > ? AND e.id <= ? AND e.kind = 'join' AND e.invite_link IS NOT NULL ORDER BY e.id",
    )
    .bind(after)
    .bind(upto)
    .fetch_all(conn)
    .await?)
}

/// Whether the group knew the member before the join `event_id` at `at`: an earlier join or leave, a member
/// record first seen earlier (a record that exists only because the member passed a join request's entry
/// gate in private is not a sighting), or an earlier referral.
pub async fn known_before(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    event_id: i64,
    at: i64,
) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM member_events WHERE chat_id = ?1 AND user_id = ?2 AND id < ?3)
             OR EXISTS (SELECT 1 FROM members WHERE chat_id = ?1 AND user_id = ?2 AND sighted = 1
                 AND first_seen < ?4)
             OR EXISTS (SELECT 1 FROM referrals WHERE chat_id = ?1 AND invitee_id = ?2)",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(event_id)
    .bind(at)
    .fetch_one(conn)
    .await?)
}

/// Whether `invitee` brought `inviter` into the group through a referral that was not voided.
pub async fn invited_by(
    conn: &mut SqliteConnection,
    chat_id: i64,
    inviter: i64,
    invitee: i64,
) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM referrals WHERE chat_id = ? AND invitee_id = ? AND inviter_id = ?
             AND status <> 'void')",
    )
    .bind(chat_id)
    .bind(inviter)
    .bind(invitee)
    .fetch_one(conn)
    .await?)
}

/// Records a join through a bot link (once per event).
pub async fn insert_join(conn: &mut SqliteConnection, join: &LinkJoin) -> Result<()> {
    sqlx::query(
        "INSERT OR IGNORE INTO referral_joins (event_id, chat_id, link_id, user_id, joined_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(join.event_id)
    .bind(join.chat_id)
    .bind(join.link_id)
    .bind(join.user_id)
    .bind(join.at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a referral: pending (`void_reason` None) or void from the start. A member is referred once per
/// group: a later referral of the same member is ignored.
pub async fn insert_referral(
    conn: &mut SqliteConnection,
    join: &LinkJoin,
    void_reason: Option<VoidReason>,
) -> Result<()> {
    let status = match void_reason {
        Some(_) => ReferralStatus::Void,
        None => ReferralStatus::Pending,
    };
    sqlx::query(
        "INSERT OR IGNORE INTO referrals (chat_id, link_id, inviter_id, invitee_id, joined_at, status, reason,
             resolved_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(join.chat_id)
    .bind(join.link_id)
    .bind(join.owner_id)
    .bind(join.user_id)
    .bind(join.at)
    .bind(status.as_str())
    .bind(void_reason.map(VoidReason::as_str))
    .bind(void_reason.map(|_| join.at))
    .execute(conn)
    .await?;
    Ok(())
}

/// A pending referral with the facts that decide it.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct PendingRow {
    pub id: i64,
    pub chat_id: i64,
    pub inviter_id: i64,
    pub invitee_id: i64,
    /// When the invitee joined.
    pub joined_at: i64,
    /// Whether the invitee left since.
    pub left: bool,
    /// Whether the invitee passed the gate.
    pub verified: bool,
}

/// The pending referrals that can be decided at `now`: the invitee's waiting time of `valid_after` seconds
/// is over, or the invitee left since the join. Others are not read at all.
pub async fn due_pending(
    conn: &mut SqliteConnection,
    now: i64,
    valid_after: i64,
) -> Result<Vec<PendingRow>> {
    Ok(sqlx::query_as(
        "SELECT id, chat_id, inviter_id, invitee_id, joined_at, \"left\", verified FROM (
             SELECT r.id, r.chat_id, r.inviter_id, r.invitee_id, r.joined_at,
                 (COALESCE(m.status, 'left') <> 'member' OR EXISTS (
                     SELECT 1 FROM member_events e WHERE e.chat_id = r.chat_id AND e.user_id = r.invitee_id
                     AND e.kind = 'leave' AND e.at >= r.joined_at)) AS \"left\",
                 (m.verified_at IS NOT NULL) AS verified
             FROM referrals r LEFT JOIN members m ON m.chat_id = r.chat_id AND m.user_id = r.invitee_id
             WHERE r.status = 'pending')
         WHERE \"left\" OR joined_at <= ?1 - ?2 ORDER BY id",
    )
    .bind(now)
    .bind(valid_after)
    .fetch_all(conn)
    .await?)
}

/// The referral of `invitee` by `inviter` in a group, if there is one: (id, status, reward paid).
pub async fn referral_between(
    conn: &mut SqliteConnection,
    chat_id: i64,
    inviter: i64,
    invitee: i64,
) -> Result<Option<(i64, ReferralStatus, i64)>> {
    let row: Option<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, status, reward FROM referrals WHERE chat_id = ? AND inviter_id = ? AND invitee_id = ?",
    )
    .bind(chat_id)
    .bind(inviter)
    .bind(invitee)
    .fetch_optional(conn)
    .await?;
    row.map(|(id, status, reward)| Ok((id, decode(status)?, reward)))
        .transpose()
}

/// Voids a pending or valid referral because it is one leg of a ring; `reward_left` is what the inviter
/// keeps of its reward (the rest was taken back). False when it was void already.
pub async fn void_for_ring(
    conn: &mut SqliteConnection,
    id: i64,
    reward_left: i64,
    now: i64,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE referrals SET status = 'void', reason = 'ring', reward = ?, resolved_at = ?
         WHERE id = ? AND status IN ('pending', 'valid')",
    )
    .bind(reward_left.max(0))
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Settles a pending referral; false when it was no longer pending.
pub async fn settle(
    conn: &mut SqliteConnection,
    id: i64,
    status: ReferralStatus,
    reason: Option<VoidReason>,
    reward: i64,
    now: i64,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE referrals SET status = ?, reason = ?, reward = ?, resolved_at = ?
         WHERE id = ? AND status = 'pending'",
    )
    .bind(status.as_str())
    .bind(reason.map(VoidReason::as_str))
    .bind(reward)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Schedules the deletion of a message the bot posted.
pub async fn schedule_delete(
    conn: &mut SqliteConnection,
    chat_id: i64,
    message_id: i32,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT OR REPLACE INTO referral_cleanup (chat_id, message_id, delete_at) VALUES (?, ?, ?)",
    )
    .bind(chat_id)
    .bind(message_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether any message is due for deletion at `now`.
pub async fn any_delete_due(conn: &mut SqliteConnection, now: i64) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM referral_cleanup WHERE delete_at <= ?)")
            .bind(now)
            .fetch_one(conn)
            .await?,
    )
}

/// Takes the messages due for deletion at `now` off the schedule and returns them.
pub async fn take_due_deletes(conn: &mut SqliteConnection, now: i64) -> Result<Vec<(i64, i32)>> {
    Ok(sqlx::query_as(
        "DELETE FROM referral_cleanup WHERE delete_at <= ? RETURNING chat_id, message_id",
    )
    .bind(now)
    .fetch_all(conn)
    .await?)
}

/// (local day, member, messages) for every member active on a day of `[from, to)` (unix seconds), days cut
/// at `offset` seconds from UTC. Aggregated in SQLite, so the rows are member-days, not minutes.
pub async fn activity_by_day(
    conn: &mut SqliteConnection,
    chat_id: i64,
    from: i64,
    to: i64,
    offset: i64,
) -> Result<Vec<(i64, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT (minute * 60 + ?1) / 86400 AS day, user_id, SUM(messages)
         FROM activity_minutes WHERE chat_id = ?2 AND minute >= ?3 AND minute < ?4
         GROUP BY day, user_id",
    )
    .bind(offset)
    .bind(chat_id)
    .bind(from.div_euclid(60))
    .bind(to.div_euclid(60) + 1)
    .fetch_all(conn)
    .await?)
}

/// The new members of a group whose first join fell in `[from, to]`: (member, join time), each member once.
/// A join is a new member's when the group had no earlier join or leave of them and had not sighted them
/// before (the same test as a referral's "known"), so rejoins and members who were there before the bot saw
/// them join do not count.
pub async fn new_member_joins(
    conn: &mut SqliteConnection,
    chat_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT e.user_id, e.at FROM member_events e
         WHERE e.chat_id = ?1 AND e.kind = 'join' AND e.at >= ?2 AND e.at <= ?3
             AND NOT EXISTS (SELECT 1 FROM member_events p
                 WHERE p.chat_id = ?1 AND p.user_id = e.user_id AND p.id < e.id)
             AND NOT EXISTS (SELECT 1 FROM members m
                 WHERE m.chat_id = ?1 AND m.user_id = e.user_id AND m.sighted = 1 AND m.first_seen < e.at)
         ORDER BY e.at, e.user_id",
    )
    .bind(chat_id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}

/// Joins and leaves of a group in `[from, to]`.
pub async fn member_events(
    conn: &mut SqliteConnection,
    chat_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<MemberEvent>> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT at, user_id, kind FROM member_events WHERE chat_id = ? AND at >= ? AND at <= ? ORDER BY at, id",
    )
    .bind(chat_id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, user_id, kind)| MemberEvent {
            at,
            user_id,
            join: kind == "join",
        })
        .collect())
}

/// Referrals of a group that became valid in `[from, to]`.
pub async fn valid_referrals(
    conn: &mut SqliteConnection,
    chat_id: i64,
    from: i64,
    to: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM referrals WHERE chat_id = ? AND status = 'valid' AND resolved_at >= ? AND resolved_at <= ?",
    )
    .bind(chat_id)
    .bind(from)
    .bind(to)
    .fetch_one(conn)
    .await?)
}

/// The first sign of the bot in a group, unix seconds: the earliest of its (last) arrival, the first
/// message minute and the first join or leave it recorded there; `now` when there is none.
pub async fn bot_present_since(conn: &mut SqliteConnection, chat_id: i64, now: i64) -> Result<i64> {
    let since: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(at) FROM (
             SELECT added_at AS at FROM groups WHERE chat_id = ?1
             UNION ALL SELECT MIN(minute) * 60 FROM activity_minutes WHERE chat_id = ?1
             UNION ALL SELECT MIN(at) FROM member_events WHERE chat_id = ?1
         )",
    )
    .bind(chat_id)
    .fetch_one(conn)
    .await?;
    Ok(since.unwrap_or(now).min(now))
}

/// Members the bot counts as present in a group (used when Telegram's count is unavailable).
pub async fn present_members(conn: &mut SqliteConnection, chat_id: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE chat_id = ? AND status = 'member'")
            .bind(chat_id)
            .fetch_one(conn)
            .await?,
    )
}

/// A members CSV row as read: user id, first and last name, username, join time, link kind, link source,
/// messages.
type ExportRow = (
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
    i64,
);

/// Every present member of a group for the members CSV: join date (or first sighting), the bot link of
/// their latest join through one and messages; points and level are left at zero and empty for the caller
/// to fill from [`crate::facts`].
pub async fn export_members(conn: &mut SqliteConnection, chat_id: i64) -> Result<Vec<MemberRow>> {
    let rows: Vec<ExportRow> =
        sqlx::query_as(
            "SELECT m.user_id, u.first_name, u.last_name, u.username, COALESCE(m.joined_at, m.first_seen),
                 l.kind, CASE l.kind WHEN 'member' THEN CAST(l.owner_id AS TEXT) ELSE l.name END,
                 m.messages
             FROM members m
             LEFT JOIN users u ON u.user_id = m.user_id
             LEFT JOIN referral_links l ON l.id = (
                 SELECT j.link_id FROM referral_joins j WHERE j.chat_id = m.chat_id AND j.user_id = m.user_id
                 ORDER BY j.joined_at DESC LIMIT 1)
             WHERE m.chat_id = ? AND m.status = 'member' ORDER BY m.user_id",
        )
        .bind(chat_id)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(user_id, first, last, username, joined_at, kind, source, messages)| {
                let name = match (first, last) {
                    (Some(first), Some(last)) if !last.is_empty() => format!("{first} {last}"),
                    (Some(first), _) => first,
                    (None, _) => String::new(),
                };
                let source = match (kind.as_deref(), source) {
                    (Some("member"), Some(owner)) => format!("invite:{owner}"),
                    (Some(_), Some(name)) => format!("channel:{name}"),
                    _ => String::new(),
                };
                MemberRow {
                    user_id,
                    name,
                    username: username.unwrap_or_default(),
                    joined_at,
                    source,
                    messages,
                    points: 0,
                    level: String::new(),
                }
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::referral::stats::{summarize, StatsInput, Window};
    use sqlx::SqlitePool;
    use std::time::Instant;

    async fn event(pool: &SqlitePool, user: i64, at: i64, kind: &str, link: Option<&str>) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO member_events (chat_id, user_id, at, kind, invite_link) VALUES (-1, ?, ?, ?, ?) RETURNING id",
        )
        .bind(user)
        .bind(at)
        .bind(kind)
        .bind(link)
        .fetch_one(pool)
        .await
        .unwrap()
    }

    #[sqlx::test]
    async fn joins_through_bot_links_are_found_and_earlier_presence_is_known(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let link = insert_link(
            &mut conn,
            -1,
            "https://t.me/+a",
            LinkKind::Member,
            7,
            "ref:7",
            10,
        )
        .await
        .unwrap();
        let first = event(&pool, 8, 100, "join", Some("https://t.me/+a")).await;
        event(&pool, 9, 100, "join", Some("https://t.me/+other")).await;
        event(&pool, 9, 150, "leave", None).await;
        let again = event(&pool, 9, 200, "join", Some("https://t.me/+a")).await;
        let joins = link_joins(&mut conn, 0, again).await.unwrap();
        assert_eq!(
            joins
                .iter()
                .map(|j| (j.event_id, j.user_id, j.link_id))
                .collect::<Vec<_>>(),
            vec![(first, 8, link), (again, 9, link)],
            "only links the bot stored are attributed"
        );
        assert!(link_joins(&mut conn, again, again)
            .await
            .unwrap()
            .is_empty());
        assert!(!known_before(&mut conn, -1, 8, first, 100).await.unwrap());
        assert!(known_before(&mut conn, -1, 9, again, 200).await.unwrap());
        crate::storage::members::record_seen(&mut conn, -1, 8, 50, 1)
            .await
            .unwrap();
        assert!(
            known_before(&mut conn, -1, 8, first, 100).await.unwrap(),
            "a message before the join makes the member known"
        );
        insert_referral(&mut conn, &joins[0], None).await.unwrap();
        insert_referral(&mut conn, &joins[0], Some(VoidReason::Known))
            .await
            .unwrap();
        assert!(invited_by(&mut conn, -1, 8, 7).await.unwrap());
        assert!(!invited_by(&mut conn, -1, 7, 8).await.unwrap());
        let counts = invite_counts(&mut conn, -1, 7).await.unwrap();
        assert_eq!(
            (counts.pending, counts.void),
            (1, 0),
            "one referral per invitee"
        );
        assert!(
            due_pending(&mut conn, 150, 100).await.unwrap().is_empty(),
            "joined at 100, not due before 200 and still here: not read"
        );
        let pending = due_pending(&mut conn, 200, 100).await.unwrap();
        assert_eq!(pending.len(), 1);
        assert!(!pending[0].left && !pending[0].verified);
        assert!(settle(
            &mut conn,
            pending[0].id,
            ReferralStatus::Valid,
            None,
            20,
            500
        )
        .await
        .unwrap());
        assert!(
            !settle(
                &mut conn,
                pending[0].id,
                ReferralStatus::Valid,
                None,
                20,
                600
            )
            .await
            .unwrap(),
            "a referral settles once"
        );
        assert_eq!(
            top_inviters(&mut conn, -1, 0, 10).await.unwrap(),
            vec![(7, 1)]
        );
    }

    #[sqlx::test]
    async fn a_join_request_verified_before_the_join_is_not_known(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        // The requester passes the entry gate in private at 1000; the approved join arrives at 1005.
        crate::storage::members::mark_verified(&mut conn, -1, 8, 1_000)
            .await
            .unwrap();
        let record = crate::storage::members::get(&mut conn, -1, 8)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.status, "left", "not in the group before the join");
        let join = event(&pool, 8, 1_005, "join", None).await;
        assert!(
            !known_before(&mut conn, -1, 8, join, 1_005).await.unwrap(),
            "verification is not a sighting"
        );
        crate::storage::members::record_join(&mut conn, -1, 8, 1_005)
            .await
            .unwrap();
        let record = crate::storage::members::get(&mut conn, -1, 8)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (record.first_seen, record.status.as_str()),
            (1_005, "member"),
            "the join is the first sighting"
        );
        assert_eq!(
            crate::storage::members::verified_at(&mut conn, -1, 8)
                .await
                .unwrap(),
            Some(1_000)
        );
        assert!(!known_before(&mut conn, -1, 8, join, 1_005).await.unwrap());
        // Someone really seen before the verification stays known.
        crate::storage::members::record_seen(&mut conn, -1, 9, 900, 1)
            .await
            .unwrap();
        crate::storage::members::mark_verified(&mut conn, -1, 9, 1_000)
            .await
            .unwrap();
        let join = event(&pool, 9, 1_005, "join", None).await;
        assert!(known_before(&mut conn, -1, 9, join, 1_005).await.unwrap());
    }

    #[sqlx::test]
    async fn new_members_are_first_joins_of_people_never_seen_before(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        event(&pool, 1, 100, "join", None).await;
        event(&pool, 1, 150, "leave", None).await;
        event(&pool, 1, 200, "join", None).await; // a rejoin
        event(&pool, 2, 300, "join", None).await;
        crate::storage::members::record_seen(&mut conn, -1, 3, 50, 1)
            .await
            .unwrap();
        event(&pool, 3, 400, "join", None).await; // seen talking before the bot saw the join
        crate::storage::members::mark_verified(&mut conn, -1, 4, 450)
            .await
            .unwrap();
        event(&pool, 4, 500, "join", None).await; // verified in private first: still new
        event(&pool, 5, 900, "join", None).await; // after the range
        assert_eq!(
            new_member_joins(&mut conn, -1, 0, 800).await.unwrap(),
            vec![(1, 100), (2, 300), (4, 500)]
        );
        assert_eq!(
            new_member_joins(&mut conn, -1, 150, 800).await.unwrap(),
            vec![(2, 300), (4, 500)],
            "member 1's rejoin is not a new member's join"
        );
    }

    #[sqlx::test]
    async fn the_bot_is_present_since_its_first_sign_in_the_group(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(
            bot_present_since(&mut conn, -1, 5_000).await.unwrap(),
            5_000,
            "nothing recorded: since now"
        );
        sqlx::query(
            "INSERT INTO groups (chat_id, kind, title, language, added_at, updated_at)
             VALUES (-1, 'supergroup', 'G', 'en', 3_000, 3_000)",
        )
        .execute(&pool)
        .await
        .unwrap();
        assert_eq!(
            bot_present_since(&mut conn, -1, 5_000).await.unwrap(),
            3_000
        );
        event(&pool, 1, 2_500, "join", None).await;
        assert_eq!(
            bot_present_since(&mut conn, -1, 5_000).await.unwrap(),
            2_500,
            "a join recorded before a later re-add"
        );
        sqlx::query(
            "INSERT INTO activity_minutes (chat_id, minute, user_id, messages, chars) VALUES (-1, 30, 1, 1, 5)",
        )
        .execute(&pool)
        .await
        .unwrap();
        assert_eq!(
            bot_present_since(&mut conn, -1, 5_000).await.unwrap(),
            1_800
        );
        assert_eq!(
            bot_present_since(&mut conn, -2, 5_000).await.unwrap(),
            5_000,
            "another group's signs do not count"
        );
    }

    #[sqlx::test]
    async fn a_ring_leg_is_voided_whether_pending_or_valid(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let link = insert_link(
            &mut conn,
            -1,
            "https://t.me/+a",
            LinkKind::Member,
            7,
            "ref:7",
            10,
        )
        .await
        .unwrap();
        for (user, at) in [(8, 100), (9, 110)] {
            let event_id = event(&pool, user, at, "join", Some("https://t.me/+a")).await;
            let join = LinkJoin {
                event_id,
                chat_id: -1,
                user_id: user,
                at,
                link_id: link,
                kind: LinkKind::Member,
                owner_id: 7,
            };
            insert_referral(&mut conn, &join, None).await.unwrap();
        }
        let (eight, status, _) = referral_between(&mut conn, -1, 7, 8)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status, ReferralStatus::Pending);
        let (nine, _, _) = referral_between(&mut conn, -1, 7, 9)
            .await
            .unwrap()
            .unwrap();
        assert!(
            settle(&mut conn, nine, ReferralStatus::Valid, None, 20, 500)
                .await
                .unwrap()
        );
        assert!(void_for_ring(&mut conn, eight, 0, 600).await.unwrap());
        assert!(void_for_ring(&mut conn, nine, 5, 600).await.unwrap());
        assert!(
            !void_for_ring(&mut conn, nine, 5, 700).await.unwrap(),
            "void once"
        );
        let rows: Vec<(String, Option<String>, i64, Option<i64>)> = sqlx::query_as(
            "SELECT status, reason, reward, resolved_at FROM referrals ORDER BY invitee_id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            rows,
            vec![
                ("void".into(), Some("ring".into()), 0, Some(600)),
                ("void".into(), Some("ring".into()), 5, Some(600)),
            ]
        );
        assert!(!invited_by(&mut conn, -1, 9, 7).await.unwrap());
        assert_eq!(referral_between(&mut conn, -1, 8, 7).await.unwrap(), None);
    }

    #[sqlx::test]
    async fn event_ids_are_never_reused_after_the_clean_up_empties_the_table(pool: SqlitePool) {
        let storage = crate::storage::Storage::from_pool(pool.clone());
        let mut conn = pool.acquire().await.unwrap();
        insert_link(
            &mut conn,
            -1,
            "https://t.me/+a",
            LinkKind::Member,
            7,
            "ref:7",
            10,
        )
        .await
        .unwrap();
        let mut last = 0;
        for user in 1..=3 {
            last = event(&pool, user, 100, "join", None).await;
        }
        set_cursor(&mut conn, last).await.unwrap();
        crate::storage::activity::prune(&storage, 1_000)
            .await
            .unwrap();
        assert_eq!(
            last_event_id(&mut conn).await.unwrap(),
            0,
            "the table is empty"
        );
        let next = event(&pool, 8, 2_000, "join", Some("https://t.me/+a")).await;
        assert!(next > last, "id {next} reused after {last}");
        let after = cursor(&mut conn).await.unwrap();
        let joins = link_joins(&mut conn, after, next).await.unwrap();
        assert_eq!(
            joins.iter().map(|j| j.user_id).collect::<Vec<_>>(),
            vec![8],
            "the join after the clean-up is read"
        );
    }

    /// A database that had already been cleaned up to an empty member_events before the migration that adds
    /// AUTOINCREMENT: the new sequence starts above the referral cursor.
    #[sqlx::test(migrations = false)]
    async fn the_id_sequence_starts_above_the_cursor_on_an_emptied_table(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let (before, rebuild): (Vec<_>, Vec<_>) = crate::storage::MIGRATOR
            .iter()
            .partition(|migration| migration.version < 14);
        for migration in before {
            sqlx::raw_sql(migration.sql.clone())
                .execute(&mut *conn)
                .await
                .unwrap();
        }
        set_cursor(&mut conn, 41).await.unwrap();
        for migration in rebuild {
            sqlx::raw_sql(migration.sql.clone())
                .execute(&mut *conn)
                .await
                .unwrap();
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO member_events (chat_id, user_id, at, kind) VALUES (-1, 1, 1, 'join') RETURNING id",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(id, 42);
    }

    /// 30 days of a 10,000-member group: 3,000 members active a day, 5 active minutes each (450,000
    /// activity rows) and 10,000 joins. Prints how long the reads and the summary take.
    #[sqlx::test]
    async fn thirty_days_of_a_ten_thousand_member_group(pool: SqlitePool) {
        let day0: i64 = 20_000;
        sqlx::query(
            "WITH RECURSIVE d(day) AS (SELECT 0 UNION ALL SELECT day + 1 FROM d WHERE day < 29),
                 u(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM u WHERE n < 2999),
                 m(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM m WHERE k < 4)
             INSERT INTO activity_minutes (chat_id, minute, user_id, messages, chars, long_messages)
             SELECT -1, (?1 + day) * 1440 + 60 * k + (n % 60), (n * 7 + day * 331) % 10000, 2, 40, 1
             FROM d, u, m",
        )
        .bind(day0)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "WITH RECURSIVE u(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM u WHERE n < 9999)
             INSERT INTO member_events (chat_id, user_id, at, kind) SELECT -1, n, (?1 + n % 30) * 86400 + n, 'join' FROM u",
        )
        .bind(day0)
        .execute(&pool)
        .await
        .unwrap();
        let now = (day0 + 30) * 86_400 - 1;
        let window = Window::ending_at(now, 0, 30);
        let started = Instant::now();
        let mut conn = pool.acquire().await.unwrap();
        let activity = activity_by_day(&mut conn, -1, window.start(), now, 0)
            .await
            .unwrap();
        let events = member_events(&mut conn, -1, window.start(), now)
            .await
            .unwrap();
        let new_members =
            new_member_joins(&mut conn, -1, window.start() - 7 * 86_400, now - 7 * 86_400)
                .await
                .unwrap();
        let read = started.elapsed();
        let summary = summarize(
            &window,
            &StatsInput {
                now,
                members_now: 10_000,
                activity,
                events,
                new_members,
                ..StatsInput::default()
            },
            5,
        );
        // Timings are printed, not asserted (machines differ); the numbers are checked.
        println!(
            "30 days, 10k members: reads {read:?}, total {:?} ({} active, {} messages)",
            started.elapsed(),
            summary.active,
            summary.messages
        );
        // The same numbers counted independently from the generator's formulas: on day d the active members
        // are (7n + 331d) mod 10000 for n < 3000 (3000 distinct, 7 being prime to 10000), each with 5
        // minutes of 2 messages.
        let active_on = |d: i64| (0..3000).map(move |n| (n * 7 + d * 331) % 10_000);
        let all: std::collections::HashSet<i64> = (0..30).flat_map(active_on).collect();
        let last_week: std::collections::HashSet<i64> = (23..30).flat_map(active_on).collect();
        let mut per_member: std::collections::HashMap<i64, i64> = Default::default();
        for d in 0..30 {
            for user in active_on(d) {
                *per_member.entry(user).or_default() += 10;
            }
        }
        let mut talkers: Vec<(i64, i64)> = per_member.into_iter().collect();
        talkers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        talkers.truncate(5);
        assert_eq!(summary.joins, 10_000);
        assert_eq!((summary.leaves, summary.members_start), (0, 0));
        assert_eq!(summary.messages, 30 * 3000 * 5 * 2);
        assert_eq!(summary.daily.len(), 30);
        assert!(summary
            .daily
            .iter()
            .all(|d| d.active == 3000 && d.messages == 30_000));
        assert_eq!(summary.daily_active_tenths, 30_000);
        assert_eq!(summary.active, all.len() as i64);
        assert_eq!(summary.weekly_active, last_week.len() as i64);
        assert_eq!(summary.top_talkers, talkers);
        // Joins fall on day n mod 30 (n < 10000); the cohort is those up to day 22 (7 days before now): 333
        // full rounds of 23 days plus n = 9990..9999 (days 0..9) = 7669, and nobody left.
        assert_eq!(summary.retention, (7_669, 7_669));
    }
}
