//! Routing: updates of one chat are handled in order, different chats in parallel, on a fixed pool of
//! long-lived shard tasks. A chat always maps to the same shard (by a hash of its id), so its updates queue
//! behind each other; the shards themselves never come and go, unlike per-chat workers that are spawned and
//! torn down as chats go quiet.
//!
//! Memory is bounded by `routing.max_pending`: every routed update holds a permit until its handler is
//! done, and when all permits are out, [`Router::route`] waits, which pauses polling (Telegram keeps the
//! updates meanwhile). Below that bound a flooded chat only lengthens its own shard's queue; the other shards
//! keep running.

use futures::future::BoxFuture;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use teloxide::types::Update;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

/// What a shard does with one update.
pub type UpdateFn = Arc<dyn Fn(Update) -> BoxFuture<'static, ()> + Send + Sync>;

struct Routed {
    update: Update,
    _permit: OwnedSemaphorePermit,
}

/// Counters of the router.
#[derive(Debug, Default)]
pub struct RouterStats {
    /// Updates handed to a shard.
    pub routed: AtomicU64,
    /// Updates whose handling finished.
    pub handled: AtomicU64,
}

/// The fixed pool of shard tasks.
pub struct Router {
    shards: Vec<mpsc::UnboundedSender<Routed>>,
    permits: Arc<Semaphore>,
    tasks: Vec<JoinHandle<()>>,
    stats: Arc<RouterStats>,
}

impl Router {
    /// Starts `shards` tasks that run `handle` for each update, with at most `max_pending` updates waiting
    /// or in progress over all of them.
    pub fn start(shards: usize, max_pending: usize, handle: UpdateFn) -> Router {
        let stats = Arc::new(RouterStats::default());
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
            tasks,
            stats,
        }
    }

    /// Hands an update to its chat's shard, waiting first if `max_pending` updates are already in the pool.
    pub async fn route(&self, update: Update) {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("router semaphore is never closed");
        let shard = shard_of(routing_key(&update), self.shards.len());
        self.stats.routed.fetch_add(1, Ordering::Relaxed);
        if self.shards[shard]
            .send(Routed {
                update,
                _permit: permit,
            })
            .is_err()
        {
            tracing::error!(shard, "shard task is gone; update dropped");
        }
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
}
