//! The double-entry points ledger: the only way any feature moves points.
//!
//! Each group is its own economy. Its accounts are the members' wallets, the group's mint and the escrows of
//! games (a red packet's undistributed points, a lottery's prize pool). Every change is one journal row that
//! moves a positive amount from one account to another, so the sum of all balances of a group is always
//! zero: the mint's negative balance is exactly the number of points ever created there. Wallets and escrows
//! never go below zero; the schema enforces that with a CHECK constraint, and [`transfer`] turns a violation
//! into [`LedgerError::Insufficient`] with nothing changed.
//!
//! [`transfer`] runs inside whatever the caller's connection is doing: inside the caller's transaction it
//! becomes part of it (a red packet's creation and its escrow move commit together), and on a connection
//! outside a transaction it is atomic on its own. A failed move never spoils the caller's transaction.

use sqlx::{FromRow, SqliteConnection};
use thiserror::Error as ThisError;

/// The id of a journal row.
pub type EntryId = i64;

/// Journal reasons used by the economy itself. Other features pass their own short words (`packet`,
/// `lottery`, …).
pub mod reason {
    /// A daily sign-in reward.
    pub const CHECKIN: &str = "checkin";
    /// Points an admin gave with `/give`.
    pub const ADMIN_GIVE: &str = "admin_give";
    /// Points an admin took with `/take`.
    pub const ADMIN_TAKE: &str = "admin_take";
    /// A member-to-member `/transfer`.
    pub const TRANSFER: &str = "transfer";
    /// Points earned by messages.
    pub const ACTIVITY: &str = "activity";
}

/// What an escrow holds points for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EscrowKind {
    /// A red packet's points not yet grabbed.
    Packet,
    /// A lottery's prize pool.
    Lottery,
}

impl EscrowKind {
    /// The word stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            EscrowKind::Packet => "packet",
            EscrowKind::Lottery => "lottery",
        }
    }

    /// The kind stored as `word`, if it is an escrow kind.
    pub fn from_word(word: &str) -> Option<Self> {
        match word {
            "packet" => Some(EscrowKind::Packet),
            "lottery" => Some(EscrowKind::Lottery),
            _ => None,
        }
    }
}

/// One account of a group's economy (the group itself is given beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Account {
    /// The group's mint: points are created by moving them out of it and destroyed by moving them back.
    Mint,
    /// A member's wallet, by user id.
    Wallet(i64),
    /// The escrow of one game object.
    Escrow {
        /// What the escrow is for.
        kind: EscrowKind,
        /// The packet's or lottery's id.
        id: i64,
    },
}

impl Account {
    /// The (kind, ref) pair that identifies the account inside its group.
    fn key(self) -> (&'static str, i64) {
        match self {
            Account::Mint => ("mint", 0),
            Account::Wallet(user) => ("wallet", user),
            Account::Escrow { kind, id } => (kind.as_str(), id),
        }
    }

    /// The account stored as (kind, ref); `None` for a kind this version does not know.
    fn from_key(kind: &str, reference: i64) -> Option<Self> {
        match kind {
            "mint" => Some(Account::Mint),
            "wallet" => Some(Account::Wallet(reference)),
            other => EscrowKind::from_word(other).map(|kind| Account::Escrow {
                kind,
                id: reference,
            }),
        }
    }
}

/// One movement of points, as asked for by a feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move<'a> {
    /// The group whose economy this is.
    pub chat_id: i64,
    /// Where the points come from.
    pub from: Account,
    /// Where they go.
    pub to: Account,
    /// How many points; must be positive.
    pub amount: i64,
    /// A short machine word for why (see [`reason`]).
    pub reason: &'a str,
    /// Who caused the move when it is not the owner of `from` (an admin), if anyone.
    pub actor: Option<i64>,
    /// What the move belongs to, e.g. `checkin:20000` or `packet:17`.
    pub reference: Option<&'a str>,
    /// Unix seconds.
    pub at: i64,
}

/// Why a move was refused. Nothing was changed by a refused move.
#[derive(Debug, ThisError)]
pub enum LedgerError {
    /// The source account holds fewer points than the move needs.
    #[error("not enough points: the balance is {balance}")]
    Insufficient {
        /// The source's balance at the time of the move.
        balance: i64,
    },
    /// Source and destination are the same account.
    #[error("cannot move points from an account to itself")]
    SameAccount,
    /// The amount is zero or negative.
    #[error("the amount must be positive")]
    NotPositive,
    /// The destination's balance would exceed what a 64-bit integer holds.
    #[error("the balance would overflow")]
    Overflow,
    /// SQLite answered with an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The move was made inside a unit of work whose batch did not commit, so it is not in the ledger.
    #[error(transparent)]
    Commit(#[from] crate::storage::commit::CommitError),
}

/// A ledger error that a caller passes on as a failure (a refused move it did not expect, or SQLite).
/// Callers handle the refusals they expect (such as [`LedgerError::Insufficient`]) before converting.
impl From<LedgerError> for crate::Error {
    fn from(err: LedgerError) -> Self {
        match err {
            LedgerError::Database(err) => crate::Error::Database(err),
            LedgerError::Commit(err) => crate::Error::Commit(err),
            refused => crate::Error::Database(sqlx::Error::Protocol(format!(
                "unexpected ledger refusal: {refused}"
            ))),
        }
    }
}

/// One journal row as seen from the accounts it touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The journal id.
    pub id: EntryId,
    /// Unix seconds.
    pub at: i64,
    /// Where the points came from.
    pub from: Account,
    /// Where they went.
    pub to: Account,
    /// How many points moved (positive).
    pub amount: i64,
    /// Why.
    pub reason: String,
    /// Who caused it, if recorded.
    pub actor: Option<i64>,
    /// What it belongs to, if recorded.
    pub reference: Option<String>,
}

impl Entry {
    /// The change this entry made to `account`: positive when points arrived, negative when they left.
    pub fn delta_for(&self, account: Account) -> i64 {
        if self.to == account {
            self.amount
        } else if self.from == account {
            -self.amount
        } else {
            0
        }
    }
}

#[derive(FromRow)]
struct EntryRow {
    id: i64,
    at: i64,
    from_kind: String,
    from_ref: i64,
    to_kind: String,
    to_ref: i64,
    amount: i64,
    reason: String,
    actor: Option<i64>,
    reference: Option<String>,
}

impl EntryRow {
    fn into_entry(self) -> Option<Entry> {
        Some(Entry {
            id: self.id,
            at: self.at,
            from: Account::from_key(&self.from_kind, self.from_ref)?,
            to: Account::from_key(&self.to_kind, self.to_ref)?,
            amount: self.amount,
            reason: self.reason,
            actor: self.actor,
            reference: self.reference,
        })
    }
}

/// The savepoint that makes one move all-or-nothing inside the caller's transaction.
const SAVEPOINT: &str = "SAVEPOINT economy_ledger_move";
const RELEASE: &str = "RELEASE economy_ledger_move";
const ROLLBACK: &str = "ROLLBACK TO economy_ledger_move";

/// Moves `mv.amount` points from `mv.from` to `mv.to` in the group `mv.chat_id` and writes the journal row.
///
/// Accounts are created on first use. Runs inside the caller's transaction when there is one (and is
/// atomic on its own otherwise); on any error every change of this move is undone and the caller's
/// transaction stays usable. A source other than the mint that holds fewer than `amount` points gives
/// [`LedgerError::Insufficient`].
///
/// Concurrent moves are meant to run on the one writer connection ([`crate::storage::Storage::write`]);
/// moves on several connections at once stay correct (the CHECK constraint decides) but may fail with
/// SQLite's busy error instead of waiting.
pub async fn transfer(conn: &mut SqliteConnection, mv: &Move<'_>) -> Result<EntryId, LedgerError> {
    if mv.amount <= 0 {
        return Err(LedgerError::NotPositive);
    }
    if mv.from == mv.to {
        return Err(LedgerError::SameAccount);
    }
    sqlx::query(SAVEPOINT).execute(&mut *conn).await?;
    match transfer_inner(conn, mv).await {
        Ok(id) => {
            sqlx::query(RELEASE).execute(&mut *conn).await?;
            Ok(id)
        }
        Err(err) => {
            // Undo this move only; the caller's own work before it is kept. If SQLite already rolled the
            // whole transaction back (it does so on some I/O errors), the savepoint is gone and the first
            // error is the one worth reporting.
            let undone = async {
                sqlx::query(ROLLBACK).execute(&mut *conn).await?;
                sqlx::query(RELEASE).execute(&mut *conn).await
            };
            if let Err(undo) = undone.await {
                tracing::warn!(error = %undo, original = %err, "could not roll back a refused ledger move");
            }
            Err(err)
        }
    }
}

async fn transfer_inner(
    conn: &mut SqliteConnection,
    mv: &Move<'_>,
) -> Result<EntryId, LedgerError> {
    let (from_id, from_balance) = open_account(conn, mv.chat_id, mv.from).await?;
    let (to_id, to_balance) = open_account(conn, mv.chat_id, mv.to).await?;
    if mv.from != Account::Mint && from_balance < mv.amount {
        return Err(LedgerError::Insufficient {
            balance: from_balance,
        });
    }
    if from_balance.checked_sub(mv.amount).is_none() || to_balance.checked_add(mv.amount).is_none()
    {
        return Err(LedgerError::Overflow);
    }
    let debit = sqlx::query("UPDATE economy_accounts SET balance = balance - ? WHERE id = ?")
        .bind(mv.amount)
        .bind(from_id)
        .execute(&mut *conn)
        .await;
    if let Err(err) = debit {
        // The schema's CHECK is the last word even if the balance changed since it was read.
        return Err(match &err {
            sqlx::Error::Database(db) if db.is_check_violation() => LedgerError::Insufficient {
                balance: account_balance(conn, from_id).await?,
            },
            _ => LedgerError::Database(err),
        });
    }
    sqlx::query("UPDATE economy_accounts SET balance = balance + ? WHERE id = ?")
        .bind(mv.amount)
        .bind(to_id)
        .execute(&mut *conn)
        .await
        .map_err(|err| match &err {
            sqlx::Error::Database(db) if db.is_check_violation() => LedgerError::Overflow,
            _ => LedgerError::Database(err),
        })?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO economy_journal (chat_id, at, from_account, to_account, amount, reason, actor, reference)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(mv.chat_id)
    .bind(mv.at)
    .bind(from_id)
    .bind(to_id)
    .bind(mv.amount)
    .bind(mv.reason)
    .bind(mv.actor)
    .bind(mv.reference)
    .fetch_one(&mut *conn)
    .await?;
    // The update that asked for this move is recorded with it, so a redelivery of it changes nothing.
    crate::storage::handled::record(conn, mv.reason, mv.at).await?;
    Ok(id)
}

/// Creates the account if it does not exist yet; returns its id and balance.
async fn open_account(
    conn: &mut SqliteConnection,
    chat_id: i64,
    account: Account,
) -> Result<(i64, i64), LedgerError> {
    let (kind, reference) = account.key();
    let row: (i64, i64) = sqlx::query_as(
        "INSERT INTO economy_accounts (chat_id, kind, ref) VALUES (?, ?, ?)
         ON CONFLICT (chat_id, kind, ref) DO UPDATE SET balance = balance
         RETURNING id, balance",
    )
    .bind(chat_id)
    .bind(kind)
    .bind(reference)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row)
}

async fn account_balance(conn: &mut SqliteConnection, id: i64) -> Result<i64, LedgerError> {
    Ok(
        sqlx::query_scalar("SELECT balance FROM economy_accounts WHERE id = ?")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

async fn account_id(
    conn: &mut SqliteConnection,
    chat_id: i64,
    account: Account,
) -> Result<Option<i64>, LedgerError> {
    let (kind, reference) = account.key();
    Ok(sqlx::query_scalar(
        "SELECT id FROM economy_accounts WHERE chat_id = ? AND kind = ? AND ref = ?",
    )
    .bind(chat_id)
    .bind(kind)
    .bind(reference)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Prepares a group's economy for a supergroup upgrade: accounts that already exist under the new id
/// `to` (because members used the new supergroup before the upgrade notice was handled) are folded into the
/// matching accounts under the old id `from` — balances added, journal rows re-pointed — so that the move
/// of every `chat_id` row that follows keeps the economy whole and its sum at zero.
pub async fn fold_before_move(
    conn: &mut SqliteConnection,
    from: i64,
    to: i64,
) -> Result<u64, LedgerError> {
    let clashes: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT n.id, o.id, n.balance FROM economy_accounts n
         JOIN economy_accounts o ON o.chat_id = ?1 AND o.kind = n.kind AND o.ref = n.ref
         WHERE n.chat_id = ?2",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    for (new_id, old_id, balance) in &clashes {
        sqlx::query("UPDATE economy_accounts SET balance = balance + ? WHERE id = ?")
            .bind(balance)
            .bind(old_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE economy_journal SET from_account = ?1 WHERE from_account = ?2")
            .bind(old_id)
            .bind(new_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE economy_journal SET to_account = ?1 WHERE to_account = ?2")
            .bind(old_id)
            .bind(new_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM economy_accounts WHERE id = ?")
            .bind(new_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(clashes.len() as u64)
}

/// The balance of an account; 0 for an account never used.
pub async fn balance(
    conn: &mut SqliteConnection,
    chat_id: i64,
    account: Account,
) -> Result<i64, LedgerError> {
    let (kind, reference) = account.key();
    let balance: Option<i64> = sqlx::query_scalar(
        "SELECT balance FROM economy_accounts WHERE chat_id = ? AND kind = ? AND ref = ?",
    )
    .bind(chat_id)
    .bind(kind)
    .bind(reference)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(balance.unwrap_or(0))
}

/// The sum of every balance of the group's economy. It is always 0; anything else is a bug worth an alarm.
pub async fn economy_sum(conn: &mut SqliteConnection, chat_id: i64) -> Result<i64, LedgerError> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(SUM(balance), 0) FROM economy_accounts WHERE chat_id = ?",
    )
    .bind(chat_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// The newest `limit` journal entries that touched a member's wallet, newest first (for `/ledger`).
pub async fn entries_for(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    limit: u32,
) -> Result<Vec<Entry>, LedgerError> {
    let Some(id) = account_id(conn, chat_id, Account::Wallet(user_id)).await? else {
        return Ok(Vec::new());
    };
    // Two index lookups (points out, points in), merged and cut to the newest `limit`.
    let rows: Vec<EntryRow> = sqlx::query_as(
        "SELECT j.id, j.at, fa.kind AS from_kind, fa.ref AS from_ref, ta.kind AS to_kind,
                ta.ref AS to_ref, j.amount, j.reason, j.actor, j.reference
         FROM economy_journal j
         JOIN economy_accounts fa ON fa.id = j.from_account
         JOIN economy_accounts ta ON ta.id = j.to_account
         WHERE j.id IN (SELECT id FROM economy_journal WHERE from_account = ?
                        UNION ALL SELECT id FROM economy_journal WHERE to_account = ?)
         ORDER BY j.id DESC LIMIT ?",
    )
    .bind(id)
    .bind(id)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().filter_map(EntryRow::into_entry).collect())
}

/// The newest `limit` journal entries of the whole group, newest first (for an admin's `/ledger`).
pub async fn entries_of_group(
    conn: &mut SqliteConnection,
    chat_id: i64,
    limit: u32,
) -> Result<Vec<Entry>, LedgerError> {
    let rows: Vec<EntryRow> = sqlx::query_as(
        "SELECT j.id, j.at, fa.kind AS from_kind, fa.ref AS from_ref, ta.kind AS to_kind,
                ta.ref AS to_ref, j.amount, j.reason, j.actor, j.reference
         FROM economy_journal j
         JOIN economy_accounts fa ON fa.id = j.from_account
         JOIN economy_accounts ta ON ta.id = j.to_account
         WHERE j.chat_id = ? ORDER BY j.id DESC LIMIT ?",
    )
    .bind(chat_id)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().filter_map(EntryRow::into_entry).collect())
}

/// The points a member sent out of their wallet for `reason` since `since` (unix seconds, inclusive). With
/// [`reason::TRANSFER`] and the start of the local day this is what the `/transfer` daily limit counts.
pub async fn sent_since(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    reason: &str,
    since: i64,
) -> Result<i64, LedgerError> {
    let Some(id) = account_id(conn, chat_id, Account::Wallet(user_id)).await? else {
        return Ok(0);
    };
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(SUM(amount), 0) FROM economy_journal WHERE from_account = ? AND at >= ? AND reason = ?",
    )
    .bind(id)
    .bind(since)
    .bind(reason)
    .fetch_one(&mut *conn)
    .await?)
}

/// The points a member received for `reason` since `since` (unix seconds, inclusive); activity points use
/// it for their daily cap.
pub async fn received_since(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    reason: &str,
    since: i64,
) -> Result<i64, LedgerError> {
    let Some(id) = account_id(conn, chat_id, Account::Wallet(user_id)).await? else {
        return Ok(0);
    };
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(SUM(amount), 0) FROM economy_journal WHERE to_account = ? AND at >= ? AND reason = ?",
    )
    .bind(id)
    .bind(since)
    .bind(reason)
    .fetch_one(&mut *conn)
    .await?)
}

/// The richest wallets of a group, highest balance first (ties by user id), for `/rank points`.
pub async fn top_wallets(
    conn: &mut SqliteConnection,
    chat_id: i64,
    limit: u32,
) -> Result<Vec<(i64, i64)>, LedgerError> {
    Ok(sqlx::query_as(
        "SELECT ref, balance FROM economy_accounts WHERE chat_id = ? AND kind = 'wallet' AND balance > 0
         ORDER BY balance DESC, ref ASC LIMIT ?",
    )
    .bind(chat_id)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?)
}

/// A member's place among the group's wallets by balance (1 = richest; ties share the better place).
pub async fn wallet_rank(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<i64, LedgerError> {
    let own = balance(conn, chat_id, Account::Wallet(user_id)).await?;
    let richer: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM economy_accounts WHERE chat_id = ? AND kind = 'wallet' AND balance > ?",
    )
    .bind(chat_id)
    .bind(own)
    .fetch_one(&mut *conn)
    .await?;
    Ok(richer + 1)
}

/// Accounts whose stored balance differs from what their journal rows add up to, as
/// (account, stored, from the journal). Empty when the books are consistent.
pub async fn audit(
    conn: &mut SqliteConnection,
    chat_id: i64,
) -> Result<Vec<(Account, i64, i64)>, LedgerError> {
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT a.kind, a.ref, a.balance,
                COALESCE((SELECT SUM(amount) FROM economy_journal WHERE to_account = a.id), 0)
              - COALESCE((SELECT SUM(amount) FROM economy_journal WHERE from_account = a.id), 0)
         FROM economy_accounts a WHERE a.chat_id = ?",
    )
    .bind(chat_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, stored, computed)| stored != computed)
        .filter_map(|(kind, reference, stored, computed)| {
            Account::from_key(&kind, reference).map(|account| (account, stored, computed))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test]
    async fn a_supergroup_upgrade_keeps_both_economies_whole(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let pay = |chat_id: i64, amount: i64| Move {
            chat_id,
            from: Account::Mint,
            to: Account::Wallet(7),
            amount,
            reason: reason::ADMIN_GIVE,
            actor: None,
            reference: None,
            at: 1,
        };
        transfer(&mut conn, &pay(-10, 30)).await.unwrap();
        transfer(&mut conn, &pay(-1010, 5)).await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        assert_eq!(
            fold_before_move(&mut tx, -10, -1010).await.unwrap(),
            2,
            "mint and wallet clash"
        );
        crate::storage::move_chat(&mut tx, -10, -1010)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            balance(&mut conn, -1010, Account::Wallet(7)).await.unwrap(),
            35
        );
        assert_eq!(economy_sum(&mut conn, -1010).await.unwrap(), 0);
        assert!(
            audit(&mut conn, -1010).await.unwrap().is_empty(),
            "journal agrees with balances"
        );
        assert_eq!(entries_for(&mut conn, -1010, 7, 10).await.unwrap().len(), 2);
    }
    use proptest::prelude::*;
    use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
    use sqlx::{Connection, SqlitePool};
    use std::collections::HashMap;

    const CHAT: i64 = -100;

    fn mv(from: Account, to: Account, amount: i64) -> Move<'static> {
        Move {
            chat_id: CHAT,
            from,
            to,
            amount,
            reason: "test",
            actor: Some(1),
            reference: Some("ref:1"),
            at: 1000,
        }
    }

    #[sqlx::test]
    async fn mint_creates_points_and_journal_balances(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let id = transfer(&mut conn, &mv(Account::Mint, Account::Wallet(7), 100))
            .await
            .unwrap();
        transfer(&mut conn, &mv(Account::Wallet(7), Account::Wallet(8), 30))
            .await
            .unwrap();
        let escrow = Account::Escrow {
            kind: EscrowKind::Packet,
            id: 3,
        };
        transfer(&mut conn, &mv(Account::Wallet(8), escrow, 10))
            .await
            .unwrap();
        assert_eq!(
            balance(&mut conn, CHAT, Account::Wallet(7)).await.unwrap(),
            70
        );
        assert_eq!(
            balance(&mut conn, CHAT, Account::Wallet(8)).await.unwrap(),
            20
        );
        assert_eq!(balance(&mut conn, CHAT, escrow).await.unwrap(), 10);
        assert_eq!(balance(&mut conn, CHAT, Account::Mint).await.unwrap(), -100);
        assert_eq!(
            balance(&mut conn, CHAT, Account::Wallet(9)).await.unwrap(),
            0
        );
        assert_eq!(economy_sum(&mut conn, CHAT).await.unwrap(), 0);
        assert!(audit(&mut conn, CHAT).await.unwrap().is_empty());
        // Another group's economy is separate.
        assert_eq!(
            balance(&mut conn, CHAT - 1, Account::Wallet(7))
                .await
                .unwrap(),
            0
        );

        let entries = entries_for(&mut conn, CHAT, 8, 20).await.unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].to, escrow);
        assert_eq!(entries[0].delta_for(Account::Wallet(8)), -10);
        assert_eq!(entries[1].delta_for(Account::Wallet(8)), 30);
        let first = entries_for(&mut conn, CHAT, 7, 1).await.unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].from, Account::Wallet(7));
        let all = entries_of_group(&mut conn, CHAT, 20).await.unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[2].id, id);
        assert_eq!(all[2].reference.as_deref(), Some("ref:1"));
        assert_eq!(all[2].actor, Some(1));
        assert!(entries_for(&mut conn, CHAT, 99, 20)
            .await
            .unwrap()
            .is_empty());

        assert_eq!(
            sent_since(&mut conn, CHAT, 7, "test", 1000).await.unwrap(),
            30
        );
        assert_eq!(
            sent_since(&mut conn, CHAT, 7, "test", 1001).await.unwrap(),
            0
        );
        assert_eq!(
            received_since(&mut conn, CHAT, 8, "test", 0).await.unwrap(),
            30
        );
        assert_eq!(
            top_wallets(&mut conn, CHAT, 10).await.unwrap(),
            vec![(7, 70), (8, 20)]
        );
        assert_eq!(wallet_rank(&mut conn, CHAT, 8).await.unwrap(), 2);
    }

    #[sqlx::test]
    async fn refusals_change_nothing_and_keep_the_transaction_usable(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        transfer(&mut tx, &mv(Account::Mint, Account::Wallet(7), 50))
            .await
            .unwrap();
        let err = transfer(&mut tx, &mv(Account::Wallet(7), Account::Wallet(8), 51))
            .await
            .unwrap_err();
        assert!(
            matches!(err, LedgerError::Insufficient { balance: 50 }),
            "{err:?}"
        );
        let err = transfer(&mut tx, &mv(Account::Wallet(9), Account::Wallet(8), 1))
            .await
            .unwrap_err();
        assert!(
            matches!(err, LedgerError::Insufficient { balance: 0 }),
            "{err:?}"
        );
        assert!(matches!(
            transfer(&mut tx, &mv(Account::Wallet(7), Account::Wallet(7), 1)).await,
            Err(LedgerError::SameAccount)
        ));
        assert!(matches!(
            transfer(&mut tx, &mv(Account::Mint, Account::Wallet(7), 0)).await,
            Err(LedgerError::NotPositive)
        ));
        assert!(matches!(
            transfer(&mut tx, &mv(Account::Mint, Account::Wallet(7), -5)).await,
            Err(LedgerError::NotPositive)
        ));
        // The transaction goes on after the refusals and commits the earlier and later work.
        transfer(&mut tx, &mv(Account::Wallet(7), Account::Wallet(8), 20))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            balance(&mut conn, CHAT, Account::Wallet(7)).await.unwrap(),
            30
        );
        assert_eq!(
            balance(&mut conn, CHAT, Account::Wallet(8)).await.unwrap(),
            20
        );
        // The refused move from wallet 9 did not even leave an empty account behind.
        let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM economy_accounts")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(accounts, 3);
        let journal: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM economy_journal")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(journal, 2);
        assert_eq!(economy_sum(&mut conn, CHAT).await.unwrap(), 0);
    }

    #[sqlx::test]
    async fn a_rolled_back_caller_transaction_undoes_its_moves(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        transfer(&mut tx, &mv(Account::Mint, Account::Wallet(7), 50))
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(
            balance(&mut conn, CHAT, Account::Wallet(7)).await.unwrap(),
            0
        );
        // Outside any transaction a move is atomic on its own.
        transfer(&mut conn, &mv(Account::Mint, Account::Wallet(7), 5))
            .await
            .unwrap();
        assert_eq!(
            balance(&mut conn, CHAT, Account::Wallet(7)).await.unwrap(),
            5
        );
    }

    #[sqlx::test]
    async fn the_schema_itself_refuses_negative_wallets(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        transfer(&mut conn, &mv(Account::Mint, Account::Wallet(7), 5))
            .await
            .unwrap();
        let raw = sqlx::query("UPDATE economy_accounts SET balance = -1 WHERE kind = 'wallet'")
            .execute(&mut *conn)
            .await;
        assert!(raw.is_err());
        let raw = sqlx::query("INSERT INTO economy_journal (chat_id, at, from_account, to_account, amount, reason) VALUES (1, 1, 1, 2, 0, 'x')")
            .execute(&mut *conn)
            .await;
        assert!(raw.is_err());
    }

    #[sqlx::test]
    async fn balances_that_would_overflow_are_refused(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        transfer(&mut conn, &mv(Account::Mint, Account::Wallet(7), i64::MAX))
            .await
            .unwrap();
        // The mint now stands at -i64::MAX; one more point takes it to i64::MIN, the last that fits.
        transfer(&mut conn, &mv(Account::Mint, Account::Wallet(8), 1))
            .await
            .unwrap();
        let err = transfer(&mut conn, &mv(Account::Mint, Account::Wallet(9), 1))
            .await
            .unwrap_err();
        assert!(matches!(err, LedgerError::Overflow), "{err:?}");
        let err = transfer(&mut conn, &mv(Account::Wallet(8), Account::Wallet(7), 1))
            .await
            .unwrap_err();
        assert!(matches!(err, LedgerError::Overflow), "{err:?}");
        assert_eq!(
            balance(&mut conn, CHAT, Account::Wallet(9)).await.unwrap(),
            0
        );
        assert_eq!(
            balance(&mut conn, CHAT, Account::Wallet(8)).await.unwrap(),
            1
        );
        assert_eq!(economy_sum(&mut conn, CHAT).await.unwrap(), 0);
    }

    /// One ledger operation of the property test; indexes pick among a few wallets and escrows.
    #[derive(Debug, Clone)]
    enum Op {
        Mint {
            to: usize,
            amount: i64,
        },
        Burn {
            from: usize,
            amount: i64,
        },
        Pay {
            from: usize,
            to: usize,
            amount: i64,
        },
        Lock {
            from: usize,
            escrow: usize,
            amount: i64,
        },
        Release {
            escrow: usize,
            to: usize,
            amount: i64,
        },
    }

    fn op() -> impl Strategy<Value = Op> {
        let amount = prop_oneof![8 => 1i64..120, 1 => -3i64..=0];
        let who = 0usize..4;
        let escrow = 0usize..3;
        prop_oneof![
            (who.clone(), amount.clone()).prop_map(|(to, amount)| Op::Mint { to, amount }),
            (who.clone(), amount.clone()).prop_map(|(from, amount)| Op::Burn { from, amount }),
            (who.clone(), who.clone(), amount.clone()).prop_map(|(from, to, amount)| Op::Pay {
                from,
                to,
                amount
            }),
            (who.clone(), escrow.clone(), amount.clone()).prop_map(|(from, escrow, amount)| {
                Op::Lock {
                    from,
                    escrow,
                    amount,
                }
            }),
            (escrow, who, amount).prop_map(|(escrow, to, amount)| Op::Release {
                escrow,
                to,
                amount
            }),
        ]
    }

    fn wallet(index: usize) -> Account {
        Account::Wallet(1000 + index as i64)
    }

    fn escrow(index: usize) -> Account {
        Account::Escrow {
            kind: if index.is_multiple_of(2) {
                EscrowKind::Packet
            } else {
                EscrowKind::Lottery
            },
            id: index as i64,
        }
    }

    impl Op {
        fn accounts(&self) -> (Account, Account, i64) {
            match *self {
                Op::Mint { to, amount } => (Account::Mint, wallet(to), amount),
                Op::Burn { from, amount } => (wallet(from), Account::Mint, amount),
                Op::Pay { from, to, amount } => (wallet(from), wallet(to), amount),
                Op::Lock {
                    from,
                    escrow: e,
                    amount,
                } => (wallet(from), escrow(e), amount),
                Op::Release {
                    escrow: e,
                    to,
                    amount,
                } => (escrow(e), wallet(to), amount),
            }
        }
    }

    /// Applies the operations to a real database and to a map, and checks that they agree at every step.
    async fn run_case(
        conn: &mut SqliteConnection,
        chat_id: i64,
        ops: &[(Op, bool)],
    ) -> Result<(), TestCaseError> {
        let mut model: HashMap<Account, i64> = HashMap::new();
        for (op, commit) in ops {
            let (from, to, amount) = op.accounts();
            let have = model.get(&from).copied().unwrap_or(0);
            let expected = if amount <= 0 {
                Err("not positive")
            } else if from == to {
                Err("same")
            } else if from != Account::Mint && have < amount {
                Err("insufficient")
            } else {
                Ok(())
            };
            let mut tx = conn
                .begin()
                .await
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let got = transfer(
                &mut tx,
                &Move {
                    chat_id,
                    from,
                    to,
                    amount,
                    reason: "prop",
                    actor: None,
                    reference: None,
                    at: 1,
                },
            )
            .await;
            match (&expected, &got) {
                (Ok(()), Ok(_)) => {}
                (Err("not positive"), Err(LedgerError::NotPositive)) => {}
                (Err("same"), Err(LedgerError::SameAccount)) => {}
                (Err("insufficient"), Err(LedgerError::Insufficient { balance })) => {
                    prop_assert_eq!(*balance, have)
                }
                _ => {
                    return Err(TestCaseError::fail(format!(
                        "{op:?}: expected {expected:?}, got {got:?}"
                    )))
                }
            }
            if *commit {
                tx.commit()
                    .await
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                if expected.is_ok() {
                    *model.entry(from).or_default() -= amount;
                    *model.entry(to).or_default() += amount;
                }
            } else {
                tx.rollback()
                    .await
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            for (account, expected) in &model {
                let stored = balance(conn, chat_id, *account)
                    .await
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(stored, *expected, "{:?}", account);
                if *account != Account::Mint {
                    prop_assert!(stored >= 0);
                }
            }
            prop_assert_eq!(
                economy_sum(conn, chat_id)
                    .await
                    .map_err(|e| TestCaseError::fail(e.to_string()))?,
                0
            );
        }
        let negative: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM economy_accounts WHERE chat_id = ? AND kind <> 'mint' AND balance < 0")
            .bind(chat_id)
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(negative, 0);
        let mismatches = audit(conn, chat_id)
            .await
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(mismatches.is_empty(), "{:?}", mismatches);
        Ok(())
    }

    #[test]
    fn random_operation_sequences_keep_the_books() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/ledger.db?mode=rwc", dir.path().display());
        let conn = runtime.block_on(async {
            let mut conn = SqliteConnection::connect(&url).await.unwrap();
            crate::storage::MIGRATOR.run(&mut conn).await.unwrap();
            conn
        });
        let mut runner = TestRunner::new(ProptestConfig {
            cases: 48,
            ..ProptestConfig::default()
        });
        let conn = std::cell::RefCell::new(conn);
        let case = std::cell::Cell::new(0i64);
        let strategy = proptest::collection::vec((op(), proptest::bool::weighted(0.85)), 1..40);
        runner
            .run(&strategy, |ops| {
                // Every case is its own group, so cases share the database but not an economy.
                case.set(case.get() + 1);
                runtime.block_on(run_case(&mut conn.borrow_mut(), -case.get(), &ops))
            })
            .unwrap();
    }
}
