//! How long the bot's answers stay in a group. A short answer to a member's command (a profile, a ranking,
//! a usage line, a refusal, a wrong answer) is [`Lasting::Brief`]: it is deleted after `replies.ttl`,
//! together with the member's command when the bot may delete it. A note such as "sent you privately" is
//! [`Lasting::Note`] and goes after `replies.note_ttl`. Results that matter (packets, lottery posts,
//! moderation notices, welcomes) are [`Lasting::Kept`]. In private chats nothing is deleted.
//!
//! The deletions wait in the database (`storage::reply_deletions`), so a restart deletes them all the same;
//! [`tick`] deletes the due ones in batches of up to 100 per chat.

use super::{Ctx, Services};
use crate::storage::reply_deletions::{self, Queued};
use crate::telegram::admins::Right;
use crate::telegram::outbound::Text;
use futures::future::BoxFuture;
use futures::FutureExt;
use std::collections::BTreeMap;
use teloxide::types::{Message, MessageId};

/// The most due messages one pass of the ticker deletes.
const DELETIONS_PER_PASS: i64 = 1_000;

/// How long an answer stays in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lasting {
    /// It stays.
    Kept,
    /// It is deleted after `replies.ttl`, with the command it answers.
    Brief,
    /// It is deleted after `replies.note_ttl`, with the command it answers.
    Note,
}

tokio::task_local! {
    /// While a command an admin sent in private runs for the group they picked: (the group, the admin's
    /// private chat). Answers meant for that group go to the private chat instead.
    static ANSWER_IN_PRIVATE: (i64, i64);
}

/// Runs `work` (a command an admin sent in private, re-dispatched as if sent in `group`) so that its
/// answers to `group` go to the admin's private chat `private`.
pub async fn answering_in_private<F: std::future::Future>(
    group: i64,
    private: i64,
    work: F,
) -> F::Output {
    ANSWER_IN_PRIVATE.scope((group, private), work).await
}

/// Whether answers to `group` are going to an admin's private chat now (see [`answering_in_private`]).
pub fn answering_privately_for(group: i64) -> bool {
    ANSWER_IN_PRIVATE
        .try_with(|(answered, _)| *answered == group)
        .unwrap_or(false)
}

/// `text` sent where it should go: an answer to the group whose command an admin sent in private goes to
/// that private chat (still replying to their command there), everything else is unchanged.
pub fn redirected(mut text: Text) -> Text {
    if let Ok((group, private)) = ANSWER_IN_PRIVATE.try_with(|pair| *pair) {
        if text.chat_id == group {
            text.chat_id = private;
            text.thread_id = None;
        }
    }
    text
}

impl Services {
    /// How many seconds an answer of this kind stays in a group; `None` when it stays for good.
    pub fn lasting_secs(&self, lasting: Lasting) -> Option<i64> {
        let ttl = match lasting {
            Lasting::Kept => return None,
            Lasting::Brief => self.config.replies.ttl,
            Lasting::Note => self.config.replies.note_ttl,
        };
        Some(ttl.get().as_secs() as i64).filter(|secs| *secs > 0)
    }

    /// Sends `text`, answering `command` when given. When it goes to a group and `lasting` is not
    /// [`Lasting::Kept`], the sent message and the command are queued for deletion once the message is out.
    pub fn send_lasting(&self, text: Text, command: Option<&Message>, lasting: Lasting) {
        let text = redirected(text);
        let chat_id = text.chat_id;
        let pending = self.outbound.send_text(text);
        let Some(ttl) = self.lasting_secs(lasting).filter(|_| chat_id < 0) else {
            return;
        };
        // The member's command goes with the answer; a message the bot itself sent (a re-dispatched
        // command has the original sender) is never queued as a member's.
        let command = command
            .filter(|m| m.chat.id.0 == chat_id)
            .filter(|m| m.from.as_ref().is_none_or(|u| u.id != self.me.id))
            .map(|m| Queued {
                chat_id,
                message_id: m.id.0,
                own: false,
            });
        let (pool, clock) = (self.storage.write.clone(), self.clock.clone());
        self.tasks.spawn(async move {
            let Ok(sent) = pending.wait().await else {
                return;
            };
            let mut queued = vec![Queued {
                chat_id,
                message_id: sent.id.0,
                own: true,
            }];
            queued.extend(command);
            let now = clock.unix();
            let result = match pool.acquire().await {
                Ok(mut conn) => reply_deletions::queue(&mut conn, &queued, now, now + ttl).await,
                Err(err) => Err(err.into()),
            };
            if let Err(err) = result {
                tracing::warn!(%err, chat_id, "an answer could not be queued for deletion");
            }
        });
    }

    /// Replies to a message in plain text; in a group the reply (and the message) are deleted after
    /// `replies.ttl`.
    pub fn reply_brief(&self, message: &Message, text: impl Into<String>) {
        self.send_lasting(
            Text::plain(message.chat.id.0, text).reply_to(message),
            Some(message),
            Lasting::Brief,
        );
    }

    /// Replies to a message with HTML text; in a group the reply (and the message) are deleted after
    /// `replies.ttl`.
    pub fn reply_html_brief(&self, message: &Message, html: impl Into<String>) {
        self.send_lasting(
            Text::html(message.chat.id.0, html).reply_to(message),
            Some(message),
            Lasting::Brief,
        );
    }
}

/// Deletes the queued messages that are due: the bot's own in every case, members' commands only where the
/// bot holds the right to delete messages. Telegram skips messages already gone.
pub fn tick(ctx: Ctx) -> BoxFuture<'static, crate::Result<()>> {
    async move {
        let due = {
            let mut conn = ctx.storage.write.acquire().await?;
            reply_deletions::take_due(&mut conn, ctx.now(), DELETIONS_PER_PASS).await?
        };
        if due.is_empty() {
            return Ok(());
        }
        let mut by_chat: BTreeMap<(i64, bool), Vec<MessageId>> = BTreeMap::new();
        for message in due {
            by_chat
                .entry((message.chat_id, message.own))
                .or_default()
                .push(MessageId(message.message_id));
        }
        let mut sent = Vec::new();
        for ((chat_id, own), ids) in by_chat {
            if !own {
                match ctx.admins.bot_missing(chat_id, &[Right::Delete]).await {
                    Ok(None) => {}
                    Ok(Some(_)) => continue,
                    Err(err) => {
                        tracing::debug!(%err, chat_id, "the bot's rights are unknown; commands stay");
                        continue;
                    }
                }
            }
            for batch in ids.chunks(100) {
                sent.push((chat_id, ctx.outbound.delete_many(chat_id, batch.to_vec())));
            }
        }
        for (chat_id, pending) in sent {
            if let Err(err) = pending.wait().await {
                tracing::debug!(%err, chat_id, "expired answers could not be deleted");
            }
        }
        Ok(())
    }
    .boxed()
}
