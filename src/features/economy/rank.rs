//! `/rank`: the group's leaderboards.

use super::call::EconomyCall;
use super::{ledger, store, wave};
use crate::fargs;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use ledger::Account;
use wave::{Period, RankKind};

/// How many members `/rank` lists.
pub(super) const RANK_TOP: usize = 10;
/// The most pending activity rows one pass of the ticker settles; the rest waits for the next pass.
impl EconomyCall<'_> {
    pub(super) async fn rank(&self, args: &str) -> HandlerResult {
        let Some((kind, period)) = wave::parse_rank_args(args) else {
            self.say(self.t("economy-rank-usage"));
            return Ok(());
        };
        let clock = crate::facts::group_day(self.ctx, self.chat_id).await?;
        let now = self.ctx.now();
        let today = clock.today(now);
        let first_day = wave::period_first_day(period, today);
        let mut conn = self.ctx.storage.read.acquire().await?;
        let rows = match (kind, first_day) {
            (RankKind::Points, None) => {
                let mut rows =
                    ledger::top_wallets(&mut conn, self.chat_id, RANK_TOP as u32).await?;
                let own = ledger::balance(&mut conn, self.chat_id, Account::Wallet(self.sender_id))
                    .await?;
                let position = ledger::wallet_rank(&mut conn, self.chat_id, self.sender_id).await?;
                rows.truncate(RANK_TOP);
                let own = (own > 0).then_some((position, own));
                return self.show_rank(&mut conn, kind, period, rows, own).await;
            }
            (RankKind::Points, Some(first)) => {
                store::points_gained_since(&mut conn, self.chat_id, clock.start(first)).await?
            }
            (RankKind::Checkin, first) => {
                store::all_checkin_counts(&mut conn, self.chat_id, first.unwrap_or(i64::MIN), today)
                    .await?
            }
            (RankKind::Messages, first) => {
                let since = first.map_or(i64::MIN, |first| clock.start(first).div_euclid(60));
                store::messages_since(&mut conn, self.chat_id, since).await?
            }
        };
        let own = rows
            .iter()
            .position(|(user, _)| *user == self.sender_id)
            .map(|index| (index as i64 + 1, rows[index].1));
        let top: Vec<(i64, i64)> = rows.into_iter().take(RANK_TOP).collect();
        self.show_rank(&mut conn, kind, period, top, own).await
    }

    pub(super) async fn show_rank(
        &self,
        conn: &mut sqlx::SqliteConnection,
        kind: RankKind,
        period: Period,
        top: Vec<(i64, i64)>,
        own: Option<(i64, i64)>,
    ) -> HandlerResult {
        let title = self.ta(
            "economy-rank-title",
            &fargs! {
                "kind" => self.t(&format!("economy-rank-kind-{}", kind.word())),
                "period" => self.t(&format!("economy-rank-period-{}", period.word())),
            },
        );
        let mut text = format!("<b>{}</b>\n", escape(&title));
        if top.is_empty() {
            text.push_str(&self.t_html("economy-rank-empty"));
            text.push('\n');
        }
        for (index, (user, value)) in top.iter().enumerate() {
            let name = crate::storage::members::get_user(conn, *user)
                .await?
                .map(|u| u.full_name())
                .unwrap_or_else(|| user.to_string());
            text.push_str(&format!("{}. {} — {value}\n", index + 1, escape(&name)));
        }
        text.push_str(&escape(&match own {
            Some((position, value)) => self.ta(
                "economy-rank-you",
                &fargs! {"position" => position, "value" => value},
            ),
            None => self.t("economy-rank-you-none"),
        }));
        self.say_html_long(text).await?;
        Ok(())
    }
}
