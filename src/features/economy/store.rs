//! The economy's SQL besides the ledger: sign-ins and the secret of their random bonus, per-member economy
//! state (grace cards), per-group reset hour and custom levels, and activity points.

use super::ledger::{self, Account, EntryId, LedgerError, Move};
use super::settings::EconomySettings;
use super::streak::{self, RewardBreakdown};
use crate::facts::earned;
use crate::facts::levels::Levels;
use sqlx::{Connection, FromRow, SqliteConnection};

/// One sign-in as stored.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CheckinRecord {
    /// The sign-in day index.
    pub day: i64,
    /// Unix seconds.
    pub at: i64,
    /// The streak reached that day.
    pub streak: i64,
    /// Points paid.
    pub reward: i64,
    /// Place among that day's sign-ins in the group (1 = first).
    pub position: i64,
    /// Whether a grace card bridged a missed day.
    pub grace_used: bool,
}

/// What `check_in` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckinOutcome {
    /// Signed in now and paid.
    Signed {
        /// The new row.
        record: CheckinRecord,
        /// How the reward was made up.
        reward: RewardBreakdown,
        /// Whether a grace card was spent.
        grace_card_used: bool,
        /// Whether a grace card was earned.
        grace_card_earned: bool,
        /// Grace cards held afterwards.
        grace_cards: u32,
        /// The wallet's balance afterwards.
        balance: i64,
        /// The journal row of the payment (`None` when the reward was 0 points).
        entry: Option<EntryId>,
    },
    /// The member had already signed today; nothing changed.
    AlreadySigned {
        /// Today's earlier sign-in (or the latest one, after the group moved its day boundary).
        record: CheckinRecord,
        /// The wallet's balance.
        balance: i64,
    },
}

/// A sign-in day as the group counts days now: its index and the instants it starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInDay {
    /// The day index.
    pub day: i64,
    /// The day's first instant, unix seconds.
    pub starts: i64,
    /// The next day's first instant, unix seconds.
    pub ends: i64,
}

/// [`check_in_on_day`] for a day whose bounds are unknown: only the day index decides.
pub async fn check_in(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    day: i64,
    at: i64,
    settings: &EconomySettings,
    roll: u64,
) -> Result<CheckinOutcome, LedgerError> {
    check_in_impl(conn, chat_id, user_id, day, None, at, settings, roll).await
}

/// Signs `user_id` in for `day` (as [`check_in`] does), also refusing while the member's last sign-in is
/// not over (see [`streak::may_sign_in_again`]), and records when `day` ends.
pub async fn check_in_on_day(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    day: SignInDay,
    at: i64,
    settings: &EconomySettings,
    roll: u64,
) -> Result<CheckinOutcome, LedgerError> {
    check_in_impl(
        conn,
        chat_id,
        user_id,
        day.day,
        Some(day),
        at,
        settings,
        roll,
    )
    .await
}

/// Signs `user_id` in for `day` in group `chat_id` and pays the reward from the group's mint, all in one
/// transaction (a nested one when `conn` is already in a transaction). The UNIQUE (chat, user, day)
/// constraint decides whether this is the first sign-in of the day, so any number of concurrent calls pay
/// once. `roll` feeds the random bonus (see [`streak::reward`]).
#[allow(clippy::too_many_arguments)]
async fn check_in_impl(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    day: i64,
    bounds: Option<SignInDay>,
    at: i64,
    settings: &EconomySettings,
    roll: u64,
) -> Result<CheckinOutcome, LedgerError> {
    // Taking the write lock at the start means the reads below see the latest committed sign-ins and the
    // insert never fails on a stale snapshot when several connections race.
    let mut tx = if conn.is_in_transaction() {
        conn.begin().await?
    } else {
        conn.begin_with("BEGIN IMMEDIATE").await?
    };
    let last = last_checkin(&mut tx, chat_id, user_id).await?;
    let too_soon = match (last.as_ref(), bounds) {
        (Some(last), Some(bounds)) => {
            let last_ends: Option<i64> = sqlx::query_scalar(
                "SELECT ends_at FROM checkins WHERE chat_id = ? AND user_id = ? AND day = ?",
            )
            .bind(chat_id)
            .bind(user_id)
            .bind(last.day)
            .fetch_one(&mut *tx)
            .await?;
            !streak::may_sign_in_again(last.at, last_ends, at, bounds.starts)
        }
        _ => false,
    };
    if let Some(last) = last.as_ref().filter(|last| last.day >= day || too_soon) {
        let balance = ledger::balance(&mut tx, chat_id, Account::Wallet(user_id)).await?;
        let record = checkin_on(&mut tx, chat_id, user_id, day)
            .await?
            .unwrap_or_else(|| last.clone());
        tx.commit().await?;
        return Ok(CheckinOutcome::AlreadySigned { record, balance });
    }
    let cards = grace_cards(&mut tx, chat_id, user_id).await?;
    let last_streak = last
        .as_ref()
        .map_or(0, |last| u32::try_from(last.streak).unwrap_or(u32::MAX));
    let outcome = streak::next_streak(last.as_ref().map(|last| last.day), last_streak, day, cards);
    let grace = streak::grace_after(cards, &outcome, settings.grace_every, settings.grace_max);
    let reward = streak::reward(settings, outcome.streak, roll);
    let inserted = sqlx::query(
        "INSERT INTO checkins (chat_id, user_id, day, at, streak, reward, position, grace_used, ends_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, (SELECT COUNT(*) + 1 FROM checkins WHERE chat_id = ?1 AND day = ?3), ?7, ?8
         WHERE true
         ON CONFLICT (chat_id, user_id, day) DO NOTHING",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(day)
    .bind(at)
    .bind(i64::from(outcome.streak))
    .bind(reward.total)
    .bind(outcome.grace_card_used)
    .bind(bounds.map(|bounds| bounds.ends))
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        // Another sign-in for the same day won; report it and change nothing.
        tx.rollback().await?;
        let record = checkin_on(conn, chat_id, user_id, day)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        let balance = ledger::balance(conn, chat_id, Account::Wallet(user_id)).await?;
        return Ok(CheckinOutcome::AlreadySigned { record, balance });
    }
    if grace.cards != cards {
        set_grace_cards(&mut tx, chat_id, user_id, grace.cards).await?;
    }
    let entry = if reward.total > 0 {
        let reference = format!("checkin:{day}");
        let mv = Move {
            chat_id,
            from: Account::Mint,
            to: Account::Wallet(user_id),
            amount: reward.total,
            reason: ledger::reason::CHECKIN,
            actor: None,
            reference: Some(&reference),
            at,
        };
        Some(ledger::transfer(&mut tx, &mv).await?)
    } else {
        None
    };
    let record = checkin_on(&mut tx, chat_id, user_id, day)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let balance = ledger::balance(&mut tx, chat_id, Account::Wallet(user_id)).await?;
    tx.commit().await?;
    Ok(CheckinOutcome::Signed {
        record,
        reward,
        grace_card_used: outcome.grace_card_used,
        grace_card_earned: grace.earned,
        grace_cards: grace.cards,
        balance,
        entry,
    })
}

/// A member's sign-in on one day, if any.
pub async fn checkin_on(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    day: i64,
) -> Result<Option<CheckinRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT day, at, streak, reward, position, grace_used FROM checkins
         WHERE chat_id = ? AND user_id = ? AND day = ?",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(day)
    .fetch_optional(&mut *conn)
    .await
}

/// A member's latest sign-in, if any (for the streak shown by `/me`, see [`streak::live_streak`]).
pub async fn last_checkin(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<Option<CheckinRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT day, at, streak, reward, position, grace_used FROM checkins
         WHERE chat_id = ? AND user_id = ? ORDER BY day DESC LIMIT 1",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await
}

/// The days a member signed in `from..=to` (day indexes), for the month calendar.
pub async fn signed_days(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT day FROM checkins WHERE chat_id = ? AND user_id = ? AND day BETWEEN ? AND ? ORDER BY day")
        .bind(chat_id)
        .bind(user_id)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await
}

/// The members with the most sign-ins in `from..=to` (day indexes), as (user, sign-ins), most first and
/// ties by the earlier latest sign-in, for `/rank checkin`.
pub async fn top_checkins(
    conn: &mut SqliteConnection,
    chat_id: i64,
    from: i64,
    to: i64,
    limit: u32,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, COUNT(*) AS n FROM checkins WHERE chat_id = ? AND day BETWEEN ? AND ?
         GROUP BY user_id ORDER BY n DESC, MAX(at) ASC, user_id ASC LIMIT ?",
    )
    .bind(chat_id)
    .bind(from)
    .bind(to)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await
}

/// Grace cards a member holds.
pub async fn grace_cards(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<u32, sqlx::Error> {
    let cards: Option<i64> = sqlx::query_scalar(
        "SELECT grace_cards FROM economy_members WHERE chat_id = ? AND user_id = ?",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(cards
        .and_then(|cards| u32::try_from(cards).ok())
        .unwrap_or(0))
}

async fn set_grace_cards(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    cards: u32,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO economy_members (chat_id, user_id, grace_cards) VALUES (?, ?, ?)
         ON CONFLICT (chat_id, user_id) DO UPDATE SET grace_cards = excluded.grace_cards",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(i64::from(cards))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets (or with `None` clears) the group's reset hour. The schema refuses hours outside 0–23.
pub async fn set_reset_hour(
    conn: &mut SqliteConnection,
    chat_id: i64,
    hour: Option<u8>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO economy_groups (chat_id, reset_hour) VALUES (?, ?)
         ON CONFLICT (chat_id) DO UPDATE SET reset_hour = excluded.reset_hour",
    )
    .bind(chat_id)
    .bind(hour.map(i64::from))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replaces the group's levels (inside the caller's transaction, if any). `None` returns to the defaults.
pub async fn set_levels(
    conn: &mut SqliteConnection,
    chat_id: i64,
    levels: Option<&Levels>,
) -> Result<(), sqlx::Error> {
    let mut tx = conn.begin().await?;
    sqlx::query("DELETE FROM economy_levels WHERE chat_id = ?")
        .bind(chat_id)
        .execute(&mut *tx)
        .await?;
    for level in levels.map(Levels::as_slice).unwrap_or_default() {
        sqlx::query("INSERT INTO economy_levels (chat_id, threshold, title) VALUES (?, ?, ?)")
            .bind(chat_id)
            .bind(level.threshold)
            .bind(&level.title)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// Every member whose wallet gained points since `since` (unix seconds), as (user, net points gained),
/// most first, for `/rank points day|week|month`.
pub async fn points_gained_since(
    conn: &mut SqliteConnection,
    chat_id: i64,
    since: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT w.ref, SUM(CASE WHEN j.to_account = w.id THEN j.amount ELSE -j.amount END) AS gained
         FROM economy_accounts w
         JOIN economy_journal j ON j.to_account = w.id OR j.from_account = w.id
         WHERE w.chat_id = ? AND w.kind = 'wallet' AND j.at >= ?
         GROUP BY w.ref HAVING gained > 0 ORDER BY gained DESC, w.ref ASC",
    )
    .bind(chat_id)
    .bind(since)
    .fetch_all(&mut *conn)
    .await
}

/// Every member's message count since `since_minute` (unix minutes), as (user, messages), most first, for
/// `/rank messages` and `/me`.
pub async fn messages_since(
    conn: &mut SqliteConnection,
    chat_id: i64,
    since_minute: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, SUM(messages) AS n FROM activity_minutes WHERE chat_id = ? AND minute >= ?
         GROUP BY user_id ORDER BY n DESC, user_id ASC",
    )
    .bind(chat_id)
    .bind(since_minute)
    .fetch_all(&mut *conn)
    .await
}

/// Every member's sign-in count on days `from..=to`, most first (see [`top_checkins`]).
pub async fn all_checkin_counts(
    conn: &mut SqliteConnection,
    chat_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    top_checkins(conn, chat_id, from, to, u32::MAX).await
}

/// Long messages the activity writer stored that the activity-points pass has not settled yet: a trigger on
/// `activity_minutes` adds one row whenever a minute gains long messages.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct PendingActivity {
    /// The row id; rows are settled in id order.
    pub id: i64,
    pub chat_id: i64,
    pub user_id: i64,
    /// The unix minute the messages were written in.
    pub minute: i64,
    /// How many long messages the writer added to that minute.
    pub messages: i64,
}

/// The oldest `limit` pending activity rows, in id order.
pub async fn pending_activity(
    conn: &mut SqliteConnection,
    limit: u32,
) -> Result<Vec<PendingActivity>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, chat_id, user_id, minute, messages FROM economy_activity_pending ORDER BY id LIMIT ?",
    )
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await
}

/// Forgets the pending activity rows up to id `through` (of one group, or of all with `None`).
pub async fn clear_pending_activity(
    conn: &mut SqliteConnection,
    chat_id: Option<i64>,
    through: i64,
) -> Result<(), sqlx::Error> {
    match chat_id {
        Some(chat_id) => {
            sqlx::query("DELETE FROM economy_activity_pending WHERE chat_id = ? AND id <= ?")
                .bind(chat_id)
                .bind(through)
                .execute(&mut *conn)
                .await?
        }
        None => {
            sqlx::query("DELETE FROM economy_activity_pending WHERE id <= ?")
                .bind(through)
                .execute(&mut *conn)
                .await?
        }
    };
    Ok(())
}

/// Activity points paid to a member for the messages of the minutes `from_minute..to_minute` (end
/// excluded), whenever they were paid.
pub async fn activity_paid_between(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    from_minute: i64,
    to_minute: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COALESCE(SUM(points), 0) FROM economy_activity_paid
         WHERE chat_id = ? AND user_id = ? AND minute >= ? AND minute < ?",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(from_minute)
    .bind(to_minute)
    .fetch_one(&mut *conn)
    .await
}

/// Forgets what was paid for minutes before `minute`: no message that old can still arrive, so no cap
/// needs it.
pub async fn prune_activity_paid(
    conn: &mut SqliteConnection,
    minute: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM economy_activity_paid WHERE minute < ?")
        .bind(minute)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One member's new long messages of one local day, as the group cuts its days now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityDay {
    pub user_id: i64,
    /// The day index (the journal reference names it).
    pub day: i64,
    /// The day's first unix minute.
    pub from_minute: i64,
    /// The next day's first unix minute.
    pub to_minute: i64,
    /// The new long messages as (minute, messages), in minute order.
    pub new: Vec<(i64, i64)>,
}

/// What the activity-points pass paid one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityPayment {
    pub user_id: i64,
    /// Their earned points (see [`earned`]) before the payment.
    pub earned_before: i64,
    /// Their earned points after it.
    pub earned_after: i64,
}

/// Settles a group's pending activity in one transaction: for each member and day, pays `per_message` for
/// each new long message from the group's mint until the day holds `daily_cap` points (counting what was
/// paid for that day's minutes before, under any earlier day cut), records the points per minute, and
/// forgets the group's pending rows up to id `through`. Every stored long message is settled exactly once:
/// its pending row leaves in the transaction that pays it.
pub async fn settle_activity(
    conn: &mut SqliteConnection,
    chat_id: i64,
    days: &[ActivityDay],
    per_message: i64,
    daily_cap: i64,
    through: i64,
    at: i64,
) -> Result<Vec<ActivityPayment>, LedgerError> {
    let mut tx = conn.begin().await?;
    let mut payments: Vec<ActivityPayment> = Vec::new();
    for day in days {
        let paid = activity_paid_between(
            &mut tx,
            chat_id,
            day.user_id,
            day.from_minute,
            day.to_minute,
        )
        .await?;
        let allotted = super::wave::allot_activity(&day.new, per_message, daily_cap - paid);
        if allotted.is_empty() {
            continue;
        }
        if !payments.iter().any(|p| p.user_id == day.user_id) {
            let earned_before = earned(&mut tx, chat_id, day.user_id).await?;
            payments.push(ActivityPayment {
                user_id: day.user_id,
                earned_before,
                earned_after: earned_before,
            });
        }
        let mut total = 0i64;
        for (minute, points) in &allotted {
            sqlx::query(
                "INSERT INTO economy_activity_paid (chat_id, user_id, minute, points) VALUES (?, ?, ?, ?)
                 ON CONFLICT (chat_id, user_id, minute) DO UPDATE SET points = points + excluded.points",
            )
            .bind(chat_id)
            .bind(day.user_id)
            .bind(minute)
            .bind(points)
            .execute(&mut *tx)
            .await?;
            total = total.saturating_add(*points);
        }
        let reference = format!("activity:{}", day.day);
        ledger::transfer(
            &mut tx,
            &Move {
                chat_id,
                from: Account::Mint,
                to: Account::Wallet(day.user_id),
                amount: total,
                reason: ledger::reason::ACTIVITY,
                actor: None,
                reference: Some(&reference),
                at,
            },
        )
        .await?;
    }
    for payment in &mut payments {
        payment.earned_after = earned(&mut tx, chat_id, payment.user_id).await?;
    }
    clear_pending_activity(&mut tx, Some(chat_id), through).await?;
    tx.commit().await?;
    Ok(payments)
}

/// The secret that keys the random sign-in bonus (see [`super::wave::checkin_roll`]): 32 random bytes
/// drawn once per deployment and kept in the database. `fresh` is stored when there is none yet.
pub async fn checkin_secret(
    conn: &mut SqliteConnection,
    fresh: [u8; 32],
) -> Result<[u8; 32], sqlx::Error> {
    let read = |value: Vec<u8>| <[u8; 32]>::try_from(value.as_slice()).ok();
    let stored: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT value FROM economy_secrets WHERE name = 'checkin'")
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(secret) = stored.and_then(read) {
        return Ok(secret);
    }
    sqlx::query("INSERT OR IGNORE INTO economy_secrets (name, value) VALUES ('checkin', ?)")
        .bind(fresh.as_slice())
        .execute(&mut *conn)
        .await?;
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT value FROM economy_secrets WHERE name = 'checkin'")
            .fetch_one(&mut *conn)
            .await?;
    read(stored).ok_or_else(|| sqlx::Error::Protocol("the sign-in secret is not 32 bytes".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{levels, reset_hour};
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
    use sqlx::SqlitePool;
    use std::str::FromStr;
    use std::time::Duration;

    const CHAT: i64 = -100;

    fn settings() -> EconomySettings {
        EconomySettings {
            checkin_base: 10,
            checkin_step: 2,
            checkin_cap: 6,
            grace_every: 3,
            grace_max: 1,
            ..Default::default()
        }
    }

    fn signed(outcome: &CheckinOutcome) -> (&CheckinRecord, bool, u32) {
        match outcome {
            CheckinOutcome::Signed {
                record,
                grace_card_used,
                grace_cards,
                ..
            } => (record, *grace_card_used, *grace_cards),
            other => panic!("expected a sign-in, got {other:?}"),
        }
    }

    async fn wallet(conn: &mut SqliteConnection, user: i64) -> i64 {
        ledger::balance(conn, CHAT, Account::Wallet(user))
            .await
            .unwrap()
    }

    #[sqlx::test]
    async fn twice_a_day_pays_once_and_positions_count(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let first = check_in(&mut conn, CHAT, 7, 100, 1000, &settings(), 0)
            .await
            .unwrap();
        let (record, _, _) = signed(&first);
        assert_eq!((record.streak, record.reward, record.position), (1, 12, 1));
        let again = check_in(&mut conn, CHAT, 7, 100, 1010, &settings(), 0)
            .await
            .unwrap();
        match again {
            CheckinOutcome::AlreadySigned { record, balance } => {
                assert_eq!((record.at, record.position, balance), (1000, 1, 12));
            }
            other => panic!("{other:?}"),
        }
        let other = check_in(&mut conn, CHAT, 8, 100, 1020, &settings(), 0)
            .await
            .unwrap();
        assert_eq!(signed(&other).0.position, 2);
        assert_eq!(wallet(&mut conn, 7).await, 12);
        assert_eq!(ledger::economy_sum(&mut conn, CHAT).await.unwrap(), 0);
        let entries = ledger::entries_for(&mut conn, CHAT, 7, 10).await.unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].reference.as_deref(), Some("checkin:100"));
        assert_eq!(entries[0].reason, ledger::reason::CHECKIN);
    }

    #[sqlx::test]
    async fn streak_grows_resets_and_is_bridged_by_a_grace_card(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let s = settings();
        // Days 1, 2, 3: streak 1, 2, 3; day 3 earns the one card allowed (grace_every = 3, grace_max = 1).
        for (day, streak) in [(1, 1), (2, 2), (3, 3)] {
            let out = check_in(&mut conn, CHAT, 7, day, day * 86_400, &s, 0)
                .await
                .unwrap();
            assert_eq!(signed(&out).0.streak, streak);
        }
        assert_eq!(grace_cards(&mut conn, CHAT, 7).await.unwrap(), 1);
        // Day 4 missed; day 5 spends the card and continues.
        let out = check_in(&mut conn, CHAT, 7, 5, 5 * 86_400, &s, 0)
            .await
            .unwrap();
        let (record, used, cards) = signed(&out);
        assert_eq!((record.streak, used, cards), (4, true, 0));
        assert!(record.grace_used);
        // Days 6, 7 missed without a card: the streak starts again.
        let out = check_in(&mut conn, CHAT, 7, 8, 8 * 86_400, &s, 0)
            .await
            .unwrap();
        assert_eq!(signed(&out).0.streak, 1);
        // Rewards: 12 + 14 + 16 + 16 (capped at 6 extra) + 12.
        assert_eq!(wallet(&mut conn, 7).await, 12 + 14 + 16 + 16 + 12);
        assert_eq!(
            signed_days(&mut conn, CHAT, 7, 0, 10).await.unwrap(),
            vec![1, 2, 3, 5, 8]
        );
        assert_eq!(
            last_checkin(&mut conn, CHAT, 7).await.unwrap().unwrap().day,
            8
        );
        assert_eq!(
            top_checkins(&mut conn, CHAT, 0, 10, 10).await.unwrap(),
            vec![(7, 5)]
        );
    }

    #[sqlx::test]
    async fn check_in_joins_the_callers_transaction(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        let out = check_in(&mut tx, CHAT, 7, 1, 1, &settings(), 0)
            .await
            .unwrap();
        assert_eq!(signed(&out).0.streak, 1);
        tx.rollback().await.unwrap();
        // Rolled back with the caller's work: no sign-in, no points, and signing again pays.
        assert_eq!(wallet(&mut conn, 7).await, 0);
        let out = check_in(&mut conn, CHAT, 7, 1, 2, &settings(), 0)
            .await
            .unwrap();
        assert_eq!(signed(&out).0.at, 2);
        assert_eq!(wallet(&mut conn, 7).await, 12);
    }

    #[sqlx::test]
    async fn random_bonus_comes_from_the_roll(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let s = EconomySettings {
            checkin_random_max: 9,
            ..settings()
        };
        let out = check_in(&mut conn, CHAT, 7, 1, 1, &s, 25).await.unwrap();
        match out {
            CheckinOutcome::Signed {
                reward, balance, ..
            } => {
                assert_eq!(reward.random_bonus, 5);
                assert_eq!(balance, 12 + 5);
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_hundred_concurrent_sign_ins_pay_once() {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::from_str(&format!(
            "sqlite://{}/c.db?mode=rwc",
            dir.path().display()
        ))
        .unwrap()
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .unwrap();
        crate::storage::MIGRATOR.run(&pool).await.unwrap();
        let tasks: Vec<_> = (0..100)
            .map(|i| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let mut conn = pool.acquire().await.unwrap();
                    check_in(&mut conn, CHAT, 7, 100, 1000 + i, &settings(), 0)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut paid = 0;
        for task in tasks {
            if matches!(task.await.unwrap(), CheckinOutcome::Signed { .. }) {
                paid += 1;
            }
        }
        assert_eq!(paid, 1);
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(wallet(&mut conn, 7).await, 12);
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM economy_journal")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(rows, 1);
        assert_eq!(ledger::economy_sum(&mut conn, CHAT).await.unwrap(), 0);
    }

    #[sqlx::test]
    async fn reset_hour_and_levels_per_group(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(reset_hour(&mut conn, CHAT).await.unwrap(), None);
        set_reset_hour(&mut conn, CHAT, Some(5)).await.unwrap();
        assert_eq!(reset_hour(&mut conn, CHAT).await.unwrap(), Some(5));
        assert!(set_reset_hour(&mut conn, CHAT, Some(24)).await.is_err());
        set_reset_hour(&mut conn, CHAT, None).await.unwrap();
        assert_eq!(reset_hour(&mut conn, CHAT).await.unwrap(), None);

        assert_eq!(levels(&mut conn, CHAT).await.unwrap(), Levels::default());
        let custom = Levels::parse("0:新人 10:熟人").unwrap();
        set_levels(&mut conn, CHAT, Some(&custom)).await.unwrap();
        assert_eq!(levels(&mut conn, CHAT).await.unwrap(), custom);
        assert_eq!(
            levels(&mut conn, CHAT - 1).await.unwrap(),
            Levels::default()
        );
        set_levels(&mut conn, CHAT, None).await.unwrap();
        assert_eq!(levels(&mut conn, CHAT).await.unwrap(), Levels::default());
    }

    /// Stores long messages the way the activity writer does (multi-row statements in the real one): the
    /// minute's counts, and the long messages it added queued for activity points.
    async fn write_long(conn: &mut SqliteConnection, user: i64, minute: i64, long: i64) {
        sqlx::query(
            "INSERT INTO activity_minutes (chat_id, minute, user_id, messages, chars, long_messages)
             VALUES (?, ?, ?, ?, 100, ?)
             ON CONFLICT (chat_id, minute, user_id) DO UPDATE SET
               messages = activity_minutes.messages + excluded.messages,
               chars = activity_minutes.chars + excluded.chars,
               long_messages = activity_minutes.long_messages + excluded.long_messages",
        )
        .bind(CHAT)
        .bind(minute)
        .bind(user)
        .bind(long.max(1))
        .bind(long)
        .execute(&mut *conn)
        .await
        .unwrap();
        if long > 0 {
            sqlx::query(
                "INSERT INTO economy_activity_pending (chat_id, minute, user_id, messages) VALUES (?, ?, ?, ?)",
            )
            .bind(CHAT)
            .bind(minute)
            .bind(user)
            .bind(long)
            .execute(&mut *conn)
            .await
            .unwrap();
        }
    }

    /// Settles everything pending for one member as one day `from..to`.
    async fn settle_all(conn: &mut SqliteConnection, day: i64, from: i64, to: i64, cap: i64) {
        let pending = pending_activity(conn, 1000).await.unwrap();
        let Some(through) = pending.iter().map(|p| p.id).max() else {
            return;
        };
        let new = pending.iter().map(|p| (p.minute, p.messages)).collect();
        let days = [ActivityDay {
            user_id: 7,
            day,
            from_minute: from,
            to_minute: to,
            new,
        }];
        settle_activity(conn, CHAT, &days, 1, cap, through, 1000)
            .await
            .unwrap();
    }

    #[sqlx::test]
    async fn the_writer_queues_exactly_the_long_messages_it_adds(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        write_long(&mut conn, 7, 100, 2).await;
        write_long(&mut conn, 7, 100, 0).await;
        write_long(&mut conn, 7, 100, 1).await;
        write_long(&mut conn, 8, 101, 0).await;
        let pending: Vec<(i64, i64, i64)> = pending_activity(&mut conn, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.user_id, p.minute, p.messages))
            .collect();
        assert_eq!(pending, vec![(7, 100, 2), (7, 100, 1)]);
    }

    #[sqlx::test]
    async fn each_stored_message_is_paid_once_whatever_the_day_cut(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        // Day 1 is minutes 0..1440; the cap is 3.
        write_long(&mut conn, 7, 100, 2).await;
        settle_all(&mut conn, 1, 0, 1440, 3).await;
        assert_eq!(wallet(&mut conn, 7).await, 2);
        // Settling again pays nothing: the pending rows left with the payment.
        settle_all(&mut conn, 1, 0, 1440, 3).await;
        assert_eq!(wallet(&mut conn, 7).await, 2);
        // A message stored late into an already paid minute is paid; the cap stops the rest.
        write_long(&mut conn, 7, 100, 1).await;
        write_long(&mut conn, 7, 200, 5).await;
        settle_all(&mut conn, 1, 0, 1440, 3).await;
        assert_eq!(wallet(&mut conn, 7).await, 3);
        // The group moves its day cut so that minutes 60..1500 are one day: what was paid for minutes 100
        // and 200 counts against that day's cap too, so nothing is paid twice.
        write_long(&mut conn, 7, 300, 4).await;
        settle_all(&mut conn, 2, 60, 1500, 3).await;
        assert_eq!(wallet(&mut conn, 7).await, 3);
        // A day cut that leaves the paid minutes out has its own cap.
        write_long(&mut conn, 7, 1600, 4).await;
        settle_all(&mut conn, 3, 1500, 2940, 3).await;
        assert_eq!(wallet(&mut conn, 7).await, 6);
        assert!(pending_activity(&mut conn, 10).await.unwrap().is_empty());
        let entries = ledger::entries_for(&mut conn, CHAT, 7, 10).await.unwrap();
        assert!(entries.iter().all(|e| e.reason == ledger::reason::ACTIVITY));
        assert_eq!(ledger::economy_sum(&mut conn, CHAT).await.unwrap(), 0);
        prune_activity_paid(&mut conn, 1500).await.unwrap();
        assert_eq!(
            activity_paid_between(&mut conn, CHAT, 7, 0, 3000)
                .await
                .unwrap(),
            3
        );
    }

    #[sqlx::test]
    async fn the_sign_in_secret_is_drawn_once(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let first = checkin_secret(&mut conn, [1; 32]).await.unwrap();
        assert_eq!(first, [1; 32]);
        assert_eq!(checkin_secret(&mut conn, [2; 32]).await.unwrap(), [1; 32]);
    }

    #[sqlx::test]
    async fn earned_ignores_spending_but_counts_admin_takes(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let mv = |from, to, amount, reason| Move {
            chat_id: CHAT,
            from,
            to,
            amount,
            reason,
            actor: None,
            reference: None,
            at: 10,
        };
        ledger::transfer(
            &mut conn,
            &mv(Account::Mint, Account::Wallet(1), 100, "admin_give"),
        )
        .await
        .unwrap();
        ledger::transfer(
            &mut conn,
            &mv(Account::Wallet(1), Account::Wallet(2), 30, "transfer"),
        )
        .await
        .unwrap();
        ledger::transfer(
            &mut conn,
            &mv(Account::Wallet(1), Account::Mint, 20, "admin_take"),
        )
        .await
        .unwrap();
        assert_eq!(earned(&mut conn, CHAT, 1).await.unwrap(), 80);
        assert_eq!(earned(&mut conn, CHAT, 2).await.unwrap(), 0);
        let gained = points_gained_since(&mut conn, CHAT, 0).await.unwrap();
        assert_eq!(gained, vec![(1, 50), (2, 30)]);
    }
}
