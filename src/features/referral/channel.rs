//! `/channel new <name>` and `/channel list`: channel links and their funnel.

use super::*;

impl Call<'_> {
    pub(super) async fn channel(&self, args: &str) -> HandlerResult {
        let (word, rest) = match args.split_once(char::is_whitespace) {
            Some((word, rest)) => (word, rest.trim()),
            None => (args, ""),
        };
        match word {
            "new" | "add" | "新建" => self.channel_new(rest).await,
            "list" | "列表" if rest.is_empty() => self.channel_list().await,
            _ => {
                self.say(self.ctx.t(self.lang, "referral-channel-usage"));
                Ok(())
            }
        }
    }

    pub(super) async fn channel_new(&self, name: &str) -> HandlerResult {
        let ctx = self.ctx;
        if let Some(refusal) = ctx.refusal(self.message, Right::Invite, self.lang).await? {
            self.say(refusal);
            return Ok(());
        }
        if !rules::valid_channel_name(name) {
            self.say(ctx.t(self.lang, "referral-channel-bad-name"));
            return Ok(());
        }
        {
            let mut conn = ctx.storage.read.acquire().await?;
            if store::channel_name_taken(&mut conn, self.chat_id, name).await? {
                self.say(ctx.ta(
                    self.lang,
                    "referral-channel-taken",
                    &fargs! {"name" => name.to_string()},
                ));
                return Ok(());
            }
        }
        if self.bot_cannot_invite().await? {
            return Ok(());
        }
        let Some(url) = self.create_link(name).await? else {
            return Ok(());
        };
        let creator = self
            .message
            .from
            .as_ref()
            .map_or(self.chat_id, |user| user.id.0 as i64);
        let mut conn = ctx.storage.write.acquire().await?;
        store::insert_link(
            &mut conn,
            self.chat_id,
            &url,
            "channel",
            creator,
            name,
            ctx.now(),
        )
        .await?;
        self.say_html(ctx.ta(
            self.lang,
            "referral-channel-created",
            &fargs! {"name" => escape(name), "link" => escape(&url)},
        ));
        Ok(())
    }

    pub(super) async fn channel_list(&self) -> HandlerResult {
        if !self.require_admin().await? {
            return Ok(());
        }
        let ctx = self.ctx;
        // Joins the ticker has not read yet are counted too.
        ctx.activity.flush().await;
        super::attribute::attribute_joins(ctx).await?;
        let mut conn = ctx.storage.read.acquire().await?;
        let rows = store::channel_funnel(&mut conn, self.chat_id, ctx.now()).await?;
        if rows.is_empty() {
            self.say(ctx.t(self.lang, "referral-channel-none"));
            return Ok(());
        }
        let mut text = format!(
            "<b>{}</b>\n",
            escape(&ctx.t(self.lang, "referral-channel-title"))
        );
        for row in rows {
            text.push_str(&ctx.ta(
                self.lang,
                "referral-channel-line",
                &fargs! {
                    "name" => escape(&row.name), "link" => escape(&row.url), "joins" => row.joins,
                    "verified" => row.verified, "stayed" => row.stayed, "spoke" => row.spoke
                },
            ));
            text.push('\n');
        }
        for piece in crate::telegram::text::split(&text, crate::telegram::text::MAX_TEXT) {
            self.say_html(piece);
        }
        Ok(())
    }
}
