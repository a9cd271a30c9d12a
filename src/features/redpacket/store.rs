//! The SQL of red packets: creating a packet with its shares and escrow, grabbing a share, expiring a packet
//! with its refund, and the reads behind the packet message and `/verify`.
//!
//! Every change of points goes through [`ledger::transfer`] inside the same transaction as the packet's own
//! rows, so a packet's escrow plus its claims always equal its total, whatever moment the process dies at.

use super::eligibility::{Rules, RULE_KEYS};
use super::split::{self, SplitError};
use crate::fairness::{self, Kind, Seed, Stream};
use crate::features::economy::ledger::{self, Account, EscrowKind, LedgerError, Move};
use crate::storage::Storage;
use sqlx::{Connection, FromRow, SqliteConnection, SqlitePool};

/// The journal reason of the moves into a packet and out of it to a member.
pub const REASON: &str = "packet";
/// The journal reason of what an expired packet returns to its sender (or the mint).
pub const REFUND_REASON: &str = "packet_refund";

/// The kinds of packet, stored as `lucky`, `equal` or `exclusive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(rename_all = "lowercase")]
pub enum PacketKind {
    /// Random shares (拼手气).
    Lucky,
    /// Equal shares.
    Equal,
    /// One share for one named member (专享).
    Exclusive,
}

impl PacketKind {
    /// The word stored in the `kind` column, which also names the kind's wording (`redpacket-kind-…`).
    pub fn as_str(self) -> &'static str {
        match self {
            PacketKind::Lucky => "lucky",
            PacketKind::Equal => "equal",
            PacketKind::Exclusive => "exclusive",
        }
    }
}

/// Where a packet stands, stored as `open`, `exhausted` or `expired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(rename_all = "lowercase")]
pub enum PacketStatus {
    /// Members may still claim shares.
    Open,
    /// Every share was claimed.
    Exhausted,
    /// Its time ran out; what was left went back to the sender (or the mint).
    Expired,
}

/// How a packet's shares are claimed, stored as `grab`, `pass` or `quiz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(rename_all = "lowercase")]
pub enum Mode {
    /// The Grab button.
    Grab,
    /// Typing the phrase exactly (口令).
    Pass,
    /// Replying to the packet's message with the answer (答题).
    Quiz,
}

/// Where a relay stands, stored as `running`, `asking`, `ended` or `stopped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(rename_all = "lowercase")]
pub enum RelayStatus {
    /// A round's packet is being claimed.
    Running,
    /// The last round's best luck is asked to send the next one.
    Asking,
    /// It ended by itself: a round expired unclaimed, or the asked member missed the deadline.
    Ended,
    /// The starter or an admin stopped it.
    Stopped,
}

impl RelayStatus {
    /// The word stored in the `status` column, which also names the status's wording
    /// (`redpacket-relay-status-…`).
    pub fn as_str(self) -> &'static str {
        match self {
            RelayStatus::Running => "running",
            RelayStatus::Asking => "asking",
            RelayStatus::Ended => "ended",
            RelayStatus::Stopped => "stopped",
        }
    }
}

/// One packet as stored.
#[derive(Debug, Clone, FromRow)]
pub struct Packet {
    /// The packet id (shown as `P<id>`).
    pub id: i64,
    pub chat_id: i64,
    /// Who paid for it (for a mint packet, the admin who sent it).
    pub sender: i64,
    pub sender_name: String,
    pub kind: PacketKind,
    pub total: i64,
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
    pub created_at: i64,
    pub expires_at: i64,
    pub status: PacketStatus,
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
    /// How it is claimed.
    pub mode: Mode,
    /// The phrase of a pass packet, or the normalized answer of a quiz packet.
    pub phrase: Option<String>,
    /// The question of a quiz packet.
    pub question: Option<String>,
    /// The relay this packet is a round of.
    pub relay_id: Option<i64>,
    pub relay_round: Option<i64>,
}

impl Packet {
    /// Whether members may still grab it.
    pub fn is_open(&self) -> bool {
        self.status == PacketStatus::Open
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
    pub user_id: i64,
    /// Their display name at the time.
    pub user_name: String,
    /// The share's position (0 = first grab).
    pub position: i64,
    pub amount: i64,
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
    pub chat_id: i64,
    pub sender: i64,
    pub sender_name: &'a str,
    pub kind: PacketKind,
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
    pub now: i64,
    pub expires_at: i64,
    /// How it is claimed.
    pub mode: ClaimMode,
    /// The relay and round it belongs to.
    pub relay: Option<(i64, i64)>,
}

/// How members claim a packet's shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimMode {
    /// The Grab button.
    Grab,
    /// Typing the phrase exactly (口令).
    Pass { phrase: String },
    /// Answering the question (答题).
    Quiz {
        question: String,
        /// The answer, already normalized.
        answer: String,
    },
}

impl ClaimMode {
    /// The mode stored in the `mode` column.
    pub fn mode(&self) -> Mode {
        match self {
            ClaimMode::Grab => Mode::Grab,
            ClaimMode::Pass { .. } => Mode::Pass,
            ClaimMode::Quiz { .. } => Mode::Quiz,
        }
    }

    fn phrase(&self) -> Option<&str> {
        match self {
            ClaimMode::Grab => None,
            ClaimMode::Pass { phrase } => Some(phrase),
            ClaimMode::Quiz { answer, .. } => Some(answer),
        }
    }

    fn question(&self) -> Option<&str> {
        match self {
            ClaimMode::Quiz { question, .. } => Some(question),
            _ => None,
        }
    }
}

/// Why a packet was not created. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The sender's wallet holds less than the total.
    #[error("not enough points: the balance is {balance}")]
    Insufficient { balance: i64 },
    /// The request cannot be split.
    #[error(transparent)]
    Split(#[from] SplitError),
    /// SQLite failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The ledger failed for another reason.
    #[error("ledger error: {0}")]
    Ledger(LedgerError),
    /// The writes were done, but the batch they ran in did not commit.
    #[error(transparent)]
    Commit(#[from] crate::storage::commit::CommitError),
}

impl From<LedgerError> for CreateError {
    fn from(err: LedgerError) -> Self {
        match err {
            LedgerError::Insufficient { balance } => CreateError::Insufficient { balance },
            LedgerError::Database(err) => CreateError::Database(err),
            LedgerError::Commit(err) => CreateError::Commit(err),
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
                                 from_mint, mode, phrase, question, relay_id, relay_round)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(new.chat_id)
    .bind(new.sender)
    .bind(new.sender_name)
    .bind(new.kind)
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
    .bind(new.mode.mode())
    .bind(new.mode.phrase())
    .bind(new.mode.question())
    .bind(new.relay.map(|r| r.0))
    .bind(new.relay.map(|r| r.1))
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
type GrabState = (PacketStatus, i64, Option<i64>, i64, Option<i64>);

/// A member presses Grab on packet `id` in `chat_id`: as one unit of work on the writer (see
/// [`crate::storage::commit`]), the next unclaimed share moves from the escrow to their wallet and the
/// claim is recorded; the answer comes once that is committed. `message_id` is the pressed message,
/// remembered as the packet's message if that was not known yet.
pub async fn grab(
    storage: &Storage,
    chat_id: i64,
    id: i64,
    user_id: i64,
    user_name: &str,
    message_id: Option<i64>,
    now: i64,
) -> Result<Grab, CreateError> {
    let user_name = user_name.to_owned();
    storage
        .commit(move |conn| {
            Box::pin(async move {
                grab_in(conn, chat_id, id, user_id, &user_name, message_id, now).await
            })
        })
        .await
}

/// The writes of [`grab`], on the unit's connection.
async fn grab_in(
    tx: &mut SqliteConnection,
    chat_id: i64,
    id: i64,
    user_id: i64,
    user_name: &str,
    message_id: Option<i64>,
    now: i64,
) -> Result<Grab, CreateError> {
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
    match status {
        PacketStatus::Exhausted => return Ok(Grab::Finished),
        PacketStatus::Expired => return Ok(Grab::Expired),
        PacketStatus::Open if now >= expires_at => return Ok(Grab::Expired),
        PacketStatus::Open => {}
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
        tx,
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
        "INSERT INTO redpacket_claims (packet_id, chat_id, user_id, user_name, position, amount, claimed_at,
                                       announced)
         VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT mode = 'grab' FROM redpackets WHERE id = ?))",
    )
    .bind(id)
    .bind(chat_id)
    .bind(user_id)
    .bind(user_name)
    .bind(position)
    .bind(amount)
    .bind(now)
    .bind(id)
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
    Ok(Grab::Claimed { amount, exhausted })
}

/// Ends every open packet whose time is up at `now` (see [`expire`]), stopping at the first failure.
/// Returns the ids expired.
pub async fn expire_due(pool: &SqlitePool, now: i64) -> Result<Vec<i64>, CreateError> {
    let mut expired = Vec::new();
    for id in due_to_expire(pool, now).await? {
        if expire(pool, id, now).await? {
            expired.push(id);
        }
    }
    Ok(expired)
}

/// The open packets whose time is up at `now`, oldest first.
pub async fn due_to_expire(pool: &SqlitePool, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM redpackets WHERE status = 'open' AND expires_at <= ? ORDER BY id",
    )
    .bind(now)
    .fetch_all(pool)
    .await
}

/// Ends packet `id` in one transaction: the escrow's remainder goes back to the sender (or the mint) and
/// the packet is marked expired. False when it was no longer open.
pub async fn expire(pool: &SqlitePool, id: i64, now: i64) -> Result<bool, CreateError> {
    {
        let mut tx = pool.begin().await?;
        let Some(packet) = get(&mut tx, id).await? else {
            return Ok(false);
        };
        if !packet.is_open() {
            return Ok(false);
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
                    reason: REFUND_REASON,
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
    }
    Ok(true)
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
    status_shown: PacketStatus,
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

/// An open pass or quiz packet of a group, as the message filter needs it.
#[derive(Debug, Clone, FromRow)]
pub struct TypedPacket {
    pub id: i64,
    /// [`Mode::Pass`] or [`Mode::Quiz`].
    pub mode: Mode,
    /// The phrase, or the normalized answer.
    pub phrase: String,
    /// The packet message, once known.
    pub announce_id: Option<i64>,
    pub expires_at: i64,
}

/// The open pass and quiz packets of a group that have not expired at `now`, oldest first.
pub async fn open_typed(
    conn: &mut SqliteConnection,
    chat_id: i64,
    now: i64,
) -> Result<Vec<TypedPacket>, sqlx::Error> {
    sqlx::query_as(
        // Without statistics SQLite prefers the index of every open packet; this group's typed packets are
        // found directly through their own index.
        "SELECT id, mode, phrase, announce_id, expires_at FROM redpackets INDEXED BY redpackets_typed_open
         WHERE chat_id = ? AND status = 'open' AND mode <> 'grab' AND phrase IS NOT NULL AND expires_at > ?
         ORDER BY id",
    )
    .bind(chat_id)
    .bind(now)
    .fetch_all(&mut *conn)
    .await
}

/// A group's stored rule overrides, one `Option` per rule.
type RuleRow = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// A group's eligibility rules: its own values where it set them, `defaults` elsewhere.
pub async fn rules(
    conn: &mut SqliteConnection,
    chat_id: i64,
    defaults: Rules,
) -> Result<Rules, sqlx::Error> {
    let row: Option<RuleRow> = sqlx::query_as(
        "SELECT min_member_hours, require_spoken, min_level, sender_may_claim, max_claims_per_day
         FROM redpacket_rules WHERE chat_id = ?",
    )
    .bind(chat_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((hours, spoken, level, sender, per_day)) = row else {
        return Ok(defaults);
    };
    Ok(Rules {
        min_member_hours: hours.unwrap_or(defaults.min_member_hours),
        require_spoken: spoken.map_or(defaults.require_spoken, |v| v != 0),
        min_level: level.unwrap_or(defaults.min_level),
        sender_may_claim: sender.map_or(defaults.sender_may_claim, |v| v != 0),
        max_claims_per_day: per_day.unwrap_or(defaults.max_claims_per_day),
    })
}

/// Stores one rule of a group. `key` must be one of [`RULE_KEYS`] (anything else changes nothing).
pub async fn set_rule(
    conn: &mut SqliteConnection,
    chat_id: i64,
    key: &str,
    value: i64,
) -> Result<bool, sqlx::Error> {
    let Some(column) = RULE_KEYS.iter().find(|k| **k == key) else {
        return Ok(false);
    };
    // The column name comes from the fixed list above, never from the member's text.
    let sql = format!(
        "INSERT INTO redpacket_rules (chat_id, {column}) VALUES (?, ?)
         ON CONFLICT (chat_id) DO UPDATE SET {column} = excluded.{column}"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(chat_id)
        .bind(value)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// How many shares a member claimed in a group since `since` (unix seconds).
pub async fn claims_since(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    since: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM redpacket_claims WHERE chat_id = ? AND user_id = ? AND claimed_at >= ?",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(since)
    .fetch_one(&mut *conn)
    .await
}

/// The member's share of a packet, if they claimed one.
pub async fn claimed(
    conn: &mut SqliteConnection,
    packet_id: i64,
    user_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT amount FROM redpacket_claims WHERE packet_id = ? AND user_id = ?")
        .bind(packet_id)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await
}

/// When the member last answered a quiz packet wrongly (or was refused a claim of a typed packet), if ever.
pub async fn quiz_wrong_at(
    conn: &mut SqliteConnection,
    packet_id: i64,
    user_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT wrong_at FROM redpacket_quiz_wrong WHERE packet_id = ? AND user_id = ?",
    )
    .bind(packet_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await
}

/// Records a wrong quiz answer (or a refused typed claim) at `now`, which starts the member's cool-down.
pub async fn set_quiz_wrong(
    conn: &mut SqliteConnection,
    packet_id: i64,
    chat_id: i64,
    user_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO redpacket_quiz_wrong (packet_id, chat_id, user_id, wrong_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (packet_id, user_id) DO UPDATE SET wrong_at = excluded.wrong_at",
    )
    .bind(packet_id)
    .bind(chat_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Pass and quiz packets with claims not yet announced, whose last announcement is at least `interval`
/// seconds old (or which have ended).
pub async fn due_announcements(
    conn: &mut SqliteConnection,
    now: i64,
    interval: i64,
) -> Result<Vec<Packet>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM redpackets WHERE mode <> 'grab'
           AND id IN (SELECT packet_id FROM redpacket_claims WHERE announced = 0)
           AND (status <> 'open' OR announced_at <= ?) ORDER BY id",
    )
    .bind(now - interval)
    .fetch_all(&mut *conn)
    .await
}

/// The message that lists a packet's claims, once it was sent.
pub async fn claims_message(
    conn: &mut SqliteConnection,
    packet_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT claims_message_id FROM redpackets WHERE id = ?")
        .bind(packet_id)
        .fetch_optional(&mut *conn)
        .await
        .map(Option::flatten)
}

/// Remembers (or, with `None`, forgets) the message that lists a packet's claims.
pub async fn set_claims_message(
    conn: &mut SqliteConnection,
    packet_id: i64,
    message_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE redpackets SET claims_message_id = ? WHERE id = ?")
        .bind(message_id)
        .bind(packet_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Takes the claims of a packet not yet announced, marking them announced at `now`.
pub async fn take_unannounced(
    conn: &mut SqliteConnection,
    packet_id: i64,
    now: i64,
) -> Result<Vec<Claim>, sqlx::Error> {
    let mut tx = conn.begin().await?;
    let claims: Vec<Claim> = sqlx::query_as(
        "SELECT user_id, user_name, position, amount, claimed_at FROM redpacket_claims
         WHERE packet_id = ? AND announced = 0 ORDER BY position",
    )
    .bind(packet_id)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("UPDATE redpacket_claims SET announced = 1 WHERE packet_id = ? AND announced = 0")
        .bind(packet_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE redpackets SET announced_at = ? WHERE id = ?")
        .bind(now)
        .bind(packet_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(claims)
}

/// One relay as stored.
#[derive(Debug, Clone, FromRow)]
pub struct Relay {
    pub id: i64,
    pub chat_id: i64,
    pub starter: i64,
    pub starter_name: String,
    /// Points of every round's packet.
    pub total: i64,
    /// Shares of every round's packet.
    pub count: i64,
    /// Seconds the asked member has to send the next round.
    pub deadline_secs: i64,
    /// The current round (1 = the starter's packet).
    pub round: i64,
    /// The current round's packet.
    pub packet_id: Option<i64>,
    pub status: RelayStatus,
    /// Who is asked to send the next round.
    pub next_user: Option<i64>,
    pub next_name: Option<String>,
    /// When the ask runs out.
    pub due_at: Option<i64>,
    /// Whether the asked member was reminded once.
    pub pinged: bool,
    /// The forum topic of the relay.
    pub thread_id: Option<i64>,
}

impl Relay {
    /// Whether it still goes on.
    pub fn is_live(&self) -> bool {
        matches!(self.status, RelayStatus::Running | RelayStatus::Asking)
    }
}

/// A relay to start.
#[derive(Debug, Clone)]
pub struct NewRelay<'a> {
    pub chat_id: i64,
    pub starter: i64,
    pub starter_name: &'a str,
    /// Points per round.
    pub total: i64,
    /// Shares per round.
    pub count: u32,
    /// Seconds for each ask.
    pub deadline_secs: i64,
    pub thread_id: Option<i64>,
    pub now: i64,
    /// When the first packet expires.
    pub expires_at: i64,
    /// The smallest share.
    pub min_share: i64,
}

/// Starts a relay with its first packet, paid by the starter, inside the caller's transaction.
pub async fn start_relay(
    conn: &mut SqliteConnection,
    new: &NewRelay<'_>,
    seed: &Seed,
) -> Result<(Relay, Packet), CreateError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO redpacket_relays (chat_id, starter, starter_name, total, count, deadline_secs,
                                       thread_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.chat_id)
    .bind(new.starter)
    .bind(new.starter_name)
    .bind(new.total)
    .bind(i64::from(new.count))
    .bind(new.deadline_secs)
    .bind(new.thread_id)
    .bind(new.now)
    .fetch_one(&mut *conn)
    .await?;
    let packet = create(
        conn,
        &relay_packet(new.chat_id, new.starter, new.starter_name, new, id, 1),
        seed,
    )
    .await?;
    sqlx::query("UPDATE redpacket_relays SET packet_id = ? WHERE id = ?")
        .bind(packet.id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let relay = get_relay(conn, id)
        .await?
        .expect("the relay was just inserted");
    Ok((relay, packet))
}

fn relay_packet<'a>(
    chat_id: i64,
    sender: i64,
    sender_name: &'a str,
    new: &NewRelay<'_>,
    relay_id: i64,
    round: i64,
) -> NewPacket<'a> {
    NewPacket {
        chat_id,
        sender,
        sender_name,
        kind: PacketKind::Lucky,
        total: new.total,
        count: new.count,
        min_share: new.min_share,
        target: None,
        message: "",
        from_mint: false,
        thread_id: new.thread_id,
        now: new.now,
        expires_at: new.expires_at,
        mode: ClaimMode::Grab,
        relay: Some((relay_id, round)),
    }
}

/// A relay by id.
pub async fn get_relay(conn: &mut SqliteConnection, id: i64) -> Result<Option<Relay>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM redpacket_relays WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
}

/// The group's most recent relay.
pub async fn latest_relay(
    conn: &mut SqliteConnection,
    chat_id: i64,
) -> Result<Option<Relay>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM redpacket_relays WHERE chat_id = ? ORDER BY id DESC LIMIT 1")
        .bind(chat_id)
        .fetch_optional(&mut *conn)
        .await
}

/// The group's relay that still goes on, if any.
pub async fn live_relay(
    conn: &mut SqliteConnection,
    chat_id: i64,
) -> Result<Option<Relay>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM redpacket_relays WHERE chat_id = ? AND status IN ('running', 'asking')
         ORDER BY id DESC LIMIT 1",
    )
    .bind(chat_id)
    .fetch_optional(&mut *conn)
    .await
}

/// Running relays whose current packet has ended (exhausted or expired), with that packet.
pub async fn relays_with_ended_packet(
    conn: &mut SqliteConnection,
) -> Result<Vec<(Relay, Packet)>, sqlx::Error> {
    let relays: Vec<Relay> = sqlx::query_as(
        "SELECT r.* FROM redpacket_relays r JOIN redpackets p ON p.id = r.packet_id
         WHERE r.status = 'running' AND p.status <> 'open' ORDER BY r.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut found = Vec::new();
    for relay in relays {
        if let Some(packet) = get(conn, relay.packet_id.unwrap_or_default()).await? {
            found.push((relay, packet));
        }
    }
    Ok(found)
}

/// Asks `user` to send round `round + 1` before `due_at`. Only a running relay is changed.
pub async fn ask(
    conn: &mut SqliteConnection,
    id: i64,
    user: i64,
    name: &str,
    due_at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE redpacket_relays SET status = 'asking', next_user = ?, next_name = ?, due_at = ?, pinged = 0
         WHERE id = ? AND status = 'running'",
    )
    .bind(user)
    .bind(name)
    .bind(due_at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends a live relay with `status` ([`RelayStatus::Ended`] or [`RelayStatus::Stopped`]). Returns whether it
/// was live.
pub async fn end_relay(
    conn: &mut SqliteConnection,
    id: i64,
    status: RelayStatus,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE redpacket_relays SET status = ?, ended_at = ?
         WHERE id = ? AND status IN ('running', 'asking')",
    )
    .bind(status)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Asking relays whose deadline has passed at `now`.
pub async fn overdue_relays(
    conn: &mut SqliteConnection,
    now: i64,
) -> Result<Vec<Relay>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM redpacket_relays WHERE status = 'asking' AND due_at <= ? ORDER BY id",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await
}

/// Notes the one reminder and moves the deadline to `due_at`.
pub async fn mark_pinged(
    conn: &mut SqliteConnection,
    id: i64,
    due_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE redpacket_relays SET pinged = 1, due_at = ? WHERE id = ? AND status = 'asking'",
    )
    .bind(due_at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What a press on a relay's button did.
#[derive(Debug)]
pub enum RelayPress {
    /// The next round's packet was created.
    Sent(Box<(Relay, Packet)>),
    /// The relay is not waiting for this round any more.
    Gone,
    /// Someone else was asked.
    NotYou,
    /// The asked member's wallet holds too little.
    Insufficient { balance: i64 },
}

/// The asked member presses the relay button for `round`: in one transaction their wallet pays the next
/// packet of the same total and count, and the relay moves on to that round.
#[allow(clippy::too_many_arguments)]
pub async fn press_relay(
    pool: &SqlitePool,
    id: i64,
    round: i64,
    user: i64,
    name: &str,
    now: i64,
    expires_at: i64,
    min_share: i64,
    seed: &Seed,
) -> Result<RelayPress, CreateError> {
    let mut tx = pool.begin().await?;
    let Some(relay) = get_relay(&mut tx, id).await? else {
        return Ok(RelayPress::Gone);
    };
    if relay.status != RelayStatus::Asking || relay.round + 1 != round {
        return Ok(RelayPress::Gone);
    }
    if relay.next_user != Some(user) {
        return Ok(RelayPress::NotYou);
    }
    let new = NewRelay {
        chat_id: relay.chat_id,
        starter: relay.starter,
        starter_name: &relay.starter_name,
        total: relay.total,
        count: u32::try_from(relay.count).unwrap_or(1),
        deadline_secs: relay.deadline_secs,
        thread_id: relay.thread_id,
        now,
        expires_at,
        min_share,
    };
    let packet = match create(
        &mut tx,
        &relay_packet(relay.chat_id, user, name, &new, id, round),
        seed,
    )
    .await
    {
        Ok(packet) => packet,
        Err(CreateError::Insufficient { balance }) => {
            return Ok(RelayPress::Insufficient { balance })
        }
        Err(err) => return Err(err),
    };
    sqlx::query(
        "UPDATE redpacket_relays SET status = 'running', round = ?, packet_id = ?, next_user = NULL,
             next_name = NULL, due_at = NULL, pinged = 0 WHERE id = ?",
    )
    .bind(round)
    .bind(packet.id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let relay = get_relay(&mut tx, id).await?.expect("the relay exists");
    tx.commit().await?;
    Ok(RelayPress::Sent(Box::new((relay, packet))))
}

/// Every claim of a relay's packets as (packet sender, claimer, amount), with the names last used.
pub async fn relay_claims(
    conn: &mut SqliteConnection,
    relay_id: i64,
) -> Result<Vec<(i64, String, i64, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.sender, p.sender_name, c.user_id, c.user_name, c.amount
         FROM redpacket_claims c JOIN redpackets p ON p.id = c.packet_id
         WHERE p.relay_id = ? ORDER BY p.relay_round, c.position",
    )
    .bind(relay_id)
    .fetch_all(&mut *conn)
    .await
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
            mode: ClaimMode::Grab,
            relay: None,
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
        let first = grab(
            &Storage::from_pool(pool.clone()),
            -5,
            packet.id,
            2,
            "A",
            Some(9),
            110,
        )
        .await
        .unwrap();
        let Grab::Claimed { amount, exhausted } = first else {
            panic!("{first:?}")
        };
        assert!(!exhausted);
        assert_eq!(
            grab(
                &Storage::from_pool(pool.clone()),
                -5,
                packet.id,
                2,
                "A",
                Some(9),
                111
            )
            .await
            .unwrap(),
            Grab::AlreadyGrabbed { amount }
        );
        assert_eq!(
            grab(
                &Storage::from_pool(pool.clone()),
                -6,
                packet.id,
                3,
                "B",
                None,
                111
            )
            .await
            .unwrap(),
            Grab::Unknown
        );
        assert_eq!(expire_due(&pool, 199).await.unwrap(), Vec::<i64>::new());
        assert_eq!(expire_due(&pool, 200).await.unwrap(), vec![packet.id]);
        assert_eq!(
            grab(
                &Storage::from_pool(pool.clone()),
                -5,
                packet.id,
                3,
                "B",
                None,
                201
            )
            .await
            .unwrap(),
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
            (stored.status, stored.refunded),
            (PacketStatus::Expired, 60 - amount)
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
        let a = grab(
            &Storage::from_pool(pool.clone()),
            -5,
            packet.id,
            2,
            "A",
            None,
            101,
        )
        .await
        .unwrap();
        let b = grab(
            &Storage::from_pool(pool.clone()),
            -5,
            packet.id,
            3,
            "B",
            None,
            101,
        )
        .await
        .unwrap();
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
            grab(
                &Storage::from_pool(pool.clone()),
                -5,
                packet.id,
                4,
                "C",
                None,
                102
            )
            .await
            .unwrap(),
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

    #[sqlx::test]
    async fn a_relay_round_is_paid_only_by_the_asked_member(pool: SqlitePool) {
        fund(&pool, -5, 1, 100).await;
        fund(&pool, -5, 2, 10).await;
        let new = NewRelay {
            chat_id: -5,
            starter: 1,
            starter_name: "Sam",
            total: 30,
            count: 1,
            deadline_secs: 600,
            thread_id: None,
            now: 100,
            expires_at: 10_000,
            min_share: 1,
        };
        let mut tx = pool.begin().await.unwrap();
        let (relay, packet) = start_relay(&mut tx, &new, &Seed::from_bytes([3; 32]))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!((relay.round, relay.packet_id), (1, Some(packet.id)));
        assert_eq!(packet.relay_id, Some(relay.id));
        grab(
            &Storage::from_pool(pool.clone()),
            -5,
            packet.id,
            2,
            "Bo",
            None,
            101,
        )
        .await
        .unwrap();
        let mut conn = pool.acquire().await.unwrap();
        let ended = relays_with_ended_packet(&mut conn).await.unwrap();
        assert_eq!(ended.len(), 1);
        assert!(ask(&mut conn, relay.id, 2, "Bo", 700).await.unwrap());
        drop(conn);
        let seed = Seed::from_bytes([4; 32]);
        let press = |user: i64, round: i64| {
            let pool = pool.clone();
            let seed = seed.clone();
            async move {
                press_relay(&pool, relay.id, round, user, "X", 200, 10_000, 1, &seed)
                    .await
                    .unwrap()
            }
        };
        assert!(matches!(press(3, 2).await, RelayPress::NotYou));
        assert!(matches!(press(2, 3).await, RelayPress::Gone));
        // Bo holds 10 + 30 = 40: enough for one round of 30.
        let RelayPress::Sent(sent) = press(2, 2).await else {
            panic!("the asked member's press sends the round")
        };
        let (relay, second) = *sent;
        assert_eq!((relay.round, relay.status), (2, RelayStatus::Running));
        assert_eq!((second.sender, second.total), (2, 30));
        assert!(matches!(press(2, 2).await, RelayPress::Gone));
        grab(
            &Storage::from_pool(pool.clone()),
            -5,
            second.id,
            1,
            "Sam",
            None,
            201,
        )
        .await
        .unwrap();
        let mut conn = pool.acquire().await.unwrap();
        assert!(ask(&mut conn, relay.id, 1, "Sam", 800).await.unwrap());
        drop(conn);
        ledger::transfer(
            &mut pool.acquire().await.unwrap(),
            &Move {
                chat_id: -5,
                from: Account::Wallet(1),
                to: Account::Mint,
                amount: 80,
                reason: "test",
                actor: None,
                reference: None,
                at: 0,
            },
        )
        .await
        .unwrap();
        assert!(matches!(
            press(1, 3).await,
            RelayPress::Insufficient { balance: 20 }
        ));
        let mut conn = pool.acquire().await.unwrap();
        let claims = relay_claims(&mut conn, relay.id).await.unwrap();
        let triples: Vec<(i64, i64, i64)> = claims.iter().map(|c| (c.0, c.2, c.4)).collect();
        assert_eq!(triples, vec![(1, 2, 30), (2, 1, 30)]);
        assert!(end_relay(&mut conn, relay.id, RelayStatus::Stopped, 300)
            .await
            .unwrap());
        assert!(!end_relay(&mut conn, relay.id, RelayStatus::Ended, 301)
            .await
            .unwrap());
        assert_eq!(ledger::economy_sum(&mut conn, -5).await.unwrap(), 0);
    }

    #[sqlx::test]
    async fn rules_fall_back_to_the_defaults_per_key(pool: SqlitePool) {
        let defaults = Rules {
            min_member_hours: 1,
            require_spoken: false,
            min_level: 0,
            sender_may_claim: true,
            max_claims_per_day: 0,
        };
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(rules(&mut conn, -5, defaults).await.unwrap(), defaults);
        assert!(set_rule(&mut conn, -5, "require_spoken", 1).await.unwrap());
        assert!(set_rule(&mut conn, -5, "max_claims_per_day", 3)
            .await
            .unwrap());
        assert!(!set_rule(&mut conn, -5, "chat_id", 3).await.unwrap());
        let got = rules(&mut conn, -5, defaults).await.unwrap();
        assert_eq!(
            got,
            Rules {
                require_spoken: true,
                max_claims_per_day: 3,
                ..defaults
            }
        );
        assert_eq!(rules(&mut conn, -6, defaults).await.unwrap(), defaults);
    }
}
