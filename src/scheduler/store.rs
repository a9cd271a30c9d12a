//! The SQL of the one scheduler: adding timed items, claiming the due ones, settling or releasing a claim.

use crate::error::Result;
use sqlx::SqliteConnection;

/// A timed item a worker claimed: what to run, for which chat, and the claim that settles it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Claimed {
    /// The item's id.
    pub id: i64,
    /// When it fell due (Unix seconds).
    pub due_at: i64,
    /// Which component runs it.
    pub kind: String,
    /// The chat it belongs to (0 for none).
    pub chat_id: i64,
    /// The component's own data (usually an id).
    pub payload: String,
    /// How many times it was claimed, this time included.
    pub attempts: i64,
    /// The worker that holds the claim.
    pub claimed_by: String,
}

/// What becomes of a claimed item once its work is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// It is finished: the row goes.
    Done,
    /// It runs again at this instant (Unix seconds), unclaimed.
    Again(i64),
}

/// Adds an item due at `due_at`; returns its id.
pub async fn add(
    conn: &mut SqliteConnection,
    due_at: i64,
    kind: &str,
    chat_id: i64,
    payload: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO timers (due_at, kind, chat_id, payload, created_at) VALUES (?, ?, ?, ?, ?)
         RETURNING id",
    )
    .bind(due_at)
    .bind(kind)
    .bind(chat_id)
    .bind(payload)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

/// Removes an item, whoever holds it (a schedule paused or deleted). Returns whether it existed.
pub async fn remove(conn: &mut SqliteConnection, id: i64) -> Result<bool> {
    Ok(sqlx::query("DELETE FROM timers WHERE id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// Whether any item is due at `now` and not held by a live claim: a read of the `due_at` index that lets
/// a pass with nothing to do skip the write.
pub async fn any_due(conn: &mut SqliteConnection, now: i64) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT 1 FROM timers INDEXED BY timers_due
         WHERE due_at <= ?1 AND (claimed_until IS NULL OR claimed_until <= ?1) LIMIT 1",
    )
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?
    .is_some())
}

/// Claims up to `limit` items due at `now` that nobody holds (or whose holder's claim ran out), earliest
/// first, for `worker` until `now + lease_secs`. One conditional UPDATE does it, so two workers never claim
/// the same item: the second finds it held. Only the due part of the `due_at` index is read.
pub async fn claim_due(
    conn: &mut SqliteConnection,
    worker: &str,
    now: i64,
    lease_secs: i64,
    limit: i64,
) -> Result<Vec<Claimed>> {
    let mut claimed: Vec<Claimed> = sqlx::query_as(
        "UPDATE timers SET claimed_by = ?1, claimed_until = ?2 + ?3, attempts = attempts + 1
         WHERE id IN (SELECT id FROM timers INDEXED BY timers_due
                      WHERE due_at <= ?2 AND (claimed_until IS NULL OR claimed_until <= ?2)
                      ORDER BY due_at LIMIT ?4)
         AND (claimed_until IS NULL OR claimed_until <= ?2)
         RETURNING id, due_at, kind, chat_id, payload, attempts, claimed_by",
    )
    .bind(worker)
    .bind(now)
    .bind(lease_secs)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    claimed.sort_by_key(|item| (item.due_at, item.id));
    Ok(claimed)
}

/// Settles a claimed item inside the caller's transaction (the one that records the item's effect), if
/// the claim is still `item`'s. Returns false when another worker took the item over (its claim ran out):
/// the caller then rolls its transaction back, so the effect happens once.
pub async fn settle(conn: &mut SqliteConnection, item: &Claimed, how: Settle) -> Result<bool> {
    let done = match how {
        Settle::Done => {
            sqlx::query("DELETE FROM timers WHERE id = ? AND claimed_by = ? AND attempts = ?")
                .bind(item.id)
                .bind(&item.claimed_by)
                .bind(item.attempts)
                .execute(&mut *conn)
                .await?
        }
        Settle::Again(at) => sqlx::query(
            "UPDATE timers SET due_at = ?, claimed_by = NULL, claimed_until = NULL, attempts = 0
                 WHERE id = ? AND claimed_by = ? AND attempts = ?",
        )
        .bind(at)
        .bind(item.id)
        .bind(&item.claimed_by)
        .bind(item.attempts)
        .execute(&mut *conn)
        .await?,
    };
    Ok(done.rows_affected() == 1)
}

/// Hands a claimed item back after its work failed: it is tried again from `retry_at`.
pub async fn release(conn: &mut SqliteConnection, item: &Claimed, retry_at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE timers SET claimed_until = ? WHERE id = ? AND claimed_by = ? AND attempts = ?",
    )
    .bind(retry_at)
    .bind(item.id)
    .bind(&item.claimed_by)
    .bind(item.attempts)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// When an item falls due next, if it exists.
pub async fn due_at(conn: &mut SqliteConnection, id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT due_at FROM timers WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    #[sqlx::test]
    async fn only_due_unheld_items_are_claimed_and_a_second_worker_gets_none(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let early = add(&mut conn, 100, "t", -1, "a", 0).await.unwrap();
        let later = add(&mut conn, 150, "t", -1, "b", 0).await.unwrap();
        add(&mut conn, 300, "t", -1, "c", 0).await.unwrap();
        assert!(!any_due(&mut conn, 99).await.unwrap());
        assert!(any_due(&mut conn, 100).await.unwrap());
        let first = claim_due(&mut conn, "w1", 200, 60, 10).await.unwrap();
        assert_eq!(
            first.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![early, later]
        );
        assert!(claim_due(&mut conn, "w2", 200, 60, 10)
            .await
            .unwrap()
            .is_empty());
        // The limit bounds a pass.
        let mut conn2 = pool.acquire().await.unwrap();
        add(&mut conn2, 190, "t", -1, "d", 0).await.unwrap();
        add(&mut conn2, 191, "t", -1, "e", 0).await.unwrap();
        assert_eq!(
            claim_due(&mut conn2, "w2", 200, 60, 1).await.unwrap().len(),
            1
        );
    }

    #[sqlx::test]
    async fn a_claim_that_ran_out_is_taken_over_and_the_old_holder_cannot_settle(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let id = add(&mut conn, 100, "t", -1, "", 0).await.unwrap();
        let old = claim_due(&mut conn, "w1", 100, 10, 10)
            .await
            .unwrap()
            .remove(0);
        let new = claim_due(&mut conn, "w2", 111, 10, 10)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(new.id, id);
        assert_eq!(new.attempts, 2);
        assert!(!settle(&mut conn, &old, Settle::Done).await.unwrap());
        assert!(settle(&mut conn, &new, Settle::Again(500)).await.unwrap());
        assert_eq!(due_at(&mut conn, id).await.unwrap(), Some(500));
        assert!(claim_due(&mut conn, "w1", 499, 10, 10)
            .await
            .unwrap()
            .is_empty());
        let again = claim_due(&mut conn, "w1", 500, 10, 10)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(again.attempts, 1);
        assert!(settle(&mut conn, &again, Settle::Done).await.unwrap());
        assert_eq!(due_at(&mut conn, id).await.unwrap(), None);
    }

    #[sqlx::test]
    async fn a_released_item_waits_until_its_retry_time(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        add(&mut conn, 100, "t", -1, "", 0).await.unwrap();
        let item = claim_due(&mut conn, "w1", 100, 600, 10)
            .await
            .unwrap()
            .remove(0);
        release(&mut conn, &item, 130).await.unwrap();
        assert!(claim_due(&mut conn, "w1", 129, 600, 10)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            claim_due(&mut conn, "w1", 130, 600, 10)
                .await
                .unwrap()
                .len(),
            1
        );
    }

    #[sqlx::test]
    async fn among_a_hundred_thousand_stored_items_a_pass_claims_only_the_due_ones(
        pool: SqlitePool,
    ) {
        let mut conn = pool.acquire().await.unwrap();
        // 100,000 items spread over the coming year, and 25 that are due.
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
             INSERT INTO timers (due_at, kind, chat_id, payload, created_at)
             SELECT 1000 + i * 300, 'schedule.post', -i, i, 0 FROM n",
        )
        .execute(&mut *conn)
        .await
        .unwrap();
        for i in 0..25 {
            add(&mut conn, 500 + i, "schedule.post", -7, "due", 0)
                .await
                .unwrap();
        }
        let claimed = claim_due(&mut conn, "w1", 1_000, 60, 100).await.unwrap();
        assert_eq!(claimed.len(), 25);
        assert!(claimed.iter().all(|item| item.payload == "due"));
        assert!(claim_due(&mut conn, "w2", 1_000, 60, 100)
            .await
            .unwrap()
            .is_empty());
        assert!(!any_due(&mut conn, 1_000).await.unwrap());
    }

    #[sqlx::test]
    async fn the_due_lookup_uses_the_index(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(
            "EXPLAIN QUERY PLAN SELECT id FROM timers INDEXED BY timers_due
             WHERE due_at <= 5 AND (claimed_until IS NULL OR claimed_until <= 5) ORDER BY due_at LIMIT 10",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let detail = plan
            .iter()
            .map(|row| row.3.clone())
            .collect::<Vec<_>>()
            .join("; ");
        assert!(
            detail.contains("USING INDEX timers_due (due_at<?)"),
            "{detail}"
        );
    }
}
