//! The edge between Telegram and the features: long polling with the watermark of handled updates,
//! routing updates onto shards, the outbound
//! queue, the admin cache, command declarations and text helpers. (Running the handler tree on each update is `app`'s job.)

pub mod admins;
pub mod commands;
pub mod outbound;
pub mod polling;
pub mod router;
pub mod text;
pub mod topic;
pub mod watermark;

use crate::error::Error;
use teloxide::dispatching::DpHandlerDescription;
use teloxide::prelude::*;

/// What a handler returns.
pub type HandlerResult = Result<(), Error>;

/// A branch of the handler tree.
pub type Handler = dptree::Handler<'static, HandlerResult, DpHandlerDescription>;

/// Builds the teloxide client for the configured Bot API base URL.
pub fn build_bot(token: &str, api_url: &str) -> Result<Bot, Error> {
    let url = reqwest::Url::parse(api_url.trim_end_matches('/'))
        .map_err(|err| Error::Config(format!("`telegram.api_url`: {err}")))?;
    let client = teloxide::net::default_reqwest_settings()
        .build()
        .map_err(|err| Error::Config(format!("cannot build the HTTP client: {err}")))?;
    Ok(Bot::with_client(token, client).set_api_url(url))
}

/// A branch for button presses whose callback data starts with `prefix` (each feature owns its prefix,
/// e.g. `rp:` for red packets). Other presses fall through to the next branch.
pub fn callbacks_with_prefix(prefix: &'static str) -> Handler {
    teloxide::types::Update::filter_callback_query().filter(
        move |query: teloxide::types::CallbackQuery| {
            query
                .data
                .as_deref()
                .is_some_and(|data| data.starts_with(prefix))
        },
    )
}

/// Whether a message is something a member posted (text, media, poll…), not a service notice. teloxide
/// files the supergroup-upgrade notice under ordinary messages, so it is excluded by its media kind.
pub fn is_member_post(message: &teloxide::types::Message) -> bool {
    matches!(&message.kind, teloxide::types::MessageKind::Common(common) if !matches!(common.media_kind, teloxide::types::MediaKind::Migration(_)))
}

/// The length of a message's text or caption in characters, as the activity counts record it.
pub fn counted_chars(message: &teloxide::types::Message) -> u32 {
    let chars = message
        .text()
        .or(message.caption())
        .map(|t| t.chars().count())
        .unwrap_or(0);
    chars.min(u32::MAX as usize) as u32
}

/// The message `message` really replies to. In a forum topic Telegram makes every message a reply to the
/// topic's creation message; that is not a reply a member chose, so it counts as none.
pub fn replied_message(message: &teloxide::types::Message) -> Option<&teloxide::types::Message> {
    let replied = message.reply_to_message()?;
    let topic_start = message.is_topic_message
        && (message
            .thread_id
            .is_some_and(|thread| thread.0 == replied.id)
            || matches!(
                replied.kind,
                teloxide::types::MessageKind::ForumTopicCreated(_)
            ));
    (!topic_start).then_some(replied)
}
