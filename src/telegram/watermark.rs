//! The confirmation watermark: which `getUpdates` offset may be confirmed to Telegram.
//!
//! Telegram forgets every update below the offset of the next `getUpdates` call, so the offset may only
//! pass updates that are handled, or stored in the durable queue to be handled. The watermark tracks the
//! updates taken but not yet handled (in flight, on any shard) and the highest id taken so far. An update
//! in flight either holds the offset back (it exists only in memory) or is stored (its JSON is in the
//! durable queue, `storage::queued`). The offset it gives is the lowest id that holds it back, or one past
//! the highest id taken when none does. An update becomes handled when the [`Ticket`] it was taken with is
//! dropped, which the router does once the update's handler has finished (or once it decided to drop the
//! update); the id of a stored update is then sent to the queue's cleaner, which deletes its row. A crash
//! therefore leaves every unhandled update either unconfirmed, so Telegram sends it again on restart, or
//! in the durable queue, which is handled again on restart.
//!
//! Polling stores the updates that hold the offset back only when they have held it for a while (see
//! `telegram::polling`): [`Watermark::to_store`] lists them, and once their rows are committed
//! [`Watermark::stored`] lets the offset pass them. The ordinary path, where handlers finish quickly,
//! writes nothing.
//!
//! Telegram sends updates in increasing id order and, after an offset, again from that offset on. An id
//! at or below the highest one taken was therefore seen before (it is in flight or handled), and
//! [`Watermark::take`] refuses it: a fetch that overlaps the updates still in flight never hands one to
//! a shard twice.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// An update in flight that holds the offset back.
#[derive(Debug)]
struct Holding {
    /// The chat the update is ordered by.
    chat: i64,
    /// Its JSON text, to store it in the durable queue; `None` for updates that cannot be stored.
    raw: Option<Arc<str>>,
    /// When it was taken.
    since: Instant,
}

#[derive(Debug, Default)]
struct State {
    holding: BTreeMap<i64, Holding>,
    stored: HashSet<i64>,
    highest: Option<i64>,
}

impl State {
    fn offset(&self) -> i64 {
        match (self.holding.keys().next(), self.highest) {
            (Some(lowest), _) => *lowest,
            (None, Some(highest)) => highest + 1,
            (None, None) => 0,
        }
    }
}

/// One update to store in the durable queue: its id, the chat it is ordered by, and its JSON text.
pub type ToStore = (i64, i64, Arc<str>);

/// The updates taken and not yet handled; cheap to clone (the clones share one state).
#[derive(Clone, Debug)]
pub struct Watermark {
    state: Arc<Mutex<State>>,
    offset: Arc<watch::Sender<i64>>,
    /// Receives the id of every stored update once it has been handled, so its row can be deleted.
    cleaner: Option<mpsc::UnboundedSender<i64>>,
}

impl Default for Watermark {
    fn default() -> Self {
        Self::new()
    }
}

impl Watermark {
    /// A watermark before any update: its offset is 0 (Telegram then sends from its oldest unconfirmed
    /// update on).
    pub fn new() -> Self {
        Self {
            state: Arc::default(),
            offset: Arc::new(watch::channel(0).0),
            cleaner: None,
        }
    }

    /// A watermark whose stored updates, once handled, are sent to `cleaner` by id.
    pub fn with_cleaner(cleaner: mpsc::UnboundedSender<i64>) -> Self {
        Self {
            cleaner: Some(cleaner),
            ..Self::new()
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes update `id` to be handled, or `None` when an update with this id (or a later one) was taken
    /// before, so this one is a second delivery. The update holds the offset back and cannot be stored.
    pub fn take(&self, id: i64) -> Option<Ticket> {
        self.take_holding(id, 0, None)
    }

    /// Like [`Watermark::take`], keeping the update's JSON text `raw` and its `chat`, so it can be stored
    /// in the durable queue if it holds the offset back for long.
    pub fn take_update(&self, id: i64, chat: i64, raw: Arc<str>) -> Option<Ticket> {
        self.take_holding(id, chat, Some(raw))
    }

    fn take_holding(&self, id: i64, chat: i64, raw: Option<Arc<str>>) -> Option<Ticket> {
        let mut state = self.lock();
        if state.highest.is_some_and(|highest| id <= highest) {
            return None;
        }
        state.highest = Some(id);
        state.holding.insert(
            id,
            Holding {
                chat,
                raw,
                since: Instant::now(),
            },
        );
        self.publish(&state);
        Some(self.ticket(id))
    }

    /// Takes update `id` read back from the durable queue at start-up: it is stored already, so it never
    /// holds the offset back, and Telegram's own copy of it (or of any earlier update) is refused.
    pub fn adopt(&self, id: i64) -> Ticket {
        let mut state = self.lock();
        state.highest = Some(state.highest.map_or(id, |highest| highest.max(id)));
        state.stored.insert(id);
        self.publish(&state);
        self.ticket(id)
    }

    fn ticket(&self, id: i64) -> Ticket {
        Ticket {
            id,
            watermark: self.clone(),
        }
    }

    /// Passes update `id` without handling it (an update that could not be read): it counts as handled
    /// at once. Returns false when it was seen before.
    pub fn pass(&self, id: i64) -> bool {
        self.take(id).is_some()
    }

    /// The offset to confirm: every update below it is handled or stored.
    pub fn offset(&self) -> i64 {
        self.lock().offset()
    }

    /// How many taken updates are not handled yet (stored or not).
    pub fn in_flight(&self) -> usize {
        let state = self.lock();
        state.holding.len() + state.stored.len()
    }

    /// How many taken updates hold the offset back.
    pub fn holding(&self) -> usize {
        self.lock().holding.len()
    }

    /// When the oldest update that holds the offset back was taken.
    pub fn held_since(&self) -> Option<Instant> {
        self.lock().holding.values().map(|h| h.since).min()
    }

    /// The updates that hold the offset back and can be stored, in id order.
    pub fn to_store(&self) -> Vec<ToStore> {
        self.lock()
            .holding
            .iter()
            .filter_map(|(id, h)| h.raw.clone().map(|raw| (*id, h.chat, raw)))
            .collect()
    }

    /// The updates `ids` are stored in the durable queue now: they no longer hold the offset back. Any of
    /// them handled meanwhile goes to the cleaner at once, since nothing else will delete its row.
    pub fn stored(&self, ids: &[i64]) {
        let mut state = self.lock();
        for id in ids {
            if state.holding.remove(id).is_some() {
                state.stored.insert(*id);
            } else if !state.stored.contains(id) {
                self.clean(*id);
            }
        }
        self.publish(&state);
    }

    /// Follows the offset as it moves.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.offset.subscribe()
    }

    fn finish(&self, id: i64) {
        let mut state = self.lock();
        if state.holding.remove(&id).is_none() && state.stored.remove(&id) {
            self.clean(id);
        }
        self.publish(&state);
    }

    fn clean(&self, id: i64) {
        match &self.cleaner {
            Some(cleaner) => {
                if cleaner.send(id).is_err() {
                    tracing::warn!(
                        update_id = id,
                        "the queue cleaner is gone; the row stays and is handled again at start"
                    );
                }
            }
            None => tracing::warn!(
                update_id = id,
                "a stored update was handled without a queue cleaner"
            ),
        }
    }

    fn publish(&self, state: &State) {
        let offset = state.offset();
        self.offset.send_if_modified(|current| {
            let changed = *current != offset;
            *current = offset;
            changed
        });
    }
}

/// One update taken and not yet handled. Dropping it marks the update handled.
#[derive(Debug)]
pub struct Ticket {
    id: i64,
    watermark: Watermark,
}

impl Ticket {
    /// The update's id.
    pub fn id(&self) -> i64 {
        self.id
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.watermark.finish(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_offset_waits_for_the_oldest_update_in_flight() {
        let marks = Watermark::new();
        assert_eq!(marks.offset(), 0);
        let first = marks.take(10).expect("new");
        let second = marks.take(11).expect("new");
        let third = marks.take(12).expect("new");
        assert_eq!(marks.offset(), 10);
        drop(second);
        drop(third);
        assert_eq!(marks.offset(), 10, "11 and 12 are done but 10 is not");
        assert!(marks.take(11).is_none(), "a second delivery is refused");
        assert!(marks.take(12).is_none());
        drop(first);
        assert_eq!(marks.offset(), 13);
        assert!(marks.pass(13));
        assert_eq!(marks.offset(), 14, "an unreadable update is passed at once");
        assert!(!marks.pass(13));
    }

    #[tokio::test]
    async fn subscribers_see_the_offset_move() {
        let marks = Watermark::new();
        let mut offset = marks.subscribe();
        let ticket = marks.take(5).expect("new");
        assert!(offset.has_changed().unwrap());
        assert_eq!(*offset.borrow_and_update(), 5);
        drop(ticket);
        offset.changed().await.unwrap();
        assert_eq!(*offset.borrow(), 6);
    }

    fn raw(id: i64) -> Arc<str> {
        Arc::from(format!(r#"{{"update_id":{id}}}"#))
    }

    #[test]
    fn stored_updates_let_the_offset_pass_and_reach_the_cleaner_once_handled() {
        let (cleaner, mut cleaned) = mpsc::unbounded_channel();
        let marks = Watermark::with_cleaner(cleaner);
        let slow = marks.take_update(10, -1, raw(10)).expect("new");
        let behind = marks.take_update(11, -1, raw(11)).expect("new");
        let quick = marks.take_update(12, -2, raw(12)).expect("new");
        let unstorable = marks.take(13).expect("new");
        assert_eq!(marks.offset(), 10);
        let listed: Vec<(i64, i64)> = marks.to_store().iter().map(|u| (u.0, u.1)).collect();
        assert_eq!(listed, [(10, -1), (11, -1), (12, -2)]);
        // 12 is handled while the rows are being written: nobody else would delete its row.
        drop(quick);
        assert!(
            cleaned.try_recv().is_err(),
            "not stored yet, nothing to clean"
        );
        marks.stored(&[10, 11, 12]);
        assert_eq!(cleaned.try_recv(), Ok(12));
        assert_eq!(
            marks.offset(),
            13,
            "only the update without its text still holds"
        );
        assert_eq!((marks.holding(), marks.in_flight()), (1, 3));
        drop(unstorable);
        assert_eq!(marks.offset(), 14);
        assert!(marks.held_since().is_none());
        drop(behind);
        assert_eq!(cleaned.try_recv(), Ok(11));
        assert!(marks.take(11).is_none(), "a second delivery is refused");
        drop(slow);
        assert_eq!(cleaned.try_recv(), Ok(10));
        assert_eq!(marks.in_flight(), 0);
        assert!(cleaned.try_recv().is_err(), "each row is cleaned once");
    }

    #[test]
    fn updates_read_back_from_the_queue_never_hold_the_offset() {
        let (cleaner, mut cleaned) = mpsc::unbounded_channel();
        let marks = Watermark::with_cleaner(cleaner);
        let first = marks.adopt(40);
        let second = marks.adopt(41);
        assert_eq!(marks.offset(), 42);
        assert!(
            marks.take(41).is_none() && marks.take(30).is_none(),
            "Telegram's copies are refused"
        );
        let fresh = marks.take_update(42, -1, raw(42)).expect("new");
        assert_eq!(marks.offset(), 42);
        drop(second);
        drop(first);
        drop(fresh);
        assert_eq!(marks.offset(), 43);
        assert_eq!(cleaned.try_recv(), Ok(41));
        assert_eq!(cleaned.try_recv(), Ok(40));
        assert!(cleaned.try_recv().is_err(), "42 was never stored");
    }

    proptest! {
        /// Updates arrive in increasing order, some more than once, finish in any order, and are stored
        /// now and then. The offset never goes back, never passes an update that is neither handled nor
        /// stored, and ends one past the highest id; every stored update is cleaned exactly once.
        #[test]
        fn the_offset_never_passes_an_unhandled_update(
            steps in proptest::collection::vec((0u8..5, 1i64..4, any::<prop::sample::Index>()), 1..200)
        ) {
            let (cleaner, mut cleaned) = mpsc::unbounded_channel();
            let marks = Watermark::with_cleaner(cleaner);
            let mut next = 100i64;
            let mut tickets: Vec<Ticket> = Vec::new();
            let mut stored: HashSet<i64> = HashSet::new();
            let mut last_offset = marks.offset();
            for (action, gap, pick) in steps {
                match action {
                    0 | 1 => {
                        next += gap;
                        tickets.push(marks.take_update(next, -1, raw(next)).expect("a new id is taken"));
                    }
                    2 if next > 100 => {
                        // A redelivery of anything seen before is refused.
                        prop_assert!(marks.take(next - gap + 1).is_none());
                    }
                    3 => {
                        let ids: Vec<i64> = marks.to_store().iter().map(|u| u.0).collect();
                        // One of them may be handled while the rows are written.
                        if !tickets.is_empty() {
                            drop(tickets.swap_remove(pick.index(tickets.len())));
                        }
                        stored.extend(ids.iter().copied());
                        marks.stored(&ids);
                    }
                    _ => {
                        if !tickets.is_empty() {
                            drop(tickets.swap_remove(pick.index(tickets.len())));
                        }
                    }
                }
                let offset = marks.offset();
                prop_assert!(offset >= last_offset, "the offset went back");
                for ticket in &tickets {
                    prop_assert!(
                        ticket.id() >= offset || stored.contains(&ticket.id()),
                        "an update neither handled nor stored was passed"
                    );
                }
                last_offset = offset;
            }
            tickets.clear();
            prop_assert_eq!(marks.offset(), if next == 100 { 0 } else { next + 1 });
            prop_assert_eq!(marks.in_flight(), 0);
            let mut seen = Vec::new();
            while let Ok(id) = cleaned.try_recv() {
                seen.push(id);
            }
            let mut expected: Vec<i64> = stored.into_iter().collect();
            expected.sort();
            seen.sort();
            prop_assert_eq!(seen, expected);
        }
    }
}
