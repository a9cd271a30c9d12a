//! `/give` and `/take`: admins move points between the mint and a member.

use super::call::{display_name, EconomyCall};
use super::checkin::level_up;
use super::ledger;
use crate::fargs;
use crate::telegram::admins::Right;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use ledger::{Account, LedgerError, Move};

/// How a `/give` or `/take` unit of work ended. A refusal wrote nothing: the ledger undoes a refused
/// move itself.
enum Adjusted {
    /// The points moved: the member's balance after, and what they had earned before.
    Done { balance: i64, earned_before: i64 },
    /// The member holds too few points for `/take`.
    Short { balance: i64 },
    /// The member's balance would overflow.
    Overflow,
}

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
        // The move and the reads around it are one unit of work on the writer; the reply goes out
        // only once the move is committed.
        let (chat_id, target_id, actor, at) =
            (self.chat_id, target.user_id, self.sender_id, self.ctx.now());
        let outcome = self
            .ctx
            .storage
            .commit(move |conn| {
                Box::pin(async move {
                    let earned_before = crate::facts::earned(conn, chat_id, target_id).await?;
                    let moved = ledger::transfer(
                        conn,
                        &Move {
                            chat_id,
                            from,
                            to,
                            amount,
                            reason,
                            actor: Some(actor),
                            reference: reference.as_deref(),
                            at,
                        },
                    )
                    .await;
                    match moved {
                        Ok(_) => {}
                        Err(LedgerError::Insufficient { balance }) => {
                            return Ok(Adjusted::Short { balance })
                        }
                        Err(LedgerError::Overflow) => return Ok(Adjusted::Overflow),
                        Err(err) => return Err(crate::Error::from(err)),
                    }
                    let balance =
                        ledger::balance(conn, chat_id, Account::Wallet(target_id)).await?;
                    Ok(Adjusted::Done {
                        balance,
                        earned_before,
                    })
                })
            })
            .await?;
        let (balance, earned_before) = match outcome {
            Adjusted::Done {
                balance,
                earned_before,
            } => (balance, earned_before),
            Adjusted::Short { balance } => {
                self.say_html(self.ta("economy-take-short",
                    &fargs! {"target" => target.mention_html(), "balance" => balance, "amount" => amount},
                ));
                return Ok(());
            }
            Adjusted::Overflow => {
                self.say(self.t("economy-overflow"));
                return Ok(());
            }
        };
        // The move is one between the group's mint and the member's wallet: what the member earned
        // changes by exactly its amount.
        let earned_after = if give {
            earned_before + amount
        } else {
            earned_before - amount
        };
        let mut conn = self.ctx.storage.read.acquire().await?;
        let up = level_up(&mut conn, self.chat_id, earned_before, earned_after).await?;
        drop(conn);
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
