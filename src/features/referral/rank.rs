//! The leaderboard of valid referrals: `/rank invites …` and `/invites top …`.

use super::*;

impl Call<'_> {
    /// The leaderboard of valid referrals that became valid in `board`'s period (weeks and months as the
    /// economy's `/rank` cuts them: in the group's time zone, from its sign-in reset hour).
    pub(super) async fn top_invites(&self, board: Board) -> HandlerResult {
        let ctx = self.ctx;
        let day = crate::facts::group_day(ctx, self.chat_id).await?;
        let mut conn = ctx.storage.read.acquire().await?;
        let rows = store::top_inviters(
            &mut conn,
            self.chat_id,
            board.since(ctx.now(), day.tz, day.reset_hour),
            ctx.config.referral.top as i64,
        )
        .await?;
        let title = ctx.t(self.lang, &format!("referral-top-title-{}", board.word()));
        if rows.is_empty() {
            self.say(format!(
                "{title}\n{}",
                ctx.t(self.lang, "referral-top-empty")
            ));
            return Ok(());
        }
        let mut text = format!("<b>{}</b>\n", escape(&title));
        for (place, (user_id, count)) in rows.into_iter().enumerate() {
            let name = name_of(&mut conn, user_id).await?;
            text.push_str(&ctx.ta(
                self.lang,
                "referral-top-line",
                &fargs! {"place" => place as i64 + 1, "member" => mention_html(user_id, &name), "count" => count},
            ));
            text.push('\n');
        }
        self.say_html(text);
        Ok(())
    }
}
