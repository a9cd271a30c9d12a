//! Facts about a group or a member that several features need, answered in one place so that every
//! feature reads them the same way and no feature reaches into another's tables:
//!
//! - [`group_day`]: the group's time zone and the hour its day starts, to count "today", "this week" and
//!   "this month" (sign-in, transfer limits, packet claim limits, ranks, invite boards, lottery times);
//! - [`group_zone`]: the group's time zone alone;
//! - [`member_level`] and [`levels`]: a member's level from the points they earned, and the group's levels;
//! - [`earned`], [`earned_by_member`], [`wallet_balances`], [`signed_in`], [`packet_grabs`] and
//!   [`lottery_entries`]: points earned and held, sign-ins, red packet grabs and lottery entries, for the
//!   review numbers and the members file;
//! - [`admin_groups`]: the groups where a member is an admin now, for picking one in a private chat;
//! - [`standing`]: whether a member is banned, gone, muted or removed for an ad, so draws leave them out;
//! - [`day`] and [`levels`](mod@levels): the pure rules behind them;
//! - [`zones`]: time zones as members write them (`北京`, `UTC+8`, `东八区`) and as groups read them
//!   (`北京时间`).
//!
//! The group's time zone is the one set with `/settz`, else `economy.timezone`. The day starts at the hour
//! set with `/setreset`, else `economy.reset_hour`.

pub mod day;
pub mod levels;
pub mod standing;
pub mod zones;

use crate::services::Services;
use chrono_tz::Tz;
use levels::{Level, Levels};
use sqlx::SqliteConnection;

/// A group's day: its time zone and the local hour its day starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupDay {
    /// The group's time zone.
    pub tz: Tz,
    /// The local hour (0–23) a new day starts.
    pub reset_hour: u8,
}

impl GroupDay {
    /// The index of the day the instant `now` (unix seconds) belongs to.
    pub fn today(&self, now: i64) -> i64 {
        day::day_index(now, self.tz, self.reset_hour)
    }

    /// The first instant (unix seconds) of day `day`.
    pub fn start(&self, day: i64) -> i64 {
        day::day_start(day, self.tz, self.reset_hour)
    }
}

/// The groups (id, title) the bot is active in where `user` is an admin now, by the admin lists, in title
/// order and at most `max` of them: the groups an admin may pick in a private chat. Groups whose admin
/// list cannot be read are left out.
pub async fn admin_groups(
    services: &Services,
    user: u64,
    max: usize,
) -> crate::Result<Vec<(i64, String)>> {
    let candidates: Vec<(i64, String)> = {
        let mut conn = services.storage.read.acquire().await?;
        sqlx::query_as(
            "SELECT g.chat_id, g.title FROM groups g WHERE g.active = 1
               AND (g.added_by = ?1 OR EXISTS (SELECT 1 FROM members m
                    WHERE m.chat_id = g.chat_id AND m.user_id = ?1))
             ORDER BY g.title, g.chat_id",
        )
        .bind(user as i64)
        .fetch_all(&mut *conn)
        .await?
    };
    let mut groups = Vec::new();
    for (chat_id, title) in candidates {
        match services.admins.rights(chat_id, user).await {
            Ok(Some(_)) => groups.push((chat_id, title)),
            Ok(None) => {}
            Err(err) => tracing::info!(%err, chat_id, "admin list unavailable; group not listed"),
        }
        if groups.len() == max {
            break;
        }
    }
    Ok(groups)
}

/// The group's time zone: its own (`/settz`), else the configured default.
pub async fn group_zone(services: &Services, chat_id: i64) -> crate::Result<Tz> {
    Ok(services
        .groups
        .get(&services.storage, chat_id)
        .await?
        .and_then(|group| group.timezone.clone())
        .and_then(|zone| zone.parse::<Tz>().ok())
        .unwrap_or_else(|| services.config.economy.tz()))
}

/// The group's day: its time zone and reset hour, each falling back to the configured default.
pub async fn group_day(services: &Services, chat_id: i64) -> crate::Result<GroupDay> {
    let mut conn = services.storage.read.acquire().await?;
    group_day_in(services, &mut conn, chat_id).await
}

/// [`group_day`], read on a connection the caller already holds.
pub async fn group_day_in(
    services: &Services,
    conn: &mut SqliteConnection,
    chat_id: i64,
) -> crate::Result<GroupDay> {
    let tz = group_zone(services, chat_id).await?;
    let reset_hour = reset_hour(conn, chat_id)
        .await?
        .unwrap_or(services.config.economy.reset_hour);
    Ok(GroupDay { tz, reset_hour })
}

/// The group's own reset hour (`/setreset`), if it set one.
pub async fn reset_hour(
    conn: &mut SqliteConnection,
    chat_id: i64,
) -> Result<Option<u8>, sqlx::Error> {
    let hour: Option<Option<i64>> =
        sqlx::query_scalar("SELECT reset_hour FROM economy_groups WHERE chat_id = ?")
            .bind(chat_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(hour.flatten().and_then(|hour| u8::try_from(hour).ok()))
}

/// The group's levels, or the defaults when it set none.
pub async fn levels(conn: &mut SqliteConnection, chat_id: i64) -> Result<Levels, sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT threshold, title FROM economy_levels WHERE chat_id = ? ORDER BY threshold",
    )
    .bind(chat_id)
    .fetch_all(&mut *conn)
    .await?;
    let levels = rows
        .into_iter()
        .map(|(threshold, title)| Level { threshold, title })
        .collect();
    // Rows were written from a valid list; anything else (hand-edited rows) falls back to the defaults.
    Ok(Levels::new(levels).unwrap_or_default())
}

/// A member's level in a group, numbered from 1, and its title.
pub async fn member_level(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<(i64, String), sqlx::Error> {
    let points = earned(conn, chat_id, user_id).await?;
    let levels = levels(conn, chat_id).await?;
    let (index, title) = levels.level_for(points);
    Ok((index as i64 + 1, title.to_string()))
}

/// The points a member earned from the group: everything the mint paid into the wallet (sign-in, activity,
/// admin gifts) minus what admins took back into the mint. Levels use this number, so spending points on
/// games or transfers never costs a level.
pub async fn earned(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COALESCE(SUM(CASE WHEN j.to_account = w.id THEN j.amount ELSE -j.amount END), 0)
         FROM economy_accounts w
         JOIN economy_accounts m ON m.chat_id = w.chat_id AND m.kind = 'mint'
         JOIN economy_journal j ON (j.to_account = w.id AND j.from_account = m.id)
                                OR (j.from_account = w.id AND j.to_account = m.id)
         WHERE w.chat_id = ? AND w.kind = 'wallet' AND w.ref = ?",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await
}

/// What each member of a group earned from it (see [`earned`]), by user id; members who earned nothing
/// are absent.
pub async fn earned_by_member(
    conn: &mut SqliteConnection,
    chat_id: i64,
) -> Result<std::collections::HashMap<i64, i64>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT w.ref, SUM(CASE WHEN j.to_account = w.id THEN j.amount ELSE -j.amount END)
         FROM economy_accounts w
         JOIN economy_accounts m ON m.chat_id = w.chat_id AND m.kind = 'mint'
         JOIN economy_journal j ON (j.to_account = w.id AND j.from_account = m.id)
                                OR (j.from_account = w.id AND j.to_account = m.id)
         WHERE w.chat_id = ? AND w.kind = 'wallet'
         GROUP BY w.ref",
    )
    .bind(chat_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// How many distinct members signed in to a group (`/checkin`) during `[from, to]`.
pub async fn signed_in(
    conn: &mut SqliteConnection,
    chat_id: i64,
    from: i64,
    to: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(DISTINCT user_id) FROM checkins WHERE chat_id = ? AND at >= ? AND at <= ?",
    )
    .bind(chat_id)
    .bind(from)
    .bind(to)
    .fetch_one(conn)
    .await
}

/// The points in each member's wallet in a group now, by user id; members without a wallet are absent.
pub async fn wallet_balances(
    conn: &mut SqliteConnection,
    chat_id: i64,
) -> Result<std::collections::HashMap<i64, i64>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT ref, balance FROM economy_accounts WHERE chat_id = ? AND kind = 'wallet'",
    )
    .bind(chat_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// How many distinct members grabbed a red packet in a group during `[from, to]`, and how many grabs there
/// were.
pub async fn packet_grabs(
    conn: &mut SqliteConnection,
    chat_id: i64,
    from: i64,
    to: i64,
) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(DISTINCT user_id), COUNT(*) FROM redpacket_claims
         WHERE chat_id = ? AND claimed_at >= ? AND claimed_at <= ?",
    )
    .bind(chat_id)
    .bind(from)
    .bind(to)
    .fetch_one(conn)
    .await
}

/// How many distinct members joined a lottery in a group during `[from, to]`, and how many entries there
/// were.
pub async fn lottery_entries(
    conn: &mut SqliteConnection,
    chat_id: i64,
    from: i64,
    to: i64,
) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(DISTINCT user_id), COUNT(*) FROM lottery_entries
         WHERE chat_id = ? AND joined_at >= ? AND joined_at <= ?",
    )
    .bind(chat_id)
    .bind(from)
    .bind(to)
    .fetch_one(conn)
    .await
}
