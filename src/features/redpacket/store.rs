//! The SQL of red packets: creating a packet with its shares and escrow, grabbing a share, expiring a packet
//! with its refund, and the reads behind the packet message and `/verify`.
//!
//! Every change of points goes through [`ledger::transfer`] inside the same transaction as the packet's own
//! rows, so a packet's escrow plus its claims always equal its total, whatever moment the process dies at.

use super::split::{self, SplitError};
use crate::fairness::{self, Kind, Seed, Stream};
use crate::features::economy::ledger::{self, Account, EscrowKind, LedgerError, Move};
use sqlx::{FromRow, SqliteConnection, SqlitePool};

/// The journal reason of every packet move.
pub const REASON: &str = "packet";

/// The kinds of packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    /// Random shares (拼手气).
    Lucky,
    /// Equal shares.
    Equal,
    /// One share for one named member (专享).
    Exclusive,
}

impl PacketKind {
    /// The word stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            PacketKind::Lucky => "lucky",
            PacketKind::Equal => "equal",
            PacketKind::Exclusive => "exclusive",
        }
    }

    /// The kind stored as `word`.
    pub fn from_word(word: &str) -> Option<Self> {
        match word {
            "lucky" => Some(PacketKind::Lucky),
            "equal" => Some(PacketKind::Equal),
            "exclusive" => Some(PacketKind::Exclusive),
            _ => None,
        }
    }
}

/// One packet as stored.
#[derive(Debug, Clone, FromRow)]
pub struct Packet {
    /// The packet id (shown as `P<id>`).
    pub id: i64,
    /// The group.
    pub chat_id: i64,
    /// Who paid for it (for a mint packet, the admin who sent it).
    pub sender: i64,
    /// The sender's display name at creation.
    pub sender_name: String,
    /// `lucky`, `equal` or `exclusive`.
    pub kind: String,
    /// Points in the packet.
    pub total: i64,
    /// Number of shares.
    pub count: i64,
    /// The smallest share the split used.
    pub min_share: i64,
    /// The only member who may open an exclusive packet.
    pub target: Option<i64>,
    /// The target's display name.
    pub target_name: Option<String>,
    /// The sender's wish (恭喜发财…), may be empty.
    pub message: String,
    /// The secret seed, 64 hex digits (reveal only when the packet is not open).
    pub seed: String,
    /// The published commitment.
    pub commitment: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// `open`, `exhausted` or `expired`.
    pub status: String,
    /// When it ended, if it has.
    pub ended_at: Option<i64>,
    /// Points returned at expiry.
    pub refunded: i64,
    /// The group message with the Grab button, once known.
    pub announce_id: Option<i64>,
    /// The forum topic of that message.
    pub thread_id: Option<i64>,
    /// Whether the points came from the group's mint.
    pub from_mint: bool,
}

impl Packet {
    /// The kind as an enum.
    pub fn packet_kind(&self) -> PacketKind {
        PacketKind::from_word(&self.kind).unwrap_or(PacketKind::Lucky)
    }

    /// Whether members may still grab it.
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }

    /// The escrow account that holds the packet's ungrabbed points.
    pub fn escrow(&self) -> Account {
        escrow(self.id)
    }

    /// Where a refund goes: the sender's wallet, or the mint for a mint packet.
    pub fn refund_account(&self) -> Account {
        if self.from_mint {
            Account::Mint
        } else {
            Account::Wallet(self.sender)
        }
    }
}

/// One grab as stored.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Claim {
    /// Who grabbed.
    pub user_id: i64,
    /// Their display name at the time.
    pub user_name: String,
    /// The share's position (0 = first grab).
    pub position: i64,
    /// Points received.
    pub amount: i64,
    /// Unix seconds.
    pub claimed_at: i64,
}

/// The escrow account of packet `id`.
pub fn escrow(id: i64) -> Account {
    Account::Escrow {
        kind: EscrowKind::Packet,
        id,
    }
}

/// A packet to create.
#[derive(Debug, Clone)]
pub struct NewPacket<'a> {
    /// The group.
    pub chat_id: i64,
    /// Who sends it.
    pub sender: i64,
    /// Their display name.
    pub sender_name: &'a str,
    /// The kind.
    pub kind: PacketKind,
    /// Points.
    pub total: i64,
    /// Shares (1 for an exclusive packet).
    pub count: u32,
    /// The smallest lucky share.
    pub min_share: i64,
    /// The exclusive packet's member and name.
    pub target: Option<(i64, &'a str)>,
    /// The sender's wish.
    pub message: &'a str,
    /// Whether the points come from the mint (an admin's packet).
    pub from_mint: bool,
    /// The forum topic of the command.
    pub thread_id: Option<i64>,
    /// Unix seconds.
    pub now: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Why a packet was not created. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The sender's wallet holds less than the total.
    #[error("not enough points: the balance is {balance}")]
    Insufficient {
        /// The wallet's balance.
        balance: i64,
    },
    /// The request cannot be split.
    #[error(transparent)]
    Split(#[from] SplitError),
    /// SQLite failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The ledger failed for another reason.
    #[error("ledger error: {0}")]
    Ledger(LedgerError),
}

impl From<LedgerError> for CreateError {
    fn from(err: LedgerError) -> Self {
        match err {
            LedgerError::Insufficient { balance } => CreateError::Insufficient { balance },
            LedgerError::Database(err) => CreateError::Database(err),
            other => CreateError::Ledger(other),
        }
    }
}

/// The share vector of a packet, recomputed from its parameters and seed exactly as at creation.
pub fn compute_shares(
    kind: PacketKind,
    id: i64,
    total: i64,
    count: u32,
    min_share: i64,
    seed: &Seed,
) -> Result<Vec<i64>, SplitError> {
    let mut stream = Stream::new(
        seed,
        &fairness::tag(Kind::Packet, id),
        &fairness::list_hash(""),
    );
    match kind {
        PacketKind::Lucky => split::lucky(total, count, min_share, &mut stream),
        PacketKind::Equal => split::equal(total, count, &mut stream),
        PacketKind::Exclusive => split::equal(total, 1, &mut stream),
    }
}

/// Creates a packet on `conn` (which must be inside the caller's transaction): draws its seed, stores it
/// with its commitment and shares, and moves the total from the sender's wallet (or the mint) into the
/// packet's escrow. On an error the caller rolls back and nothing remains.
pub async fn create(
    conn: &mut SqliteConnection,
    new: &NewPacket<'_>,
    seed: &Seed,
) -> Result<Packet, CreateError> {
    let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM redpackets")
        .fetch_one(&mut *conn)
        .await?;
    let shares = compute_shares(new.kind, id, new.total, new.count, new.min_share, seed)?;
    let commitment = fairness::commitment(&fairness::tag(Kind::Packet, id), seed);
    let from = if new.from_mint {
        Account::Mint
    } else {
        Account::Wallet(new.sender)
    };
    let reference = fairness::tag(Kind::Packet, id);
    sqlx::query(
        "INSERT INTO redpackets (id, chat_id, sender, sender_name, kind, total, count, min_share, target,
                                 target_name, message, seed, commitment, created_at, expires_at, thread_id,
                                 from_mint)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(new.chat_id)
    .bind(new.sender)
    .bind(new.sender_name)
    .bind(new.kind.as_str())
    .bind(new.total)
    .bind(i64::from(new.count))
    .bind(new.min_share)
    .bind(new.target.map(|t| t.0))
    .bind(new.target.map(|t| t.1))
    .bind(new.message)
    .bind(seed.to_hex())
    .bind(&commitment)
    .bind(new.now)
    .bind(new.expires_at)
    .bind(new.thread_id)
    .bind(new.from_mint)
    .execute(&mut *conn)
    .await?;
    // One multi-row insert for the whole vector (at most max_count rows).
    let mut builder = sqlx::QueryBuilder::new(
        "INSERT INTO redpacket_shares (packet_id, chat_id, position, amount) ",
    );
    builder.push_values(shares.iter().enumerate(), |mut row, (position, amount)| {
        row.push_bind(id)
            .push_bind(new.chat_id)
            .push_bind(position as i64)
            .push_bind(*amount);
    });
    builder.build().execute(&mut *conn).await?;
    ledger::transfer(
        conn,
        &Move {
            chat_id: new.chat_id,
            from,
            to: escrow(id),
            amount: new.total,
            reason: REASON,
            actor: new.from_mint.then_some(new.sender),
            reference: Some(&reference),
            at: new.now,
        },
    )
    .await?;
    Ok(get(conn, id).await?.expect("the packet was just inserted"))
}

/// A packet by id.
pub async fn get(conn: &mut SqliteConnection, id: i64) -> Result<Option<Packet>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM redpackets WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
}

/// The claims of a packet in grab order.
pub async fn claims(conn: &mut SqliteConnection, id: i64) -> Result<Vec<Claim>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, user_name, position, amount, claimed_at FROM redpacket_claims
         WHERE packet_id = ? ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
}

/// The stored share vector of a packet, in grab order.
pub async fn shares(conn: &mut SqliteConnection, id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT amount FROM redpacket_shares WHERE packet_id = ? ORDER BY position")
        .bind(id)
        .fetch_all(&mut *conn)
        .await
}

/// Remembers the group message that shows the packet (kept if already known).
pub async fn set_announcement(
    conn: &mut SqliteConnection,
    id: i64,
    message_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE redpackets SET announce_id = ? WHERE id = ? AND announce_id IS NULL")
        .bind(message_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// What a press on the Grab button did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grab {
    /// The member received `amount` points; `exhausted` when this was the last share.
    Claimed {
        /// Points received.
        amount: i64,
        /// Whether the packet is now empty.
        exhausted: bool,
    },
    /// The member grabbed this packet before (and got `amount`).
    AlreadyGrabbed {
        /// What they got then.
        amount: i64,
    },
    /// Every share was taken.
    Finished,
    /// The packet expired.
    Expired,
    /// An exclusive packet for someone else.
    NotForYou,
    /// No such packet in this group.
    Unknown,
}

/// What a grab reads first: status, expires_at, target, count, announce_id.
type GrabState = (String, i64, Option<i64>, i64, Option<i64>);

/// A member presses Grab on packet `id` in `chat_id`: in one short transaction, the next unclaimed share
/// moves from the escrow to their wallet and the claim is recorded. `message_id` is the pressed message,
/// remembered as the packet's message if that was not known yet.
pub async fn grab(
    pool: &SqlitePool,
    chat_id: i64,
    id: i64,
    user_id: i64,
    user_name: &str,
    message_id: Option<i64>,
    now: i64,
) -> Result<Grab, CreateError> {
    let mut tx = pool.begin().await?;
    let row: Option<GrabState> = sqlx::query_as(
        "SELECT status, expires_at, target, count, announce_id FROM redpackets
         WHERE id = ? AND chat_id = ?",
    )
    .bind(id)
    .bind(chat_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((status, expires_at, target, count, announce_id)) = row else {
        return Ok(Grab::Unknown);
    };
    if target.is_some_and(|target| target != user_id) {
        return Ok(Grab::NotForYou);
    }
    let before: Option<i64> = sqlx::query_scalar(
        "SELECT amount FROM redpacket_claims WHERE packet_id = ? AND user_id = ?",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(amount) = before {
        return Ok(Grab::AlreadyGrabbed { amount });
    }
    match status.as_str() {
        "exhausted" => return Ok(Grab::Finished),
        "expired" => return Ok(Grab::Expired),
        _ if now >= expires_at => return Ok(Grab::Expired),
        _ => {}
    }
    let (position, amount): (i64, i64) = sqlx::query_as(
        "SELECT position, amount FROM redpacket_shares WHERE packet_id = ?
           AND position = (SELECT COUNT(*) FROM redpacket_claims WHERE packet_id = ?)",
    )
    .bind(id)
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let reference = fairness::tag(Kind::Packet, id);
    ledger::transfer(
        &mut tx,
        &Move {
            chat_id,
            from: escrow(id),
            to: Account::Wallet(user_id),
            amount,
            reason: REASON,
            actor: None,
            reference: Some(&reference),
            at: now,
        },
    )
    .await?;
    sqlx::query(
        "INSERT INTO redpacket_claims (packet_id, chat_id, user_id, user_name, position, amount, claimed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(chat_id)
    .bind(user_id)
    .bind(user_name)
    .bind(position)
    .bind(amount)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let exhausted = position + 1 == count;
    sqlx::query(
        "UPDATE redpackets SET dirty = 1,
             status = CASE WHEN ? THEN 'exhausted' ELSE status END,
             ended_at = CASE WHEN ? THEN ? ELSE ended_at END,
             announce_id = COALESCE(announce_id, ?)
         WHERE id = ?",
    )
    .bind(exhausted)
    .bind(exhausted)
    .bind(now)
    .bind(announce_id.or(message_id))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Grab::Claimed { amount, exhausted })
}

/// Ends every open packet whose time is up at `now`: in one transaction per packet, the escrow's remainder
/// goes back to the sender (or the mint) and the packet is marked expired. Returns the ids expired.
pub async fn expire_due(pool: &SqlitePool, now: i64) -> Result<Vec<i64>, CreateError> {
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM redpackets WHERE status = 'open' AND expires_at <= ? ORDER BY id",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    let mut expired = Vec::new();
    for id in due {
        let mut tx = pool.begin().await?;
        let Some(packet) = get(&mut tx, id).await? else {
            continue;
        };
        if !packet.is_open() {
            continue;
        }
        let rest = ledger::balance(&mut tx, packet.chat_id, packet.escrow()).await?;
        if rest > 0 {
            let reference = fairness::tag(Kind::Packet, id);
            ledger::transfer(
                &mut tx,
                &Move {
                    chat_id: packet.chat_id,
                    from: packet.escrow(),
                    to: packet.refund_account(),
                    amount: rest,
                    reason: "packet_refund",
                    actor: None,
                    reference: Some(&reference),
                    at: now,
                },
            )
            .await?;
        }
        sqlx::query(
            "UPDATE redpackets SET status = 'expired', ended_at = ?, refunded = ?, dirty = 1 WHERE id = ?",
        )
        .bind(now)
        .bind(rest)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        expired.push(id);
    }
    Ok(expired)
}

/// Packets whose message should be edited now: behind their claims and either ended or not edited for
/// `interval` seconds. Only packets whose message is known are returned.
pub async fn due_edits(
    conn: &mut SqliteConnection,
    now: i64,
    interval: i64,
) -> Result<Vec<Packet>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM redpackets WHERE dirty = 1 AND announce_id IS NOT NULL
           AND (status <> 'open' OR edited_at <= ?) ORDER BY id",
    )
    .bind(now - interval)
    .fetch_all(&mut *conn)
    .await
}

/// Notes that the packet's message was edited at `now` to show everything up to `claims` claims; a claim
/// that arrived since keeps it marked for another edit.
pub async fn mark_edited(
    conn: &mut SqliteConnection,
    id: i64,
    claims_shown: i64,
    status_shown: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE redpackets SET edited_at = ?,
             dirty = CASE WHEN status = ? AND (SELECT COUNT(*) FROM redpacket_claims WHERE packet_id = ?) = ?
                          THEN 0 ELSE 1 END
         WHERE id = ?",
    )
    .bind(now)
    .bind(status_shown)
    .bind(id)
    .bind(claims_shown)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn fund(pool: &SqlitePool, chat: i64, user: i64, amount: i64) {
        let mut conn = pool.acquire().await.unwrap();
        ledger::transfer(
            &mut conn,
            &Move {
                chat_id: chat,
                from: Account::Mint,
                to: Account::Wallet(user),
                amount,
                reason: "test",
                actor: None,
                reference: None,
                at: 0,
            },
        )
        .await
        .unwrap();
    }

    fn lucky(total: i64, count: u32) -> NewPacket<'static> {
        NewPacket {
            chat_id: -5,
            sender: 1,
            sender_name: "Sam",
            kind: PacketKind::Lucky,
            total,
            count,
            min_share: 1,
            target: None,
            message: "",
            from_mint: false,
            thread_id: None,
            now: 100,
            expires_at: 200,
        }
    }

    #[sqlx::test]
    async fn create_grab_and_expire_keep_every_point(pool: SqlitePool) {
        fund(&pool, -5, 1, 100).await;
        let mut tx = pool.begin().await.unwrap();
        let packet = create(&mut tx, &lucky(60, 3), &Seed::from_bytes([7; 32]))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(
            ledger::balance(&mut conn, -5, Account::Wallet(1))
                .await
                .unwrap(),
            40
        );
        assert_eq!(
            shares(&mut conn, packet.id)
                .await
                .unwrap()
                .iter()
                .sum::<i64>(),
            60
        );
        drop(conn);
        let first = grab(&pool, -5, packet.id, 2, "A", Some(9), 110)
            .await
            .unwrap();
        let Grab::Claimed { amount, exhausted } = first else {
            panic!("{first:?}")
        };
        assert!(!exhausted);
        assert_eq!(
            grab(&pool, -5, packet.id, 2, "A", Some(9), 111)
                .await
                .unwrap(),
            Grab::AlreadyGrabbed { amount }
        );
        assert_eq!(
            grab(&pool, -6, packet.id, 3, "B", None, 111).await.unwrap(),
            Grab::Unknown
        );
        assert_eq!(expire_due(&pool, 199).await.unwrap(), Vec::<i64>::new());
        assert_eq!(expire_due(&pool, 200).await.unwrap(), vec![packet.id]);
        assert_eq!(
            grab(&pool, -5, packet.id, 3, "B", None, 201).await.unwrap(),
            Grab::Expired
        );
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(
            ledger::balance(&mut conn, -5, Account::Wallet(1))
                .await
                .unwrap(),
            100 - amount
        );
        assert_eq!(
            ledger::balance(&mut conn, -5, packet.escrow())
                .await
                .unwrap(),
            0
        );
        assert_eq!(ledger::economy_sum(&mut conn, -5).await.unwrap(), 0);
        let stored = get(&mut conn, packet.id).await.unwrap().unwrap();
        assert_eq!(
            (stored.status.as_str(), stored.refunded),
            ("expired", 60 - amount)
        );
        assert_eq!(stored.announce_id, Some(9));
    }

    #[sqlx::test]
    async fn a_poor_sender_creates_nothing(pool: SqlitePool) {
        fund(&pool, -5, 1, 10).await;
        let mut tx = pool.begin().await.unwrap();
        let err = create(&mut tx, &lucky(60, 3), &Seed::from_bytes([7; 32]))
            .await
            .unwrap_err();
        assert!(matches!(err, CreateError::Insufficient { balance: 10 }));
        drop(tx);
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM redpackets")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 0);
    }

    #[sqlx::test]
    async fn the_last_share_exhausts_and_nobody_grabs_twice(pool: SqlitePool) {
        fund(&pool, -5, 1, 100).await;
        let mut tx = pool.begin().await.unwrap();
        let packet = create(&mut tx, &lucky(10, 2), &Seed::from_bytes([1; 32]))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let a = grab(&pool, -5, packet.id, 2, "A", None, 101).await.unwrap();
        let b = grab(&pool, -5, packet.id, 3, "B", None, 101).await.unwrap();
        assert!(matches!(
            a,
            Grab::Claimed {
                exhausted: false,
                ..
            }
        ));
        assert!(matches!(
            b,
            Grab::Claimed {
                exhausted: true,
                ..
            }
        ));
        assert_eq!(
            grab(&pool, -5, packet.id, 4, "C", None, 102).await.unwrap(),
            Grab::Finished
        );
        let mut conn = pool.acquire().await.unwrap();
        let got: i64 = claims(&mut conn, packet.id)
            .await
            .unwrap()
            .iter()
            .map(|c| c.amount)
            .sum();
        assert_eq!(got, 10);
        // A second claim row for the same member is refused by the schema itself.
        let dup = sqlx::query(
            "INSERT INTO redpacket_claims (packet_id, chat_id, user_id, user_name, position, amount, claimed_at)
             VALUES (?, -5, 2, 'A', 1, 1, 0)",
        )
        .bind(packet.id)
        .execute(&mut *conn)
        .await;
        assert!(dup.is_err());
    }
}
