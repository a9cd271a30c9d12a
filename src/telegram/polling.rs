//! Long polling. One `getUpdates` is in flight at a time, asking for at most 100 updates and for every
//! update kind the features need. Each update is parsed on its own from its JSON text, so one update
//! teloxide cannot read is logged, counted and skipped instead of failing the whole batch, and the offset
//! moves past it. The offset asked for comes from the [`Watermark`]: it confirms only updates that were
//! handled or stored in the durable queue, so updates lost to a crash are sent again by Telegram (or read
//! back from the queue) after a restart.
//!
//! While one handler runs long, the updates taken after it cannot be confirmed, and a `getUpdates` answer
//! (at most 100 updates from the offset) soon holds nothing new. When an answer is full of updates in
//! flight and the oldest of them has held the offset back for [`DurableQueue::after`], every update
//! holding it back is written to the durable queue in one transaction (`storage::queued`), and the offset
//! passes them, so polling fetches on. Handlers that finish in time, and a slow one with fewer than 100
//! updates behind it, never cause a write.

use super::router::{routing_key, Router};
use super::watermark::Watermark;
use crate::storage::queued::{self, QueuedUpdate};
use serde::Deserialize;
use serde_json::value::RawValue;
use sqlx::SqlitePool;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use teloxide::types::{Update, UpdateKind};
use tokio::sync::watch;

/// The most updates one `getUpdates` answer holds (Telegram's limit, asked for every time).
pub const MAX_PER_ANSWER: usize = 100;

/// The longest pause before polling again when the last answer held only updates still in flight.
pub const STALLED_PAUSE: Duration = Duration::from_millis(100);

/// The update kinds the bot asks Telegram for.
pub const ALLOWED_UPDATES: &[&str] = &[
    "message",
    "edited_message",
    "callback_query",
    "chat_member",
    "my_chat_member",
    "chat_join_request",
];

#[derive(Deserialize)]
struct Response {
    ok: bool,
    #[serde(default)]
    result: Vec<Box<RawValue>>,
    description: Option<String>,
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
}

#[derive(Deserialize)]
struct IdOnly {
    update_id: i64,
}

/// Where polling stores the updates that hold the offset back, and after how long.
#[derive(Clone, Debug)]
pub struct DurableQueue {
    /// The writer connection.
    pub pool: SqlitePool,
    /// How long the oldest update in flight may hold the offset back, while an answer holds nothing new,
    /// before the updates holding it are stored (`telegram.durable_queue_after`).
    pub after: Duration,
}

impl DurableQueue {
    /// Stores every update that holds the offset back, in one transaction, then lets the offset pass
    /// them. Returns how many were stored.
    pub async fn store_held(&self, marks: &Watermark) -> crate::Result<usize> {
        let held = marks.to_store();
        if held.is_empty() {
            return Ok(0);
        }
        let rows: Vec<QueuedUpdate> = held
            .iter()
            .map(|(update_id, chat_id, raw)| QueuedUpdate {
                update_id: *update_id,
                chat_id: *chat_id,
                raw: raw.to_string(),
            })
            .collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs() as i64);
        queued::store(&self.pool, &rows, now).await?;
        let ids: Vec<i64> = held.iter().map(|(id, _, _)| *id).collect();
        marks.stored(&ids);
        Ok(ids.len())
    }
}

/// Where and how to poll.
#[derive(Clone)]
pub struct Poller {
    client: reqwest::Client,
    url: String,
    timeout: Duration,
    retry: Duration,
    max_retry_after: Duration,
}

impl Poller {
    /// A poller for the Bot API at `api_url` with `token`.
    pub fn new(api_url: &str, token: &str, timeout: Duration, retry: Duration) -> Self {
        let client = client(timeout + Duration::from_secs(15));
        let url = format!("{}/bot{}/getUpdates", api_url.trim_end_matches('/'), token);
        Self {
            client,
            url,
            timeout,
            retry,
            max_retry_after: Duration::MAX,
        }
    }

    /// Gives up a `getUpdates` that has not answered `grace` after its long poll should have ended, and
    /// asks again (15 s unless set).
    pub fn grace(mut self, grace: Duration) -> Self {
        self.client = client(self.timeout + grace);
        self
    }

    /// Obeys a `retry_after` of Telegram for at most `max` (the outbound queue's `limits.max_retry_after`),
    /// so a refusal with an absurd wait cannot stop polling for hours.
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// Polls until `stop` turns true, routing every update not taken before. Each `getUpdates` asks from
    /// the watermark's offset, which confirms to Telegram only the updates already handled; updates still
    /// in flight come back in the answer and are recognised and passed over. Updates that cannot be read
    /// are counted in `skipped` and passed.
    ///
    /// A long poll asks with the offset of its start. When the last update in flight is handled during it,
    /// the poll is asked again with the new offset, so handled updates are confirmed at once rather than
    /// at the end of the long poll. When an answer holds nothing new (every update in it is still in
    /// flight), the next poll waits until the offset moves, or [`STALLED_PAUSE`] (or `retry`, if shorter)
    /// at most, so polling never spins. With a durable `queue`, such an answer that is full stores the
    /// updates that held the offset back for the queue's `after` (see the module's description), and
    /// polling goes on at once.
    pub async fn run(
        &self,
        router: &Router,
        marks: &Watermark,
        skipped: &AtomicU64,
        queue: Option<&DurableQueue>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut offsets = marks.subscribe();
        loop {
            if *stop.borrow() {
                return;
            }
            let offset = *offsets.borrow_and_update();
            let batch = tokio::select! {
                batch = self.fetch(offset, self.timeout) => batch,
                _ = stop.changed() => return,
                _ = idle(&mut offsets, marks) => continue,
            };
            match batch {
                Ok(raws) => {
                    let mut fresh = 0;
                    for raw in &raws {
                        match parse(raw) {
                            Parsed::Update(update) => {
                                let chat = routing_key(&update);
                                let text: Arc<str> = Arc::from(raw.get());
                                if let Some(ticket) =
                                    marks.take_update(update.id.0 as i64, chat, text)
                                {
                                    fresh += 1;
                                    router.route_taken(*update, Some(ticket)).await;
                                }
                            }
                            Parsed::Skipped(Some(id)) => {
                                if marks.pass(id) {
                                    fresh += 1;
                                    skipped.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                            Parsed::Skipped(None) => {
                                skipped.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    if fresh == 0 && !raws.is_empty() {
                        // Only a full answer of updates in flight means polling cannot get past them.
                        let blocked = raws.len() >= MAX_PER_ANSWER;
                        if let Some(queue) = queue.filter(|queue| {
                            blocked
                                && marks
                                    .held_since()
                                    .is_some_and(|since| since.elapsed() >= queue.after)
                        }) {
                            match queue.store_held(marks).await {
                                Ok(stored) if stored > 0 => {
                                    tracing::info!(
                                        stored,
                                        offset = marks.offset(),
                                        "a slow handler held the offset back; the updates in flight were stored and polling goes on"
                                    );
                                    continue;
                                }
                                Ok(_) => {}
                                Err(err) => {
                                    tracing::warn!(%err, "could not store the updates in flight; polling waits for them")
                                }
                            }
                        }
                        tokio::select! {
                            _ = offsets.changed() => {}
                            _ = tokio::time::sleep(self.retry.min(STALLED_PAUSE)) => {}
                            _ = stop.changed() => return,
                        }
                    }
                }
                Err(wait) => {
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.changed() => return,
                    }
                }
            }
        }
    }

    /// Tells Telegram that every update before `offset` was handled, so a restart does not get them again.
    pub async fn confirm(&self, offset: i64) {
        if offset > 0 {
            // A zero-timeout call with limit 1 confirms without waiting; any update it returns stays unconfirmed.
            let _ = self.fetch_with(offset, Duration::ZERO, 1).await;
        }
    }

    async fn fetch(&self, offset: i64, timeout: Duration) -> Result<Vec<Box<RawValue>>, Duration> {
        self.fetch_with(offset, timeout, MAX_PER_ANSWER as u32)
            .await
    }

    async fn fetch_with(
        &self,
        offset: i64,
        timeout: Duration,
        limit: u32,
    ) -> Result<Vec<Box<RawValue>>, Duration> {
        let body = serde_json::json!({
            "offset": offset,
            "limit": limit,
            "timeout": timeout.as_secs(),
            "allowed_updates": ALLOWED_UPDATES,
        });
        let response = match self.client.post(&self.url).json(&body).send().await {
            Ok(response) => response,
            Err(err) => {
                tracing::warn!(error = %err.without_url(), "getUpdates failed; retrying");
                return Err(self.retry);
            }
        };
        let text = match response.text().await {
            Ok(text) => text,
            Err(err) => {
                tracing::warn!(error = %err.without_url(), "getUpdates body unreadable; retrying");
                return Err(self.retry);
            }
        };
        match serde_json::from_str::<Response>(&text) {
            Ok(response) if response.ok => Ok(response.result),
            Ok(response) => {
                let wait = response
                    .parameters
                    .and_then(|p| p.retry_after)
                    .map(|secs| Duration::from_secs(secs).min(self.max_retry_after))
                    .unwrap_or(self.retry);
                tracing::warn!(description = ?response.description, ?wait, "getUpdates refused; retrying");
                Err(wait)
            }
            Err(err) => {
                tracing::warn!(%err, "getUpdates answer is not JSON; retrying");
                Err(self.retry)
            }
        }
    }
}

/// An HTTP client whose requests are given up after `timeout`.
fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("the HTTP client builds")
}

/// Completes when the offset has moved and no update holds it back any more.
async fn idle(offsets: &mut watch::Receiver<i64>, marks: &Watermark) {
    loop {
        if offsets.changed().await.is_err() {
            return std::future::pending().await;
        }
        if marks.holding() == 0 {
            return;
        }
    }
}

/// One update read from its JSON text.
pub enum Parsed {
    /// A usable update.
    Update(Box<Update>),
    /// An update that could not be read, with its id when even that much was readable.
    Skipped(Option<i64>),
}

/// Reads one update. Updates teloxide does not understand are logged with their id and skipped.
pub fn parse(raw: &RawValue) -> Parsed {
    match serde_json::from_str::<Update>(raw.get()) {
        Ok(update) => {
            if let UpdateKind::Error(value) = &update.kind {
                let kind = value
                    .as_object()
                    .and_then(|o| o.keys().next().cloned())
                    .unwrap_or_default();
                tracing::warn!(
                    update_id = update.id.0,
                    kind,
                    "update could not be parsed; skipped"
                );
                return Parsed::Skipped(Some(update.id.0 as i64));
            }
            Parsed::Update(Box::new(update))
        }
        Err(err) => {
            let id = serde_json::from_str::<IdOnly>(raw.get())
                .ok()
                .map(|i| i.update_id);
            tracing::warn!(update_id = ?id, %err, "update could not be parsed; skipped");
            Parsed::Skipped(id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_string()).unwrap()
    }

    #[test]
    fn malformed_updates_are_skipped_with_their_id() {
        assert!(matches!(
            parse(&raw(r#"{"update_id": 7, "message": {"nonsense": true}}"#)),
            Parsed::Skipped(Some(7))
        ));
        assert!(matches!(
            parse(&raw(r#"{"message": {}}"#)),
            Parsed::Skipped(None)
        ));
        let good = r#"{"update_id": 8, "message": {"message_id": 1, "date": 0,
            "chat": {"id": -100, "type": "supergroup", "title": "G"},
            "from": {"id": 5, "is_bot": false, "first_name": "A"}, "text": "hi"}}"#;
        assert!(matches!(parse(&raw(good)), Parsed::Update(_)));
    }
}
