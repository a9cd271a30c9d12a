//! One command call and the one way commands answer it: [`Call`] knows the message, its chat, the language
//! to answer in, and replies in plain text or HTML (long HTML split into messages Telegram accepts).

use super::replies::Lasting;
use super::{Ctx, Services};
use crate::i18n::Lang;
use crate::telegram::admins::Right;
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, split_html, MAX_TEXT};
use fluent_bundle::FluentArgs;
use teloxide::types::Message;

/// One command call: where, by whom, in which language.
pub struct Call<'a> {
    /// The services.
    pub ctx: &'a Ctx,
    /// The command's message.
    pub message: &'a Message,
    /// The language the answer is in.
    pub lang: Lang,
    /// The chat the command was sent in.
    pub chat_id: i64,
}

impl<'a> Call<'a> {
    /// A call answered in the language of `message`'s chat (see [`Services::lang_for`]).
    pub async fn new(ctx: &'a Ctx, message: &'a Message) -> Call<'a> {
        let lang = ctx.lang_for(message).await;
        Call::in_lang(ctx, message, lang)
    }

    /// A call answered in `lang`.
    pub fn in_lang(ctx: &'a Ctx, message: &'a Message, lang: Lang) -> Call<'a> {
        Call {
            ctx,
            message,
            lang,
            chat_id: message.chat.id.0,
        }
    }

    /// The sender's user id (for a message sent as a chat, the account Telegram names as its sender).
    pub fn sender_id(&self) -> i64 {
        self.message
            .from
            .as_ref()
            .map(|user| user.id.0 as i64)
            .unwrap_or_default()
    }

    /// A message of the call's language.
    pub fn t(&self, id: &str) -> String {
        self.ctx.t(self.lang, id)
    }

    /// A message of the call's language, with arguments.
    pub fn ta(&self, id: &str, args: &FluentArgs) -> String {
        self.ctx.ta(self.lang, id, args)
    }

    /// A message of the call's language, escaped for HTML.
    pub fn t_html(&self, id: &str) -> String {
        self.ctx.t_html(self.lang, id)
    }

    /// Answers in plain text. In a group the answer is brief: it is deleted after `replies.ttl`, with
    /// the command (see [`Lasting::Brief`]).
    pub fn say(&self, text: String) {
        self.say_as(Lasting::Brief, text);
    }

    /// Answers in HTML; a text longer than one message is split into several, at line ends where it can
    /// and never inside a tag (see [`split_html`]). In a group the answer is brief, like [`Call::say`].
    pub fn say_html(&self, html: String) {
        self.say_html_as(Lasting::Brief, html);
    }

    /// Answers in plain text with an answer that stays in the group (a result that matters).
    pub fn say_kept(&self, text: String) {
        self.say_as(Lasting::Kept, text);
    }

    /// Answers in HTML with an answer that stays in the group (a result that matters).
    pub fn say_html_kept(&self, html: String) {
        self.say_html_as(Lasting::Kept, html);
    }

    /// Answers in plain text, staying in a group as long as `lasting` says.
    pub fn say_as(&self, lasting: Lasting, text: String) {
        self.ctx.send_lasting(
            Text::plain(self.chat_id, text).reply_to(self.message),
            Some(self.message),
            lasting,
        );
    }

    /// Answers in HTML (split like [`Call::say_html`]), staying in a group as long as `lasting` says.
    pub fn say_html_as(&self, lasting: Lasting, html: String) {
        for piece in split_html(&html, MAX_TEXT) {
            self.ctx.send_lasting(
                Text::html(self.chat_id, piece).reply_to(self.message),
                Some(self.message),
                lasting,
            );
        }
    }

    /// Answers an admin's command with what only admins should read (filters, the moderation log, a
    /// member's warnings): in private to the admin when the bot can reach them, with a short note in the
    /// group that goes after `replies.note_ttl`; otherwise in the group, deleted after `replies.note_ttl`
    /// too. In a private chat it simply answers there.
    pub async fn say_html_to_admin(&self, html: String) {
        let admin = self.sender_id();
        if self.chat_id > 0 || admin <= 0 || super::replies::answering_privately_for(self.chat_id) {
            self.say_html_as(Lasting::Note, html);
            return;
        }
        let header = self.ctx.ta(
            self.lang,
            "admin-answer-private-header",
            &crate::fargs! {"group" => escape(self.message.chat.title().unwrap_or_default())},
        );
        let mut pieces = split_html(&format!("{header}\n{html}"), MAX_TEXT).into_iter();
        let Some(first) = pieces.next() else {
            return;
        };
        let delivered = self
            .ctx
            .outbound
            .send_text(Text::html(admin, first))
            .wait()
            .await;
        if let Err(err) = delivered {
            tracing::info!(%err, chat_id = self.chat_id, admin, "admin answer not delivered in private");
            self.say_html_as(Lasting::Note, html);
            return;
        }
        for piece in pieces {
            self.ctx.outbound.send_text(Text::html(admin, piece));
        }
        self.say_as(Lasting::Note, self.t("admin-answer-sent-private"));
    }

    /// Answers a member's command whose answer can be long (`/me`, `/rank`, `/ledger`, `/checkin month`).
    /// In a group, an answer of more than `replies.private_over_lines` lines goes to the member in private,
    /// under the group's name, when they have started the bot there; the group gets a short note that goes
    /// after `replies.note_ttl`. Otherwise — a short answer, a member who never started the bot, or a
    /// private send Telegram refuses (the member is then no longer counted as having started it) — it is
    /// answered like [`Call::say_html`]. Waiting for the private send happens off the chat's shard.
    pub async fn say_html_long(&self, html: String) -> crate::Result<()> {
        let member = self.sender_id();
        let limit = self.ctx.config.replies.private_over_lines;
        let long = limit > 0 && html.lines().count() > limit;
        if !long
            || self.chat_id > 0
            || member <= 0
            || super::replies::answering_privately_for(self.chat_id)
        {
            self.say_html(html);
            return Ok(());
        }
        let started = {
            let mut conn = self.ctx.storage.read.acquire().await?;
            crate::storage::private_chats::has_started(&mut conn, member).await?
        };
        if !started {
            self.say_html(html);
            return Ok(());
        }
        let header = self.ctx.ta(
            self.lang,
            "admin-answer-private-header",
            &crate::fargs! {"group" => escape(self.message.chat.title().unwrap_or_default())},
        );
        let mut private = split_html(&format!("{header}\n{html}"), MAX_TEXT).into_iter();
        let note = self.t("admin-answer-sent-private");
        let (ctx, message, chat_id) = (self.ctx.clone(), self.message.clone(), self.chat_id);
        self.ctx.tasks.spawn(async move {
            let Some(first) = private.next() else {
                return;
            };
            match ctx.outbound.send_text(Text::html(member, first)).wait().await {
                Ok(_) => {
                    for piece in private {
                        ctx.outbound.send_text(Text::html(member, piece));
                    }
                    ctx.send_lasting(
                        Text::plain(chat_id, note).reply_to(&message),
                        Some(&message),
                        Lasting::Note,
                    );
                }
                Err(err) => {
                    tracing::info!(%err, chat_id, member, "a long answer not delivered in private; answered in the group");
                    if matches!(
                        err,
                        crate::Error::Telegram(teloxide::RequestError::Api(_))
                    ) {
                        let forgotten = async {
                            let mut conn = ctx.storage.write.acquire().await?;
                            crate::storage::private_chats::forget(&mut conn, member).await
                        };
                        if let Err(err) = forgotten.await {
                            tracing::warn!(%err, member, "could not forget a refused private chat");
                        }
                    }
                    for piece in split_html(&html, MAX_TEXT) {
                        ctx.send_lasting(
                            Text::html(chat_id, piece).reply_to(&message),
                            Some(&message),
                            Lasting::Brief,
                        );
                    }
                }
            }
        });
        Ok(())
    }

    /// Whether the sender may use a command that needs `right` (see [`Services::permit`]).
    pub async fn allowed(&self, right: Right) -> crate::Result<bool> {
        self.ctx.permit(self.message, right, self.lang).await
    }
}

impl Services {
    /// A message in a language, escaped for HTML.
    pub fn t_html(&self, lang: Lang, id: &str) -> String {
        escape(&self.t(lang, id))
    }
}
