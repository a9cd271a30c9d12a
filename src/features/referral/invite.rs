//! `/invite` (a member's personal link), `/invites` (own counts) and the deletion of the link notices.

use super::*;

impl Call<'_> {
    /// The member's live personal link: the stored one while Telegram still accepts it, else a new one.
    pub(super) async fn personal_link(&self, user_id: i64) -> crate::Result<Option<String>> {
        let ctx = self.ctx;
        let existing = {
            let mut conn = ctx.storage.read.acquire().await?;
            store::member_link(&mut conn, self.chat_id, user_id).await?
        };
        if let Some(link) = existing {
            // Editing the link with its own name tells whether an admin revoked it outside the bot.
            match ctx
                .bot
                .edit_chat_invite_link(ChatId(self.chat_id), link.url.clone())
                .name(link.name.clone())
                .await
            {
                Ok(current) if !current.is_revoked => return Ok(Some(link.url)),
                Ok(_) | Err(RequestError::Api(_)) => {
                    tracing::info!(
                        chat_id = self.chat_id,
                        user_id,
                        "personal link revoked; making a new one"
                    );
                    let mut conn = ctx.storage.write.acquire().await?;
                    store::mark_revoked(&mut conn, link.id, ctx.now()).await?;
                }
                Err(err) => return Err(err.into()),
            }
        }
        let name = format!("ref:{user_id}");
        let Some(url) = self.create_link(&name).await? else {
            return Ok(None);
        };
        let mut conn = ctx.storage.write.acquire().await?;
        store::insert_link(
            &mut conn,
            self.chat_id,
            &url,
            "member",
            user_id,
            &name,
            ctx.now(),
        )
        .await?;
        Ok(Some(url))
    }

    pub(super) async fn invite(&self) -> HandlerResult {
        let Some(user) = self.member() else {
            self.say(self.ctx.t(self.lang, "referral-not-a-member"));
            return Ok(());
        };
        if self.bot_cannot_invite().await? {
            return Ok(());
        }
        let user_id = user.id.0 as i64;
        let Some(url) = self.personal_link(user_id).await? else {
            return Ok(());
        };
        let group = escape(self.message.chat.title().unwrap_or_default());
        let private = self.ctx.ta(
            self.lang,
            "referral-invite-private",
            &fargs! {"group" => group, "link" => escape(&url)},
        );
        let public = self.ctx.ta(
            self.lang,
            "referral-invite-public",
            &fargs! {"member" => mention_html(user_id, &crate::telegram::text::full_name(user)), "link" => escape(&url)},
        );
        let sent_privately = self.ctx.t(self.lang, "referral-invite-sent-private");
        let ctx = self.ctx.clone();
        let message = self.message.clone();
        let chat_id = self.chat_id;
        let delete_at = ctx.now() + ctx.config.referral.group_link_lifetime.get().as_secs() as i64;
        // The member gets the link in private when they have started the bot; otherwise it is posted in
        // the group and deleted after a while. Waiting for the private send happens off the shard.
        ctx.tasks.clone().spawn(async move {
            let direct = ctx
                .outbound
                .send_text(Text::html(user_id, private))
                .wait()
                .await;
            let notice = match direct {
                Ok(_) => Text::plain(chat_id, sent_privately),
                Err(_) => Text::html(chat_id, public),
            };
            match ctx
                .outbound
                .send_text(notice.reply_to(&message))
                .wait()
                .await
            {
                Ok(sent) => {
                    let stored = async {
                        let mut conn = ctx.storage.write.acquire().await?;
                        store::schedule_delete(&mut conn, chat_id, sent.id.0, delete_at).await
                    };
                    if let Err(err) = stored.await {
                        tracing::warn!(%err, chat_id, "could not schedule the link's deletion");
                    }
                }
                Err(err) => tracing::warn!(%err, chat_id, "could not post the invite notice"),
            }
        });
        Ok(())
    }

    pub(super) async fn invites(&self, args: &str) -> HandlerResult {
        let mut words = args.split_whitespace();
        match words.next() {
            None => self.own_invites().await,
            Some("top" | "rank" | "排行") => {
                let rest: Vec<&str> = words.collect();
                match Board::parse(&rest.join(" ")) {
                    Some(board) => self.top_invites(board).await,
                    None => {
                        self.say(self.ctx.t(self.lang, "referral-invites-usage"));
                        Ok(())
                    }
                }
            }
            Some(_) => {
                self.say(self.ctx.t(self.lang, "referral-invites-usage"));
                Ok(())
            }
        }
    }

    pub(super) async fn own_invites(&self) -> HandlerResult {
        let Some(user) = self.member() else {
            self.say(self.ctx.t(self.lang, "referral-not-a-member"));
            return Ok(());
        };
        let mut conn = self.ctx.storage.read.acquire().await?;
        let counts = store::invite_counts(&mut conn, self.chat_id, user.id.0 as i64).await?;
        let valid_after = crate::args::format_duration(self.ctx.config.referral.valid_after.get());
        self.say(self.ctx.ta(
            self.lang,
            "referral-invites-own",
            &fargs! {
                "pending" => counts.pending, "valid" => counts.valid, "void" => counts.void,
                "reward" => counts.reward, "days" => valid_after
            },
        ));
        Ok(())
    }
}

/// Deletes the `/invite` notices whose time in the group is over.
pub(super) async fn delete_notices(ctx: &Ctx) -> crate::Result<()> {
    let due = {
        let mut conn = ctx.storage.read.acquire().await?;
        if !store::any_delete_due(&mut conn, ctx.now()).await? {
            return Ok(());
        }
        drop(conn);
        let mut conn = ctx.storage.write.acquire().await?;
        store::take_due_deletes(&mut conn, ctx.now()).await?
    };
    for (chat_id, message_id) in due {
        ctx.outbound.delete(chat_id, MessageId(message_id));
    }
    Ok(())
}
