//! The forum topic an update came from. While a message or a button press of a forum topic is handled,
//! the topic is kept in a task-local slot, and every text the outbound queue sends to that chat without a
//! topic of its own goes into it ([`Outbound::send_text`](super::outbound::Outbound::send_text)): an answer
//! lands where the command was typed, whichever flow sends it. Texts marked for the General topic
//! ([`Text::in_general`](super::outbound::Text::in_general)), such as welcomes and gate questions, never
//! take it, because joins happen in General.

use std::future::Future;
use teloxide::types::{
    Chat, ChatKind, ChatPublic, Message, PublicChatKind, ThreadId, Update, UpdateKind,
};

/// A chat and one of its forum topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topic {
    /// The chat.
    pub chat_id: i64,
    /// The topic's thread id.
    pub thread: ThreadId,
}

tokio::task_local! {
    static CURRENT: Topic;
}

/// The forum topic `message` was posted in; `None` outside forums and in the General topic.
pub fn of_message(message: &Message) -> Option<Topic> {
    let thread = message.thread_id.filter(|_| message.is_topic_message)?;
    Some(Topic {
        chat_id: message.chat.id.0,
        thread,
    })
}

/// Whether `chat` is a forum (a supergroup with topics).
pub fn is_forum(chat: &Chat) -> bool {
    matches!(
        &chat.kind,
        ChatKind::Public(ChatPublic {
            kind: PublicChatKind::Supergroup(supergroup),
            ..
        }) if supergroup.is_forum
    )
}

/// The topic `message` was posted in, as stored: its thread id, or 0 for the General topic.
pub fn thread_key(message: &Message) -> i64 {
    of_message(message).map_or(0, |topic| topic.thread.0 .0 as i64)
}

/// The forum topic of a message update, or of the message under a pressed button.
pub fn of_update(update: &Update) -> Option<Topic> {
    match &update.kind {
        UpdateKind::Message(message) | UpdateKind::EditedMessage(message) => of_message(message),
        UpdateKind::CallbackQuery(query) => query
            .message
            .as_ref()
            .and_then(|message| message.regular_message())
            .and_then(of_message),
        _ => None,
    }
}

/// Runs `work` with `topic` as the current topic (or with none).
pub async fn within<F: Future>(topic: Option<Topic>, work: F) -> F::Output {
    match topic {
        Some(topic) => CURRENT.scope(topic, work).await,
        None => work.await,
    }
}

/// The current topic's thread when it belongs to `chat_id`.
pub fn current_in(chat_id: i64) -> Option<ThreadId> {
    CURRENT
        .try_with(|topic| (topic.chat_id == chat_id).then_some(topic.thread))
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide::types::MessageId;

    #[tokio::test]
    async fn the_topic_applies_to_its_own_chat_only_and_only_inside_its_scope() {
        let topic = Topic {
            chat_id: -5,
            thread: ThreadId(MessageId(77)),
        };
        assert_eq!(current_in(-5), None);
        within(Some(topic), async {
            assert_eq!(current_in(-5), Some(ThreadId(MessageId(77))));
            assert_eq!(current_in(-6), None, "another chat has no topic");
        })
        .await;
        within(None, async { assert_eq!(current_in(-5), None) }).await;
        assert_eq!(current_in(-5), None);
    }
}
