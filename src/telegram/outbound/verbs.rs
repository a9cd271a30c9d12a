//! The Telegram verbs features use, as typed methods of [`Outbound`]: restrict, mute, unrestrict, ban, kick,
//! unban, the same for channels, deleting several messages, reacting, answering a join request and answering
//! a button press, pinning and unpinning; and the sends that are not plain texts: a question to answer as a
//! reply, a picture, a file, and [`Outbound::send_post`], a stored post (text or media by file id, with its
//! formatting and buttons). Each restriction, pin or answer is an immediate request about its chat (see the
//! module above), so a 429 in a chat pauses all of that chat's immediate requests together; the sends are
//! budgeted.

use super::{Outbound, Pending};
use chrono::{DateTime, Utc};
use futures::FutureExt;
use teloxide::prelude::*;
use teloxide::types::{
    ChatPermissions, FileId, InlineKeyboardMarkup, InputFile, MessageEntity, MessageId,
    ReactionType, ReplyParameters, ThreadId, True,
};

/// What a stored post shows: text, or a file sent by its Telegram file id with the text as its caption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostMedia {
    /// Text only.
    Text,
    /// A photo.
    Photo(String),
    /// A video.
    Video(String),
    /// A file.
    Document(String),
    /// A GIF animation.
    Animation(String),
}

/// A post to send again from its stored parts.
#[derive(Debug, Clone)]
pub struct Post {
    /// Where.
    pub chat_id: i64,
    /// The forum topic, if any.
    pub thread: Option<ThreadId>,
    /// Text or which file.
    pub media: PostMedia,
    /// The text or caption.
    pub body: String,
    /// Its formatting.
    pub entities: Vec<MessageEntity>,
    /// Its inline buttons.
    pub markup: Option<InlineKeyboardMarkup>,
}

/// How long a kick's ban lasts before it is lifted. An `until_date` under 30 s would make it forever.
const KICK_BAN_SECS: i64 = 60;

impl Outbound {
    /// Sets a member's permissions in a group until `until` (or until changed, with `None`).
    pub fn restrict(
        &self,
        chat_id: i64,
        user_id: i64,
        permissions: ChatPermissions,
        until: Option<DateTime<Utc>>,
    ) -> Pending<True> {
        self.immediate_in(chat_id, "restrictChatMember", move |bot| {
            let mut request = bot.restrict_chat_member(
                ChatId(chat_id),
                UserId(user_id as u64),
                permissions.clone(),
            );
            if let Some(date) = until {
                request = request.until_date(date);
            }
            request.send().boxed()
        })
    }

    /// Takes every right to send from a member until `until` (or until lifted, with `None`).
    pub fn mute(&self, chat_id: i64, user_id: i64, until: Option<DateTime<Utc>>) -> Pending<True> {
        self.restrict(chat_id, user_id, ChatPermissions::empty(), until)
    }

    /// Gives a member back `permissions` (the group's own defaults still apply on top).
    pub fn unrestrict(
        &self,
        chat_id: i64,
        user_id: i64,
        permissions: ChatPermissions,
    ) -> Pending<True> {
        self.restrict(chat_id, user_id, permissions, None)
    }

    /// Bans a member until `until` (or for good, with `None`).
    pub fn ban(&self, chat_id: i64, user_id: i64, until: Option<DateTime<Utc>>) -> Pending<True> {
        self.immediate_in(chat_id, "banChatMember", move |bot| {
            let mut request = bot.ban_chat_member(ChatId(chat_id), UserId(user_id as u64));
            if let Some(date) = until {
                request = request.until_date(date);
            }
            request.send().boxed()
        })
    }

    /// Removes a member who may come back: a ban that ends a minute after `now`, then an unban that only
    /// lifts bans. The result is the ban's, or the unban's when the ban went through.
    pub fn kick(&self, chat_id: i64, user_id: i64, now: DateTime<Utc>) -> Pending<True> {
        let ban = self.ban(
            chat_id,
            user_id,
            Some(now + chrono::Duration::seconds(KICK_BAN_SECS)),
        );
        let outbound = self.clone();
        Pending::chained(async move {
            match ban.0.await.map_err(|_| ())? {
                Ok(_) => outbound
                    .unban(chat_id, user_id as u64)
                    .0
                    .await
                    .map_err(|_| ()),
                Err(err) => Ok(Err(err)),
            }
        })
    }

    /// Bans a channel from posting in a group (members may post as a channel).
    pub fn ban_sender_chat(&self, chat_id: i64, channel_id: i64) -> Pending<True> {
        self.immediate_in(chat_id, "banChatSenderChat", move |bot| {
            bot.ban_chat_sender_chat(ChatId(chat_id), ChatId(channel_id))
                .send()
                .boxed()
        })
    }

    /// Lets a banned channel post in a group again.
    pub fn unban_sender_chat(&self, chat_id: i64, channel_id: i64) -> Pending<True> {
        self.immediate_in(chat_id, "unbanChatSenderChat", move |bot| {
            bot.unban_chat_sender_chat(ChatId(chat_id), ChatId(channel_id))
                .send()
                .boxed()
        })
    }

    /// Deletes up to 100 messages of one chat in one call.
    pub fn delete_many(&self, chat_id: i64, ids: Vec<MessageId>) -> Pending<True> {
        self.immediate_in(chat_id, "deleteMessages", move |bot| {
            bot.delete_messages(ChatId(chat_id), ids.clone())
                .send()
                .boxed()
        })
    }

    /// Puts an emoji reaction on a message.
    pub fn react(&self, chat_id: i64, message_id: MessageId, emoji: &str) -> Pending<True> {
        let emoji = emoji.to_string();
        self.immediate_in(chat_id, "setMessageReaction", move |bot| {
            bot.set_message_reaction(ChatId(chat_id), message_id)
                .reaction(vec![ReactionType::Emoji {
                    emoji: emoji.clone(),
                }])
                .send()
                .boxed()
        })
    }

    /// Approves (or declines) a member's request to join a group.
    pub fn answer_join_request(&self, chat_id: i64, user_id: i64, approve: bool) -> Pending<True> {
        let user = UserId(user_id as u64);
        if approve {
            self.immediate_in(chat_id, "approveChatJoinRequest", move |bot| {
                bot.approve_chat_join_request(ChatId(chat_id), user)
                    .send()
                    .boxed()
            })
        } else {
            self.immediate_in(chat_id, "declineChatJoinRequest", move |bot| {
                bot.decline_chat_join_request(ChatId(chat_id), user)
                    .send()
                    .boxed()
            })
        }
    }

    /// Answers a button press with a short notice, or with an alert the member must close when `alert`.
    pub fn answer_press(&self, query: &CallbackQuery, text: String, alert: bool) -> Pending<True> {
        let id = query.id.clone();
        self.immediate("answerCallbackQuery", move |bot| {
            bot.answer_callback_query(id.clone())
                .text(text.clone())
                .show_alert(alert)
                .send()
                .boxed()
        })
    }

    /// Answers a button press by opening a link in the member's app (a deep link into the bot's chat).
    pub fn answer_press_url(&self, query: &CallbackQuery, url: reqwest::Url) -> Pending<True> {
        let id = query.id.clone();
        self.immediate("answerCallbackQuery", move |bot| {
            bot.answer_callback_query(id.clone())
                .url(url.clone())
                .send()
                .boxed()
        })
    }

    /// Asks a question in a private chat that the app answers as a reply: the member's input field opens
    /// as a reply to it (Telegram's `ForceReply`). The text is HTML. Budgeted like any send.
    pub fn ask_for_reply(
        &self,
        chat_id: i64,
        html: String,
        placeholder: String,
    ) -> Pending<Message> {
        self.budgeted(chat_id, "sendMessage", move |bot| {
            bot.send_message(ChatId(chat_id), html.clone())
                .parse_mode(teloxide::types::ParseMode::Html)
                .reply_markup(
                    teloxide::types::ForceReply::new()
                        .input_field_placeholder(Some(placeholder.clone())),
                )
                .send()
                .boxed()
        })
    }

    /// Sends a picture made in memory to a chat (budgeted like any send), in forum topic `thread` when set.
    pub fn send_photo(
        &self,
        chat_id: i64,
        thread: Option<ThreadId>,
        file_name: &'static str,
        bytes: Vec<u8>,
    ) -> Pending<Message> {
        let thread = thread.or_else(|| crate::telegram::topic::current_in(chat_id));
        self.budgeted(chat_id, "sendPhoto", move |bot| {
            let mut request = bot.send_photo(
                ChatId(chat_id),
                InputFile::memory(bytes.clone()).file_name(file_name),
            );
            if let Some(thread) = thread {
                request = request.message_thread_id(thread);
            }
            request.send().boxed()
        })
    }

    /// Sends a file made in memory to a chat (budgeted like any send), in forum topic `thread` when set.
    pub fn send_document(
        &self,
        chat_id: i64,
        thread: Option<ThreadId>,
        file_name: &'static str,
        bytes: Vec<u8>,
    ) -> Pending<Message> {
        let thread = thread.or_else(|| crate::telegram::topic::current_in(chat_id));
        self.budgeted(chat_id, "sendDocument", move |bot| {
            let mut request = bot.send_document(
                ChatId(chat_id),
                InputFile::memory(bytes.clone()).file_name(file_name),
            );
            if let Some(thread) = thread {
                request = request.message_thread_id(thread);
            }
            request.send().boxed()
        })
    }

    /// Sends a file in reply to `message` (in its forum topic, if any), budgeted like a send.
    pub fn reply_file(&self, message: &Message, name: String, bytes: Vec<u8>) -> Pending<Message> {
        let (chat, reply_to) = (message.chat.id, message.id);
        let thread = message.thread_id.filter(|_| message.is_topic_message);
        self.budgeted(chat.0, "sendDocument", move |bot| {
            let mut request = bot
                .send_document(
                    chat,
                    InputFile::memory(bytes.clone()).file_name(name.clone()),
                )
                .reply_parameters(ReplyParameters::new(reply_to).allow_sending_without_reply());
            if let Some(thread) = thread {
                request = request.message_thread_id(thread);
            }
            request.send().boxed()
        })
    }

    /// Sends a stored post (budgeted at `priority`): its text with its formatting, or its file by id with
    /// the text as caption, with its buttons, in its forum topic.
    pub fn send_post(&self, post: Post, priority: super::Priority) -> Pending<Message> {
        let chat_id = post.chat_id;
        self.budgeted_as(chat_id, priority, "sendPost", move |bot| {
            let post = post.clone();
            let chat = ChatId(post.chat_id);
            let file = |id: &str| InputFile::file_id(FileId(id.to_string()));
            macro_rules! media {
                ($request:expr) => {{
                    let mut request = $request.caption_entities(post.entities.clone());
                    if !post.body.is_empty() {
                        request = request.caption(post.body.clone());
                    }
                    if let Some(thread) = post.thread {
                        request = request.message_thread_id(thread);
                    }
                    if let Some(markup) = post.markup.clone() {
                        request = request.reply_markup(markup);
                    }
                    request.send().boxed()
                }};
            }
            match &post.media {
                PostMedia::Text => {
                    let mut request = bot
                        .send_message(chat, post.body.clone())
                        .entities(post.entities.clone());
                    if let Some(thread) = post.thread {
                        request = request.message_thread_id(thread);
                    }
                    if let Some(markup) = post.markup.clone() {
                        request = request.reply_markup(markup);
                    }
                    request.send().boxed()
                }
                PostMedia::Photo(id) => media!(bot.send_photo(chat, file(id))),
                PostMedia::Video(id) => media!(bot.send_video(chat, file(id))),
                PostMedia::Document(id) => media!(bot.send_document(chat, file(id))),
                PostMedia::Animation(id) => media!(bot.send_animation(chat, file(id))),
            }
        })
    }

    /// Pins a message without notifying the members.
    pub fn pin(&self, chat_id: i64, message_id: MessageId) -> Pending<True> {
        self.immediate_in(chat_id, "pinChatMessage", move |bot| {
            bot.pin_chat_message(ChatId(chat_id), message_id)
                .disable_notification(true)
                .send()
                .boxed()
        })
    }

    /// Unpins one message.
    pub fn unpin(&self, chat_id: i64, message_id: MessageId) -> Pending<True> {
        self.immediate_in(chat_id, "unpinChatMessage", move |bot| {
            bot.unpin_chat_message(ChatId(chat_id))
                .message_id(message_id)
                .send()
                .boxed()
        })
    }

    /// Sets a group's default permissions for members (each permission on its own, not implied by others).
    pub fn set_chat_permissions(
        &self,
        chat_id: i64,
        permissions: ChatPermissions,
    ) -> Pending<True> {
        self.immediate_in(chat_id, "setChatPermissions", move |bot| {
            bot.set_chat_permissions(ChatId(chat_id), permissions.clone())
                .use_independent_chat_permissions(true)
                .send()
                .boxed()
        })
    }
}
