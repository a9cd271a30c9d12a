//! Settling the pending referrals that are due (the waiting time is over, or the invitee left): each is
//! decided by [`rules::resolve`], marked valid or void, and a valid one pays the inviter once through the
//! ledger.

use super::rules::ReferralStatus;
use super::rules::{self, Resolution};
use super::settings::ReferralSettings;
use super::store;
use crate::features::economy::ledger::{self, Account, Move};
use crate::services::Ctx;
use crate::storage::Storage;

/// Settles the pending referrals that are due.
pub(super) async fn settle_pending(ctx: &Ctx) -> crate::Result<()> {
    settle_due(&ctx.storage, &ctx.config.referral, ctx.now())
        .await
        .map(|_| ())
}

/// Settles the pending referrals that can be decided at `now` (the waiting time is over, or the invitee
/// left); the others are not even read. Each is settled in its own short transaction, and a valid one pays
/// the inviter once, in the transaction that marks it. A referral that fails (say its ledger move is refused)
/// stays pending for the next pass and does not hold up the others; the first failure is returned after
/// the pass. Returns how many referrals were settled.
async fn settle_due(
    storage: &Storage,
    settings: &ReferralSettings,
    now: i64,
) -> crate::Result<usize> {
    let valid_after = settings.valid_after.get().as_secs() as i64;
    let rows = {
        let mut conn = storage.read.acquire().await?;
        store::due_pending(&mut conn, now, valid_after).await?
    };
    let mut settled = 0;
    let mut first_failure = None;
    for row in rows {
        match settle_one(storage, settings, &row, now, valid_after).await {
            Ok(true) => settled += 1,
            Ok(false) => {}
            Err(err) => {
                tracing::error!(
                    referral = row.id,
                    chat_id = row.chat_id,
                    %err,
                    "could not settle a referral; retrying next pass"
                );
                first_failure.get_or_insert(err);
            }
        }
    }
    match first_failure {
        Some(err) => Err(err),
        None => Ok(settled),
    }
}

/// Settles one due referral; false when it was still pending after all (or settled meanwhile).
async fn settle_one(
    storage: &Storage,
    settings: &ReferralSettings,
    row: &store::PendingRow,
    now: i64,
    valid_after: i64,
) -> crate::Result<bool> {
    let resolution = rules::resolve(&rules::PendingFacts {
        joined_at: row.joined_at,
        left_since_join: row.left,
        verified: row.verified,
        now,
        valid_after,
    });
    let (status, reason, reward) = match resolution {
        Resolution::StillPending => return Ok(false),
        Resolution::Void(reason) => (ReferralStatus::Void, Some(reason), 0),
        Resolution::Valid => (ReferralStatus::Valid, None, settings.reward),
    };
    let mut tx = storage.write.begin().await?;
    let settled = store::settle(&mut tx, row.id, status, reason, reward, now).await?;
    if settled && reward > 0 {
        let reference = format!("referral:{}", row.invitee_id);
        ledger::transfer(
            &mut tx,
            &Move {
                chat_id: row.chat_id,
                from: Account::Mint,
                to: Account::Wallet(row.inviter_id),
                amount: reward,
                reason: "referral",
                actor: None,
                reference: Some(&reference),
                at: now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    if settled {
        tracing::info!(
            chat_id = row.chat_id,
            inviter = row.inviter_id,
            invitee = row.invitee_id,
            status = status.as_str(),
            reason = reason.map(|reason| reason.as_str()),
            "referral settled"
        );
    }
    Ok(settled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::referral::settings;
    use sqlx::SqlitePool;

    /// A verified member `invitee` who joined group -1 at 100 through a link of `inviter`.
    async fn referred(conn: &mut sqlx::SqliteConnection, inviter: i64, invitee: i64) {
        let url = format!("https://t.me/+{inviter}");
        let link = match store::member_link(conn, -1, inviter).await.unwrap() {
            Some(link) => link.id,
            None => store::insert_link(conn, -1, &url, store::LinkKind::Member, inviter, "ref", 10)
                .await
                .unwrap(),
        };
        let event_id: i64 = sqlx::query_scalar(
            "INSERT INTO member_events (chat_id, user_id, at, kind, invite_link) VALUES (-1, ?, 100, 'join', ?)
             RETURNING id",
        )
        .bind(invitee)
        .bind(&url)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        crate::storage::members::record_join(conn, -1, invitee, 100)
            .await
            .unwrap();
        crate::storage::members::mark_verified(conn, -1, invitee, 101)
            .await
            .unwrap();
        let join = store::LinkJoin {
            event_id,
            chat_id: -1,
            user_id: invitee,
            at: 100,
            link_id: link,
            kind: store::LinkKind::Member,
            owner_id: inviter,
        };
        store::insert_referral(conn, &join, None).await.unwrap();
    }

    async fn status_of(pool: &SqlitePool, invitee: i64) -> String {
        sqlx::query_scalar("SELECT status FROM referrals WHERE invitee_id = ?")
            .bind(invitee)
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[sqlx::test]
    async fn one_refused_reward_does_not_stop_the_pass(pool: SqlitePool) {
        let storage = crate::storage::Storage::from_pool(pool.clone());
        let settings = settings::ReferralSettings::default();
        let mut conn = pool.acquire().await.unwrap();
        referred(&mut conn, 7, 8).await;
        referred(&mut conn, 9, 10).await;
        // Inviter 7's wallet is so full that the reward would overflow it: the ledger refuses that move.
        sqlx::query(
            "INSERT INTO economy_accounts (chat_id, kind, ref, balance) VALUES (-1, 'wallet', 7, ?)",
        )
        .bind(i64::MAX - 5)
        .execute(&mut *conn)
        .await
        .unwrap();
        drop(conn);
        let wait = settings.valid_after.get().as_secs() as i64;

        // Nothing is due before the waiting time is over.
        assert_eq!(
            settle_due(&storage, &settings, 100 + wait - 1)
                .await
                .unwrap(),
            0
        );
        let failed = settle_due(&storage, &settings, 100 + wait).await;
        assert!(failed.is_err(), "the refused move is reported");
        assert_eq!(status_of(&pool, 8).await, "pending", "retried next pass");
        assert_eq!(status_of(&pool, 10).await, "valid", "the other one settled");
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(
            ledger::balance(&mut conn, -1, Account::Wallet(9))
                .await
                .unwrap(),
            settings.reward
        );
        assert_eq!(
            ledger::economy_sum(&mut conn, -1).await.unwrap(),
            i64::MAX - 5
        );
        // Once the wallet has room, the next pass pays it, once.
        sqlx::query("UPDATE economy_accounts SET balance = 0 WHERE kind = 'wallet' AND ref = 7")
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        assert_eq!(
            settle_due(&storage, &settings, 100 + wait + 1)
                .await
                .unwrap(),
            1
        );
        assert_eq!(status_of(&pool, 8).await, "valid");
        assert_eq!(
            settle_due(&storage, &settings, 100 + wait + 2)
                .await
                .unwrap(),
            0
        );
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(
            ledger::balance(&mut conn, -1, Account::Wallet(7))
                .await
                .unwrap(),
            settings.reward
        );
    }

    #[sqlx::test]
    async fn a_leaver_is_settled_before_the_wait_is_over(pool: SqlitePool) {
        let storage = crate::storage::Storage::from_pool(pool.clone());
        let settings = settings::ReferralSettings::default();
        let mut conn = pool.acquire().await.unwrap();
        referred(&mut conn, 7, 8).await;
        referred(&mut conn, 7, 9).await;
        crate::storage::members::record_leave(&mut conn, -1, 9, 150)
            .await
            .unwrap();
        drop(conn);
        assert_eq!(settle_due(&storage, &settings, 200).await.unwrap(), 1);
        assert_eq!(status_of(&pool, 8).await, "pending");
        assert_eq!(status_of(&pool, 9).await, "void");
    }
}
