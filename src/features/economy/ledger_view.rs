//! `/ledger`: a member's recent journal entries.

use super::call::{display_name, EconomyCall};
use super::ledger;
use crate::fairness::Kind;
use crate::fargs;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use ledger::{Account, EscrowKind};

/// The other side of an entry for the member whose wallet it touched: where points came from when they
/// arrived, where they went when they left.
fn counterpart(entry: &ledger::Entry, user_id: i64) -> Account {
    if entry.to == Account::Wallet(user_id) {
        entry.from
    } else {
        entry.to
    }
}

/// How many entries `/ledger` shows.
pub(super) const LEDGER_ENTRIES: u32 = 20;
impl EconomyCall<'_> {
    pub(super) async fn ledger(&self, args: &str) -> HandlerResult {
        let args = args.trim();
        let wants_other =
            !args.is_empty() || crate::telegram::replied_message(self.message).is_some();
        let (user_id, name) = if wants_other {
            let Some((target, _)) = self.target(args, "economy-ledger-usage").await? else {
                return Ok(());
            };
            if target.user_id != self.sender_id
                && self.ctx.admins.sender_rights(self.message).await?.is_none()
            {
                self.say(self.t("economy-ledger-own-only"));
                return Ok(());
            }
            (target.user_id, target.name)
        } else {
            (self.sender_id, display_name(self.message))
        };
        let clock = crate::facts::group_day(self.ctx, self.chat_id).await?;
        let mut conn = self.ctx.storage.read.acquire().await?;
        let entries = ledger::entries_for(&mut conn, self.chat_id, user_id, LEDGER_ENTRIES).await?;
        let balance = ledger::balance(&mut conn, self.chat_id, Account::Wallet(user_id)).await?;
        let others: Vec<i64> = entries
            .iter()
            .filter_map(|entry| match counterpart(entry, user_id) {
                Account::Wallet(other) => Some(other),
                _ => None,
            })
            .collect();
        let names = crate::storage::members::names(&mut conn, &others).await?;
        let mut text = format!(
            "<b>{}</b>\n",
            escape(&self.ta(
                "economy-ledger-title",
                &fargs! {"name" => name, "balance" => balance},
            ))
        );
        if entries.is_empty() {
            text.push_str(&self.t_html("economy-ledger-empty"));
        }
        for entry in &entries {
            let delta = entry.delta_for(Account::Wallet(user_id));
            let when = chrono::DateTime::from_timestamp(entry.at, 0)
                .map(|t| t.with_timezone(&clock.tz).format("%m-%d %H:%M").to_string())
                .unwrap_or_default();
            let reason_id = format!("economy-reason-{}", entry.reason);
            let mut reason = self.t(&reason_id);
            if reason == reason_id {
                reason = entry.reason.clone();
            }
            let note = entry
                .reference
                .as_deref()
                .and_then(|r| r.strip_prefix("note:"))
                .map(|note| format!(" · {note}"))
                .unwrap_or_default();
            let with = match counterpart(entry, user_id) {
                Account::Wallet(other) => {
                    let name = self.ctx.member_name(
                        self.lang,
                        other,
                        names.get(&other).map(String::as_str),
                    );
                    let id = if delta > 0 {
                        "economy-ledger-from"
                    } else {
                        "economy-ledger-to"
                    };
                    format!(" · {}", self.ta(id, &fargs! {"name" => name}))
                }
                // The reason already says red packet or lottery: the id says which (`红包 P8`).
                Account::Escrow { kind, id } => {
                    let kind = match kind {
                        EscrowKind::Packet => Kind::Packet,
                        EscrowKind::Lottery => Kind::Lottery,
                    };
                    format!(" {}", crate::fairness::display_id(kind, id))
                }
                Account::Mint => String::new(),
            };
            text.push_str(&format!(
                "{when} {delta:+} {}{}{}\n",
                escape(&reason),
                escape(&with),
                escape(&note)
            ));
        }
        self.say_html_long(text).await?;
        Ok(())
    }
}
