//! `/export [7d|30d|90d]`: the daily and members CSV files.

use super::*;

impl Call<'_> {
    pub(super) async fn export(&self, args: &str) -> HandlerResult {
        let Some(window) = self.period(args).await? else {
            return Ok(());
        };
        let ctx = self.ctx;
        let summary = super::review::compute(ctx, self.chat_id, &window, 0).await?;
        let members = {
            let mut conn = ctx.storage.read.acquire().await?;
            let mut members = store::export_members(&mut conn, self.chat_id).await?;
            // Levels are the economy's (its level table, over the points earned from the mint), so the
            // file agrees with /me; what every member earned is read in one grouped query.
            let levels = crate::facts::levels(&mut conn, self.chat_id).await?;
            let earned = crate::facts::earned_by_member(&mut conn, self.chat_id).await?;
            for member in &mut members {
                let points = earned.get(&member.user_id).copied().unwrap_or(0);
                let (index, title) = levels.level_for(points);
                member.level = format!("LV{} {}", index + 1, title);
            }
            members
        };
        self.say(ctx.ta(
            self.lang,
            "referral-export-sent",
            &fargs! {"days" => window.days, "members" => members.len() as i64},
        ));
        self.send_file(
            stats::daily_csv(&summary.daily).into_bytes(),
            "daily.csv",
            false,
        );
        self.send_file(
            stats::members_csv(&members, window.offset).into_bytes(),
            "members.csv",
            false,
        );
        Ok(())
    }
}
