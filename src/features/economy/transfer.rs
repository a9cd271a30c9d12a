//! `/transfer`: a member pays another.

use super::call::EconomyCall;
use super::ledger;
use crate::fargs;
use crate::telegram::HandlerResult;
use ledger::{Account, LedgerError, Move};

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
        let mut tx = self.ctx.storage.write.begin().await?;
        if settings.transfer_daily_limit > 0 {
            let sent = ledger::sent_since(
                &mut tx,
                self.chat_id,
                self.sender_id,
                ledger::reason::TRANSFER,
                since,
            )
            .await?;
            if sent + amount > settings.transfer_daily_limit {
                tx.rollback().await?;
                self.say(self.ta(
                    "economy-transfer-limit",
                    &fargs! {
                        "limit" => settings.transfer_daily_limit,
                        "left" => (settings.transfer_daily_limit - sent).max(0),
                    },
                ));
                return Ok(());
            }
        }
        let moved = ledger::transfer(
            &mut tx,
            &Move {
                chat_id: self.chat_id,
                from: Account::Wallet(self.sender_id),
                to: Account::Wallet(target.user_id),
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
                tx.rollback().await?;
                self.say(self.ta(
                    "economy-transfer-short",
                    &fargs! {"balance" => balance, "amount" => amount},
                ));
                return Ok(());
            }
            Err(LedgerError::Overflow) => {
                tx.rollback().await?;
                self.say(self.t("economy-overflow"));
                return Ok(());
            }
            Err(err) => return Err(err.into()),
        }
        let balance =
            ledger::balance(&mut tx, self.chat_id, Account::Wallet(self.sender_id)).await?;
        tx.commit().await?;
        self.say_html(self.ta(
            "economy-transfer-done",
            &fargs! {"target" => target.mention_html(), "amount" => amount, "balance" => balance},
        ));
        Ok(())
    }
}
