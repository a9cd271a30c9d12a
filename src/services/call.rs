//! One command call and the one way commands answer it: [`Call`] knows the message, its chat, the language
//! to answer in, and replies in plain text or HTML (long HTML split into messages Telegram accepts).

use super::{Ctx, Services};
use crate::i18n::Lang;
use crate::telegram::admins::Right;
use crate::telegram::outbound::Pending;
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

    /// Answers in plain text.
    pub fn say(&self, text: String) -> Pending<Message> {
        self.ctx.reply(self.message, text)
    }

    /// Answers in HTML; a text longer than one message is split into several, at line ends where it can
    /// and never inside a tag (see [`split_html`]).
    pub fn say_html(&self, html: String) {
        for piece in split_html(&html, MAX_TEXT) {
            self.ctx.reply_html(self.message, piece);
        }
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
