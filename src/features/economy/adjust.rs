//! `/give` and `/take`: admins move points between the mint and a member.

use super::call::{display_name, EconomyCall};
use super::checkin::level_up;
use super::ledger;
use crate::fargs;
use crate::telegram::admins::Right;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use ledger::{Account, LedgerError, Move};

impl EconomyCall<'_> {
    pub(super) async fn adjust(&self, args: &str, give: bool) -> HandlerResult {
        if !self.allowed(Right::Restrict).await? {
            return Ok(());
        }
        let usage = if give {
            "economy-give-usage"
        } else {
            "economy-take-usage"
        };
        let Some((target, rest)) = self.target(args, usage).await? else {
            return Ok(());
        };
        let (amount_text, note) = match rest.trim().split_once(char::is_whitespace) {
            Some((amount, note)) => (amount, note.trim()),
            None => (rest.trim(), ""),
        };
        if amount_text.is_empty() {
            self.say(self.t(usage));
            return Ok(());
        }
        let amount =
            match crate::args::parse_amount(amount_text, self.ctx.config.economy.max_amount) {
                Ok(amount) => amount,
                Err(err) => {
                    self.say(self.amount_error(&err));
                    return Ok(());
                }
            };
        let note: String = note.chars().take(100).collect();
        let reference = (!note.is_empty()).then(|| format!("note:{note}"));
        let (from, to, reason) = if give {
            (
                Account::Mint,
                Account::Wallet(target.user_id),
                ledger::reason::ADMIN_GIVE,
            )
        } else {
            (
                Account::Wallet(target.user_id),
                Account::Mint,
                ledger::reason::ADMIN_TAKE,
            )
        };
        let mut tx = self.ctx.storage.write.begin().await?;
        let earned_before = crate::facts::earned(&mut tx, self.chat_id, target.user_id).await?;
        let moved = ledger::transfer(
            &mut tx,
            &Move {
                chat_id: self.chat_id,
                from,
                to,
                amount,
                reason,
                actor: Some(self.sender_id),
                reference: reference.as_deref(),
                at: self.ctx.now(),
            },
        )
        .await;
        match moved {
            Ok(_) => {}
            Err(LedgerError::Insufficient { balance }) => {
                tx.rollback().await?;
                self.say_html(self.ta("economy-take-short",
                    &fargs! {"target" => target.mention_html(), "balance" => balance, "amount" => amount},
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
            ledger::balance(&mut tx, self.chat_id, Account::Wallet(target.user_id)).await?;
        let earned_after = crate::facts::earned(&mut tx, self.chat_id, target.user_id).await?;
        let up = level_up(&mut tx, self.chat_id, earned_before, earned_after).await?;
        tx.commit().await?;
        let mut text = self.ta(if give {
                "economy-give-done"
            } else {
                "economy-take-done"
            },
            &fargs! {
                "admin" => self.ctx.member_html(self.lang, self.sender_id, &display_name(self.message)),
                "target" => target.mention_html(),
                "amount" => amount,
                "balance" => balance,
            },
        );
        if !note.is_empty() {
            text.push('\n');
            text.push_str(&self.ta("economy-note", &fargs! {"note" => escape(&note)}));
        }
        if let Some((level, title)) = up {
            text.push('\n');
            text.push_str(&self.ta("economy-levelup",
                &fargs! {"name" => escape(&target.name), "level" => level, "title" => escape(&title)},
            ));
        }
        self.say_html(text);
        Ok(())
    }
}
