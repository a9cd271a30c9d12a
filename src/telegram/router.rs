//! Routing: updates of one chat are handled in order, different chats in parallel, on a fixed pool of
//! long-lived shard tasks. A chat always maps to the same shard (by a hash of its id), so its updates queue
//! behind each other; the shards themselves never come and go, unlike per-chat workers that are spawned and
//! torn down as chats go quiet.
//!
//! Memory is bounded by `routing.max_pending`: every routed update holds a permit until its handler is
//! done, and when all permits are out, [`Router::route`] waits, which pauses polling (Telegram keeps the
//! updates meanwhile). One chat may hold at most `routing.max_pending_per_chat` of those permits: beyond
//! that, the flooded chat's further updates are dropped and counted (logged once per flood), so a single
//! group can lengthen only its own shard's queue and can never pause polling for every other group.
//!
//! An update routed with a watermark [`Ticket`] keeps it until its handler has finished, or until it is
//! dropped as above; only then may the offset confirmed to Telegram pass it.

use super::watermark::Ticket;
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use teloxide::types::Update;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

/// What a shard does with one update.
pub type UpdateFn = Arc<dyn Fn(Update) -> BoxFuture<'static, ()> + Send + Sync>;

struct Routed {
    update: Update,
    _permit: OwnedSemaphorePermit,
    _slot: ChatSlot,
    /// Dropped, with the rest of this, once the handler has finished: the update then counts as handled
    /// for the offset confirmed to Telegram.
    _ticket: Option<Ticket>,
}

/// What the router knows about one chat with updates waiting or in progress.
#[derive(Default)]
struct ChatBacklog {
    pending: usize,
    dropped: u64,
}

/// The chats with updates waiting or in progress; a chat leaves the map when its last update is done.
type Backlogs = Arc<Mutex<HashMap<i64, ChatBacklog>>>;

/// One update's place in its chat's backlog, given back when the update has been handled.
struct ChatSlot {
    chat: i64,
    backlogs: Backlogs,
}

impl Drop for ChatSlot {
    fn drop(&mut self) {
        let mut backlogs = self.backlogs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(backlog) = backlogs.get_mut(&self.chat) {
            backlog.pending -= 1;
            if backlog.pending == 0 {
                if backlog.dropped > 0 {
                    tracing::info!(
                        chat = self.chat,
                        dropped = backlog.dropped,
                        "flooded chat caught up; its dropped updates were not handled"
                    );
                }
                backlogs.remove(&self.chat);
            }
        }
    }
}

/// Counters of the router.
#[derive(Debug, Default)]
pub struct RouterStats {
    /// Updates handed to a shard.
    pub routed: AtomicU64,
    /// Updates whose handling finished.
    pub handled: AtomicU64,
    /// Updates dropped because their chat already had `max_pending_per_chat` updates waiting.
    pub dropped: AtomicU64,
    /// Updates that could not be read (malformed or of an unknown kind), passed without handling.
    pub skipped: AtomicU64,
    /// Updates whose id was recorded as handled before a restart, passed without handling.
    pub replayed: AtomicU64,
}

/// The fixed pool of shard tasks.
pub struct Router {
    shards: Vec<mpsc::UnboundedSender<Routed>>,
    permits: Arc<Semaphore>,
    backlogs: Backlogs,
    max_per_chat: usize,
    tasks: Vec<JoinHandle<()>>,
    stats: Arc<RouterStats>,
}

impl Router {
    /// Starts `shards` tasks that run `handle` for each update, with at most `max_pending` updates waiting
    /// or in progress over all of them and at most `max_per_chat` of one chat.
    pub fn start(
        shards: usize,
        max_pending: usize,
        max_per_chat: usize,
        handle: UpdateFn,
    ) -> Router {
        Self::start_counting(shards, max_pending, max_per_chat, handle, Arc::default())
    }

    /// Like [`Router::start`], counting into `stats` (which the handler may count into as well).
    pub fn start_counting(
        shards: usize,
        max_pending: usize,
        max_per_chat: usize,
        handle: UpdateFn,
        stats: Arc<RouterStats>,
    ) -> Router {
        let mut senders = Vec::with_capacity(shards);
        let mut tasks = Vec::with_capacity(shards);
        for _ in 0..shards {
            let (tx, mut rx) = mpsc::unbounded_channel::<Routed>();
            let handle = handle.clone();
            let stats = stats.clone();
            tasks.push(tokio::spawn(async move {
                while let Some(routed) = rx.recv().await {
                    handle(routed.update).await;
                    stats.handled.fetch_add(1, Ordering::Relaxed);
                }
            }));
            senders.push(tx);
        }
        Router {
            shards: senders,
            permits: Arc::new(Semaphore::new(max_pending)),
            backlogs: Backlogs::default(),
            max_per_chat,
            tasks,
            stats,
        }
    }

    /// Hands an update to its chat's shard, waiting first if `max_pending` updates are already in the pool.
    /// An update of a chat that already has `max_per_chat` updates in the pool is dropped and counted.
    pub async fn route(&self, update: Update) {
        self.route_taken(update, None).await
    }

    /// Like [`Router::route`], holding `ticket` until the update has been handled (or dropped), so the
    /// watermark it came from confirms the update only then.
    pub async fn route_taken(&self, update: Update, ticket: Option<Ticket>) {
        self.route_with(update, ticket, true).await
    }

    /// Hands an update read back from the durable queue to its chat's shard, like
    /// [`Router::route_taken`] but never dropped for its chat's cap: it was taken once already, and the
    /// queue holds at most what the pool held.
    pub async fn route_queued(&self, update: Update, ticket: Ticket) {
        self.route_with(update, Some(ticket), false).await
    }

    async fn route_with(&self, update: Update, ticket: Option<Ticket>, capped: bool) {
        let chat = routing_key(&update);
        let Some(slot) = self.take_slot(chat, capped) else {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("router semaphore is never closed");
        let shard = shard_of(chat, self.shards.len());
        self.stats.routed.fetch_add(1, Ordering::Relaxed);
        if self.shards[shard]
            .send(Routed {
                update,
                _permit: permit,
                _slot: slot,
                _ticket: ticket,
            })
            .is_err()
        {
            tracing::error!(shard, "shard task is gone; update dropped");
        }
    }

    /// Takes a place in `chat`'s backlog, or `None` when the chat is at its cap and `capped` is true.
    fn take_slot(&self, chat: i64, capped: bool) -> Option<ChatSlot> {
        let mut backlogs = self.backlogs.lock().unwrap_or_else(|e| e.into_inner());
        let backlog = backlogs.entry(chat).or_default();
        if capped && backlog.pending >= self.max_per_chat {
            if backlog.dropped == 0 {
                tracing::warn!(
                    chat,
                    waiting = backlog.pending,
                    "chat is flooding faster than it is handled; dropping its updates until it catches up"
                );
            }
            backlog.dropped += 1;
            return None;
        }
        backlog.pending += 1;
        Some(ChatSlot {
            chat,
            backlogs: self.backlogs.clone(),
        })
    }

    /// The router's counters.
    pub fn stats(&self) -> Arc<RouterStats> {
        self.stats.clone()
    }

    /// Updates routed but not yet handled.
    pub fn pending(&self) -> u64 {
        self.stats.routed.load(Ordering::Relaxed) - self.stats.handled.load(Ordering::Relaxed)
    }

    /// Stops taking updates and waits until every routed update has been handled.
    pub async fn close(self) {
        drop(self.shards);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// The key that orders updates: the chat when there is one, else the user.
pub fn routing_key(update: &Update) -> i64 {
    update
        .chat()
        .map(|chat| chat.id.0)
        .or_else(|| update.from().map(|user| user.id.0 as i64))
        .unwrap_or(0)
}

/// Maps a key to a shard with a multiplicative hash, so neighbouring chat ids spread over shards.
pub fn shard_of(key: i64, shards: usize) -> usize {
    let mixed = (key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((mixed >> 32) % shards as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_spread_neighbouring_chats() {
        let shards = 64;
        let mut counts = vec![0usize; shards];
        for chat in -1_000_010_000i64..-1_000_000_000 {
            counts[shard_of(chat, shards)] += 1;
        }
        let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        assert!(*min > 100 && *max < 220, "uneven spread: {min}..{max}");
        assert_eq!(shard_of(-42, shards), shard_of(-42, shards));
    }

    fn update(chat: i64, id: u32) -> Update {
        let text = format!(
            r#"{{"update_id": {id}, "message": {{"message_id": {id}, "date": 0,
                "chat": {{"id": {chat}, "type": "supergroup", "title": "G"}},
                "from": {{"id": 5, "is_bot": false, "first_name": "A"}}, "text": "hi"}}}}"#
        );
        serde_json::from_str(&text).expect("a valid update")
    }

    #[tokio::test]
    async fn a_flooded_chat_is_capped_while_other_chats_go_on() {
        let shards = 4;
        let flooded = -100i64;
        let quiet = (1..1_000i64)
            .map(|n| flooded - n)
            .find(|&c| shard_of(c, shards) != shard_of(flooded, shards))
            .expect("another shard");
        // The flooded chat's handler waits for a permit per update, so its backlog stays put.
        let release = Arc::new(Semaphore::new(0));
        let handled = Arc::new(Mutex::new(Vec::new()));
        let handle: UpdateFn = {
            let release = release.clone();
            let handled = handled.clone();
            Arc::new(move |update: Update| {
                let release = release.clone();
                let handled = handled.clone();
                Box::pin(async move {
                    let chat = update.chat().map(|c| c.id.0).unwrap_or_default();
                    if chat == flooded {
                        release.acquire().await.expect("open").forget();
                    }
                    handled.lock().unwrap().push((chat, update.id.0));
                })
            })
        };
        let router = Router::start(shards, 100, 3, handle);
        for id in 0..10 {
            router.route(update(flooded, id)).await;
        }
        router.route(update(quiet, 100)).await;
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        while !handled.lock().unwrap().contains(&(quiet, 100)) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the quiet chat waited behind the flooded one"
            );
            tokio::task::yield_now().await;
        }
        let stats = router.stats();
        assert_eq!(
            stats.dropped.load(Ordering::Relaxed),
            7,
            "three kept, seven dropped"
        );
        release.add_permits(3);
        while handled.lock().unwrap().len() < 4 {
            assert!(tokio::time::Instant::now() < deadline, "the backlog drains");
            tokio::task::yield_now().await;
        }
        // Once its backlog has been handled, the chat's updates are taken again.
        release.add_permits(1);
        router.route(update(flooded, 20)).await;
        router.close().await;
        let flooded_ids: Vec<u32> = handled
            .lock()
            .unwrap()
            .iter()
            .filter(|(chat, _)| *chat == flooded)
            .map(|(_, id)| *id)
            .collect();
        assert_eq!(
            flooded_ids,
            vec![0, 1, 2, 20],
            "the first three in order, then the new one"
        );
        assert_eq!(stats.dropped.load(Ordering::Relaxed), 7);
        assert_eq!(stats.handled.load(Ordering::Relaxed), 5);
    }
}

#[cfg(test)]
mod ordering_tests {
    use super::*;
    use std::time::Duration;
    use tokio::sync::Notify;

    const BUSY: i64 = -1_001;

    /// A message update in `chat`; its message id says which one it is.
    fn update(update_id: i64, chat: i64, message_id: i64) -> Update {
        let json = serde_json::json!({
            "update_id": update_id,
            "message": {
                "message_id": message_id,
                "date": 0,
                "chat": {"id": chat, "type": "supergroup", "title": "T"},
                "from": {"id": 7, "is_bot": false, "first_name": "A"},
                "text": "hello",
            }
        });
        // Parsed from text, as updates arrive from Telegram.
        serde_json::from_str(&json.to_string()).expect("a valid update")
    }

    /// A chat that lands on another shard than [`BUSY`] when there are `shards` of them.
    fn quiet_chat(shards: usize) -> i64 {
        (2..)
            .map(|n: i64| -1_000 - n)
            .find(|chat| shards == 1 || shard_of(*chat, shards) != shard_of(BUSY, shards))
            .expect("some chat lands elsewhere")
    }

    /// The first update of [`BUSY`] blocks until `release` is notified; every handled update is reported
    /// as (chat, message id) on `done` when its handler finishes.
    fn blocking_handler(release: Arc<Notify>, done: mpsc::UnboundedSender<(i64, i64)>) -> UpdateFn {
        Arc::new(move |update: Update| {
            let (release, done) = (release.clone(), done.clone());
            Box::pin(async move {
                let chat = update.chat().expect("a message has a chat").id.0;
                let message_id = match &update.kind {
                    teloxide::types::UpdateKind::Message(message) => message.id.0 as i64,
                    _ => unreachable!("only messages are routed here"),
                };
                if chat == BUSY && message_id == 1 {
                    release.notified().await;
                }
                let _ = done.send((chat, message_id));
            })
        })
    }

    /// Routes three updates of the busy chat (the first blocks) and five of a quiet chat, interleaved.
    async fn route_scenario(router: &Router, quiet: i64) {
        let mut update_id = 0;
        for message_id in 1..=5 {
            if message_id <= 3 {
                update_id += 1;
                router.route(update(update_id, BUSY, message_id)).await;
            }
            update_id += 1;
            router.route(update(update_id, quiet, message_id)).await;
        }
    }

    #[tokio::test]
    async fn a_chat_stuck_in_its_handler_does_not_hold_up_another_chat() {
        let shards = 8;
        let quiet = quiet_chat(shards);
        let release = Arc::new(Notify::new());
        let (done_tx, mut done) = mpsc::unbounded_channel();
        let router = Router::start(shards, 100, 100, blocking_handler(release.clone(), done_tx));
        route_scenario(&router, quiet).await;
        // Every update of the quiet chat is handled, in order, while the busy chat's first is still stuck.
        let mut handled = Vec::new();
        while handled.len() < 5 {
            let next = tokio::time::timeout(Duration::from_secs(10), done.recv())
                .await
                .expect("the quiet chat was held up by the busy one")
                .expect("the router is running");
            handled.push(next);
        }
        assert_eq!(handled, (1..=5).map(|id| (quiet, id)).collect::<Vec<_>>());
        assert_eq!(
            router.pending(),
            3,
            "the busy chat's three updates still wait"
        );
        // Released, the busy chat's updates follow in their own order.
        release.notify_one();
        for id in 1..=3 {
            assert_eq!(done.recv().await, Some((BUSY, id)));
        }
        router.close().await;
    }

    /// The same scenario on one shard, where every chat shares one queue: the quiet chat cannot get past
    /// the stuck update. This shows the test above would fail if chats were handled one after another.
    #[tokio::test]
    async fn on_a_single_queue_the_stuck_chat_holds_up_the_other() {
        let quiet = quiet_chat(1);
        let release = Arc::new(Notify::new());
        let (done_tx, mut done) = mpsc::unbounded_channel();
        let router = Router::start(1, 100, 100, blocking_handler(release.clone(), done_tx));
        route_scenario(&router, quiet).await;
        assert!(
            tokio::time::timeout(Duration::from_millis(200), done.recv())
                .await
                .is_err(),
            "nothing finishes while the first update is stuck"
        );
        release.notify_one();
        let mut handled = Vec::new();
        while handled.len() < 8 {
            handled.push(done.recv().await.expect("the router is running"));
        }
        assert_eq!(handled[0], (BUSY, 1));
        router.close().await;
    }
}
