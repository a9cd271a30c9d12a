//! `/me` and `/levels`: a member's standing and the group's levels.

use super::call::{display_name, EconomyCall};
use super::{ledger, store, streak};
use crate::fargs;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use ledger::Account;

impl EconomyCall<'_> {
    pub(super) async fn me(&self) -> HandlerResult {
        let clock = crate::facts::group_day(self.ctx, self.chat_id).await?;
        let now = self.ctx.now();
        let today = clock.today(now);
        let mut conn = self.ctx.storage.read.acquire().await?;
        let balance =
            ledger::balance(&mut conn, self.chat_id, Account::Wallet(self.sender_id)).await?;
        let earned = crate::facts::earned(&mut conn, self.chat_id, self.sender_id).await?;
        let levels = crate::facts::levels(&mut conn, self.chat_id).await?;
        let (level, title) = levels.level_for(earned);
        let last = store::last_checkin(&mut conn, self.chat_id, self.sender_id).await?;
        let cards = store::grace_cards(&mut conn, self.chat_id, self.sender_id).await?;
        let streak_now = streak::live_streak(
            last.as_ref().map(|l| l.day),
            last.as_ref()
                .map_or(0, |l| u32::try_from(l.streak).unwrap_or(u32::MAX)),
            today,
            cards,
        );
        let rank = ledger::wallet_rank(&mut conn, self.chat_id, self.sender_id).await?;
        let week_minute = (now - 7 * 86_400).div_euclid(60);
        let messages = store::messages_since(&mut conn, self.chat_id, week_minute)
            .await?
            .into_iter()
            .find(|(user, _)| *user == self.sender_id)
            .map_or(0, |(_, n)| n);
        let next = levels
            .next_level(earned)
            .map(|next| {
                self.ta(
                    "economy-me-next",
                    &fargs! {"left" => next.threshold - earned, "title" => escape(&next.title)},
                )
            })
            .unwrap_or_default();
        self.say_html_long(self.ta(
            "economy-me",
            &fargs! {
                "name" => escape(&display_name(self.message)),
                "balance" => balance,
                "level" => level + 1,
                "title" => escape(title),
                "next" => next,
                "streak" => streak_now,
                "cards" => cards,
                "rank" => rank,
                "messages" => messages,
            },
        ))
        .await?;
        Ok(())
    }

    pub(super) async fn levels(&self) -> HandlerResult {
        let mut conn = self.ctx.storage.read.acquire().await?;
        let levels = crate::facts::levels(&mut conn, self.chat_id).await?;
        let mut text = format!("<b>{}</b>\n", self.t_html("economy-levels-title"));
        for (index, level) in levels.as_slice().iter().enumerate() {
            text.push_str(&format!(
                "LV{} {} — {}\n",
                index + 1,
                escape(&level.title),
                level.threshold
            ));
        }
        text.push_str(&self.t_html("economy-levels-basis"));
        self.say_html(text);
        Ok(())
    }
}
