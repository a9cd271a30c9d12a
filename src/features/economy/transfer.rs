//! `/transfer`: a member pays another.

use super::call::EconomyCall;
use super::ledger;
use crate::fargs;
use crate::telegram::HandlerResult;
use ledger::{Account, LedgerError, Move};

/// How a transfer's unit of work ended. A refusal wrote nothing: the ledger undoes a refused move itself.
enum Transfer {
    /// The points moved; the sender's balance after the move.
    Done { balance: i64 },
    /// The move would pass the daily limit; what the sender already sent today.
    OverLimit { sent: i64 },
    /// The sender holds too few points.
    Short { balance: i64 },
    /// The receiver's balance would overflow.
    Overflow,
}

impl EconomyCall<'_> {
    pub(super) async fn transfer(&self, args: &str) -> HandlerResult {
        let settings = &self.ctx.config.economy;
        if !settings.transfer_enabled {
            self.say(self.t("economy-transfer-off"));
            return Ok(());
        }
        let Some((target, rest)) = self.target(args, "economy-transfer-usage").await? else {
            return Ok(());
        };
        if target.user_id == self.sender_id {
            self.say(self.t("economy-transfer-self"));
            return Ok(());
        }
        let amount_text = rest.split_whitespace().next().unwrap_or("");
        if amount_text.is_empty() {
            self.say(self.t("economy-transfer-usage"));
            return Ok(());
        }
        let amount = match crate::args::parse_amount(amount_text, settings.max_amount) {
            Ok(amount) => amount,
            Err(err) => {
                self.say(self.amount_error(&err));
                return Ok(());
            }
        };
        let clock = crate::facts::group_day(self.ctx, self.chat_id).await?;
        let now = self.ctx.now();
        let since = clock.start(clock.today(now));
        // The limit check, the move and the new balance are one unit of work on the writer: the reply
        // goes out only once the move is committed.
        let daily_limit = settings.transfer_daily_limit;
        let (chat_id, sender_id, target_id) = (self.chat_id, self.sender_id, target.user_id);
        let outcome = self
            .ctx
            .storage
            .commit(move |conn| {
                Box::pin(async move {
                    if daily_limit > 0 {
                        let sent = ledger::sent_since(
                            conn,
                            chat_id,
                            sender_id,
                            ledger::reason::TRANSFER,
                            since,
                        )
                        .await?;
                        if sent + amount > daily_limit {
                            return Ok(Transfer::OverLimit { sent });
                        }
                    }
                    let moved = ledger::transfer(
                        conn,
                        &Move {
                            chat_id,
                            from: Account::Wallet(sender_id),
                            to: Account::Wallet(target_id),
                            amount,
                            reason: ledger::reason::TRANSFER,
                            actor: None,
                            reference: None,
                            at: now,
                        },
                    )
                    .await;
                    match moved {
                        Ok(_) => {}
                        Err(LedgerError::Insufficient { balance }) => {
                            return Ok(Transfer::Short { balance })
                        }
                        Err(LedgerError::Overflow) => return Ok(Transfer::Overflow),
                        Err(err) => return Err(crate::Error::from(err)),
                    }
                    let balance =
                        ledger::balance(conn, chat_id, Account::Wallet(sender_id)).await?;
                    Ok(Transfer::Done { balance })
                })
            })
            .await?;
        let balance = match outcome {
            Transfer::Done { balance } => balance,
            Transfer::OverLimit { sent } => {
                self.say(self.ta(
                    "economy-transfer-limit",
                    &fargs! {
                        "limit" => daily_limit,
                        "left" => (daily_limit - sent).max(0),
                    },
                ));
                return Ok(());
            }
            Transfer::Short { balance } => {
                self.say(self.ta(
                    "economy-transfer-short",
                    &fargs! {"balance" => balance, "amount" => amount},
                ));
                return Ok(());
            }
            Transfer::Overflow => {
                self.say(self.t("economy-overflow"));
                return Ok(());
            }
        };
        self.say_html(self.ta(
            "economy-transfer-done",
            &fargs! {"target" => target.mention_html(), "amount" => amount, "balance" => balance},
        ));
        Ok(())
    }
}
