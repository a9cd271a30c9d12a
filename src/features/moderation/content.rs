//! What a message carries, read from Telegram's message alone: its text or caption, the links (in the
//! text, in text links and in URL buttons), the @mentions, the kind of media, whether it is a forward from
//! elsewhere, and who posted it.

use super::rules::Lock;
use crate::telegram::text::{escape, full_name, mention_html};
use teloxide::types::{InlineKeyboardButtonKind, Message, MessageEntityKind};

/// The content facts of a message that do not need the database.
pub(super) struct Content {
    pub(super) text: String,
    pub(super) urls: Vec<String>,
    pub(super) mentions: Vec<String>,
    pub(super) media: Option<Lock>,
    pub(super) foreign_forward: bool,
}

pub(super) fn content(message: &Message) -> Content {
    let text = message
        .text()
        .or(message.caption())
        .unwrap_or_default()
        .to_string();
    let mut urls = Vec::new();
    let mut mentions = Vec::new();
    let entities = message
        .parse_entities()
        .or_else(|| message.parse_caption_entities())
        .unwrap_or_default();
    for entity in &entities {
        match entity.kind() {
            MessageEntityKind::Url => urls.push(entity.text().to_string()),
            MessageEntityKind::TextLink { url } => urls.push(url.to_string()),
            MessageEntityKind::Mention => {
                mentions.push(entity.text().trim_start_matches('@').to_string())
            }
            _ => {}
        }
    }
    if let Some(markup) = message.reply_markup() {
        for button in markup.inline_keyboard.iter().flatten() {
            if let InlineKeyboardButtonKind::Url(url) = &button.kind {
                urls.push(url.to_string());
            }
        }
    }
    let media = if message.photo().is_some() {
        Some(Lock::Photo)
    } else if message.video().is_some() || message.video_note().is_some() {
        Some(Lock::Video)
    } else if message.sticker().is_some() {
        Some(Lock::Sticker)
    } else if message.animation().is_some() {
        Some(Lock::Gif)
    } else if message.document().is_some() {
        Some(Lock::Document)
    } else if message.voice().is_some() || message.audio().is_some() {
        Some(Lock::Voice)
    } else if message.poll().is_some() {
        Some(Lock::Poll)
    } else if message.contact().is_some() {
        Some(Lock::Contact)
    } else if message.location().is_some() || message.venue().is_some() {
        Some(Lock::Location)
    } else {
        None
    };
    Content {
        text,
        urls,
        mentions,
        media,
        foreign_forward: message.forward_origin().is_some() && !message.is_automatic_forward(),
    }
}

pub(super) fn is_command(message: &Message) -> bool {
    message.entities().is_some_and(|entities| {
        entities
            .iter()
            .any(|e| e.offset == 0 && e.kind == MessageEntityKind::BotCommand)
    })
}

/// Who posted a message: a member, or a channel a member posts as.
pub(super) struct Author {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) channel: bool,
}

impl Author {
    pub(super) fn of(message: &Message) -> Option<Author> {
        if let Some(chat) = &message.sender_chat {
            // The group itself is an anonymous admin; anything else is a channel posting here.
            if chat.id == message.chat.id {
                return None;
            }
            return Some(Author {
                id: chat.id.0,
                name: chat.title().unwrap_or_default().to_string(),
                channel: true,
            });
        }
        message.from.as_ref().map(|user| Author {
            id: user.id.0 as i64,
            name: full_name(user),
            channel: false,
        })
    }

    pub(super) fn mention(&self) -> String {
        if self.channel {
            format!("<b>{}</b>", escape(&self.name))
        } else {
            mention_html(self.id, &self.name)
        }
    }
}
