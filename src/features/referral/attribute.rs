//! Attributing joins through the bot's links: every join counts for the channel funnel, and a join through
//! a member's link starts a referral (pending, or void from the start). A join that closes an invite ring
//! voids the referral that went the other way too, taking its paid reward back through the ledger.

use super::rules::{self, RingUndo, VoidReason};
use super::store::{self, LinkKind};
use crate::features::economy::ledger::{self, Account, Move};
use crate::services::Ctx;

/// Reads the joins the activity writer stored since the last pass and records those through the bot's
/// links: every one for the channel funnel, and a referral (pending or void from the start) for member
/// links.
pub(super) async fn attribute_joins(ctx: &Ctx) -> crate::Result<()> {
    {
        // Most passes find nothing new: look on a read connection before taking the writer.
        let mut conn = ctx.storage.read.acquire().await?;
        if store::last_event_id(&mut conn).await? <= store::cursor(&mut conn).await? {
            return Ok(());
        }
    }
    let mut tx = ctx.storage.write.begin().await?;
    let after = store::cursor(&mut tx).await?;
    let upto = store::last_event_id(&mut tx).await?;
    if upto <= after {
        return Ok(());
    }
    for join in store::link_joins(&mut tx, after, upto).await? {
        store::insert_join(&mut tx, &join).await?;
        if join.kind != LinkKind::Member {
            continue;
        }
        let facts = rules::JoinFacts {
            inviter: join.owner_id,
            invitee: join.user_id,
            known_before: store::known_before(
                &mut tx,
                join.chat_id,
                join.user_id,
                join.event_id,
                join.at,
            )
            .await?,
            inviter_was_invited_by_invitee: store::invited_by(
                &mut tx,
                join.chat_id,
                join.owner_id,
                join.user_id,
            )
            .await?,
        };
        let void = rules::at_join(&facts);
        store::insert_referral(&mut tx, &join, void).await?;
        if void == Some(VoidReason::Ring) {
            undo_reverse_leg(&mut tx, &join).await?;
        }
    }
    store::set_cursor(&mut tx, upto).await?;
    tx.commit().await?;
    Ok(())
}

/// The journal reason of a referral reward taken back because the referral turned out to be one leg of a
/// ring.
const REVERSAL_REASON: &str = "referral_reversal";

/// A join through `join.owner_id`'s link closed a ring: the new invitee had brought the link's owner in
/// earlier. That earlier referral is voided too (`ring`); when it was already valid and paid, its reward goes
/// back from the inviter's wallet to the mint through the ledger (journal reason `referral_reversal`,
/// reference `referral:<invitee>`), as much of it as the wallet still holds.
async fn undo_reverse_leg(
    conn: &mut sqlx::SqliteConnection,
    join: &store::LinkJoin,
) -> crate::Result<()> {
    let (inviter, invitee) = (join.user_id, join.owner_id);
    let Some((id, status, reward)) =
        store::referral_between(conn, join.chat_id, inviter, invitee).await?
    else {
        return Ok(());
    };
    let balance = ledger::balance(conn, join.chat_id, Account::Wallet(inviter)).await?;
    let Some(undo) = rules::undo_ring(status, reward, balance) else {
        return Ok(());
    };
    let taken = match undo {
        RingUndo::VoidPending => 0,
        RingUndo::VoidValid { take_back: 0 } => 0,
        RingUndo::VoidValid { take_back } => {
            let reference = format!("referral:{invitee}");
            ledger::transfer(
                conn,
                &Move {
                    chat_id: join.chat_id,
                    from: Account::Wallet(inviter),
                    to: Account::Mint,
                    amount: take_back,
                    reason: REVERSAL_REASON,
                    actor: None,
                    reference: Some(&reference),
                    at: join.at,
                },
            )
            .await?;
            take_back
        }
    };
    store::void_for_ring(conn, id, reward - taken, join.at).await?;
    tracing::info!(
        chat_id = join.chat_id,
        inviter,
        invitee,
        taken,
        "invite ring: the earlier referral is void too"
    );
    Ok(())
}
