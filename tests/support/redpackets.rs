//! Helpers for the red packet tests: waiting for a packet's message, and reading the answers to presses.

use std::time::Duration;

use sqlx::SqlitePool;

use super::fake_api::FakeApi;
use super::harness::WAIT;

/// Waits until the packet's message id is stored; returns it.
pub async fn announcement(pool: &SqlitePool, id: i64) -> i64 {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let found: Option<Option<i64>> =
            sqlx::query_scalar("SELECT announce_id FROM redpackets WHERE id = ?")
                .bind(id)
                .fetch_optional(pool)
                .await
                .unwrap();
        if let Some(Some(message_id)) = found {
            return message_id;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "packet {id} never got its message"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The texts of the callback answers so far.
pub fn answers(api: &FakeApi) -> Vec<String> {
    api.calls("answerCallbackQuery")
        .into_iter()
        .map(|c| c.params["text"].as_str().unwrap_or_default().to_string())
        .collect()
}
